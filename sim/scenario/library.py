"""The scenario library: where the shipped scenario files live and how a name finds one.

``caribbean-2025`` (the late-2025 campaign) is the default scenario. A name without a
suffix or folder is looked up in the library; anything else is a path. The library is
``sim/scenarios`` in an installed package, ``scenarios/`` in a checkout.
"""

from __future__ import annotations

from pathlib import Path

#: The scenario ``dipsim run`` and ``sim.run()`` use when none is named.
DEFAULT_SCENARIO = "caribbean-2025"


def _library_dirs() -> list[Path]:
    package = Path(__file__).resolve().parent.parent  # sim/, which holds this layer
    return [package / "scenarios", package.parent / "scenarios"]


def scenario_dir() -> Path:
    """The folder of the scenario library shipped with dipsim."""
    for d in _library_dirs():
        if d.is_dir():
            return d
    return _library_dirs()[-1]


def resolve_scenario_path(name_or_path: str | Path | None) -> Path:
    """A path to a scenario file from a path, a library name, or None (the default)."""
    if name_or_path is None:
        name_or_path = DEFAULT_SCENARIO
    p = Path(name_or_path)
    if p.suffix in (".yaml", ".yml") or len(p.parts) > 1 or path_exists(p):
        return p
    candidate = scenario_dir() / f"{name_or_path}.yaml"
    return candidate if path_exists(candidate) else p


def path_exists(p: Path) -> bool:
    """Whether ``p`` exists; False for a name the OS refuses (too long), which reading reports."""
    try:
        return p.exists()
    except OSError:
        return False


def missing_scenario_message(name_or_path: str | Path) -> str:
    """What to say when a scenario cannot be found.

    The closest names in the library, if any, and where to look (``dipsim list``).
    """
    import difflib  # noqa: PLC0415

    text = str(name_or_path)
    stem = Path(text).stem
    names = [p.stem for p in list_scenarios()]
    near = difflib.get_close_matches(stem, names, n=3, cutoff=0.6)
    what = "no such scenario file" if Path(text).suffix or len(Path(text).parts) > 1 \
        else "no such scenario file, and no library scenario of that name"
    hint = f"; did you mean {' or '.join(repr(n) for n in near)}?" if near else ""
    return f"{what}{hint} ('dipsim list' shows the library's scenarios)"


def list_scenarios() -> list[Path]:
    """The scenario files of the library, sorted by name."""
    d = scenario_dir()
    return sorted(d.glob("*.yaml")) if d.is_dir() else []


#: The folder of the library that holds the episodes of the record.
EPISODES = "episodes"


def episode_dir() -> Path:
    """The folder of the episode library (``scenarios/episodes``)."""
    return scenario_dir() / EPISODES


def list_episodes() -> list[Path]:
    """The episode files of the library, sorted by name (hence by date)."""
    d = episode_dir()
    return sorted(d.glob("*.yaml")) if d.is_dir() else []


def resolve_episode_path(name_or_path: str | Path) -> Path:
    """A path to an episode file from a path or an episode name (``2019-guaido-rupture``)."""
    p = Path(name_or_path)
    if p.suffix in (".yaml", ".yml") or len(p.parts) > 1 or path_exists(p):
        return p
    candidate = episode_dir() / f"{name_or_path}.yaml"
    return candidate if path_exists(candidate) else p
