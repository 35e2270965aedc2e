"""Fingerprints of every library scenario's results, to compare two versions of the code.

A refactoring that claims "behaviour unchanged" runs this on the old commit and on the new
one and compares the two files: every run table, trace, band table and story must hash the
same. It uses only the public API (``sim.run``, ``Results``), so it runs on either side of a
change of layout.

    python benchmarks/exactness.py --out /tmp/before.json          # on the old commit
    python benchmarks/exactness.py --out /tmp/after.json           # on the new one
    python benchmarks/exactness.py --compare /tmp/before.json /tmp/after.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _digest(array: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()[:16]


def fingerprints(runs: int, seed: int, workers: int) -> dict[str, dict[str, str]]:
    import sim

    try:
        from sim.output import narrative
    except ImportError:  # the layout before sim/ was split into layers
        from sim import narrative

    out: dict[str, dict[str, str]] = {}
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        res = sim.run(str(path), runs=runs, seed=seed, workers=workers)
        d = res.data
        entry = {f"runs.{k}": _digest(np.asarray(v)) for k, v in sorted(d.runs.items())}
        entry["trace"] = _digest(d.trace)
        entry["band_trace"] = _digest(d.band_trace)
        story = res.story() if hasattr(res, "story") else res  # before/after the refactoring
        entry["story"] = hashlib.sha256(
            narrative.narrative_markdown(story).encode()).hexdigest()[:16]
        out[path.stem] = entry
        print(path.stem, res.probabilities()["probability"].round(3).to_dict(), flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--compare", nargs=2, type=Path)
    args = ap.parse_args()
    if args.compare:
        a, b = (json.loads(p.read_text()) for p in args.compare)
        bad = [(s, k) for s in sorted(set(a) | set(b))
               for k in sorted(set(a.get(s, {})) | set(b.get(s, {})))
               if a.get(s, {}).get(k) != b.get(s, {}).get(k)]
        for s in sorted({s for s, _ in bad}):
            keys = [k for t, k in bad if t == s]
            print(f"DIFFERS {s}: {', '.join(keys[:6])}{' ...' if len(keys) > 6 else ''}")
        print("identical" if not bad else f"{len(bad)} differences")
        sys.exit(1 if bad else 0)
    result = fingerprints(args.runs, args.seed, args.workers)
    text = json.dumps(result, indent=1, sort_keys=True)
    if args.out:
        args.out.write_text(text)
    else:
        print(text)


if __name__ == "__main__":
    main()
