"""The data dictionary of a results folder: every file and column, its unit and meaning.

One source for three copies of the same text: ``docs/results.md`` (checked against
:func:`dictionary_markdown` by the tests), the ``README.md`` written into every results
folder, and the schema metadata of each Parquet file (:func:`parquet_table`: the file's
section under the schema key ``dipsim.dictionary``, each column's unit and meaning in its
field's metadata). Adding a variable to the model without a line here fails the tests.

The plain one-line definition of each outcome lives here too (:data:`OUTCOME_MEANINGS`):
the printed summary, ``outcomes.png``, the report and the README all use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sim.model.agents import Action
from sim.model.issues import ISSUES, TRACKS
from sim.model.outcomes import OUTCOMES, EscalationCause
from sim.model.recording import BAND_REPLICATES, BAND_VARIABLES, QUIET, TRACE_REPLICATES
from sim.scenario.schema import GOVERNMENTS

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

#: Each outcome in one plain line (what happened by the horizon), in the model's order.
OUTCOME_MEANINGS: dict[str, str] = {
    "stalemate": "no talks, no deal and no escalation by the end",
    "talks": "the two governments sat down to negotiate; no deal (yet)",
    "narrow_deal": "a deal on one track (prisoners, migration, oil or drugs) while the wider "
                   "conflict goes on",
    "broad_agreement": "a deal on two tracks or more",
    "talks_collapsed": "talks opened, then a side walked out or hostility broke them off, "
                       "before any deal",
    "deal_broken": "a deal was reached, then one side reneged or sanctions snapped back",
    "escalation": "a rupture step: force on land, a blockade, relations broken, or hostility "
                  "past the escalation line (the run goes on)",
    "leader_removed": "force removed a leader whose exit the other side demanded (this ends "
                      "the run)",
}
assert list(OUTCOME_MEANINGS) == [o.label for o in OUTCOMES]

#: How a run's one outcome is chosen when several things happened.
PRECEDENCE = ("A run has one outcome: the most serious thing that happened in it (the "
              "outcomes are listed from the calmest to the most serious), dated the first "
              "day it happened. A run that reached talks and then escalated counts as "
              "escalation.")

_GOV = {"us": "the US", "venezuela": "Venezuela"}
_DAY = "day index (0 = the scenario's start)"
_DAY_OR_NULL = _DAY + "; empty if it never happened"
_UNIT = "0 to 1"

_ACTION_WORDS = {
    Action.ESCALATE: "escalated (threats, mobilisation)",
    Action.DE_ESCALATE: "de-escalated",
    Action.SIGNAL_OPENNESS: "signalled openness to talks",
    Action.CONCEDE: "softened its demands",
    Action.RETALIATE: "retaliated in kind (e.g. paused deportation flights)",
    Action.USE_FORCE: "used force",
    Action.RUPTURE: "broke diplomatic relations",
    Action.WALK_OUT: "walked out of talks",
}


@dataclass(frozen=True)
class Column:
    """One column of a table: its name, unit and meaning."""

    name: str
    unit: str
    meaning: str


@dataclass(frozen=True)
class ResultFile:
    """One file of a results folder and, for a table, its columns."""

    name: str
    what: str
    columns: tuple[Column, ...] = ()


# ------------------------------------------------------------------------ the columns


def _per_gov(template: str, unit: str, meaning: str) -> list[Column]:
    return [Column(template.format(g=g), unit, meaning.format(gov=_GOV[g]))
            for g in GOVERNMENTS]


def variable_columns() -> list[Column]:
    """The daily variables of the model (``steps.parquet``), in the model's order."""
    cols = [
        Column("cc_index", "Goldstein points per day",
               "conflict (−) or cooperation (+): the day's events weighted by the Goldstein "
               "scale (−10 war to +10 cooperation), smoothed with a 14-day half-life"),
        Column("goldstein", "Goldstein points", "sum of the Goldstein weights of the day's "
               "events (0 on days after a run ended)"),
        *_per_gov("hostility_{g}", "0 and up (escalation at the scenario's threshold, 1 by "
                  "default)", "{gov}'s hostility toward the other side (Richardson's arms-race "
                  "equation)"),
        *_per_gov("readiness_{g}", _UNIT, "{gov}'s readiness to talk; talks open when both "
                  "reach the scenario's bar"),
        *_per_gov("pain_{g}", _UNIT, "economic pain of the sanctions and other measures in "
                  "force on {gov} (0 for the US unless Venezuela retaliates)"),
        Column("adaptation_venezuela", _UNIT, "share of the sanctions' bite on Venezuela that "
               "adaptation, oil buyers and the cap at 1 take away"),
        *_per_gov("resolve_{g}", _UNIT, "{gov}'s estimate of how resolved the other side is "
                  "(how credible its threats are)"),
        *_per_gov("commitment_{g}", "0 and up", "how far {gov} has committed itself in "
                  "public (backing down costs it more at home)"),
        *_per_gov("reservation_{g}", "utility, 0 to 1", "what {gov} expects with no deal "
                  "(its fallback): the least it would accept"),
        Column("surplus", "US utility", "room for a deal: how much of the frontier both "
               "sides prefer to their fallbacks (0: no bargaining range)"),
        *[Column(f"offer_{g}_{i}", "position, 0 (Caracas's ideal) to 1 (Washington's)",
                 f"where {_GOV[g]}'s current offer puts {i}: its opening demand before talks, "
                 "then conceded along its aspiration curve at the table")
          for g in GOVERNMENTS for i in ISSUES],
        Column("casualties", "people", "deaths so far (strikes and incidents), cumulative"),
        Column("events", "count", "events of the day (pressures acting, visible actions, "
               "talks rounds, incidents; 0 on days after a run ended)"),
        Column("in_talks", "true/false", "the governments are at the table at the end of the "
               "day"),
        Column("outcome", "label", "the run's outcome so far, by precedence (one of the "
               "eight outcomes; it only climbs)"),
        *_per_gov("action_{g}", "label", "{gov}'s visible action of the day: " + ", ".join(
            a.label for a in Action)),
        *_per_gov("hardliners_{g}", _UNIT, "support of {gov}'s hardliners at home (above its "
                  "start it narrows the deals they will ratify)"),
        Column("legal_us", "0 and up", "legal and evidentiary cost to the US of using force"),
        Column("deals_in_force", "count", "tracks with a deal in force"),
        Column("relations_open", "true/false", "diplomatic relations are open"),
    ]
    return cols


