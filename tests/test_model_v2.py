"""Model v2 against closed forms and scripted exchanges: exit demands (§3.10), force and its
legal cost (§3.13), walking out and breaking relations (§3.7), outcomes by precedence
(§3.8) and a run that starts mid-course (§3.17).

Tracks and compliance are tested in ``test_tracks.py``; hardliners and the moving status
quo in ``test_factions_and_status_quo.py``; what third parties do in
``test_third_party_responses.py``. Every model here is a small scenario on the quiet base
(``tests.conftest.QUIET``: no noise, no incidents, temperature 0, every action but holding
at -50), so each value below is worked out by hand.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from sim.engine.ensemble import run_ensemble
from sim.model.agents import Action, action_utilities
from sim.model.deals import TrackState
from sim.model.issues import TRACKS, Track
from sim.model.mechanisms.force import legal_cost, removal_probability
from sim.model.mechanisms.survival import (
    discounted,
    force_shown,
    range_under_demand,
    shown_force_threat,
    survival_threat,
)
from sim.model.model import VARIABLES, DiplomacyModel
from sim.model.outcomes import EscalationCause, Outcome
from sim.scenario.behaviour import ActionWeights
from sim.scenario.load import load_scenario, with_overrides
from sim.scenario.schema import GOVERNMENTS, semantic_problems
from tests.conftest import scenario
from tests.daylog import CALM, run_days

US_ON_VENEZUELA = {"sender": "us", "target": "venezuela"}


def on_day(kind: str, day: int, **fields) -> dict:
    """A US pressure on Venezuela on ``day`` (the quiet base starts on 2025-08-01)."""
    return {"type": kind, **US_ON_VENEZUELA, "at": f"2025-08-{day + 1:02d}", **fields}


# ------------------------------------------------------------------ exit demands (§3.10)


def test_range_under_demand_caps_each_sides_demand_at_one_and_adds_them():
    """S - 0.5 (min(E_US, 1) + min(E_VE, 1)) with S = 1: no demand leaves 1; a demand of
    intensity 2 on Venezuela counts as one, 1 - 0.5 = 0.5; a demand on each side (the
    second of intensity 3) 1 - 0.5 x 2 = 0; half a demand 1 - 0.25 = 0.75."""
    demand = np.array([[0.0, 0.0, 1.0, 0.0], [0.0, 2.0, 3.0, 0.5]])
    np.testing.assert_allclose(range_under_demand(np.ones(4), demand, 0.5),
                               [1.0, 0.5, 0.0, 0.75], rtol=0, atol=1e-15)


def test_the_demander_discounts_values_by_the_demand_capped_at_one():
    """v (1 - 0.8 min(E, 1)) with v = 2: 2, then 2 x 0.6 = 1.2 at E = 0.5, 2 x 0.2 = 0.4 at
    E = 1 and at E = 3."""
    np.testing.assert_allclose(discounted(2.0, np.array([0.0, 0.5, 1.0, 3.0]), 0.8),
                               [2.0, 1.2, 0.4, 0.4], rtol=0, atol=1e-15)


def test_an_exit_demand_lowers_the_bargaining_range_by_the_penalty_from_its_first_day():
    """A demand (intensity 2, capped at 1) that Maduro leave, from day 5, with delta_E = 0.3:
    the model's range is the range without demands (the same day's reservation values)
    less exactly 0.3 from day 5 on, and equal to it before."""
    scn = scenario("behaviour.survival.range_penalty=0.3", horizon_days=10,
                   pressures=[on_day("exit_demand", 5, intensity=2)])
    _, _, kept = run_days(scn, keep=lambda m: (m.surplus[0], m.bargaining_range(
        m.pain, m.resolve)[3][0]))
    surplus, unpenalised = np.array(kept).T
    np.testing.assert_array_equal(surplus[:5], unpenalised[:5])
    np.testing.assert_allclose(surplus[5:], unpenalised[5:] - 0.3, rtol=0, atol=1e-15)


@pytest.mark.parametrize(("timing", "first"), [
    ({"since": "2025-06-01", "until": "2025-08-06"}, None),
    ({"at": "2025-08-01"}, 0),
    ({"at": "2025-08-04"}, 3),
], ids=["standing-before-day-0", "made-on-day-0", "made-on-day-3"])
def test_an_exit_demand_is_made_on_its_first_day_unless_it_stood_before_day_0(timing, first):
    """The onset (the demand made today) is 1 on the first day of a demand that starts in the
    run, day 0 included, and 0 on every other day; a demand standing since June is faced
    from day 0 but never made in the run (model.demand_before starts at it)."""
    demand = {"type": "exit_demand", **US_ON_VENEZUELA, **timing}
    scn = scenario(pressures=[demand], horizon_days=6)
    assert np.array_equal(DiplomacyModel(scn).demand_before[:, 0],
                          [0.0, 1.0 if first is None else 0.0])
    _, days, _ = run_days(scn)
    onset = np.array([d.onset[:, 0] for d in days])
    expected = np.zeros((6, 2))
    if first is not None:
        expected[first, 1] = 1.0
    np.testing.assert_array_equal(onset, expected)
    faced = np.array([d.demand[:, 0] for d in days])
    np.testing.assert_array_equal(faced[:, 0], 0.0)
    np.testing.assert_array_equal(faced[:, 1], np.arange(6) >= (first or 0))


# ------------------------------------------------------------------ force (§3.13)


def test_offers_gain_utility_with_the_threat_to_ones_leader():
    """u_signal = w0 + w_R R + w_T T with w0 = -3, w_R = 2, w_T = 5 and T = p_removal chi:
    -3 + 1 + 5 x 0.4 x 1 = 0; -3 + 0 + 5 x 0.25 x 2 = -0.5; 0 with no measure today; at the
    table no offer of talks is possible (-inf)."""
    w = ActionWeights(signal_bias=-3.0, signal_readiness=2.0, signal_survival=5.0)
    zeros = np.zeros(4)
    threat = survival_threat(np.array([0.4, 0.25, 0.8, 1.0]), np.array([1.0, 2.0, 0.0, 1.0]))
    np.testing.assert_allclose(threat, [0.4, 0.5, 0.0, 1.0], rtol=0, atol=1e-15)
    u = action_utilities(w, zeros, zeros, np.array([0.5, 0.0, 0.2, 0.2]), zeros, zeros,
                         np.array([False, False, False, True]), threat=threat)
    np.testing.assert_allclose(u[Action.SIGNAL_OPENNESS], [0.0, -0.5, -2.6, -np.inf],
                               rtol=0, atol=1e-14)


def test_the_model_weighs_offers_with_the_threat_each_coercive_measure_brings_home():
    """Under a US exit demand from day 0, each coercive measure Venezuela receives brings home
    the chance that US force removes Maduro: T_VE = 16/17 x (1 - F_VE) x chi_VE (§3.10 (6),
    §3.13), so its offer utility rises on the day of the demand (itself a coercive measure,
    day 0) and of the strikes (days 2 and 4), and only then; the US leader faces no demand,
    T_US = 0."""
    scn = scenario("behaviour.actions.signal_readiness=1.5",
                   "behaviour.actions.signal_survival=4", horizon_days=6,
                   pressures=[on_day("exit_demand", 0), on_day("boat_strike", 2),
                              on_day("boat_strike", 4)])
    _, days, kept = run_days(scn, keep=lambda m: (m.hardliners[:, 0].copy(),
                                                   m.readiness[:, 0].copy()))
    threats = []
    for day, (hardliners, readiness) in zip(days, kept, strict=True):
        measures = day.impulses.provocation[:, 0]
        threat = np.array([0.0, 16 / 17 * (1 - hardliners[1]) * measures[1]])
        expected = -50.0 + 1.5 * readiness + 4.0 * threat
        np.testing.assert_allclose(day.utilities[Action.SIGNAL_OPENNESS, :, 0], expected,
                                   rtol=1e-13, atol=1e-13)
        threats.append(threat[1])
    assert [t > 0 for t in threats] == [True, False, True, False, True, False]


def test_offers_made_while_an_exit_demand_stands_do_not_stop_escalation():
    """In the default scenario the exit demand on Maduro stands throughout: with the threat
    to his survival weighed, Venezuela offers talks many times more often, yet the US,
    which discounts the offers of a leader whose exit it demands (§3.3), never sits down,
    and every run still ends in escalation or the leader's removal (docs/validation.md B6)."""
    runs = {}
    for w in (0.0, 8.0):
        overrides = [f"behaviour.actions.signal_survival={w}"]
        res = run_ensemble(with_overrides(load_scenario(), overrides), 300, 5,
                           trace_replicates=300, band_replicates=0, overrides=overrides)
        offers = res.data.trace[:, list(VARIABLES).index("action_venezuela")] \
            == Action.SIGNAL_OPENNESS
        runs[w] = (offers.sum(axis=0).mean(), res.data.runs)
    assert runs[8.0][0] > 20 * max(runs[0.0][0], 0.1)
    for _, table in runs.values():
        assert (table["talks_day"] < 0).all()
        assert np.isin(table["outcome"], [Outcome.ESCALATION, Outcome.LEADER_REMOVED]).all()


