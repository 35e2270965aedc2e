"""The parameters a model derives from its scenario once, before the first day.

:func:`set_parameters` sets the per-government coefficients (Richardson's, resolve, the
win-set, audience costs, hardliners), the contest of force and the value of war, the
status quo, saliences after producers' cooperation, the Pareto frontier of the issues on
the agenda, the tracks a bargain at the table settles, the mediator, and the rate of the
conflict-cooperation index (``docs/model.md`` §4).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from sim.model.issues import ISSUES, TRACK_ISSUES, TRACKS, tracks_on_table
from sim.model.mechanisms.bargaining import Frontier
from sim.model.mechanisms.escalation import war_value, win_probability
from sim.model.third_parties import Mediator, OilBuyer, Producer, us_salience_with_producers

if TYPE_CHECKING:
    from sim.model.model import DiplomacyModel


def set_parameters(m: DiplomacyModel) -> None:
    """Set ``m``'s parameters from its scenario (its third parties already made)."""
    scn = m.spec
    us, ve = scn.actors.us, scn.actors.venezuela
    both = (us, ve)

    def pair(get: Any) -> NDArray:
        return np.array([float(get(a)) for a in both])[:, None]

    m.k = pair(lambda a: a.hostility.reaction)
    m.a = pair(lambda a: a.hostility.restraint)
    m.g = pair(lambda a: a.hostility.grievance)
    m.rho0 = pair(lambda a: a.resolve_baseline)
    m.win_set = pair(lambda a: a.win_set)
    m.audience = pair(lambda a: a.audience_cost)
    m.h0 = pair(lambda a: a.hardliners)
    n = scn.escalation.decisiveness
    p_us = float(win_probability(us.capability, ve.capability, n))
    m.win_prob = np.array([p_us, 1.0 - p_us])
    cost = np.array([scn.escalation.conflict_cost * (1.0 - a.cost_tolerance) for a in both])
    m.war = war_value(m.win_prob, cost)[:, None]
    m.sq0 = np.array(scn.status_quo.as_tuple())
    m.producers = [tp for tp in m.third_parties if isinstance(tp, Producer)]
    m.buyers = [tp for tp in m.third_parties if isinstance(tp, OilBuyer)]
    #: Saliences as the model uses them: the US's after producers' cooperation.
    m.salience = (us_salience_with_producers(us.salience.as_tuple(), m.producers),
                  ve.salience.as_tuple())
    m.ideals = np.array([us.ideal.as_tuple(), ve.ideal.as_tuple()])
    agenda = [i in scn.talks.agenda for i in ISSUES]
    m.frontier = Frontier(m.salience[0], m.salience[1], us.ideal.as_tuple(),
                          ve.ideal.as_tuple(), m.sq0, agenda)
    #: The tracks an agreement at the table settles: the agenda's, among those on the
    #: table (§3.6). With none, the bargain at the table cannot close: the talks are about
    #: tracks with no issue axis (prisoners, the political question).
    on_table = tracks_on_table(scn)
    m.agenda_tracks = np.array([t in on_table and t in TRACK_ISSUES
                                and TRACK_ISSUES[t] in scn.talks.agenda for t in TRACKS])
    mediators = [tp for tp in m.third_parties if isinstance(tp, Mediator)]
    #: The strongest mediator's leverage proposes the split (None: no mediator).
    m.mediator = max(mediators, key=lambda x: x.leverage) if mediators else None
    #: Whether the timeline holds mediation; if not, a declared mediator offers its own.
    m.mediation_on_timeline = any(p.type.value == "mediation" for p in scn.pressures)
    m.index_rate = 1.0 - 0.5 ** (1.0 / scn.behaviour.index_halflife_days)

