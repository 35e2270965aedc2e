"""Aspiration curves, the Pareto frontier and the Nash bargaining solution."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from sim.model.mechanisms.bargaining import (
    Frontier,
    aspiration,
    concession_left,
    nash_split,
    utility,
)
from sim.model.model import DiplomacyModel, Outcome
from tests.conftest import scenario


# Half-way to the deadline a side still asks 1 - 0.5^e of its room: 15/16 (Boulware),
# 1/2 (linear), 1 - 0.5^0.25 = 0.1591 (conceder).
@pytest.mark.parametrize(("e", "half"), [(4.0, 15 / 16), (1.0, 0.5), (0.25, 0.159103584746)])
def test_aspiration_curve_values(e, half):
    left = concession_left(np.array([0, 45, 90, 200]), 90, e)
    np.testing.assert_allclose(left, [1.0, half, 0.0, 0.0], atol=1e-12)
    # r = 0.2 with room 0.8: the side asks 1.0 on the first day, then r + 0.8 x left.
    np.testing.assert_allclose(aspiration(0.2, 0.8, 0.0, left), [1.0, 0.2 + 0.8 * half,
                                                                 0.2, 0.2], atol=1e-12)
    # Conceding a quarter of its room lowers every demand by a quarter of 0.8 x left.
    np.testing.assert_allclose(aspiration(0.2, 0.8, 0.25, left), [0.8, 0.2 + 0.6 * half,
                                                                  0.2, 0.2], atol=1e-12)
    # One value per replicate (the step's form) or any shape: the same curve.
    grid = np.array([[0, 45], [90, 200]])
    np.testing.assert_allclose(concession_left(grid, 90, e), left.reshape(2, 2), atol=1e-12)


def test_both_governments_at_once_is_each_government_alone():
    days = np.array([0, 3, 30, 60, 89, 95])
    both = concession_left(days, 90, np.array([[4.0], [1.0]]))
    assert np.array_equal(both[0], concession_left(days, 90, 4.0))
    assert np.array_equal(both[1], concession_left(days, 90, 1.0))


def test_boulware_holds_out_longer_than_a_conceder():
    t = np.arange(0, 91)
    boulware, conceder = concession_left(t, 90, 4.0), concession_left(t, 90, 0.25)
    assert (boulware[1:-1] > conceder[1:-1]).all()


def unit_pie() -> Frontier:
    return Frontier([0, 1, 0], [0, 1, 0], [1, 1, 1], [0, 0, 0], [0.5, 0.5, 0.5],
                    [False, True, False])


@settings(deadline=None)
@given(d1=st.floats(0, 0.5), d2=st.floats(0, 0.5))
def test_nash_on_a_unit_pie_is_the_closed_form_split(d1, d2):
    u = float(unit_pie().nash(d1, d2))
    assert u == pytest.approx(nash_split(d1, d2), abs=1e-12)
    # Brute force: the split that maximises the product of gains over the fallbacks.
    x = np.linspace(d1, 1 - d2, 200_001)
    best = x[np.argmax((x - d1) * (1 - x - d2))]
    assert nash_split(d1, d2) == pytest.approx(best, abs=1e-5)


def test_nash_split_worked_examples():
    assert nash_split(0.0, 0.0) == 0.5
    assert nash_split(0.2, 0.4) == pytest.approx(0.4)  # 0.2 + (1 - 0.6) / 2
    assert nash_split(0.5, 0.5) == 0.5


def test_nash_is_nan_without_a_bargaining_range():
    assert np.isnan(unit_pie().nash(0.7, 0.5))


def test_frontier_logrolls_each_issue_to_the_side_that_values_it_more():
    f = Frontier([0.45, 0.25, 0.30], [0.20, 0.55, 0.25], [1, 1, 1], [0, 0, 0],
                 [0.5, 0.5, 0.5], [True, True, True])
    assert [int(k) for k in f.order] == [0, 2, 1]  # drugs, migration, then oil
    terms = f.terms(0.75)  # exactly drugs and migration to the US
    np.testing.assert_allclose(terms, [1.0, 0.0, 1.0])
    assert float(f.ve_given_us(0.75)) == pytest.approx(0.55)
    assert float(f.us_given_ve(0.55)) == pytest.approx(0.75)


weights = st.lists(st.floats(0.05, 1.0), min_size=3, max_size=3).map(
    lambda w: np.array(w) / sum(w))


@settings(max_examples=60, deadline=None)
@given(s_us=weights, s_ve=weights, r_us=st.floats(0.0, 0.6), r_ve=st.floats(0.0, 0.6))
@example(s_us=np.array([0.48484848, 0.24242424, 0.27272727]),
         s_ve=np.array([0.53333333, 0.3, 0.16666667]), r_us=0.515625, r_ve=0.5625)
def test_nash_solution_beats_every_deal_on_a_grid(s_us, s_ve, r_us, r_ve):
    f = Frontier(s_us, s_ve, [1, 1, 1], [0, 0, 0], [0.5, 0.5, 0.5], [True] * 3)
    u = float(f.nash(r_us, r_ve))
    grid = np.array(list(itertools.product(np.linspace(0, 1, 21), repeat=3)))
    gain_us = utility(grid, [1, 1, 1], s_us) - r_us
    gain_ve = utility(grid, [0, 0, 0], s_ve) - r_ve
    ok = (gain_us >= 0) & (gain_ve >= 0)
    if np.isnan(u):
        assert not ok.any() or (gain_us * gain_ve)[ok].max() < 1e-9
        return
    best = float((u - r_us) * (f.ve_given_us(u) - r_ve))
    assert u >= r_us - 1e-12 and float(f.ve_given_us(u)) >= r_ve - 1e-12
    # A grid of 21 steps may hold no deal both accept where the frontier holds some (a
    # sliver near both reservation values): then there is nothing on it to beat.
    if ok.any():
        assert best >= (gain_us * gain_ve)[ok].max() - 1e-9
    x = f.terms(u)
    assert float(utility(x, [1, 1, 1], s_us)) == pytest.approx(u)


#: The oil deal, once made, never breaks (§3.12), so the deal is the run's outcome.
HOLDS = "behaviour.compliance.break_rates.oil=0"
#: ... and leaves the status quo, hence the reservation values, where they were (§3.15).
STAYS = "behaviour.status_quo.deals=false"


def test_model_deal_is_the_nash_split_on_a_unit_pie():
    """Both sides linear conceders over oil alone: the deal is d1 + (1 - d1 - d2) / 2."""
    scn = scenario(
        "actors.us.salience.oil=1", "actors.venezuela.salience.oil=1",
        "actors.us.readiness_bias=20", "actors.venezuela.readiness_bias=20",
        "actors.us.win_set=1", "actors.venezuela.win_set=1",
        "actors.us.concession=linear", "actors.venezuela.concession=linear",
        "talks.agenda=[oil]", "talks.deadline_days=40", HOLDS, STAYS, horizon_days=120)
    m = DiplomacyModel(scn, n_replicates=2).run()
    assert (m.outcome == Outcome.NARROW_DEAL).all()  # a one-issue agenda: a narrow deal
    r_us, r_ve = m.reservation[:, 0]
    assert m.deal[1, 0] == pytest.approx(nash_split(r_us, r_ve), abs=1e-12)
    assert m.deal[1, 0] == pytest.approx(m.nash_terms[1, 0], abs=1e-12)
    # Off-agenda issues stay at the status quo.
    assert m.deal[0, 0] == 0.5 and m.deal[2, 0] == 0.5


def test_a_boulware_us_gets_more_than_a_conceder_us():
    base = ("actors.us.salience.oil=1", "actors.venezuela.salience.oil=1",
            "actors.us.readiness_bias=20", "actors.venezuela.readiness_bias=20",
            "actors.us.win_set=1", "actors.venezuela.win_set=1",
            "actors.venezuela.concession=linear", "talks.agenda=[oil]",
            "talks.deadline_days=40", HOLDS)
    deals = {}
    for style in ("boulware", "conceder"):
        m = DiplomacyModel(scenario(*base, f"actors.us.concession={style}",
                                    horizon_days=120), n_replicates=1).run()
        assert m.outcome[0] == Outcome.NARROW_DEAL
        deals[style] = m.deal[1, 0]
    assert deals["boulware"] > deals["conceder"]
