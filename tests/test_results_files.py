"""The results folder as people read and reuse it: strict JSON, labelled tables, the data
dictionary (docs/results.md, each folder's README.md, the Parquet metadata), the report."""

from __future__ import annotations

import base64
import inspect
import json
import math
import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import sim
from sim.model.agents import Action
from sim.model.outcomes import OUTCOMES
from sim.model.recording import BAND_VARIABLES, TRACE_REPLICATES, VARIABLES
from sim.output import dictionary
from sim.output.report import markdown_section, markdown_to_html
from sim.output.results import Results, rebuild_report
from sim.output.rundata import RENAMED_RUN_COLUMNS
from sim.output.storage import json_text, verify_folder
from tests.conftest import ROOT


def _no_nan(token: str):
    raise ValueError(f"not strict JSON: {token}")


def strict_json(text: str):
    """Parse JSON as JSON.parse does: NaN and Infinity are errors."""
    return json.loads(text, parse_constant=_no_nan)


@pytest.fixture(scope="module")
def results() -> Results:
    return sim.run(None, runs=60, seed=1, trace_replicates=6)


@pytest.fixture(scope="module")
def folder(results, tmp_path_factory):
    return results.save(tmp_path_factory.mktemp("res"), command=["dipsim", "run"])


# ------------------------------------------------------------------------ strict JSON


def test_json_text_writes_null_for_what_json_cannot_hold():
    text = json_text({"a": float("nan"), "b": [1.0, float("inf"), np.float32("nan")],
                      "c": np.array([1.5, np.nan]), "d": (np.int64(3), -math.inf)})
    assert strict_json(text) == {"a": None, "b": [1.0, None, None], "c": [1.5, None],
                                 "d": [3, None]}
    with pytest.raises(ValueError, match="NaN"):
        strict_json(json.dumps({"x": float("nan")}))  # the check itself can fail


@pytest.mark.slow
def test_a_run_where_most_outcomes_never_happen_writes_strict_json(results, folder):
    # 60 runs of the default scenario: most outcomes have no run, hence no median date.
    never = [o for o, v in results.summary["outcomes"].items() if v["count"] == 0]
    assert never
    for path in folder.glob("*.json"):
        data = strict_json(path.read_text())
        if path.name == "summary.json":
            for o in never:
                assert data["outcomes"][o]["median_date"] is None
                assert data["outcomes"][o]["median_day"] is None


# ------------------------------------------------------------------------ tables


def test_steps_hold_labels_not_codes_and_are_one_row_per_run_and_day(results, folder):
    steps = pd.read_parquet(folder / "steps.parquet")
    days = results.scenario.horizon_days
    assert len(steps) == 6 * days and not steps.duplicated(["replicate", "day"]).any()
    assert list(steps["outcome"].cat.categories) == [o.label for o in OUTCOMES]
    assert set(steps["outcome"].value_counts().index) <= {o.label for o in OUTCOMES}
    assert steps["outcome"].iloc[-1] == results.runs["outcome"].iloc[5]
    for gov in ("us", "venezuela"):
        assert list(steps[f"action_{gov}"].cat.categories) == [a.label for a in Action]
    assert "hold" in set(steps["action_us"])
    schema = pq.read_schema(folder / "steps.parquet")
    for name in ("outcome", "action_us", "action_venezuela"):
        assert pa.types.is_dictionary(schema.field(name).type), name
    assert steps["in_talks"].dtype == bool and steps["relations_open"].dtype == bool
    assert steps["deals_in_force"].dtype == np.int64
    # The codes behind the labels are the model's.
    raw = results.data.trace[:, list(VARIABLES).index("outcome"), 0].astype(int)
    assert steps.loc[steps.replicate == 0, "outcome"].cat.codes.tolist() == raw.tolist()


