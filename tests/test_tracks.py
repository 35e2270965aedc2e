"""Narrow deals on tracks (§3.11) and how deals in force break (§3.12), against closed forms
and scripted exchanges.

The rules are the functions of ``sim.model.mechanisms.tracks`` and ``.compliance``; the
model tests run small scenarios on the quiet base (``tests.conftest.QUIET``) with no
hostility (``tests.daylog.CALM``), so a deal's net value is its value plus the payments
offered, at no cost at home.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.deals import TrackState
from sim.model.issues import TRACKS, Track
from sim.model.mechanisms.compliance import break_hazards, grievance, shortfalls, withdrawn
from sim.model.mechanisms.tracks import (
    deal_costs,
    engagement,
    feasible,
    net_values,
    one_event,
    package_feasible,
)
from sim.model.model import DiplomacyModel
from sim.model.outcomes import Outcome
from sim.scenario.behaviour import TRACK_VALUES
from tests.conftest import scenario
from tests.daylog import CALM, QUARTER_READY, run_days

PRISONERS, MIGRATION, OIL, DRUGS = (TRACKS.index(t) for t in (
    Track.PRISONERS, Track.MIGRATION, Track.OIL, Track.DRUGS))


def track_values(**changes: tuple[float, float]) -> str:
    """``behaviour.tracks.values`` with every track given: the defaults, and ``changes``."""
    values = {**{t.value: v for t, v in TRACK_VALUES.items()}, **changes}
    return "behaviour.tracks.values={" + ", ".join(
        f"{t}: {{us: {u}, venezuela: {v}}}" for t, (u, v) in values.items()) + "}"


def relief_offer(day: int, intensity: float = 1.0, track: str = "migration") -> dict:
    """US relief offered to Venezuela on ``day`` for a concession on ``track``."""
    return {"type": "relief_offer", "sender": "us", "target": "venezuela",
            "at": f"2025-08-{day + 1:02d}", "intensity": intensity, "track": track}


# ------------------------------------------------------------------ the rules


def test_deal_costs_count_hardliners_only_above_their_start():
    """c_H H + c_F max(F - F0, 0) + c_C AC C with weights 0.3, 0.3, 0.02:
    US H 0.2, F 0.4 below its start 0.5, AC C = 1 x 1: 0.06 + 0 + 0.02 = 0.08;
    Venezuela H 0.5, F 0.9 (0.4 above), AC C = 2 x 0.5: 0.15 + 0.12 + 0.02 = 0.29."""
    costs = deal_costs(np.array([[0.2], [0.5]]), np.array([[0.4], [0.9]]),
                       np.array([[0.5], [0.5]]), np.array([[1.0], [2.0]]),
                       np.array([[1.0], [0.5]]), 0.3, 0.3, 0.02)
    np.testing.assert_allclose(costs, [[0.08], [0.29]], rtol=0, atol=1e-15)


def test_net_values_feasible_tracks_and_packages():
    """n = v + p - cost on three tracks, two replicates, in eighths (exact in binary).

    Replicate 0, costs (1/8, 1/8), 1/4 paid to Venezuela on track 1: track 0 (3/8, 1/4)
    nets (1/4, 1/8), feasible; track 1 (1/4, -1/8) nets (1/8, 0), not (a gain must be
    positive); track 2 (-1/8, 3/8) nets (-1/4, 1/4), not. Replicate 1, costs (0, 1/4), 1/2
    paid: track 0 nets (3/8, 0), track 1 (1/4, 1/8), track 2 (-1/8, 1/8): only track 1.
    Tracks 0 and 2 as a package sum to (0, 3/8) in replicate 0, not a package, and to
    (1/4, 1/8) in replicate 1; all three sum to (1/8, 3/8) and (1/2, 1/4).
    """
    values = np.array([[0.375, 0.25, -0.125], [0.25, -0.125, 0.375]])
    payments = np.zeros((2, 3, 2))
    payments[1, 1] = [0.25, 0.5]
    net = net_values(values, payments, np.array([[0.125, 0.0], [0.125, 0.25]]))
    np.testing.assert_array_equal(net[:, :, 0], [[0.25, 0.125, -0.25], [0.125, 0.0, 0.25]])
    np.testing.assert_array_equal(net[:, :, 1], [[0.375, 0.25, -0.125], [0.0, 0.125, 0.125]])
    every = np.ones((3, 2), bool)
    assert feasible(net, every).tolist() == [[True, False], [False, True], [False, False]]
    closed = np.array([[True, True], [False, False], [True, True]])  # track 1 done
    assert not feasible(net, closed)[1].any()
    assert package_feasible(net, closed).tolist() == [False, True]
    assert package_feasible(net, every).tolist() == [True, True]
    # With no payment ever offered (None), the same as payments of zero.
    costs = np.array([[0.125, 0.0], [0.125, 0.25]])
    np.testing.assert_array_equal(net_values(values, None, costs),
                                  net_values(values, np.zeros((2, 3, 2)), costs))


def test_a_package_needs_two_open_tracks():
    """One open track that both gain from is a track alone, not a package."""
    net = np.array([[[0.5], [0.5]], [[0.5], [0.5]]])
    assert not package_feasible(net, np.array([[True], [False]]))[0]
    assert package_feasible(net, np.array([[True], [True]]))[0]


def test_engagement_is_one_at_the_table_else_the_lower_readiness_over_the_bar():
    """Bar 0.5: readinesses (0.2, 0.4) give 0.2 / 0.5 = 0.4; (0.8, 0.9) give 1.6, capped at 1;
    at the table 1 whatever the readiness."""
    readiness = np.array([[0.2, 0.8, 0.3], [0.4, 0.9, 0.1]])
    np.testing.assert_allclose(engagement(readiness, np.array([False, False, True]), 0.5),
                               [0.4, 1.0, 1.0], rtol=0, atol=1e-15)


def test_one_event_a_day_falls_in_the_slot_of_the_uniform():
    """Hazards 1/8, 1/4, 1/16 stack into [0, 1/8), [1/8, 3/8), [3/8, 7/16): each uniform
    falls in one slot or none; a slot includes its lower end only; zero hazards never fire."""
    hazards = np.array([[0.125], [0.25], [0.0625]]) * np.ones((3, 8))
    u = np.array([0.0, 0.1249, 0.125, 0.3749, 0.375, 0.4374, 0.4375, 0.99])
    drawn = one_event(u, hazards)
    which = np.where(drawn.any(axis=0), drawn.argmax(axis=0), -1)
    assert which.tolist() == [0, 0, 1, 1, 2, 2, -1, -1]
    assert not one_event(np.array([0.0]), np.array([[0.0], [0.5]]))[0, 0]


def test_one_event_frequencies_are_the_hazards_and_are_scaled_when_they_sum_past_one():
    """Over 200 000 uniforms each event's frequency is its hazard, within 5 standard errors
    sqrt(h (1 - h) / N); hazards 0.6 and 0.9 (sum 1.5) are scaled to 0.4 and 0.6, and then
    exactly one event happens every day."""
    n = 200_000
    u = np.random.default_rng(2025).random(n)
    for hazards, expected in (([0.1, 0.25, 0.05], [0.1, 0.25, 0.05]), ([0.6, 0.9], [0.4, 0.6])):
        drawn = one_event(u, np.array(hazards)[:, None] * np.ones((len(hazards), n)))
        assert (drawn.sum(axis=0) <= 1).all()
        p = np.array(expected)
        np.testing.assert_allclose(drawn.mean(axis=1), p, rtol=0,
                                   atol=5 * np.sqrt(p * (1 - p) / n).max())
    assert (drawn.sum(axis=0) == 1).all()  # the scaled hazards sum to 1


def test_break_hazards_rise_with_hostility_and_are_capped_at_one():
    """b exp(f (H_US + H_VE)) with f = 2: hostilities summing to 0.5 multiply the base rates
    by e; none leave them; 0.5 x e > 1 is capped at 1; astronomical hostility gives 1 (or 0
    for a deal that cannot break) with no overflow."""
    base = np.array([0.0, 0.002, 0.01, 0.5])
    hostility = np.array([[0.2, 0.0, 1e300], [0.3, 0.0, 1e300]])
    with np.errstate(all="raise"):
        hazards = break_hazards(base, hostility, 2.0)
    np.testing.assert_allclose(hazards[:, 0], [0.0, 0.002 * np.e, 0.01 * np.e, 1.0], rtol=1e-15)
    np.testing.assert_allclose(hazards[:, 1], base, rtol=0, atol=0)
    np.testing.assert_array_equal(hazards[:, 2], [0.0, 1.0, 1.0, 1.0])


def test_withdrawals_add_to_a_grievance_that_fades_and_raises_the_hazards_that_can_break():
    """W = max(before - today, 0); G(t) = (1 - delta) G(t-1) + W; the hazard of a deal that
    can break rises by rho G (capped at 1), and a deal that cannot break (b = 0) stays 0."""
    np.testing.assert_array_equal(withdrawn(np.array([0.5, 0.2, 0.0]),
                                            np.array([0.1, 0.7, 0.0])), [0.4, 0.0, 0.0])
    np.testing.assert_allclose(grievance(np.array([1.0, 0.0]), np.array([0.0, 0.3]), 0.25),
                               [0.75, 0.3], rtol=1e-15)
    base = np.array([0.0, 0.002, 0.5])
    hazards = break_hazards(base, np.zeros((2, 2)), 1.0, np.array([0.1, 2.0]), 3.0)
    np.testing.assert_allclose(hazards[:, 0], [0.0, 0.002 + 0.3, 0.5 + 0.3], rtol=1e-15)
    np.testing.assert_array_equal(hazards[:, 1], [0.0, 1.0, 1.0])
    # No reciprocity: the hazards of the hostility rule alone, bit for bit.
    np.testing.assert_array_equal(break_hazards(base, np.zeros((2, 2)), 1.0, 5.0, 0.0),
                                  break_hazards(base, np.zeros((2, 2)), 1.0))


#: An oil deal in force from day 0 that breaks (almost) only by reciprocity: no hostility
#: rule (f = 0) and a base rate of 1e-12. US relief of 0.5 is in force on days 2 to 5.
RECIPROCITY = (*CALM, "initial.deals=[oil]", "behaviour.compliance.break_rates.oil=1.0e-12",
               "behaviour.compliance.hostility_factor=0")
RELIEF = {"type": "sanctions_relief", "sender": "us", "target": "venezuela",
          "from": "2025-08-03", "until": "2025-08-06", "intensity": 0.5}


@pytest.mark.parametrize(("rho", "breaks_on"), [(10.0, 6), (0.0, None)])
def test_relief_withdrawn_breaks_the_deals_it_paid_for_the_next_day(rho, breaks_on):
    """Relief that ends after day 5 is withdrawn on day 6 (W = 0.5): with rho = 10 the hazard
    is min(10 x 0.5, 1) = 1, so the deal breaks that day and no other; relief starting on
    day 2 withdraws nothing; without reciprocity the deal holds."""
    scn = scenario(*RECIPROCITY, f"behaviour.compliance.reciprocity={rho}",
                   horizon_days=10, pressures=[RELIEF])
    m, days, _ = run_days(scn)
    assert [t for t, d in enumerate(days) if d.broken[OIL, 0]] == (
        [] if breaks_on is None else [breaks_on])
    assert m.deals.state[OIL, 0] == (
        TrackState.INHERITED if breaks_on is None else TrackState.BROKEN)


def test_the_share_of_deals_broken_by_a_withdrawal_is_the_closed_form():
    """rho = 0.2, delta = 0.5, W = 0.5 on day 6: G = 0.5 x 0.5^(t-6) and the hazard
    0.1 x 0.5^(t-6) on days 6 to 29, so a deal survives with probability
    prod (1 - 0.1 x 0.5^k), k = 0..23; over 20,000 replicates the share broken matches
    it within 5 standard errors."""
    scn = scenario(*RECIPROCITY, "behaviour.compliance.reciprocity=0.2",
                   "behaviour.compliance.grievance_decay=0.5", horizon_days=30,
                   pressures=[RELIEF])
    n = 20_000
    m = DiplomacyModel(scn, n_replicates=n, rng=11).run()
    survive = np.prod(1.0 - 0.1 * 0.5 ** np.arange(24))
    share = (m.deals.state[OIL] == TrackState.BROKEN).mean()
    p = 1.0 - survive
    assert abs(share - p) < 5 * np.sqrt(p * (1 - p) / n), (share, p)


def test_a_shortfall_counts_the_steps_on_tracks_linked_to_a_deal_in_force():
    """sum_k s_k linked_k, linked_k = held_k or (package and k on the table and a track on
    the table held). Replicate 0 holds an oil deal, replicate 1 a migration deal, replicate 2 none;
    steps today: 1 on oil, 0.5 on political, 2 on drugs."""
    steps = np.zeros((len(TRACKS), 1))
    political = TRACKS.index(Track.POLITICAL)
    steps[OIL], steps[political], steps[DRUGS] = 1.0, 0.5, 2.0
    held = np.zeros((len(TRACKS), 3), bool)
    held[OIL, 0] = held[MIGRATION, 1] = True
    on_table = np.zeros(len(TRACKS), bool)
    on_table[[OIL, political]] = True
    # Separate tracks: only the step on the deal's own track counts.
    np.testing.assert_array_equal(shortfalls(steps, held, on_table, False), [1.0, 0.0, 0.0])
    # A package of oil and political: the political step counts against the oil deal too;
    # the migration deal is not in the package, and the drugs step is on no track on the
    # table.
    np.testing.assert_array_equal(shortfalls(steps, held, on_table, True), [1.5, 0.0, 0.0])


#: Caracas bars a candidate alone on day 4 (political track): a shortfall where a deal in
#: force is linked to the political question.
STEP = {"type": "unilateral_step", "sender": "venezuela", "target": "us",
        "at": "2025-08-05", "track": "political"}


@pytest.mark.parametrize(("settings", "breaks_on"), [
    (("talks.tracks=[oil, political]", "talks.linkage=package"), 4),
    (("talks.tracks=[oil, political]", "talks.linkage=package",
      "behaviour.compliance.shortfall=0"), None),
    (("talks.tracks=[oil, political]", "talks.linkage=separate"), None),
    (("talks.tracks=[oil]", "talks.linkage=package"), None),
])
def test_a_step_on_a_linked_track_breaks_the_deal_as_a_withdrawal_would(settings, breaks_on):
    """rho = 10, sigma = 1: a step of intensity 1 on the political track adds 1 to W on its
    day, so an oil deal linked to it in a package breaks that day (hazard min(10 x 1, 1)).
    With sigma = 0, with the tracks separate, or with the political track not on the table, the
    step is linked to no deal and the oil deal holds (its base rate is 1e-12)."""
    scn = scenario(*RECIPROCITY, "behaviour.compliance.reciprocity=10", *settings,
                   horizon_days=10, pressures=[STEP])
    m, days, _ = run_days(scn)
    assert days[4].impulses.shortfalls[TRACKS.index(Track.POLITICAL), 0] == 1.0
    assert [t for t, d in enumerate(days) if d.broken[OIL, 0]] == (
        [] if breaks_on is None else [breaks_on])
    assert m.deals.state[OIL, 0] == (
        TrackState.INHERITED if breaks_on is None else TrackState.BROKEN)


# ------------------------------------------------------------------ tracks in a model


def test_a_feasible_track_closes_with_daily_hazard_kappa_times_engagement():
    """The prisoners track alone, worth (0.3, 0.2) at no cost: feasible every day. Away from
    the table with both readinesses at 1/4 against a bar of 1/2 the engagement is 1/2, so
    with kappa = 0.2 the daily hazard is p = 0.1 and the closing day T is geometric,
    P(T <= t) = 1 - 0.9^(t + 1) (0.9^40 = 1.5% never close in 40 days). Over N = 4000
    replicates the empirical distribution stays within eps = sqrt(ln(2 / 1e-6) / 2N) =
    0.043 of it everywhere (the Dvoretzky-Kiefer-Wolfowitz bound, failing once in a
    million). A prisoner exchange is carried out at once (DONE); its day is the narrow
    deal's."""
    n, horizon, p = 4000, 40, 0.1
    scn = scenario(*CALM, *QUARTER_READY, "behaviour.tracks.closing_rate=0.2",
                   "talks.tracks=[prisoners]", horizon_days=horizon)
    m, days, _ = run_days(scn, n=n, rng=7)
    np.testing.assert_allclose(days[0].engagement, 0.5, rtol=1e-12)
    closing = m.deals.day[PRISONERS]
    t = np.arange(horizon)
    empirical = (closing[:, None] <= t) & (closing[:, None] >= 0)
    eps = np.sqrt(np.log(2 / 1e-6) / (2 * n))
    assert np.abs(empirical.mean(axis=0) - (1 - (1 - p) ** (t + 1))).max() < eps
    closed = closing >= 0
    assert (m.deals.state[PRISONERS] == np.where(closed, TrackState.DONE, TrackState.NONE)).all()
    assert (m.outcome == np.where(closed, Outcome.NARROW_DEAL, Outcome.STALEMATE)).all()
    assert (m.outcome_day == closing).all()


