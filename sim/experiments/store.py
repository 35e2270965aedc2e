"""A sweep's results folder: creation, manifest, shards, the lock, resume and reading back.

``<out>/<sweep name>/<spec hash>/`` holds ``sweep.yaml`` (the sweep as run), ``scenario.yaml``
(its base), ``design.parquet``, ``manifest.json`` and ``shards/chunk-NNNNNN.parquet``, one
Parquet file per finished chunk (see ``docs/sweeps.md``). This is the "store" step of a sweep:

- :func:`create_folder` writes the folder whole, with the one atomic folder writer of
  :mod:`sim.output.storage` (a named folder: the first writer wins);
- :func:`write_shard` renames each finished chunk's shard into place whole
  (:func:`sim.output.storage.write_file_atomic`), so a shard is complete or absent;
- :func:`locked` keeps a second driver out of the folder, :func:`scan_shards` finds the
  finished chunks (what a rerun skips), :func:`start_session` and :func:`update_session`
  record each session in the manifest as it starts and goes (a killed session is marked
  "killed" by the next one);
- :func:`read_runs` reads every shard back as one run table.

Every shard records :func:`code_fingerprint`, the hash of the code that computed it, so
results of different model code never mix in one folder.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from sim.experiments.design import Chunk, Design
from sim.experiments.sweepfile import ALWAYS_KEPT, FORMAT, OUTCOME_LABELS, Sweep
from sim.output.storage import (
    MANIFEST,
    clean_temporary_files,
    json_text,
    versions,
    write_file_atomic,
    write_folder,
    write_json_atomic,
)
from sim.scenario.errors import InputError

SHARDS = "shards"
#: Parquet metadata key of a shard: the code fingerprint of the worker that made it.
CODE_KEY = "dipsim_code"
#: Columns whose value -1 means "did not happen" (stored as null).
MISSING_IF_NEGATIVE = ("outcome_day", "talks_day")


# ------------------------------------------------------------------------ code fingerprint


#: Modules that only present results (paths under ``sim/``; every module of ``ui/``);
#: editing them changes no result of a sweep.
_PRESENTATION = frozenset({"__main__.py", "output/analysis.py", "output/charts.py",
                           "output/narrative.py"})


def _presentation(relative: str) -> bool:
    return relative in _PRESENTATION or relative.startswith("ui/")


def _fingerprint_files() -> str:
    root = Path(__file__).resolve().parent.parent
    h = hashlib.sha256()
    for p in sorted(root.rglob("*.py")):
        relative = p.relative_to(root).as_posix()
        if _presentation(relative):
            continue
        h.update(relative.encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()[:16]


#: Taken when this module is imported, i.e. with the code a process loaded (workers import it
#: when they start), not when a file is edited later.
_CODE_FINGERPRINT = _fingerprint_files()


def code_fingerprint() -> str:
    """A hash of the dipsim code that computes results (every module but presentation).

    Every shard records the fingerprint of the worker that made it, and the driver checks
    each new chunk against the folder's shards and against the other workers, so results
    made by different model code (an upgrade between two sessions, a Dask worker with
    another install) never mix in one folder. It is taken from the source files when
    :mod:`sim.experiments.store` is first imported in a process.
    """
    return _CODE_FINGERPRINT


# ---------------------------------------------------------------------------------- shards


def shard_path(folder: Path, index: int) -> Path:
    """The shard file of chunk ``index``."""
    return folder / SHARDS / f"chunk-{index:06d}.parquet"


def shard_table(cols: Mapping[str, Any], kinds: Mapping[str, str], code: str):
    """The Parquet table of a finished chunk (built by the worker, written by the driver).

    ``outcome`` and ``escalation_cause`` are dictionary-encoded labels (pandas reads them as
    categoricals; the cause is null where a run did not escalate); ``outcome_day`` and ``talks_day``
    are null when the event did not happen; every column of a failed run is null except
    ``point``, ``replicate`` and ``error``. ``point`` and ``replicate`` are 64-bit
    integers, as in ``design.parquet``, so the two join without a cast. The table's
    metadata holds the worker's code fingerprint.
    """
    import pyarrow as pa  # noqa: PLC0415

    from sim.output.runtable import cause_codes  # noqa: PLC0415

    failed = np.array([e is not None for e in cols["error"]], dtype=bool)
    arrays: dict[str, Any] = {
        "point": pa.array(cols["point"], pa.int64()),
        "replicate": pa.array(cols["replicate"], pa.int64()),
    }
    for name, raw in cols.items():
        if name in ("point", "replicate", "error"):
            continue
        values = np.asarray(raw)
        if name in ("outcome", "escalation_cause"):
            if name == "outcome":
                codes, labels = values.astype(np.int8), list(OUTCOME_LABELS)
            else:
                codes, labels = cause_codes(values)
            arrays[name] = pa.DictionaryArray.from_arrays(
                pa.array(codes, pa.int8(), mask=failed | (codes < 0)), pa.array(labels))
        elif kinds[name] == "int":
            missing = name in MISSING_IF_NEGATIVE or name.endswith("_day")
            mask = failed | (values < 0) if missing else failed
            arrays[name] = pa.array(values.astype(np.int64), pa.int64(), mask=mask)
        elif kinds[name] == "bool":
            arrays[name] = pa.array(values.astype(bool), pa.bool_(), mask=failed)
        else:
            arrays[name] = pa.array(values.astype(np.float64), pa.float64(), mask=failed)
    arrays["error"] = pa.array(cols["error"], pa.string())
    return pa.table(arrays).replace_schema_metadata({CODE_KEY: code})


def write_shard(folder: Path, index: int, table: Any) -> None:
    """Write chunk ``index``'s shard (an Arrow table) whole, or not at all."""
    import pyarrow.parquet as pq  # noqa: PLC0415

    write_file_atomic(shard_path(folder, index),
                      lambda p: pq.write_table(table, p, compression="zstd"))


