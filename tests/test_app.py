"""The classroom page without a browser: its model, controls, feed, votes, charts and text.

Everything the page's buttons and keys do is a method of :class:`sim.ui.page_state.PageState`
and is checked here on the real model; the page in a real browser is checked by
``tests/test_page_browser.py`` (slow).
"""

from __future__ import annotations

import html
import json
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from sim.experiments.compare import without_pressures
from sim.model.model import VARIABLES, Outcome
from sim.model.pressures import PressureType
from sim.output.narrative import narrative_markdown
from sim.output.story import Story
from sim.scenario.load import load_scenario
from sim.ui import page_charts as charts
from sim.ui import page_state
from sim.ui.classroom import (
    INJECTIONS,
    ClassroomModel,
    apply_injection,
    ensemble_for,
    lever_changes,
    lever_controls,
    parse_seed,
    run_ensemble_like,
    scenario_choices,
    undo_injection,
)
from sim.ui.feed import PINNED, feed_items, key_moments
from sim.ui.page_state import SPEED_MAX, PageState
from sim.ui.page_views import UNDECIDED, banner_html, day_line, end_card_html, feed_html
from sim.ui.serve import wait_for_page
from sim.ui.votes import OPTIONS, open_vote, reveal, reveal_words

DEFAULT = load_scenario(None)
CC = list(VARIABLES).index("cc_index")
STATE = ["hostility", "readiness", "pain", "offer_values", "outcome", "in_talks", "casualties",
         "cc_index", "commitment", "relations_open"]


def _run(model: ClassroomModel, days: int) -> ClassroomModel:
    for _ in range(days):
        model.step()
    return model


def _same_state(a: ClassroomModel, b: ClassroomModel) -> None:
    assert a.day == b.day
    for name in STATE:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    np.testing.assert_array_equal(a.trace[: a.day], b.trace[: b.day])


# ---------------------------------------------------------------------------- the model


def test_levers_apply_only_when_moved():
    values = {c.name: c.value for c in lever_controls(DEFAULT)}
    m = ClassroomModel(DEFAULT, **values)
    assert m.seed == DEFAULT.seed and m.levers_applied == {}
    values.update(boat_strike_tempo=2.0, mediation=True)
    m = ClassroomModel(DEFAULT, seed="11", **values)
    assert m.seed == 11
    assert m.levers_applied == {"boat_strike_tempo": 2.0, "mediation": True}
    assert "Boat-strike tempo (x) 2" in banner_html(m)


def test_salience_sliders_one_moved_rescales_the_others_two_moved_are_normalised():
    us = DEFAULT.actors.us.salience
    changed, overrides = lever_changes(DEFAULT, {"us_salience_oil": 0.5,
                                                 "us_salience_drugs": us.drugs})
    assert changed == {"us_salience_oil": 0.5} and overrides == []
    changed, overrides = lever_changes(DEFAULT, {"us_salience_oil": 0.4,
                                                 "us_salience_drugs": 0.4,
                                                 "us_salience_migration": 0.2})
    assert changed == {}
    assert overrides == ["actors.us.salience={drugs: 0.400000, oil: 0.400000, "
                         "migration: 0.200000}"]
    with pytest.raises(TypeError, match="unknown lever"):
        lever_changes(DEFAULT, {"boat_tempo": 2})


def test_levers_that_make_no_valid_scenario_are_reported_not_raised():
    m = ClassroomModel(DEFAULT, us_salience_drugs=0.0, us_salience_oil=0.0,
                       us_salience_migration=0.0)
    assert m.spec == DEFAULT and m.levers_applied == {}
    assert "Levers not applied: at least one salience must be above 0" in banner_html(m)


def test_seed_box():
    assert parse_seed("", 7) == (7, "")
    assert parse_seed(" 42 ", 7) == (42, "")
    seed, note = parse_seed("forty", 7)
    assert seed == 7 and "whole number" in note
    assert parse_seed("-1", 7)[0] == 7


def test_every_button_acts_on_the_next_day():
    for button in INJECTIONS:
        m = _run(ClassroomModel(DEFAULT), 1)
        apply_injection(m, button)
        m.step()
        fired = [f for f in m.firings if f.day == 1 and "-injected-" in f.pressure]
        assert [f.type for f in fired] == [button.kind], button.label