def test_run_table_names_say_what_they_hold(results):
    cols = list(results.runs.columns)
    assert not set(cols) & set(RENAMED_RUN_COLUMNS), "an old, ambiguous name is back"
    for gov in ("us", "venezuela"):
        assert {f"final_hostility_{gov}", f"final_pain_{gov}", f"n_escalate_{gov}",
                f"n_walk_out_{gov}"} <= set(cols)
    counts = [c for c in cols if c.startswith("n_")]
    assert all(results.runs[c].dtype.kind in "iuf" for c in counts)
    # The end values are the last day's (run 0 is traced and ends at the horizon unless
    # its leader was removed).
    last = results.steps[results.steps.replicate == 0].iloc[-1]
    row = results.runs.iloc[0]
    assert row["final_hostility_venezuela"] == pytest.approx(last["hostility_venezuela"],
                                                             rel=1e-6)
    assert row["final_casualties"] == pytest.approx(last["casualties"], rel=1e-6)


# ------------------------------------------------------------------------ the dictionary


def test_docs_results_md_is_the_dictionary():
    assert (ROOT / "docs" / "results.md").read_text() == dictionary.dictionary_markdown(), \
        "docs/results.md is out of date: write sim.output.dictionary.dictionary_markdown()"


def test_every_column_of_every_table_is_in_the_dictionary(results):
    tables = {"runs.parquet": results.runs, "steps.parquet": results.steps,
              "bands.parquet": results.bands}
    for name, df in tables.items():
        documented = [c.name for c in dictionary.file_entry(name).columns]
        assert documented == list(df.columns), name
    assert [c.name for c in dictionary.variable_columns()] == list(VARIABLES)
    assert set(BAND_VARIABLES) <= set(VARIABLES)
    with pytest.raises(KeyError, match="missing from the data dictionary"):
        dictionary.parquet_table(results.runs.assign(surprise=1), "runs.parquet")


def test_each_parquet_file_carries_its_dictionary(folder):
    for name in ("runs.parquet", "steps.parquet", "bands.parquet"):
        schema = pq.read_schema(folder / name)
        entry = dictionary.file_entry(name)
        assert schema.metadata[dictionary.METADATA_KEY].decode() == \
            dictionary.file_markdown(entry)
        for col in entry.columns:
            meta = schema.field(col.name).metadata
            assert meta[b"unit"].decode() == col.unit and meta[b"meaning"].decode() == \
                col.meaning
        # ... and pandas still reads its own types back.
        assert b"pandas" in schema.metadata
    runs = pd.read_parquet(folder / "runs.parquet")
    assert runs["outcome_day"].dtype == "Int64" and runs["outcome"].dtype == "category"


def test_the_folder_readme_is_the_dictionary_and_the_repo_readme_states_keep_steps(folder):
    text = (folder / "README.md").read_text()
    assert text.endswith(dictionary.dictionary_markdown())
    for meaning in dictionary.OUTCOME_MEANINGS.values():
        assert meaning in text
    readme = (ROOT / "README.md").read_text()
    assert f"--keep-steps N` (default {TRACE_REPLICATES}" in readme
    assert "long format" not in readme and "one row per run and day" in readme
    from sim.ui.cli import run

    assert inspect.signature(run).parameters["keep_steps"].default == TRACE_REPLICATES


def test_bands_leave_out_runs_whose_leader_was_removed(results):
    bands = results.band("hostility_venezuela")
    runs = results.runs
    width = results.data.band_trace.shape[2]
    removed = runs.iloc[:width]
    removed = removed[removed["outcome"] == "leader_removed"]
    assert len(removed), "the fixture needs a removal"
    day = int(removed["outcome_day"].min())
    assert bands["runs_in_play"].iloc[day] == width
    assert bands["runs_in_play"].iloc[day + 1] == width - int((removed["outcome_day"] == day)
                                                              .sum())
    last = results.scenario.horizon_days - 1
    trace = results.data.band_trace[last, BAND_VARIABLES.index("hostility_venezuela")]
    going = ~((runs["outcome"].iloc[:width] == "leader_removed").to_numpy()
              & (runs["outcome_day"].iloc[:width].fillna(10**6).to_numpy() < last))
    assert bands["q50"].iloc[last] == pytest.approx(float(np.median(trace[going])))
    assert bands["runs_in_play"].iloc[last] == going.sum()


