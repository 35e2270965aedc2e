"""Progress bars of the command line (every progress bar of dipsim lives in ``sim.ui``).

:class:`SweepProgressBar` follows a sweep (``dipsim sweep``); :func:`simple_bar` a loop over
items (``dipsim hindcast``); :class:`CalibrationProgressBar` the folds, generations and
particles of ``dipsim calibrate``. The bar of a long
``dipsim run`` is drawn by the ``run`` command itself (:mod:`sim.ui.cli`), from the
simulating thread, because a run forks only with no other thread running.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable, Iterator
from typing import Any


class SweepProgressBar:
    """A rich progress bar on stderr for a sweep (done/total runs, runs/s, ETA, failures).

    Use it as a context manager and pass it to :func:`sim.experiments.sweep.run_sweep` as
    ``progress`` (it is called as ``bar(runs_done, runs_total, runs_failed)``). When stderr
    is not a terminal (a log file, CI), it prints a plain line at every tenth of the sweep
    instead.

    Args:
        title: Shown before the bar (the sweep's name).
    """

    def __init__(self, title: str):
        from rich.console import Console  # noqa: PLC0415

        self.title = title
        self.console = Console(stderr=True)
        self.bar: Any = None
        self.task: Any = None
        self.t0 = time.perf_counter()
        self.first: int | None = None
        self.next_line = 0.0

    def __enter__(self) -> SweepProgressBar:
        if self.console.is_terminal:
            from rich.progress import (  # noqa: PLC0415
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self.bar = Progress(
                TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                TextColumn("runs"), TextColumn("{task.fields[rate]}"),
                TextColumn("ETA"), TimeRemainingColumn(), TimeElapsedColumn(),
                TextColumn("{task.fields[failed]}"), console=self.console, transient=False)
            self.bar.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)

    def __call__(self, done: int, total: int, failed: int) -> None:
        """Show ``done`` of ``total`` runs finished, ``failed`` of them failed."""
        now = time.perf_counter()
        if self.first is None:
            self.first, self.t0 = done, now
        ran = done - self.first
        rate = ran / (now - self.t0) if now > self.t0 and ran else 0.0
        rate_text = f"{rate:,.0f} runs/s" if rate else "- runs/s"
        failed_text = f"{failed:,} failed" if failed else ""
        if self.bar is not None:
            if self.task is None:
                self.task = self.bar.add_task(self.title, total=total, completed=done,
                                              rate=rate_text, failed=failed_text)
            self.bar.update(self.task, completed=done, rate=rate_text, failed=failed_text)
            return
        if done >= self.next_line * total or done == total:
            eta = (total - done) / rate if rate else float("nan")
            eta_text = f", ETA {eta:,.0f} s" if math.isfinite(eta) else ""
            self.console.print(f"{self.title}: {done:,}/{total:,} runs, {rate_text}{eta_text}"
                               f"{', ' + failed_text if failed_text else ''}",
                               highlight=False, soft_wrap=True, markup=False)
            self.next_line = math.floor(done / total * 10 + 1) / 10 if total else 2.0


@contextlib.contextmanager
def simple_bar(title: str) -> Iterator[Callable[[int, int, str], None]]:
    """A progress bar for a loop over items (episodes, scenarios), as a callback.

    Yields ``show(done, total, label)``. On a terminal it draws a rich bar on stderr,
    redrawn from the calling thread (no refresh thread: a run forks only with no other
    thread running, see :mod:`sim.engine.shards`); elsewhere it prints a plain line at
    every tenth of the items.
    """
    from rich.console import Console  # noqa: PLC0415

    console = Console(stderr=True)
    if not console.is_terminal:
        said = [-1]

        def line(done: int, total: int, label: str) -> None:
            tenth = done * 10 // max(total, 1)
            if tenth > said[0]:
                said[0] = tenth
                console.print(f"{title}: {done}/{total} {label}".rstrip(), highlight=False)

        yield line
        return
    from rich.progress import (  # noqa: PLC0415
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                  TextColumn("{task.fields[label]}"), console=console, transient=True,
                  auto_refresh=False) as bar:
        task = bar.add_task(title, total=None, label="")

        def show(done: int, total: int, label: str) -> None:
            bar.update(task, completed=done, total=total, label=label)
            bar.refresh()

        yield show


class CalibrationProgressBar:
    """Progress of ``dipsim calibrate`` on stderr: fits (folds), generations, particles.

    Pass it to :func:`sim.experiments.calibrate.calibrate` as ``progress`` (called with a
    :class:`sim.experiments.calibrate.Stage`). On a terminal it draws two rich bars, the
    fits and the current generation's accepted particles, redrawn from the calling thread
    (no refresh thread: the particles run in processes forked from it); elsewhere it prints
    a line whenever a generation or the scoring starts.
    """

    def __init__(self, title: str):
        from rich.console import Console  # noqa: PLC0415

        self.title = title
        self.console = Console(stderr=True)
        self.bar: Any = None
        self.fits: Any = None
        self.particles: Any = None
        self.last: tuple[int, int] | None = None
        self.t0 = time.perf_counter()

    def __enter__(self) -> CalibrationProgressBar:
        if self.console.is_terminal:
            from rich.progress import (  # noqa: PLC0415
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
            )

            self.bar = Progress(TextColumn("{task.description}"), BarColumn(),
                                MofNCompleteColumn(), TextColumn("{task.fields[note]}"),
                                TimeElapsedColumn(), console=self.console, transient=True,
                                auto_refresh=False)
            self.bar.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)

    def __call__(self, stage: Any) -> None:
        """Show a :class:`~sim.experiments.calibrate.Stage`."""
        scoring = stage.generation == 0
        where = "scoring the fitted values" if scoring else \
            f"{stage.label}: generation {stage.generation}/{stage.generations}"
        note = "episodes" if scoring else f"particles accepted, {stage.simulated} simulated"
        if self.bar is None:
            key = (stage.step, stage.generation)
            if key != self.last:
                self.last = key
                self.console.print(f"{self.title}: fit {min(stage.step, stage.steps - 1)}/"
                                   f"{stage.steps - 1}, {where} "
                                   f"({time.perf_counter() - self.t0:,.0f} s)",
                                   highlight=False, markup=False)
            return
        if self.fits is None:
            self.fits = self.bar.add_task(self.title, total=stage.steps,
                                          note="fits (folds, all), then scoring")
            self.particles = self.bar.add_task("", total=stage.total, note="")
        self.bar.update(self.fits, completed=stage.step - 1)
        self.bar.update(self.particles, description=where, completed=stage.done,
                        total=stage.total, note=note)
        self.bar.refresh()
