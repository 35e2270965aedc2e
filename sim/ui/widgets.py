"""The page's two browser-side pieces: a Vega-Lite chart and the keyboard.

Both are Solara components backed by a small Vue file (``sim/ui/vue/``):

- :func:`VegaChart` draws a spec of :mod:`sim.ui.page_charts` with vega-embed as SVG at the
  element's width, and redraws by swapping the spec's named datasets only; its PNG and SVG
  buttons save the chart from the browser (nothing is written on the server);
- :func:`PageKeys` sends the page's keys (space, right arrow, R) and the window's size to
  Python.

The Vega libraries come from the files solara-assets installs with the page
(:mod:`sim.ui.assets`), served by the page's own server, so the charts work with no
internet connection.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import solara

from sim.ui.assets import vega_libraries


@solara.component_vue("vue/vega_chart.vue", vuetify=False)
def _VegaChart(chart_spec: dict, chart_data: dict, chart_name: str, libs: dict):
    pass


@solara.component
def VegaChart(spec: dict[str, Any], data: dict[str, Any] | None = None, name: str = "chart",
              stamp: int = 0):
    """A chart: ``spec`` embedded once, ``data`` (named datasets as columns) swapped in.

    Args:
        spec: A Vega-Lite spec (:mod:`sim.ui.page_charts`).
        data: Named datasets, ``{name: {column: [values]}}``.
        name: The file name its PNG/SVG buttons save under, and ``data-chart`` on the page.
        stamp: Written to the element's ``data-stamp`` once the data are drawn.
    """
    # (Vue reserves "data" and "name" for its own options: the props are prefixed.)
    return _VegaChart(chart_spec=spec, chart_data={"stamp": stamp, "sets": data or {}},
                      chart_name=name, libs=vega_libraries())


@solara.component_vue("vue/page_keys.vue", vuetify=False)
def PageKeys(event_key: Callable[[str], None], event_viewport: Callable[[dict], None]):
    """Keys (``space``, ``right``, ``r``) and the window's size, sent to Python."""
