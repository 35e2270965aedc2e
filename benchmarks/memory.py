"""Peak memory of a large run: ``dipsim run --runs 100000 --no-charts``.

Runs the command in a child process and reads the child's peak resident set size
(``ru_maxrss``), then prints one summary line against the 1.5 GB target. Default outputs:
the run table for every replicate, per-day bands from the first 10,000, per-day rows for
the first 200.

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


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100_000)
    args = parser.parse_args()
    out = Path(tempfile.mkdtemp(prefix="dipsim-mem-"))
    try:
        start = time.perf_counter()
        subprocess.run([str(DIPSIM), "run", "--runs", str(args.runs), "--no-charts",
                        "--out", str(out)], check=True, capture_output=True)
        seconds = time.perf_counter() - start
        peak_gb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024**2
        (folder,) = (out / "caribbean-2025").iterdir()
        sizes = {p.name: p.stat().st_size for p in folder.iterdir()}
    finally:
        shutil.rmtree(out, ignore_errors=True)
    print(f"dipsim run --runs {args.runs:,} --no-charts: {seconds:.1f} s, peak RSS "
          f"{peak_gb:.2f} GB")
    for name, size in sorted(sizes.items()):
        print(f"  {name:16} {size / 1e6:8.2f} MB")
    ok = peak_gb < TARGET_GB
    print(f"SUMMARY memory: peak RSS {peak_gb:.2f} GB for {args.runs:,} runs "
          f"({peak_gb / TARGET_GB:.2f} of the 1.5 GB target): {'PASS' if ok else 'FAIL'}")


if __name__ == "__main__":
    main()
