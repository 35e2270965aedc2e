"""The dipsim command line, run as a user runs it: in a subprocess."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pandas as pd
import pytest

from tests.conftest import ROOT

DEFAULT = ROOT / "scenarios" / "caribbean-2025.yaml"


def dipsim(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "sim", *map(str, args)], capture_output=True,
                          check=False, text=True, cwd=cwd, timeout=300)


@pytest.mark.slow
def test_run_writes_every_promised_file(tmp_path):
    out = tmp_path / "res"
    r = dipsim("run", "--runs", 40, "--seed", 4, "--out", out)
    assert r.returncode == 0, r.stderr
    (folder,) = (out / "caribbean-2025").iterdir()
    names = {p.name for p in folder.iterdir()}
    assert names == {"scenario.yaml", "manifest.json", "runs.parquet", "steps.parquet",
                     "bands.parquet", "summary.json", "narrative.md", "path.png",
                     "offers.png", "hostility.png", "outcomes.png", "README.md",
                     "report.html"}
    assert "escalation" in r.stdout and str(folder) in r.stdout
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["runs"] == 40 and summary["seed"] == 4
    total = sum(o["probability"] for o in summary["outcomes"].values())
    assert total == pytest.approx(1.0)
    assert len(pd.read_parquet(folder / "runs.parquet")) == 40
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["command"][1:3] == ["run", "--runs"]


@pytest.mark.slow
def test_run_with_set_and_no_charts(tmp_path):
    r = dipsim("run", DEFAULT, "--runs", 10, "--no-charts", "--out", tmp_path,
               "--set", "actors.venezuela.salience.oil=0.7", "--keep-steps", 3)
    assert r.returncode == 0, r.stderr
    (folder,) = (tmp_path / "caribbean-2025").iterdir()
    assert not list(folder.glob("*.png"))
    assert "oil: 0.7" in (folder / "scenario.yaml").read_text()
    assert pd.read_parquet(folder / "steps.parquet")["replicate"].nunique() == 3


def test_bad_scenario_exits_2_with_file_line_field_and_no_folder(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(DEFAULT.read_text().replace("horizon_days: 243", "horizon_days: -5"))
    r = dipsim("run", bad, "--out", tmp_path / "res")
    assert r.returncode == 2
    line = DEFAULT.read_text().splitlines().index(
        next(x for x in DEFAULT.read_text().splitlines() if x.startswith("horizon_days"))) + 1
    assert f"{bad}:{line}: horizon_days: expected a number at least 1; got -5" in r.stderr
    assert "Traceback" not in r.stderr + r.stdout
    assert not (tmp_path / "res").exists()


def test_bad_set_exits_2(tmp_path):
    r = dipsim("run", "--set", "talks.threshold=high", "--out", tmp_path)
    assert r.returncode == 2
    assert "talks.threshold: expected a number; got 'high'" in r.stderr
    assert "Traceback" not in r.stderr
    assert not list(tmp_path.iterdir())


def test_out_that_is_a_file_or_under_a_file_exits_2(tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    r = dipsim("run", "--runs", 5, "--out", f)
    assert r.returncode == 2 and "not a folder" in r.stderr
    r = dipsim("run", "--runs", 5, "--no-charts", "--out", f / "sub")
    assert r.returncode == 2 and "--out: cannot write results" in r.stderr
    assert "Traceback" not in r.stderr


def test_validate_reports_each_file(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\n")
    r = dipsim("validate", DEFAULT, bad)
    assert r.returncode == 2
    assert f"ok: {DEFAULT}" in r.stdout
    assert f"{bad}:1: title: required field is missing" in r.stderr
    assert dipsim("validate", DEFAULT).returncode == 0


@pytest.mark.slow
def test_schema_list_and_explain():
    r = dipsim("schema")
    assert r.returncode == 0 and json.loads(r.stdout)["title"] == "dipsim scenario"
    r = dipsim("list")
    assert r.returncode == 0 and "caribbean-2025" in r.stdout
    r = dipsim("explain", "--seed", 3)
    assert r.returncode == 0, r.stderr
    assert "## Key moments" in r.stdout and "CAMEO" not in r.stdout
    assert re.search(r"\*\*2 Sep 2025 – \d+ \w+ 2026\*\*: \d+ boat strikes by the United "
                     r"States against Venezuela, about \d+ killed\.", r.stdout)
    r = dipsim("explain", "--seed", 3, "--full")
    assert r.returncode == 0, r.stderr
    assert "**Tuesday 02 September 2025** (day 32)" in r.stdout
    assert "strike on a boat against Venezuela, 11 killed" in r.stdout
    assert "## Outcome" in r.stdout


def test_help_and_usage_errors():
    assert dipsim("--help").returncode == 0
    r = dipsim("run", "--runs", 0)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    r = dipsim("run", "--workers", 0)
    assert r.returncode == 2 and "--workers" in r.stderr and "Traceback" not in r.stderr
