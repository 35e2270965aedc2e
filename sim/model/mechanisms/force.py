"""Choosing force, removing a leader, and the legal cost of force (``docs/model.md`` §3.13).

A government can decide to use force when force is worth more to it than the status quo and
the deal it can get, within its domestic and legal costs (Fearon 1995; Powell 2006 on
commitment problems). Force used against a leader whose exit the striker demands can remove
him, with a probability that grows with the striker's military advantage and falls with the
cohesion of the regime's hardliners (the military command):

    p_removal = E * p_win * (1 - F_target)

Strikes whose lawfulness is disputed (on boats without public evidence of drugs, on land)
cost the striker at home and abroad: a legal and evidentiary cost that grows with their
deaths and decays slowly, and that weighs against using force again:

    L' = (1 - decay) L + per_death * deaths
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray


def removal_probability(demand: ArrayLike, p_win: ArrayLike, hardliners: ArrayLike) -> NDArray:
    """The chance that force removes the target's leader: ``E p_win (1 - F)``, in [0, 1]."""
    # (np.minimum(np.maximum(...)) is np.clip without its Python wrapper: the same values.)
    return np.minimum(np.maximum(np.minimum(np.asarray(demand), 1.0) * np.asarray(p_win)
                                 * (1.0 - np.asarray(hardliners)), 0.0), 1.0)


def legal_cost(cost: NDArray, deaths: ArrayLike, per_death: float, decay: float) -> NDArray:
    """Tomorrow's legal cost: ``(1 - decay) L + per_death * deaths``."""
    return (1.0 - decay) * cost + per_death * np.asarray(deaths)
