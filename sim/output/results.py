"""The results of a run: tables, summary, charts and the results folder.

A :class:`Results` holds a run table with one row per replicate (``runs``), full per-day
rows for a sample of replicates (``steps``, long format), per-day quantile bands of the key
variables (``bands``) and a summary of outcome probabilities with 95% Wilson intervals.
:meth:`Results.save` writes the results folder of ``docs/results.md``: the resolved
scenario, a manifest, Parquet tables, ``summary.json`` and the charts, written into a
temporary folder and renamed into place, so a folder either is complete or does not exist.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import json
import os
import platform
import re
import shutil
import stat
import sys
import tempfile
import time
from collections.abc import Callable
from functools import cached_property
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import yaml

from sim.model.issues import ISSUES
from sim.model.outcomes import OUTCOMES, Outcome
from sim.model.recording import BAND_VARIABLES, VARIABLES
from sim.output import charts as chart_module
from sim.output.narrative import Story, narrative_markdown
from sim.output.rundata import ESCALATION_CAUSES, RunData
from sim.output.stats import wilson_interval
from sim.scenario.schema import Scenario

try:
    import fcntl
except ImportError:  # not on Windows: stale temporary folders are then kept
    fcntl = None

if TYPE_CHECKING:
    from matplotlib.figure import Figure

QUANTILES: tuple[float, ...] = (0.05, 0.25, 0.5, 0.75, 0.95)
INTEGER_VARIABLES = ("in_talks", "outcome", "action_us", "action_venezuela", "events")


def _versions() -> dict[str, str]:
    out = {}
    for lib in ("dipsim", "mesa", "numpy", "scipy", "pandas", "pyarrow", "pydantic",
                "matplotlib", "PyYAML", "typer"):
        try:
            out[lib] = metadata.version(lib)
        except metadata.PackageNotFoundError:
            out[lib] = "not installed"
    return out


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


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

    def __init__(self, scenario: Scenario, data: RunData, seed: int, source: str | None = None,
                 overrides: list[str] | None = None):
        self.scenario = scenario
        self.data = data
        self.seed = seed
        self.source = source
        self.overrides = overrides or []

    @property
    def n_runs(self) -> int:
        """Number of replicates."""
        return len(self.data.runs["replicate"])

    def __repr__(self) -> str:
        p = self.probabilities()
        parts = ", ".join(f"{o} {p.loc[o, 'probability']:.1%}" for o in p.index)
        return f"<Results {self.scenario.name}: {self.n_runs} runs, seed {self.seed}: {parts}>"

    # ------------------------------------------------------------------ tables

    @cached_property
    def runs(self) -> pd.DataFrame:
        """One row per replicate: outcome, the day it happened, deal terms, end values."""
        r = dict(self.data.runs)
        labels = [o.label for o in OUTCOMES]
        df = pd.DataFrame(r)
        df["outcome"] = pd.Categorical.from_codes(r["outcome"], categories=labels)
        for col in ("day", "talks_day"):
            df[col] = pd.Series(r[col], dtype="Int64").mask(r[col] < 0)
        df.insert(3, "date", pd.to_datetime(self.scenario.start) + pd.to_timedelta(
            df["day"].astype("float64"), unit="D"))
        df["escalation_cause"] = pd.Categorical.from_codes(r["escalation_cause"],
                                                           categories=ESCALATION_CAUSES)
        return df

    @cached_property
    def steps(self) -> pd.DataFrame:
        """Every variable each day, for the traced replicates (long format)."""
        trace = self.data.trace
        days, nvar, n = trace.shape
        flat = trace.transpose(2, 0, 1).reshape(n * days, nvar)
        df = pd.DataFrame(flat, columns=list(VARIABLES))
        for col in INTEGER_VARIABLES:
            df[col] = df[col].astype(np.int64)
        df["in_talks"] = df["in_talks"].astype(bool)
        first = int(self.data.runs["replicate"][0])
        df.insert(0, "replicate", np.repeat(np.arange(first, first + n), days))
        df.insert(1, "day", np.tile(np.arange(days), n))
        df.insert(2, "date", pd.to_datetime(self.scenario.start)
                  + pd.to_timedelta(df["day"], unit="D"))
        return df

    @cached_property
    def bands(self) -> pd.DataFrame:
        """Per-day quantiles (and mean) of the key variables across the band replicates."""
        band = self.data.band_trace.astype(np.float64)
        days = band.shape[0]
        q = np.quantile(band, QUANTILES, axis=2)  # (quantiles, days, variables)
        mean = band.mean(axis=2)
        frames = []
        dates = pd.to_datetime(self.scenario.start) + pd.to_timedelta(np.arange(days), unit="D")
        for v, name in enumerate(BAND_VARIABLES):
            cols = {"day": np.arange(days), "date": dates, "variable": name}
            for qi, level in enumerate(QUANTILES):
                cols[f"q{round(level * 100):02d}"] = q[qi, :, v]
            cols["mean"] = mean[:, v]
            frames.append(pd.DataFrame(cols))
        return pd.concat(frames, ignore_index=True)

    def band(self, variable: str) -> pd.DataFrame:
        """The quantile bands of one variable, indexed by date."""
        b = self.bands
        return b[b["variable"] == variable].set_index("date")

    def probabilities(self) -> pd.DataFrame:
        """P(outcome) with 95% Wilson intervals, counts and the median day of each outcome."""
        runs = self.runs
        n = len(runs)
        rows = []
        for o in OUTCOMES:
            hit = runs["outcome"] == o.label
            k = int(hit.sum())
            lo, hi = wilson_interval(k, n)
            days = runs.loc[hit, "day"].dropna()
            med = float(np.median(days.astype(float))) if len(days) else float("nan")
            rows.append({"outcome": o.label, "probability": k / n, "ci_low": float(lo),
                         "ci_high": float(hi), "count": k, "median_day": med,
                         "median_date": (self.scenario.date_of(round(med)).isoformat()
                                         if len(days) else None)})
        return pd.DataFrame(rows).set_index("outcome")

    def timing(self) -> pd.DataFrame:
        """Share of replicates that had reached talks, agreement or escalation by each day."""
        runs = self.data.runs
        days = np.arange(self.scenario.horizon_days)
        n = len(runs["outcome"])

        def reached(day_of: np.ndarray) -> np.ndarray:
            d = np.sort(day_of[day_of >= 0])
            return np.searchsorted(d, days, side="right") / n

        out = runs["outcome"]
        talks = reached(runs["talks_day"])
        agreement = reached(np.where(out == Outcome.AGREEMENT, runs["day"], -1))
        escalation = reached(np.where(out == Outcome.ESCALATION, runs["day"], -1))
        return pd.DataFrame({"day": days, "date": pd.to_datetime(self.scenario.start)
                             + pd.to_timedelta(days, unit="D"), "talks": talks,
                             "agreement": agreement, "escalation": escalation})

    @property
    def summary(self) -> dict[str, Any]:
        """A JSON-ready summary of the run."""
        p = self.probabilities()
        runs = self.runs
        agreed = runs[runs["outcome"] == Outcome.AGREEMENT.label]
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
                    "median_date": row.median_date}
                for o, row in p.iterrows()},
            "reached_talks": {"probability": reached / len(runs), "ci95": [float(lo), float(hi)]},
            "deal_terms_median": (None if agreed.empty else {
                str(i): float(agreed[f"deal_{i}"].median()) for i in ISSUES}),
            "casualties": {"mean": float(runs["casualties"].mean()),
                           "median": float(runs["casualties"].median())},
        }

    # ------------------------------------------------------------------ output

    def story(self) -> Story:
        """The story of replicate 0 of this run (the first replicate it holds)."""
        return Story.from_run(self.scenario, self.seed, self.data)

    def plot(self, which: str | None = None) -> dict[str, Figure] | Figure:
        """Draw the charts (see :mod:`sim.output.charts`); one by name, or all as a dict."""
        if which is not None:
            return chart_module.CHARTS[which](self)
        return {name: draw(self) for name, draw in chart_module.CHARTS.items()}

    def manifest(self, command: list[str] | None = None) -> dict[str, Any]:
        """What made this run: versions, seed, scenario and command."""
        return {
            "dipsim": _versions()["dipsim"],
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
            "libraries": _versions(),
        }

    def write_files(self, folder: Path, charts: bool = True,
                    command: list[str] | None = None) -> list[str]:
        """Write every result file into an existing, empty folder. Returns the file names."""
        (folder / "scenario.yaml").write_text(scenario_yaml(self.scenario), encoding="utf-8")
        parquet = {"compression": "zstd", "index": False}
        self.runs.to_parquet(folder / "runs.parquet", **parquet)
        self.steps.to_parquet(folder / "steps.parquet", **parquet)
        self.bands.to_parquet(folder / "bands.parquet", **parquet)
        (folder / "summary.json").write_text(json.dumps(self.summary, indent=2) + "\n",
                                             encoding="utf-8")
        if charts:
            chart_module.save_all(self, folder)
        (folder / "narrative.md").write_text(narrative_markdown(self.story()),
                                             encoding="utf-8")
        manifest = self.manifest(command)
        manifest["files"] = {p.name: _sha256(p) for p in sorted(folder.iterdir())}
        (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n",
                                              encoding="utf-8")
        return sorted(p.name for p in folder.iterdir())

    def save(self, root: str | Path = "results", charts: bool = True,
             command: list[str] | None = None) -> Path:
        """Write the results folder ``root/<scenario>/<timestamp>/`` atomically.

        Files are written into a hidden temporary folder (``.partial-*``) beside the
        destination, flushed to disk, and the folder is renamed into place only when
        complete, so a results folder either is complete or does not exist. While it
        writes, the process holds a lock on its temporary folder; temporary folders left
        by a killed run (no lock holder) are removed by the next save. A later run never
        overwrites an earlier one: if the timestamped name is taken, ``-2``, ``-3``, ...
        is appended.

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


