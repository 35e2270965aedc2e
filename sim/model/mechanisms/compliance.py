"""Compliance, defection and snapback: how a deal in force breaks (``docs/model.md`` §3.12).

A deal is implemented over time; either side may fall short (an electoral condition unmet,
flights suspended) and the other may reimpose what it gave (relief withdrawn months later).
Downs, Rocke and Barsoom (1996) on compliance; Drezner (1999) on the sanctions paradox. The
daily hazard that a deal on track ``k`` in force breaks rises with hostility:

    lambda_k = b_k * exp(f * (H_US + H_VE))

Deals that are carried out at once (a prisoner exchange) cannot break (``b = 0``). The
hazard is a probability, so it is capped at 1 (the exponent at 50, which any hazard above 1
has passed).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray


def break_hazards(base: ArrayLike, hostility: NDArray, factor: float) -> NDArray:
    """Daily hazard of each track's deal breaking, shape ``(K, n)``.

    Args:
        base: Each track's hazard with no hostility, shape ``(K,)``.
        hostility: Both sides' hostility, shape ``(2, n)``.
        factor: ``f``, how fast the hazard rises with hostility.
    """
    rise = np.exp(np.minimum(factor * hostility.sum(axis=0), 50.0))
    return np.minimum(np.asarray(base, dtype=float)[:, None] * rise, 1.0)
