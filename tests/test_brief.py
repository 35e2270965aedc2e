"""The run on one page (``dipsim explain``): key moments first, repeats grouped, plain words,
and why a government became ready to talk."""

from __future__ import annotations

import datetime as dt
import re

import pytest

import sim
from sim.model.pressures import PressureType
from sim.output.brief import GROUP_GAP_DAYS, brief_markdown, date_range, pressure_lines
from sim.output.narrative import entries, narrative_markdown
from tests.conftest import scenario

JARGON = ("CAMEO", "Goldstein", "logit", "score", "aspiration curve", "Nash", "utility")


@pytest.fixture(scope="module")
def default_run():
    return sim.run(None, runs=1, seed=3, trace_replicates=1, band_replicates=1)


def test_date_ranges_are_short():
    d = dt.date
    assert date_range(d(2025, 10, 1), d(2025, 10, 20)) == "1–20 Oct 2025"
    assert date_range(d(2025, 9, 2), d(2025, 12, 31)) == "2 Sep – 31 Dec 2025"
    assert date_range(d(2025, 12, 2), d(2026, 1, 5)) == "2 Dec 2025 – 5 Jan 2026"
    assert date_range(d(2025, 12, 2), d(2025, 12, 2)) == "2 Dec 2025"


def test_the_default_account_is_one_page_in_plain_words(default_run):
    story = default_run.story()
    brief = brief_markdown(story)
    full = narrative_markdown(story)
    assert len(brief.splitlines()) <= 60 < len(full.splitlines())
    for word in JARGON:
        assert word not in brief, word
    assert "CAMEO" in full and "logit choice" in full       # --full keeps the detail
    heads = [line for line in brief.splitlines() if line.startswith("## ")]
    assert heads == ["## How it ends", "## Key moments", "## What happened",
                     "## Where things stood at the end"]
    # Pressures already in force when the run starts are said, with their dates.
    assert "In force from the start: financial sanctions since 24 August 2017; oil " \
           "sanctions since 28 January 2019" in brief


def test_repeated_strikes_are_one_line_with_their_count_deaths_and_span(default_run):
    story = default_run.story()
    strikes = [f for f in story.firings if f.type is PressureType.BOAT_STRIKE]
    assert len(strikes) > 20
    brief = brief_markdown(story)
    lines = [line for line in brief.splitlines() if "boat strike" in line]
    assert len(lines) == 1
    count, deaths = sum(f.count for f in strikes), sum(f.deaths for f in strikes)
    first, last = story.date(strikes[0].day), story.date(strikes[-1].day)
    assert lines[0] == (f"- **{date_range(first, last)}**: {count:g} boat strikes by the "
                        f"United States against Venezuela, about {deaths:.0f} killed.")
    # The full account has a line per day of strikes.
    full = narrative_markdown(story)
    assert len(re.findall(r"strike on a boat against Venezuela", full)) == len(strikes)


def test_strikes_far_apart_are_told_apart():
    window = {"type": "boat_strike", "sender": "us", "target": "venezuela", "per_week": 7,
              "deaths": 2}
    scn = scenario(horizon_days=90, pressures=[
        {**window, "from": "2025-08-01", "until": "2025-08-10"},
        {**window, "id": "later", "from": "2025-09-20", "until": "2025-09-30"}])
    story = sim.run(scn, runs=1, seed=1).story()
    lines = pressure_lines(story)
    assert len(lines) == 2
    assert lines[1].first - lines[0].last >= GROUP_GAP_DAYS
    assert all("boat strikes by the United States" in line.text for line in lines)


#: Venezuela, not ready at first (bias -1), hurt by sanctions from 6 August.
PAIN = scenario("actors.venezuela.readiness_bias=-1", horizon_days=40, pressures=[
    {"type": t, "sender": "us", "target": "venezuela", "from": "2025-08-06",
     "until": "2025-12-31"} for t in ("oil_sanctions", "financial_sanctions")])
#: A US a little short of ready, and Caracas offering talks on 20 August.
SIGNAL = scenario("actors.us.readiness_bias=-0.9", "actors.venezuela.readiness_bias=-0.3",
                  horizon_days=45, pressures=[
                      {"type": "dialogue_offer", "sender": "venezuela", "target": "us",
                       "at": "2025-08-20"}])


def _turns(scn, kind, actor):
    return [e for e in entries(sim.run(scn, runs=1, seed=1).story())
            if e.kind == "turning point" and e.text.startswith(kind) and actor in e.text]


def test_readiness_that_rose_with_pain_says_so():
    (ready,) = _turns(PAIN, "Venezuela is now ready", "Venezuela")
    assert re.search(r"What moved it since 1 August 2025: sanction pain rose \(0\.00 → "
                     r"0\.\d\d\)\.$", ready.why), ready.why


def test_us_readiness_is_explained_by_what_moved_it_never_by_a_pain_it_does_not_feel():
    ready = _turns(SIGNAL, "The United States is now ready", "United States")
    assert ready and "the other side signalled openness (0.00 → 1.00)" in ready[0].why
    lost = _turns(SIGNAL, "The United States is no longer ready", "United States")
    assert lost and "the other side's signals of openness faded (1.00 → 0." in lost[0].why
    for e in ready + lost:
        assert "sanction pain" not in e.why, e.why
    # Venezuela starts ready: told as where the run starts, not as a change.
    (start,) = _turns(SIGNAL, "Venezuela is now ready", "Venezuela")
    assert start.day == 0 and "It starts the run ready: room for a deal" in start.why
