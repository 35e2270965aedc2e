"""Logit (quantal-response) choice of one action per replicate.

Each government draws one action with probability ``softmax(utilities / temperature)``
(McFadden 1974; McKelvey and Palfrey's quantal response, 1995): bounded rationality, and
the source of run-to-run variety. At a temperature of at most :data:`COLD` the best action
is taken, ties going to the lowest index. The draw is inverse-CDF sampling with one
uniform per replicate and the cumulative weights added in a fixed order, so a replicate's
choice is the same alone or in any batch.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

#: Logit temperatures at or below this choose the best action outright.
COLD = 1e-12


def available_actions(utilities: NDArray) -> int:
    """How many leading actions to weigh: up to the last one some replicate may take.

    The actions after it have utility ``-inf`` everywhere (walking out when no talks are
    on, breaking relations already broken): their weight is exactly 0, ``exp(-inf)``, and
    they change no replicate's largest utility.
    """
    k = utilities.shape[0]
    while k > 1 and utilities[k - 1].size and utilities[k - 1].flat[0] == -np.inf and (
            utilities[k - 1].max() == -np.inf):
        k -= 1
    return k


def choice_weights(utilities: NDArray, temperature: ArrayLike) -> NDArray:
    """Unnormalised choice weights ``exp((u - max u) / temperature)``, a new array.

    Args:
        utilities: Shape ``(n_actions, *S)``; ``-inf`` marks an action not available.
        temperature: Above :data:`COLD`; a scalar or broadcastable to S.
    """
    leading = _leading_weights(utilities, temperature)
    weights = np.empty(utilities.shape, utilities.dtype)
    k = leading.shape[0]
    weights[:k] = leading
    weights[k:] = 0.0
    return weights


def _leading_weights(utilities: NDArray, temperature: ArrayLike) -> NDArray:
    """The weights of :func:`choice_weights` up to the last action some replicate may take.

    A new array of the first ``k`` rows; the weights after them are exactly 0.
    """
    # Actions no replicate may take (at the end) get their weight, 0, without the
    # arithmetic: numpy's exp is several times slower on -inf than on finite numbers.
    # (Only where every replicate has a finite largest utility: elsewhere the weights are
    # NaN, as -inf - -inf is, and computed in full. One decision's utilities, as the
    # narration's, are weighed in full: there is nothing to gain.)
    k = available_actions(utilities) if utilities.ndim > 1 else utilities.shape[0]
    top = utilities[:k].max(axis=0)
    if k < utilities.shape[0] and np.count_nonzero(top > -np.inf) < top.size:
        k, top = utilities.shape[0], utilities.max(axis=0)
    weighed = np.subtract(utilities[:k], top)
    _divide(weighed, temperature)
    np.exp(weighed, out=weighed)
    return weighed


def _divide(x: NDArray, temperature: ArrayLike) -> None:
    """``x /= temperature`` in place.

    By a power of two (the default temperature is 0.5) as a multiplication by its
    reciprocal, several times faster and exactly the same: both are the correctly rounded
    ``x * 2**-e`` (for zeros of either sign, infinities, NaN, overflow and subnormal
    results too).
    """
    if isinstance(temperature, float):  # one decision's (the narration's): no arrays
        reciprocal = 1.0 / temperature  # (temperatures here are above COLD: finite)
        power_of_two = math.frexp(temperature)[0] == 0.5 == math.frexp(reciprocal)[0]
    else:
        t = np.asarray(temperature, dtype=float)
        reciprocal = 1.0 / t
        power_of_two = bool((np.frexp(t)[0] == 0.5).all() and
                            (np.frexp(reciprocal)[0] == 0.5).all())
    if power_of_two:
        x *= reciprocal
    else:
        x /= temperature


def choice_probabilities(utilities: NDArray, temperature: float) -> NDArray:
    """The probability of each action, ``softmax(utilities / temperature)`` along axis 0.

    At a temperature of at most :data:`COLD` the best action has probability 1.
    """
    if temperature <= COLD:
        best = np.argmax(utilities, axis=0)
        return (np.arange(utilities.shape[0]).reshape(-1, *[1] * (utilities.ndim - 1))
                == best).astype(float)
    weights = choice_weights(utilities, temperature)
    return weights / weights.sum(axis=0)


def logit_choice(utilities: NDArray, temperature: ArrayLike, u: NDArray) -> NDArray:
    """Choose one action per replicate with probability ``softmax(utilities / temperature)``.

    Args:
        utilities: Shape ``(n_actions, *S)``; ``-inf`` marks an action not available.
        temperature: Logit temperature, a scalar or broadcastable to S; at or below
            :data:`COLD` (1e-12) the best action is picked (ties: the lowest index).
        u: One uniform per replicate, shape S.

    Returns:
        The chosen action index per replicate, shape S.
    """
    temperature = np.asarray(temperature, dtype=float)
    cold = temperature <= COLD
    if cold.all():
        return np.argmax(utilities, axis=0)
    if cold.any():
        hot = np.broadcast_to(~cold, u.shape)
        safe = np.where(cold, 1.0, temperature)
        return np.where(hot, logit_choice(utilities, safe, u), np.argmax(utilities, axis=0))
    # Inverse-CDF sampling with the cumulative sum written out (in place): the same
    # additions, in the same order, for every replicate, whatever the batch size.
    cumulative = _leading_weights(utilities, temperature)
    k, n_actions = cumulative.shape[0], utilities.shape[0]
    for a in range(1, k):
        cumulative[a] += cumulative[a - 1]
    total = cumulative[-1]
    threshold = u * total
    # The action is the number of cumulative weights (of the first n_actions - 1) the
    # threshold reaches (summing the comparisons' bytes: several times faster than adding
    # booleans to integers).
    reached = (threshold >= cumulative[:-1]).view(np.int8).sum(axis=0, dtype=np.int8)
    if k < n_actions:
        # The actions after the first k weigh exactly 0, so their cumulative weights are
        # all the total (0.0 + x is x for the non-negative sums here): the threshold
        # reaches each of the n_actions - k of them among the first n_actions - 1 exactly
        # when it reaches the total. Counted at once instead of row by row.
        at_total = (threshold >= total).view(np.int8)
        reached += at_total if n_actions - k == 1 else at_total * np.int8(n_actions - k)
    return reached.astype(np.int64)