# ------------------------------------------------------------------------ the report


def _images(text: str) -> list[bytes]:
    return [base64.b64decode(m) for m in
            re.findall(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', text)]


def test_the_report_is_one_self_contained_page(results, folder):
    text = (folder / "report.html").read_text()
    pngs = _images(text)
    assert len(pngs) == 4 and all(p[:8] == b"\x89PNG\r\n\x1a\n" for p in pngs)
    assert pngs[0] == (folder / "path.png").read_bytes()
    # Nothing is fetched: no src or href leaves the page.
    assert not re.findall(r'(?:src|href)="(?!data:|#)', text)
    assert "<script" not in text and "@import" not in text and "url(" not in text
    for meaning in dictionary.OUTCOME_MEANINGS.values():
        assert meaning in text
    moments = markdown_section((folder / "narrative.md").read_text(), "Key moments")
    assert moments.startswith("- **") and markdown_to_html(moments) in text
    assert results.scenario.title in text
    assert "horizon_days: 243" in text                     # the scenario as run
    assert '"seed": 1' in text and '"files"' not in text   # the manifest, less checksums
    p = results.probabilities()
    assert f"{p.loc['escalation', 'probability']:.1%}" in text
    assert verify_folder(folder) == []


@pytest.mark.slow
def test_dipsim_report_rebuilds_a_report_with_the_charts_drawn_from_the_tables(
        results, tmp_path):
    folder = results.save(tmp_path, charts=False)
    assert not list(folder.glob("*.png")) and not _images((folder / "report.html").read_text())
    assert "--no-charts" in (folder / "report.html").read_text()
    rebuild_report(folder)
    assert len(_images((folder / "report.html").read_text())) == 4
    assert not list(folder.glob("*.png"))        # drawn into the report, not into files
    assert verify_folder(folder) == []           # the manifest knows the new report
    reloaded = Results.load(folder)
    pd.testing.assert_frame_equal(reloaded.probabilities(), results.probabilities())
    pd.testing.assert_frame_equal(reloaded.timing(), results.timing())


# ------------------------------------------------------------------------ in a browser


def _chromium() -> str | None:
    import os
    import shutil
    from pathlib import Path

    for candidate in (os.environ.get("DIPSIM_CHROMIUM"), "/usr/bin/chromium",
                      shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


@pytest.mark.slow
def test_the_report_opens_in_chromium_with_the_network_cut_and_shows_every_chart(folder):
    import os

    playwright = pytest.importorskip("playwright.sync_api")
    chromium = _chromium()
    if chromium is None:
        if os.environ.get("CI"):
            pytest.fail("no Chromium found, and CI must run the browser test")
        pytest.skip("no Chromium found at /usr/bin/chromium or on PATH")
    requested: list[str] = []

    def cut(route):
        requested.append(route.request.url)
        if route.request.url.startswith(("file:", "data:")):
            route.continue_()
        else:
            route.abort()

    with playwright.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        try:
            page = browser.new_page()
            page.route("**/*", cut)
            page.goto((folder / "report.html").as_uri(), wait_until="load")
            images = page.eval_on_selector_all(
                "figure img", "els => els.map(e => [e.closest('figure').id, e.complete, "
                "e.naturalWidth, e.naturalHeight])")
            headings = page.eval_on_selector_all("h2", "els => els.map(e => e.textContent)")
            text = page.inner_text("body")
        finally:
            browser.close()
    assert [i[0] for i in images] == ["path.png", "outcomes.png", "hostility.png",
                                      "offers.png"]
    assert all(complete and w > 500 and h > 300 for _, complete, w, h in images), images
    assert requested[0] == (folder / "report.html").as_uri()   # the route saw the page
    assert not [u for u in requested if not u.startswith(("file:", "data:"))], requested
    assert headings[:2] == ["How the runs ended", "Charts"]
    assert "The scenario as run" in headings and "Manifest" in headings
    for meaning in dictionary.OUTCOME_MEANINGS.values():
        assert meaning in text