def test_removal_probability_is_the_capped_demand_times_p_win_times_disunity():
    """min(E, 1) p_win (1 - F) with p_win = 0.8: no demand 0; 0.5 x 0.8 x 0.5 = 0.2; a
    demand of 2 counts as one, 1 x 0.8 x 0.75 = 0.6; hardliners standing as one (F = 1) 0.
    Clipped into [0, 1]: 1 x 1 x 1.5 gives 1, 1 x 0.5 x -0.5 gives 0."""
    np.testing.assert_allclose(
        removal_probability(np.array([0.0, 0.5, 2.0, 1.0]), 0.8,
                            np.array([0.5, 0.5, 0.25, 1.0])), [0.0, 0.2, 0.6, 0.0],
        rtol=0, atol=1e-15)
    assert removal_probability(1.0, 1.0, -0.5) == 1.0
    assert removal_probability(1.0, 0.5, 1.5) == 0.0


def test_legal_cost_in_a_model_is_the_discounted_sum_of_deaths():
    """L' = 0.9 L + 0.01 deaths, so after day t, L_t = sum_s 0.01 D_s 0.9^(t - s).

    Boat strikes: 3 deaths on day 2, two strikes of 4 on day 5, one with no deaths on day 6.
    On day 8: 0.03 x 0.9^6 + 0.08 x 0.9^3 = 0.01594323 + 0.05832 = 0.07426323. Venezuela
    strikes nobody: its legal cost stays 0.
    """
    strikes = [(2, 3.0), (5, 4.0), (5, 4.0), (6, 0.0)]
    scn = scenario("behaviour.force.legal_cost_per_death=0.01",
                   "behaviour.force.legal_decay=0.1", horizon_days=9,
                   pressures=[on_day("boat_strike", s, deaths=d) for s, d in strikes])
    m, _, kept = run_days(scn, keep=lambda m: m.legal[:, 0].copy())
    legal = np.array(kept)
    expected = [sum(0.01 * d * 0.9 ** (t - s) for s, d in strikes if s <= t) for t in range(9)]
    np.testing.assert_allclose(legal[:, 0], expected, rtol=1e-13, atol=0)
    assert legal[8, 0] == pytest.approx(0.07426323, rel=1e-12)
    np.testing.assert_array_equal(legal[:, 1], 0.0)
    assert m.casualties[0] == 11.0
    # The recursion itself: 0.9 x 0.5 + 0.01 x 10 = 0.55.
    assert legal_cost(np.array([0.5]), 10, 0.01, 0.1)[0] == pytest.approx(0.55, rel=1e-15)


