"""CAMEO event codes and Goldstein weights for everything that happens in a run.

Every pressure and every visible action is coded with the CAMEO event code an analyst would
give the news item, and scored with its Goldstein (1992) conflict-cooperation weight, from
-10 (most conflictual) to +10 (most cooperative). The running sum and the smoothed daily
score of those weights are the conflict-cooperation path the charts draw, on the scale that
event-data analysts already read.

Sources: Gerner, Schrodt, Yilmaz and Abu-Jabr (2002), *Conflict and Mediation Event
Observations (CAMEO)*; Goldstein (1992), "A Conflict-Cooperation Scale for WEIS Events
Data", *Journal of Conflict Resolution* 36(2); the CAMEO-to-Goldstein table distributed with
the GDELT event codebook.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EventCode:
    """A CAMEO event code, its label and its Goldstein weight."""

    code: str
    label: str
    goldstein: float


INTENT_TO_EASE_SANCTIONS = EventCode(
    "0354", "express intent to ease economic sanctions, boycott, or embargo", 7.0)
EXPRESS_INTENT_TO_NEGOTIATE = EventCode("036", "express intent to meet or negotiate", 4.0)
MEDIATE = EventCode("045", "mediate", 5.0)
ENGAGE_IN_NEGOTIATION = EventCode("046", "engage in negotiation", 7.0)
SIGN_AGREEMENT = EventCode("057", "sign formal agreement", 8.0)
MATERIAL_COOPERATION = EventCode("060", "engage in material cooperation", 6.0)
YIELD = EventCode("080", "yield", 5.0)
RELEASE_PERSONS = EventCode("084", "return, release", 7.0)
EASE_SANCTIONS = EventCode("085", "ease economic sanctions, boycott, or embargo", 7.0)
DE_ESCALATE = EventCode("087", "de-escalate military engagement", 9.0)
DEMAND_LEADERSHIP_CHANGE = EventCode("1041", "demand change in leadership", -5.0)
THREATEN_MILITARY_FORCE = EventCode("138", "threaten with military force", -7.0)
MOBILIZE_FORCES = EventCode("154", "mobilize or increase armed forces", -7.2)
REDUCE_RELATIONS = EventCode("160", "reduce relations", -4.0)
BREAK_RELATIONS = EventCode("161", "reduce or break diplomatic relations", -4.0)
HALT_NEGOTIATIONS = EventCode("164", "halt negotiations", -7.0)
REJECT_SETTLEMENT = EventCode("127", "reject plan, agreement to settle dispute", -5.0)
IMPOSE_SANCTIONS = EventCode("163", "impose embargo, boycott, or sanctions", -8.0)
ADMINISTRATIVE_SANCTIONS = EventCode("172", "impose administrative sanctions", -5.0)
ARREST_OR_CHARGE = EventCode("173", "arrest, detain, or charge with legal action", -5.0)
CONFISCATE_PROPERTY = EventCode("1711", "confiscate property", -9.2)
USE_MILITARY_FORCE = EventCode("190", "use conventional military force", -10.0)
BLOCKADE = EventCode("191", "impose blockade, restrict movement", -9.5)
AERIAL_WEAPONS = EventCode("195", "employ aerial weapons", -10.0)
