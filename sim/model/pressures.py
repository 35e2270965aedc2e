"""The catalogue of pressures: what each type of pressure does to the two governments.

This module is the one place to add a new kind of pressure. A pressure is either an
**event** (it happens on a day: a boat strike, a tanker seizure) or a **state** (it holds
over a window: oil sanctions, a blockade, a naval deployment). Its effect on the day it
happens (events) or starts (states), per unit of the scenario's ``intensity``, is:

- ``pain``: for events, a one-off economic shock to the target's sanction pain; for states,
  the daily exposure level the target's pain relaxes toward while the state holds (relief is
  negative exposure). Pain is dulled by the target's adaptation (see :mod:`sim.model.model`).
- ``hostility``: a shock to the target's Richardson hostility (negative for goodwill), plus
  ``hostility_per_death`` for each death the event causes.
- ``resolve``: a rise in the target's estimate of the sender's resolve, that is, in the
  credibility of the sender's threat to fight (Schelling 1966; George 1991).
- ``resolve_floor``: for states, a floor under that estimate while the state holds (a fleet
  offshore keeps the threat credible).
- ``sender_commitment``/``target_commitment``: public commitment that raises the audience
  cost of backing down (Fearon 1994); a bounty on a leader commits the *target*, whose
  leader can no longer step aside safely.
- ``signal``: a signal of openness received by the target, which raises its readiness to
  talk.
- ``mediation``: for states, the strength of third-party mediation, which lowers the bar
  for opening talks (Bercovitch 1997; Beardsley 2011).
- ``presence``: for states, military forces in proximity, which raise the daily hazard of
  an incident (a clash at sea, a shoot-down): Schelling's "threat that leaves something to
  chance" (1960, ch. 8).
- ``escalates``: the pressure is itself a rupture step (a strike on land, a blockade): on
  the day it happens or starts the run escalates, for the cause given.
- ``exit_demand``: for states, a demand that the target's leader leave (or the recognition
  of a rival government) while it stands (``docs/model.md`` §3.10).
- ``offer``: for events, relief offered in exchange for a concession on the pressure's
  ``track``: a payment inside a narrow deal on that track (§3.11).
- ``shortfall``: for events, a side falling short, on the question of the pressure's
  ``track``, of what a deal linked to that track asked (a step taken alone, A9): it adds to
  the grievance that breaks deals (§3.12), where a deal in force is linked to the track.
- ``relief``, ``flights_paused``, ``flights_resumed``: what moves the status quo on oil and
  migration (§3.15).
- ``seizure``, ``tariff``: a tanker seized, and tariffs on the buyers of Venezuelan oil in
  force, which make oil buyers outside the sanctions back off (§3.16).
- ``buyers_dull``: oil buyers outside the sanctions (a third party with the ``oil_buyer``
  role) remove a share of this pressure's pain, because they keep buying.

Every pressure carries its CAMEO code and Goldstein weight (:mod:`sim.model.cameo`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sim.model import cameo
from sim.model.cameo import EventCode
from sim.model.issues import Issue
from sim.model.outcomes import EscalationCause


class PressureKind(StrEnum):
    """Whether a pressure happens on a day or holds over a window."""

    EVENT = "event"
    STATE = "state"


class PressureType(StrEnum):
    """The types of pressure a scenario timeline can hold, as spelled in scenario files."""

    OIL_SANCTIONS = "oil_sanctions"
    FINANCIAL_SANCTIONS = "financial_sanctions"
    SECONDARY_TARIFFS = "secondary_tariffs"
    BOAT_STRIKE = "boat_strike"
    COVERT_LAND_STRIKE = "covert_land_strike"
    OVERT_LAND_STRIKE = "overt_land_strike"
    TANKER_SEIZURE = "tanker_seizure"
    BLOCKADE = "blockade"
    TERRORIST_DESIGNATION = "terrorist_designation"
    BOUNTY = "bounty"
    NAVAL_DEPLOYMENT = "naval_deployment"
    SANCTIONS_RELIEF = "sanctions_relief"
    PRISONER_SWAP = "prisoner_swap"
    DEPORTATION_FLIGHTS_PAUSED = "deportation_flights_paused"
    DEPORTATION_FLIGHTS_RESUMED = "deportation_flights_resumed"
    DIALOGUE_OFFER = "dialogue_offer"
    MEDIATION = "mediation"
    EXIT_DEMAND = "exit_demand"
    RELIEF_OFFER = "relief_offer"
    UNILATERAL_STEP = "unilateral_step"


@dataclass(frozen=True)
class PressureEffect:
    """What one unit of a pressure type does; see the module docstring for each field."""

    kind: PressureKind
    event: EventCode
    issue: Issue | None
    description: str
    pain: float = 0.0
    hostility: float = 0.0
    hostility_per_death: float = 0.0
    resolve: float = 0.0
    resolve_floor: float = 0.0
    sender_commitment: float = 0.0
    target_commitment: float = 0.0
    signal: float = 0.0
    mediation: float = 0.0
    presence: float = 0.0
    deaths: float = 0.0
    escalates: EscalationCause = EscalationCause.NONE
    buyers_dull: bool = False
    exit_demand: float = 0.0
    offer: float = 0.0
    relief: float = 0.0
    flights_paused: float = 0.0
    flights_resumed: float = 0.0
    seizure: bool = False
    tariff: float = 0.0
    shortfall: float = 0.0


EVENT = PressureKind.EVENT
STATE = PressureKind.STATE

#: Effects per unit intensity. Magnitudes are on the model's scales: pain and exposure in
#: [0, 1], hostility with the escalation threshold at 1 by default, resolve in [0, 1].
CATALOGUE: dict[PressureType, PressureEffect] = {
    PressureType.OIL_SANCTIONS: PressureEffect(
        STATE, cameo.IMPOSE_SANCTIONS, Issue.OIL, "oil sanctions",
        pain=0.25, hostility=0.05, resolve=0.02, sender_commitment=0.5, buyers_dull=True),
    PressureType.FINANCIAL_SANCTIONS: PressureEffect(
        STATE, cameo.IMPOSE_SANCTIONS, Issue.OIL, "financial sanctions",
        pain=0.15, hostility=0.03, resolve=0.02, sender_commitment=0.3),
    PressureType.SECONDARY_TARIFFS: PressureEffect(
        STATE, cameo.IMPOSE_SANCTIONS, Issue.OIL, "secondary tariffs on buyers of its oil",
        pain=0.10, hostility=0.02, resolve=0.02, sender_commitment=0.3, buyers_dull=True,
        tariff=1.0),
    PressureType.BOAT_STRIKE: PressureEffect(
        EVENT, cameo.AERIAL_WEAPONS, Issue.DRUGS, "strike on a boat",
        hostility=0.03, hostility_per_death=0.003, resolve=0.01, sender_commitment=0.1,
        deaths=3.4),
    PressureType.COVERT_LAND_STRIKE: PressureEffect(
        EVENT, cameo.AERIAL_WEAPONS, Issue.DRUGS, "covert strike on land",
        pain=0.05, hostility=0.15, resolve=0.10, sender_commitment=0.5,
        escalates=EscalationCause.COVERT_STRIKE),
    PressureType.OVERT_LAND_STRIKE: PressureEffect(
        EVENT, cameo.USE_MILITARY_FORCE, Issue.DRUGS, "overt military strike on land",
        pain=0.10, hostility=0.50, resolve=0.30, sender_commitment=2.0,
        escalates=EscalationCause.OVERT_STRIKE),
    PressureType.TANKER_SEIZURE: PressureEffect(
        EVENT, cameo.CONFISCATE_PROPERTY, Issue.OIL, "seizure of an oil tanker",
        pain=0.08, hostility=0.08, resolve=0.05, sender_commitment=0.3, seizure=True),
    PressureType.BLOCKADE: PressureEffect(
        STATE, cameo.BLOCKADE, Issue.OIL, "blockade of oil shipments",
        pain=0.50, hostility=0.15, resolve=0.15, resolve_floor=0.3, sender_commitment=1.0,
        presence=1.0, escalates=EscalationCause.BLOCKADE),
    PressureType.TERRORIST_DESIGNATION: PressureEffect(
        EVENT, cameo.ADMINISTRATIVE_SANCTIONS, Issue.DRUGS, "terrorist designation",
        hostility=0.05, resolve=0.05, sender_commitment=1.0, target_commitment=0.3),
    PressureType.BOUNTY: PressureEffect(
        EVENT, cameo.ARREST_OR_CHARGE, Issue.DRUGS, "bounty or indictment of the leadership",
        hostility=0.06, resolve=0.03, sender_commitment=0.5, target_commitment=0.5),
    PressureType.NAVAL_DEPLOYMENT: PressureEffect(
        STATE, cameo.MOBILIZE_FORCES, Issue.DRUGS, "naval deployment offshore",
        hostility=0.05, resolve=0.15, resolve_floor=0.25, sender_commitment=0.5,
        presence=1.0),
    PressureType.SANCTIONS_RELIEF: PressureEffect(
        STATE, cameo.EASE_SANCTIONS, Issue.OIL, "sanctions relief or licence",
        pain=-0.20, hostility=-0.05, signal=0.5, relief=1.0),
    PressureType.PRISONER_SWAP: PressureEffect(
        EVENT, cameo.RELEASE_PERSONS, Issue.MIGRATION, "prisoner release or swap",
        hostility=-0.08, signal=1.0),
    PressureType.DEPORTATION_FLIGHTS_PAUSED: PressureEffect(
        STATE, cameo.REDUCE_RELATIONS, Issue.MIGRATION, "deportation flights paused",
        pain=0.05, hostility=0.03, flights_paused=1.0),
    PressureType.DEPORTATION_FLIGHTS_RESUMED: PressureEffect(
        EVENT, cameo.MATERIAL_COOPERATION, Issue.MIGRATION, "deportation flights resumed",
        hostility=-0.03, signal=0.5, flights_resumed=1.0),
    PressureType.DIALOGUE_OFFER: PressureEffect(
        EVENT, cameo.EXPRESS_INTENT_TO_NEGOTIATE, None, "public offer of dialogue",
        hostility=-0.02, signal=1.5),
    PressureType.MEDIATION: PressureEffect(
        STATE, cameo.MEDIATE, None, "third-party mediation",
        signal=0.5, mediation=1.0),
    PressureType.EXIT_DEMAND: PressureEffect(
        STATE, cameo.DEMAND_LEADERSHIP_CHANGE, None,
        "demand that the leader leave power (or recognition of a rival government)",
        hostility=0.10, sender_commitment=1.0, target_commitment=1.0, exit_demand=1.0),
    PressureType.RELIEF_OFFER: PressureEffect(
        EVENT, cameo.INTENT_TO_EASE_SANCTIONS, Issue.OIL,
        "offer of sanctions relief in exchange for a concession", hostility=-0.02,
        signal=0.5, offer=1.0),
    PressureType.UNILATERAL_STEP: PressureEffect(
        EVENT, cameo.REJECT_SETTLEMENT, None,
        "step taken alone on a question under negotiation", hostility=0.05, shortfall=1.0),
}
