"""The layout holds: dependencies point one way, no import cycles, no module too long.

The layers of ``docs/architecture.md``, lowest first. A module may import modules of its own
layer or of lower layers, never of higher ones; every import counts, including those inside
functions (lazy imports) and those under ``TYPE_CHECKING`` (type-only imports), so none can
hide a dependency that points the wrong way. The few leaf modules that lower layers share
(the vocabulary the scenario schema validates against, the random streams the model draws
from, the fast counts of its masks) import nothing of dipsim's but each other.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SIM = ROOT / "sim"

#: Leaf modules: importable from any layer, and importing nothing but each other.
LEAVES = ("sim.model.issues", "sim.model.cameo", "sim.model.pressures", "sim.model.outcomes",
          "sim.engine.streams", "sim.engine.counts")
#: Layers by package prefix, lowest first. ``sim`` itself (the Python API) and
#: ``sim.__main__`` sit with the user interfaces, on top.
LAYERS = ("sim.scenario", "sim.model", "sim.output", "sim.engine", "sim.experiments",
          "sim.ui")
#: The longest a module may grow (docs/architecture.md: about 500 lines).
MAX_LINES = 600


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(SIM.rglob("*.py"))}


def rank(module: str) -> int:
    """0 for a leaf, then 1 + the layer's index; the API with the user interfaces."""
    if module in LEAVES:
        return 0
    for i, layer in enumerate(LAYERS):
        if module == layer or module.startswith(layer + "."):
            return i + 1
    return len(LAYERS)  # sim (the Python API) and sim.__main__: beside sim.ui


def _resolve(name: str) -> str | None:
    """The dipsim module an import names (``sim.model.model``), or None if not dipsim's."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def imports(module: str) -> list[tuple[str, bool]]:
    """Every dipsim module ``module`` imports, and whether only under TYPE_CHECKING."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    type_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            type_only.update(id(n) for stmt in node.body for n in ast.walk(stmt))
    out = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # "from sim.model import cameo" imports the module sim.model.cameo.
            names = [f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in MODULES
                     else node.module for a in node.names]
        for name in names:
            target = _resolve(name) if name.startswith("sim") else None
            if target and target != module:
                out.append((target, id(node) in type_only))
    return out


GRAPH = {m: imports(m) for m in MODULES}


def test_every_dependency_points_down_the_layers():
    wrong = [f"{m} (layer {rank(m)}) imports {t} (layer {rank(t)})"
             for m, deps in GRAPH.items() for t, _ in deps
             if rank(t) > rank(m) and not (m in LEAVES and t in LEAVES)]
    assert not wrong, "\n".join(wrong)


def test_leaves_import_only_leaves():
    wrong = [f"{m} imports {t}" for m in LEAVES for t, _ in GRAPH[m] if t not in LEAVES]
    assert not wrong, "\n".join(wrong)


def test_mechanisms_know_no_model_scenario_or_agent():
    wrong = [f"{m} imports {t}" for m, deps in GRAPH.items()
             if m.startswith("sim.model.mechanisms") for t, _ in deps
             if t not in LEAVES and not t.startswith("sim.model.mechanisms")]
    assert not wrong, "\n".join(wrong)


def test_no_import_cycles():
    """No cycle among the imports that run (type-only imports may point back up one
    package, as an agent names its model's type)."""
    runtime = {m: sorted({t for t, type_only in deps if not type_only})
               for m, deps in GRAPH.items()}
    state: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for t in runtime[m]:
            if state.get(t) == 1:
                cycles.append([*stack[stack.index(t):], t])
            elif t not in state:
                visit(t)
        stack.pop()
        state[m] = 2

    for m in sorted(runtime):
        if m not in state:
            visit(m)
    assert not cycles, "\n".join(" -> ".join(c) for c in cycles)


def test_type_only_imports_stay_within_their_package():
    wrong = [f"{m} names {t} for types only" for m, deps in GRAPH.items()
             for t, type_only in deps
             if type_only and rank(t) > rank(m)]
    assert not wrong, "\n".join(wrong)


def test_no_module_is_too_long():
    long = {m: n for m, p in MODULES.items()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, long


def test_every_package_says_what_lives_there_and_what_it_may_import():
    for package in ("sim.model", "sim.model.mechanisms", "sim.scenario", "sim.engine",
                    "sim.experiments", "sim.output", "sim.ui"):
        doc = ast.get_docstring(ast.parse(MODULES[package].read_text(encoding="utf-8")))
        assert doc and "import" in doc.lower() and len(doc) > 200, package


#: Run in one fresh interpreter: the third-party libraries are imported once, then each
#: dipsim module is imported in a child forked from that interpreter, which has imported
#: no dipsim module, so each imports alone (an import that works only after another would
#: pass in a shared interpreter) without paying for numpy, pandas and Mesa every time.
IMPORT_EACH_ALONE = """
import importlib, os, sys, traceback, warnings
# numpy's BLAS keeps idle threads; a child that only imports is safe beside them.
warnings.filterwarnings("ignore", "This process .* is multi-threaded", DeprecationWarning)
for lib in ("numpy", "pandas", "scipy.stats", "matplotlib.pyplot", "mesa", "pydantic",
            "pyarrow.parquet", "yaml", "typer", "rich.console"):
    importlib.import_module(lib)
assert not [m for m in sys.modules if m == "sim" or m.startswith("sim.")]
failed, running = [], {}


def wait_one():
    pid, status = os.wait()
    name, read = running.pop(pid)
    with os.fdopen(read, "rb") as pipe:
        message = pipe.read().decode()
    if status:
        failed.append(f"{name}: {message or status}")


for name in sys.argv[1:]:
    if len(running) == 2:  # two children at a time, one per core
        wait_one()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            importlib.import_module(name)
            code = 0
        except BaseException:
            os.write(write, traceback.format_exc().strip().splitlines()[-1].encode())
            code = 1
        os._exit(code)
    os.close(write)
    running[pid] = (name, read)
while running:
    wait_one()
print("\\n".join(failed))
sys.exit(1 if failed else 0)
"""


@pytest.mark.slow
def test_each_module_imports_alone():
    """Each module imports in an interpreter that has imported no other dipsim module."""
    # (sim.__main__ runs the command line when imported.)
    names = [m for m in MODULES if m != "sim.__main__"]
    done = subprocess.run([sys.executable, "-c", IMPORT_EACH_ALONE, *names],
                          capture_output=True, text=True, cwd=ROOT, check=False)
    failed = [line for line in done.stdout.splitlines() if line] or (
        [done.stderr.strip()] if done.returncode else [])
    assert not failed, "\n".join(failed)