def test_force_utility_is_bias_plus_war_gain_removal_and_stake_less_legal_cost():
    """u_force = w0 + w_W war_gain + w_E removal - w_L legal + w_C AC C with w0 = -3,
    w_W = 2, w_E = 5, w_L = 4, w_C = 0.5: -3 + 0.6 + 2 - 1 + 0.6 = -0.8;
    -3 - 0.4 = -3.4; -3 + 5 - 8 + 2 = -4."""
    w = ActionWeights(force_bias=-3.0, force_war=2.0, force_removal=5.0, force_legal=4.0,
                      force_commitment=0.5)
    zeros = np.zeros(3)
    u = action_utilities(w, zeros, zeros, zeros, np.array([0.3, -0.2, 0.0]), zeros,
                         np.zeros(3, bool), removal=np.array([0.4, 0.0, 1.0]),
                         legal=np.array([0.25, 0.0, 2.0]), staked=np.array([1.2, 0.0, 4.0]))
    np.testing.assert_allclose(u[Action.USE_FORCE], [-0.8, -3.4, -4.0], rtol=0, atol=1e-14)


def test_the_model_weighs_force_with_each_governments_own_removal_legal_cost_and_stake():
    """In the model the US weighs removing Maduro, whose exit it demands from day 0:
    removal = 1 x p_win x (1 - F_VE) with p_win = 1 / (1 + 0.25^2) = 16/17 (capabilities
    1 and 0.25, decisiveness 2); Venezuela, facing no demand itself, weighs 0. A boat strike
    with 5 deaths on day 1 gives the US its legal cost; each side's stake is its audience
    cost (US 2, Venezuela 1.5) times its public commitment (the demand commits both)."""
    scn = scenario("actors.us.audience_cost=2", "actors.venezuela.audience_cost=1.5",
                   "behaviour.actions.force_war=1.5", "behaviour.actions.force_removal=2.5",
                   "behaviour.actions.force_legal=3.5",
                   "behaviour.actions.force_commitment=0.75", horizon_days=6,
                   pressures=[on_day("exit_demand", 0), on_day("boat_strike", 1, deaths=5)])
    _, days, kept = run_days(scn, keep=lambda m: (m.hardliners[:, 0].copy(),
                                                   m.legal[:, 0].copy(),
                                                   m.commitment[:, 0].copy()))
    for day, (hardliners, legal, commitment) in zip(days, kept, strict=True):
        removal = np.array([16 / 17 * (1 - hardliners[1]), 0.0])
        expected = (-50.0 + 1.5 * day.war_gain[:, 0] + 2.5 * removal - 3.5 * legal
                    + 0.75 * np.array([2.0, 1.5]) * commitment)
        np.testing.assert_allclose(day.utilities[Action.USE_FORCE, :, 0], expected,
                                   rtol=1e-13, atol=1e-13)
    assert kept[-1][1][0] > 0 and kept[-1][2][0] > 0  # the terms were not all 0


