"""What one browser tab of the classroom page holds, and everything its controls do.

:class:`PageState` is the page's logic without the page: the scenario picked, the live
model, play and pause at a speed, the levers and seed (applied on Reset), pressures
injected and taken back, the runs of the fan and of a side-by-side comparison, and class
votes. The components of :mod:`sim.ui.page` only draw it and call its methods; the tests call
the same methods without a browser.

A change bumps :attr:`PageState.version` (a Solara reactive value), which redraws what
depends on it. The play loop (:meth:`PageState.play_loop`) runs in a thread the page starts;
stepping takes the model's lock, so the buttons can act while it plays. It steps no faster
than the page draws: after each day it waits until the page has drawn it (the page reports
each frame to :meth:`PageState.frame_drawn`), then pauses at least :data:`FRAME_GAP`. A
thread that changed the state during every render pass would keep the page's render loop
going until Solara gave up ("Too many renders triggered"), which a slow or loaded machine
reached at full speed.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import TYPE_CHECKING, Any

import solara

from sim.experiments.compare import Comparison, compare
from sim.model.pressures import CATALOGUE
from sim.output.story import Story
from sim.scenario.errors import InputError
from sim.ui.classroom import (
    BAND_RUNS,
    ENSEMBLE_RUNS,
    ClassroomModel,
    Ensemble,
    Injection,
    apply_injection,
    ensemble_for,
    lever_controls,
    load_choice,
    page_scenario_key,
    short_date,
    undo_injection,
)
from sim.ui.feed import story_markdown
from sim.ui.votes import Reveal, Vote, open_vote, reveal

if TYPE_CHECKING:
    from sim.scenario.schema import Scenario

#: Play speeds on the page's slider, in simulated days per second.
SPEED_MIN, SPEED_MAX, SPEED_DEFAULT = 1, 30, 8
#: The speed at which a vote plays out.
VOTE_SPEED = 25
#: The play loop's least pause after the page drew a day, in seconds: the render loop that
#: drew it ends before the next day changes the state again.
FRAME_GAP = 0.02
#: How long the play loop waits for the page to draw a day before it goes on regardless.
FRAME_TIMEOUT = 2.0


class Job:
    """A computation the page runs in a thread, with its progress (0 to 1) and result."""

    def __init__(self) -> None:
        self.progress = 0.0
        self.result: Any = None
        self.error = ""
        self.running = False


class PageState:
    """One tab's classroom: scenario, model, play, levers, injections, fan, votes.

    Args:
        key: The scenario picker entry to open (default: the command line's, else the
            default scenario).
    """

    def __init__(self, key: str | None = None):
        self.version = solara.reactive(0)
        self.lock = threading.RLock()
        self.key = key or page_scenario_key()
        self.playing = False
        self.speed = SPEED_DEFAULT
        self.runs = ENSEMBLE_RUNS
        self.said = ""
        self.viewport: tuple[int, int] | None = None
        self.vote: Vote | None = None
        self.voting_play = False
        self.revealed: Reveal | None = None
        self.end_card_closed = False
        self.fan = Job()
        self.bands = Job()
        self.comparison = Job()
        self.compare_with = ""
        #: The last version of the state the page drew (-1 until a page draws one: without a
        #: page, as in the tests and scripts, the play loop does not wait for frames).
        self.drawn = -1
        self._frame = threading.Condition()
        self._set_scenario(self.key)

    # ------------------------------------------------------------------ basics

    def bump(self) -> None:
        """Redraw what depends on the state."""
        self.version.value = self.version.value + 1

    def frame_drawn(self, version: int) -> None:
        """The page drew ``version`` of the state (it calls this after each render)."""
        with self._frame:
            self.drawn = max(self.drawn, version)
            self._frame.notify_all()

    def wait_for_frame(self, version: int, cancel: threading.Event,
                       timeout: float | None = None) -> bool:
        """Wait until the page has drawn ``version``; True at once if no page draws.

        False if it has not after ``timeout`` seconds (default :data:`FRAME_TIMEOUT`) or
        when ``cancel`` is set (seen when the wait begins, when a frame is reported, and at
        the time-out: the page reports a frame for every change, so a pause is seen at once).
        """
        with self._frame:
            if self.drawn < 0:
                return True
            return self._frame.wait_for(lambda: self.drawn >= version or cancel.is_set(),
                                        FRAME_TIMEOUT if timeout is None else timeout
                                        ) and self.drawn >= version

    @property
    def scenario(self) -> Scenario:
        """The scenario picked (before levers)."""
        return load_choice(self.key)

    def _set_scenario(self, key: str) -> None:
        self.key = key
        scn = load_choice(key)
        self.seed_text = str(scn.seed)
        self.levers: dict[str, Any] = {c.name: c.value for c in lever_controls(scn)}
        self.model = ClassroomModel(scn, seed=self.seed_text, **self.levers)
        self._new_run()

    def _new_run(self) -> None:
        self.playing = False
        self.vote = None
        self.revealed = None
        self.end_card_closed = False
        self.said = ""
        self.fan = Job()
        self.bands = Job()
        self.comparison = Job()

    # ------------------------------------------------------------------ controls

    def pick_scenario(self, key: str) -> None:
        """Open another scenario (a Reset with its own levers and seed).

        A file that does not validate leaves the page on its scenario, saying why.
        """
        with self.lock:
            if key != self.key:
                old = self.key
                try:
                    self._set_scenario(key)
                except InputError as exc:
                    self._set_scenario(old)
                    self.said = f"Not opened: {exc.problems[0].message}"
        self.bump()

    def reset(self) -> None:
        """Start the run again with the levers and seed as set now."""
        with self.lock:
            self.model = ClassroomModel(self.scenario, seed=self.seed_text, **self.levers)
            self._new_run()
        self.bump()

    def set_lever(self, name: str, value: Any) -> None:
        """Move a lever (it applies on the next Reset)."""
        self.levers[name] = value
        self.bump()

    def set_seed(self, text: str) -> None:
        """Type a seed (it applies on the next Reset)."""
        self.seed_text = text
        self.bump()

    def set_speed(self, days_per_second: float) -> None:
        """Set the play speed, in simulated days per second."""
        self.speed = min(max(float(days_per_second), SPEED_MIN), SPEED_MAX)
        self.bump()

    def set_runs(self, runs: int) -> None:
        """Set how many runs the fan draws (it is recomputed)."""
        self.runs = int(runs)
        self.fan = Job()
        self.bump()

    def step(self) -> None:
        """Step one day (pauses a play)."""
        with self.lock:
            self.playing = False
            if self.model.running and not self.model.finished:
                self.model.step()
        self.bump()

    def toggle_play(self) -> None:
        """Play or pause."""
        with self.lock:
            self.playing = not self.playing and self.model.running and not self.model.finished
        self.bump()

    def on_key(self, key: str) -> None:
        """The page's keys: space plays or pauses, the right arrow steps, R resets."""
        match key:
            case "space":
                self.toggle_play()
            case "right":
                self.step()
            case "r":
                self.reset()
            case _:
                pass

    def on_viewport(self, size: dict[str, Any]) -> None:
        """The browser's window size (the charts' text follows it)."""
        new = (int(size.get("width") or 0), int(size.get("height") or 0))
        if new != self.viewport:
            self.viewport = new
            self.bump()

    def play_loop(self, cancel: threading.Event) -> None:
        """Step at the set speed while playing; stop at the end, or where a vote stops.

        After each day it waits for the page to draw it and pauses at least
        :data:`FRAME_GAP`, so a page that draws slower than the speed asks plays slower.
        """
        while self.playing and not cancel.is_set():
            start = time.perf_counter()
            with self.lock:
                m = self.model
                if not (m.running and not m.finished):
                    self.playing = False
                else:
                    m.step()
                    if self.vote is not None and self.voting_play and self.vote.should_stop(m):
                        self.playing = False
                        self.voting_play = False
                        self._reveal()
            self.bump()
            self.wait_for_frame(self.version.value, cancel)
            speed = VOTE_SPEED if self.voting_play else self.speed
            cancel.wait(max(FRAME_GAP, 1.0 / speed - (time.perf_counter() - start)))

    # ------------------------------------------------------------------ pressures

    def inject(self, button: Injection) -> None:
        """Apply a button's pressure on the next day."""
        with self.lock:
            try:
                self.said = apply_injection(self.model, button)
                self.fan = Job()
            except InputError as exc:
                self.said = f"Not applied: {exc.problems[0].message}"
        self.bump()

    def undo(self) -> None:
        """Take back the last pressure injected: the run replays to today without it."""
        with self.lock:
            if not self.model.injections:
                self.said = "Nothing to undo: no pressure was applied from the page."
            else:
                last = self.model.injections[-1]
                playing, self.playing = self.playing, False
                self.model = undo_injection(self.model)
                self.playing = playing
                self.said = (f"Undone: {CATALOGUE[last.kind].description} of "
                             f"{short_date(self.model.spec.date_of(last.day))}; the run was "
                             "replayed without it.")
                self.fan = Job()
        self.bump()

    # ------------------------------------------------------------------ many runs

    def _run_job(self, job: Job, compute: Any) -> None:
        job.running, job.progress, job.error = True, 0.0, ""
        self.bump()
        last = [0.0]

        def progress(done: int, total: int) -> None:
            job.progress = done / max(total, 1)
            if job.progress - last[0] >= 0.1:  # redraw at each tenth, not each day
                last[0] = job.progress
                self.bump()

        try:
            job.result = compute(progress)
        except InputError as exc:
            job.error = "; ".join(p.message for p in exc.problems)
        finally:
            job.running, job.progress = False, 1.0
            self.bump()

    def compute_bands(self) -> Ensemble:
        """The bands of the live path: this run's settings without injections."""
        model = self.model
        self._run_job(self.bands, lambda p: ensemble_for(model, False, BAND_RUNS, p))
        return self.bands.result

    def compute_fan(self) -> Ensemble:
        """The fan: the runs of the same settings and injections, as many as chosen."""
        model, runs = self.model, self.runs
        self._run_job(self.fan, lambda p: ensemble_for(model, True, runs, p))
        return self.fan.result

    def compute_comparison(self) -> Comparison | None:
        """A against B on common random numbers (:func:`sim.experiments.compare.compare`).

        A is this run's scenario with its levers; B is A without a pressure
        (``drop:<id>``) or another scenario of the picker (its key).
        """
        a = self.model.spec
        choice = self.compare_with
        if not choice:
            return None

        def run(progress: Any) -> Comparison:
            if choice.startswith("drop:"):
                return compare(a, drop=[choice[5:]], runs=self.runs, seed=self.model.seed)
            return compare(a, load_choice(choice), runs=self.runs, seed=self.model.seed)

        self._run_job(self.comparison, run)
        return self.comparison.result

    # ------------------------------------------------------------------ votes

    def start_vote(self, mode: str, until: dt.date | None = None) -> None:
        """Open a vote: the full-screen prompt, the run paused."""
        with self.lock:
            self.playing = False
            self.revealed = None
            self.vote = open_vote(self.model, mode, until)
        self.bump()

    def count_hand(self, answer: str, change: int = 1) -> None:
        """Count (or take back) a hand for an answer."""
        if self.vote is not None:
            self.vote.tally[answer] = max(0, self.vote.tally[answer] + change)
        self.bump()

    def play_vote(self) -> None:
        """Play the run until the vote's stop; the play loop then reveals."""
        with self.lock:
            if self.vote is None:
                return
            if self.vote.should_stop(self.model) and self.model.day > self.vote.opened:
                self._reveal()
            else:
                self.voting_play = True
                self.playing = self.model.running and not self.model.finished
                if not self.playing:
                    self._reveal()
        self.bump()

    def _reveal(self) -> None:
        if self.vote is None:
            return
        ens = ensemble_for(self.model, True, self.runs)
        self.revealed = reveal(self.vote, self.model, ens)
        self.fan.result = ens

    def close_vote(self) -> None:
        """Back to the page."""
        self.vote = None
        self.revealed = None
        self.voting_play = False
        self.bump()

    # ------------------------------------------------------------------ the story

    def story(self) -> Story:
        """The story of the run so far."""
        with self.lock:
            return Story.from_model(self.model)

    def story_markdown(self) -> str:
        """The story as Markdown, with the levers and pressures applied from the page."""
        m = self.model
        notes = [f"Seed {m.seed}."]
        if m.levers_applied:
            notes.append("Levers changed: " + "; ".join(f"{k} = {v}" for k, v in
                                                        m.levers_applied.items()) + ".")
        for i in m.injections:
            notes.append(f"Applied from the classroom page for {short_date(m.spec.date_of(i.day))}"
                         f": {CATALOGUE[i.kind].description}.")
        return story_markdown(self.story(), notes)
