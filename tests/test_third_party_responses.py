"""Third parties that act (§3.16): an oil buyer backs off, a producer cools, a mediator is
refused or offers of its own; closed forms and scripted exchanges on the quiet base.

What third parties do at the table (the mediator's proposal, the buyer's dulling of
sanctions, the producer's effect on the logroll) is tested in ``test_third_parties.py``.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.model import DiplomacyModel
from sim.model.third_parties import Mediator, OilBuyer, Producer
from sim.scenario.behaviour import ThirdPartyRules
from tests.conftest import scenario
from tests.daylog import CALM, QUARTER_READY, run_days

RULES = ThirdPartyRules()  # the defaults: 0.15 per seizure, 0.3 per unit of tariffs, ...
CHINA = {"id": "china", "name": "China", "role": "oil_buyer", "share": 0.4}
COLOMBIA = {"id": "colombia", "name": "Colombia", "role": "producer", "cooperation": 0.8}
NORWAY = {"id": "norway", "name": "Norway", "role": "mediator"}


def us_on_venezuela(kind: str, day: int, **fields) -> dict:
    return {"type": kind, "sender": "us", "target": "venezuela",
            "at": f"2025-08-{day + 1:02d}", **fields}


def test_an_oil_buyers_share_falls_with_seizures_and_tariffs():
    """share x max(1 - 0.15 seizures - 0.3 tariffs, 0) with share 0.4: 0.4; one seizure
    0.4 x 0.85 = 0.34; two and tariffs 0.4 x 0.4 = 0.16; ten seizures 0 (not negative)."""
    buyer = DiplomacyModel(scenario(third_parties=[CHINA])).third_parties[0]
    assert isinstance(buyer, OilBuyer)
    share = buyer.share_today(np.array([0.0, 1.0, 2.0, 10.0]), np.array([0.0, 0.0, 1.0, 0.0]),
                              RULES)
    np.testing.assert_allclose(share, [0.4, 0.34, 0.16, 0.0], rtol=0, atol=1e-15)


def test_in_a_model_the_oil_sales_kept_follow_the_seizures_so_far_and_tariffs_in_force():
    """Venezuela keeps 1 - share of its oil-sales pain: 0.6 before any seizure; after the
    seizures of days 2 and 4, 1 - 0.4 x 0.85 = 0.66 and 1 - 0.4 x 0.7 = 0.72 (seizures
    count for good); with secondary tariffs from day 6 also, 1 - 0.4 x 0.4 = 0.84."""
    pressures = [us_on_venezuela("tanker_seizure", 2), us_on_venezuela("tanker_seizure", 4),
                 us_on_venezuela("secondary_tariffs", 6)]
    _, days, _ = run_days(scenario(third_parties=[CHINA], pressures=pressures, horizon_days=8))
    kept = np.array([d.kept[0] for d in days])
    np.testing.assert_allclose(kept, [0.6, 0.6, 0.66, 0.66, 0.72, 0.72, 0.84, 0.84],
                               rtol=0, atol=1e-15)


def test_a_producer_cools_with_the_deaths_in_strikes():
    """cooperation x exp(-0.003 deaths so far) with cooperation 0.8: 0.8 before the strikes,
    0.8 e^-0.03 after 10 deaths on day 1, 0.8 e^-0.09 after 20 more on day 3."""
    producer = DiplomacyModel(scenario(third_parties=[COLOMBIA])).third_parties[0]
    assert isinstance(producer, Producer)
    np.testing.assert_allclose(producer.cooperation_today(np.array([0.0, 100.0]), RULES),
                               [0.8, 0.8 * np.exp(-0.3)], rtol=1e-15)
    pressures = [us_on_venezuela("boat_strike", 1, deaths=10),
                 us_on_venezuela("boat_strike", 3, deaths=20)]
    _, _, kept = run_days(scenario(third_parties=[COLOMBIA], pressures=pressures,
                                   horizon_days=5), keep=lambda m: m.producer_cooperation[0])
    np.testing.assert_allclose(kept, 0.8 * np.exp(-0.003 * np.array([0, 10, 10, 30, 30])),
                               rtol=1e-15)


def test_a_mediator_is_refused_by_a_side_at_or_above_the_refusal_hostility():
    """Refusal at 0.7: the higher hostility of the two must be below it (0.69 accepted; 0.7
    and 0.9 refused)."""
    mediator = DiplomacyModel(scenario(third_parties=[NORWAY])).third_parties[0]
    assert isinstance(mediator, Mediator)
    hostility = np.array([[0.5, 0.7, 0.2], [0.69, 0.1, 0.9]])
    assert mediator.accepted(hostility, RULES).tolist() == [True, False, False]


@pytest.mark.parametrize(("refusal", "mediation"), [(0.7, 0.0), (1.0, 1.0)])
def test_in_a_model_a_hostile_government_refuses_mediation_on_the_timeline(refusal, mediation):
    """US hostility held at 0.9 (no reaction, restraint 0.1, grievance 0.09), Venezuela's at
    0: Norway's mediation (1 a day) reaches the talks only if the refusal level is above
    0.9."""
    talks = {"type": "mediation", "sender": "norway", "target": "venezuela",
             "since": "2025-07-01", "until": "2025-08-06"}
    scn = scenario("actors.us.hostility={reaction: 0, restraint: 0.1, grievance: 0.09, "
                   "initial: 0.9}",
                   "actors.venezuela.hostility={reaction: 0, restraint: 0.1, grievance: 0, "
                   "initial: 0}", f"behaviour.third_parties.mediation_refusal={refusal}",
                   third_parties=[NORWAY], pressures=[talks], horizon_days=6)
    _, days, _ = run_days(scn)
    np.testing.assert_array_equal([d.mediation[0] for d in days], [mediation] * 6)


def test_a_mediator_with_no_mediation_on_the_timeline_offers_once_both_are_ripe():
    """Both readinesses start at 1/4, under the initiative level 0.3. Offers of dialogue
    both ways on day 2 (signal 1.5, weight 2) lift both targets to
    logistic(-ln 3 + 3) = 1 / (1 + 3 e^-3) = 0.870, and readiness moves a tenth of the way:
    0.25 + 0.1 x 0.620 = 0.312 after day 2. Mediation is decided on yesterday's readiness,
    so Norway mediates (1 a day) from day 3; it goes on after the signals fade (decay 0.5,
    no weight on mediation) and readiness falls back under 0.3 (from day 13)."""
    offers = [{"type": "dialogue_offer", "sender": s, "target": t, "at": "2025-08-03"}
              for s, t in (("us", "venezuela"), ("venezuela", "us"))]
    scn = scenario(*CALM, *QUARTER_READY, "behaviour.third_parties.mediator_initiative=0.3",
                   "behaviour.readiness.signal=2", "behaviour.signal_decay=0.5",
                   "behaviour.readiness.mediation=0", third_parties=[NORWAY],
                   pressures=offers, horizon_days=16)
    m, days, kept = run_days(scn, keep=lambda m: m.readiness[:, 0].copy())
    readiness = np.array(kept)
    after_day_2 = 0.25 + 0.1 * (1 / (1 + 3 * np.exp(-3)) - 0.25)
    np.testing.assert_allclose(readiness[:3], [[0.25] * 2, [0.25] * 2, [after_day_2] * 2],
                               rtol=1e-12)
    assert (readiness[13:] < 0.3).all()
    mediation = np.array([d.mediation[0] for d in days])
    np.testing.assert_array_equal(mediation, [0.0] * 3 + [1.0] * 13)
    assert m.mediating[0] and not m.mediation_on_timeline