def test_a_relief_offer_pays_the_target_and_decays():
    """Relief offered for migration on day 3 (intensity 2) and day 6 (intensity 1), with
    offer_value 0.3 and offer_decay 0.1: Venezuela's payment on the migration track is
    0.6 x 0.9^(t - 3) from day 3 and 0.3 x 0.9^(t - 6) more from day 6 (0 before); nothing
    is paid to the US or on any other track. (kappa = 0: no deal closes and takes it.)"""
    scn = scenario("behaviour.tracks.closing_rate=0", "behaviour.tracks.offer_decay=0.1",
                   horizon_days=10, pressures=[relief_offer(3, 2.0), relief_offer(6)])
    _, _, kept = run_days(scn, keep=lambda m: m.deals.payments[:, :, 0].copy())
    payments = np.array(kept)
    t = np.arange(10)
    expected = (np.where(t >= 3, 0.6 * 0.9 ** (t - 3.0), 0.0)
                + np.where(t >= 6, 0.3 * 0.9 ** (t - 6.0), 0.0))
    np.testing.assert_allclose(payments[:, 1, MIGRATION], expected, rtol=1e-14, atol=0)
    payments[:, 1, MIGRATION] = 0.0
    assert not payments.any()


#: At the table from day 0 (engagement 1), a deal that both gain from closes the same day
#: (kappa = 1) and never breaks; the agenda holds only drugs, which is not on the table, so
#: the bargain at the table settles nothing and only the tracks can close.
TABLE = ("initial.in_talks=true", "behaviour.tracks.closing_rate=1", "talks.agenda=[drugs]",
         "behaviour.compliance.break_rates.migration=0", "behaviour.compliance.break_rates.oil=0")


