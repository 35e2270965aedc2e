"""Richardson hostility, win probability and fallback values against their closed forms."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sim.model.mechanisms.escalation import (
    fallback_value,
    richardson_equilibrium,
    richardson_stable,
    richardson_step,
    war_value,
    win_probability,
)
from sim.model.model import DiplomacyModel
from tests.conftest import scenario


@pytest.mark.parametrize(("n", "expected"), [(1, 2 / 3), (2, 4 / 5), (4, 16 / 17),
                                              (8, 256 / 257)])
def test_win_probability_table_for_a_two_to_one_ratio(n, expected):
    assert win_probability(2.0, 1.0, n) == pytest.approx(expected, rel=1e-15)
    assert win_probability(1.0, 2.0, n) == pytest.approx(1 - expected, rel=1e-12)


def test_win_probability_of_equals_is_a_half_and_large_n_does_not_overflow():
    assert win_probability(3.0, 3.0, 50) == 0.5
    assert win_probability(4.0, 1.0, 64) == pytest.approx(1.0)
    assert win_probability(1.0, 4.0, 64) == pytest.approx(0.0, abs=1e-30)


def test_richardson_equilibrium_worked_example():
    # dx = k y - a x + g, dy = l x - b y + h with a=.1, b=.2, k=.05, l=.04, g=.01, h=.02:
    # by hand, x* = 0.003 / 0.018 = 1/6 and y* = 0.0024 / 0.018 = 2/15 ...
    x, y = richardson_equilibrium(a=0.1, b=0.2, k=0.05, l=0.04, g=0.01, h=0.02)
    assert x == pytest.approx(1 / 6, rel=1e-12)
    assert y == pytest.approx(2 / 15, rel=1e-12)
    # ... where both sides' hostility stops changing.
    assert 0.05 * y - 0.1 * x + 0.01 == pytest.approx(0.0, abs=1e-15)
    assert 0.04 * x - 0.2 * y + 0.02 == pytest.approx(0.0, abs=1e-15)
    assert richardson_stable(0.1, 0.2, 0.05, 0.04)
    assert not richardson_stable(0.1, 0.1, 0.2, 0.2)
    with pytest.raises(ValueError, match="parallel"):
        richardson_equilibrium(0.1, 0.1, 0.1, 0.1, 0.0, 0.0)


@pytest.mark.slow
@settings(deadline=None)
@given(a=st.floats(0.05, 0.9), b=st.floats(0.05, 0.9), k=st.floats(0, 0.2),
       l=st.floats(0, 0.2), g=st.floats(0, 0.1), h=st.floats(0, 0.1))
def test_daily_richardson_map_converges_to_the_equilibrium_when_stable(a, b, k, l, g, h):
    assume(a * b > 1.2 * k * l)
    x_star, y_star = richardson_equilibrium(a, b, k, l, g, h)
    x, y = np.array(0.0), np.array(0.0)
    for _ in range(5000):
        x, y = richardson_step(x, y, k, a, g), richardson_step(y, x, l, b, h)
    assert float(x) == pytest.approx(x_star, rel=1e-6, abs=1e-9)
    assert float(y) == pytest.approx(y_star, rel=1e-6, abs=1e-9)


def test_unstable_richardson_runs_away():
    x, y = np.array(0.1), np.array(0.1)
    for _ in range(500):
        x, y = richardson_step(x, y, 0.3, 0.1, 0.0), richardson_step(y, x, 0.3, 0.1, 0.0)
    assert float(x) > 1e6


def test_model_hostility_reaches_the_richardson_equilibrium_with_noise_off():
    scn = scenario("actors.us.hostility.reaction=0.04", "actors.us.hostility.restraint=0.1",
                   "actors.us.hostility.grievance=0.01", "actors.venezuela.hostility.reaction=0.06",
                   "actors.venezuela.hostility.restraint=0.12",
                   "actors.venezuela.hostility.grievance=0.015", horizon_days=800)
    m = DiplomacyModel(scn, n_replicates=3).run()
    x_star, y_star = richardson_equilibrium(a=0.1, b=0.12, k=0.04, l=0.06, g=0.01, h=0.015)
    np.testing.assert_allclose(m.hostility[0], x_star, rtol=1e-9)
    np.testing.assert_allclose(m.hostility[1], y_star, rtol=1e-9)
    assert (m.outcome == 0).all()


def test_both_sides_stepped_at_once_is_each_side_stepped_alone():
    """The step's form (both rows, shocks added in order) is the one-side rule."""
    h = np.array([[0.2, 0.5], [0.3, 0.1]])
    k, a, g = np.array([[0.04], [0.06]]), np.array([[0.1], [0.12]]), np.array([[0.01], [0.02]])
    shocks = (np.array([[0.05, 0.0], [0.0, -0.3]]), np.array([[0.01, 0.02], [0.0, 0.0]]))
    both = richardson_step(h, h[::-1], k, a, g, *shocks)
    for i in (0, 1):
        alone = richardson_step(h[i], h[1 - i], k[i, 0], a[i, 0], g[i, 0],
                                shocks[0][i], shocks[1][i])
        assert np.array_equal(both[i], alone)
    assert both[1, 1] == 0.0  # floored at 0: 0.1 + 0.03 - 0.012 + 0.02 - 0.3 < 0


def test_war_and_fallback_values():
    assert war_value(0.8, 0.3) == pytest.approx(0.5)
    # The strong side prefers war when it beats the eroded status quo ...
    assert fallback_value(0.5, 0.4, 0.0, 0.0) == pytest.approx(0.5)
    # ... the weak side expects war with the probability the other will fight.
    assert fallback_value(-0.3, 0.7, 0.2, 0.25) == pytest.approx(0.25 * -0.3 + 0.75 * 0.5)
