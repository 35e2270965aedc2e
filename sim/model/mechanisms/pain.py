"""Sanction pain and adaptation: measures bite early and fade as the target adapts.

- **Adaptation to one measure** grows with the measure's age (days since it began):
  ``A(age) = A_max (1 - (1 - rate)^age)``, so the share of its pain still felt is
  ``1 - A(age)``. Each measure has its own age, so a new measure (a blockade aimed at the
  shadow fleet) bites fully at first even where older sanctions have long been absorbed
  (Dizaji and van Bergeijk 2013: sanctions have an early window of effect that closes as
  the target adapts).
- **Pain** relaxes toward the adapted exposure of the measures in force and takes one-off
  shocks, which move it the fraction ``q`` of the way to 1, so it stays in [0, 1]:
  ``D* = D + gamma (L - D)``, ``D' = D* + (1 - D*) q``.
- The **recorded adaptation** is a summary, ``1 - L / E+``: the share of today's exposure
  that adaptation, oil buyers and the clip at 1 remove.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray


def kept_share(age: ArrayLike, rate: float, max_adaptation: float) -> NDArray:
    """Share of a measure's pain still felt at ``age`` days: ``1 - A_max (1 - (1 - rate)^age)``."""
    return 1.0 - max_adaptation * (1.0 - (1.0 - rate) ** age)


def relax_pain(pain: NDArray, level: NDArray, response: float, shock: NDArray) -> NDArray:
    """Today's pain: toward the adapted exposure ``level`` at ``response``, then one-off shocks.

    Args:
        pain: Yesterday's pain.
        level: Today's adapted exposure, clipped to [0, 1].
        response: gamma, the daily rate at which pain moves toward the exposure.
        shock: Today's one-off pain (events and pending retaliation), clipped to [0, 1].
    """
    relaxed = pain + response * (level - pain)
    return relaxed + (1.0 - relaxed) * shock


def recorded_adaptation(exposure: NDArray, level: NDArray) -> NDArray:
    """``1 - level / exposure`` where there is exposure, else 0 (a summary for records)."""
    exposure = np.asarray(exposure)
    if exposure.size == 1:  # (one exposure for every replicate, most days: no masks needed)
        if exposure.item() > 0:
            return 1.0 - level / exposure
        return np.zeros(np.broadcast_shapes(exposure.shape, np.shape(level)))
    return np.where(exposure > 0, 1.0 - level / np.where(exposure > 0, exposure, 1), 0.0)