@pytest.mark.parametrize(("intensity", "closes"), [(1.0, True), (0.3, False), (0.0, False)])
def test_a_track_venezuela_loses_on_closes_only_once_relief_pays_for_it(intensity, closes):
    """Migration alone, worth 0.25 to the US and -0.1 to Venezuela: no deal until relief is
    offered on day 10. Offered at intensity 1 it pays 0.3, Venezuela nets 0.2 > 0 and the
    deal closes that day (a narrow deal, in force, its payment spent); at 0.3 it pays 0.09
    and Venezuela nets -0.01: still no deal."""
    scn = scenario(*CALM, *TABLE, "talks.tracks=[migration]", horizon_days=14,
                   pressures=[relief_offer(10, intensity)] if intensity else [])
    m = DiplomacyModel(scn).run()
    if closes:
        assert m.deals.day[MIGRATION, 0] == 10
        assert m.deals.state[MIGRATION, 0] == TrackState.IN_FORCE
        assert (m.outcome[0], m.outcome_day[0]) == (Outcome.NARROW_DEAL, 10)
        assert m.deals.payments[1, MIGRATION, 0] == 0.0
    else:
        assert m.deals.state[MIGRATION, 0] == TrackState.NONE
        assert (m.outcome[0], m.outcome_day[0]) == (Outcome.TALKS, 0)