def run_columns() -> list[Column]:
    """The columns of ``runs.parquet``, in order (one row per run)."""
    cols = [
        Column("replicate", "index", "which run (its random numbers depend only on the seed "
               "and this index)"),
        Column("outcome", "label", "how the run ended: one of the eight outcomes above, the "
               "most serious that happened"),
        Column("outcome_day", _DAY + "; empty for a stalemate", "the first day the run's "
               "outcome happened"),
        Column("outcome_date", "date; empty for a stalemate", "the calendar date of "
               "outcome_day"),
        Column("talks_day", _DAY_OR_NULL, "the first day the governments sat down"),
        Column("deal_day", _DAY_OR_NULL, "the first day any deal closed (a track or the "
               "bargain at the table)"),
        Column("escalation_day", _DAY_OR_NULL, "the first day of escalation"),
        Column("n_breakdowns", "count", "times talks broke off (hostility or a walk-out)"),
        Column("n_incidents", "count", "clashes between the two sides' forces"),
        Column("escalation_cause", "label; null if it never escalated", "what made the run "
               "escalate first: " + ", ".join(c.label for c in EscalationCause if c.label)),
        Column("mediated", "true/false", "the bargain at the table was struck on a mediator's "
               "proposal"),
        *[Column(f"{t.value}_deal_day", _DAY_OR_NULL, f"the day a deal on the {t.value} track "
                 "closed") for t in TRACKS],
        *[Column(f"deal_{i}", "position, 0 (Caracas's ideal) to 1 (Washington's); empty "
                 "without a bargain at the table", f"the terms on {i} of the bargain struck "
                 "at the table") for i in ISSUES],
        *[Column(f"nash_{i}", "position, 0 to 1; empty without a bargain at the table",
                 f"the Nash bargaining solution on {i} on the day of the bargain (for "
                 "comparison)") for i in ISSUES],
        Column("final_casualties", "people", "deaths by the end of the run"),
        Column("total_goldstein", "Goldstein points", "sum of the Goldstein weights of every "
               "event of the run"),
        Column("n_events", "count", "events over the run"),
        Column("final_cc_index", "Goldstein points per day", "the conflict-cooperation index "
               "on the last day"),
        *[c for v in ("hostility", "readiness", "pain") for c in _per_gov(
            f"final_{v}_{{g}}", next(x.unit for x in variable_columns()
                                     if x.name == f"{v}_us"),
            f"{{gov}}'s {v} on the last day (the day of the removal, if a leader was "
            "removed)")],
        *[Column(f"n_{a.name.lower()}_{g}", "days", f"days on which {_GOV[g]} "
                 f"{_ACTION_WORDS[a]}") for g in GOVERNMENTS for a in Action
          if a is not Action.HOLD],
    ]
    return cols