# ------------------------------------------------------------------ atomic folders


def write_folder(parent: Path, write: Callable[[Path], object]) -> Path:
    """Create ``parent/<timestamp>/`` atomically, filled by ``write(folder)``.

    Files are written into a hidden temporary folder (``.partial-*``) beside the
    destination, flushed to disk, and the folder is renamed into place only when complete,
    so a results folder either is complete or does not exist. While it writes, the process
    holds a lock on its temporary folder; temporary folders left by a killed run (no lock
    holder) are removed by the next save. A later folder never overwrites an earlier one:
    if the timestamped name is taken, ``-2``, ``-3``, ... is appended.

    Raises:
        OSError: The folder cannot be written (no permission, disk full); nothing is left
            behind but ``parent`` itself.
    """
    try:
        parent.mkdir(parents=True, exist_ok=True)
        clean_stale_partials(parent)
        tmp, lock = _locked_partial(parent)
    except OSError as exc:
        raise _with_filename(exc, parent) from None
    try:
        write(tmp)
        _sync_folder(tmp)
        os.chmod(tmp, 0o755)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        for k in range(1, 1000):
            dest = parent / (stamp if k == 1 else f"{stamp}-{k}")
            if os.path.lexists(dest):
                continue
            try:
                os.rename(tmp, dest)
            except OSError as exc:
                # Another run took the name between the check and the rename (a non-empty
                # folder cannot be replaced): try the next name.
                if exc.errno in (errno.EEXIST, errno.ENOTEMPTY):
                    continue
                raise
            _fsync_dir(parent)
            return dest
        raise FileExistsError(errno.EEXIST, "no free results folder name", str(parent))
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, OSError):
            raise _with_filename(exc, parent) from exc
        raise
    finally:
        os.close(lock)