@pytest.mark.parametrize("linkage", ["separate", "package"])
def test_package_linkage_closes_tracks_together_when_only_the_sums_gain(linkage):
    """Migration (0.25, -0.1) and oil (-0.1, 0.3): each alone costs one side, so separately
    neither closes; as a package both sums are positive (0.15, 0.2) and, with package
    linkage, both tracks close together on day 0: a broad agreement."""
    scn = scenario(*CALM, *TABLE, "talks.tracks=[migration, oil]",
                   f"talks.linkage={linkage}", horizon_days=5)
    m = DiplomacyModel(scn, n_replicates=2).run()
    state = m.deals.state[[MIGRATION, OIL]]
    if linkage == "package":
        assert (state == TrackState.IN_FORCE).all() and (m.deals.day[[MIGRATION, OIL]] == 0).all()
        assert (m.outcome == Outcome.BROAD_AGREEMENT).all() and (m.outcome_day == 0).all()
    else:
        assert (state == TrackState.NONE).all()
        assert (m.outcome == Outcome.TALKS).all()


#: US hostility held at 0.2 and Venezuela's at 0, so that with a hostility cost of 1 a deal
#: costs the US exactly 0.2 at home and Venezuela nothing (hardliners cost nothing here).
US_AT_ODDS = ("actors.us.hostility={reaction: 0, restraint: 0.1, grievance: 0.02, "
              "initial: 0.2}",
              "actors.venezuela.hostility={reaction: 0, restraint: 0.1, grievance: 0, "
              "initial: 0}", "behaviour.tracks.hostility_cost=1",
              "behaviour.tracks.hardliner_cost=0")


