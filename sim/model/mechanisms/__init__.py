"""The mechanisms of the model, each written once as small pure functions on arrays.

- ``escalation``: Richardson hostility, incidents, the win probability of a contest, the
  values of war and of no deal (Richardson 1960; Schelling 1960; Fearon 1995);
- ``bargaining``: utilities, the Pareto frontier (logrolling), the Nash solution, the
  time-based concession curve (Raiffa 1982; Nash 1950; Faratin et al. 1998);
- ``readiness``: readiness to talk, and when talks open and break off (Zartman 2000;
  Fearon 1994);
- ``choice``: the logit choice of an action (McFadden 1974; McKelvey and Palfrey 1995);
- ``pain``: sanction pain and adaptation (Dizaji and van Bergeijk 2013).

The model's step and the government agents call these functions; the closed-form tests
call the same functions. There is no second, reference copy of any rule.

Imports allowed: numpy, and nothing of dipsim's but the leaf vocabulary modules of
``sim.model``: a mechanism knows no model, scenario or agent.
"""