def step_columns() -> list[Column]:
    """The columns of ``steps.parquet`` (one row per kept run and day)."""
    return [Column("replicate", "index", "which run"), Column("day", _DAY, "the day"),
            Column("date", "date", "the calendar date of the day"), *variable_columns()]


_QUANTILES = {"q05": "5%", "q25": "25%", "q50": "50% (median)", "q75": "75%", "q95": "95%"}


def band_columns() -> list[Column]:
    """The columns of ``bands.parquet`` (one row per variable and day)."""
    return [
        Column("day", _DAY, "the day"),
        Column("date", "date", "the calendar date of the day"),
        Column("variable", "label", "which daily variable (" + ", ".join(BAND_VARIABLES)
               + "; see steps.parquet)"),
        *[Column(q, "the variable's unit", f"{label} quantile across the runs still going on "
                 "that day") for q, label in _QUANTILES.items()],
        Column("mean", "the variable's unit", "mean across the runs still going on that day"),
        Column("runs_in_play", "count", "runs the quantiles are taken over: the band runs "
               "whose leader had not been removed before that day"),
    ]


def results_files() -> list[ResultFile]:
    """Every file of a run's results folder, in the order a reader meets them."""
    quiet = " and ".join(QUIET)
    return [
        ResultFile("report.html", "the whole run on one page, for reading and handing in: "
                   "the outcomes and what they mean, the charts, the key moments of run 0, "
                   "the scenario as run and the manifest. Self-contained: it opens offline "
                   "and can be e-mailed as one file. `dipsim report FOLDER` rebuilds it."),
        ResultFile("README.md", "this data dictionary."),
        ResultFile("summary.json", "the probability of each outcome with its 95% Wilson "
                   "interval, its count and median day and date (null where no run had it); "
                   "the share of runs that reached talks at some point; the median deal terms; "
                   "deaths. Strict JSON (no NaN)."),
        ResultFile("runs.parquet", "one row per run. Days are counted from the scenario's "
                   "start; a day column is empty where the thing never happened. Names say "
                   "what a column holds: `final_...` is a daily variable's value on the last "
                   "day, `n_...` a count over the run.", tuple(run_columns())),
        ResultFile("steps.parquet", "wide: one row per run and day, one column per daily "
                   "variable, for the first runs only (`dipsim run --keep-steps N`, default "
                   f"{TRACE_REPLICATES}). Labels (outcome, actions) are stored as categories "
                   "(an Arrow dictionary), so `df.outcome.value_counts()` reads 'escalation'. "
                   "After a leader is removed, the run's rows repeat the day of the removal, "
                   f"with {quiet} 0.", tuple(step_columns())),
        ResultFile("bands.parquet", "long: one row per charted variable and day, with "
                   f"quantiles across the first {BAND_REPLICATES:,} runs (the charts' fans). "
                   "A run whose leader was removed leaves the bands from the next day on.",
                   tuple(band_columns())),
        ResultFile("narrative.md", "run 0 told in plain words: how it ends, the key moments, "
                   "a one-page account with repeated events grouped, then every day in full "
                   "detail."),
        ResultFile("scenario.yaml", "the scenario as run, every default filled in: "
                   "`dipsim run scenario.yaml --runs N --seed S` reproduces the results."),
        ResultFile("manifest.json", "what made the folder: the command, seed, number of runs, "
                   "dipsim, Python and library versions, and the SHA-256 of every other file."),
        ResultFile("path.png, offers.png, hostility.png, outcomes.png", "the charts (absent "
                   "with `--no-charts`); the report holds the same charts."),
    ]


# ------------------------------------------------------------------------ rendering


def _escape(text: str) -> str:
    return text.replace("|", "\\|")


def file_markdown(f: ResultFile, level: int = 2) -> str:
    """One file's section of the dictionary, as markdown."""
    lines = [f"{'#' * level} `{f.name}`", "", f.what[:1].upper() + f.what[1:], ""]
    if f.columns:
        lines += ["| column | unit | meaning |", "| --- | --- | --- |"]
        lines += [f"| `{c.name}` | {_escape(c.unit)} | {_escape(c.meaning)} |"
                  for c in f.columns]
        lines.append("")
    return "\n".join(lines)