@pytest.mark.parametrize(("demand", "closes"), [(False, True), (True, False)])
def test_the_demander_values_a_deal_less_while_its_exit_demand_stands(demand, closes):
    """The prisoners deal, worth (0.3, 0.2), costs the US 0.2: with no demand both gain
    (0.1, 0.2) and it closes on day 0. While the US demand that Maduro leave stands (since
    June), the US, the demander, values it at 0.3 x (1 - 0.7) = 0.09 and nets -0.11: no
    deal (Venezuela's value is not discounted: it demands nothing)."""
    standing = {"type": "exit_demand", "sender": "us", "target": "venezuela",
                "since": "2025-06-01", "until": "2025-08-05"}
    scn = scenario(*TABLE, *US_AT_ODDS, "talks.tracks=[prisoners]", horizon_days=5,
                   pressures=[standing] if demand else [])
    m = DiplomacyModel(scn).run()
    assert m.deals.day[PRISONERS, 0] == (0 if closes else -1)


@pytest.mark.parametrize(("cooperation", "closes"), [(0.0, True), (1.0, False)])
def test_a_producer_cooperating_at_the_source_makes_a_drugs_deal_worth_less_to_the_us(
        cooperation, closes):
    """A drugs deal worth 0.3 to each side costs the US 0.2. With Colombia not cooperating
    the US nets 0.1 and the deal closes on day 0; cooperating fully, the deal is worth
    0.3 x (1 - 1/2) = 0.15 to the US, which nets -0.05: no deal."""
    colombia = [{"id": "colombia", "name": "Colombia", "role": "producer",
                 "cooperation": cooperation}]
    scn = scenario(*TABLE, *US_AT_ODDS, "talks.agenda=[oil]", "talks.tracks=[drugs]",
                   track_values(drugs=(0.3, 0.3)),
                   "behaviour.compliance.break_rates.drugs=0", horizon_days=5,
                   third_parties=colombia)
    m = DiplomacyModel(scn).run()
    assert m.deals.day[DRUGS, 0] == (0 if closes else -1)


