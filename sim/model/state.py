"""A model's state on day 0: every array over the replicate axis, set to its start.

``docs/model.md`` §3.2 ("Other initial values") and §3.17 (starting mid-course): hostility
at ``hostility.initial``, pain warm-started from the measures in force, readiness at its
day-0 target, and what ``initial:`` says was already true (talks under way, relations
broken, deals in force).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from sim.model.deals import TrackDeals
from sim.model.mechanisms import status_quo as status_quo_rules
from sim.model.mechanisms.survival import ForceShown
from sim.model.outcomes import Outcome
from sim.scenario.schema import GOVERNMENTS

if TYPE_CHECKING:
    from sim.model.model import DiplomacyModel


def init_state(m: DiplomacyModel) -> None:
    """Set every state array of ``m`` (its parameters already set) to day 0."""
    n = m.n
    scn = m.spec
    m.hostility = np.array([[scn.actors[g].hostility.initial] * n for g in GOVERNMENTS],
                              dtype=float)
    # Pain starts at the level of the measures already in force ('since').
    pain0 = np.clip(m.timeline.exposure_in_force(), 0.0, 1.0)
    m.pain = np.repeat(pain0[:, None], n, axis=1)
    m.adaptation = np.zeros((2, n))
    m.resolve = np.broadcast_to(m.rho0, (2, n)).copy()
    m.commitment = np.zeros((2, n))
    m.signal = np.zeros((2, n))
    m.hardliners = np.broadcast_to(m.h0, (2, n)).copy()
    m.legal = np.zeros((2, n))
    # Force already shown on each side's soil before day 0 (§3.10): on the sender's other.
    m.force_shown = ForceShown(n, [(1 - GOVERNMENTS.index(f.sender), (scn.start - f.date).days)
                                   for f in scn.initial.force_shown],
                               scn.behaviour.survival.shown_force_half_life,
                               m.win_prob[::-1, None])
    # Exit demands standing before day 0 are not made on day 0 (§3.10).
    m.demand_before = m.timeline.level_in_force("exit_demand")[:, None]
    # The status quo on day 0 already reflects relief and paused flights in force (§3.15).
    m.relief0 = float(m.timeline.level_in_force("relief")[1])
    m.paused0 = float(m.timeline.level_in_force("flights_paused")[0])
    m.pause_lifted = np.zeros(n)  # pauses lifted by flights resumed (§3.15)
    m.relations_open = np.full(n, scn.initial.relations.value == "open")
    m.ruptured = np.zeros(n, bool)
    m.deals = TrackDeals(m, n)
    # Deals in force on day 0 have already moved their issues (§3.15, §3.17).
    held, terms = m.deals.issue_deals()
    m.sq = status_quo_rules.moved(m.sq0, 0.0, 0.0, 0.0, 0.0,
                                  held & scn.behaviour.status_quo.deals, terms)
    m.status_quo_value = status_quo_rules.utilities(m.sq, m.ideals,
                                                       np.array(m.salience))
    m.seizure_stock = np.zeros(n)
    m.strike_deaths = np.zeros(n)
    m.producer_cooperation = np.full(
        n, m.producers[0].cooperation if m.producers else 0.0)
    m.mediating = np.zeros(n, bool)
    # Readiness starts at the target of the first day's pain, hostility and bargaining
    # range, not at zero (commitment, signals and mediation count from day 0 on).
    m.reservation, _, _, m.surplus = m.bargaining_range(m.pain, m.resolve)
    zero = np.zeros(n)
    m.readiness = np.array([gov.readiness_target(m.pain[i], m.surplus,
                                                    m.hostility[i], zero, zero, zero)
                               for i, gov in enumerate(m.governments)])
    m.reservation = np.zeros((2, n))
    m.surplus = np.zeros(n)
    m.conceded = np.zeros((2, n))
    m.offer_values = np.full((2, n), np.nan)
    m.aspiration = np.zeros((2, n))
    # Talks under way on day 0 (docs/validation.md E12): at the table from the start.
    started = scn.initial.in_talks
    m.in_talks = np.full(n, started)
    # Days at the table: talks under way on day 0 count that day as their first (a round).
    m.talks_days = np.full(n, -1 if scn.initial.in_talks else 0, np.int64)
    m.outcome = np.full(n, Outcome.TALKS if started else Outcome.STALEMATE, np.int8)
    m.outcome_day = np.full(n, 0 if started else -1, np.int64)
    m.talks_day = np.full(n, 0 if started else -1, np.int64)
    m.deal_day = np.full(n, -1, np.int64)
    m.escalation_day = np.full(n, -1, np.int64)
    m.broad_done = np.zeros(n, bool)
    m.breakdowns = np.zeros(n, np.int64)
    m.incidents = np.zeros(n, np.int64)
    m.escalation_cause = np.zeros(n, np.int8)  # an EscalationCause
    m.cc_index = np.zeros(n)
    m.goldstein_today = np.zeros(n)
    m.goldstein_total = np.zeros(n)
    m.casualties = np.zeros(n)
    m.events_today = np.zeros(n)
    m.event_total = np.zeros(n)
    m.deal = np.full((3, n), np.nan)
    m.nash_terms = np.full((3, n), np.nan)
    m.mediated = np.zeros(n, bool)
    #: End values per replicate: taken on the day of the decision for decided
    #: replicates; for the others, read the live arrays (see :meth:`end_values`).
    m.final: dict[str, NDArray] = {
        name: np.zeros(shape) for name, shape in (
            ("hostility", (2, n)), ("readiness", (2, n)), ("pain", (2, n)),
            ("cc_index", (n,)))}
    m.actions = np.zeros((2, n), np.int8)
    m._action_log = np.empty((m.horizon, 2, n), np.int8)  # read up to today
    m.pending_hostility = np.zeros((2, n))
    m.pending_pain = np.zeros((2, n))
    m.pending_resolve = np.zeros((2, n))
    m.pending_signal = np.zeros((2, n))