#: Prefix of the temporary folder a results folder (or a sweep shard) is written into.
PARTIAL_PREFIX = ".partial-"
#: A folder is made under this prefix, locked, then renamed to PARTIAL_PREFIX, so every
#: ``.partial-*`` folder has had its lock from the start.
CREATING_PREFIX = ".creating-"
#: A ``.creating-*`` folder younger than this is never cleaned (its writer may be between
#: making it and locking it, a matter of microseconds).
STALE_AFTER_SECONDS = 60.0
SLUG = re.compile(r"[a-z][a-z0-9_-]{0,39}")


def _with_filename(exc: OSError, where: Path) -> OSError:
    """The error with the folder being written as its file name, if it named none."""
    if getattr(exc, "filename", None):
        return exc
    reason = exc.strerror or str(exc)
    return OSError(exc.errno, reason, str(where))


def _lock(fd: int) -> bool:
    """Take an exclusive lock without waiting; False if another process holds it."""
    if fcntl is None:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError:  # a file system without locks: never treat a folder as abandoned
        return False
    return True


def _locked_partial(parent: Path) -> tuple[Path, int]:
    """Make a temporary folder in ``parent`` and lock it for as long as this process lives.

    The lock (``flock`` on the folder itself) is released by the kernel when the process
    dies, however it dies, which is how a later run tells an abandoned folder from one
    still being written.
    """
    made = Path(tempfile.mkdtemp(prefix=CREATING_PREFIX, dir=parent))
    fd = os.open(made, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        _lock(fd)
        tmp = parent / (PARTIAL_PREFIX + made.name.removeprefix(CREATING_PREFIX))
        os.rename(made, tmp)
    except BaseException:
        os.close(fd)
        shutil.rmtree(made, ignore_errors=True)
        raise
    return tmp, fd


def clean_stale_partials(parent: str | Path) -> list[Path]:
    """Remove the temporary folders that killed runs left in ``parent``.

    A ``.partial-*`` folder is removed only if no process holds its lock, so a folder being
    written by a live run is left alone; a ``.creating-*`` folder (a run killed in the
    microseconds between making and locking it) also has to be older than
    :data:`STALE_AFTER_SECONDS`. Such folders are never results: their names start with a
    dot and they have no manifest until complete.

    Returns:
        The folders removed.
    """
    removed = []
    now = time.time()
    parent = Path(parent)
    candidates = [(p, 0.0) for p in parent.glob(PARTIAL_PREFIX + "*")] + [
        (p, STALE_AFTER_SECONDS) for p in parent.glob(CREATING_PREFIX + "*")]
    for p, min_age in candidates:
        try:
            st = p.lstat()
            if not stat.S_ISDIR(st.st_mode) or now - st.st_mtime < min_age:
                continue
            fd = os.open(p, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)
                         | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            continue
        try:
            if _lock(fd):
                shutil.rmtree(p, ignore_errors=True)
                removed.append(p)
        finally:
            os.close(fd)
    return removed


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot sync a directory; the rename is still atomic
    finally:
        os.close(fd)


def _sync_folder(folder: Path) -> None:
    """Flush every file of ``folder`` to disk, then the folder itself.

    Without this a crash of the machine (not just of dipsim) shortly after the rename
    could leave a complete-looking folder with empty files.
    """
    for p in folder.iterdir():
        if p.is_file():
            with p.open("rb") as fh:
                os.fsync(fh.fileno())
    _fsync_dir(folder)


def verify_folder(folder: str | Path) -> list[str]:
    """Check a results folder against its manifest.

    Returns:
        What is wrong (a missing or unreadable manifest, a file missing or whose SHA-256
        differs from the manifest's); empty if the folder is complete and intact.
    """
    folder = Path(folder)
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        files = manifest["files"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return [f"{folder / 'manifest.json'}: missing or unreadable ({exc})"]
    problems = []
    for name, digest in files.items():
        p = folder / name
        if p.name != name or not p.is_file():
            problems.append(f"{p}: missing")
        elif _sha256(p) != digest:
            problems.append(f"{p}: contents differ from the manifest")
    return problems
