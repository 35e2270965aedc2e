"""The plain-language account: scripted runs told line by line, with why.

Each test builds a small quiet scenario (no noise, no pressure) and adds one thing, so the
account it produces can be read in full and checked against the run's own numbers.
"""

from __future__ import annotations

import re

import pytest

import sim
from sim.model.model import DiplomacyModel
from sim.model.outcomes import OUTCOMES
from sim.output.brief import brief_markdown, narrative_file_markdown
from sim.output.narrative import (
    HEADLINES,
    entries,
    narrative_markdown,
    outcome_headline,
    outcome_text,
)
from sim.output.results import Results, RunData
from sim.output.story import Story
from tests.conftest import scenario


def _tanker(at: str) -> dict:
    return {"type": "tanker_seizure", "sender": "us", "target": "venezuela", "at": at}


def test_a_pressure_is_told_with_what_it_does_and_where_the_target_stands():
    scn = scenario(pressures=[_tanker("2025-08-05"), _tanker("2025-08-11")])
    results = sim.run(scn, runs=1)
    story = results.story()
    told = [e for e in entries(results.story()) if e.kind == "pressure"]
    assert [e.day for e in told] == [4, 10]
    first, second = told
    assert first.text == "The United States: seizure of an oil tanker against Venezuela."
    assert first.tag == "CAMEO 1711, Goldstein -9.2"
    assert "What it does: it raises Venezuela's hostility by about 0.08" in first.why
    assert "a one-off economic shock of 0.08 to Venezuela's sanction pain" in first.why
    assert "Caracas takes Washington's threats more seriously" in first.why
    before = story.value(3, "hostility_venezuela")
    after = story.value(4, "hostility_venezuela")
    assert after > before
    assert f"Venezuelan hostility {before:.2f} → {after:.2f}" in first.why
    # Explained once: the second seizure only says where Venezuela stands.
    assert "What it does" not in second.why and "Venezuelan hostility" in second.why


def test_a_choice_is_told_with_its_reason_score_and_chance():
    # Signalling openness is made the best action, and temperature 0 always takes the best.
    results = sim.run(scenario("behaviour.actions.signal_bias=10"), runs=1)
    first = next(e for e in entries(results.story()) if e.kind == "action")
    assert first.day == 0
    assert first.text == "The United States signals it is open to talks."
    decision = results.data.decisions[0]
    score = decision.utilities["signal openness"]
    assert first.why == (
        f"Why: its readiness to talk is {decision.inputs['readiness']:.2f} (talks open when "
        f"both sides reach 0.5); its score for this was {score:+.1f} against 0 for holding "
        "still, a chance of 100% today (holding still 0%).")
    assert first.tag == "CAMEO 036, Goldstein +4.0"


def test_an_unlikely_choice_says_which_was_likelier():
    # A scripted Venezuela escalates on day 1 although its own scores favour holding still.
    scn = scenario()
    m = DiplomacyModel(scn, script={"venezuela": ["hold", "escalate"]}, narrate=True,
                       trace_replicates=1)
    m.run()
    results = Results(m.spec, RunData.from_model(m), seed=m.seed)
    action = next(e for e in entries(results.story()) if e.kind == "action")
    assert (action.day, action.text) == (1, "Venezuela mobilises its forces.")
    hostility = results.story().value(1, "hostility_venezuela")
    assert f"its hostility is {hostility:.2f} (escalation comes at 1)" in action.why
    assert "a chance of 0% today; holding still was likelier (100%)" in action.why


def test_a_walk_out_is_told_with_the_defections_it_answers():
    # At the table with oil negotiated, sanctions (oil) and a bounty (drugs, off the table)
    # on day 5: two coercive measures, one of them a defection; walking out is made the
    # best action that day only (temperature 0 takes it).
    pressures = [{"type": t, "sender": "us", "target": "venezuela", "at": "2025-08-06"}
                 for t in ("financial_sanctions", "bounty")]
    scn = scenario("initial.in_talks=true", "talks.tracks=[oil]", "talks.agenda=[oil]",
                   "behaviour.actions.walk_out_bias=-20",
                   "behaviour.actions.walk_out_provocation=30",
                   "behaviour.actions.rupture_provocation=0", "actors.venezuela.temperature=0",
                   horizon_days=10, pressures=pressures)
    results = sim.run(scn, runs=1)
    walk = [e for e in entries(results.story()) if e.kind == "action" and "walks out" in e.text]
    assert [e.day for e in walk] == [5]
    decision = next(d for d in results.data.decisions if d.day == 5 and d.actor == "venezuela")
    assert (decision.inputs["provocations"], decision.inputs["defections"]) == (2.0, 1.0)
    assert walk[0].why.startswith("Why: it received 1 coercive measures today on the issues "
                                  "at the table, with hostility ")


