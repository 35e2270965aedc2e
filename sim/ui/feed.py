"""The page's story of a run: a feed that collapses repeats and pins the turning points.

Built on the account of :func:`sim.output.narrative.entries` (which tells every pressure,
choice and turning point of a run): this module only regroups it for a screen.

- Repeated events of one kind (a strike on a boat every few days) become one line, "12 boat
  strikes, 38 killed, 1–20 Oct", until a turning point breaks the series.
- The turning points of the eight outcomes' vocabulary (talks open, a deal, talks collapse,
  a deal broken, escalation, a leader removed) are pinned above the feed, so they never
  scroll away.
- :func:`key_moments` picks the three to five moments of a finished run for the
  end-of-run card; :func:`story_markdown` is the story as a Markdown file to download.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sim.model.pressures import CATALOGUE, PressureKind, PressureType
from sim.output.narrative import entries, narrative_markdown
from sim.output.story import Story
from sim.output.wording import Entry, cap, who

#: Turning points that are pinned, and what each is called in votes and the story.
PINNED: dict[str, str] = {
    "talks_open": "talks open",
    "agreement": "a deal",
    "narrow_deal": "a deal",
    "talks_break": "talks collapse",
    "walk_out": "talks collapse",
    "deal_broken": "a deal breaks",
    "escalation": "escalation",
    "leader_removed": "a leader removed",
}
#: Plural names of repeated events (others are counted as "3 × <description>").
PLURALS = {
    PressureType.BOAT_STRIKE: "boat strikes",
    PressureType.TANKER_SEIZURE: "tanker seizures",
    PressureType.COVERT_LAND_STRIKE: "covert strikes on land",
    PressureType.OVERT_LAND_STRIKE: "overt strikes on land",
    PressureType.PRISONER_SWAP: "prisoner releases",
    PressureType.DIALOGUE_OFFER: "offers of dialogue",
    PressureType.BOUNTY: "bounties or indictments",
    PressureType.TERRORIST_DESIGNATION: "terrorist designations",
    PressureType.RELIEF_OFFER: "offers of relief for a concession",
    PressureType.UNILATERAL_STEP: "steps taken alone on questions under negotiation",
}


@dataclass(frozen=True)
class FeedItem:
    """One line of the feed: an entry of the account, or several repeats of one event.

    Attributes:
        first: Day of the first entry it holds.
        last: Day of the last.
        kind: ``pressure``, ``action``, ``turning point`` or ``state of play``.
        text: What happened.
        why: What it did or why (the first repeat's explanation).
        count: How many entries it holds.
        pinned: Whether it is a turning point pinned above the feed.
        coercive: Whether it is coercion (for its colour), None if neither.
    """

    first: int
    last: int
    kind: str
    text: str
    why: str = ""
    count: int = 1
    pinned: bool = False
    coercive: bool | None = None


def _span(first: dt.date, last: dt.date) -> str:
    if first == last:
        return f"{first.day} {first:%b}"
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}–{last.day} {last:%b}"
    return f"{first.day} {first:%b} – {last.day} {last:%b}"


def _coercive(e: Entry) -> bool | None:
    if not e.tag:
        return None
    return float(e.tag.rsplit("Goldstein ", 1)[-1]) < 0


def feed_items(story: Story) -> list[FeedItem]:
    """The account regrouped for the page, oldest first.

    Repeats of one event (same type, sender and target) are collapsed into one item until
    a pinned turning point comes between them; only the latest state of play is kept.
    """
    told = entries(story)
    pressure_entries = [e for e in told if e.kind == "pressure"]
    # The account tells one pressure entry per firing, in order; pair them to know types.
    firing = dict(zip(map(id, pressure_entries), story.firings, strict=True)) \
        if len(pressure_entries) == len(story.firings) else {}
    # Likewise one turning-point entry per turning point, in order.
    turning = [e for e in told if e.kind == "turning point"]
    turning_kind = dict(zip(map(id, turning), (tp.kind for tp in story.turning_points),
                            strict=True)) if len(turning) == len(story.turning_points) else {}
    last_state = max((e.day for e in told if e.kind == "state of play"), default=-1)
    items: list[FeedItem] = []
    open_groups: dict[tuple[str, str, str], int] = {}  # key -> index into items
    deaths: dict[int, float] = {}
    for e in told:
        if e.kind == "state of play" and e.day != last_state:
            continue
        kind = e.kind
        pinned = False
        if kind == "turning point":
            pinned = turning_kind.get(id(e)) in PINNED
            if pinned:
                open_groups.clear()
        f = firing.get(id(e))
        if f is not None and CATALOGUE[f.type].kind is PressureKind.EVENT:
            key = (f.type.value, f.sender, f.target)
            if key in open_groups:
                k = open_groups[key]
                g = items[k]
                deaths[k] = deaths.get(k, 0.0) + f.deaths
                count = g.count + 1
                name = PLURALS.get(f.type, f"× {CATALOGUE[f.type].description}")
                killed = f", {deaths[k]:.0f} killed" if deaths[k] else ""
                span = _span(story.date(g.first), story.date(e.day))
                text = f"{cap(who(f.sender, story.scenario))}: {count} {name}{killed}, {span}."
                items[k] = FeedItem(g.first, e.day, kind, text, g.why, count, False, g.coercive)
                continue
            open_groups[key] = len(items)
            deaths[len(items)] = f.deaths
        items.append(FeedItem(e.day, e.day, kind, e.text, e.why, 1, pinned, _coercive(e)))
    return items


def pinned_items(items: list[FeedItem]) -> list[FeedItem]:
    """The pinned turning points, oldest first."""
    return [i for i in items if i.pinned]


def key_moments(story: Story, most: int = 5) -> list[tuple[dt.date, str, str]]:
    """Three to five key moments of a run, in order, for the end-of-run card.

    The pinned turning points first (talks, deals, collapses, escalation, a removal); if
    there are fewer than three, the longest series of repeated events and the other turning
    points fill in.
    """
    items = feed_items(story)
    chosen = pinned_items(items)[:most]
    if len(chosen) < 3:
        rest = [i for i in items if not i.pinned and i.kind != "state of play"]
        rest.sort(key=lambda i: (-i.count, i.kind != "turning point", i.first))
        chosen += rest[: 3 - len(chosen)]
    chosen.sort(key=lambda i: i.first)
    return [(story.date(i.first), i.text, i.why.split(". ")[0].rstrip(".") + "."
             if i.why else "") for i in chosen]


def story_markdown(story: Story, notes: list[str] | None = None) -> str:
    """The story of the run so far as Markdown: the account, with the page's notes on top."""
    text = narrative_markdown(story)
    if notes:
        head, _, rest = text.partition("\n\n")
        text = head + "\n\n" + "".join(f"> {n}\n" for n in notes) + "\n" + rest
    return text
