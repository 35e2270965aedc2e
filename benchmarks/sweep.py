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

Each configuration's time is split into the executor's start-up, the sweep and the
shut-down, with how busy the workers were during the sweep (their summed chunk times over
workers x sweep time) and the first chunk's time (it imports dipsim and Mesa in a worker
that has not yet).

Usage: python benchmarks/sweep.py [--points 1000] [--replicates 100] [--chunk-runs 500]
                                  [--no-dask] [--keep DIR]
       python benchmarks/sweep.py --sweep scenarios/sweeps/strikes-vs-oil.yaml \
                                  --configs local-2,dask-2 --repeat 3
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
from concurrent.futures import Executor
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


class Timed(Executor):
    """An executor that notes each finished chunk's time on its worker."""

    def __init__(self, inner: Executor):
        self.inner = inner
        self.seconds: list[float] = []

    def submit(self, fn, /, *args, **kwargs):
        fut = self.inner.submit(fn, *args, **kwargs)

        def note(f) -> None:
            if not f.cancelled() and f.exception() is None:
                self.seconds.append(f.result().seconds)

        fut.add_done_callback(note)
        return fut


def one(sweep: str, out: str, executor: str, workers: int, chunk_runs: int) -> None:
    """Run one configuration in this process and print its figures as JSON.

    The time is split into the executor's start-up (opening the pool or the cluster until
    every worker can take work), the sweep (every chunk run and written) and the
    shut-down; each chunk's time on its worker is summed too, so what the executor costs
    is the wall time its workers did not spend computing.
    """
    from sim.experiments import executors
    from sim.experiments.sweep import load_sweep, run_sweep

    spec = load_sweep(sweep)
    start = time.perf_counter()
    with executors.open_executor(executor, workers) as (ex, _, _):
        list(ex.map(abs, range(4 * workers)))  # every worker up (a trivial task each)
        started = time.perf_counter()
        timed = Timed(ex)
        res = run_sweep(spec, out=out, executor=timed, workers=workers, chunk_runs=chunk_runs)
        swept = time.perf_counter()
    ended = time.perf_counter()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
    print(json.dumps({"seconds": ended - start, "startup": started - start,
                      "sweep": swept - started, "shutdown": ended - swept,
                      "worker": sum(timed.seconds), "first": max(timed.seconds[:workers]),
                      "runs": res.runs, "chunks": res.chunks, "failed": res.failed_runs,
                      "rss": rss, "folder": str(res.folder)}))


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
    parser.add_argument("--sweep", type=Path, help="Run this sweep file instead (e.g. "
                        "scenarios/sweeps/strikes-vs-oil.yaml); --points/--replicates unused")
    parser.add_argument("--configs", default="local-1,local-2,dask-2",
                        help="Comma-separated executor-workers to run, in order")
    parser.add_argument("--repeat", type=int, default=1,
                        help="Run the configurations this many times, alternating")
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
        if args.sweep:
            sweep = args.sweep.resolve()
            what = f"{sweep.name}"
        else:
            sweep = tmp / "bench.yaml"
            sweep.write_text(textwrap.dedent(SWEEP).format(points=args.points,
                                                            replicates=args.replicates))
            what = (f"{args.points:,} points x {args.replicates:,} replicates = "
                    f"{args.points * args.replicates:,} runs of caribbean-2025 (243 days)")
        print(f"Sweep benchmark: {what}, {args.chunk_runs} runs per chunk; {os.cpu_count()} "
              f"CPUs; load average {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
        configs = [c for c in args.configs.split(",") if not (args.no_dask and "dask" in c)]
        results: dict[str, list[dict]] = {c: [] for c in configs}
        for k in range(args.repeat):
            for name in configs:
                executor, workers = name.rsplit("-", 1)
                r = measure(sweep, tmp / f"{name}-{k}", executor, int(workers), args.chunk_runs)
                results[name].append(r)
                busy = r["worker"] / (int(workers) * r["sweep"])
                print(f"{name:>8}: {r['seconds']:7.1f} s  (start-up {r['startup']:5.1f} s, "
                      f"sweep {r['sweep']:6.1f} s, shut-down {r['shutdown']:4.1f} s)  "
                      f"{r['runs'] / r['seconds']:6,.0f} runs/s  {r['chunks']:,} chunks, "
                      f"workers busy {busy:.0%} of the sweep, first chunk {r['first']:.1f} s, "
                      f"mean chunk {r['worker'] / r['chunks']:.2f} s; driver peak RSS "
                      f"{r['rss'] / 2**20:4.0f} MB"
                      + (f"  {r['failed']:,} failed runs" if r["failed"] else ""))
        from pandas.testing import assert_frame_equal

        from sim.experiments.store import read_runs

        tables = [read_runs(rs[0]["folder"]) for rs in results.values()]
        for t in tables[1:]:
            assert_frame_equal(tables[0], t)
        print(f"run tables identical across {len(tables)} configurations "
              f"({len(tables[0]):,} rows each)")
        print(f"load average after: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")

        def median(name: str, key: str = "seconds") -> float:
            return float(sorted(r[key] for r in results[name])[len(results[name]) // 2])

        parts = []
        if "local-1" in results and "local-2" in results:
            speedup = median("local-1") / median("local-2")
            parts.append(f"2 workers {speedup:.2f}x one worker (target >= 1.7: "
                         f"{'ok' if speedup >= 1.7 else 'MISSED'})")
        if "dask-2" in results and "local-2" in results:
            ratio = median("dask-2") / median("local-2")
            parts.append(f"Dask {ratio:.2f}x the local pool's time (target <= 1.25: "
                         f"{'ok' if ratio <= 1.25 else 'MISSED'}; medians of {args.repeat})")
        rss = max(r["rss"] for rs in results.values() for r in rs) / 2**20
        parts.append(f"driver peak RSS {rss:.0f} MB (target < 1024: "
                     f"{'ok' if rss < 1024 else 'MISSED'})")
        print("SUMMARY: " + "; ".join(parts))


if __name__ == "__main__":
    main()