def test_injection_is_queued_then_told_in_the_feed():
    m = _run(ClassroomModel(DEFAULT), 40)
    tanker = next(b for b in INJECTIONS if b.kind is PressureType.TANKER_SEIZURE)
    said = apply_injection(m, tanker)
    when = DEFAULT.date_of(40)
    assert f"queued for {when:%a} {when.day} {when:%b %Y}" in said
    assert f"Queued for {when:%a} {when.day} {when:%b %Y}: seizure of an oil tanker" in \
        feed_html(m)
    m.step()
    feed = feed_html(m)
    assert "Queued" not in feed
    assert ("The United States: seizure of an oil tanker against Venezuela (applied from the "
            "classroom page).") in feed


def test_undo_replays_the_run_exactly_as_if_the_pressure_was_never_applied():
    plain = _run(ClassroomModel(DEFAULT, seed=5), 60)
    m = _run(ClassroomModel(DEFAULT, seed=5), 20)
    m.inject("dialogue_offer")
    _run(m, 15)
    m.inject("tanker_seizure")
    _run(m, 25)
    assert not np.array_equal(m.trace[:60], plain.trace[:60])
    once = undo_injection(m)  # the tanker goes; the offer of talks stays
    assert [i.kind for i in once.injections] == [PressureType.DIALOGUE_OFFER]
    twice = undo_injection(once)
    _same_state(twice, plain)
    assert not twice.injected
    # Taking back the first injection keeps the second on its own day.
    first_only = undo_injection(m, 0)
    assert [(i.day, i.kind) for i in first_only.injections] == [(35, PressureType.TANKER_SEIZURE)]
    with pytest.raises(IndexError):
        undo_injection(twice)


def test_undo_of_a_queued_pressure_before_it_acts():
    m = _run(ClassroomModel(DEFAULT, seed=2), 10)
    m.inject("covert_land_strike")
    back = undo_injection(m)
    _same_state(back, _run(ClassroomModel(DEFAULT, seed=2), 10))
    _same_state(_run(back, 5), _run(ClassroomModel(DEFAULT, seed=2), 15))


def test_ensemble_replicate_zero_is_the_live_run_with_the_same_injections():
    live = ClassroomModel(DEFAULT, seed=5)
    for day in range(60):
        if day == 30:
            live.inject("tanker_seizure")
        live.step()
    ens = run_ensemble_like(live, runs=20)
    assert ens.injected == 1
    path = ens.results.data.trace[:60, CC, 0]
    np.testing.assert_array_equal(path, live.trace[:60, CC, 0])
    plain = run_ensemble_like(live, runs=20, injected=0)
    assert np.array_equal(plain.results.data.trace[:30, CC, 0], path[:30])
    assert not np.array_equal(plain.results.data.trace[30:60, CC, 0], path[30:60])
    probabilities = ens.probabilities()
    assert sum(p for _, p, _, _ in probabilities) == pytest.approx(1.0)
    assert all(lo <= p <= hi for _, p, lo, hi in probabilities)


def test_bands_stop_only_where_a_leader_is_removed():
    m = ClassroomModel(DEFAULT)
    ens = ensemble_for(m, with_injections=False)
    assert ensemble_for(m, with_injections=False) is ens  # computed once
    assert ensemble_for(m.rebuilt(), with_injections=False) is ens  # and for a replay
    days = ens.results.data.runs["outcome_day"]
    escalated = np.flatnonzero(ens.outcome == Outcome.ESCALATION)
    assert escalated.size
    assert np.isfinite(ens.cc[int(days[escalated[0]]) + 1:, escalated[0]]).all()
    for r in np.flatnonzero(ens.outcome == Outcome.LEADER_REMOVED):
        assert np.isnan(ens.cc[int(days[r]) + 1:, r]).all()


def test_first_days_of_a_broken_deal_agree_with_the_live_runs_story():
    # Replicate 0 of the fan is the live run: the day its deal broke, read from the fan's
    # traces, is the day the live run's story tells.
    ens = ensemble_for(ClassroomModel(DEFAULT), with_injections=False, runs=200)
    broke = ens.first["deal_broken"]
    told = _run(ClassroomModel(DEFAULT), DEFAULT.horizon_days)
    first = [tp.day for tp in told.turning_points if tp.kind == "deal_broken"]
    assert first and broke[0] == first[0]
    assert (broke >= 0).any() and (broke < 0).any()
    assert ens.share_by("deal_broken", DEFAULT.horizon_days) == pytest.approx(
        np.mean(broke >= 0))
    assert ens.share_by("deal_broken", first[0] - 1) < ens.share_by("deal_broken", first[0])


