"""Peak memory of a large run: ``dipsim run --runs N --no-charts``.

Runs the command in a child process and prints one summary line against the target
(1.5 GB for 100,000 runs, the first target; 2 GB for any larger run: the peak must stay
flat in ``--runs``). dipsim splits each chunk of replicates over the cores (forked
processes), so two figures are taken: the largest single process's peak resident set size
(``ru_maxrss``) and the peak of the sum over dipsim and its children, sampled every 20 ms.
The sum adds each process's proportional set size (``Pss`` in ``/proc/PID/smaps_rollup``:
a page shared by two processes after a fork counts half in each), so it is the memory the
run really holds; the resident sizes (``VmRSS``, which count a shared page in full in
every process) are summed too, as an upper bound. The summary uses the larger of the
largest process and the proportional sum. Default outputs: the run table for every
replicate (written to ``runs.parquet`` chunk by chunk), per-day bands from the first
2,000, per-day rows for the first 200.

Usage: python benchmarks/memory.py [--runs 100000]     # e.g. --runs 10000000
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DIPSIM = Path(sys.executable).parent / "dipsim"


def target_gb(runs: int) -> float:
    """1.5 GB up to 100,000 runs (the first target), 2 GB beyond (issue 17: 10M runs)."""
    return 1.5 if runs <= 100_000 else 2.0


def _kib(path: str, key: str) -> int:
    with open(path) as fh:
        for line in fh:
            if line.startswith(key):
                return int(line.split()[1])
    return 0


def tree_memory(pid: int) -> tuple[int, int]:
    """(proportional, resident) bytes of a process and its descendants now."""
    try:
        pss = _kib(f"/proc/{pid}/smaps_rollup", "Pss:") * 1024
        rss = _kib(f"/proc/{pid}/status", "VmRSS:") * 1024
        with open(f"/proc/{pid}/task/{pid}/children") as children:
            kids = [int(k) for k in children.read().split()]
    except (FileNotFoundError, ProcessLookupError):
        return 0, 0
    for k in kids:
        p, r = tree_memory(k)
        pss += p
        rss += r
    return pss, rss


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100_000)
    args = parser.parse_args()
    out = Path(tempfile.mkdtemp(prefix="dipsim-mem-"))
    # dipsim's errors go to a file, not a pipe: nothing reads them while it runs.
    with tempfile.TemporaryFile() as errors:
        try:
            start = time.perf_counter()
            proc = subprocess.Popen([str(DIPSIM), "run", "--runs", str(args.runs),
                                     "--no-charts", "--out", str(out)],
                                    stdout=subprocess.DEVNULL, stderr=errors)
            pss_peak = rss_peak = 0
            while proc.poll() is None:
                pss, rss = tree_memory(proc.pid)
                pss_peak, rss_peak = max(pss_peak, pss), max(rss_peak, rss)
                time.sleep(0.02)
            if proc.returncode:
                errors.seek(0)
                raise SystemExit(f"dipsim failed: {errors.read().decode(errors='replace')}")
            seconds = time.perf_counter() - start
            largest_gb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024**2
            (folder,) = (out / "caribbean-2025").iterdir()
            sizes = {p.name: p.stat().st_size for p in folder.iterdir()}
        finally:
            shutil.rmtree(out, ignore_errors=True)
    pss_gb, rss_gb = pss_peak / 1024**3, rss_peak / 1024**3
    peak_gb = max(largest_gb, pss_gb)
    target = target_gb(args.runs)
    print(f"dipsim run --runs {args.runs:,} --no-charts: {seconds:.1f} s, peak RSS "
          f"{largest_gb:.2f} GB (largest process); sum over the processes: {pss_gb:.2f} GB "
          f"proportional, {rss_gb:.2f} GB resident (shared pages counted in each)")
    for name, size in sorted(sizes.items()):
        print(f"  {name:16} {size / 1e6:8.2f} MB")
    ok = peak_gb < target
    print(f"SUMMARY memory: peak {peak_gb:.2f} GB for {args.runs:,} runs "
          f"({peak_gb / target:.2f} of the {target:g} GB target): {'PASS' if ok else 'FAIL'}")


if __name__ == "__main__":
    main()
