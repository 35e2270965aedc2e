"""Replicates stepped together in one model against one model per replicate.

Runs the default scenario at its full horizon with R = 10,000 replicates in one
DiplomacyModel, then a sample of the same replicates one DiplomacyModel(n_replicates=1)
at a time (the cost per replicate is scaled up to R), and checks that every sampled
replicate's path is bit-identical in both. Prints replicate-steps per second for both,
their ratio, and one summary line against the targets (>= 3 million replicate-steps/s,
>= 150x the per-replicate loop).

The batch model runs as a user's would: split over one process per core when it is large
enough (see sim/shards.py); ``--workers 1`` keeps it in one process.

Usage: python benchmarks/ensemble.py [--replicates 10000] [--sample 100] [--repeats 5]
       [--workers N]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from sim.engine import shards
from sim.model.model import DiplomacyModel

TARGET_RATE = 3_000_000
TARGET_RATIO = 150


def batch(r: int, seed: int, workers: int | None) -> tuple[float, DiplomacyModel]:
    """Seconds to build and run one model of ``r`` replicates (default outputs)."""
    start = time.perf_counter()
    model = DiplomacyModel(None, n_replicates=r, rng=seed, workers=workers)
    model.run()
    return time.perf_counter() - start, model


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=10_000)
    parser.add_argument("--sample", type=int, default=100,
                        help="replicates run one model each (spread over the batch)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=None,
                        help="processes for the batch (default: one per core)")
    args = parser.parse_args()
    r = args.replicates
    batch(100, args.seed, args.workers)  # warm up imports and caches
    times, model = [], None
    for _ in range(args.repeats):
        seconds, model = batch(r, args.seed, args.workers)
        times.append(seconds)
    assert model is not None
    horizon = model.horizon
    batch_s = statistics.median(times)
    batch_rate = r * horizon / batch_s
    processes = len(shards.bounds(r, args.workers))
    print(f"batch: {r:,} replicates x {horizon} days in one model ({processes} "
          f"process{'es' if processes > 1 else ''}, {shards.cores()} cores): median "
          f"{batch_s:.3f} s of {args.repeats} ({batch_rate:,.0f} replicate-steps/s)")

    picks = np.linspace(0, min(r, model.trace_n) - 1, args.sample).astype(int)
    identical = True
    start = time.perf_counter()
    for rep in picks:
        alone = DiplomacyModel(None, n_replicates=1, first_replicate=int(rep), rng=args.seed)
        alone.run()
        identical &= bool(np.array_equal(alone.trace[:, :, 0], model.trace[:, :, rep],
                                         equal_nan=True))
        identical &= bool(alone.outcome[0] == model.outcome[rep])
    loop_s = (time.perf_counter() - start) / len(picks) * r
    loop_rate = r * horizon / loop_s
    print(f"loop: one model per replicate, {len(picks)} sampled and scaled to {r:,}: "
          f"{loop_s:.1f} s ({loop_rate:,.0f} replicate-steps/s)")
    ratio = batch_rate / loop_rate
    print(f"paths of the {len(picks)} sampled replicates bit-identical alone and in the "
          f"batch: {identical}")
    ok = batch_rate >= TARGET_RATE and ratio >= TARGET_RATIO and identical
    print(f"SUMMARY ensemble: {batch_rate / 1e6:.2f}M replicate-steps/s "
          f"({batch_rate / TARGET_RATE:.2f}x the 3M target), {ratio:.0f}x the per-replicate "
          f"loop ({ratio / TARGET_RATIO:.2f}x the 150x target), bit-identical {identical}: "
          f"{'PASS' if ok else 'FAIL'}")


if __name__ == "__main__":
    main()
