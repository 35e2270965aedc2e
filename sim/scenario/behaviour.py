"""The behaviour of both governments: rates, noise, decision weights and mechanisms.

Shared by the two governments, these are the parameters of ``docs/model.md`` §4.5–§4.8 and
of the mechanisms of model v2 (§3.10–§3.16): what a demand that the leader leave does
(Bueno de Mesquita et al. 2003), narrow deals on tracks (Sebenius 1983; Putnam 1988),
conditional relief (Axelrod 1984; Keohane 1986), compliance and snapback (Downs, Rocke and
Barsoom 1996), choosing force and its legal costs (Fearon 1995; Powell 2006), hardliners at
home (Putnam 1988; Fearon 1994), a status quo that moves, and third parties that act. Every
field has its default, range and meaning; most are judgement, some are fitted (§4.11).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StrictBool, field_validator

from sim.model.issues import Track
from sim.scenario.fields import Fraction, NonNegative, Number, Positive, Section

__all__ = ["ActionWeights", "Behaviour", "Compliance", "Factions", "Force",
           "ReadinessWeights", "StatusQuoMoves", "Survival", "ThirdPartyRules", "TrackValue",
           "Tracks"]


class ReadinessWeights(Section):
    """Weights of the readiness-to-talk score (log-odds per unit; ``docs/model.md`` §3.5, §4.6).

    The signs are fixed by the model; only the magnitudes are parameters.
    """

    pain: NonNegative = Field(7.0, description="w_p: per unit of pain D_i")
    surplus: NonNegative = Field(2.0, description="w_s: per unit of the bargaining range S")
    hostility: NonNegative = Field(1.0, description="w_h: per unit of own hostility H_i "
                                                    "(subtracted)")
    commitment: NonNegative = Field(0.3, description="w_c: per unit of audience cost times "
                                                     "public commitment (subtracted)")
    signal: NonNegative = Field(0.5, description="w_o: per unit of openness signal received")
    mediation: NonNegative = Field(1.0, description="w_m: per unit of mediation M")


#: The baseline utility of an action, relative to holding.
Bias = Annotated[Number, Field(ge=-50, le=50)]


class ActionWeights(Section):
    """Utilities of the daily actions, relative to holding (utility 0; ``docs/model.md`` §4.7).

    Each action's utility is its bias plus its weights times the state they multiply
    (§3.7); the negative biases make *hold* the usual daily action.
    """

    escalate_bias: Bias = Field(-4.0, description="w^e_0: baseline utility of escalating")
    escalate_hostility: NonNegative = Field(
        3.0, description="w^e_H: escalate, per unit of own hostility")
    escalate_war: NonNegative = Field(
        4.0, description="w^e_W: escalate, per unit of war value over the other's offer")
    de_escalate_bias: Bias = Field(
        -4.5, description="w^d_0: baseline utility of de-escalating")
    de_escalate_pain: NonNegative = Field(
        2.0, description="w^d_D: de-escalate, per unit of pain")
    de_escalate_readiness: NonNegative = Field(
        2.0, description="w^d_R: de-escalate, per unit of readiness")
    de_escalate_hostility: NonNegative = Field(
        2.0, description="w^d_H: de-escalate, per unit of hostility (subtracted)")
    signal_bias: Bias = Field(
        -6.0, description="w^s_0: baseline utility of signalling openness")
    signal_readiness: NonNegative = Field(
        9.0, description="w^s_R: signal openness, per unit of readiness")
    signal_survival: NonNegative = Field(
        8.0, description="w^s_T: signal openness, per coercive measure received today "
                         "times the chance that the other side's force would remove one's "
                         "leader")
    concede_bias: Bias = Field(-5.5, description="w^c_0: baseline utility of conceding")
    concede_readiness: NonNegative = Field(
        3.0, description="w^c_R: concede, per unit of readiness")
    retaliate_bias: Bias = Field(-4.5, description="w^r_0: baseline utility of retaliating")
    retaliate_shock: NonNegative = Field(
        20.0, description="w^r_P: retaliate, per unit of hostility shock received from "
                          "pressures today")
    force_bias: Bias = Field(-12.0, description="w^f_0: baseline utility of using force on "
                             "land")
    force_war: NonNegative = Field(6.0, description="w^f_W: use force, per unit of war value "
                                   "over the other's offer")
    force_removal: NonNegative = Field(
        6.0, description="w^f_E: use force, per unit of the chance that force removes a leader "
                         "whose exit one demands")
    force_commitment: NonNegative = Field(
        2.0, description="w^f_C: use force, per unit of audience cost times public commitment "
                         "(backing down costs more the more one has staked in public)")
    force_legal: NonNegative = Field(8.0, description="w^f_L: use force, per unit of the "
                                     "legal and evidentiary cost already borne (subtracted)")
    rupture_bias: Bias = Field(-8.0, description="w^b_0: baseline utility of breaking "
                               "diplomatic relations")
    rupture_demand: NonNegative = Field(
        1.0, description="w^b_E: break relations, per unit of the exit demand one faces")
    rupture_onset: NonNegative = Field(
        9.0, description="w^b_N: break relations, per unit of exit demand made today (a "
                         "rival government recognised, a demand that the leader go)")
    rupture_provocation: NonNegative = Field(
        1.0, description="w^b_P: break relations, per coercive measure received today")
    walk_out_bias: Bias = Field(-6.0, description="w^w_0: baseline utility of walking out "
                                "of talks")
    walk_out_provocation: NonNegative = Field(
        7.0, description="w^w_P: walk out, per coercive measure received today (new "
                         "sanctions, an extradition, an indictment, a strike)")
    walk_out_hostility: NonNegative = Field(
        3.0, description="w^w_H: walk out, per unit of own hostility")
    walk_out_readiness: NonNegative = Field(
        3.0, description="w^w_R: walk out, per unit of readiness (subtracted)")
    walk_out_shown_force: NonNegative = Field(
        14.0, description="w^w_S: walk out, per unit of the chance that force already shown "
                          "would remove one's leader, where his exit is not demanded "
                          "(subtracted; docs/model.md §3.10)")


class Survival(Section):
    """What a demand that the other side's leader leave does (``docs/model.md`` §3.10).

    A leader facing such a demand values survival above any issue, and what he would
    concede is worth little to the demander while it stands (Bueno de Mesquita et al.
    2003; Sechser 2011 on compellent threats; Goemans 2000 on leaders' fates).
    """

    range_penalty: NonNegative = Field(
        0.5, description="delta_E: bargaining range (US utility) lost while an exit demand "
                         "stands")
    track_discount: Fraction = Field(
        0.7, description="omega_E: share of the demander's value of a narrow deal lost "
                         "while its exit demand stands")
    signal_discount: Fraction = Field(
        0.8, description="Share of the target's openness signals the demander discounts "
                         "while its exit demand stands")
    shown_force_half_life: Positive = Field(
        180.0, description="Days over which the threat of force already shown on a "
                           "leader's soil (initial.force_shown, a strike on land, force "
                           "chosen) falls by half (docs/model.md §3.10)")


class TrackValue(Section):
    """What a narrow deal on one track is worth to each government, before costs."""

    us: Annotated[Number, Field(ge=-10, le=10)] = Field(description="Value to the US")
    venezuela: Annotated[Number, Field(ge=-10, le=10)] = Field(
        description="Value to Venezuela")


#: The default values of a narrow deal on each track (judgement, docs/model.md §4.12):
#: prisoners are worth something to both (the record's fastest deals); a migration, drugs
#: or oil deal costs one side and needs a payment; the political track (elections, a
#: transition) threatens the leader's survival.
TRACK_VALUES: dict[Track, tuple[float, float]] = {
    Track.PRISONERS: (0.30, 0.20),
    Track.MIGRATION: (0.25, -0.10),
    Track.OIL: (-0.10, 0.30),
    Track.DRUGS: (0.30, -0.25),
    Track.POLITICAL: (0.60, -0.80),
}


def _track_values() -> dict[Track, TrackValue]:
    return {t: TrackValue(us=u, venezuela=v) for t, (u, v) in TRACK_VALUES.items()}


class Tracks(Section):
    """Narrow deals on tracks, and relief offered as payment (``docs/model.md`` §3.11).

    A narrow deal on one track closes, while the wider conflict goes on, when both sides
    gain from it net of their costs at home (Sebenius 1983 on issue linkage; Putnam 1988);
    relief offered *for* a concession is a payment inside the deal (Axelrod 1984; Keohane
    1986 on specific reciprocity).
    """

    closing_rate: Fraction = Field(
        0.05, description="kappa: daily hazard that a deal both sides gain from closes, at "
                          "full engagement")
    hostility_cost: NonNegative = Field(
        0.3, description="Cost at home of a deal per unit of one's own hostility")
    hardliner_cost: NonNegative = Field(
        0.3, description="Cost at home of a deal per unit of hardliners' support above its "
                         "start")
    commitment_cost: NonNegative = Field(
        0.02, description="Cost at home of a deal per unit of audience cost times public "
                          "commitment")
    offer_value: NonNegative = Field(
        0.3, description="Payment a relief offer on a track adds to the target's value of "
                         "that track, per unit of intensity")
    offer_decay: Fraction = Field(0.01, description="Daily decay of an offer's payment")
    values: dict[Track, TrackValue] = Field(
        default_factory=_track_values, description="Value of a narrow deal on each track "
                                                   "to each government, before costs; a "
                                                   "track left out keeps its default")

    @field_validator("values", mode="before")
    @classmethod
    def _every_track(cls, v: object) -> object:
        """Tracks and sides left out keep their defaults (so ``--set`` can set one value)."""
        if not isinstance(v, dict):
            return v
        out: dict[object, object] = {t.value: {"us": u, "venezuela": w}
                                     for t, (u, w) in TRACK_VALUES.items()}
        for key, value in v.items():
            name = key.value if isinstance(key, Track) else key
            base = out.get(name)
            if isinstance(value, dict) and isinstance(base, dict):
                out[name] = {**base, **value}
            else:
                out[name] = value
        return out


#: The default daily hazards that a deal in force breaks (judgement, docs/model.md §4.12):
#: a prisoner exchange is carried out at once and cannot break.
BREAK_RATES: dict[Track, float] = {Track.PRISONERS: 0.0, Track.MIGRATION: 0.002,
                                   Track.OIL: 0.0015, Track.DRUGS: 0.002, Track.POLITICAL: 0.003}


class Compliance(Section):
    """How deals in force break: defection and snapback (``docs/model.md`` §3.12).

    A deal is implemented over time and either side may fall short; the other then
    reimposes what it gave (Downs, Rocke and Barsoom 1996 on compliance; Drezner 1999 on
    the sanctions paradox).
    """

    break_rates: dict[Track, Fraction] = Field(
        default_factory=lambda: dict(BREAK_RATES),
        description="Daily hazard that a deal in force on each track breaks, with no "
                    "hostility; a track left out keeps its default")
    hostility_factor: NonNegative = Field(
        1.0, description="The hazard is multiplied by exp(factor x (H_US + H_VE))")
    reciprocity: NonNegative = Field(
        1.0, description="rho: daily break hazard that a unit of grievance adds to every "
                         "deal that can break; a grievance is what one side withdrew of what "
                         "it gave the other (relief revoked or lapsed, flights stopped): "
                         "specific reciprocity, Keohane 1986")
    grievance_decay: Fraction = Field(
        0.2, description="delta: share of a grievance that fades each day")
    shortfall: NonNegative = Field(
        1.0, description="sigma: grievance that a step taken alone (unilateral_step) of "
                         "intensity 1 adds where a deal in force is linked to its track "
                         "(the deal on that track, or any deal of a package on "
                         "talks.tracks): a condition unmet, answered as a withdrawal")

    @field_validator("break_rates")
    @classmethod
    def _every_track(cls, v: dict[Track, float]) -> dict[Track, float]:
        return {**BREAK_RATES, **v}


class Force(Section):
    """The legal and evidentiary costs of force (``docs/model.md`` §3.13)."""

    legal_cost_per_death: NonNegative = Field(
        0.004, description="Legal and evidentiary cost to the striker per death in strikes "
                           "(on boats, on land) whose lawfulness is disputed")
    legal_decay: Fraction = Field(0.005, description="Daily decay of the legal cost")


class Factions(Section):
    """Hardliners at home: support that moves with pressure (``docs/model.md`` §3.14).

    Hostility rallies support round the flag; sanction pain splits elites; hardliners
    narrow the win-set (Putnam 1988) and make deals costly (Fearon 1994).
    """

    response: Fraction = Field(0.05, description="Daily rate hardliners' support moves to "
                                                 "its target")
    rally: NonNegative = Field(2.0, description="Log-odds of hardliners' support per unit of "
                                                "hostility")
    defection: NonNegative = Field(3.0, description="Log-odds lost per unit of sanction pain "
                                                    "(elite defection)")
    winset_narrowing: Fraction = Field(
        0.5, description="Share of the win-set that hardliners' support above its start "
                         "takes away")


class StatusQuoMoves(Section):
    """How events move the status quo on their issue (``docs/model.md`` §3.15)."""

    relief: Fraction = Field(0.3, description="Oil status quo moved toward Caracas per unit "
                                              "of relief in force")
    flights: Fraction = Field(0.4, description="Migration status quo moved toward Caracas per "
                                               "unit of deportation flights paused")
    deals: StrictBool = Field(True, description="A deal on a track moves that issue's status "
                                                "quo to its terms")


class ThirdPartyRules(Section):
    """How third parties act (``docs/model.md`` §3.16)."""

    buyer_seizure_response: NonNegative = Field(
        0.15, description="Share of an oil buyer's purchases lost per tanker seizure "
                          "(the shadow fleet backs off)")
    buyer_tariff_response: NonNegative = Field(
        0.3, description="Share of an oil buyer's purchases lost per unit of secondary "
                         "tariffs in force")
    producer_strike_response: NonNegative = Field(
        0.003, description="Share of a producer's cooperation lost per death in strikes "
                           "(regional backlash)")
    mediation_refusal: Positive = Field(
        0.7, description="Hostility at which a government refuses a mediator")
    mediator_initiative: Fraction = Field(
        0.3, description="Readiness both sides must reach before a declared mediator with no "
                         "mediation on the timeline offers its own")


class Behaviour(Section):
    """Rates, noise and decision weights shared by both governments."""

    hostility_noise: Annotated[NonNegative, Field(le=1)] = Field(
        0.02, description="Standard deviation of the daily hostility shock")
    incident_rate: Annotated[NonNegative, Field(le=1)] = Field(
        0.001, description="Daily hazard of an incident with no forces in proximity")
    incident_presence: Annotated[NonNegative, Field(le=1)] = Field(
        0.01, description="Added daily hazard per unit of military presence")
    incident_size: Annotated[NonNegative, Field(le=10)] = Field(
        0.2, description="Mean hostility jump of an incident, to both sides (exponential)")
    pain_response: Fraction = Field(0.05, description="Daily rate pain moves to exposure")
    readiness_response: Fraction = Field(0.1, description="Daily rate readiness moves to "
                                                          "its target")
    resolve_decay: Fraction = Field(0.02, description="Daily decay of resolve estimates")
    commitment_decay: Fraction = Field(0.01, description="Daily decay of public commitment")
    signal_decay: Fraction = Field(0.05, description="Daily decay of openness signals")
    index_halflife_days: Annotated[Positive, Field(le=365)] = Field(
        14.0, description="Half-life of the conflict-cooperation index")
    readiness: ReadinessWeights = Field(default_factory=ReadinessWeights,
                                        description="Weights of readiness to talk")
    actions: ActionWeights = Field(default_factory=ActionWeights,
                                   description="Utilities of the daily actions")
    survival: Survival = Field(default_factory=Survival,
                               description="What a demand that the leader leave does")
    tracks: Tracks = Field(default_factory=Tracks,
                           description="Narrow deals on tracks and what they are worth")
    compliance: Compliance = Field(default_factory=Compliance,
                                   description="How deals in force break")
    force: Force = Field(default_factory=Force,
                         description="The legal and evidentiary costs of force")
    factions: Factions = Field(default_factory=Factions,
                               description="Hardliners at home and the win-set")
    status_quo: StatusQuoMoves = Field(default_factory=StatusQuoMoves,
                                       description="How events move the status quo")
    third_parties: ThirdPartyRules = Field(default_factory=ThirdPartyRules,
                                           description="How third parties act")