def finished_chunks(folder: Path, chunks: Sequence[Chunk]) -> set[int]:
    """Chunks whose shard exists and holds the expected number of rows.

    A shard is only ever renamed into place complete, so this finds every finished chunk;
    a shard that is unreadable or of the wrong length (a damaged disk, a hand edit) is
    not counted and its chunk is redone.
    """
    return set(scan_shards(folder, chunks))


def scan_shards(folder: Path, chunks: Sequence[Chunk]) -> dict[int, str]:
    """The finished chunks (see :func:`finished_chunks`) and the code that made each."""
    import pyarrow.parquet as pq  # noqa: PLC0415

    done: dict[int, str] = {}
    for c in chunks:
        path = shard_path(folder, c.index)
        if not path.is_file():
            continue
        try:
            meta = pq.read_metadata(path)
        except (OSError, ValueError):  # pyarrow raises ArrowInvalid, a ValueError
            continue
        if meta.num_rows == c.runs:
            done[c.index] = (meta.metadata or {}).get(CODE_KEY.encode(), b"").decode()
    return done


def count_failed(folder: Path, done: set[int]) -> int:
    """Failed runs recorded in the finished shards (rows with an error)."""
    import pyarrow.compute as pc  # noqa: PLC0415
    import pyarrow.parquet as pq  # noqa: PLC0415

    return sum(int(pc.count(pq.read_table(shard_path(folder, i), columns=["error"])
                            .column("error")))  # count() skips nulls: the failed rows
               for i in sorted(done))


def clean_temporary(folder: Path) -> None:
    """Remove the temporary shard and manifest files a killed driver left (hold the lock)."""
    clean_temporary_files(folder / SHARDS)
    clean_temporary_files(folder)


def read_runs(folder: str | Path, columns: Sequence[str] | None = None):
    """The run table of a sweep results folder (every finished shard) as a DataFrame.

    Rows are sorted by point and replicate, so two folders of the same sweep compare equal
    whatever the executor, worker count, chunk size or interruptions.
    """
    import pandas as pd  # noqa: PLC0415
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.parquet as pq  # noqa: PLC0415

    shards = sorted((Path(folder) / SHARDS).glob("chunk-*.parquet"))
    if not shards:
        return pd.DataFrame(columns=list(columns or ALWAYS_KEPT))
    table = pa.concat_tables([pq.read_table(s, columns=list(columns) if columns else None)
                              for s in shards])
    df = table.to_pandas()
    return df.sort_values(["point", "replicate"], kind="stable").reset_index(drop=True)


# ---------------------------------------------------------------------- folder, manifest


