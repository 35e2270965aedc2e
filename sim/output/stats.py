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
