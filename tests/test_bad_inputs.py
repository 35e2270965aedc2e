"""Broken scenario and sweep files: each is bad input (exit 2), its message names file, field, line.

The corpus in ``tests/data/bad/`` holds one broken file per mistake a student (or an
attacker) might make, each made from ``tests/data/corpus-base.yaml`` (scenarios) or
``tests/data/corpus-sweep.yaml`` (the ``sweep-*`` files) by one small change;
``tests/data/bad/expected.yaml`` records for each file the field and line the message must
name and words it must contain. Every file goes through the Python API; the files whose
problems lie in reading the file itself (syntax, encodings, limits, unsafe tags) and one of
every other kind also go through the real command line, which must exit with code 2, print
no traceback and create no results folder. Files too big to commit (100 MB) are made under
``tmp_path``. A hypothesis test mutates valid scenarios, as data and as text, and asserts
the same contract: a valid scenario or an InputError, never another exception.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.output.results import scenario_yaml
from sim.scenario.errors import InputError
from sim.scenario.load import load_scenario, with_overrides
from sim.scenario.overrides import parse_assignment
from sim.scenario.schema import Scenario
from sim.scenario.yamlfile import MAX_FILE_BYTES
from tests.conftest import ROOT, SCENARIOS

DATA = ROOT / "tests" / "data"
BAD = DATA / "bad"
BASE = DATA / "corpus-base.yaml"
SWEEP_BASE = DATA / "corpus-sweep.yaml"
EXPECTED: dict[str, dict] = yaml.safe_load((BAD / "expected.yaml").read_text())
FILES = sorted(EXPECTED)

#: Through the command line as well: every kind of reading-level problem (syntax, encoding,
#: limits, unsafe tags) and one of each kind of field problem. DIPSIM_CORPUS_CLI=all runs
#: the whole corpus through it (about 0.4 s a file).
CLI_SUBSET = [
    "syntax-unclosed-quote.yaml", "syntax-tab-indent.yaml", "syntax-bad-indent.yaml",
    "syntax-duplicate-key.yaml", "syntax-two-documents.yaml", "binary-junk.bin",
    "binary-nul-byte.yaml", "encoding-utf16.yaml", "empty.yaml", "top-level-list.yaml",
    "python-object-apply.yaml", "python-object-new.yaml", "custom-include-tag.yaml",
    "billion-laughs.yaml", "laughs-few-aliases.yaml", "recursive-alias.yaml",
    "deep-nesting-flow.yaml", "deep-nesting-block.yaml", "huge-digits.yaml",
    "date-february-30.yaml", "key-not-text.yaml", "many-problems.yaml",
    "name-path-escape.yaml", "type-horizon-text.yaml", "unknown-actor-field.yaml",
    "misspelled-issue-salience.yaml", "salience-sum-high.yaml", "rate-negative-per-week.yaml",
    "dates-out-of-order.yaml", "date-after-horizon.yaml", "pressure-unknown-sender.yaml",
    "trigger-unknown-variable.yaml", "nan-salience.yaml", "missing-name.yaml",
    "sweep-tab-indent.yaml", "sweep-python-tag.yaml", "sweep-billion-laughs.yaml",
    "sweep-misspelled-path.yaml", "sweep-broken-scenario.yaml", "sweep-too-many-points.yaml",
]


def is_sweep(name: str) -> bool:
    return EXPECTED[name].get("command") == "sweep"


def load(path: Path):
    """The file through the Python API of its kind."""
    if is_sweep(path.name):
        from sim.experiments.sweepfile import load_sweep

        return load_sweep(path)
    return load_scenario(path)
CLI_FILES = FILES if os.environ.get("DIPSIM_CORPUS_CLI") == "all" else CLI_SUBSET


def expected_prefix(path: Path, spec: dict) -> str:
    where = f"{path}:{spec['line']}: " if spec["line"] else f"{path}: "
    return where + (f"{spec['field']}: " if spec["field"] else "")


def assert_names_file_field_words(report: str, path: Path, spec: dict) -> None:
    lines = report.splitlines()
    assert lines, "an empty message"
    assert all(line.startswith(f"{path}:") for line in lines), report
    prefix = expected_prefix(path, spec)
    assert any(line.startswith(prefix) for line in lines), f"want {prefix!r} in:\n{report}"
    for word in spec["words"]:
        assert word in report, f"want {word!r} in:\n{report}"


# ------------------------------------------------------------------------ the corpus itself


def test_corpus_is_complete_and_its_base_is_valid():
    on_disk = {p.name for p in BAD.iterdir()} - {"expected.yaml"}
    assert on_disk == set(EXPECTED), "every file in tests/data/bad has an entry, and back"
    assert len(EXPECTED) >= 60
    assert sum(map(is_sweep, EXPECTED)) >= 20
    base = load_scenario(BASE)
    assert base.name == "corpus-base" and len(base.pressures) == 5
    from sim.experiments.sweepfile import load_sweep

    assert load_sweep(SWEEP_BASE).spec.n_points() == 6
    assert set(CLI_FILES) <= set(EXPECTED)


@pytest.mark.parametrize("name", FILES)
def test_bad_file_is_an_input_error_naming_file_field_and_line(name):
    path = BAD / name
    with pytest.raises(InputError) as info:
        load(path)
    assert_names_file_field_words(info.value.report(), path, EXPECTED[name])


@pytest.mark.slow
def test_a_file_with_thousands_of_problems_gets_a_short_report():
    with pytest.raises(InputError) as info:
        load_scenario(BAD / "many-problems.yaml")
    err = info.value
    assert len(err.problems) == 2000
    lines = err.report().splitlines()
    assert len(lines) == 51 and "1,950 more problems" in lines[-1]


# ------------------------------------------------------------------------ the command line


def dipsim(*args, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim", *map(str, args)], capture_output=True,
                          text=True, check=False, cwd=cwd, timeout=timeout)


@pytest.fixture(scope="module")
def cli_runs(tmp_path_factory) -> dict[str, tuple[subprocess.CompletedProcess, Path, Path]]:
    """Run ``python -m sim run FILE --out OUT`` for the CLI files, two at a time."""
    root = tmp_path_factory.mktemp("cli-corpus")

    def one(name: str):
        cwd = root / name / "cwd"
        cwd.mkdir(parents=True)
        out = root / name / "results"
        args = ("sweep", BAD / name, "--workers", 1) if is_sweep(name) else \
            ("run", BAD / name, "--runs", 5)
        return name, (dipsim(*args, "--out", out, cwd=cwd), cwd, out)

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(pool.map(one, CLI_FILES))


@pytest.mark.slow
@pytest.mark.parametrize("name", CLI_FILES)
def test_cli_exits_2_with_file_field_line_no_traceback_no_folder(cli_runs, name):
    r, cwd, out = cli_runs[name]
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stdout + r.stderr
    assert r.stdout == ""
    assert_names_file_field_words(r.stderr.strip(), BAD / name, EXPECTED[name])
    assert not out.exists(), "no results folder for bad input"
    assert not any(cwd.iterdir()), "nothing written where dipsim ran (no exploit ran)"


# ------------------------------------------------------------------ files made in the test


@pytest.mark.slow
def test_a_100_mb_file_is_refused_before_it_is_read(tmp_path):
    big = tmp_path / "huge.yaml"
    chunk = (BASE.read_text() + "# padding " + "x" * 1000 + "\n").encode()
    with big.open("wb") as fh:
        for _ in range(100_000_000 // len(chunk) + 1):
            fh.write(chunk)
    assert big.stat().st_size >= 100_000_000
    r = dipsim("run", big, "--out", tmp_path / "out", cwd=tmp_path)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    # The message gives the size on disk: the file was refused before it was read.
    assert f"{big}: the scenario file is {big.stat().st_size:,} bytes; the limit is " \
           f"{MAX_FILE_BYTES:,}" in r.stderr
    assert not (tmp_path / "out").exists()


def test_just_over_the_size_limit_and_a_long_line(tmp_path):
    over = tmp_path / "over.yaml"
    over.write_text(BASE.read_text() + "#" * (MAX_FILE_BYTES + 1 - len(BASE.read_bytes())))
    assert over.stat().st_size == MAX_FILE_BYTES + 1
    with pytest.raises(InputError, match="the limit is 1,000,000"):
        load_scenario(over)
    long_title = tmp_path / "long.yaml"
    long_title.write_text(BASE.read_text().replace('title: "Corpus base: a short campaign"',
                                                   "title: " + "x" * 900_000))
    with pytest.raises(InputError) as info:
        load_scenario(long_title)
    assert info.value.report().startswith(f"{long_title}:3: title: too long")


def test_things_that_are_not_files(tmp_path):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)  # reading it would block forever
    link = tmp_path / "zeros.yaml"
    link.symlink_to("/dev/zero")  # reading it would never end
    folder = tmp_path / "folder.yaml"
    folder.mkdir()
    for path in (fifo, link, folder, Path("/dev/zero")):
        with pytest.raises(InputError, match="not a scenario file"):
            load_scenario(path)
    with pytest.raises(InputError, match="no such scenario file"):
        load_scenario(tmp_path / "missing.yaml")
    r = dipsim("run", fifo, "--out", tmp_path / "out", cwd=tmp_path, timeout=60)
    assert r.returncode == 2 and f"{fifo}: not a scenario file" in r.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_file(tmp_path):
    p = tmp_path / "secret.yaml"
    p.write_text(BASE.read_text())
    p.chmod(0)
    with pytest.raises(InputError, match="cannot read"):
        load_scenario(p)


@pytest.mark.parametrize(("assignment", "words"), [
    ("pressures[9]=1", "out of range"),
    ("start=2025-02-30", "expected a date"),
    ("seed=" + "9" * 5000, "whole number"),
    ("title=[&a [1,2,3,4,5,6,7,8], " + ", ".join(["*a"] * 100) + "]", "title"),
    ("pressures[²].at=2025-09-01", "no item has the id"),
    ("name=../../escaped", "short lowercase name"),
    ("horizon_days=100000", "at most 3650"),
    ("start=9999-12-30", "9999-12-31"),
])
def test_bad_set_values_are_input_errors(assignment, words):
    with pytest.raises(InputError) as info:
        load_scenario(BASE, [assignment])
    assert words in info.value.report()


def test_set_values_are_read_safely_and_within_limits():
    _, value = parse_assignment("title=!!python/object/apply:os.system ['echo hi']")
    assert isinstance(value, str)  # kept as text, never built
    _, value = parse_assignment("x=[&a [1,2], " + ", ".join(["*a"] * 100) + "]")
    assert isinstance(value, str)  # more than 64 aliases: kept as text
    tag = "!!python/object/apply:os.system ['touch exploited']"
    assert load_scenario(BASE, [f"title={tag}"]).title == tag


# ------------------------------------------------------------------- hypothesis mutations

BASE_DATA = yaml.safe_load(BASE.read_text())
LIBRARY = [yaml.safe_load(p.read_text()) for p in SCENARIOS]

scalars = st.one_of(
    st.none(), st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.sampled_from([0, 1, -1, 3650, 3651, 10**7, 2**63, 0.0, 1.0, -0.0, 1e-320, 1e308]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["us", "venezuela", "norway", "oil", "drugs", "migration", "boulware",
                     "blockade", "venezuela.readiness < 0.4", "casualties > 1e999",
                     "../../x", "2025-02-30", "", "~", "*a"]),
    st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)),
)
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=10), inner, max_size=3)),
    max_leaves=6)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, (*prefix, i))


@st.composite
def mutated_data(draw):
    import copy

    data = copy.deepcopy(draw(st.sampled_from([BASE_DATA, *LIBRARY])))
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(data) if p]
        path = draw(st.sampled_from(paths))
        parent = data
        for key in path[:-1]:
            parent = parent[key]
        what = draw(st.sampled_from(["replace", "delete", "add", "duplicate"]))
        if what == "replace":
            parent[path[-1]] = draw(values)
        elif what == "delete":
            del parent[path[-1]]
        elif what == "add" and isinstance(parent, dict):
            parent[draw(st.sampled_from(["extra", "oill", "from", "until", "at", "since",
                                         "per_week", "trigger", "id", "salience"]))] = \
                draw(values)
        elif what == "duplicate" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[path[-1]]))
    return data


@st.composite
def mutated_text(draw):
    text = draw(st.sampled_from([BASE.read_text(), *(p.read_text() for p in SCENARIOS)]))
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(text)))
        j = min(len(text), i + draw(st.integers(0, 40)))
        op = draw(st.sampled_from(["delete", "insert", "replace_line", "indent"]))
        if op == "delete":
            text = text[:i] + text[j:]
        elif op == "insert":
            text = text[:i] + draw(st.one_of(
                st.sampled_from(["\t", ":", ": ", "- ", "[", "]", "{", "}", "'", '"', "&a ",
                                 "*a", "!!python/object:os.system ", "\n", "  ", "#", "|",
                                 ">", "?", "%", "@", "`", "!!binary ", "<<: ", "\x85",
                                 "\ufeff", "\x00"]),
                st.text(max_size=8))) + text[i:]
        elif op == "replace_line":
            lines = text.splitlines(keepends=True)
            k = draw(st.integers(0, max(0, len(lines) - 1)))
            lines[k:k + 1] = [draw(st.text(max_size=40)) + "\n"]
            text = "".join(lines)
        else:
            lines = text.splitlines(keepends=True)
            k = draw(st.integers(0, max(0, len(lines) - 1)))
            lines[k:k + 1] = [" " * draw(st.integers(1, 3)) + lines[k]] if lines else []
            text = "".join(lines)
    return text


def check_contract(path: Path) -> Scenario | None:
    """A valid scenario (that survives its own YAML) or an InputError naming the file."""
    try:
        scn = load_scenario(path)
    except InputError as exc:
        report = exc.report()
        assert report and all(line.startswith(f"{path}") for line in report.splitlines())
        assert all(p.message for p in exc.problems)
        return None
    again = path.with_name("resolved.yaml")
    again.write_text(scenario_yaml(scn), encoding="utf-8")
    assert load_scenario(again) == scn, "the resolved scenario.yaml reproduces the scenario"
    return scn


MUTATION_SETTINGS = settings(max_examples=300, deadline=None, derandomize=True, database=None,
                             suppress_health_check=[HealthCheck.too_slow,
                                                    HealthCheck.function_scoped_fixture])


@pytest.mark.slow
@MUTATION_SETTINGS
@given(data=mutated_data())
def test_mutated_scenario_data_is_valid_or_an_input_error(tmp_path, data):
    path = tmp_path / "mutant.yaml"
    try:
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    except (UnicodeEncodeError, yaml.YAMLError):
        return  # text hypothesis drew that YAML cannot write (lone surrogates)
    scn = check_contract(path)
    if scn is not None:
        from sim.model.model import DiplomacyModel

        model = DiplomacyModel(scn, n_replicates=2, rng=1)
        for _ in range(min(5, scn.horizon_days)):
            model.step()


@pytest.mark.slow
@MUTATION_SETTINGS
@given(text=mutated_text())
def test_mutated_scenario_text_is_valid_or_an_input_error(tmp_path, text):
    path = tmp_path / "mutant.yaml"
    # Lone surrogates become bytes that are not UTF-8: that is bad input too.
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    check_contract(path)


@pytest.mark.slow
@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(path=st.sampled_from(["actors.us.salience.oil", "actors.venezuela.salience.drugs",
                             "talks.threshold", "horizon_days", "start", "seed", "runs",
                             "pressures[0].intensity", "pressures[1]", "name", "title",
                             "escalation.decisiveness", "actors.us.hostility.reaction",
                             "behaviour.actions.escalate_bias", "pressures[boat_strikes].at",
                             "talks.agenda", "third_parties[0].id", "nope.nothing"]),
       value=values)
def test_mutated_overrides_are_valid_or_an_input_error(path, value):
    base = load_scenario(BASE)
    try:
        text = yaml.safe_dump(value, default_flow_style=True, width=10_000).strip()
    except yaml.YAMLError:
        return
    text = text.removesuffix("\n...").strip()
    try:
        scn = with_overrides(base, [f"{path}={text}"])
    except InputError as exc:
        assert exc.report()
        return
    assert isinstance(scn, Scenario)


def test_numbers_in_exponent_form_are_numbers(tmp_path):
    # YAML 1.1 (PyYAML) reads 1e6 and 1.0e6 as text; users mean numbers.
    scn = load_scenario(BASE, ["escalation.threshold=1e6", "talks.breakdown_hostility=2.5e3",
                               "behaviour.incident_rate=1E-3"])
    assert scn.escalation.threshold == 1e6 and scn.talks.breakdown_hostility == 2500
    assert scn.behaviour.incident_rate == 0.001
    with pytest.raises(InputError, match="horizon_days: expected a finite number"):
        load_scenario(BASE, ["horizon_days=1e999"])


def test_messages_cannot_drive_the_terminal(tmp_path):
    # A key with an escape sequence is echoed in the message: escaped, on one line.
    p = tmp_path / "evil.yaml"
    p.write_text(BASE.read_text() + '"\\e[2J\\e]0;owned\\a": 1\n')
    with pytest.raises(InputError) as info:
        load_scenario(p)
    report = info.value.report()
    assert "\x1b" not in report and "\x07" not in report
    assert f'{p}:70: \\x1b[2J\\x1b]0;owned\\x07: unknown field' in report


@pytest.mark.slow
def test_a_megabyte_of_tiny_values_is_refused_by_count(tmp_path):
    # 500,000 one-character values in 1 MB: PyYAML alone would take 15 s and 350 MB, so
    # reading stops at the 50,000th value.
    p = tmp_path / "values.yaml"
    p.write_text("name: x\ndescription: [" + ",".join(["1"] * 499_000) + "]\n")
    assert p.stat().st_size < MAX_FILE_BYTES
    with pytest.raises(InputError) as info:
        load_scenario(p)
    assert info.value.report().startswith(f"{p}:2: description: more than 50,000 values")


def test_a_file_name_too_long_is_bad_input(tmp_path):
    r = dipsim("run", "x" * 300 + ".yaml", "--out", tmp_path / "out", cwd=tmp_path)
    assert r.returncode == 2 and "cannot read the scenario file: File name too long" in r.stderr
    assert "Traceback" not in r.stderr and not (tmp_path / "out").exists()
