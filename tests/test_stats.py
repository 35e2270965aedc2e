"""Statistics that come from scipy, or are checked against it: Wilson intervals, Poisson draws."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats

from sim.model.timeline import poisson_thresholds
from sim.output.stats import Z95, wilson_interval


def _grid() -> tuple[np.ndarray, np.ndarray]:
    ks, ns = [], []
    for n in [*range(1, 61), 99, 100, 101, 120, 500, 600, 1000, 3000]:
        for k in range(n + 1) if n <= 1000 else (0, 1, 2, n // 3, n // 2, n - 2, n - 1, n):
            ks.append(k)
            ns.append(n)
    for n in (10**5, 10**6, 10**7):
        for k in (0, 1, 17, n // 100, n // 2, n - 1, n):
            ks.append(k)
            ns.append(n)
    return np.array(ks), np.array(ns)


@pytest.mark.slow
def test_wilson_intervals_equal_scipy_binomtest_on_a_grid():
    ks, ns = _grid()
    lo, hi = wilson_interval(ks, ns)  # vectorised: one call for the whole grid
    for k, n, a, b in zip(ks, ns, lo, hi, strict=True):
        ci = scipy.stats.binomtest(int(k), int(n)).proportion_ci(confidence_level=0.95,
                                                                  method="wilson")
        assert a == pytest.approx(ci.low, abs=1e-12) and b == pytest.approx(ci.high, abs=1e-12)
        assert 0.0 <= a <= k / n <= b <= 1.0
    # Scalars give scalars, and a 2-D table keeps its shape.
    assert np.ndim(wilson_interval(3, 10)[0]) == 0
    assert wilson_interval(ks[:6].reshape(2, 3), 60)[1].shape == (2, 3)


def test_z95_is_the_normal_quantile():
    assert abs(Z95 - scipy.stats.norm.ppf(0.975)) < 1e-15


@pytest.mark.parametrize("per_week", [0.0, 0.5, 1.0, 1.75, 2.0, 2.5, 3.5, 7.0, 30.0, 100.0])
def test_poisson_thresholds_are_scipys_cdf_up_to_its_quantile(per_week):
    rate = per_week / 7.0
    thresholds = poisson_thresholds(rate)
    m = int(scipy.stats.poisson.ppf(1.0 - 1e-12, rate))
    assert len(thresholds) == m + 1
    assert np.array_equal(thresholds, np.minimum(scipy.stats.poisson.cdf(np.arange(m + 1), rate),
                                                 1.0))
    assert np.all(np.diff(thresholds) >= 0) and thresholds[-1] >= 1.0 - 1e-12


def test_poisson_counts_by_inverse_cdf_have_the_poisson_distribution():
    rate = 1.75 / 7.0
    u = np.random.default_rng(5).random(200_000)
    counts = (u[:, None] > poisson_thresholds(rate)[None, :]).sum(axis=1)
    assert counts.mean() == pytest.approx(rate, rel=0.02)
    observed = np.bincount(counts, minlength=4)[:4] / len(u)
    assert observed == pytest.approx(scipy.stats.poisson.pmf(np.arange(4), rate), abs=3e-3)
