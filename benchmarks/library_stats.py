"""What taking statistics from scipy would cost a run: the import of scipy.stats, and calls.

The architecture issue asks for library statistics (Wilson intervals from
``scipy.stats.binomtest``, Poisson thresholds from ``scipy.stats.poisson``) unless they cost
more than 5% of a run. A run imports Mesa, which loads ``scipy.special`` but not
``scipy.stats``; this measures, in fresh processes, how long ``import scipy.stats`` takes
once Mesa is loaded, against ``dipsim run --runs 1 --no-charts`` and ``dipsim run
--no-charts`` (1,000 runs), and the cost of one call of each way of computing the Poisson
thresholds and a Wilson interval.

Usage: python benchmarks/library_stats.py [--repeats 7]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

IMPORT = ("import time, mesa; t = time.perf_counter(); import scipy.stats; "
          "print(time.perf_counter() - t)")


def _median_seconds(command: list[str], repeats: int, output: bool = False) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        r = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
        times.append(float(r.stdout) if output else time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    """Measure and print."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()
    out = tempfile.mkdtemp(prefix="dipsim-bench-")
    imp = _median_seconds([sys.executable, "-c", IMPORT], args.repeats, output=True)
    one = _median_seconds([sys.executable, "-m", "sim", "run", "--runs", "1", "--no-charts",
                           "--out", out], args.repeats)
    many = _median_seconds([sys.executable, "-m", "sim", "run", "--no-charts", "--out", out],
                           args.repeats)
    print(f"import scipy.stats after mesa: median {imp:.3f} s")
    print(f"dipsim run --runs 1 --no-charts: median {one:.3f} s; scipy.stats would add "
          f"{imp / one:.0%}")
    print(f"dipsim run --no-charts (1,000 runs): median {many:.3f} s; scipy.stats would add "
          f"{imp / many:.0%}")

    import numpy as np
    import scipy.stats
    from scipy.special import pdtr, pdtrik

    from sim.model.timeline import poisson_thresholds
    from sim.output.stats import wilson_interval

    rate, tail = 1.75 / 7, 1e-12

    def via_stats() -> np.ndarray:
        last = int(scipy.stats.poisson.ppf(1 - tail, rate))
        return scipy.stats.poisson.cdf(np.arange(last + 1), rate)

    def via_special() -> np.ndarray:
        return pdtr(np.arange(int(np.ceil(pdtrik(1 - tail, rate))) + 1), rate)

    calls = {
        "poisson_thresholds (scipy.special)": lambda: poisson_thresholds(rate),
        "scipy.stats.poisson ppf + cdf": via_stats,
        "scipy.special pdtrik + pdtr": via_special,
        "wilson_interval (numpy)": lambda: wilson_interval(37, 100),
        "scipy.stats.binomtest(...).proportion_ci": lambda: scipy.stats.binomtest(
            37, 100).proportion_ci(method="wilson"),
    }
    for name, fn in calls.items():
        per = min(timeit.repeat(fn, number=200, repeat=5)) / 200
        print(f"{name:42} {per * 1e6:8.1f} us per call")


if __name__ == "__main__":
    main()
