"""The tables the command line prints: a run's outcomes, a comparison, a hindcast.

Printed with rich. On a terminal a table fits the window; when stdout is a file or a pipe
(a log, ``| less``, a notebook cell) there is no window, and rich would wrap every table at
80 columns, splitting dates over two lines: there the console is as wide as the table
needs (:func:`console`) and cells never wrap.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

#: Width of the console when stdout is not a terminal: wide enough for any table printed.
PLAIN_WIDTH = 400


def console() -> Console:
    """A console for stdout: the terminal's width, or no wrapping when not a terminal."""
    probe = Console()
    if probe.is_terminal:
        return probe
    return Console(width=PLAIN_WIDTH, no_color=True, highlight=False)


def _table(title: str) -> Table:
    return Table(title=title, title_justify="left", title_style="", expand=False)


def print_summary(results: Any, folder: Path) -> None:
    """A run's outcomes: probability, interval, median date and what each means."""
    from sim.output.dictionary import OUTCOME_MEANINGS, PRECEDENCE  # noqa: PLC0415

    scn = results.scenario
    table = _table(f"{scn.title}\n{results.n_runs:,} runs, seed {results.seed}, "
                   f"{scn.start} to {scn.end}")
    table.add_column("outcome", no_wrap=True)
    table.add_column("probability", justify="right", no_wrap=True)
    table.add_column("95% interval", justify="right", no_wrap=True)
    table.add_column("median date", justify="right", no_wrap=True)
    table.add_column("what it means")
    for o, row in results.probabilities().iterrows():
        when = (f"{row.median_date} (day {row.median_day:.0f})"
                if isinstance(row.median_date, str) else "-")
        table.add_row(str(o), f"{row.probability:.1%}",
                      f"{row.ci_low:.1%} to {row.ci_high:.1%}", when, OUTCOME_MEANINGS[str(o)])
    out = console()
    out.print(table)
    reached = results.summary["reached_talks"]["probability"]
    out.print(f"{PRECEDENCE} {reached:.1%} of runs reached talks at some point.",
              highlight=False)
    typer.echo(f"Results: {folder}\nReport:  {Path(folder) / 'report.html'}")


def print_comparison(cmp: Any) -> None:
    """A comparison: P(outcome) in A and B, the paired difference and the median dates."""
    table = _table(f"A: {cmp.label_a}\nB: {cmp.label_b}\n{cmp.a.n_runs:,} runs each, "
                   f"seed {cmp.a.seed}, common random numbers")
    for col in ("outcome", "A", "B", "B − A, 95% interval", "median date, A → B"):
        table.add_column(col, justify="left" if col == "outcome" else "right", no_wrap=True)
    start = cmp.a.scenario

    def when(day: float) -> str:
        return "-" if math.isnan(day) else start.date_of(round(day)).isoformat()

    for o, row in cmp.differences().iterrows():
        table.add_row(str(o), f"{row.p_a:.1%}", f"{row.p_b:.1%}",
                      f"{row.difference:+.1%} ({row.ci_low:+.1%} to {row.ci_high:+.1%})",
                      f"{when(row.median_day_a)} → {when(row.median_day_b)}")
    console().print(table)
    typer.echo(f"{cmp.changed():.1%} of runs end differently in B.")


def print_hindcast(result: Any) -> None:
    """The hindcast: each episode's simulated outcomes against the record, and the scores."""
    from sim.experiments.hindcast import LABELS, robustness_words  # noqa: PLC0415

    short = {"stalemate": "stale", "talks": "talks", "narrow_deal": "narrow",
             "broad_agreement": "broad", "talks_collapsed": "collapse",
             "escalation": "escal", "leader_removed": "removed", "deal_broken": "broken"}
    out = console()
    if out.is_terminal:
        out = Console(width=max(out.width, 160))
    table = _table(f"Hindcast: {result.runs:,} runs per episode")
    for col in ("episode", "recorded", "lag", *[short[lab] for lab in LABELS], "modal",
                "dir.", "day"):
        table.add_column(col, justify="left" if col in ("episode", "recorded", "modal")
                         else "right", no_wrap=True)
    for _, r in result.main.iterrows():
        lag = "-" if r["recorded_lag"] is None or r["recorded_lag"] != r["recorded_lag"] \
            else f"{int(r['recorded_lag'])}"
        day = "-" if r["simulated_day"] != r["simulated_day"] else f"{r['simulated_day']:.0f}"
        cells = [f"{r[f'p_{lab}']:.0%}" if r[f"p_{lab}"] else "." for lab in LABELS]
        table.add_row(r["episode"], r["recorded"], lag, *cells,
                      ("✓ " if r["modal_match"] else "✗ ") + short[r["modal"]],
                      "✓" if r["direction_match"] else "✗", day)
    out.print(table)
    s = result.scores
    lines = [
        f"modal outcome right: {s['modal_correct']}/{s['episodes']} "
        f"({s['modal_accuracy']:.0%}); direction right: {s['direction_correct']}/"
        f"{s['episodes']} ({s['direction_accuracy']:.0%})",
        f"Brier {s['brier']:.3f} (base rate {s['brier_base_rate']:.3f}, nothing changes "
        f"{s['brier_nothing_changes']:.3f}); skill vs base rate "
        f"{s['brier_skill_vs_base_rate']:+.0%}",
        f"log score {s['log_score']:.2f} (base rate {s['log_score_base_rate']:.2f}, nothing "
        f"changes {s['log_score_nothing_changes']:.2f})",
        f"AUC of P(settlement) {s['auc_settlement']:.2f}",
    ]
    if s.get("timing_episodes"):
        lines.append(f"timing: median simulated day off by {s['timing_mean_abs_error_days']:.0f}"
                     f" days on average ({s['timing_episodes']} episodes)")
    if s.get("alternatives"):
        lines.append(robustness_words(s))
    for line in lines:
        out.print(line, highlight=False)