# ---------------------------------------------------------------------------- text


def test_banner_shows_the_outcome_in_the_v2_vocabulary():
    m = ClassroomModel(DEFAULT)
    assert UNDECIDED in banner_html(m)
    m.inject("overt_land_strike")
    m.step()
    # With the US demanding that Maduro go, a strike on land may remove him (this seed does).
    assert m.outcome[0] == Outcome.LEADER_REMOVED
    banner = banner_html(m)
    assert 'data-outcome="leader_removed"' in banner
    assert "Leader removed by force on 1 August 2025" in banner
    assert "removed him: the run ends" in banner
    plain = ClassroomModel(without_pressures(m.spec, ["gonzalez_recognition",
                                                      "maduro_exit_demand"]))
    plain.inject("overt_land_strike")
    plain.step()
    assert plain.outcome[0] == Outcome.ESCALATION
    banner = banner_html(plain)
    assert 'data-outcome="escalation"' in banner and "Escalation on 1 August 2025" in banner
    assert "An overt military strike on land. The run goes on." in banner


def test_day_numbers_are_those_of_dipsim_explain():
    m = _run(ClassroomModel(DEFAULT), 32)
    d = DEFAULT.date_of(31)
    assert day_line(m) == f"{d:%A} {d.day} {d:%B %Y} (day 31) · {DEFAULT.horizon_days - 32} " \
                          "days left"
    # The account (narrative.md, dipsim explain) heads that date "(day 31)" too.
    story = Story.from_model(_run(ClassroomModel(DEFAULT), DEFAULT.horizon_days))
    dated = [line for line in narrative_markdown(story).splitlines() if "(day " in line]
    assert all(f"**{story.date(int(line.rsplit('(day ', 1)[1][:-1])):%A %d %B %Y}**" in line
               for line in dated)


def test_feed_collapses_repeats_and_pins_turning_points():
    m = _run(ClassroomModel(DEFAULT, seed=7), DEFAULT.horizon_days)
    story = Story.from_model(m)
    items = feed_items(story)
    strikes = [f for f in m.firings if f.type is PressureType.BOAT_STRIKE]
    grouped = [i for i in items if "boat strikes" in i.text]
    assert grouped and sum(i.count for i in grouped) + sum(
        1 for i in items if "strike on a boat" in i.text) == len(strikes)
    first = grouped[0]
    inside = [f for f in strikes if first.first <= f.day <= first.last]
    assert first.count == len(inside)
    assert f"{first.count} boat strikes, {sum(f.deaths for f in inside):.0f} killed" in first.text
    pinned = [i for i in items if i.pinned]
    assert [i.first for i in pinned] == [tp.day for tp in m.turning_points
                                         if tp.kind in PINNED]
    # No series runs across a pinned turning point.
    for p in pinned:
        assert not any(i.count > 1 and i.first < p.first < i.last for i in items)
    feed = feed_html(m)
    assert feed.index("dipsim-pinned") < feed.index("dipsim-feed-scroll")
    moments = key_moments(story)
    assert 3 <= len(moments) <= 5 and [d for d, *_ in moments] == sorted(d for d, *_ in moments)
    card = end_card_html(m)
    assert "What just happened" in card
    assert all(html.escape(text) in card for _, text, _ in moments)


# ---------------------------------------------------------------------------- votes