# ------------------------------------------------------------------ walking out, breaking relations

#: Walk-out utility -2 + w_P P + H - R at the table from day 0.
WALK_OUT = ("initial.in_talks=true", "behaviour.actions.walk_out_bias=-2",
            "behaviour.actions.walk_out_hostility=1", "behaviour.actions.walk_out_readiness=1")
PROVOCATIONS = {"sanctions": on_day("financial_sanctions", 5), "bounty": on_day("bounty", 5)}


@pytest.mark.parametrize("provocation", PROVOCATIONS.values(), ids=PROVOCATIONS.keys())
@pytest.mark.parametrize(("w_p", "walks"), [(3.0, True), (1.0, False)])
def test_a_provocation_at_the_table_makes_a_side_walk_out_when_that_is_worth_it(
        provocation, w_p, walks):
    """On day 5 the US imposes financial sanctions (Goldstein -8) or a bounty (-5): one
    provocation to Venezuela. Its walk-out utility that day is -2 + w_P + H - R with
    H < 1 and R ~ 4e-9 (readiness bias -20): with w_P = 3 it is 1 + H - R > 0 and it walks
    out; with w_P = 1 it is -1 + H - R < 0 and it stays, as on every other day (-2 + H - R).
    The US is never provoked. A walk-out before any deal is a collapse of the talks, that
    day."""
    scn = scenario(*WALK_OUT, f"behaviour.actions.walk_out_provocation={w_p}",
                   horizon_days=10, pressures=[provocation])
    m, days, kept = run_days(scn, keep=lambda m: m.hostility[:, 0].copy())
    assert (np.array(kept) < 1).all()  # the signs above hold
    actions = np.array([d.actions[:, 0] for d in days])
    assert (actions[:, 0] == Action.HOLD).all()
    expected = [Action.WALK_OUT if walks and t == 5 else Action.HOLD for t in range(10)]
    assert actions[:, 1].tolist() == expected
    if walks:
        assert (m.outcome[0], m.outcome_day[0]) == (Outcome.TALKS_COLLAPSED, 5)
        assert not m.in_talks[0] and m.breakdowns[0] == 1
    else:
        assert (m.outcome[0], m.outcome_day[0]) == (Outcome.TALKS, 0)
        assert m.in_talks[0] and m.breakdowns[0] == 0


@pytest.mark.parametrize(("measure", "tracks", "walks"), [
    ("bounty", "[drugs]", True), ("bounty", "[oil, prisoners]", False),
    ("financial_sanctions", "[oil]", True), ("financial_sanctions", "[drugs, political]", False),
    ("exit_demand", "[drugs, oil, migration, political]", False)])
def test_only_a_defection_on_an_issue_at_the_table_makes_a_side_walk_out(measure, tracks,
                                                                           walks):
    """The same coercive measure on day 5, with w_P = 3 (walk-out utility 1 + H - R > 0 that
    day if it counts): a bounty acts on drugs and financial sanctions on oil (their catalogue
    issue), and each is a defection only where a track on that issue is on the table; a
    demand that the leader go has no issue axis and is never one (it acts on breaking
    relations, §3.10). The measure is a provocation in every case (it counts toward breaking
    relations, here weighted 0); only the walk-out asks for a defection (§3.7)."""
    scn = scenario(*WALK_OUT, "behaviour.actions.walk_out_provocation=3",
                   f"talks.tracks={tracks}", "behaviour.tracks.closing_rate=0",
                   "behaviour.actions.rupture_provocation=0", "behaviour.actions.rupture_onset=0",
                   "behaviour.actions.rupture_demand=0",
                   horizon_days=10, pressures=[on_day(measure, 5)])
    m, days, _ = run_days(scn)
    assert days[5].impulses.provocation[1, 0] == 1
    assert days[5].impulses.defection[1, 0] == (1 if walks else 0)
    actions = [d.actions[1, 0] for d in days]
    assert actions == [Action.WALK_OUT if walks and t == 5 else Action.HOLD for t in range(10)]
    assert bool(m.in_talks[0]) == (not walks)


@pytest.mark.parametrize(("sender", "track", "tracks"), [
    ("venezuela", "political", "[political, oil]"), ("us", "prisoners", "[prisoners]"),
    ("venezuela", "political", "[oil, prisoners]")])
