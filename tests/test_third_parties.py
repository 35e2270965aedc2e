"""Third parties: a mediator's proposal, an oil buyer's dulling, a producer's cooperation."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.mechanisms.bargaining import nash_split
from sim.model.model import DiplomacyModel, Outcome
from sim.model.third_parties import Mediator, OilBuyer, Producer
from sim.scenario.errors import InputError
from sim.scenario.load import load_scenario
from tests.conftest import scenario

OIL_SANCTIONS = {"type": "oil_sanctions", "sender": "us", "target": "venezuela",
                 "since": "2019-01-28", "until": "2025-09-29"}
BLOCKADE = {"type": "blockade", "sender": "us", "target": "venezuela",
            "since": "2025-07-01", "until": "2025-09-29"}


def test_an_oil_buyer_removes_its_share_of_oil_sanction_pain_but_not_of_a_blockade():
    without = DiplomacyModel(scenario(pressures=[OIL_SANCTIONS]))
    china = [{"id": "china", "name": "China", "role": "oil_buyer", "share": 0.4}]
    buying = DiplomacyModel(scenario(pressures=[OIL_SANCTIONS], third_parties=china))
    assert isinstance(buying.third_parties[0], OilBuyer)
    assert buying.pain[1, 0] == pytest.approx(0.6 * without.pain[1, 0])
    blockade_alone = DiplomacyModel(scenario(pressures=[BLOCKADE]))
    blockade_buying = DiplomacyModel(scenario(pressures=[BLOCKADE], third_parties=china))
    assert blockade_buying.pain[1, 0] == blockade_alone.pain[1, 0] > 0


def test_a_cooperating_producer_lowers_what_a_drugs_deal_is_worth_to_the_us():
    colombia = [{"id": "colombia", "name": "Colombia", "role": "producer", "cooperation": 1.0}]
    m = DiplomacyModel(scenario(third_parties=colombia))
    assert isinstance(m.third_parties[0], Producer)
    base = m.spec.actors.us.salience
    drugs = base.drugs * 0.5
    total = drugs + base.oil + base.migration
    assert m.salience[0] == pytest.approx((drugs / total, base.oil / total,
                                           base.migration / total))
    plain = DiplomacyModel(scenario())
    # Full Venezuelan cooperation on drugs is worth less to Washington once Colombia
    # cooperates at the source, and the logroll changes: the US now asks first for
    # migration, and concedes drugs sooner.
    assert m.frontier.alpha[0] < plain.frontier.alpha[0]
    assert [int(k) for k in plain.frontier.order] == [0, 2, 1]
    assert [int(k) for k in m.frontier.order] == [2, 0, 1]


UNIT_PIE = ("actors.us.salience.oil=1", "actors.venezuela.salience.oil=1",
            "actors.us.readiness_bias=20", "actors.venezuela.readiness_bias=20",
            "actors.us.win_set=1", "actors.venezuela.win_set=1",
            "actors.us.concession=linear", "actors.venezuela.concession=linear",
            "talks.agenda=[oil]", "talks.deadline_days=40",
            # the deal holds and leaves the status quo where it was (§3.12, §3.15)
            "behaviour.compliance.break_rates.oil=0", "behaviour.status_quo.deals=false")


def mediated(leverage: float) -> DiplomacyModel:
    norway = [{"id": "norway", "name": "Norway", "role": "mediator", "leverage": leverage}]
    talks = [{"type": "mediation", "sender": "norway", "target": "venezuela",
              "since": "2025-07-01", "until": "2025-11-28"}]
    return DiplomacyModel(scenario(*UNIT_PIE, horizon_days=120, third_parties=norway,
                                   pressures=talks), n_replicates=2).run()


def test_a_mediator_with_leverage_brings_the_nash_split_sooner():
    alone = DiplomacyModel(scenario(*UNIT_PIE, horizon_days=120), n_replicates=2).run()
    strong = mediated(0.6)
    assert isinstance(strong.mediator, Mediator)
    assert (strong.outcome == Outcome.NARROW_DEAL).all() and strong.mediated.all()
    assert strong.outcome_day[0] < alone.outcome_day[0]
    r_us, r_ve = strong.reservation[:, 0]
    assert strong.deal[1, 0] == pytest.approx(nash_split(r_us, r_ve), abs=1e-12)
    # Without leverage the proposal is taken only when the offers would have met anyway:
    # the same day and terms as mediation sent by a government, with nobody to propose.
    weak = mediated(0.0)
    talks = [{"type": "mediation", "sender": "us", "target": "venezuela",
              "since": "2025-07-01", "until": "2025-11-28"}]
    unaided = DiplomacyModel(scenario(*UNIT_PIE, horizon_days=120, pressures=talks),
                             n_replicates=2).run()
    assert unaided.mediator is None and not unaided.mediated.any()
    assert weak.outcome_day[0] == unaided.outcome_day[0]
    np.testing.assert_allclose(weak.deal, unaided.deal, atol=1e-12)


def test_third_party_fields_must_fit_their_role():
    with pytest.raises(InputError, match="'share' is for a oil_buyer"):
        load_scenario(None, ["third_parties=[{id: norway, name: Norway, role: mediator, "
                             "share: 0.2}]"])
