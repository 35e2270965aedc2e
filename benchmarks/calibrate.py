"""Calibration time: a 5-fold ``dipsim calibrate`` with 1 and 2 workers, and the speed-up.

Runs a calibration file (default: ``scenarios/calibration/default.yaml``: 8 parameters,
every episode, 5 folds and a fit on all) end to end, results folder included, once per
worker count, each in a fresh process. ``--reduced`` scales the file down (population 16,
2 generations, 100 runs per episode per particle, 300 evaluation runs) for a quicker
measurement of the scaling; ``--population``, ``--generations`` and ``--runs`` set those
directly. The particles do not depend on the number of workers, so the posteriors of all
configurations are checked to be identical.

Target (issue 13): the 5-fold run of the default file finishes in <= 30 minutes on 2 cores.
The machine's load average is printed with each run: other work on the machine slows it.
So is the CPU time of the run and of every process it forked, and what it comes to on as
many idle cores as workers (a lower bound: it assumes the workers never wait).

Usage: python benchmarks/calibrate.py [FILE] [--workers 1 2] [--reduced]
                                      [--population N] [--generations N] [--runs N]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def one(path: str, out: str, workers: int) -> None:
    """Run one calibration in this process and print its figures as JSON."""
    from sim.experiments.calibrate import calibrate
    from sim.experiments.calibrate_file import load_calibration
    from sim.experiments.calibrate_report import posterior_table, save

    start = time.perf_counter()
    cal = load_calibration(path)
    seen: set[tuple[int, int]] = set()

    def progress(stage) -> None:  # one line per generation, on stderr
        if (stage.step, stage.generation) not in seen:
            seen.add((stage.step, stage.generation))
            print(f"  [{time.perf_counter() - start:7.0f} s] {stage.label}, generation "
                  f"{stage.generation}", file=sys.stderr, flush=True)

    result = calibrate(cal, workers=workers, progress=progress)
    folder = save(result, out)
    seconds = time.perf_counter() - start
    post = posterior_table(result)
    digest = hashlib.sha256(post.to_csv(index=False).encode()).hexdigest()[:16]
    print(json.dumps({
        "seconds": seconds, "folder": str(folder), "posterior": digest,
        "fits": {k: {"seconds": f.seconds, "simulated": f.simulated,
                     "kept": int(f.generations["evaluations"].sum())}
                 for k, f in result.fits.items()},
        "brier": {k: v["brier"] for k, v in result.scores.items()}}))


def main() -> None:
    """Measure each worker count, print a table and the speed-up."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?",
                        default=str(ROOT / "scenarios" / "calibration" / "default.yaml"))
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--reduced", action="store_true")
    parser.add_argument("--population", type=int)
    parser.add_argument("--generations", type=int)
    parser.add_argument("--runs", type=int)
    parser.add_argument("--keep", type=Path, help="Keep the results folders here")
    parser.add_argument("--one", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        one(args.one[0], args.one[1], int(args.one[2]))
        return
    data = yaml.safe_load(Path(args.file).read_text(encoding="utf-8"))
    if args.reduced:
        data.update(population=16, generations=2, runs=100, evaluation_runs=300)
    for key in ("population", "generations", "runs"):
        if getattr(args, key) is not None:
            data[key] = getattr(args, key)
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "calibration.yaml"
        spec.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        print(f"{args.file}: population {data.get('population')}, generations "
              f"{data.get('generations')}, runs {data.get('runs')}, folds "
              f"{data.get('folds', 5)}, {len(data['parameters'])} parameters; "
              f"{os.cpu_count()} cores", flush=True)
        rows = []
        for workers in args.workers:
            out = args.keep or Path(tmp) / f"out-{workers}"
            load = os.getloadavg()[0]
            env = {**os.environ, "PYTHONPATH": str(ROOT)}
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            proc = subprocess.run([sys.executable, __file__, "--one", str(spec), str(out),
                                   str(workers)], check=True, stdout=subprocess.PIPE,
                                  text=True, env=env)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            row = json.loads(proc.stdout.strip().splitlines()[-1])
            # CPU time of the run and of every process it forked (all waited for).
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            row.update(workers=workers, load_before=load, load_after=os.getloadavg()[0],
                       cpu_seconds=cpu)
            rows.append(row)
            kept = sum(f["kept"] for f in row["fits"].values())
            simulated = sum(f["simulated"] for f in row["fits"].values())
            print(f"workers {workers}: {row['seconds']:8.1f} s ({row['seconds'] / 60:5.1f} min)"
                  f"; particles kept {kept}, simulated {simulated}; load average "
                  f"{load:.1f} -> {row['load_after']:.1f}; posterior {row['posterior']}",
                  flush=True)
            print(f"  CPU time {cpu:,.0f} s ({cpu / row['seconds']:.2f} cores busy on "
                  f"average; the same work on {workers} idle core{'s' * (workers != 1)} "
                  f"would take about {cpu / workers / 60:.1f} min)", flush=True)
    base = rows[0]
    for row in rows[1:]:
        print(f"speed-up {base['workers']} -> {row['workers']} workers: "
              f"{base['seconds'] / row['seconds']:.2f}x")
    same = len({r["posterior"] for r in rows}) == 1
    print(f"posteriors identical across worker counts: {same}")
    best = min(r["seconds"] for r in rows if r["workers"] <= 2) / 60
    print(f"summary: {rows[-1]['workers']} workers {rows[-1]['seconds'] / 60:.1f} min; "
          f"target <= 30 min on 2 cores: {'met' if best <= 30 else 'MISSED'}")


if __name__ == "__main__":
    main()
