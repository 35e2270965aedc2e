"""The diplomacy model: scripted exchanges, replicate independence, outcomes, pressures."""

from __future__ import annotations

import gc

import numpy as np
import pytest

from sim.model.agents import Action, GovernmentAgent, logit_choice
from sim.model.model import VARIABLES, DiplomacyModel, Outcome
from sim.model.outcomes import DECIDED, EscalationCause
from sim.output.rundata import RunData
from sim.scenario.load import load_scenario
from tests.conftest import DEFAULT, REMOVAL_PRESSURES, REMOVAL_SETTINGS, ROOT, scenario

H, E = Action.HOLD, Action.ESCALATE


def test_scripted_venezuela_against_the_us_rules():
    """Venezuela mobilises on days 0-4; the US answers once its hostility passes 0.065.

    With k = 0, a = 0.5, g = 0 and each Venezuelan escalation adding 0.04 to US hostility the
    next day, US hostility runs 0, .04, .06, .07, .075, .0775, .03875, ... and the US
    escalates exactly while it is above 0.065 (escalate utility -0.65 + 10 H > 0 = hold).
    """
    scn = scenario("actors.us.hostility.reaction=0", "actors.us.hostility.restraint=0.5",
                   "actors.us.hostility.grievance=0", "actors.us.hostility.initial=0",
                   "behaviour.actions.escalate_bias=-0.65",
                   "behaviour.actions.escalate_hostility=10",
                   "behaviour.actions.escalate_war=0", horizon_days=10)
    m = DiplomacyModel(scn, n_replicates=4, script={"venezuela": ["escalate"] * 5}).run()
    us = m.trace[:, list(VARIABLES).index("action_us"), :]
    expected = [H, H, H, E, E, E, H, H, H, H]
    assert (us == np.array(expected)[:, None]).all()
    hostility = m.trace[:, list(VARIABLES).index("hostility_us"), 0]
    np.testing.assert_allclose(hostility[:7], [0, 0.04, 0.06, 0.07, 0.075, 0.0775, 0.03875],
                               rtol=1e-6)


def test_logit_choice_frequencies_follow_the_softmax():
    u = np.random.default_rng(3).random(200_000)
    utilities = np.array([[0.0], [np.log(3.0)], [-np.inf]]) * np.ones((3, u.size))
    chosen = logit_choice(utilities, 1.0, u)
    share = np.bincount(chosen, minlength=3) / u.size
    np.testing.assert_allclose(share, [0.25, 0.75, 0.0], atol=0.005)
    assert (logit_choice(utilities, 0.0, u) == 1).all()  # temperature 0: the best action


@pytest.fixture(scope="module")
def default_batch() -> DiplomacyModel:
    return DiplomacyModel(DEFAULT, n_replicates=64, trace_replicates=64, rng=11).run()


@pytest.mark.parametrize("r", [0, 5, 63])
def test_a_replicate_alone_is_bit_identical_to_the_same_replicate_in_a_batch(default_batch, r):
    alone = DiplomacyModel(DEFAULT, n_replicates=1, first_replicate=r, rng=11).run()
    assert np.array_equal(alone.trace[:, :, 0], default_batch.trace[:, :, r], equal_nan=True)
    for name in ("hostility", "readiness", "pain", "cc_index"):
        a, b = alone.end_values(name), default_batch.end_values(name)
        assert np.array_equal(a[..., 0], b[..., r]), name
    for name in ("deal", "nash_terms", "outcome", "outcome_day", "talks_day", "casualties"):
        a, b = getattr(alone, name), getattr(default_batch, name)
        assert np.array_equal(a[..., 0], b[..., r], equal_nan=True), name


class _OwnRules(GovernmentAgent):
    """A government that asks its own rules (the model then asks each agent in turn)."""

    def next_readiness(self, day):
        return super().next_readiness(day)

    def aspiration(self, day):
        return super().aspiration(day)

    def action_utilities(self, day):
        return super().action_utilities(day)

    def choose_action(self, day):
        return super().choose_action(day)


