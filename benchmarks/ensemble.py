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
       python benchmarks/ensemble.py --against REV [--replicates 10000] [--repeats 7]

With ``--against REV`` it measures this checkout and the commit REV side by side: the same
batch run through each version's ``sim.run`` (the public API both have), in fresh
processes taking turns (old, new, old, new, ...), so a slow spell of the machine hits both.
It prints each version's median replicate-steps per second and the ratio new/old.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from sim.engine import shards
from sim.engine.ensemble import run_replicates
from sim.model.model import DiplomacyModel
from sim.scenario.load import load_scenario

TARGET_RATE = 3_000_000
TARGET_RATIO = 150


ROOT = Path(__file__).resolve().parent.parent
#: Run in a fresh interpreter of either version: time one sim.run of the default scenario.
TIMED = """
import sys, time
sys.path.insert(0, sys.argv[1])
import sim
r, seed = int(sys.argv[2]), int(sys.argv[3])
sim.run(None, runs=200, seed=seed)  # warm up imports and caches
start = time.perf_counter()
res = sim.run(None, runs=r, seed=seed)
print(time.perf_counter() - start, res.scenario.horizon_days)
"""


def batch(r: int, seed: int, workers: int | None):
    """Seconds to run ``r`` replicates of the default scenario (default outputs)."""
    scenario = load_scenario()
    start = time.perf_counter()
    data = run_replicates(scenario, r, seed, workers=workers, narrate=True)
    return time.perf_counter() - start, data


def against(rev: str, r: int, repeats: int, seed: int) -> None:
    """Time this checkout and commit ``rev`` side by side, taking turns."""
    with tempfile.TemporaryDirectory() as tmp:
        old = Path(tmp) / "old"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(old), rev],
                       check=True, capture_output=True)
        try:
            times: dict[str, list[float]] = {"old": [], "new": []}
            horizon = 0
            for _ in range(repeats):
                for name, tree in (("old", old), ("new", ROOT)):
                    out = subprocess.run([sys.executable, "-c", TIMED, str(tree), str(r),
                                          str(seed)], capture_output=True, text=True,
                                         check=True, cwd=tree,
                                         env={**os.environ, "PYTHONPATH": str(tree)})
                    seconds, horizon_text = out.stdout.split()
                    times[name].append(float(seconds))
                    horizon = int(horizon_text)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(old)],
                           check=False, capture_output=True)
    rate = {k: r * horizon / statistics.median(v) for k, v in times.items()}
    for k in ("old", "new"):
        print(f"{k}: median {statistics.median(times[k]):.3f} s of {repeats} "
              f"({rate[k]:,.0f} replicate-steps/s); all: "
              + ", ".join(f"{t:.3f}" for t in times[k]))
    print(f"SUMMARY against {rev}: new/old throughput {rate['new'] / rate['old']:.3f}")


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
    parser.add_argument("--against", metavar="REV",
                        help="compare with another commit, side by side")
    args = parser.parse_args()
    r = args.replicates
    if args.against:
        against(args.against, r, args.repeats, args.seed)
        return
    batch(100, args.seed, args.workers)  # warm up imports and caches
    times, model = [], None
    for _ in range(args.repeats):
        seconds, model = batch(r, args.seed, args.workers)
        times.append(seconds)
    assert model is not None
    horizon = load_scenario().horizon_days
    batch_s = statistics.median(times)
    batch_rate = r * horizon / batch_s
    processes = len(shards.bounds(r, args.workers))
    print(f"batch: {r:,} replicates x {horizon} days in shares ({processes} "
          f"process{'es' if processes > 1 else ''}, {shards.cores()} cores): median "
          f"{batch_s:.3f} s of {args.repeats} ({batch_rate:,.0f} replicate-steps/s)")

    picks = np.linspace(0, min(r, model.trace.shape[2]) - 1, args.sample).astype(int)
    identical = True
    scenario = load_scenario()
    start = time.perf_counter()
    for rep in picks:
        alone = DiplomacyModel(scenario, n_replicates=1, first_replicate=int(rep),
                               rng=args.seed)
        alone.run()
        identical &= bool(np.array_equal(alone.trace[:, :, 0], model.trace[:, :, rep],
                                         equal_nan=True))
        identical &= bool(alone.outcome[0] == model.runs["outcome"][rep])
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