@pytest.mark.parametrize("shown", [True, False])
def test_staying_at_the_table_under_force_already_shown_is_told_with_the_threat(shown):
    # As above, but only the sanctions (a defection) on day 5, and US force shown on
    # Venezuela's soil on the day before the start (docs/model.md §3.10 (7)): the threat it
    # holds outweighs the defection (w_S = 100), Venezuela stays, and the account says why,
    # with the threat the decision weighed. Without the force shown it walks out.
    pressures = [{"type": "financial_sanctions", "sender": "us", "target": "venezuela",
                  "at": "2025-08-06"}]
    extra = ["initial.force_shown=[{sender: us, date: 2025-07-31}]"] if shown else []
    scn = scenario("initial.in_talks=true", "talks.tracks=[oil]", "talks.agenda=[oil]",
                   "behaviour.actions.walk_out_bias=-20",
                   "behaviour.actions.walk_out_provocation=30",
                   "behaviour.actions.walk_out_shown_force=100",
                   "behaviour.actions.rupture_provocation=0", "actors.venezuela.temperature=0",
                   *extra, horizon_days=10, pressures=pressures)
    results = sim.run(scn, runs=1)
    told = entries(results.story())
    held = [e for e in told if e.kind == "turning point" and "stays at the table" in e.text]
    walked = [e for e in told if e.kind == "action" and "walks out" in e.text]
    if not shown:
        assert not held and [e.day for e in walked] == [5]
        return
    assert not walked and [e.day for e in held] == [5]
    decision = next(d for d in results.data.decisions if d.day == 5 and d.actor == "venezuela")
    threat = decision.inputs["shown_threat"]
    assert 0.3 < threat < 0.6
    assert held[0].text == ("Venezuela stays at the table despite a coercive measure on the "
                            "issues there.")
    assert f"(a {threat:.0%} chance, fading with the days since)" in held[0].why


@pytest.mark.parametrize("step", [True, False])
def test_a_deal_broken_by_a_step_taken_alone_is_told_as_its_answer(step):
    # An oil deal in force from day 0, in a package with the political question, that breaks
    # only by reciprocity (base rate 1e-12, no hostility rule, rho = 0.5): Caracas bars a
    # candidate alone on day 4 (G = 1, hazard 0.5, then 0.4, ...), so the deal breaks within
    # days, and the account says it answers the step, with its date and the day's chance.
    # The same deal broken by relief withdrawn (relief of 1.0 ending after day 3) is told as
    # an answer to the withdrawal.
    if step:
        pressures = [{"type": "unilateral_step", "sender": "venezuela", "target": "us",
                      "at": "2025-08-05", "track": "political"}]
    else:
        pressures = [{"type": "sanctions_relief", "sender": "us", "target": "venezuela",
                      "from": "2025-08-02", "until": "2025-08-04"}]
    scn = scenario("initial.deals=[oil]", "talks.tracks=[oil, political]",
                   "talks.linkage=package", "behaviour.compliance.break_rates.oil=1.0e-12",
                   "behaviour.compliance.hostility_factor=0",
                   "behaviour.compliance.reciprocity=0.5", horizon_days=30,
                   pressures=pressures)
    results = sim.run(scn, runs=1, seed=3)
    broken = [e for e in entries(results.story()) if "breaks down" in e.text]
    assert len(broken) == 1 and broken[0].text == "The deal on oil breaks down."
    day = broken[0].day
    added = 0.5 * 0.8 ** (day - 4)
    if step:
        assert day >= 4
        assert broken[0].why == (
            "It answers the step taken alone on the political question on 5 August 2025: a "
            "condition of the deal unmet, answered by taking back what was given (the "
            f"grievance left adds {added:.0%} to the day's chance of a break).")
    else:
        assert broken[0].why.startswith("It answers relief or flights withdrawn: ")
        assert "the grievance left adds" in broken[0].why


def test_every_step_taken_alone_counts_in_the_share_of_the_grievance_told():
    # Two steps alone (days 4 and 6) and no withdrawal: the grievance on the day of the
    # break (day 7 with seed 1, delta = 0.2) is 0.8^3 + 0.8, all of it owed to steps, and
    # the account says so (share 1), naming the latest step. Counting only the latest step
    # would give 0.8 / 1.312 = 0.61.
    pressures = [{"type": "unilateral_step", "sender": "venezuela", "target": "us",
                  "at": at, "track": "political"} for at in ("2025-08-05", "2025-08-07")]
    scn = scenario("initial.deals=[oil]", "talks.tracks=[oil, political]",
                   "talks.linkage=package", "behaviour.compliance.break_rates.oil=1.0e-12",
                   "behaviour.compliance.hostility_factor=0",
                   "behaviour.compliance.reciprocity=0.1", horizon_days=30,
                   pressures=pressures)
    (broken,) = [tp for tp in sim.run(scn, runs=1, seed=1).story().turning_points
                 if tp.kind == "deal_broken"]
    assert broken.day == 7 and broken.detail["step_day"] == 6
    assert broken.detail["grievance"] == pytest.approx(0.8 ** 3 + 0.8)
    assert broken.detail["step_share"] == pytest.approx(1.0)