def create_folder(sweep: Sweep, folder: Path, design: Design, chunks: list[Chunk],
                  chunk_runs: int, command: Sequence[str] | None) -> Path:
    """Create the results folder whole (see :func:`sim.output.storage.write_folder`).

    A folder that exists already (made by an earlier session, or by another driver a
    moment ago) is kept as it is: its name is the spec hash, so it holds the same sweep.
    """
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.parquet as pq  # noqa: PLC0415

    from sim.output.results import scenario_yaml  # noqa: PLC0415

    spec = sweep.spec

    def fill(tmp: Path) -> None:
        (tmp / SHARDS).mkdir()
        (tmp / "sweep.yaml").write_text(sweep.resolved_yaml(), encoding="utf-8")
        (tmp / "scenario.yaml").write_text(scenario_yaml(sweep.base), encoding="utf-8")
        adaptive = str(spec.sampler) == "adaptive"
        rounds = [0] * len(design) if adaptive else None
        pq.write_table(pa.Table.from_pandas(design_frame(design, rounds),
                                            preserve_index=False),
                       tmp / "design.parquet", compression="zstd")
        manifest = {
            "format": FORMAT,
            "sweep": spec.name,
            "title": spec.title,
            "spec_hash": sweep.spec_hash,
            "source": sweep.source,
            "scenario": sweep.base.name,
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "command": list(command) if command else None,
            "sampler": str(spec.sampler),
            "parameters": spec.labels,
            "seed": spec.seed,
            "points": len(design),
            "replicates": spec.replicates,
            "runs": len(design) * spec.replicates,
            "chunk_runs": chunk_runs,
            "chunks": len(chunks),
            "outputs": list(spec.outputs),
            "code": None,
            "versions": {"python": sys.version.split()[0], **versions()},
            "complete": False,
            "sessions": [],
        }
        if adaptive:
            manifest["rounds"] = 0
        (tmp / MANIFEST).write_text(json_text(manifest), encoding="utf-8")

    return write_folder(folder.parent, fill, name=folder.name)


def design_frame(design: Design, rounds: Sequence[int] | None = None):
    """The design as ``design.parquet`` holds it (with each point's ``round`` if adaptive)."""
    table = design.table()
    if rounds is not None:
        table["round"] = np.asarray(rounds, dtype=np.int64)
    return table


def write_design(folder: Path, design: Design, rounds: Sequence[int] | None = None) -> None:
    """Rewrite ``design.parquet`` whole (an adaptive sweep's new round), atomically."""
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.parquet as pq  # noqa: PLC0415

    table = pa.Table.from_pandas(design_frame(design, rounds), preserve_index=False)
    write_file_atomic(folder / "design.parquet",
                      lambda p: pq.write_table(table, p, compression="zstd"))


def update_manifest(folder: Path, **fields: Any) -> None:
    """Set top-level fields of the manifest (hold the lock)."""
    manifest = read_manifest(folder)
    manifest.update(fields)
    write_json_atomic(folder / MANIFEST, manifest)


def read_manifest(folder: str | Path) -> dict[str, Any]:
    """The manifest of a sweep results folder.

    Raises:
        InputError: The folder is not a sweep results folder.
    """
    path = Path(folder) / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError.single(str(folder), f"not a sweep results folder (cannot read "
                                f"manifest.json: {exc})") from None
    if not isinstance(data, dict) or "spec_hash" not in data:
        raise InputError.single(str(folder), "not a sweep results folder (its manifest "
                                "has no spec_hash)")
    return data


#: Status of a session while it runs; one still "running" when the next session starts (it
#: holds the lock, so the earlier one is gone) ended without a word and becomes "killed".
RUNNING, KILLED = "running", "killed"


def start_session(folder: Path, session: Mapping[str, Any]) -> int:
    """Record a session as running in the manifest (hold the lock); return its index.

    A session killed outright (SIGKILL, a lost machine) cannot record its end, so each
    session is recorded when it starts and updated as it goes (:func:`update_session`);
    the next session marks any session still "running" as "killed". So every session,
    however it ended, appears in the manifest's ``sessions``.
    """
    manifest = read_manifest(folder)
    for earlier in manifest["sessions"]:
        if earlier.get("status") == RUNNING:
            earlier["status"] = KILLED
    manifest["sessions"].append({**session, "status": RUNNING,
                                 "dipsim": versions()["dipsim"]})
    write_json_atomic(folder / MANIFEST, manifest)
    return len(manifest["sessions"]) - 1


def update_session(folder: Path, index: int, fields: Mapping[str, Any], *,
                   complete: bool | None = None, failed: int | None = None,
                   code: str | None = None) -> None:
    """Update session ``index`` of the manifest, and the folder's state (hold the lock)."""
    manifest = read_manifest(folder)
    manifest["sessions"][index].update(fields)
    if complete is not None:
        manifest["complete"] = complete
    if failed is not None:
        manifest["failed_runs"] = failed
    if code is not None:
        manifest["code"] = code
    write_json_atomic(folder / MANIFEST, manifest)


def is_locked(folder: Path) -> bool:
    """Whether a driver holds the folder's lock now (a sweep is writing it)."""
    try:
        fd = os.open(Path(folder) / ".lock", os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        os.close(fd)
    return False


@contextlib.contextmanager
def locked(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on a results folder; the kernel releases it if we die.

    Raises:
        InputError: Another driver holds the lock.
    """
    fd = os.open(folder / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise InputError.single(str(folder), "another dipsim sweep is writing this "
                                    "folder; wait for it to finish or stop it") from None
        yield
    finally:
        os.close(fd)
