"""The results of a run: tables, summary, charts and the results folder.

A :class:`Results` holds a run table with one row per replicate (``runs``), full per-day
rows for a sample of replicates (``steps``: wide, one row per run and day), per-day
quantile bands of the key variables (``bands``) and a summary of outcome probabilities with
95% Wilson intervals. :meth:`Results.save` writes the results folder of
``docs/results.md``: the resolved scenario, a manifest, Parquet tables carrying their data
dictionary, ``summary.json``, the charts, ``README.md`` and ``report.html``, written into a
temporary folder and renamed into place, so a folder either is complete or does not exist.
:meth:`Results.load` reads a folder back.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import platform
import re
import shutil
import sys
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import yaml

from sim.model.agents import Action
from sim.model.issues import ISSUES
from sim.model.outcomes import DECIDED, OUTCOMES
from sim.model.recording import BAND_VARIABLES, VARIABLES
from sim.output import charts as chart_module
from sim.output.brief import narrative_file_markdown
from sim.output.dictionary import folder_readme, write_parquet
from sim.output.report import CHART_CAPTIONS, REPORT, report_html
from sim.output.rundata import RENAMED_RUN_COLUMNS, RunData
from sim.output.runtable import runs_frame
from sim.output.stats import in_play_quantiles, wilson_interval
from sim.output.storage import (
    file_checksums,
    json_text,
    sha256_file,
    versions,
    write_file_atomic,
    write_folder,
    write_json_atomic,
)
from sim.output.story import Story
from sim.scenario.errors import InputError
from sim.scenario.schema import GOVERNMENTS, Scenario

if TYPE_CHECKING:
    from matplotlib.figure import Figure

QUANTILES: tuple[float, ...] = (0.05, 0.25, 0.5, 0.75, 0.95)
#: Daily variables stored as integers and as booleans in the steps table.
INTEGER_VARIABLES = ("outcome", "action_us", "action_venezuela", "events", "deals_in_force")
BOOLEAN_VARIABLES = ("in_talks", "relations_open")
#: The labels of the outcome and action codes, as the tables' categories.
OUTCOME_LABELS: tuple[str, ...] = tuple(o.label for o in OUTCOMES)
ACTION_LABELS: tuple[str, ...] = tuple(a.label for a in Action)


def scenario_yaml(scenario: Scenario) -> str:
    """The fully resolved scenario (every default filled in) as YAML text."""
    data = scenario.model_dump(mode="json", by_alias=True, exclude_none=True)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


class Results:
    """Results of a Monte Carlo run of one scenario.

    Args:
        scenario: The scenario that was run (with overrides applied).
        data: The collected arrays.
        seed: The root seed.
        source: Where the scenario came from (a path or library name).
        overrides: The ``path=value`` assignments applied.
    """

    def __init__(self, scenario: Scenario, data: RunData | None, seed: int,
                 source: str | None = None, overrides: list[str] | None = None):
        self.scenario = scenario
        self.data = data
        self.seed = seed
        self.source = source
        self.overrides = overrides or []
        self._tables: dict[str, pd.DataFrame] | None = None

    @classmethod
    def load(cls, folder: str | Path) -> Results:
        """The results of a results folder, read back from its files (for charts, reports).

        The tables come from the Parquet files and the scenario from ``scenario.yaml``;
        what only a run in memory has (the raw arrays, the story of run 0) is not there:
        :attr:`data` is None.

        Raises:
            InputError: The folder is not a results folder (a file is missing or unreadable).
        """
        from sim.scenario.load import load_scenario  # noqa: PLC0415

        folder = Path(folder)
        names = ("scenario.yaml", "manifest.json", "runs.parquet", "steps.parquet",
                 "bands.parquet")
        missing = [n for n in names if not (folder / n).is_file()]
        if missing:
            raise InputError.single(str(folder), "not a results folder of dipsim run: "
                                    f"{', '.join(missing)} missing")
        try:
            manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
            tables = {n: pd.read_parquet(folder / f"{n}.parquet")
                      for n in ("runs", "steps", "bands")}
            # A folder written before the run table's columns were renamed reads the same.
            tables["runs"] = tables["runs"].rename(columns=RENAMED_RUN_COLUMNS)
        except (OSError, ValueError) as exc:
            raise InputError.single(str(folder), f"cannot read the results: {exc}") from None
        res = cls(load_scenario(folder / "scenario.yaml"), None, int(manifest.get("seed", 0)),
                  manifest.get("scenario_source"), manifest.get("overrides"))
        res._tables = tables
        return res

    @property
    def n_runs(self) -> int:
        """Number of replicates."""
        if self.data is None:
            return len(self.runs)
        return len(self.data.runs["replicate"])

    def __repr__(self) -> str:
        p = self.probabilities()
        parts = ", ".join(f"{o} {p.loc[o, 'probability']:.1%}" for o in p.index)
        return f"<Results {self.scenario.name}: {self.n_runs} runs, seed {self.seed}: {parts}>"

    # ------------------------------------------------------------------ tables

    @cached_property
    def runs(self) -> pd.DataFrame:
        """One row per replicate: outcome, the day it happened, deal terms, end values.

        A run streamed to disk (``dipsim run``; see :mod:`sim.output.runtable`) reads its
        table back from ``runs.parquet``: for millions of replicates, read the columns you
        need with ``pandas.read_parquet(path, columns=[...])`` instead.
        """
        if self._tables is not None:
            return self._tables["runs"]
        if self.data.runs_file is not None:
            return pd.read_parquet(self.data.runs_file)
        return runs_frame(self.data.runs, self.scenario.start)

    @cached_property
    def key_runs(self) -> pd.DataFrame:
        """The run table's key columns (:func:`~sim.output.runtable.key_columns`).

        What the probabilities, the summary and the charts read; the same as :attr:`runs`
        for a run held in memory, and all a streamed run keeps in memory (without the
        ``outcome_date`` column there).
        """
        if self.data is None or self.data.runs_file is None:
            return self.runs
        return runs_frame(self.data.runs, self.scenario.start, dates=False)

    @cached_property
    def steps(self) -> pd.DataFrame:
        """Every variable each day, for the traced replicates: one row per run and day (wide).

        ``outcome`` and the actions are categories with their labels (``escalation``,
        ``signal openness``), ``in_talks`` and ``relations_open`` booleans, counts integers.
        """
        if self._tables is not None:
            return self._tables["steps"]
        trace = self.data.trace
        days, nvar, n = trace.shape
        flat = trace.transpose(2, 0, 1).reshape(n * days, nvar)
        df = pd.DataFrame(flat, columns=list(VARIABLES))
        for col in INTEGER_VARIABLES:
            df[col] = df[col].astype(np.int64)
        for col in BOOLEAN_VARIABLES:
            df[col] = df[col].astype(bool)
        df["outcome"] = pd.Categorical.from_codes(df["outcome"], categories=OUTCOME_LABELS)
        for gov in GOVERNMENTS:
            df[f"action_{gov}"] = pd.Categorical.from_codes(df[f"action_{gov}"],
                                                            categories=ACTION_LABELS)
        first = int(self.data.runs["replicate"][0]) if n else 0
        df.insert(0, "replicate", np.repeat(np.arange(first, first + n), days))
        df.insert(1, "day", np.tile(np.arange(days), n))
        df.insert(2, "date", pd.to_datetime(self.scenario.start)
                  + pd.to_timedelta(df["day"], unit="D"))
        return df

    @cached_property
    def bands(self) -> pd.DataFrame:
        """Per-day quantiles (and mean) of the key variables across the runs still going on.

        Taken over the band replicates whose leader had not been removed before that day
        (a removed leader's run is frozen: its values would read as a lasting state);
        ``runs_in_play`` says how many that was. Quantiles are numpy's linear ones.
        """
        if self._tables is not None:
            return self._tables["bands"]
        band = self.data.band_trace.astype(np.float64)
        days, _, width = band.shape
        runs = self.data.runs
        ended = ((runs["outcome"][:width] >= DECIDED)[None, :]
                 & (np.arange(days)[:, None] > runs["outcome_day"][:width][None, :]))
        in_play = (~ended).sum(axis=1)
        q, mean = in_play_quantiles(band, ~ended, QUANTILES)
        frames = []
        dates = pd.to_datetime(self.scenario.start) + pd.to_timedelta(np.arange(days), unit="D")
        for v, name in enumerate(BAND_VARIABLES):
            cols = {"day": np.arange(days), "date": dates, "variable": name}
            for qi, level in enumerate(QUANTILES):
                cols[f"q{round(level * 100):02d}"] = q[qi, :, v]
            cols["mean"] = mean[:, v]
            cols["runs_in_play"] = in_play
            frames.append(pd.DataFrame(cols))
        df = pd.concat(frames, ignore_index=True)
        df["variable"] = pd.Categorical(df["variable"], categories=list(BAND_VARIABLES))
        return df

    def band(self, variable: str) -> pd.DataFrame:
        """The quantile bands of one variable, indexed by date."""
        b = self.bands
        return b[b["variable"] == variable].set_index("date")

    def probabilities(self) -> pd.DataFrame:
        """P(outcome) with 95% Wilson intervals, counts and the median day of each outcome."""
        runs = self.key_runs
        n = len(runs)
        rows = []
        for o in OUTCOMES:
            hit = runs["outcome"] == o.label
            k = int(hit.sum())
            lo, hi = wilson_interval(k, n)
            days = runs.loc[hit, "outcome_day"].dropna()
            med = float(np.median(days.astype(float))) if len(days) else float("nan")
            rows.append({"outcome": o.label, "probability": k / n, "ci_low": float(lo),
                         "ci_high": float(hi), "count": k, "median_day": med,
                         "median_date": (self.scenario.date_of(round(med)).isoformat()
                                         if len(days) else None)})
        df = pd.DataFrame(rows).set_index("outcome")
        df["median_date"] = df["median_date"].astype(object).where(df["count"] > 0, None)
        return df

    def timing(self) -> pd.DataFrame:
        """Share of replicates that had reached talks, a deal, escalation or a removal.

        By each day, whatever came after: a run that reached a deal may later escalate.
        """
        runs = self.key_runs
        days = np.arange(self.scenario.horizon_days)
        n = len(runs)

        def reached(column: str, where: pd.Series | None = None) -> np.ndarray:
            day_of = runs[column] if where is None else runs.loc[where, column]
            day_of = day_of.dropna().to_numpy(dtype=np.int64)
            return np.searchsorted(np.sort(day_of), days, side="right") / n

        return pd.DataFrame({"day": days, "date": pd.to_datetime(self.scenario.start)
                             + pd.to_timedelta(days, unit="D"),
                             "talks": reached("talks_day"),
                             "deal": reached("deal_day"),
                             "escalation": reached("escalation_day"),
                             "leader_removed": reached(
                                 "outcome_day", runs["outcome"] == "leader_removed")})

    @property
    def summary(self) -> dict[str, Any]:
        """A JSON-ready summary of the run."""
        p = self.probabilities()
        runs = self.key_runs
        agreed = runs[runs["deal_drugs"].notna()]  # the broad bargain's terms, where struck
        reached = int((runs["talks_day"].notna()).sum())
        lo, hi = wilson_interval(reached, len(runs))
        return {
            "scenario": self.scenario.name,
            "title": self.scenario.title,
            "runs": self.n_runs,
            "seed": self.seed,
            "start": self.scenario.start.isoformat(),
            "end": self.scenario.end.isoformat(),
            "horizon_days": self.scenario.horizon_days,
            "outcomes": {
                o: {"probability": row.probability, "ci95": [row.ci_low, row.ci_high],
                    "count": int(row["count"]),
                    "median_day": None if np.isnan(row.median_day) else row.median_day,
                    "median_date": row.median_date if isinstance(row.median_date, str)
                    else None}
                for o, row in p.iterrows()},
            "reached_talks": {"probability": reached / len(runs), "ci95": [float(lo), float(hi)]},
            "deal_terms_median": (None if agreed.empty else {
                str(i): float(agreed[f"deal_{i}"].median()) for i in ISSUES}),
            "casualties": {"mean": float(runs["final_casualties"].mean()),
                           "median": float(runs["final_casualties"].median())},
        }

    # ------------------------------------------------------------------ output

    def story(self) -> Story:
        """The story of replicate 0 of this run (the first replicate it holds)."""
        data = self.data
        if data.head is not None:  # streamed: the first rows are kept whole
            data = dataclasses.replace(data, runs=data.head)
        return Story.from_run(self.scenario, self.seed, data)

    def plot(self, which: str | None = None) -> dict[str, Figure] | Figure:
        """Draw the charts (see :mod:`sim.output.charts`); one by name, or all as a dict."""
        if which is not None:
            return chart_module.CHARTS[which](self)
        return {name: draw(self) for name, draw in chart_module.CHARTS.items()}

    def manifest(self, command: list[str] | None = None) -> dict[str, Any]:
        """What made this run: versions, seed, scenario and command."""
        return {
            "dipsim": versions()["dipsim"],
            "scenario": self.scenario.name,
            "scenario_source": self.source,
            "overrides": self.overrides,
            "seed": self.seed,
            "runs": self.n_runs,
            "traced_replicates": int(self.data.trace.shape[2]),
            "band_replicates": int(self.data.band_trace.shape[2]),
            "command": command if command is not None else sys.argv,
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "libraries": versions(),
        }

    def write_files(self, folder: Path, charts: bool = True,
                    command: list[str] | None = None) -> list[str]:
        """Write every result file into an existing, empty folder. Returns the file names.

        The files and their columns are those of ``docs/results.md``
        (:mod:`sim.output.dictionary`); the report comes last but for the manifest, whose
        checksums cover every other file.
        """
        (folder / "scenario.yaml").write_text(scenario_yaml(self.scenario), encoding="utf-8")
        runs_file = None if self.data is None else self.data.runs_file
        if runs_file is None:
            write_parquet(self.runs, folder / "runs.parquet")
        elif runs_file.resolve() != (folder / "runs.parquet").resolve():
            shutil.copyfile(runs_file, folder / "runs.parquet")
        write_parquet(self.steps, folder / "steps.parquet")
        write_parquet(self.bands, folder / "bands.parquet")
        summary = self.summary
        (folder / "summary.json").write_text(json_text(summary), encoding="utf-8")
        if charts:
            chart_module.save_all(self, folder)
        (folder / "narrative.md").write_text(narrative_file_markdown(self.story()),
                                             encoding="utf-8")
        (folder / "README.md").write_text(folder_readme(summary), encoding="utf-8")
        manifest = self.manifest(command)
        (folder / REPORT).write_text(report_html(folder, manifest), encoding="utf-8")
        manifest["files"] = file_checksums(folder)
        (folder / "manifest.json").write_text(json_text(manifest), encoding="utf-8")
        return sorted(p.name for p in folder.iterdir())

    def save(self, root: str | Path = "results", charts: bool = True,
             command: list[str] | None = None) -> Path:
        """Write the results folder ``root/<scenario>/<timestamp>/`` atomically.

        Written by :func:`sim.output.storage.write_folder`: into a hidden, locked
        temporary folder (``.partial-*``) beside the destination, flushed to disk, and
        renamed into place only when complete, so a results folder either is complete or
        does not exist; temporary folders left by a killed run are removed by the next
        save. A later run never overwrites an earlier one: if the timestamped name is
        taken, ``-2``, ``-3``, ... is appended.

        Returns:
            The results folder.

        Raises:
            OSError: The folder cannot be written (no permission, disk full); nothing is
                left behind but the (empty) scenario folder.
        """
        if not SLUG.fullmatch(self.scenario.name):
            raise ValueError(f"scenario name {self.scenario.name!r} is not a safe folder name")
        return write_folder(Path(root) / self.scenario.name,
                            lambda tmp: self.write_files(tmp, charts=charts, command=command))


#: What a scenario name must look like to be used as a folder name.
SLUG = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")


def rebuild_report(folder: str | Path) -> Path:
    """Write a results folder's ``report.html`` again (``dipsim report FOLDER``).

    Charts missing from the folder (a run made with ``--no-charts``) are drawn from its
    tables into the report, not into files; the manifest's checksum of the report is
    brought up to date. Both files are replaced atomically.

    Returns:
        The report's path.

    Raises:
        InputError: The folder is not a results folder of ``dipsim run``.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError.single(str(folder), "no such folder")
    results = Results.load(folder)
    images = {}
    for name in CHART_CAPTIONS:
        if not (folder / name).is_file():
            draw = chart_module.CHARTS[name.removesuffix(".png")]
            images[name] = chart_module.png_bytes(draw(results))
    text = report_html(folder, images=images)
    path = folder / REPORT
    write_file_atomic(path, lambda p: p.write_text(text, encoding="utf-8"))
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    if isinstance(manifest.get("files"), dict):
        manifest["files"][REPORT] = sha256_file(path)
        write_json_atomic(folder / "manifest.json", manifest)
    return path


def save_while_running(root: str | Path, scenario: Scenario,
                       run: Callable[[Path], Results], *, charts: bool = True,
                       command: list[str] | None = None) -> tuple[Results, Path]:
    """Run a scenario straight into its results folder: memory flat in the number of runs.

    The folder is written as :meth:`Results.save` writes it (atomically, at
    ``root/<scenario>/<timestamp>/``), but the run itself writes ``runs.parquet`` into the
    temporary folder chunk by chunk (``run(path)`` is expected to pass ``path`` as
    ``runs_file`` to :func:`sim.engine.ensemble.run_ensemble`); the other files follow
    when it ends. A run that fails or is interrupted leaves no folder.

    Returns:
        The results and the folder.
    """
    if not SLUG.fullmatch(scenario.name):
        raise ValueError(f"scenario name {scenario.name!r} is not a safe folder name")
    done: list[Results] = []

    def write(tmp: Path) -> None:
        results = run(tmp / "runs.parquet")
        results.write_files(tmp, charts=charts, command=command)
        done.append(results)

    folder = write_folder(Path(root) / scenario.name, write)
    results = done[0]
    if results.data.runs_file is not None:  # the temporary folder was renamed
        results.data.runs_file = folder / "runs.parquet"
    return results, folder
