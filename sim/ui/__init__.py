"""The user interfaces: the ``dipsim`` command line and the classroom page.

What lives here:

- ``cli``: the Typer application behind ``dipsim`` (and ``python -m sim``): parses
  arguments, calls the Python API, prints, and maps errors to exit codes;
- ``sweep_cli``: what ``dipsim sweep`` and ``dipsim analyze`` do and print; ``validate``:
  ``dipsim validate`` of sweep files;
- ``progress``: the progress bars (every progress bar of dipsim lives in this package);
- ``app``: the classroom page (Mesa's SolaraViz), served by ``dipsim demo``;
  ``classroom``: the page's model, levers, buttons and ensemble; ``live_charts``: its charts.

Imports allowed: anything in ``sim`` (the Python API of ``sim/__init__.py`` included) and
any third-party package. Nothing imports ``sim.ui`` but the entry point
``sim/__main__.py``: it is the top layer, so the model,
engine, experiments and output run the same with no user interface at all.
"""