def test_a_vote_until_the_next_turning_point_stops_there_and_reveals_against_the_fan():
    m = _run(ClassroomModel(DEFAULT, seed=7), 30)
    vote = open_vote(m, "turning point")
    vote.tally["escalation"] = 9
    vote.tally["talks open"] = 3
    while not vote.should_stop(m):
        m.step()
    tps = [tp for tp in m.turning_points if tp.kind in PINNED]
    assert m.day - 1 == tps[0].day  # stopped on the day of the first one
    answer = vote.answer(m)
    # With this seed the next turning point is the blockade's escalation (16 December).
    assert answer == PINNED[tps[0].kind] == "escalation" and answer in OPTIONS
    ens = ensemble_for(m, with_injections=True, runs=200)
    shown = reveal(vote, m, ens)
    assert shown.day == tps[0].day and shown.called
    runs = ens.results.data.runs
    expected = np.mean((runs["escalation_day"] >= 0) & (runs["escalation_day"] <= shown.day))
    assert shown.share == pytest.approx(expected) and shown.share > 0
    value = m.trace[shown.day, CC, 0]
    column = ens.cc[shown.day][np.isfinite(ens.cc[shown.day])]
    assert shown.rank == pytest.approx(np.mean(column < value))
    assert any("The class said: talks open 3, escalation 9. Most of you called it." in w
               for w in reveal_words(shown))


def test_a_vote_until_a_date_plays_to_the_end_of_that_day():
    m = _run(ClassroomModel(DEFAULT), 10)
    vote = open_vote(m, "date", DEFAULT.date_of(24))
    while not vote.should_stop(m):
        m.step()
    assert m.day == 25
    with pytest.raises(ValueError, match="needs the date"):
        open_vote(m, "date")
    with pytest.raises(ValueError, match="unknown vote"):
        open_vote(m, "maybe")


# ---------------------------------------------------------------------------- the controls


