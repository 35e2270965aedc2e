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
