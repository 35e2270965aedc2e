"""Dask's cost per task on this machine, and what it means for a sweep on a cluster.

Starts the same Dask ``LocalCluster`` as ``dipsim sweep --executor dask`` (on 127.0.0.1
only, ``--workers`` single-threaded workers) and measures:

1. the per-task overhead: ``--tasks`` trivial tasks submitted as the sweep driver submits
   chunks (at most two per worker in flight, each result awaited), wall time per task;
2. the compute rate of a chunk: ``--chunk-runs`` runs of the default scenario (243 days)
   spread over design points of ``--replicates`` replicates, as a sweep chunk, in
   replicate-steps per second per worker (after a warm-up chunk per worker);
3. from those: the overhead's share of a chunk for several chunk sizes, and the expected
   wall time of a sweep of 10^9 replicate-steps on N workers (each worker one core like
   these), ``T(N) = steps / (rate x N) + chunks / N x overhead``.

Every loop is bounded (``--tasks``, ``--chunks``); nothing leaves the machine.

Usage: python benchmarks/dask_overhead.py [--workers 2] [--tasks 400] [--chunk-runs 500]
                                          [--replicates 100] [--chunks 4]
"""

from __future__ import annotations

import argparse
import os
import time
from concurrent.futures import FIRST_COMPLETED, wait


def pipelined(ex, fn, args: list, window: int) -> float:
    """Run ``fn(a)`` for every ``a`` with at most ``window`` in flight; wall seconds."""
    start = time.perf_counter()
    pending = set()
    queue = iter(args)
    while True:
        while len(pending) < window:
            a = next(queue, None)
            if a is None:
                break
            pending.add(ex.submit(fn, a))
        if not pending:
            break
        done, pending = wait(pending, return_when=FIRST_COMPLETED)
        for f in done:
            f.result()
    return time.perf_counter() - start


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--tasks", type=int, default=400)
    parser.add_argument("--chunk-runs", type=int, default=500)
    parser.add_argument("--replicates", type=int, default=100)
    parser.add_argument("--chunks", type=int, default=4, help="Timed chunks per worker")
    args = parser.parse_args()

    from sim.experiments.design import Chunk, RunSpec
    from sim.experiments.executors import ChunkTask, open_executor, run_chunk
    from sim.experiments.sweepfile import DEFAULT_OUTPUTS, _scenario_data
    from sim.scenario.load import load_scenario

    base = load_scenario("caribbean-2025")
    data = _scenario_data(base)
    per_chunk = args.chunk_runs // args.replicates

    def task(k: int) -> ChunkTask:
        specs = tuple(RunSpec(k * per_chunk + i, 0, args.replicates,
                              (("boat_strike_tempo", 1.0 + 0.01 * i),))
                      for i in range(per_chunk))
        return ChunkTask(Chunk(k, specs), data, 7, DEFAULT_OUTPUTS)

    print(f"Dask per-task overhead: LocalCluster of {args.workers} workers on "
          f"{os.cpu_count()} CPUs; load average "
          f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    window = 2 * args.workers
    with open_executor("dask", args.workers) as (ex, _, _):
        list(ex.map(abs, range(4 * args.workers)))  # every worker up
        pipelined(ex, abs, list(range(50)), window)  # warm
        seconds = pipelined(ex, abs, list(range(args.tasks)), window)
        overhead = seconds / args.tasks * args.workers  # a worker's share of the wall time
        print(f"{args.tasks} trivial tasks, {window} in flight: {seconds:.2f} s, "
              f"{seconds / args.tasks * 1000:.1f} ms per task of wall time, "
              f"{overhead * 1000:.1f} ms of each worker's time per task")
        pipelined(ex, run_chunk, [task(k) for k in range(args.workers)], window)  # warm
        n = args.chunks * args.workers
        seconds = pipelined(ex, run_chunk, [task(k) for k in range(n)], window)
    steps = n * per_chunk * args.replicates * base.horizon_days
    rate = steps / seconds / args.workers
    chunk_seconds = per_chunk * args.replicates * base.horizon_days / rate
    print(f"{n} chunks of {args.chunk_runs} runs ({per_chunk} points x {args.replicates} "
          f"replicates x {base.horizon_days} days): {seconds:.1f} s, "
          f"{rate:,.0f} replicate-steps/s per worker, {chunk_seconds:.2f} s per chunk")
    for runs in (100, 250, 500, 1000, 5000):
        c = runs * base.horizon_days / rate
        print(f"  chunk of {runs:>5,} runs: {c:6.2f} s of compute, overhead "
              f"{overhead / (c + overhead):6.2%}")
    total = 1e9
    chunks = total / (args.chunk_runs * base.horizon_days)
    for workers in (2, 16, 64, 256):
        t = total / (rate * workers) + chunks / workers * overhead
        print(f"  10^9 replicate-steps on {workers:>3} workers: {t / 60:7.1f} min "
              f"({chunks:,.0f} chunks of {args.chunk_runs} runs)")
    print(f"SUMMARY dask: {overhead * 1000:.1f} ms per task per worker, {rate:,.0f} "
          f"replicate-steps/s per worker; 10^9 replicate-steps take about "
          f"{(total / (rate * 64) + chunks / 64 * overhead) / 60:.0f} min on 64 such workers")


if __name__ == "__main__":
    main()
