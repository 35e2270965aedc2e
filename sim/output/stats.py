"""Confidence intervals for proportions, light enough to import anywhere (numpy only)."""

from __future__ import annotations

from typing import Any

import numpy as np

#: The standard normal quantile of a two-sided 95% interval.
Z95 = 1.959963984540054


def wilson_interval(k: Any, n: Any, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a binomial proportion k/n (vectorised).

    Wilson (1927); it stays inside [0, 1] and behaves well for proportions near 0 or 1,
    unlike the normal approximation. The same as
    ``scipy.stats.binomtest(k, n).proportion_ci(method="wilson")`` to within 1e-15 (a test
    checks a grid of k and n).
    """
    # Written out rather than taken from scipy.stats.binomtest: every `dipsim run` needs
    # these intervals, nothing else in a run imports scipy.stats, and that import alone
    # (0.5-0.7 s) made `dipsim run --runs 1 --no-charts` 32% slower and `dipsim run`
    # (1,000 runs) 23% slower, far over the 5% the architecture issue allows
    # (docs/performance.md, "Statistics from scipy"; benchmarks/library_stats.py).
    k, n = np.asarray(k, dtype=float), np.asarray(n, dtype=float)
    p = k / n
    denom = 1.0 + z**2 / n
    centre = (p + z**2 / (2 * n)) / denom
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    # The interval always holds p; rounding alone (0 or n successes) could leave it 1e-17
    # outside.
    return np.clip(np.minimum(centre - half, p), 0.0, 1.0), \
        np.clip(np.maximum(centre + half, p), 0.0, 1.0)


def in_play_quantiles(values: np.ndarray, valid: np.ndarray, levels: tuple[float, ...]
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Quantiles and means over the last axis, counting only the entries still in play.

    Args:
        values: Shape ``(days, variables, runs)``.
        valid: Shape ``(days, runs)``: which runs count on each day.
        levels: Quantile levels in [0, 1].

    Returns:
        ``(quantiles, means)`` of shapes ``(levels, days, variables)`` and
        ``(days, variables)``; NaN on a day with no run in play. Each quantile is numpy's
        default (linear interpolation between order statistics, the same arithmetic as
        ``np.quantile``), so with every run in play the result is ``np.quantile``'s.
    """
    days, nvar, _ = values.shape
    if valid.all():
        return np.quantile(values, levels, axis=2), values.mean(axis=2)
    x = np.sort(np.where(valid[:, None, :], values, np.nan), axis=2)  # NaN sort last
    n = valid.sum(axis=1)
    out = np.full((len(levels), days, nvar), np.nan)
    some = n > 0
    for qi, level in enumerate(levels):
        pos = level * (np.maximum(n, 1) - 1)
        lo = np.floor(pos).astype(np.int64)
        hi = np.minimum(lo + 1, np.maximum(n, 1) - 1)
        t = (pos - lo)[:, None]
        a = np.take_along_axis(x, np.broadcast_to(lo[:, None, None], (days, nvar, 1)), 2)[..., 0]
        b = np.take_along_axis(x, np.broadcast_to(hi[:, None, None], (days, nvar, 1)), 2)[..., 0]
        diff = b - a
        lerp = np.where(t >= 0.5, b - diff * (1 - t), a + diff * t)  # as numpy's _lerp
        out[qi, some] = lerp[some]
    total = np.where(valid[:, None, :], values, 0.0).sum(axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(some[:, None], total / n[:, None], np.nan)
    return out, mean
