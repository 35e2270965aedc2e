"""Counting the True values of boolean masks along their first axis, fast.

Summing a mask's bytes (``view(np.uint8)``) is several times faster than ``count_nonzero``
along an axis or adding booleans to integers, and in bytes too (no conversion on the way)
while no count can pass 255. The model counts this way wherever it counts per replicate
on the hot path: the Poisson thresholds a uniform exceeds (:mod:`sim.model.timeline`), the
deals in force and the actions taken so far (:mod:`sim.model.views`). The logit choice
(:mod:`sim.model.mechanisms.choice`) counts in signed bytes of its own, which it then adds
to.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def count_true(mask: NDArray[np.bool_]) -> NDArray:
    """The number of True values along axis 0 of ``mask``.

    Returns:
        Shape ``mask.shape[1:]``; ``uint8`` while ``mask.shape[0]`` is at most 255 (so no
        count can overflow), else ``int32``.
    """
    small = np.uint8 if mask.shape[0] <= np.iinfo(np.uint8).max else np.int32
    return mask.view(np.uint8).sum(axis=0, dtype=small)