def test_an_offer_under_threat_is_told_with_the_measures_and_the_removal_chance():
    # A US exit demand from day 0 and a boat strike on day 3; signalling openness is worth
    # it only when a coercive measure brings the threat to Maduro home (temperature 0): on
    # day 0 (the demand, itself a measure) and on day 3 (the strike).
    pressures = [{"type": "exit_demand", "sender": "us", "target": "venezuela",
                  "at": "2025-08-01"},
                 {"type": "boat_strike", "sender": "us", "target": "venezuela",
                  "at": "2025-08-04"}]
    scn = scenario("behaviour.actions.signal_bias=-2", "behaviour.actions.signal_survival=8",
                   "behaviour.actions.rupture_bias=-50", horizon_days=6, pressures=pressures)
    results = sim.run(scn, runs=1)
    offers = [e for e in entries(results.story())
              if e.kind == "action" and e.text == "Venezuela signals it is open to talks."]
    assert [e.day for e in offers] == [0, 3]
    decision = next(d for d in results.data.decisions if d.day == 3 and d.actor == "venezuela")
    chance = decision.inputs["removal_by_other"]
    assert decision.inputs["threat"] == chance > 0  # one measure today
    assert (f"and the coercive measure it received today brings home a {chance:.0%} chance "
            "that the other side's force would remove its leader") in offers[1].why


KEPT = ("behaviour.compliance.break_rates={prisoners: 0, migration: 0, oil: 0, drugs: 0, "
        "political: 0}")


def test_talks_and_agreement_with_the_terms_in_words():
    scn = scenario("actors.us.readiness_bias=20", "actors.venezuela.readiness_bias=20", KEPT,
                   horizon_days=200)
    results = sim.run(scn, runs=1)
    row = results.runs.iloc[0]
    assert row["outcome"] == "broad_agreement"  # three issues on the agenda
    turning = [e for e in entries(results.story()) if e.kind == "turning point"]
    kinds = [e.text for e in turning]
    assert "Talks open: both governments sit down." in kinds
    assert kinds[-1] == "Agreement: an offer is accepted."
    assert turning[-1].day == row["outcome_day"]
    text = outcome_text(results.story())
    date = scn.date_of(int(row["outcome_day"]))
    assert text.startswith(f"A broad agreement, on two tracks or more, on {date.day} "
                           f"{date:%B %Y}. The terms of the bargain at the table: ")
    for issue in ("drugs", "oil", "migration"):
        assert f"{issue} {row[f'deal_{issue}']:.2f}" in text
    assert "(Washington's ideal)" in text  # a term at 1 is named as Washington's ideal
    assert "The Nash bargaining solution would have been" in text
    # At the table the monthly state of play gives both offers; after the agreement the run
    # goes on, with the deal in force and no talks.
    states = [e for e in entries(results.story()) if e.kind == "state of play"]
    before = [e for e in states if e.day <= row["outcome_day"]]
    assert "Washington proposes drugs" in before[-1].why
    assert "Caracas proposes drugs" in before[-1].why
    assert states[-1].text == "State of play: no talks."
    assert "Deals in force: 3." in states[-1].why  # the agenda's tracks: migration, oil, drugs



def test_a_deal_that_breaks_is_told_and_outranks_the_agreement():
    # The same talks with deals that break at once once they are in force (§3.12).
    scn = scenario("actors.us.readiness_bias=20", "actors.venezuela.readiness_bias=20",
                   "behaviour.compliance.break_rates={prisoners: 0, migration: 1, oil: 1, "
                   "drugs: 1, political: 1}", horizon_days=200)
    results = sim.run(scn, runs=1)
    row = results.runs.iloc[0]
    assert row["outcome"] == "deal_broken" and row["outcome_day"] == row["deal_day"] + 1
    turning = [e for e in entries(results.story()) if e.kind == "turning point"]
    agreed = next(i for i, e in enumerate(turning) if e.text.startswith("Agreement"))
    broke = turning[agreed + 1]  # the first of the three deals to break, the next day
    assert broke.day == row["outcome_day"] and broke.text in {
        f"The deal on {t} breaks down." for t in ("migration", "oil", "drugs")}
    date = scn.date_of(int(row["outcome_day"]))
    assert outcome_text(results.story()).startswith(
        f"A deal was reached and then broke down on {date.day} {date:%B %Y}")


