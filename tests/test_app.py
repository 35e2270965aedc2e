"""The classroom page: its model, feed and charts, and the page itself in a real browser.

The browser test starts ``dipsim demo`` on a free port, drives Debian's Chromium headless
through a short lesson (step, play and pause, a lever slider and Reset, an injected
pressure, the ensemble tab) with every request leaving loopback blocked, and checks that
the charts and the event feed changed and that no request left the computer.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import pytest
from mesa.experimental.scenarios import Scenario as MesaScenario

from sim.experiments.compare import without_pressures
from sim.model.model import VARIABLES, Outcome
from sim.model.pressures import PressureType
from sim.scenario.load import load_scenario
from sim.ui.app import banner_html, feed_html
from sim.ui.classroom import (
    INJECTIONS,
    ClassroomModel,
    apply_injection,
    ensemble_for,
    lever_changes,
    model_params,
    parse_seed,
    run_ensemble_like,
)
from sim.ui.live_charts import LiveCharts, ensemble_png

DEFAULT = load_scenario(None)
CC = list(VARIABLES).index("cc_index")


# ---------------------------------------------------------------------------- without a browser


def test_reset_ignores_mesas_experiment_object_and_applies_only_moved_levers():
    # Mesa's Reset passes its own experiment object as `scenario` and every slider's value.
    values = {k: v["value"] for k, v in model_params(DEFAULT).items()}
    m = ClassroomModel(scenario=MesaScenario(rng=1), **values)
    assert m.spec.name == DEFAULT.name and m.seed == DEFAULT.seed
    assert m.levers_applied == {}
    values.update(seed="11", boat_strike_tempo=2.0, mediation=True)
    m = ClassroomModel(scenario=MesaScenario(rng=1), **values)
    assert m.seed == 11
    assert m.levers_applied == {"boat_strike_tempo": 2.0, "mediation": True}
    assert "Boat-strike tempo (x) 2" in banner_html(m)


def test_salience_sliders_one_moved_rescales_the_others_two_moved_are_normalised():
    us = DEFAULT.actors.us.salience
    changed, overrides = lever_changes(DEFAULT, {"us_salience_oil": 0.5,
                                                 "us_salience_drugs": us.drugs})
    assert changed == {"us_salience_oil": 0.5} and overrides == []
    changed, overrides = lever_changes(DEFAULT, {"us_salience_oil": 0.4,
                                                 "us_salience_drugs": 0.4,
                                                 "us_salience_migration": 0.2})
    assert changed == {}
    assert overrides == ["actors.us.salience={drugs: 0.400000, oil: 0.400000, "
                         "migration: 0.200000}"]
    m = ClassroomModel(us_salience_oil=0.4, us_salience_drugs=0.4, us_salience_migration=0.2)
    s = m.spec.actors.us.salience
    assert (s.drugs, s.oil, s.migration) == pytest.approx((0.4, 0.4, 0.2))
    with pytest.raises(TypeError, match="unknown lever"):
        lever_changes(DEFAULT, {"boat_tempo": 2})


def test_levers_that_make_no_valid_scenario_are_reported_not_raised():
    m = ClassroomModel(us_salience_drugs=0.0, us_salience_oil=0.0, us_salience_migration=0.0)
    assert m.spec == DEFAULT and m.levers_applied == {}
    assert "Levers not applied: at least one salience must be above 0" in banner_html(m)


def test_seed_box():
    assert parse_seed("", 7) == (7, "")
    assert parse_seed(" 42 ", 7) == (42, "")
    seed, note = parse_seed("forty", 7)
    assert seed == 7 and "whole number" in note
    assert parse_seed("-1", 7)[0] == 7


def test_injection_is_queued_then_told_in_the_feed():
    m = ClassroomModel()
    for _ in range(40):
        m.step()
    tanker = next(b for b in INJECTIONS if b.kind is PressureType.TANKER_SEIZURE)
    said = apply_injection(m, tanker)
    when = DEFAULT.date_of(40)
    assert f"queued for {when:%a} {when.day} {when:%b %Y}" in said
    assert f"Queued for {when:%a} {when.day} {when:%b %Y}: seizure of an oil tanker" in \
        feed_html(m)
    m.step()
    feed = feed_html(m)
    assert "Queued" not in feed
    assert ("The United States: seizure of an oil tanker against Venezuela (applied from the "
            "classroom page).") in feed
    flights = next(b for b in INJECTIONS if b.kind is PressureType.DEPORTATION_FLIGHTS_PAUSED)
    apply_injection(m, flights)
    m.step()
    assert "Venezuela: deportation flights paused begins against the United States" in \
        feed_html(m)


def test_every_button_acts_on_the_next_day():
    for button in INJECTIONS:
        m = ClassroomModel()
        m.step()
        apply_injection(m, button)
        m.step()
        fired = [f for f in m.firings if f.day == 1 and "-injected-" in f.pressure]
        assert [f.type for f in fired] == [button.kind], button.label


def test_ensemble_replicate_zero_is_the_live_run_with_the_same_injections():
    live = ClassroomModel(seed=5)
    for day in range(60):
        if day == 30:
            live.inject("tanker_seizure")
        live.step()
    ens = run_ensemble_like(live, runs=20)
    assert ens.injected == 1
    path = ens.results.data.trace[:60, CC, 0]
    np.testing.assert_array_equal(path, live.trace[:60, CC, 0])
    # Without the injection the paths part on the day it acts.
    plain = run_ensemble_like(live, runs=20, injected=0)
    assert np.array_equal(plain.results.data.trace[:30, CC, 0], path[:30])
    assert not np.array_equal(plain.results.data.trace[30:60, CC, 0], path[30:60])
    probabilities = ens.probabilities()
    assert sum(p for _, p, _, _ in probabilities) == pytest.approx(1.0)
    assert ensemble_png(ens)[:4] == b"\x89PNG"
    assert all(lo <= p <= hi for _, p, lo, hi in probabilities)


def test_bands_stop_only_where_a_leader_is_removed():
    # Escalation is not absorbing in model v2 (docs/model.md §3.1): an escalated run keeps
    # moving and its index stays in the bands; only a removed leader ends a run.
    m = ClassroomModel()
    ens = ensemble_for(m, with_injections=False)
    assert ensemble_for(m, with_injections=False) is ens  # computed once per model
    days = ens.results.data.runs["outcome_day"]
    escalated = np.flatnonzero(ens.outcome == Outcome.ESCALATION)
    assert escalated.size
    r = escalated[0]
    assert np.isfinite(ens.cc[int(days[r]) + 1:, r]).all()
    for r in np.flatnonzero(ens.outcome == Outcome.LEADER_REMOVED):
        assert np.isnan(ens.cc[int(days[r]) + 1:, r]).all()
    lo, hi = ens.band((Outcome.ESCALATION,))
    ok = np.isfinite(lo)
    assert ok.any() and (lo[ok] <= hi[ok]).all()


def test_live_chart_redraw_changes_with_the_run():
    # (How long a redraw takes is measured by benchmarks/page.py, not asserted here.)
    m = ClassroomModel()
    charts = LiveCharts(m, ensemble_for(m, with_injections=False))
    first = charts.png(m)
    for _ in range(30):
        m.step()
        png = charts.png(m)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png != first


def test_banner_shows_the_outcome():
    m = ClassroomModel()
    assert "Talks or escalation?" in banner_html(m)
    m.inject("overt_land_strike")
    m.step()
    # With the US demanding that Maduro go (the recognition of Gonzalez, in force), a strike
    # on land may remove him (a chance of about one in two; with this seed it does).
    assert m.outcome[0] == Outcome.LEADER_REMOVED
    banner = banner_html(m)
    assert 'data-outcome="leader_removed"' in banner
    assert "Leader removed by force on 1 August 2025" in banner
    assert "removed him: the run ends" in banner
    # Without the demand the same strike is escalation, and the run goes on.
    plain = ClassroomModel(without_pressures(m.spec, ["gonzalez_recognition",
                                                      "maduro_exit_demand"]))
    plain.inject("overt_land_strike")
    plain.step()
    assert plain.outcome[0] == Outcome.ESCALATION
    banner = banner_html(plain)
    assert 'data-outcome="escalation"' in banner and "Escalation on 1 August 2025" in banner
    assert "An overt military strike on land" in banner


def test_demo_rejects_a_bad_scenario_before_serving(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\n")
    r = subprocess.run([sys.executable, "-m", "sim", "demo", str(bad), "--port", "9"],
                       check=False, capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "title" in r.stderr and "Serving" not in r.stdout


# ---------------------------------------------------------------------------- in a browser

BROWSER_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def _chromium() -> str | None:
    for candidate in (os.environ.get("DIPSIM_CHROMIUM"), "/usr/bin/chromium",
                      shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


@pytest.fixture
def chromium() -> str:
    path = _chromium()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("no Chromium found, and CI must run the browser test: .ci/run installs "
                        "it with 'apt-get install -y chromium'")
        pytest.skip("no Chromium found at /usr/bin/chromium or on PATH (apt-get install "
                    "chromium, or set DIPSIM_CHROMIUM)")
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def demo_server(tmp_path):
    port = _free_port()
    script = Path(sys.executable).with_name("dipsim")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "sim"]
    log = (tmp_path / "demo.log").open("w")
    # The server gets no way out either: any fetch it tried (Solara fetches a missing asset
    # from a CDN) would go to a dead proxy and be logged as "Could not load URL".
    dead = "http://127.0.0.1:9"
    env = {**os.environ, "HTTP_PROXY": dead, "HTTPS_PROXY": dead, "http_proxy": dead,
           "https_proxy": dead, "NO_PROXY": "127.0.0.1,localhost",
           "no_proxy": "127.0.0.1,localhost"}
    proc = subprocess.Popen([*command, "demo", "--port", str(port)], stdout=log,
                            stderr=subprocess.STDOUT, cwd=tmp_path, env=env,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"dipsim demo did not start: {(tmp_path / 'demo.log').read_text()}")
            time.sleep(0.25)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # the process group this fixture started
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()
    output = (tmp_path / "demo.log").read_text()
    assert f"Serving on {url}" in output and "this computer only" in output
    assert "Could not load URL" not in output, "the server tried to fetch from the internet"
    assert "Traceback" not in output, output


def _day(page) -> int:
    text = page.locator(".dipsim-outcome").inner_text()
    found = re.search(r"Day (\d+) of", text)
    return int(found.group(1)) if found else 0


@pytest.mark.slow
def test_classroom_page_in_a_browser(chromium, demo_server, tmp_path):
    playwright = pytest.importorskip("playwright.sync_api")
    requests: list[str] = []
    blocked: list[str] = []
    host = urlparse(demo_server).netloc

    def cut_network(route):
        url = route.request.url
        requests.append(url)
        if urlparse(url).netloc != host and not url.startswith(("data:", "blob:")):
            blocked.append(url)
            route.abort()
        else:
            route.continue_()

    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=BROWSER_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.route("**/*", cut_network)
            page.on("websocket", lambda ws: requests.append(ws.url))
            page.goto(demo_server)
            step = page.get_by_role("button", name="Step")
            step.wait_for(timeout=60_000)
            chart = page.locator("img.widget-image").first
            chart.wait_for(timeout=60_000)
            page.locator(".dipsim-outcome").wait_for()
            assert "Talks or escalation?" in page.locator(".dipsim-outcome").inner_text()
            chart_before = chart.screenshot()
            feed = page.locator(".dipsim-feed")
            feed_before = feed.inner_text()

            # Step: each click redraws the chart (the image source changes).
            for _ in range(5):
                src = chart.get_attribute("src")
                step.click()
                page.wait_for_function(
                    "s => document.querySelector('img.widget-image').src !== s", arg=src,
                    timeout=10_000)
            assert _day(page) == 5

            # Play, then pause: the run moves on by itself.
            page.get_by_role("button", name="▶").click()
            page.wait_for_function(
                "() => /Day (\\d+) of/.test(document.querySelector('.dipsim-outcome')"
                ".innerText) && +document.querySelector('.dipsim-outcome').innerText"
                ".match(/Day (\\d+) of/)[1] >= 40", timeout=60_000)
            page.get_by_role("button", name="❚❚").click()
            page.get_by_role("button", name="▶").wait_for()
            paused_at = _day(page)
            assert paused_at >= 40
            assert chart.screenshot() != chart_before
            assert feed.inner_text() != feed_before
            assert "strike on a boat" in feed.inner_text()

            # An injected pressure: queued now, told in the feed once the next day runs.
            page.get_by_role("button", name="Seize a tanker").click()
            page.locator(".dipsim-queued").wait_for(timeout=10_000)
            step.click()
            page.get_by_text("applied from the classroom page").first.wait_for(timeout=10_000)

            # A lever: move the boat-strike slider, then Reset rebuilds the run with it.
            # Each key press is waited for (the slider's value moves 0.1 a press), so none is
            # lost on a busy machine.
            slider = page.get_by_role("slider", name="Boat-strike tempo (x)")
            slider.focus()
            start = float(slider.get_attribute("aria-valuenow"))
            for k in range(1, 11):
                slider.press("ArrowRight")
                page.wait_for_function(
                    "([el, v]) => Math.abs(+el.getAttribute('aria-valuenow') - v) < 1e-6",
                    arg=[slider.element_handle(), round(start + 0.1 * k, 6)], timeout=10_000)
            page.get_by_role("button", name="Reset").click()
            page.locator(".dipsim-levers").wait_for(timeout=30_000)
            assert "Boat-strike tempo (x) 2" in page.locator(".dipsim-levers").inner_text()
            assert _day(page) == 0
            page.screenshot(path=str(tmp_path / "classroom.png"), full_page=True)

            # The ensemble tab: the same scenario many times, with P(outcome).
            page.get_by_role("tab", name="500 runs").click()
            ensemble = page.locator(".dipsim-ensemble")
            ensemble.wait_for(timeout=60_000)
            assert re.search(r"escalation \d+%", ensemble.inner_text())
            page.screenshot(path=str(tmp_path / "ensemble.png"), full_page=True)
        finally:
            browser.close()

    assert (tmp_path / "classroom.png").stat().st_size > 20_000
    assert requests, "no requests were recorded"
    assert blocked == [], f"requests left localhost: {blocked[:5]}"
    assert all(urlparse(u).hostname in ("127.0.0.1", None) or u.startswith(("data:", "blob:"))
               for u in requests)