def test_a_file_that_does_not_validate_leaves_the_page_on_its_scenario(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\ntitle: A broken file\nhorizon_days: -3\n")
    state = PageState()
    state.step()
    state.pick_scenario(str(bad))
    assert state.model.spec.name == DEFAULT.name and state.said.startswith("Not opened: ")


def test_keys_and_controls_of_the_page():
    state = PageState()
    state.on_key("right")
    state.on_key("right")
    assert state.model.day == 2
    state.on_key("space")
    assert state.playing
    state.on_key("space")
    assert not state.playing
    state.set_lever("boat_strike_tempo", 2.0)
    state.set_seed("11")
    assert state.model.levers_applied == {}  # only on Reset
    state.on_key("r")
    assert state.model.day == 0 and state.model.seed == 11
    assert state.model.levers_applied == {"boat_strike_tempo": 2.0}
    state.set_speed(1000)
    assert state.speed == SPEED_MAX
    other = next(c for c in scenario_choices() if c.key.endswith("maximum-pressure.yaml"))
    state.pick_scenario(other.key)
    assert state.model.spec.name == "maximum-pressure" and state.model.seed == \
        state.model.spec.seed


def test_the_play_loop_stops_by_itself_where_a_vote_stops():
    state = PageState()
    for _ in range(30):
        state.step()
    state.start_vote("date", DEFAULT.date_of(40))
    state.vote.tally["nothing"] = 1
    state.speed = SPEED_MAX
    state.play_vote()
    done = threading.Event()
    loop = threading.Thread(target=state.play_loop, args=(done,))
    loop.start()
    loop.join(timeout=120)
    done.set()
    assert not loop.is_alive()
    assert state.model.day == 41 and not state.playing
    assert state.revealed is not None and state.revealed.day in range(30, 41)
    state.close_vote()
    assert state.vote is None


def test_the_play_loop_steps_no_faster_than_the_page_draws(monkeypatch):
    # A page that takes 0.1 s to draw each day, against full speed (30 days a second): the
    # loop must not change the state while a day is being drawn. (Before it waited for the
    # frames, a loaded machine's page redrew during every pass until Solara raised "Too many
    # renders triggered".) The wait's time-out is set long, so a busy machine cannot end it.
    monkeypatch.setattr(page_state, "FRAME_TIMEOUT", 600.0)
    state = PageState()
    state.speed = SPEED_MAX
    state.toggle_play()
    state.frame_drawn(state.version.value)  # a page is attached and drew the Play
    cancel = threading.Event()
    loop = threading.Thread(target=state.play_loop, args=(cancel,))
    changed_while_drawing, frames = [], 0
    loop.start()
    deadline = time.monotonic() + 60
    while frames < 8 and time.monotonic() < deadline:
        version = state.version.value
        if version > state.drawn:
            time.sleep(0.1)  # drawing
            changed_while_drawing.append(state.version.value != version)
            state.frame_drawn(version)
            frames += 1
        else:
            time.sleep(0.002)
    state.toggle_play()
    cancel.set()
    loop.join(timeout=30)
    assert not loop.is_alive() and frames == 8
    assert not any(changed_while_drawing)
    # One day per frame drawn (the ninth may have been stepped before the loop was stopped).
    assert state.model.day in (8, 9)


def test_the_play_loop_does_not_wait_for_a_page_that_stopped_drawing():
    state = PageState()
    state.frame_drawn(state.version.value)
    cancel = threading.Event()
    assert state.wait_for_frame(state.version.value, cancel, timeout=0.01)
    assert not state.wait_for_frame(state.version.value + 1, cancel, timeout=0.01)
    cancel.set()
    assert not state.wait_for_frame(state.version.value + 1, cancel, timeout=10)
    assert PageState().wait_for_frame(5, cancel, timeout=10)  # no page: never waits


def test_pressures_applied_and_taken_back_and_the_story_saved():
    state = PageState()
    state.step()
    state.inject(INJECTIONS[1])
    assert "queued" in state.said
    state.step()
    story = state.story_markdown()
    assert "Applied from the classroom page for Sat 2 Aug 2025: seizure of an oil tanker." in \
        story and story.startswith(f"# {DEFAULT.title}")
    state.undo()
    assert state.model.injections == [] and state.said.startswith("Undone: seizure")
    state.undo()
    assert state.said.startswith("Nothing to undo")


@pytest.mark.slow
def test_the_fan_and_the_comparison_use_the_runs_chosen():
    state = PageState()
    state.set_runs(100)
    ens = state.compute_fan()
    assert len(ens.outcome) == 100 and state.fan.progress == 1.0
    state.compare_with = "drop:boat_strikes"
    result = state.compute_comparison()
    assert result.a.n_runs == 100 and "without boat_strikes" in result.label_b
    rows = charts.difference_rows(result)
    diff = result.differences()
    assert [r["d"] for r in rows] == pytest.approx(list(diff["difference"]), abs=1e-4)


# ---------------------------------------------------------------------------- charts


def test_chart_text_follows_the_screen():
    for (w, h), label, title in (((1024, 768), 16, 22), ((1280, 800), 16, 22),
                                 ((1920, 1080), 20, 28)):
        sizes = charts.sizes_for(w, h)
        spec = charts.hostility_chart(DEFAULT, sizes)
        assert spec["config"]["axis"]["labelFontSize"] == label
        assert spec["config"]["legend"]["labelFontSize"] == label
        assert spec["config"]["title"]["fontSize"] == title
        assert spec["width"] == "container"
        assert spec["$schema"].endswith("vega-lite/v5.json")


def test_chart_data_follow_the_run():
    m = _run(ClassroomModel(DEFAULT, seed=7), 90)
    data = charts.run_data(m)
    json.dumps(data, allow_nan=False)
    assert len(data["run"]["t"]) == 90 and data["run"]["cc"][-1] == pytest.approx(
        float(m.trace[89, CC, 0]), abs=1e-4)
    assert len(data["hostility"]["value"]) == 180
    assert len(data["marks"]["t"]) == len(m.firings)
    ens = ensemble_for(m, with_injections=False, runs=100)
    sizes = charts.sizes_for(1280, 800)
    for spec in (charts.path_chart(DEFAULT, ens, sizes), charts.fan_chart(ens, sizes),
                 charts.outcome_chart(ens, sizes, this=Outcome(int(m.outcome[0]))),
                 charts.offers_chart(DEFAULT, sizes), charts.readiness_chart(DEFAULT, sizes)):
        json.dumps(spec, allow_nan=False)
    rows = charts.outcome_rows(ens, Outcome(int(m.outcome[0])))
    assert [r["this"] for r in rows].count("← this run") == 1


# ---------------------------------------------------------------------------- serving


def test_waiting_for_a_page_gives_up_when_its_server_died():
    assert wait_for_page("http://127.0.0.1:9/", lambda: False) is False


def test_demo_rejects_a_bad_scenario_before_serving(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\n")
    r = subprocess.run([sys.executable, "-m", "sim", "demo", str(bad), "--port", "9"],
                       check=False, capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "title" in r.stderr and "Serving" not in r.stdout