def outcomes_markdown() -> str:
    """The eight outcomes in plain words, as a markdown table, with the precedence rule."""
    lines = ["| outcome | what it means |", "| --- | --- |"]
    lines += [f"| `{o}` | {m} |" for o, m in OUTCOME_MEANINGS.items()]
    return "\n".join([*lines, "", PRECEDENCE, ""])


def dictionary_markdown(title: str = "# The results folder: a data dictionary") -> str:
    """The whole dictionary as markdown (``docs/results.md``, each folder's ``README.md``)."""
    parts = [
        title, "",
        "`dipsim run` writes `results/<scenario>/<timestamp>/`, whole or not at all (a "
        "later run never overwrites an earlier one). This page lists every file and every "
        "column, with its unit and meaning. The same text is the `README.md` of every "
        "results folder, and each Parquet file carries its own section in its schema "
        "metadata (key `dipsim.dictionary`; each column's unit and meaning are in the "
        "column's metadata).", "",
        "Read the tables with pandas (`pd.read_parquet(folder / 'runs.parquet')`), R "
        "(`arrow::read_parquet`) or DuckDB. Positions on an issue run from 0 (Caracas's "
        "ideal) to 1 (Washington's ideal).", "",
        "## The eight outcomes", "", outcomes_markdown(),
    ]
    parts += [file_markdown(f) for f in results_files()]
    parts += [
        "## Other folders", "",
        "`dipsim compare` writes `results/compare/<timestamp>/`: `runs_a.parquet` and "
        "`runs_b.parquet` have the columns of `runs.parquet` above, `differences.csv` the "
        "change in each outcome's probability with its paired 95% interval, `summary.json` "
        "the same with the transitions between outcomes, and `compare.png`. A sweep's folder "
        "is described in `docs/sweeps.md` (its shards keep the `runs.parquet` columns its "
        "`outputs` name), the hindcast's and the calibration's in `docs/validation.md`.", ""]
    return "\n".join(parts).rstrip("\n") + "\n"


# ------------------------------------------------------------------------ Parquet

#: Schema metadata key holding a Parquet file's section of the dictionary.
METADATA_KEY = b"dipsim.dictionary"


def file_entry(name: str) -> ResultFile:
    """The dictionary entry of a file of the results folder, by name."""
    for f in results_files():
        if f.name == name:
            return f
    raise KeyError(name)


def parquet_table(df: pd.DataFrame, name: str) -> pa.Table:
    """``df`` as an Arrow table carrying the dictionary of file ``name`` in its metadata.

    The schema metadata gets the file's section of the dictionary (markdown, under
    :data:`METADATA_KEY`) beside pandas' own; each column's field metadata gets its
    ``unit`` and ``meaning``. Categorical columns become Arrow dictionaries.

    Raises:
        KeyError: A column of ``df`` is not in the dictionary (so none goes undocumented).
    """
    import pyarrow as pa  # noqa: PLC0415

    entry = file_entry(name)
    known = {c.name: c for c in entry.columns}
    missing = [c for c in df.columns if c not in known]
    if missing:
        raise KeyError(f"{name}: columns missing from the data dictionary: {missing}")
    table = pa.Table.from_pandas(df, preserve_index=False)
    fields = [f.with_metadata({"unit": known[f.name].unit, "meaning": known[f.name].meaning})
              for f in table.schema]
    metadata = {**(table.schema.metadata or {}),
                METADATA_KEY: file_markdown(entry).encode("utf-8")}
    return pa.Table.from_arrays(table.columns, schema=pa.schema(fields, metadata=metadata))


def write_parquet(df: pd.DataFrame, path, name: str | None = None) -> None:
    """Write ``df`` as a zstd Parquet file with its dictionary (see :func:`parquet_table`)."""
    import pyarrow.parquet as pq  # noqa: PLC0415

    pq.write_table(parquet_table(df, name or path.name), path, compression="zstd")


def folder_readme(summary: dict) -> str:
    """The ``README.md`` of a results folder: what was run, then the whole dictionary."""
    lines = [f"# {summary['title']}", "",
             f"Scenario `{summary['scenario']}`, {summary['runs']:,} runs, seed "
             f"{summary['seed']}, {summary['start']} to {summary['end']}. Open `report.html` "
             "for the outcomes, the charts and the story of one run; the files below are "
             "for reuse.", "",
             "| outcome | probability | median date | what it means |", "| --- | --- | --- | --- |"]
    for label, o in summary["outcomes"].items():
        lines.append(f"| `{label}` | {o['probability']:.1%} | {o['median_date'] or '–'} | "
                     f"{OUTCOME_MEANINGS[label]} |")
    return "\n".join([*lines, "", dictionary_markdown()])
