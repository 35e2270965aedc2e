"""The EMA Workbench adapter (sim.ema) and PRIM on a sweep's results.

The workbench is an optional extra (``pip install -e ".[ema]"``; the ``test`` extra installs
it, so CI runs these). Without it these tests are skipped, and sim.ema says how to install it.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pytest

from sim.scenario.errors import InputError

SHORT = Path(__file__).resolve().parent / "data" / "sweeps" / "short.yaml"

SWEEP = """\
    name: ema-example
    scenario: SHORT
    parameters:
      - path: boat_strike_tempo
        range: [0, 4]
        levels: 5
      - path: actors.venezuela.salience.oil
        name: ve_oil
        range: [0.2, 0.8]
        levels: 3
    replicates: 30
    seed: 5
"""

#: Slow tier: these start processes or optional packages (pytest -m "not slow" skips them).
pytestmark = pytest.mark.slow


@pytest.fixture
def sweep_file(tmp_path) -> Path:
    path = tmp_path / "sweep.yaml"
    path.write_text(textwrap.dedent(SWEEP).replace("SHORT", str(SHORT)), encoding="utf-8")
    return path


def test_without_the_extra_the_message_says_how_to_install_it(monkeypatch):
    import builtins

    import sim.ema

    real = builtins.__import__

    def missing(name, *args, **kwargs):
        if name.startswith("ema_workbench"):
            raise ImportError(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", missing)
    with pytest.raises(InputError, match=r'optional extra: pip install -e "\.\[ema\]"'):
        sim.ema.require_workbench()


def test_the_documented_example_runs_the_workbench_on_dipsim(sweep_file):
    ew = pytest.importorskip("ema_workbench", reason="the optional extra ema is not installed "
                             "(pip install -e '.[ema]')")
    from sim.ema import ema_model, outcome_names

    # The example of sim.ema and docs/sweeps.md, at a small size.
    model = ema_model(sweep_file, runs=40, levers=["ve_oil"])
    assert [u.name for u in model.uncertainties] == ["boat_strike_tempo"]
    assert [lv.name for lv in model.levers] == ["ve_oil"]
    with ew.SequentialEvaluator(model) as evaluator:
        experiments, outcomes = ew.perform_experiments(model, scenarios=4, policies=2,
                                                       evaluator=evaluator)
    assert len(experiments) == 8 and set(outcomes) == set(outcome_names())
    p = np.column_stack([outcomes[n] for n in outcome_names() if n.startswith("p_")
                         and n != "p_reached_talks"])
    np.testing.assert_allclose(p.sum(axis=1), 1.0)  # the outcomes' shares add up
    # Common random numbers: the same parameters give the same outcomes.
    again = model.function(boat_strike_tempo=float(experiments["boat_strike_tempo"][0]),
                           ve_oil=float(experiments["ve_oil"][0]))
    assert again["p_escalation"] == outcomes["p_escalation"][0]


def test_prim_boxes_are_said_in_a_sentence(sweep_file, tmp_path):
    pytest.importorskip("ema_workbench", reason="the optional extra ema is not installed "
                        "(pip install -e '.[ema]')")
    from sim.ema import prim_boxes
    from sim.experiments.sweep import run_sweep

    folder = run_sweep(sweep_file, out=tmp_path / "out", workers=1, chunk_runs=150).folder
    box = prim_boxes(folder, "escalation")
    text = box.sentence()
    assert text.startswith("When boat_strike_tempo is ")
    assert "of runs ended in escalation" in text and "over the whole design" in text
    assert box.coverage >= 0.5 and box.density > box.base_rate
    assert "boat_strike_tempo" in box.limits
    assert "## Scenario discovery (PRIM): escalation" in box.markdown()
    with pytest.raises(InputError, match="unknown outcome 'war'"):
        prim_boxes(folder, "war")
