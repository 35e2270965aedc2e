"""``dipsim validate`` for sweep files: recognise one, and check it as ``dipsim sweep`` would.

Imports only what reading YAML needs until a sweep file is found, so ``dipsim validate``
of scenario files stays quick.
"""

from __future__ import annotations

from pathlib import Path

from sim.scenario.errors import InputError


def is_sweep_file(path: Path) -> bool:
    """Whether a file is a sweep file: a mapping with ``parameters`` (no scenario has one)."""
    from sim.scenario.yamlfile import read_yaml  # noqa: PLC0415

    try:
        data = read_yaml(path, "file").data
    except InputError:
        return False  # read again as a scenario, which reports the problem
    return isinstance(data, dict) and "parameters" in data


def validate_sweep_file(path: Path) -> str:
    """Check a sweep file as ``dipsim sweep`` would; the line that says it is sound."""
    from sim.experiments.sweepfile import load_sweep  # noqa: PLC0415

    sweep = load_sweep(path)
    spec = sweep.spec
    n = spec.n_points()
    return (f"ok: {path}: sweep file{': ' + spec.title if spec.title else ''} "
            f"({len(spec.parameters)} parameters, {spec.sampler}, {n:,} points x "
            f"{spec.replicates:,} replicates = {n * spec.replicates:,} runs of "
            f"{sweep.base.name})")
