"""A digest of every result of the episode library and the default scenario, for refactors.

Runs each episode of ``scenarios/episodes`` and ``scenarios/caribbean-2025.yaml`` with the
same runs and seed, and hashes (SHA-256) the run table, the day table, the band table, the
key runs (as CSV and as the bytes of their float columns) and the narrated story of each.
A change that should leave every result as it was (a faster rule, a tidier layout) prints
the same digest before and after; run it in both checkouts and compare the lines.

Usage: python benchmarks/digest.py [--runs 100] [--seed 7]
"""

from __future__ import annotations

import argparse
import hashlib
import time

import numpy as np

from sim.engine.ensemble import run_ensemble
from sim.scenario.library import list_episodes
from sim.scenario.load import load_scenario

TABLES = ("runs", "steps", "bands", "key_runs")


def digest(runs: int, seed: int) -> tuple[int, str]:
    """The number of scenarios run and the hex digest of all their results."""
    h = hashlib.sha256()
    paths = [*list_episodes(), "scenarios/caribbean-2025.yaml"]
    for path in paths:
        results = run_ensemble(load_scenario(path), runs, seed, trace_replicates=20,
                               band_replicates=20, narrate=True, workers=1)
        for name in TABLES:
            table = getattr(results, name)
            h.update(name.encode())
            h.update(table.to_csv().encode())
            for column in table.columns:
                if table[column].dtype.kind == "f":
                    h.update(np.ascontiguousarray(table[column].to_numpy()).tobytes())
        h.update(repr(results.story()).encode())
    return len(paths), h.hexdigest()


def main() -> None:
    """Print the digest."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    t0 = time.perf_counter()
    count, hexdigest = digest(args.runs, args.seed)
    print(f"{count} scenarios, {args.runs} runs, seed {args.seed}: {hexdigest[:16]} "
          f"({time.perf_counter() - t0:.1f} s)")


if __name__ == "__main__":
    main()
