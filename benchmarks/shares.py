"""CPU time of each share of benchmarks/ensemble.py's batch, this checkout against another.

The batch of 10,000 replicates runs as two shares, one per core, as each version splits it
(sim/engine/shards.py); the first records the traced and banded replicates and narrates
replicate 0. Here each share is stepped alone (model, run, RunData) in fresh processes of
either version, taking turns, and timed in CPU time of the process: on a machine that other
jobs keep busy the wall time of the two-process batch says more about them than about the
code, the CPU time of one process much less. (It still counts what sharing the caches
costs.)

Usage: python benchmarks/shares.py --against REV [--repeats 7] [--seed 7]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Run in a fresh interpreter of either version: CPU seconds of each share, best of two.
TIMED = """
import sys, time
sys.path.insert(0, sys.argv[1])
from sim.engine import shards
from sim.engine.allocator import keep_temporaries_on_heap
from sim.engine.ensemble import BAND_COST, TRACE_COST
from sim.engine.streams import collector_paused
from sim.model.model import DiplomacyModel
from sim.output.rundata import RunData
from sim.scenario.load import load_scenario
keep_temporaries_on_heap()
scenario, seed = load_scenario(), int(sys.argv[2])
def share(lo, hi):
    with collector_paused():
        start = time.process_time()
        model = DiplomacyModel(scenario, n_replicates=hi - lo, rng=seed, first_replicate=lo,
                               trace_replicates=max(0, 200 - lo),
                               band_replicates=max(0, 2000 - lo), narrate=lo == 0,
                               collect=False)
        model.run()
        RunData.from_model(model)
        return time.process_time() - start
share(0, 300)  # warm up imports and caches
bounds = shards.bounds(10000, 2, [(200, TRACE_COST), (2000, BAND_COST)])
print(*(min(share(lo, hi) for _ in range(2)) for lo, hi in bounds))
"""


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", metavar="REV", required=True)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        old = Path(tmp) / "old"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(old),
                        args.against], check=True, capture_output=True)
        try:
            times: dict[str, list[list[float]]] = {"old": [], "new": []}
            for _ in range(args.repeats):
                for name, tree in (("old", old), ("new", ROOT)):
                    out = subprocess.run([sys.executable, "-c", TIMED, str(tree),
                                          str(args.seed)], capture_output=True, text=True,
                                         check=True, cwd=tree,
                                         env={**os.environ, "PYTHONPATH": str(tree)})
                    times[name].append([float(x) for x in out.stdout.split()])
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(old)],
                           check=False, capture_output=True)
    best = {k: [min(run[s] for run in v) for s in (0, 1)] for k, v in times.items()}
    for k in ("old", "new"):
        print(f"{k}: best of {args.repeats}: share 0 (records and narrates) "
              f"{best[k][0] * 1e3:.1f} ms, share 1 {best[k][1] * 1e3:.1f} ms of CPU time")
    ratios = [best["old"][s] / best["new"][s] for s in (0, 1)]
    print(f"SUMMARY shares against {args.against}: old/new CPU time, share 0 {ratios[0]:.3f}, "
          f"share 1 {ratios[1]:.3f}, both {sum(best['old']) / sum(best['new']):.3f}")


if __name__ == "__main__":
    main()