def test_a_step_taken_alone_is_a_provocation_but_no_defection_even_on_a_track_at_the_table(
        sender, track, tracks):
    """A unilateral_step (docs/validation.md A9: Caracas calls an election the talks were to
    settle; Washington extradites a member of Caracas's delegation) is a coercive event
    (CAMEO 127, Goldstein -5) that shocks its target's hostility by 0.05, a provocation,
    but not a defection, whether or not its track is on the table: read as one, it made
    talks collapse where in the record they went on (docs/validation.md M8), and that
    reading was dropped. With w_P = 3, a defection would make the other side walk out that
    day (utility -2 + 3 + H - R > 0); it stays."""
    other = "us" if sender == "venezuela" else "venezuela"
    scn = scenario(*CALM, *WALK_OUT, "behaviour.actions.walk_out_provocation=3",
                   f"talks.tracks={tracks}", "behaviour.tracks.closing_rate=0",
                   "behaviour.actions.rupture_provocation=0", "behaviour.actions.rupture_onset=0",
                   "behaviour.actions.rupture_demand=0", horizon_days=10,
                   pressures=[on_day("unilateral_step", 5, sender=sender, target=other,
                                     track=track)])
    m, days, _ = run_days(scn)
    row = GOVERNMENTS.index(other)
    assert days[5].impulses.provocation[row, 0] == 1
    assert days[5].impulses.defection[row, 0] == 0
    assert days[5].impulses.hostility[row, 0] == 0.05
    assert days[5].impulses.hostility[1 - row, 0] == 0
    assert days[5].impulses.goldstein[0] == -5.0
    assert all(d.actions[row, 0] == Action.HOLD for d in days)
    assert m.outcome[0] == Outcome.TALKS and m.in_talks[0]


def test_a_unilateral_step_names_its_track_and_only_it_and_a_relief_offer_take_one():
    """A unilateral_step without a track, or a track on another type, is an error that
    names the field."""
    step = semantic_problems(scenario(pressures=[on_day("unilateral_step", 1)]))
    assert [(where, "needs the track" in text) for where, text in step] == [
        (("pressures", 0, "track"), True)]
    other = semantic_problems(scenario(pressures=[on_day("bounty", 1, track="drugs")]))
    assert [where for where, _ in other] == [("pressures", 0, "track")]
    assert "relief_offer or a unilateral_step" in other[0][1]


def test_a_walk_out_after_a_deal_is_not_a_collapse():
    """At the table from day 0 on the prisoners and drugs tracks. Both value prisoners
    (0.3, 0.2) at no cost (no hostility) and it closes for sure (kappa = 1): a narrow deal
    on day 0; a drugs deal alone or in a package costs Venezuela (-0.25 + 0.2 < 0).
    Venezuela walks out over the day-5 bounty, a defection on the drugs track at the table,
    but a deal was reached: the outcome stays narrow_deal of day 0 (talks_collapsed, code
    4, would have taken precedence)."""
    scn = scenario(*CALM, *WALK_OUT, "behaviour.actions.walk_out_provocation=3",
                   "talks.tracks=[prisoners, drugs]", "talks.agenda=[drugs]",
                   "behaviour.tracks.closing_rate=1",
                   horizon_days=10, pressures=[PROVOCATIONS["bounty"]])
    m, days, _ = run_days(scn)
    assert days[5].walked_out[0] and not m.in_talks[0]
    assert m.deal_day[0] == 0 and m.deals.state[TRACKS.index(Track.PRISONERS), 0] == (
        TrackState.DONE)
    assert (m.outcome[0], m.outcome_day[0]) == (Outcome.NARROW_DEAL, 0)


def test_force_shown_halves_every_half_life_and_its_threat_is_the_removal_chance_left():
    """D = 2^(-a/H): 1 on the day, 1/2 after one half-life, 1/4 after two, 0 if never
    (a = inf). Q = clip(D p (1 - F), 0, 1) (1 - min(E, 1)): with p = 0.8 and F = 0.5, 0.4 at
    D = 1; 0.2 at D = 1/2; none while an exit demand of 1 (or 2) stands; half with a demand
    of 1/2; 0 with the hardliners as one (F = 1)."""
    np.testing.assert_array_equal(force_shown(np.array([0.0, 30.0, 60.0, np.inf]), 30.0),
                                  [1.0, 0.5, 0.25, 0.0])
    np.testing.assert_allclose(
        shown_force_threat(np.array([1.0, 0.5, 1.0, 1.0, 1.0, 1.0]), 0.8,
                           np.array([0.5, 0.5, 0.5, 0.5, 0.5, 1.0]),
                           np.array([0.0, 0.0, 1.0, 2.0, 0.5, 0.0])),
        [0.4, 0.2, 0.0, 0.0, 0.2, 0.0], rtol=0, atol=1e-15)


