"""The three issues under negotiation and the issue-axis convention.

Every issue is a line from 0 to 1. By convention 0 is Caracas's ideal and 1 is Washington's:

- **drugs**: 0 no counter-narcotics cooperation .. 1 full cooperation (joint interdiction,
  extraditions);
- **oil**: 0 unconditional sanctions relief .. 1 oil only on US terms;
- **migration**: 0 no returns accepted .. 1 full cooperation on deportation flights and departures.

A deal is a point on the three lines; each government values it by the salience-weighted
distance from its own ideal point (see :mod:`sim.model.mechanisms.bargaining`).
"""

from __future__ import annotations

from enum import StrEnum


class Issue(StrEnum):
    """An issue on the table, as spelled in scenario files."""

    DRUGS = "drugs"
    OIL = "oil"
    MIGRATION = "migration"


#: The issues in their fixed order: index k of every per-issue array is ``ISSUES[k]``.
ISSUES: tuple[Issue, ...] = (Issue.DRUGS, Issue.OIL, Issue.MIGRATION)


class Track(StrEnum):
    """A track of negotiation: what a narrow deal can be about (``docs/validation.md`` E10).

    Three tracks have an issue axis of their own (drugs, oil, migration); the prisoners
    track (detained nationals, exchanges) and the political track (elections, transition,
    the leader's fate) do not.
    """

    PRISONERS = "prisoners"
    MIGRATION = "migration"
    OIL = "oil"
    DRUGS = "drugs"
    POLITICAL = "political"


#: The tracks in their fixed order: index j of every per-track array is ``TRACKS[j]``.
TRACKS: tuple[Track, ...] = (Track.PRISONERS, Track.MIGRATION, Track.OIL, Track.DRUGS,
                             Track.POLITICAL)

#: The issue axis of each track that has one.
TRACK_ISSUES: dict[Track, Issue] = {Track.DRUGS: Issue.DRUGS, Track.OIL: Issue.OIL,
                                    Track.MIGRATION: Issue.MIGRATION}


def tracks_on_table(scn) -> list[Track]:
    """The scenario's tracks on the table: ``talks.tracks``, or else the agenda's issues."""
    if scn.talks.tracks:
        return list(scn.talks.tracks)
    return [t for t, issue in TRACK_ISSUES.items() if issue in scn.talks.agenda]
