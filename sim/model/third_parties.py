"""Actors beyond the two governments: a mediator, an oil buyer, a cocaine producer.

Each third party of a scenario is a Mesa agent of the model. Their effects:

- :class:`Mediator` (Norway, Qatar, the Vatican): while any ``mediation`` pressure holds
  (usually the mediator's own), the bar for opening talks is lower (:mod:`sim.model.model`), and
  at the table the mediator proposes the Nash split. Each side accepts the proposal if it
  gives it at least its reservation value plus ``(1 - leverage * mediation)`` of what it
  still demands above that value: the mediator's leverage (its carrots, its guarantees;
  Touval and Zartman 1985; Beardsley 2011) lets the sides settle before their own
  concessions would have met.
- :class:`OilBuyer` (China): buys Venezuelan oil outside the sanctions, so a ``share`` of the
  pain of oil sanctions and secondary tariffs is lost (Dizaji and van Bergeijk 2013 on how
  trade diversion blunts sanctions); blockades and seizures are not dulled.
- :class:`Producer` (Colombia): where the producer cooperates at the source, Venezuelan
  cooperation on drugs (a transit country's) is worth less to Washington: the US salience
  of drugs is scaled by ``1 - cooperation / 2`` and the saliences renormalised, which
  shifts the logrolled terms of any deal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import mesa
import numpy as np
from numpy.typing import ArrayLike, NDArray

from sim.scenario.actors import ThirdParty, ThirdPartyRole
from sim.scenario.behaviour import ThirdPartyRules

if TYPE_CHECKING:
    from sim.model.model import DiplomacyModel


class ThirdPartyAgent(mesa.Agent):
    """A third party in a model; see the subclasses for what each does.

    Args:
        model: The model.
        spec: The third party as declared in the scenario.
    """

    def __init__(self, model: DiplomacyModel, spec: ThirdParty):
        super().__init__(model)
        self.actor_id = spec.id
        self.name = spec.name
        self.role = spec.role
        self.spec = spec


class Mediator(ThirdPartyAgent):
    """Proposes the Nash split at the table; its leverage makes the sides accept sooner."""

    @property
    def leverage(self) -> float:
        """Share of each side's remaining demand waived to accept the proposal (0 to 1)."""
        return self.spec.role_value

    def accepted(self, hostility: NDArray, rules: ThirdPartyRules) -> NDArray:
        """Whether both sides accept mediation today: refused by a side too hostile (§3.16)."""
        return hostility.max(axis=0) < rules.mediation_refusal

    def offers(self, readiness: NDArray, rules: ThirdPartyRules) -> NDArray:
        """Whether it offers mediation of its own today: both sides ripe enough (§3.16)."""
        return (readiness[0] >= rules.mediator_initiative) & (
            readiness[1] >= rules.mediator_initiative)

    def acceptance_bar(self, reservation: NDArray, aspiration: NDArray,
                       mediation: ArrayLike) -> NDArray:
        """The least utility each side takes from the mediator's proposal today.

        ``r + (a - r) (1 - leverage * min(mediation, 1))`` per side, with r the reservation
        value and a today's aspiration.
        """
        weight = 1.0 - self.leverage * np.minimum(np.asarray(mediation, dtype=float), 1.0)
        return reservation + (aspiration - reservation) * weight


class OilBuyer(ThirdPartyAgent):
    """Keeps buying Venezuelan oil: removes a share of oil-sanction pain."""

    @property
    def share(self) -> float:
        """Share of the pain of oil sanctions and secondary tariffs removed, at the start."""
        return self.spec.role_value

    def share_today(self, seizures: NDArray, tariffs: ArrayLike, rules: ThirdPartyRules
                    ) -> NDArray:
        """Its share today: it backs off after tanker seizures and under secondary tariffs.

        ``share * max(1 - r_s * seizures so far - r_t * tariffs, 0)`` (§3.16): the shadow
        fleet that carries Venezuelan oil avoids waters where tankers are seized, and
        tariffs on buyers of Venezuelan oil raise the price of buying it.
        """
        left = 1.0 - rules.buyer_seizure_response * seizures - (
            rules.buyer_tariff_response * np.asarray(tariffs))
        return self.share * np.maximum(left, 0.0)


class Producer(ThirdPartyAgent):
    """The main cocaine producer: its cooperation lowers what a drugs deal is worth."""

    @property
    def cooperation(self) -> float:
        """Cooperation at the source, 0 to 1."""
        return self.spec.role_value

    @property
    def drugs_worth(self) -> float:
        """Factor on the US salience of drugs: ``1 - cooperation / 2``."""
        return 1.0 - self.cooperation / 2.0

    def cooperation_today(self, deaths: NDArray, rules: ThirdPartyRules) -> NDArray:
        """Its cooperation today: it falls with the deaths in strikes (regional backlash).

        ``cooperation * exp(-r * deaths so far)`` (§3.16).
        """
        return self.cooperation * np.exp(-rules.producer_strike_response * deaths)


ROLES: dict[ThirdPartyRole, type[ThirdPartyAgent]] = {
    ThirdPartyRole.MEDIATOR: Mediator,
    ThirdPartyRole.OIL_BUYER: OilBuyer,
    ThirdPartyRole.PRODUCER: Producer,
}


def make_third_party(model: DiplomacyModel, spec: ThirdParty) -> ThirdPartyAgent:
    """The agent for a scenario's third party."""
    return ROLES[spec.role](model, spec)


def oil_sales_kept(buyers: list[OilBuyer], shares: list[NDArray] | None = None) -> Any:
    """Share of the pain of oil-sales measures Venezuela still feels: ``prod (1 - share)``.

    Args:
        buyers: The oil buyers.
        shares: Their shares today (default: their shares at the start).
    """
    kept: Any = 1.0
    for k, buyer in enumerate(buyers):
        kept = kept * (1.0 - (buyer.share if shares is None else shares[k]))
    return kept


def us_salience_with_producers(salience: tuple[float, float, float],
                               producers: list[Producer]) -> tuple[float, float, float]:
    """US saliences after producers' cooperation, renormalised to sum to 1."""
    drugs, oil, migration = salience
    for p in producers:
        drugs *= p.drugs_worth
    total = drugs + oil + migration
    return (drugs / total, oil / total, migration / total)
