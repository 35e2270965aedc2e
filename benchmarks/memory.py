"""Peak memory of a large run: ``dipsim run --runs 100000 --no-charts``.

Runs the command in a child process and prints one summary line against the 1.5 GB
target. dipsim splits each chunk of replicates over the cores (forked processes), so two
figures are taken: the largest single process's peak resident set size (``ru_maxrss``)
and the peak of the sum over dipsim and its children, sampled every 20 ms (pages shared
after a fork count once per process, so the sum is an upper bound); the summary uses the
larger. Default outputs: the run table for every replicate, per-day bands from the first
2,000, per-day rows for the first 200.

Usage: python benchmarks/memory.py [--runs 100000]
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
TARGET_GB = 1.5


def tree_rss(pid: int) -> int:
    """Resident bytes of a process and its descendants now (0 for those already gone)."""
    total = 0
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        with open(f"/proc/{pid}/task/{pid}/children") as children:
            kids = [int(k) for k in children.read().split()]
    except (FileNotFoundError, ProcessLookupError):
        return total
    return total + sum(tree_rss(k) for k in kids)


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
            tree_peak = 0
            while proc.poll() is None:
                tree_peak = max(tree_peak, tree_rss(proc.pid))
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
    tree_gb = tree_peak / 1024**3
    peak_gb = max(largest_gb, tree_gb)
    print(f"dipsim run --runs {args.runs:,} --no-charts: {seconds:.1f} s, peak RSS "
          f"{largest_gb:.2f} GB (largest process), {tree_gb:.2f} GB (sum over the processes)")
    for name, size in sorted(sizes.items()):
        print(f"  {name:16} {size / 1e6:8.2f} MB")
    ok = peak_gb < TARGET_GB
    print(f"SUMMARY memory: peak RSS {peak_gb:.2f} GB for {args.runs:,} runs "
          f"({peak_gb / TARGET_GB:.2f} of the 1.5 GB target): {'PASS' if ok else 'FAIL'}")


if __name__ == "__main__":
    main()
