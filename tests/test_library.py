"""The scenario library: complete, sourced, and each scenario with its own profile."""

from __future__ import annotations

import itertools

import pytest

from sim.experiments.profiles import profiles, profiles_markdown
from sim.model.model import OUTCOMES
from tests.conftest import SCENARIOS

REQUIRED = {"caribbean-2025", "maximum-pressure", "ultimatum", "turning-the-screw",
            "carrot-and-stick", "oil-for-drugs", "mediation", "strikes-stop",
            "covert-to-overt"}


def test_the_library_holds_the_scenarios_the_issue_names():
    names = {p.stem for p in SCENARIOS}
    assert names >= REQUIRED and len(names) >= 8


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_every_scenario_cites_sources_and_marks_assumptions(path):
    text = path.read_text()
    assert text.startswith("#"), "a header comment gives the context and the sources"
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if (line.lstrip().startswith("- ") and "type:" in line) or line.strip().startswith(
                "type:"):
            window = " ".join(lines[max(0, i - 2): i + 3])
            assert "#" in window, f"{path.name}:{i + 1}: a pressure without a source comment"


@pytest.mark.slow
def test_profiles_are_distinct_for_every_pair_of_scenarios():
    table = profiles(runs=300, seed=5)
    labels = [o.label for o in OUTCOMES]
    assert ((table[labels].sum(axis=1) - 1).abs() < 1e-9).all()
    for a, b in itertools.combinations(table.index, 2):
        gap = (table.loc[a, labels] - table.loc[b, labels]).abs().max()
        assert gap >= 0.08, f"{a} and {b} end alike (largest difference {gap:.2f})"
    text = profiles_markdown(table)
    assert text.count("\n") == len(table) + 1 and "`caribbean-2025`" in text