def _shown(days_before: int) -> str:
    """``initial.force_shown``: US force on Venezuela ``days_before`` days before the start."""
    date = dt.date(2025, 8, 1) - dt.timedelta(days=days_before)
    return f"initial.force_shown=[{{sender: us, date: {date}}}]"


@pytest.mark.parametrize(("shown", "demand", "walks"), [
    (None, False, True), (10, False, False), (10, True, True)])
def test_force_already_shown_keeps_a_leader_whose_exit_is_not_demanded_at_the_table(
        shown, demand, walks):
    """At the table from day 0 on the oil track, the financial sanctions of day 5 are a
    defection that makes Venezuela walk out (utility -2 + 3 + H - R > 0, as in the tests
    above). US force shown on its soil 10 days before the start (half-life 30 days) takes
    w_S Q = 20 x 2^(-(10 + t)/30) x p_US (1 - F_VE) off that utility: on day 5, with
    p_US = 16/17 and F_VE near 1/2, about 20 x 0.71 x 0.94 x 0.48 = 6.4, and Venezuela
    stays. Under a US
    exit demand standing since before day 0, complying would not save its leader: Q = 0, and
    it walks out (§3.10 (7)). The model's walk-out utility is checked against the closed
    form every day."""
    extra = [_shown(shown)] if shown is not None else []
    pressures = [on_day("financial_sanctions", 5)]
    if demand:
        pressures.append({"type": "exit_demand", "sender": "us", "target": "venezuela",
                          "since": "2025-01-01", "until": "2025-08-10"})
    scn = scenario(*WALK_OUT, "behaviour.actions.walk_out_provocation=3", "talks.tracks=[oil]",
                   "behaviour.tracks.closing_rate=0", "behaviour.actions.walk_out_shown_force=20",
                   "behaviour.survival.shown_force_half_life=30",
                   "behaviour.actions.rupture_provocation=0", "behaviour.actions.rupture_demand=0",
                   *extra, horizon_days=10, pressures=pressures)
    m, days, kept = run_days(scn, keep=lambda m: (m.hostility[1, 0], m.readiness[1, 0],
                                                   m.hardliners[1, 0]))
    p_us = m.win_prob[0]
    for t, (day, (_, readiness, _)) in enumerate(zip(days, kept, strict=True)):
        if not (t == 0 or days[t - 1].actions[1, 0] != Action.WALK_OUT):
            break
        threat = 0.0
        if shown is not None and not demand:
            threat = 2.0 ** (-(shown + t) / 30) * p_us * (1 - kept[t][2])
        assert day.shown_threat[1, 0] == pytest.approx(threat, rel=1e-12, abs=1e-15)
        expected = (-2 + 3 * day.impulses.defection[1, 0] + kept[t][0] - readiness
                    - 20 * threat)
        assert day.utilities[Action.WALK_OUT, 1, 0] == pytest.approx(expected, rel=1e-12,
                                                                      abs=1e-12)
    assert days[5].impulses.defection[1, 0] == 1
    actions = [d.actions[1, 0] for d in days]
    assert actions == [Action.WALK_OUT if walks and t == 5 else Action.HOLD for t in range(10)]
    if shown is not None and not demand:
        assert 5 < 20 * days[5].shown_threat[1, 0] < 8


def test_a_strike_on_land_and_force_chosen_show_force_on_the_other_side_from_that_day():
    """No force shown before the run. The US strikes Venezuela's soil on day 3 (an overt
    strike on land, no exit demand, so no removal) and Venezuela chooses force on day 6
    (scripted): from day 3 the force shown on Venezuela is 2^(-(t - 3)/H), and from day 6 on
    the US 2^(-(t - 6)/H), H = 180 days; before, none."""
    scn = scenario(horizon_days=9, pressures=[on_day("overt_land_strike", 3)])
    kept = []
    m = DiplomacyModel(scn, script={"venezuela": ["hold"] * 6 + ["use_force"] + ["hold"] * 2})
    m.observers.append(lambda model, day: kept.append(model.force_shown.day[:, 0].copy()))
    m.run()
    assert [k.tolist() for k in kept] == (
        [[-np.inf, -np.inf]] * 3 + [[-np.inf, 3.0]] * 3 + [[6.0, 3.0]] * 3)
    np.testing.assert_allclose(force_shown(8 - kept[-1], 180.0),
                               [2.0 ** (-2 / 180), 2.0 ** (-5 / 180)], rtol=1e-15, atol=0)