def test_escalation_by_an_overt_strike():
    strike = {"type": "overt_land_strike", "sender": "us", "target": "venezuela",
              "at": "2025-08-04"}
    results = sim.run(scenario(pressures=[strike]), runs=1)
    story = results.story()
    assert outcome_headline(story) == "Escalation on 4 August 2025"
    assert outcome_text(story) == "Escalation on 4 August 2025: an overt military strike on land."
    told = [e for e in entries(story) if e.day == 3]
    assert "a rupture step: it counts as escalation (the run goes on)" in told[0].why
    assert told[-1].text == "Escalation."


def test_a_stalemate_says_how_far_each_side_was_from_talks_and_from_war():
    results = sim.run(scenario(), runs=1)
    text = outcome_text(results.story())
    assert text.startswith("By 29 September 2025 there were neither talks, nor a deal, nor "
                           "escalation: stalemate.")
    assert re.search(r"the highest readiness was US \d\.\d\d, Venezuela \d\.\d\d", text)
    # The monthly state of play explains the quiet months.
    states = [e for e in entries(results.story()) if e.kind == "state of play"]
    assert [e.day for e in states] == [0, 31]  # 1 August and 1 September
    assert "talks need 0.5 on both sides" in states[0].why


def test_the_live_feed_and_the_file_tell_the_same_run():
    scn = sim.load_scenario("caribbean-2025")
    results = sim.run(scn, runs=1, seed=11)
    m = DiplomacyModel(scn, rng=11, narrate=True, trace_replicates=1)
    m.run()
    assert [e.line for e in entries(Story.from_model(m))] == \
        [e.line for e in entries(results.story())]
    # Part-way, the live story tells only the days simulated so far.
    m = DiplomacyModel(scn, rng=11, narrate=True, trace_replicates=1)
    for _ in range(50):
        m.step()
    live = entries(Story.from_model(m))
    assert live and max(e.day for e in live) <= 49
    assert outcome_headline(Story.from_model(m)) == "No outcome yet"


@pytest.mark.parametrize("replicate", [0, 3])
def test_explain_tells_the_replicate_asked_for(replicate):
    from typer.testing import CliRunner

    from sim.ui.cli import app

    r = CliRunner().invoke(app, ["explain", "relief-for-migration", "--seed", "5",
                                 "--replicate", str(replicate)])
    assert r.exit_code == 0, r.output
    assert f"One run of this scenario (run {replicate}, seed 5)" in r.output
    assert "## How it ends" in r.output and "## Key moments" in r.output
    full = CliRunner().invoke(app, ["explain", "relief-for-migration", "--seed", "5",
                                    "--replicate", str(replicate), "--full"])
    assert f"One run (replicate {replicate}, seed 5)" in full.output
    assert "**How it ends:**" in full.output and "## Outcome" in full.output
    # The account is that replicate's: its outcome is the one a run of many gives it.
    many = sim.run("relief-for-migration", runs=replicate + 1, seed=5)
    label = many.runs["outcome"].astype(str).iloc[replicate]
    outcome = next(o for o in OUTCOMES if o.label == label)
    assert HEADLINES.get(outcome, "there were neither talks, nor a deal") in r.output


def test_narrative_md_is_written_with_every_results_folder(tmp_path):
    results = sim.run(scenario(pressures=[_tanker("2025-08-05")]), runs=3, seed=2)
    folder = results.save(tmp_path, charts=False)
    text = (folder / "narrative.md").read_text(encoding="utf-8")
    assert text == narrative_file_markdown(results.story())
    assert text.startswith(brief_markdown(results.story()))
    assert text.endswith(narrative_markdown(results.story()).split("\n", 1)[1].lstrip("\n"))
    assert "**Tuesday 05 August 2025** (day 4)" in text
    assert "seizure of an oil tanker against Venezuela" in text


def test_a_run_kept_without_daily_rows_is_still_told_in_numbers():
    # Results without the trace (dipsim run --keep-steps 0) read the decisions' inputs.
    scn = sim.load_scenario("caribbean-2025")
    full = sim.run(scn, runs=2, seed=4)
    bare = sim.run(scn, runs=2, seed=4, trace_replicates=0)
    assert bare.data.trace.shape[2] == 0
    told = narrative_markdown(bare.story())
    assert not re.search(r"\bnan\b", told + brief_markdown(bare.story()))
    full_turns = [e.line for e in entries(full.story()) if e.kind == "turning point"]
    bare_turns = [e.line for e in entries(bare.story()) if e.kind == "turning point"]
    assert bare_turns == full_turns
    assert outcome_text(bare.story()) == outcome_text(full.story())
