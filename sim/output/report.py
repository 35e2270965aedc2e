"""``report.html``: a results folder on one self-contained page.

What a student hands in and an instructor opens: the outcomes with what each means, the
charts (PNG files inlined as base64 ``data:`` URIs), the key moments of run 0, the scenario
as run and the manifest. Everything is in the one file, with no script, font or style
sheet fetched from anywhere, so it opens offline and survives being e-mailed.

The page is built from the folder's files alone (:func:`report_html`), so the report a run
writes and the one ``dipsim report FOLDER`` rebuilds are the same page.
"""

from __future__ import annotations

import base64
import html
import json
import re
from pathlib import Path
from typing import Any

from sim.output.dictionary import OUTCOME_MEANINGS, PRECEDENCE

#: The report's file name in a results folder.
REPORT = "report.html"

#: The charts of a results folder, in the report's order, with how to read each.
CHART_CAPTIONS: dict[str, str] = {
    "path.png": "The path toward talks or escalation. Below 0 the day's events are conflict, "
                "above 0 cooperation (Goldstein points per day, smoothed). The blue fan holds "
                "the middle 50% and 90% of the runs still going on; thin lines are single runs "
                "coloured by how they ended. The strip below the chart shows the scenario's "
                "pressures: red coercive, green conciliatory.",
    "outcomes.png": "How likely each outcome is, with its 95% interval (left), and the share "
                    "of runs that had reached talks, a deal, escalation or a removal by each "
                    "date, whatever came after (right).",
    "hostility.png": "Each government's hostility: median, middle 50% and 90% of runs. "
                     "Crossing the escalation line counts as escalation; above the other line "
                     "talks break off.",
    "offers.png": "What each government asks on each issue, from 0 (Caracas's ideal) to 1 "
                  "(Washington's). Before talks these are opening demands; at the table each "
                  "side concedes.",
}

_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 60rem;
       margin: 2rem auto; padding: 0 1rem; color: #222; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; } h2 { margin-top: 2.2rem;
     border-bottom: 1px solid #ccc; padding-bottom: 0.2rem; }
