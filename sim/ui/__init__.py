"""The user interfaces: the ``dipsim`` command line and the classroom page.

What lives here:

- ``cli``: the Typer application behind ``dipsim`` (and ``python -m sim``): parses
  arguments, calls the Python API, prints, and maps errors to exit codes;
- ``sweep_cli``: what ``dipsim sweep`` and ``dipsim analyze`` do and print; ``validate``:
  ``dipsim validate`` of sweep files;
- ``progress``: the progress bars (every progress bar of dipsim lives in this package);
- ``app``: the classroom page (Solara, for a projector), served by ``dipsim demo``;
  ``classroom``: the page's model, levers, buttons, undo and ensembles; ``page_state``:
  what its controls do; ``page_views``, ``page_tabs``, ``page_charts`` (Vega-Lite specs)
  and ``widgets`` (the chart and keyboard components, with ``vue/``): what it shows;
  ``feed``: the story regrouped for a screen; ``votes``: class votes and their reveal;
- ``game``, ``game_server`` (with ``static/``): the team game of ``dipsim class``;
  ``serve``: starting either server and printing its address once it answers;
  ``assets``: the browser libraries served from this computer;

Imports allowed: anything in ``sim`` (the Python API of ``sim/__init__.py`` included) and
any third-party package. Nothing imports ``sim.ui`` but the entry point
``sim/__main__.py``: it is the top layer, so the model,
engine, experiments and output run the same with no user interface at all.
"""