def test_force_shown_before_day_0_is_dated_on_or_before_the_start_once_per_sender():
    """initial.force_shown: its day is counted back from the start (30 days before: day
    -30, for the side it was used on); a date after the start, or two entries for one
    sender, are errors that name the field."""
    m = DiplomacyModel(scenario(_shown(30), horizon_days=2))
    assert m.force_shown.day[:, 0].tolist() == [-np.inf, -30.0]
    with pytest.raises(ValueError, match="one entry per sender"):
        scenario("initial.force_shown=[{sender: us, date: 2025-07-01}, "
                 "{sender: us, date: 2025-07-02}]")
    problems = semantic_problems(scenario(_shown(-1)))
    assert problems == [(("initial", "force_shown", 0, "date"), pytest.approx(problems[0][1]))]
    assert "after the start of the run" in problems[0][1]


#: Break-relations utility -5 + 9 x onset (no weight on the demand or on provocations).
RUPTURE = ("behaviour.actions.rupture_bias=-5", "behaviour.actions.rupture_onset=9",
           "behaviour.actions.rupture_demand=0", "behaviour.actions.rupture_provocation=0")


@pytest.mark.parametrize("relations", ["open", "broken"])
def test_a_leader_told_to_go_breaks_relations_that_day_while_they_are_open(relations):
    """A US demand that Maduro leave, made on day 3: Venezuela's break-relations utility is
    -5 + 9 = 4 that day and -5 on the others, so it breaks relations on day 3 (escalation,
    caused by the rupture, that day) and cannot again (relations are broken). With
    relations broken on day 0 the action is not available (-inf) and nothing happens."""
    scn = scenario(*RUPTURE, f"initial.relations={relations}", horizon_days=8,
                   pressures=[on_day("exit_demand", 3)])
    m, days, _ = run_days(scn)
    actions = np.array([d.actions[:, 0] for d in days])
    rupture = np.array([d.utilities[Action.RUPTURE, 1, 0] for d in days])
    assert (actions[:, 0] == Action.HOLD).all()
    if relations == "open":
        assert actions[:, 1].tolist() == [Action.RUPTURE if t == 3 else Action.HOLD
                                          for t in range(8)]
        np.testing.assert_array_equal(rupture[:4], [-5, -5, -5, 4])
        assert np.isneginf(rupture[4:]).all() and not m.relations_open[0]
        assert (m.outcome[0], m.outcome_day[0]) == (Outcome.ESCALATION, 3)
        assert m.escalation_cause[0] == EscalationCause.RUPTURE
    else:
        assert (actions[:, 1] == Action.HOLD).all() and np.isneginf(rupture).all()
        assert (m.outcome[0], m.escalation_day[0]) == (Outcome.STALEMATE, -1)


def test_provocations_are_coercive_measures_from_the_other_government():
    """Counted per government and day, Goldstein at most -5 and sent by the other government:
    China's financial sanctions on Venezuela (day 1, a third party) and Venezuela pausing
    deportation flights (day 2, Goldstein -4) are none; Venezuela seizing a US tanker (day 3,
    -9.2) is one for the US; US financial sanctions (-8) and a bounty (-5) on day 4 are two
    for Venezuela. A state provokes on the day it starts only."""
    china = [{"id": "china", "name": "China", "role": "oil_buyer"}]
    pressures = [
        {"type": "financial_sanctions", "sender": "china", "target": "venezuela",
         "at": "2025-08-02"},
        {"type": "deportation_flights_paused", "sender": "venezuela", "target": "us",
         "at": "2025-08-03"},
        {"type": "tanker_seizure", "sender": "venezuela", "target": "us", "at": "2025-08-04"},
        on_day("financial_sanctions", 4), on_day("bounty", 4)]
    _, days, _ = run_days(scenario(horizon_days=6, third_parties=china, pressures=pressures))
    received = np.array([d.impulses.provocation[:, 0] for d in days])
    np.testing.assert_array_equal(received, [[0, 0], [0, 0], [0, 0], [1, 0], [0, 2], [0, 0]])


# ------------------------------------------------------------------ outcomes (§3.8)


def test_a_narrow_deal_then_an_overt_strike_ends_as_escalation_on_the_strike_day():
    """The prisoners deal closes on day 0 (as above); the US strikes on land on day 10. The
    outcome climbs the precedence, narrow_deal (2) on days 0-9 then escalation (6) from
    day 10, never back; its day is the strike's. Escalation ends nothing: the run goes to
    its horizon and hostility keeps moving (Venezuela's jumps 0.5 and both then change
    every day)."""
    scn = scenario(*CALM, "initial.in_talks=true", "talks.tracks=[prisoners]",
                   "behaviour.tracks.closing_rate=1", horizon_days=20,
                   pressures=[on_day("overt_land_strike", 10)])
    m = DiplomacyModel(scn, n_replicates=2).run()
    outcome = m.trace[:, list(VARIABLES).index("outcome"), 0]
    assert outcome.tolist() == [Outcome.NARROW_DEAL] * 10 + [Outcome.ESCALATION] * 10
    assert (m.outcome == Outcome.ESCALATION).all() and (m.outcome_day == 10).all()
    assert (m.deal_day == 0).all() and (m.escalation_day == 10).all()
    assert (m.escalation_cause == EscalationCause.OVERT_STRIKE).all()
    assert m.day == 20
    hostility = m.trace[:, [list(VARIABLES).index(f"hostility_{g}") for g in
                            ("us", "venezuela")], 0]
    assert hostility[10, 1] >= 0.5
    assert (np.diff(hostility[10:], axis=0) != 0).all()