.meta { color: #555; } table { border-collapse: collapse; margin: 0.8rem 0; }
th, td { border: 1px solid #ccc; padding: 0.3rem 0.6rem; text-align: left;
         vertical-align: top; }
td.num { text-align: right; white-space: nowrap; } figure { margin: 1.2rem 0; }
img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #444; font-size: 0.92rem; }
pre { background: #f6f6f6; padding: 0.8rem; overflow-x: auto; font-size: 0.82rem; }
.swatch { display: inline-block; width: 0.8em; height: 0.8em; margin-right: 0.4em; }
"""


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _inline_markdown(text: str) -> str:
    """One line of the account's markdown as HTML: escaped, with **bold** and `code`."""
    out = html.escape(text, quote=False)
    out = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", out)
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", out)


def markdown_section(text: str, heading: str) -> str:
    """The body of the ``## heading`` section of a markdown text ("" if it has none)."""
    match = re.search(rf"^## {re.escape(heading)}\s*$(.*?)(?=^## |\Z)", text, re.M | re.S)
    return match.group(1).strip() if match else ""


def markdown_to_html(text: str) -> str:
    """The little markdown the account is written in (paragraphs, lists, bold) as HTML."""
    out: list[str] = []
    in_list = False
    for block in text.split("\n"):
        line = block.rstrip()
        if line.startswith("- "):
            if not in_list:
                out.append("<ul>")
                in_list = True
            out.append(f"<li>{_inline_markdown(line[2:])}</li>")
            continue
        if in_list:
            out.append("</ul>")
            in_list = False
        if line.startswith("### "):
            out.append(f"<h3>{_inline_markdown(line[4:])}</h3>")
        elif line:
            out.append(f"<p>{_inline_markdown(line)}</p>")
    if in_list:
        out.append("</ul>")
    return "\n".join(out)


def _outcome_table(summary: dict[str, Any]) -> str:
    from sim.output.palette import OUTCOME_COLOURS  # noqa: PLC0415 - a leaf of this layer

    rows = ["<table><thead><tr><th>outcome</th><th>what it means</th><th>probability</th>"
            "<th>95% interval</th><th>median date</th></tr></thead><tbody>"]
    for label, o in summary.get("outcomes", {}).items():
        lo, hi = o.get("ci95") or (float("nan"), float("nan"))
        swatch = (f'<span class="swatch" style="background:{OUTCOME_COLOURS[label]}">'
                  "</span>")
        rows.append(f"<tr><td>{swatch}{html.escape(label.replace('_', ' '))}</td>"
                    f"<td>{html.escape(OUTCOME_MEANINGS.get(label, ''))}</td>"
                    f"<td class=num>{o['probability']:.1%}</td>"
                    f"<td class=num>{lo:.1%} to {hi:.1%}</td>"
                    f"<td class=num>{html.escape(o.get('median_date') or '–')}</td></tr>")
    rows.append("</tbody></table>")
    return "\n".join(rows)


def _figure(name: str, png: bytes) -> str:
    data = base64.b64encode(png).decode("ascii")
    caption = CHART_CAPTIONS.get(name, "")
    return (f'<figure id="{html.escape(name)}"><img src="data:image/png;base64,{data}" '
            f'alt="{html.escape(caption or name)}"><figcaption><strong>{html.escape(name)}'
            f"</strong>: {html.escape(caption)}</figcaption></figure>")


def report_html(folder: str | Path, manifest: dict[str, Any] | None = None,
                images: dict[str, bytes] | None = None) -> str:
    """The report of a results folder, as one self-contained HTML page.

    Args:
        folder: The results folder; its ``summary.json``, ``narrative.md``,
            ``scenario.yaml`` and chart PNGs are read.
        manifest: The manifest to show (default: the folder's ``manifest.json``). Its
            ``files`` checksums are left out: they cover this report.
        images: Chart PNGs by file name, for charts not in the folder (drawn in memory).

    Returns:
        The HTML text.
    """
    folder = Path(folder)
    summary = _read_json(folder / "summary.json")
    if manifest is None:
        manifest = _read_json(folder / "manifest.json")
    shown = {k: v for k, v in manifest.items() if k != "files"}
    pngs = {name: (folder / name).read_bytes() for name in CHART_CAPTIONS
            if (folder / name).is_file()}
    pngs.update(images or {})
    narrative = (folder / "narrative.md").read_text(encoding="utf-8") \
        if (folder / "narrative.md").is_file() else ""
    scenario = (folder / "scenario.yaml").read_text(encoding="utf-8") \
        if (folder / "scenario.yaml").is_file() else ""
    title = summary.get("title", folder.name)
    talks = summary.get("reached_talks", {})
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}: dipsim report</title><style>{_STYLE}</style>"
        "</head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f'<p class="meta">Scenario <code>{html.escape(str(summary.get("scenario", "")))}'
        f'</code>: {summary.get("runs", 0):,} runs, seed {summary.get("seed", "")}, '
        f'{summary.get("start", "")} to {summary.get("end", "")}. Made by dipsim '
        f'{html.escape(str(manifest.get("dipsim", "")))} on '
        f'{html.escape(str(manifest.get("created", "")))}.</p>',
        "<h2>How the runs ended</h2>",
        "<p>Each run of the simulation is one possible course of events; the same scenario "
        "run many times with different random draws gives a probability for each "
        f"outcome. {html.escape(PRECEDENCE)}</p>",
        _outcome_table(summary),
    ]
    if talks:
        reached = talks.get("probability", 0.0)
        only = summary.get("outcomes", {}).get("talks", {}).get("probability", 0.0)
        more = (" That is more than the share whose outcome is <em>talks</em>: a run that "
                "reached talks and then got a deal, saw talks collapse or escalated counts "
                "under that later outcome." if reached > only else "")
        parts.append(f"<p>{reached:.1%} of runs reached talks at some point.{more}</p>")
    parts.append("<h2>Charts</h2>")
    if pngs:
        parts += [_figure(name, pngs[name]) for name in CHART_CAPTIONS if name in pngs]
    else:
        parts.append("<p>No charts: the run was made with <code>--no-charts</code>. "
                     "<code>dipsim report FOLDER</code> draws them into the report.</p>")
    ends = markdown_section(narrative, "How it ends")
    moments = markdown_section(narrative, "Key moments")
    parts.append("<h2>One run, told: key moments of run 0</h2>")
    if ends or moments:
        parts += ["<p>Run 0 is one run among the many above; other runs differ.</p>",
                  markdown_to_html(ends), markdown_to_html(moments),
                  "<p>The full account, day by day, is in <code>narrative.md</code>.</p>"]
    else:
        parts.append("<p>(No account of run 0 in this folder.)</p>")
    parts += [
        "<h2>The scenario as run</h2>",
        "<p>Every default filled in: <code>dipsim run scenario.yaml --runs N --seed S</code> "
        "in this folder reproduces the results.</p>",
        f"<pre>{html.escape(scenario, quote=False)}</pre>",
        "<h2>Manifest</h2>",
        "<p>What made these results (the checksums of the files are in "
        "<code>manifest.json</code>; <code>README.md</code> describes every file and "
        "column).</p>",
        f"<pre>{html.escape(json.dumps(shown, indent=2, default=str), quote=False)}</pre>",
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"
