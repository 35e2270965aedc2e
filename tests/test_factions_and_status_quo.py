"""Hardliners at home (§3.14) and a status quo that moves with events (§3.15), against
closed forms and scripted exchanges on the quiet base (``tests.conftest.QUIET``)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.mechanisms.factions import hardliner_target, winset_floor
from sim.model.mechanisms.status_quo import moved, utilities
from tests.conftest import scenario
from tests.daylog import run_days

E = np.e

# ------------------------------------------------------------------ hardliners (§3.14)


def test_hardliner_target_is_the_logistic_of_start_rally_and_defection():
    """logistic(logit(F0) + rally H - defection D), rally 2, defection 3:
    F0 = 1/2, H = 0.3, D = 0.2: logistic(0 + 0.6 - 0.6) = 1/2;
    F0 = 1/5, H = 1/2, D = 0: logistic(ln(1/4) + 1) = 1 / (1 + 4/e) = e / (e + 4);
    F0 = 1/2, H = 0, D = ln(3)/3: logistic(-ln 3) = 1/4."""
    target = hardliner_target(np.array([0.5, 0.2, 0.5]), np.array([0.3, 0.5, 0.0]),
                              np.array([0.2, 0.0, np.log(3) / 3]), 2.0, 3.0)
    np.testing.assert_allclose(target, [0.5, E / (E + 4), 0.25], rtol=1e-14)


def test_hardliner_target_has_no_overflow_for_extreme_inputs():
    """Support pinned at 0 or 1 (logit clipped at 1e-9) and hostility or pain of 1e6 at a
    weight of 1000 give targets of exactly 1 and 0, with no floating-point warning."""
    with np.errstate(all="raise"):
        target = hardliner_target(np.array([0.0, 1.0, 0.5, 0.5]),
                                  np.array([1e6, 0.0, 1e6, 0.0]),
                                  np.array([0.0, 1e6, 0.0, 1e6]), 1e3, 1e3)
    np.testing.assert_array_equal(target, [1.0, 0.0, 1.0, 0.0])
    assert hardliner_target(0.0, 0.0, 0.0, 2.0, 3.0) == pytest.approx(1e-9, rel=1e-6)


def test_winset_floor_narrows_only_with_hardliners_above_their_start():
    """1 - w (1 - narrowing max(F - F0, 0)) with w = 0.6, narrowing 0.5, F0 = 0.5:
    F = 0.7 gives 1 - 0.6 x 0.9 = 0.46; F = 0.3 (below its start) 1 - 0.6 = 0.4."""
    np.testing.assert_allclose(winset_floor(0.6, np.array([0.7, 0.3]), 0.5, 0.5),
                               [0.46, 0.4], rtol=1e-14)


def test_hardliners_move_toward_their_target_at_the_response_rate():
    """US hostility held at 0.5 (no reaction, restraint 0.1, grievance 0.05), Venezuela's
    at 0, no pain: the US target is logistic(0 + 2 x 0.5) = e / (1 + e), Venezuela's its
    start 1/2. With response 0.2, after day t the US support is
    T + (1/2 - T) 0.8^(t + 1), and Venezuela's stays 1/2."""
    scn = scenario("actors.us.hostility={reaction: 0, restraint: 0.1, grievance: 0.05, "
                   "initial: 0.5}",
                   "actors.venezuela.hostility={reaction: 0, restraint: 0.1, grievance: 0, "
                   "initial: 0}", "behaviour.factions.response=0.2", horizon_days=12)
    _, _, kept = run_days(scn, keep=lambda m: (m.hardliners[:, 0].copy(),
                                                m.hostility[:, 0].copy()))
    hardliners = np.array([k[0] for k in kept])
    np.testing.assert_allclose([k[1] for k in kept], [[0.5, 0.0]] * 12, rtol=1e-14, atol=0)
    target = E / (1 + E)
    np.testing.assert_allclose(hardliners[:, 0], target + (0.5 - target) * 0.8 ** np.arange(
        1, 13), rtol=1e-13)
    np.testing.assert_array_equal(hardliners[:, 1], 0.5)


# ------------------------------------------------------------------ the status quo (§3.15)


