"""Scores of probabilistic forecasts against recorded outcomes (the hindcast's yardstick).

A forecast is a probability for each of the K outcomes of ``docs/validation.md`` E3; a
record is the outcome that happened. The scores (Gneiting and Raftery 2007 on proper
scoring rules):

- **Brier score** (Brier 1950), multi-category: ``sum_k (p_k - [k = y])^2``, from 0 (a sure
  and right forecast) to 2 (a sure and wrong one); averaged over episodes.
- **Log score**: ``-ln p_y``, the surprise at what happened; averaged over episodes.
  Simulated shares are smoothed before it is taken (:func:`smoothed`), so an outcome no run
  produced costs a finite amount.
- **Skill** against a reference forecast: ``1 - score / reference score`` (positive: better
  than the reference).
- **AUC** of one probability (say P(settlement)) against a yes/no record: the chance that a
  random "yes" episode gets a higher probability than a random "no" one (ties count half),
  from the Mann-Whitney U statistic.
- **Reliability**: forecasts binned by their probability, against how often the outcome
  happened in each bin (the data of a reliability diagram).

Two reference forecasts: the **base rate** of outcomes across the other episodes (leave one
out), and **nothing changes** (the starting state persists).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy.stats import mannwhitneyu

#: Probability the "nothing changes" reference puts on the starting state's outcome.
PERSISTENCE = 0.9
#: Added to every count before shares are turned into probabilities for the log score.
PSEUDOCOUNT = 0.5


def smoothed(counts: ArrayLike, pseudocount: float = PSEUDOCOUNT) -> NDArray:
    """Probabilities from outcome counts with ``pseudocount`` added to each (Jeffreys prior).

    Args:
        counts: Shape ``(..., K)``: how many runs ended in each outcome.
        pseudocount: Added to every count (0.5 is the Jeffreys prior of a multinomial).
    """
    c = np.asarray(counts, dtype=float) + pseudocount
    return c / c.sum(axis=-1, keepdims=True)


def brier(p: ArrayLike, y: ArrayLike) -> NDArray:
    """Multi-category Brier score of each forecast.

    Args:
        p: Shape ``(E, K)``: each episode's probability of each outcome.
        y: Shape ``(E,)``: the index of the outcome that happened.
    """
    p = np.asarray(p, dtype=float)
    hit = np.zeros_like(p)
    hit[np.arange(len(p)), np.asarray(y, dtype=int)] = 1.0
    return ((p - hit) ** 2).sum(axis=1)


def log_score(p: ArrayLike, y: ArrayLike) -> NDArray:
    """``-ln p_y`` of each forecast (lower is better; infinite where ``p_y = 0``)."""
    p = np.asarray(p, dtype=float)
    with np.errstate(divide="ignore"):
        return -np.log(p[np.arange(len(p)), np.asarray(y, dtype=int)])


def skill(score: float, reference: float) -> float:
    """Skill of a mean score against a reference's: ``1 - score / reference``."""
    return float("nan") if reference == 0 else 1.0 - score / reference


def auc(probability: ArrayLike, happened: ArrayLike) -> float:
    """Area under the ROC curve of ``probability`` for a yes/no record (ties count half).

    NaN when the record has only yeses or only noes.
    """
    p = np.asarray(probability, dtype=float)
    yes = np.asarray(happened, dtype=bool)
    if yes.all() or not yes.any():
        return float("nan")
    u = mannwhitneyu(p[yes], p[~yes], alternative="two-sided").statistic
    return float(u) / (yes.sum() * (~yes).sum())


def base_rate(y: ArrayLike, k: int, pseudocount: float = PSEUDOCOUNT) -> NDArray:
    """The leave-one-out base-rate forecast of each episode, shape ``(E, K)``.

    Episode e is forecast with the outcome frequencies of the other episodes (smoothed with
    ``pseudocount``), so the reference, like the model, never sees the outcome it forecasts.
    """
    y = np.asarray(y, dtype=int)
    counts = np.bincount(y, minlength=k).astype(float)
    others = counts[None, :] - np.eye(k)[y]
    return smoothed(others, pseudocount)


def persistence(start: ArrayLike, k: int, weight: float = PERSISTENCE) -> NDArray:
    """The "nothing changes" forecast: ``weight`` on the starting state's outcome index.

    The rest is spread evenly over the other outcomes.
    """
    start = np.asarray(start, dtype=int)
    p = np.full((len(start), k), (1.0 - weight) / (k - 1))
    p[np.arange(len(start)), start] = weight
    return p


def reliability(p: ArrayLike, y: ArrayLike, bins: int = 5) -> pd.DataFrame:
    """Forecast probabilities binned against how often the outcome happened.

    Every (episode, outcome) pair is one forecast of a yes/no event.

    Returns:
        One row per non-empty bin: ``bin_low``, ``bin_high``, ``forecasts`` (how many),
        ``mean_forecast`` and ``observed`` (the share that happened).
    """
    p = np.asarray(p, dtype=float)
    hit = np.zeros_like(p)
    hit[np.arange(len(p)), np.asarray(y, dtype=int)] = 1.0
    flat_p, flat_hit = p.ravel(), hit.ravel()
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.searchsorted(edges, flat_p, side="right") - 1, 0, bins - 1)
    rows = []
    for b in range(bins):
        inside = which == b
        if inside.any():
            rows.append({"bin_low": edges[b], "bin_high": edges[b + 1],
                         "forecasts": int(inside.sum()),
                         "mean_forecast": float(flat_p[inside].mean()),
                         "observed": float(flat_hit[inside].mean())})
    return pd.DataFrame(rows)


def timing_errors(median_day: Sequence[float], lag: Sequence[float]) -> NDArray:
    """Absolute errors ``|median simulated day - recorded lag|`` where both are known."""
    m, g = np.asarray(median_day, dtype=float), np.asarray(lag, dtype=float)
    ok = np.isfinite(m) & np.isfinite(g)
    return np.abs(m[ok] - g[ok])