def test_valuing_one_track_leaves_the_others_at_their_defaults():
    """``--set behaviour.tracks.values.drugs={us: 0.1, venezuela: 0.1}`` validates; the model
    should value drugs at (0.1, 0.1) and every other track at its default (TRACK_VALUES)."""
    scn = scenario("behaviour.tracks.values.drugs={us: 0.1, venezuela: 0.1}")
    values = DiplomacyModel(scn).deals.values
    expected = {**TRACK_VALUES, Track.DRUGS: (0.1, 0.1)}
    np.testing.assert_array_equal(values, np.array([expected[t] for t in TRACKS]).T)


# ------------------------------------------------------------------ compliance in a model


def test_a_deal_reached_in_the_run_breaks_from_the_day_after_and_is_deal_broken():
    """The migration deal of day 10 above, with a break rate of 1 (a hazard of 1 every day it
    may break): it does not break on day 10, the day it closed, but on day 11, and the
    outcome is deal_broken (5) from day 11."""
    scn = scenario(*CALM, *TABLE, "talks.tracks=[migration]",
                   "behaviour.compliance.break_rates.migration=1", horizon_days=14,
                   pressures=[relief_offer(10)])
    m, days, _ = run_days(scn)
    broken = [bool(d.broken[MIGRATION, 0]) for d in days]
    assert broken == [t == 11 for t in range(14)]
    assert m.deals.day[MIGRATION, 0] == 10 and m.deals.state[MIGRATION, 0] == TrackState.BROKEN
    assert (m.outcome[0], m.outcome_day[0]) == (Outcome.DEAL_BROKEN, 11)


