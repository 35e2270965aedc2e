"""The module ``solara run`` serves for ``dipsim demo``: the classroom page, started early.

This module is light on purpose. Solara imports it before its server answers; the page
itself (:mod:`sim.ui.page`) needs the model, the engine, the experiments and the chart
library, about five seconds of imports on a busy two-core machine. Importing them here
would hold the server's first answer back by that much; instead a thread imports them and
prepares the page's first run (the default scenario's model, its charts and the bands of
its runs) while the browser loads Solara's scripts, so the two overlap
(``benchmarks/page.py`` measures the difference in ``docs/performance.md``).
"""

from __future__ import annotations

import threading

import solara


def _warm() -> None:
    """Import the page and prepare its first run, so the first visitor waits less.

    In the order the first visit needs them: the page's modules, the scenario picker's
    entries, the chart library (its specs), then the bands of the default scenario's runs
    (drawn when they arrive).
    """
    import sim.ui.page  # noqa: F401, PLC0415
    from sim.ui.classroom import scenario_choices  # noqa: PLC0415
    from sim.ui.page_state import PageState  # noqa: PLC0415
    from sim.ui.page_tabs import warm_charts  # noqa: PLC0415

    state = PageState()
    scenario_choices()
    warm_charts(state)
    state.compute_bands()


_WARMING = threading.Thread(target=_warm, name="dipsim-warm", daemon=True)
_WARMING.start()


@solara.component
def Page():
    """The classroom page (:func:`sim.ui.page.ClassroomPage`)."""
    from sim.ui.page import ClassroomPage  # noqa: PLC0415

    ClassroomPage()
