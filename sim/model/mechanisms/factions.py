"""Hardliners at home: the two-level game (``docs/model.md`` §3.14).

Each government rests on a coalition; ``F`` is the support of its hardliners (the military
command and hard-liners in Caracas; the hawks in Washington), 0 to 1. It moves toward a
logistic target: hostility rallies support round the flag, sanction pain splits the elite
(Putnam 1988 on two-level games; Fearon 1994 on audience costs):

    F* = logistic(logit(F_0) + rally * H - defection * D),   F' = F + gamma (F* - F)

Hardliners above their starting support narrow the domestic win-set:

    floor = 1 - w * (1 - narrowing * max(F - F_0, 0))
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import expit


def logit(p: ArrayLike) -> NDArray:
    """``log(p / (1 - p))`` with p kept inside (1e-9, 1 - 1e-9)."""
    q = np.minimum(np.maximum(np.asarray(p, dtype=float), 1e-9), 1 - 1e-9)
    return np.log(q / (1.0 - q))


def hardliner_target(start: ArrayLike, hostility: NDArray, pain: NDArray, rally: float,
                     defection: float) -> NDArray:
    """Where hardliners' support is heading: ``logistic(logit(F_0) + rally H - defection D)``."""
    z = logit(start) + rally * hostility - defection * pain
    return expit(z)  # the logistic, without overflow for any z


def winset_floor(win_set: ArrayLike, hardliners: NDArray, start: ArrayLike,
                 narrowing: float) -> NDArray:
    """The least deal utility ratifiable at home, with hardliners narrowing the win-set."""
    above = np.maximum(hardliners - np.asarray(start), 0.0)
    return 1.0 - np.asarray(win_set) * (1.0 - narrowing * above)
