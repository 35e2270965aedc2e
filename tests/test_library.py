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


def _pressure_blocks(text: str) -> list[tuple[int, str]]:
    """Each pressure of a scenario file as (first line, its text), comments included."""
    lines = text.splitlines()
    # The items of the top-level "pressures:" list, to the next top-level key.
    first = next((i + 1 for i, line in enumerate(lines) if line.startswith("pressures:")),
                 len(lines))
    last = next((i for i in range(first, len(lines))
                 if lines[i][:1].isalpha()), len(lines))
    starts = [i for i in range(first, last) if lines[i].lstrip().startswith("- ")
              and ("type:" in lines[i] or "id:" in lines[i])]
    blocks = []
    for k, i in enumerate(starts):
        end = starts[k + 1] if k + 1 < len(starts) else len(lines)
        # A block ends where the list does: a line back at the list's indentation or less.
        indent = len(lines[i]) - len(lines[i].lstrip())
        j = i + 1
        while j < end and (not lines[j].strip() or lines[j].lstrip().startswith("#")
                           or len(lines[j]) - len(lines[j].lstrip()) > indent):
            j += 1
        # Comment lines right above the item belong to it.
        top = i
        while top > 0 and lines[top - 1].lstrip().startswith("#"):
            top -= 1
        blocks.append((i + 1, "\n".join(lines[top:j])))
    return blocks


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_every_scenario_cites_sources_and_marks_assumptions(path):
    """A header comment, and in each pressure a comment naming its source or assumption.

    The comment must be inside the pressure's own lines (a ``#`` on one of its lines, or a
    ``note:``), and it must say something: a URL, a publisher or document, a date, or the
    word ASSUMPTION (or an explanation of a judgement).
    """
    text = path.read_text()
    assert text.startswith("#"), "a header comment gives the context and the sources"
    blocks = _pressure_blocks(text)
    assert blocks, "no pressure found"
    for line, block in blocks:
        comments = [part.split("#", 1)[1] for part in block.splitlines() if "#" in part]
        comments += [part.split("note:", 1)[1] for part in block.splitlines()
                     if "note:" in part]
        said = " ".join(comments).strip()
        assert len(said) >= 12, f"{path.name}:{line}: a pressure without a source comment"


def test_the_source_check_fails_on_a_pressure_without_a_comment(tmp_path):
    """The check above is not fooled by a comment on a neighbouring pressure."""
    text = ("# header\nthird_parties:\n  - id: china\npressures:\n"
            "  - type: bounty           # reward doubled (Attorney General, 2025-08-07)\n"
            "    sender: us\n"
            "  - type: boat_strike\n"
            "    sender: us\n")
    blocks = _pressure_blocks(text)
    assert [len(b.split("#", 1)[1].strip()) if "#" in b else 0 for _, b in blocks][1] == 0
    above = "# header\npressures:\n  # ASSUMPTION: the campaign goes on\n  - type: boat_strike\n"
    assert "ASSUMPTION" in _pressure_blocks(above)[0][1]


#: Pairs of library scenarios that model v2 ends alike, with why (docs/scenarios.md): the
#: blockade and the seizures decide the record's ending whatever China buys; a covert
#: campaign on land removes the leader as surely as an ultimatum's punishment does; relief
#: that is not offered for anything leaves a stalemate whether or not the strikes stop.
ALIKE = {("caribbean-2025", "china-buys-oil"), ("covert-to-overt", "ultimatum"),
         ("relief-for-migration", "strikes-stop")}


@pytest.mark.slow
def test_profiles_are_distinct_for_every_pair_of_scenarios():
    table = profiles(runs=1000, seed=5)  # differences of 0.06 are 4 standard errors
    labels = [o.label for o in OUTCOMES]
    assert ((table[labels].sum(axis=1) - 1).abs() < 1e-9).all()
    for a, b in itertools.combinations(table.index, 2):
        gap = (table.loc[a, labels] - table.loc[b, labels]).abs().max()
        if (a, b) in ALIKE:
            assert gap < 0.06, f"{a} and {b} now differ ({gap:.2f}): update ALIKE and the docs"
        else:
            assert gap >= 0.06, f"{a} and {b} end alike (largest difference {gap:.2f})"
    text = profiles_markdown(table)
    assert text.count("\n") == len(table) + 1 and "`caribbean-2025`" in text
