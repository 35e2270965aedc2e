"""Wall time of the command line, as a user meets it.

Times ``dipsim --help``, ``dipsim validate scenarios/caribbean-2025.yaml``,
``dipsim run --runs 1 --no-charts`` and ``dipsim run`` (the default scenario, its default
runs, with charts), each the median of several runs in fresh processes, and prints one
summary line against the targets (0.5 s, 0.5 s, 3 s, 4 s).

Usage: python benchmarks/cli.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIPSIM = Path(sys.executable).parent / "dipsim"


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    out = Path(tempfile.mkdtemp(prefix="dipsim-bench-"))
    commands = [
        ("dipsim --help", [str(DIPSIM), "--help"], 0.5),
        ("dipsim validate", [str(DIPSIM), "validate",
                             str(ROOT / "scenarios" / "caribbean-2025.yaml")], 0.5),
        ("dipsim run --runs 1 --no-charts", [str(DIPSIM), "run", "--runs", "1",
                                             "--no-charts", "--out", str(out)], 3.0),
        ("dipsim run (charts)", [str(DIPSIM), "run", "--out", str(out)], 4.0),
    ]
    results = []
    try:
        for name, cmd, target in commands:
            times = []
            for _ in range(args.repeats):
                start = time.perf_counter()
                subprocess.run(cmd, check=True, capture_output=True, cwd=ROOT)
                times.append(time.perf_counter() - start)
            median = statistics.median(times)
            results.append((name, median, target))
            print(f"{name:34} median {median:6.3f} s of {args.repeats} "
                  f"(min {min(times):.3f}, max {max(times):.3f}); target < {target} s")
    finally:
        shutil.rmtree(out, ignore_errors=True)
    ok = all(m < t for _, m, t in results)
    parts = ", ".join(f"{n} {m:.2f}s ({m / t:.2f} of target)" for n, m, t in results)
    print(f"SUMMARY cli: {parts}: {'PASS' if ok else 'FAIL'}")


if __name__ == "__main__":
    main()
