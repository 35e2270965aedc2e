"""Sweep throughput: 1 vs 2 local workers, and a Dask LocalCluster, on the same sweep.

The sweep is a Latin hypercube over three parameters of the default scenario (boat-strike
tempo, Venezuela's oil salience, US cost tolerance) at the default horizon, ``--points``
design points x ``--replicates`` replicates (default 1,000 x 100 = 100,000 runs). Each
configuration runs in a fresh process (the driver), into its own results folder, so times
include starting the workers or the cluster, and the driver's peak RSS is its own
(``ru_maxrss``; workers are separate processes). The run tables of all configurations are
checked to be identical.

Targets: 2 workers >= 1.7x one worker; Dask within 1.25x of the local pool (2 workers);
driver peak RSS < 1 GB. The last line is a one-line summary with the ratios.

Usage: python benchmarks/sweep.py [--points 1000] [--replicates 100] [--chunk-runs 500]
                                  [--no-dask] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

SWEEP = """\
name: bench
title: Sweep benchmark
scenario: caribbean-2025
parameters:
  - path: boat_strike_tempo
    range: [0, 4]
  - path: actors.venezuela.salience.oil
    range: [0.2, 0.8]
  - path: actors.us.cost_tolerance
    range: [0.1, 0.7]
sampler: latin_hypercube
samples: {points}
replicates: {replicates}
seed: 7
"""


def one(sweep: str, out: str, executor: str, workers: int, chunk_runs: int) -> None:
    """Run one configuration in this process and print its figures as JSON."""
    from sim.experiments.sweep import run_sweep

    start = time.perf_counter()
    res = run_sweep(sweep, out=out, executor=executor, workers=workers, chunk_runs=chunk_runs)
    seconds = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
    print(json.dumps({"seconds": seconds, "runs": res.runs, "chunks": res.chunks,
                      "failed": res.failed_runs, "rss": rss, "folder": str(res.folder)}))


def measure(sweep: Path, out: Path, executor: str, workers: int, chunk_runs: int) -> dict:
    """Run a configuration in a fresh driver process and return its figures."""
    proc = subprocess.run(
        [sys.executable, __file__, "--one", str(sweep), str(out), executor, str(workers),
         str(chunk_runs)], check=True, capture_output=True, text=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    """Measure each configuration, print a table and the summary line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1000)
    parser.add_argument("--replicates", type=int, default=100)
    parser.add_argument("--chunk-runs", type=int, default=500)
    parser.add_argument("--no-dask", action="store_true", help="Skip the Dask LocalCluster")
    parser.add_argument("--keep", type=Path, help="Keep the results folders here")
    parser.add_argument("--one", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        sweep, out, executor, workers, chunk_runs = args.one
        one(sweep, out, executor, int(workers), int(chunk_runs))
        return
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = args.keep or Path(tmpdir)
        tmp.mkdir(parents=True, exist_ok=True)
        sweep = tmp / "bench.yaml"
        sweep.write_text(textwrap.dedent(SWEEP).format(points=args.points,
                                                        replicates=args.replicates))
        runs = args.points * args.replicates
        print(f"Sweep benchmark: {args.points:,} points x {args.replicates:,} replicates = "
              f"{runs:,} runs of caribbean-2025 (243 days), {args.chunk_runs} runs per "
              f"chunk; {os.cpu_count()} CPUs; load average "
              f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}")
        configs = [("local", 1), ("local", 2)] + ([] if args.no_dask else [("dask", 2)])
        results = {}
        for executor, workers in configs:
            name = f"{executor}-{workers}"
            r = measure(sweep, tmp / name, executor, workers, args.chunk_runs)
            results[name] = r
            print(f"{name:>8}: {r['seconds']:8.1f} s  {r['runs'] / r['seconds']:8,.0f} runs/s  "
                  f"{r['chunks']:,} chunks  driver peak RSS {r['rss'] / 2**20:6.0f} MB"
                  + (f"  {r['failed']:,} failed runs" if r["failed"] else ""))
        from pandas.testing import assert_frame_equal

        from sim.experiments.store import read_runs

        tables = [read_runs(r["folder"]) for r in results.values()]
        for t in tables[1:]:
            assert_frame_equal(tables[0], t)
        print(f"run tables identical across {len(tables)} configurations "
              f"({len(tables[0]):,} rows each)")
        print(f"load average after: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
        speedup = results["local-1"]["seconds"] / results["local-2"]["seconds"]
        parts = [f"2 workers {speedup:.2f}x one worker (target >= 1.7: "
                 f"{'ok' if speedup >= 1.7 else 'MISSED'})"]
        if "dask-2" in results:
            ratio = results["dask-2"]["seconds"] / results["local-2"]["seconds"]
            parts.append(f"Dask {ratio:.2f}x the local pool's time (target <= 1.25: "
                         f"{'ok' if ratio <= 1.25 else 'MISSED'})")
        rss = max(r["rss"] for r in results.values()) / 2**20
        parts.append(f"driver peak RSS {rss:.0f} MB (target < 1024: "
                     f"{'ok' if rss < 1024 else 'MISSED'})")
        print(f"SUMMARY ({args.points:,} x {args.replicates:,}): " + "; ".join(parts))


if __name__ == "__main__":
    main()
