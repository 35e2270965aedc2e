"""Scenario files: loading, defaults, overrides, and the messages bad files get."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys

import pytest

from sim.model.pressures import PressureType
from sim.scenario.actors import ACTOR_DEFAULTS
from sim.scenario.errors import InputError
from sim.scenario.load import json_schema, load_scenario
from sim.scenario.schema import parse_condition
from tests.conftest import ROOT, SCENARIOS

DEFAULT = ROOT / "scenarios" / "caribbean-2025.yaml"


def test_default_scenario_loads_by_name_path_and_none():
    by_none, by_name, by_path = load_scenario(), load_scenario("caribbean-2025"), \
        load_scenario(DEFAULT)
    assert by_none == by_name == by_path
    assert by_none.name == "caribbean-2025"
    assert by_none.actors.us.salience.drugs == ACTOR_DEFAULTS["us"]["salience"]["drugs"]


def test_default_scenario_holds_the_record():
    scn = load_scenario()
    ids = dict(zip(scn.pressure_ids(), scn.pressures, strict=True))
    assert ids["first_boat_strike"].at.isoformat() == "2025-09-02"
    assert ids["first_tanker_seizure"].at.isoformat() == "2025-12-10"
    assert ids["terrorist_designation"].type is PressureType.TERRORIST_DESIGNATION
    assert ids["dock_strike"].type is PressureType.COVERT_LAND_STRIKE
    # 30+ strikes and 110+ deaths by the end of December, in expectation.
    w = ids["boat_strikes"]
    weeks = ((w.until - w.start).days + 1) / 7
    strikes = 1 + w.per_week * weeks
    deaths = ids["first_boat_strike"].deaths + w.per_week * weeks * w.deaths
    assert strikes > 30 and deaths > 105


def write(tmp_path, text, name="s.yaml"):
    p = tmp_path / name
    p.write_text(text)
    return p


GOOD = DEFAULT.read_text()


def problems(tmp_path, text):
    with pytest.raises(InputError) as info:
        load_scenario(write(tmp_path, text))
    return info.value


def test_misspelled_issue_names_field_line_and_expected(tmp_path):
    text = GOOD.replace("  us:\n    name: United States",
                        "  us:\n    name: United States\n    salience:\n      drugs: 0.4\n"
                        "      oill: 0.3\n      migration: 0.3")
    err = problems(tmp_path, text)
    report = err.report()
    assert "actors.us.salience.oill" in report
    assert "did you mean 'oil'" in report
    line = text.splitlines().index("      oill: 0.3") + 1
    assert f"s.yaml:{line}:" in report


def test_saliences_must_sum_to_one(tmp_path):
    text = GOOD.replace("  us:\n    name: United States",
                        "  us:\n    name: United States\n    salience: {drugs: 0.5, oil: 0.4,"
                        " migration: 0.3}")
    report = problems(tmp_path, text).report()
    assert "actors.us.salience" in report and "sum to 1" in report and "1.2" in report


@pytest.mark.parametrize(("old", "new", "field", "words"), [
    ("horizon_days: 243", "horizon_days: lots", "horizon_days", "whole number"),
    ("horizon_days: 243", "horizon_days: 0", "horizon_days", "at least 1"),
    ("runs: 1000", "runs: 1.5", "runs", "whole number"),
    ("    per_week: 1.75\n    deaths: 3.3\n  - id: carrier_group",
     "    per_week: -1\n    deaths: 3.3\n  - id: carrier_group", "pressures[7].per_week",
     "at least 0"),
    ("at: 2025-12-10", "at: 2027-01-01", "pressures[12].at", "outside the run"),
    ("type: tanker_seizure        # US forces", "type: tanker_seizing        # US forces",
     "pressures[12].type", "expected one of"),
    ("    sender: us\n    target: venezuela\n    at: 2025-11-24",
     "    sender: us\n    target: venezuela_\n    at: 2025-11-24", "pressures[11].target",
     "did you mean 'venezuela'"),
    ("seed: 20250902", "seed: .nan", "seed", "finite"),
    ("seed: 20250902", "seed: 1.5", "seed", "whole number"),
    ("  oil: 0.35 ", "  oil: .nan ", "status_quo.oil", "finite"),
    ("  oil: 0.35 ", "  oil: .inf ", "status_quo.oil", "finite"),
    ("    at: 2025-08-07", "    at: 2025-08-07\n    per_week: 2", "pressures[4]",
     "needs a window"),
])
def test_bad_fields_are_named_with_what_was_expected(tmp_path, old, new, field, words):
    assert old in GOOD
    report = problems(tmp_path, GOOD.replace(old, new, 1)).report()
    assert f"{field}:" in report
    assert words in report


@pytest.mark.parametrize(("text", "words"), [
    ("", "empty"),
    ("name: [unclosed\n", "YAML error"),
    ("name: x\n\ttitle: y\n", "tabs"),
    ("- a\n- b\n", "mapping"),
    ("a: !!python/object/apply:os.system ['echo hi']\n", "unsupported YAML tag"),
    ("a: &a [1,2,3,4,5,6,7,8]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b]\n"
     "d: &d [*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d]\n"
     "f: &f [*e,*e,*e,*e,*e,*e,*e,*e]\ng: [*f,*f,*f,*f,*f,*f,*f,*f]\n", "aliases"),
    ("name: a\nname: b\n", "appears twice"),
])
def test_broken_files_are_input_errors(tmp_path, text, words):
    assert words in problems(tmp_path, text).report()


def test_binary_junk_and_missing_files(tmp_path):
    p = tmp_path / "junk.yaml"
    p.write_bytes(bytes(range(256)) * 10)
    with pytest.raises(InputError, match=r"UTF-8|NUL"):
        load_scenario(p)
    with pytest.raises(InputError, match="no such scenario file"):
        load_scenario(tmp_path / "missing.yaml")


def test_overrides_set_fields_and_rescale_saliences():
    scn = load_scenario(None, ["actors.us.salience.oil=0.5",
                               "pressures[boat_strikes].per_week=3",
                               "talks.threshold=0.7"])
    s = scn.actors.us.salience
    assert s.oil == 0.5
    assert s.drugs + s.oil + s.migration == pytest.approx(1.0)
    # The other two keep their ratio (0.45 : 0.30).
    assert s.drugs / s.migration == pytest.approx(0.45 / 0.30)
    ids = dict(zip(scn.pressure_ids(), scn.pressures, strict=True))
    assert ids["boat_strikes"].per_week == 3
    assert scn.talks.threshold == 0.7


@pytest.mark.parametrize(("assignment", "words"), [
    ("nonsense", "expected path=value"),
    ("pressures[no_such].per_week=1", "no item has the id"),
    ("talks.threshold=2", "at most 1"),
    ("actors.us.salience.oill=0.2", "did you mean 'oil'"),
])
def test_bad_overrides_are_input_errors(assignment, words):
    with pytest.raises(InputError) as info:
        load_scenario(None, [assignment])
    assert words in info.value.report()


def test_trigger_conditions_parse_and_reject_unknown_variables():
    c = parse_condition("venezuela.readiness < 0.4")
    assert (c.actor, c.variable, c.op, c.value) == ("venezuela", "readiness", "<", 0.4)
    assert parse_condition("casualties>=100").variable == "casualties"
    for bad in ("venezuela.mood < 1", "cuba.readiness < 1", "readiness < 1",
                "venezuela.readiness ~ 1"):
        with pytest.raises(ValueError, match="expected"):
            parse_condition(bad)


def test_json_schema_lists_pressure_types_and_forbids_unknown_keys():
    schema = json_schema()
    text = json.dumps(schema)
    for p in PressureType:
        assert f'"{p.value}"' in text
    assert schema["additionalProperties"] is False
    assert "required" not in schema["$defs"]["Actor"]


def test_every_field_of_the_json_schema_has_a_description():
    """``dipsim schema`` documents every field, the behaviour weights included."""
    schema = json_schema()
    sections = {"Scenario": schema, **schema["$defs"]}
    fields = {f"{name}.{field}": spec for name, section in sections.items()
              for field, spec in section.get("properties", {}).items()}
    assert not [f for f, spec in fields.items() if not spec.get("description", "").strip()]
    assert "ReadinessWeights.pain" in fields and "ActionWeights.retaliate_shock" in fields
    assert "w_p" in fields["ReadinessWeights.pain"]["description"]


#: Modules outside the scenario layer that it may import: the leaf vocabulary of the model.
VOCABULARY = ("sim.model.issues", "sim.model.pressures", "sim.model.cameo", "sim.model.outcomes")


def _sim_imports(path):
    """Every ``sim`` module or name a file imports, anywhere in it (lazy imports too)."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    out = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            module = ".".join(filter(None, [base, node.module or ""]))
            out += [f"{module}.{a.name}" for a in node.names]
    return [m for m in out if m == "sim" or m.startswith("sim.")]


def test_the_scenario_layer_imports_only_itself_and_the_vocabulary():
    """The layer reads files into scenarios; the model, engine, output and ui read those.

    Checked in the source (lazy imports in functions included) and by importing every
    module of the layer in a fresh interpreter (package ``__init__`` files included).
    """
    files = sorted((ROOT / "sim" / "scenario").glob("*.py"))
    bad = {f"{f.relative_to(ROOT)}: {m}" for f in files for m in _sim_imports(f)
           if not m.startswith("sim.scenario.")
           and not any(m == v or m.startswith(f"{v}.") for v in VOCABULARY)}
    assert not bad
    modules = [f"sim.scenario.{f.stem}" for f in files if f.stem != "__init__"]
    code = (f"import sys; import {', '.join(modules)}; "
            "print(' '.join(m for m in sys.modules if m == 'sim' or m.startswith('sim.')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    loaded = set(done.stdout.split())
    assert set(modules) <= loaded
    assert loaded - set(modules) <= {"sim", "sim.scenario", "sim.model", *VOCABULARY}

@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_every_library_scenario_is_valid(path):
    scn = load_scenario(path)
    assert scn.name == path.stem
    assert scn.title and scn.description
