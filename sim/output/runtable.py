"""The run table: one row per replicate, as a DataFrame and as ``runs.parquet``.

:func:`runs_frame` turns the per-replicate arrays of a run (:class:`~sim.output.rundata.RunData`
``runs``) into the table users read (``Results.runs``): outcome and escalation cause as
categoricals, the days of events that did not happen as nulls, a calendar date beside the
day. It is the one conversion, used for a run held in memory and for each chunk of a run
streamed to disk.

**Streaming.** A run of millions of replicates would hold a row of about 40 numbers per
replicate (10 million replicates: about 3 GB, and more again in the copies that joining
chunks and writing Parquet make). :class:`RunTableWriter` instead appends each chunk's rows
to ``runs.parquet`` as the chunk finishes (one Parquet row group per chunk), and the run
keeps in memory only :func:`key_columns` (outcome, its cause, days, casualties, deal
terms), in
compact types: what the summary, the charts and the probabilities read. Peak memory then
stays flat in the number of replicates, apart from those few columns (about 50 bytes a
replicate).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.model.outcomes import OUTCOMES
from sim.output.dictionary import parquet_table
from sim.output.rundata import ESCALATION_CAUSES

#: Columns of the run table kept in memory when it is streamed to disk, besides the deal
#: terms (every ``deal_{issue}`` column): what ``Results.probabilities``, ``summary``,
#: ``timing``, the story of run 0 and the charts read.
KEY_COLUMNS = ("replicate", "outcome", "escalation_cause", "final_casualties", "outcome_day",
               "talks_day", "deal_day", "escalation_day")


def _is_day(name: str) -> bool:
    """A day column: -1 means the event did not happen (a null in the table)."""
    return name.endswith("_day")


def key_columns(names: Iterable[str]) -> list[str]:
    """The columns of a run table (``names``) that a streamed run keeps in memory."""
    return [n for n in names if n in KEY_COLUMNS
            or (n.startswith("deal_") and not _is_day(n))]


def compact_dtype(name: str, dtype: np.dtype) -> np.dtype:
    """The type a key column is kept in (smaller where its values allow)."""
    if name in ("outcome", "escalation_cause"):
        return np.dtype(np.int8)
    return np.dtype(np.int32) if _is_day(name) else np.dtype(dtype)


def runs_frame(runs: Mapping[str, np.ndarray], start: Any, dates: bool = True
               ) -> pd.DataFrame:
    """The run table of per-replicate arrays: one row per replicate.

    ``outcome`` and ``escalation_cause`` become categoricals (labels from
    :data:`sim.model.outcomes.OUTCOMES` and the escalation causes; null where a replicate
    did not escalate), every ``..._day`` a nullable integer (null: it did not happen), and
    an ``outcome_date`` column (``start`` + ``outcome_day``) follows ``outcome_day`` unless
    ``dates`` is False. Columns missing from
    ``runs`` are left out. The arrays are not copied (pandas' copy-on-write keeps them
    unchanged if the table is edited).
    """
    r = dict(runs)
    df = pd.DataFrame(r, copy=False)
    if "outcome" in r:
        df["outcome"] = pd.Categorical.from_codes(r["outcome"],
                                                  categories=[o.label for o in OUTCOMES])
    for col in filter(_is_day, r):
        df[col] = pd.Series(r[col], dtype="Int64").mask(r[col] < 0)
    if "outcome_day" in r and dates:
        df.insert(list(df.columns).index("outcome_day") + 1, "outcome_date",
                  pd.to_datetime(start)
                  + pd.to_timedelta(df["outcome_day"].astype("float64"), unit="D"))
    if "escalation_cause" in r:
        codes, labels = cause_codes(r["escalation_cause"])
        df["escalation_cause"] = pd.Categorical.from_codes(codes, categories=labels)
    return df


def cause_codes(codes: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Escalation-cause codes as categorical codes of the named causes, -1 (null) for none.

    A replicate that did not escalate has no cause: a null in the table, not an empty
    label (:data:`~sim.output.rundata.ESCALATION_CAUSES` names "no cause" ``""``).
    """
    named = [c for c in ESCALATION_CAUSES if c]
    lookup = np.array([named.index(c) if c else -1 for c in ESCALATION_CAUSES], np.int8)
    return lookup[np.asarray(codes, dtype=np.int64)], named


class RunTableWriter:
    """Appends chunks of a run's rows to a Parquet file (``runs.parquet``), one row group each.

    The file reads back (``pandas.read_parquet``) as the table :func:`runs_frame` makes of
    the whole run at once. Use as a context manager, or call :meth:`close`.

    Args:
        path: The file to write (created; the caller writes into a temporary folder).
        start: The scenario's first day (for the ``date`` column).
    """

    def __init__(self, path: str | Path, start: Any):
        self.path = Path(path)
        self.start = start
        self.rows = 0
        self._writer: Any = None
        self._schema: Any = None

    def write(self, runs: Mapping[str, np.ndarray]) -> None:
        """Append one chunk's rows."""
        import pyarrow.parquet as pq  # noqa: PLC0415

        table = parquet_table(runs_frame(runs, self.start), "runs.parquet")
        if self._writer is None:
            self._schema = table.schema
            self._writer = pq.ParquetWriter(self.path, self._schema, compression="zstd")
        elif not table.schema.equals(self._schema):
            table = table.cast(self._schema)
        self._writer.write_table(table)
        self.rows += table.num_rows

    def close(self) -> None:
        """Finish the file (its footer); nothing more can be written."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def __enter__(self) -> RunTableWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