def test_an_inherited_deal_that_breaks_is_no_outcome_of_its_own():
    """An oil deal in force on day 0 (initial.deals) with a break rate of 1 breaks on day 0;
    the run records no outcome (stalemate), though the break is felt: both sides' hostility,
    0 until then, is 0.05 on day 1 (BREAK_HOSTILITY, pending to the next day)."""
    scn = scenario(*CALM, "initial.deals=[oil]", "behaviour.compliance.break_rates.oil=1",
                   horizon_days=4)
    m, days, kept = run_days(scn, keep=lambda m: m.hostility[:, 0].copy())
    assert bool(days[0].broken[OIL, 0]) and m.deals.state[OIL, 0] == TrackState.BROKEN
    assert (m.outcome[0], m.outcome_day[0]) == (Outcome.STALEMATE, -1)
    np.testing.assert_array_equal(kept[0], [0.0, 0.0])
    np.testing.assert_allclose(kept[1], [0.05, 0.05], rtol=0, atol=1e-15)


# ------------------------------------------------------------------ the bargain at the table

#: Both sides all but sure to talk, and no deal ever breaks: the offers at the table cross.
EAGER = ("actors.us.readiness_bias=20", "actors.venezuela.readiness_bias=20",
         "behaviour.compliance.break_rates={prisoners: 0, migration: 0, oil: 0, drugs: 0, "
         "political: 0}")