@pytest.mark.parametrize(("intensity", "outcome", "day"), [
    (0.0, Outcome.STALEMATE, -1), (1.0, Outcome.ESCALATION, 5)])
def test_a_blockade_at_zero_intensity_is_no_escalation(intensity, outcome, day):
    """A blockade is a rupture step on the day it starts, unless its intensity is 0."""
    scn = scenario(horizon_days=8, pressures=[on_day("blockade", 5, intensity=intensity)])
    m = DiplomacyModel(scn, n_replicates=2).run()
    assert (m.outcome == outcome).all() and (m.escalation_day == day).all()
    assert (m.escalation_cause == (EscalationCause.BLOCKADE if day >= 0 else 0)).all()


# ------------------------------------------------------------------ starting mid-course (§3.17)


@pytest.mark.parametrize("in_talks", [True, False])
def test_talks_under_way_on_day_0_are_the_outcome_from_day_0(in_talks):
    """initial.in_talks: at the table from day 0, so the outcome is talks, of day 0, before
    the first step and after the run (nothing else happens on the quiet base)."""
    scn = scenario(f"initial.in_talks={str(in_talks).lower()}", horizon_days=10)
    m = DiplomacyModel(scn, n_replicates=2)
    talks = (Outcome.TALKS, 0, 0) if in_talks else (Outcome.STALEMATE, -1, -1)
    for _ in range(2):
        assert (m.outcome == talks[0]).all() and (m.outcome_day == talks[1]).all()
        assert (m.talks_day == talks[2]).all() and (m.in_talks == in_talks).all()
        m.run()


def test_an_inherited_deal_is_in_force_from_day_0_and_moves_its_status_quo():
    """initial.deals = [oil, migration]: both tracks INHERITED (in force, no closing day)
    before the first step; from day 0 their issues stand at the deals' terms, oil 0.2 and
    migration 0.6, drugs at 0.5. Status-quo utilities by hand: US (ideal 1, saliences
    0.45/0.25/0.30) 0.225 + 0.05 + 0.18 = 0.455; Venezuela (ideal 0, 0.20/0.55/0.25)
    0.1 + 0.44 + 0.1 = 0.64. An inherited deal is no outcome of the run."""
    scn = scenario("initial.deals=[oil, migration]", "behaviour.compliance.break_rates.oil=0",
                   "behaviour.compliance.break_rates.migration=0", horizon_days=3)
    m = DiplomacyModel(scn, n_replicates=2)
    inherited = np.array([t in (Track.OIL, Track.MIGRATION) for t in TRACKS])
    assert (m.deals.state == np.where(inherited, TrackState.INHERITED, TrackState.NONE)[:, None]
            ).all()
    assert (m.deals.in_force == inherited[:, None]).all() and (m.deals.day == -1).all()
    _, _, kept = run_days(scn, n=2, keep=lambda m: (m.sq.copy(), m.status_quo_value.copy()))
    for sq, value in kept:
        np.testing.assert_allclose(sq, [[0.5] * 2, [0.2] * 2, [0.6] * 2], rtol=0, atol=1e-15)
        np.testing.assert_allclose(value, [[0.455] * 2, [0.64] * 2], rtol=0, atol=1e-14)
    assert (m.run().outcome == Outcome.STALEMATE).all()


def test_the_day_0_readiness_starts_from_the_status_quo_an_inherited_deal_made():
    """A deal already in force on day 0 (initial.deals) is part of the day-0 state: the oil
    status quo stands at the deal's terms, 0.2, and the day-0 bargaining range is the one the
    first step computes (0.3280 for an inherited oil deal against 0.3531 without, with
    readiness biases 0), so the readiness the run starts from differs from a run without
    the deal."""
    base = ("actors.us.readiness_bias=0", "actors.venezuela.readiness_bias=0")
    plain = DiplomacyModel(scenario(*base))
    inherited = DiplomacyModel(scenario(*base, "initial.deals=[oil]"))
    assert inherited.sq[1, 0] == pytest.approx(0.2)
    assert not np.allclose(inherited.readiness, plain.readiness, rtol=1e-9, atol=0)