def test_each_governments_own_rules_give_the_run_of_both_at_once():
    """The model evaluates both governments' rules in one pass over their rows; a government
    with rules of its own (a script, a team) is asked in turn. Both ways give the same run,
    bit for bit, in the default scenario (exit demands, strikes, offers under threat)."""
    runs = []
    for own in (False, True):
        m = DiplomacyModel(DEFAULT, n_replicates=40, rng=11)
        if own:
            m.governments = [_OwnRules(m, g.actor_id, g.index, g.params) for g in m.governments]
        utilities = []
        m.observers.append(lambda model, day, out=utilities: out.append(day.utilities.copy()))
        m.run()
        runs.append((m.outcome.copy(), m.hostility.copy(), np.array(utilities)))
    assert not np.isfinite(runs[0][2]).all()  # some actions were unavailable
    for a, b in zip(runs[0], runs[1], strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("episode", ["2017-dominican-talks", "2018-holt-release",
                                     "2025-grenell-deal"])
def test_a_replicate_alone_is_bit_identical_in_a_batch_in_episodes_with_deals(episode):
    """Status-quo utilities once came 1 ulp apart alone and in a batch of 100 in these
    episodes (np.einsum's summation order depends on the shape); every state must not."""
    scn = load_scenario(ROOT / "scenarios" / "episodes" / f"{episode}.yaml")
    batch = DiplomacyModel(scn, n_replicates=100, rng=5, trace_replicates=100).run()
    for r in (0, 37, 99):
        alone = DiplomacyModel(scn, n_replicates=1, first_replicate=r, rng=5,
                               trace_replicates=1).run()
        assert np.array_equal(alone.trace[:, :, 0], batch.trace[:, :, r], equal_nan=True)
        for name in ("status_quo_value", "hostility", "readiness", "reservation", "surplus",
                     "outcome", "outcome_day"):
            a, b = getattr(alone, name), getattr(batch, name)
            assert np.array_equal(a[..., 0], b[..., r], equal_nan=True), (name, r)


def test_chunks_give_the_same_replicates(default_batch):
    chunk = DiplomacyModel(DEFAULT, n_replicates=24, first_replicate=40, rng=11,
                           trace_replicates=24).run()
    assert np.array_equal(chunk.trace, default_batch.trace[:, :, 40:], equal_nan=True)


def test_seeds_matter(default_batch):
    other = DiplomacyModel(DEFAULT, n_replicates=64, rng=12).run()
    assert not np.array_equal(other.hostility, default_batch.hostility)


def test_outcomes_climb_the_precedence_and_only_a_removal_freezes_the_state(default_batch):
    m = default_batch
    outcome = m.trace[:, list(VARIABLES).index("outcome"), :]
    assert (np.diff(outcome, axis=0) >= 0).all()  # never goes back down the precedence
    for r in range(m.n):  # the outcome is first reached on its day
        d = m.outcome_day[r]
        if d >= 0:
            assert outcome[d, r] == m.outcome[r] and (d == 0 or outcome[d - 1, r] < m.outcome[r])
    escalated = np.flatnonzero(m.outcome == Outcome.ESCALATION)
    assert escalated.size > 0
    hostility = m.trace[:, list(VARIABLES).index("hostility_us"), :]
    r = escalated[0]
    assert not (hostility[m.outcome_day[r] + 1:, r] == hostility[m.outcome_day[r], r]).all()


def test_a_removed_leader_ends_the_run_and_freezes_its_state():
    scn = scenario(*REMOVAL_SETTINGS, pressures=REMOVAL_PRESSURES, horizon_days=60)
    m = DiplomacyModel(scn, n_replicates=6, trace_replicates=6).run()
    assert (m.outcome == Outcome.LEADER_REMOVED).all() and (m.outcome_day == 20).all()
    assert (m.escalation_day == 20).all()  # the strike was also the escalation, that day
    assert m.day == 21 and not m.running  # every replicate decided: the run stops
    hostility = m.trace[:, list(VARIABLES).index("hostility_us"), :]
    assert (hostility[21:] == hostility[20]).all()
    np.testing.assert_allclose(m.end_values("hostility")[0], hostility[20], rtol=1e-6)


def test_state_stays_in_bounds(default_batch):
    m = default_batch
    tr = m.trace
    v = list(VARIABLES)
    assert np.isfinite(tr).all()
    for name in ("readiness_us", "readiness_venezuela", "pain_us", "pain_venezuela",
                 "resolve_us", "resolve_venezuela", *(x for x in v if x.startswith("offer_"))):
        col = tr[:, v.index(name)]
        assert (col >= 0).all() and (col <= 1).all(), name
    assert (tr[:, v.index("hostility_us")] >= 0).all()
    assert (np.diff(tr[:, v.index("casualties")], axis=0) >= 0).all()


def test_an_overt_strike_on_land_is_escalation_that_day():
    pressures = [{"type": "overt_land_strike", "sender": "us", "target": "venezuela",
                  "at": "2025-08-21"}]
    m = DiplomacyModel(scenario(pressures=pressures), n_replicates=5).run()
    assert (m.outcome == Outcome.ESCALATION).all()
    assert (m.outcome_day == 20).all()
    assert (m.escalation_cause == EscalationCause.OVERT_STRIKE).all()


def test_boat_strikes_follow_their_poisson_rate_and_deaths():
    pressures = [{"id": "strikes", "type": "boat_strike", "sender": "us", "target": "venezuela",
                  "from": "2025-08-01", "until": "2025-09-29", "per_week": 2.1, "deaths": 3}]
    m = DiplomacyModel(scenario(pressures=pressures), n_replicates=4000).run()
    strikes = m.casualties / 3
    assert np.array_equal(strikes, np.round(strikes))
    expected = 2.1 / 7 * 60  # 18 strikes
    assert strikes.mean() == pytest.approx(expected, abs=5 * np.sqrt(expected / 4000))
    assert strikes.var() == pytest.approx(expected, rel=0.1)  # Poisson: variance = mean


def test_a_trigger_starts_its_pressure_once_the_condition_has_held():
    pressures = [{"id": "screw", "type": "blockade", "sender": "us", "target": "venezuela",
                  "trigger": {"when": "venezuela.pain < 0.5", "from": "2025-08-11",
                              "for_days": 3}}]
    m = DiplomacyModel(scenario(pressures=pressures), n_replicates=3, narrate=True).run()
    starts = [f for f in m.firings if f.pressure == "screw"]
    assert [f.day for f in starts] == [12]  # checked from day 10, held on days 10, 11, 12
    pain = m.trace[:, list(VARIABLES).index("pain_venezuela"), 0]
    assert (pain[:12] == 0).all() and pain[12] > 0


def test_a_state_in_force_since_before_the_run_starts_warm():
    since = [{"type": "oil_sanctions", "sender": "us", "target": "venezuela",
              "since": "2019-01-28", "until": "2025-09-29"}]
    fresh = [{"type": "oil_sanctions", "sender": "us", "target": "venezuela",
              "from": "2025-08-01", "until": "2025-09-29"}]
    warm = DiplomacyModel(scenario(pressures=since), n_replicates=1)
    cold = DiplomacyModel(scenario(pressures=fresh), n_replicates=1)
    va = warm.spec.actors.venezuela
    assert warm.pain[1, 0] == pytest.approx(0.25 * (1 - va.max_adaptation * (
        1 - (1 - va.adaptation_rate) ** (warm.spec.start - since_date()).days)))
    assert cold.pain[1, 0] == 0
    warm.run()
    cold.run()
    assert cold.commitment[0, 0] > warm.commitment[0, 0]  # old news commits nobody


def since_date():
    import datetime as dt

    return dt.date(2019, 1, 28)


def test_mediation_lowers_the_bar_for_talks():
    base = ("actors.us.readiness_bias=-1", "actors.venezuela.readiness_bias=-1",
            "talks.threshold=0.5")
    no_mediator = DiplomacyModel(scenario(*base), n_replicates=1).run()
    assert no_mediator.talks_day[0] == -1
    mediation = [{"type": "mediation", "sender": "norway", "target": "venezuela",
                  "from": "2025-08-11", "until": "2025-09-29"}]
    third = [{"id": "norway", "name": "Norway", "role": "mediator"}]
    with_mediator = DiplomacyModel(scenario(*base, pressures=mediation, third_parties=third),
                                   n_replicates=1).run()
    assert with_mediator.talks_day[0] >= 10


def test_the_model_takes_a_scenario_made_by_the_scenario_layer():
    from sim.scenario.levers import apply_levers

    m = DiplomacyModel(apply_levers(DEFAULT, {"us_salience_oil": 0.5, "talks_threshold": 0.7}))
    assert m.spec.actors.us.salience.oil == 0.5
    assert m.spec.talks.threshold == 0.7
    with pytest.raises(TypeError, match="unknown parameter"):
        apply_levers(DEFAULT, {"no_such_lever": 1})
    with pytest.raises(TypeError, match="needs a Scenario"):
        DiplomacyModel("caribbean-2025")



def test_scaling_levers_change_the_timeline():
    from sim.scenario.levers import LEVERS, apply_levers
    from sim.scenario.load import load_scenario

    base = load_scenario()
    faster = apply_levers(base, {"boat_strike_tempo": 2, "sanctions_intensity": 0,
                                 "mediation": True})
    rates = {p.id: p.per_week for p in faster.pressures if p.per_week}
    assert rates["boat_strikes"] == 3.5
    assert not [p for p in faster.pressures if p.type.value in ("oil_sanctions", "blockade")]
    assert LEVERS["mediation"].current(faster) and not LEVERS["mediation"].current(base)
    assert LEVERS["us_salience_oil"].current(base) == 0.25


def test_injected_pressures_act_the_next_day_and_decisions_are_recorded():
    m = DiplomacyModel(scenario(), n_replicates=2, narrate=True)
    for _ in range(5):
        m.step()
    before = m.pain[1].copy()
    m.inject("tanker_seizure")
    m.step()
    assert (m.pain[1] > before).all()
    assert [f.day for f in m.firings if f.type.value == "tanker_seizure"] == [5]
    assert len(m.decisions) == 2 * 6 and m.decisions[-1].probabilities["hold"] == 1.0
    from sim.scenario.errors import InputError

    with pytest.raises(InputError, match="unknown target"):
        m.inject("tanker_seizure", target="cuba")


def test_inject_refuses_what_a_scenario_file_would():
    from sim.scenario.errors import InputError

    m = DiplomacyModel(scenario(third_parties=[{"id": "norway", "name": "Norway",
                                                "role": "mediator"}]))
    with pytest.raises(InputError, match="target must be a government"):
        m.inject("mediation", sender="us", target="norway")
    with pytest.raises(InputError, match="same actor"):
        m.inject("tanker_seizure", sender="venezuela", target="venezuela")


def test_the_horizon_lever_cuts_the_timeline_to_fit():
    from sim.scenario.errors import InputError
    from sim.scenario.levers import apply_levers
    from sim.scenario.load import load_scenario

    base = load_scenario()
    short = apply_levers(base, {"horizon_days": 120})
    assert short.horizon_days == 120 and short.end.isoformat() == "2025-11-28"
    ids = {p.id for p in short.pressures}
    assert "first_boat_strike" in ids and "first_tanker_seizure" not in ids  # 10 Dec: gone
    assert all(p.until is None or p.until <= short.end for p in short.pressures)
    m = DiplomacyModel(short, n_replicates=20, rng=3).run()
    assert m.trace.shape[0] == 120 and np.isfinite(m.trace).all()
    with pytest.raises(InputError, match="horizon_days: expected a number at least 1"):
        apply_levers(base, {"horizon_days": 0})


def test_traces_read_mid_run_hold_each_days_offer_positions():
    """Offers are recorded as utilities and placed as positions when the trace is read."""
    m = DiplomacyModel(DEFAULT, n_replicates=50, rng=11, trace_replicates=20, band_replicates=30)
    offers = [f"offer_{g}_{i}" for g in ("us", "venezuela") for i in ("drugs", "oil", "migration")]
    slots = [list(VARIABLES).index(v) for v in offers]
    seen = []
    for _ in range(12):
        m.step()
        live = m.outcome[:20] < DECIDED
        expected = m.offer_positions(20).reshape(6, 20).astype(np.float32)
        trace = m.trace[m.day - 1][slots]  # read every day: placed a day at a time
        assert np.array_equal(trace[:, live], expected[:, live])
        seen.append(trace.copy())
    m.run()
    assert np.array_equal(m.trace[:12][:, slots], np.array(seen))  # placing again changes nothing
    assert not np.isnan(m.trace).any() and not np.isnan(m.band_trace).any()


def test_action_counts_match_the_actions_of_each_day():
    m = DiplomacyModel(DEFAULT, n_replicates=300, rng=5)
    counts = np.zeros((2, len(Action), m.n), np.int32)
    while m.running:
        m.step()
        for i in (0, 1):
            counts[i, m.actions[i], np.arange(m.n)] += 1
    counts[:, Action.HOLD] = 0
    assert np.array_equal(m.action_counts, counts)
    assert counts[:, Action.ESCALATE].sum() > 0 and counts[:, Action.CONCEDE].sum() > 0


def test_the_story_of_replicate_0_ends_at_its_decision_whatever_runs_beside_it():
    """Alone, replicate 0's model stops when its leader is removed; in a batch the others go
    on (with hardliners at 0.5 the strike removes about four leaders in ten)."""
    scn = scenario("escalation.decisiveness=64", pressures=REMOVAL_PRESSURES, horizon_days=60)
    alone = DiplomacyModel(scn, n_replicates=1, rng=5, narrate=True).run()
    batch = DiplomacyModel(scn, n_replicates=40, rng=5, narrate=True).run()
    assert alone.outcome[0] == Outcome.LEADER_REMOVED and alone.day == 21
    assert (batch.outcome != Outcome.LEADER_REMOVED).any() and batch.day == 60
    assert (alone.firings, alone.turning_points, alone.decisions) == (
        batch.firings, batch.turning_points, batch.decisions)
    assert max(f.day for f in batch.firings) <= batch.outcome_day[0]


def test_mesa_batch_run_works_on_the_model(monkeypatch):
    """Mesa's own batch runner: four fresh seeds of the interactive model, one table."""
    import multiprocessing

    import mesa
    import tqdm

    # tqdm's monitor thread would outlive the test (and keep later runs from forking).
    monkeypatch.setattr(tqdm.tqdm, "monitor_interval", 0)
    method = multiprocessing.get_start_method(allow_none=True)
    try:
        rows = mesa.batch_run(DiplomacyModel, parameters={"scenario": [DEFAULT],
                                                          "n_replicates": [1]},
                              rng=[None] * 4, max_steps=243, display_progress=False)
    finally:  # batch_run sets the start method for the whole process
        multiprocessing.set_start_method(method, force=True)
    assert len(rows) == 4
    assert {row["Outcome"] for row in rows} <= {o.label for o in Outcome}
    assert len({row["Hostility (US)"] for row in rows}) > 1  # rng=None: a fresh seed each
    for row in rows:
        assert row["Step"] <= 243 and 0 <= row["Readiness (Venezuela)"] <= 1


def test_the_data_collector_follows_one_run_or_the_shares_of_many():
    one = DiplomacyModel(DEFAULT, rng=3).run()
    table = one.datacollector.get_model_vars_dataframe()
    assert len(table) == one.day + 1  # the start, then every day
    assert table["Outcome"].iloc[-1] == Outcome(int(one.outcome[0])).label
    assert table["Hostility (US)"].iloc[-1] == float(one.hostility[0, 0])
    many = DiplomacyModel(DEFAULT, n_replicates=50, rng=3, collect=True).run()
    shares = many.datacollector.get_model_vars_dataframe()
    p = shares[[f"P({o.label})" for o in Outcome]]
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    assert p.iloc[-1].tolist() == [float((many.outcome == o).mean()) for o in Outcome]
    quiet = DiplomacyModel(DEFAULT, n_replicates=50, rng=3).run()  # not asked: not collected
    assert quiet.datacollector.get_model_vars_dataframe().empty


def test_a_run_leaves_no_garbage_in_reference_cycles():
    """The engine pauses the cyclic collector while a share steps (sim.engine.ensemble):
    safe only as long as stepping makes no cyclic garbage, which would pile up meanwhile."""
    model = DiplomacyModel(scenario(), n_replicates=20, rng=3, narrate=True, collect=False)
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        model.run()
        RunData.from_model(model)
        found = gc.collect()
    finally:
        if enabled:
            gc.enable()
    assert found == 0