@pytest.mark.parametrize(("inherited", "outcome"), [
    ("[]", Outcome.BROAD_AGREEMENT), ("[drugs, oil]", Outcome.NARROW_DEAL),
    ("[drugs, oil, migration]", Outcome.TALKS)])
def test_the_bargain_at_the_table_settles_only_the_tracks_with_no_deal_yet(inherited, outcome):
    """The agenda is drugs, oil and migration, each a track on the table. With no deal in
    force the crossing offers settle all three: a broad agreement. With drugs and oil
    already settled on day 0 (initial.deals) only migration is left: a narrow deal on it,
    and the inherited deals stay as they were. With all three settled there is nothing to
    agree at the table: the talks open and no agreement comes (§3.6)."""
    m = DiplomacyModel(scenario(*EAGER, f"initial.deals={inherited}", horizon_days=200),
                       n_replicates=3).run()
    assert (m.outcome == outcome).all()
    agenda = [DRUGS, OIL, MIGRATION]
    state = m.deals.state[agenda]
    if outcome is Outcome.TALKS:
        assert (state == TrackState.INHERITED).all() and (m.deal_day < 0).all()
        assert not m.broad_done.any()
    elif outcome is Outcome.NARROW_DEAL:
        assert (state[:2] == TrackState.INHERITED).all()
        assert (state[2] == TrackState.IN_FORCE).all()
        assert (m.deals.day[MIGRATION] == m.outcome_day).all()
    else:
        assert (state == TrackState.IN_FORCE).all()


# ------------------------------------------------------------------ deals given as inputs

def flights_resumed(day: int) -> dict:
    """Venezuela resumes (or agrees to) deportation flights on ``day``."""
    return {"type": "deportation_flights_resumed", "sender": "venezuela", "target": "us",
            "at": f"2025-08-{day + 1:02d}"}


@pytest.mark.parametrize(("inherited", "break_rate"), [("[]", 0.0), ("[]", 1.0),
                                                       ("[migration]", 0.0)])
def test_flights_resumed_are_a_migration_deal_reached_that_day(inherited, break_rate):
    """Flights resumed on day 3, no deal on any track otherwise (closing rate 0, no table).
    With no migration deal before, the resumption is one, reached on day 3: a narrow deal
    that day. With a break rate of 1 a day it breaks on day 4 (a deal can break from the
    day after it closed): deal broken, day 4. A migration deal already in force on day 0
    stays the inherited deal and the run has no deal of its own (talks never open)."""
    scn = scenario(*CALM, f"initial.deals={inherited}", "behaviour.tracks.closing_rate=0",
                   "actors.us.readiness_bias=-20", "actors.venezuela.readiness_bias=-20",
                   f"behaviour.compliance.break_rates.migration={break_rate}",
                   "behaviour.compliance.hostility_factor=0",
                   horizon_days=8, pressures=[flights_resumed(3)])
    m = DiplomacyModel(scn, n_replicates=2).run()
    if inherited != "[]":
        assert (m.deals.state[MIGRATION] == TrackState.INHERITED).all()
        assert (m.deal_day < 0).all() and (m.outcome == Outcome.STALEMATE).all()
    elif break_rate == 0.0:
        assert (m.deals.state[MIGRATION] == TrackState.IN_FORCE).all()
        assert (m.deals.day[MIGRATION] == 3).all() and (m.deal_day == 3).all()
        assert (m.outcome == Outcome.NARROW_DEAL).all() and (m.outcome_day == 3).all()
    else:
        assert (m.deals.state[MIGRATION] == TrackState.BROKEN).all()
        assert (m.outcome == Outcome.DEAL_BROKEN).all() and (m.outcome_day == 4).all()