def test_status_quo_moves_with_relief_and_paused_flights_and_a_deal_replaces_it():
    """Start (0.5, 0.6, 0.7), relief rate 0.3, flights rate 0.4. Replicate 0: nothing moves.
    Replicate 1: relief 1 moves oil to 0.6 - 0.3 = 0.3, flights paused 0.5 move migration
    to 0.7 - 0.2 = 0.5. Replicate 2: relief 3 would move oil below 0: clipped at 0; a drugs
    deal in force puts drugs at its terms, 0.9."""
    deals = np.zeros((3, 3), bool)
    deals[0, 2] = True
    sq = moved([0.5, 0.6, 0.7], np.array([0.0, 1.0, 3.0]), np.array([0.0, 0.5, 0.0]), 0.3,
               0.4, deals, np.full((3, 3), 0.9))
    np.testing.assert_allclose(sq, [[0.5, 0.5, 0.9], [0.6, 0.3, 0.0], [0.7, 0.5, 0.7]],
                               rtol=0, atol=1e-15)


def test_status_quo_utilities_are_salience_weighted_closeness_to_each_ideal():
    """U = sum_k s_k (1 - |sq_k - ideal_k|) with the default ideals and saliences:
    at (0.5, 0.5, 0.5) both get 0.5; at (1, 0, 0.5) the US (0.45, 0.25, 0.30) gets
    0.45 + 0 + 0.15 = 0.6 and Venezuela (0.20, 0.55, 0.25) 0 + 0.55 + 0.125 = 0.675."""
    sq = np.array([[0.5, 1.0], [0.5, 0.0], [0.5, 0.5]])
    ideals = np.array([[1.0, 1.0, 1.0], [0.0, 0.0, 0.0]])
    saliences = np.array([[0.45, 0.25, 0.30], [0.20, 0.55, 0.25]])
    np.testing.assert_allclose(utilities(sq, ideals, saliences), [[0.5, 0.6], [0.5, 0.675]],
                               rtol=1e-14)


def test_relief_and_paused_flights_move_the_model_status_quo_while_they_hold():
    """Sanctions relief at intensity 0.5 from day 3 moves oil from 0.5 to 0.5 - 0.3 x 0.5 =
    0.35; Venezuela pausing deportation flights from day 5 to day 7 moves migration to
    0.5 - 0.4 = 0.1, and back to 0.5 when they resume on day 8. On day 5 the status-quo
    utilities are: US 0.225 + 0.25 x 0.35 + 0.3 x 0.1 = 0.3425, Venezuela
    0.1 + 0.55 x 0.65 + 0.25 x 0.9 = 0.6825."""
    pressures = [{"type": "sanctions_relief", "sender": "us", "target": "venezuela",
                  "at": "2025-08-04", "intensity": 0.5},
                 {"type": "deportation_flights_paused", "sender": "venezuela", "target": "us",
                  "at": "2025-08-06", "duration_days": 3}]
    _, _, kept = run_days(scenario(pressures=pressures, horizon_days=10),
                          keep=lambda m: (m.sq[:, 0].copy(), m.status_quo_value[:, 0].copy()))
    sq = np.array([k[0] for k in kept])
    t = np.arange(10)
    np.testing.assert_array_equal(sq[:, 0], 0.5)
    np.testing.assert_allclose(sq[:, 1], np.where(t >= 3, 0.35, 0.5), rtol=0, atol=1e-15)
    np.testing.assert_allclose(sq[:, 2], np.where((t >= 5) & (t <= 7), 0.1, 0.5), rtol=0,
                               atol=1e-15)
    np.testing.assert_allclose(kept[5][1], [0.3425, 0.6825], rtol=1e-14)


def test_resumed_deportation_flights_move_migration_back():
    """Flights paused from day 2 (to the end of the run) move migration to 0.1; flights
    resumed on day 6 should move it back toward 0.5."""
    pressures = [{"type": "deportation_flights_paused", "sender": "venezuela", "target": "us",
                  "at": "2025-08-03"},
                 {"type": "deportation_flights_resumed", "sender": "venezuela", "target": "us",
                  "at": "2025-08-07"}]
    _, _, kept = run_days(scenario(pressures=pressures, horizon_days=9),
                          keep=lambda m: m.sq[2, 0])
    assert kept[5] == pytest.approx(0.1)
    assert kept[6] > kept[5] + 1e-9
