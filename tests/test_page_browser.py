"""The classroom page in a real browser (Debian's Chromium, headless), every request kept local.

``dipsim demo`` is started on a port the OS picks; the tests check that it prints its
address only once the page answers, then drive the page as an instructor would: text sizes
measured at 1024 x 768, 1280 x 800 and 1920 x 1080 against the projection sizes of issue 15,
the keys, the controls on the page, a class vote, the fan, side by side, the Info tab,
exports, undo and the end-of-run card. Any request leaving 127.0.0.1 is blocked and
counted (none may be). Timings are measured by ``benchmarks/page.py``, never asserted here.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest

pytestmark = pytest.mark.slow

BROWSER_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
VIEWPORTS = ((1024, 768), (1280, 800), (1920, 1080))


def chromium_path() -> str | None:
    """Debian's Chromium, or the one ``DIPSIM_CHROMIUM`` names."""
    for candidate in (os.environ.get("DIPSIM_CHROMIUM"), "/usr/bin/chromium",
                      shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def free_port() -> int:
    """A port on 127.0.0.1 the OS says is free."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def dipsim_command() -> list[str]:
    """The ``dipsim`` command of this environment."""
    script = Path(sys.executable).with_name("dipsim")
    return [str(script)] if script.exists() else [sys.executable, "-m", "sim"]


def offline_env() -> dict[str, str]:
    """The environment, with every proxy dead: a fetch from the internet is logged."""
    dead = "http://127.0.0.1:9"
    return {**os.environ, "HTTP_PROXY": dead, "HTTPS_PROXY": dead, "http_proxy": dead,
            "https_proxy": dead, "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost"}


def stop(proc: subprocess.Popen) -> None:
    """Stop the process group a fixture started."""
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


@pytest.fixture(scope="module")
def chromium() -> str:
    path = chromium_path()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("no Chromium found, and CI must run the browser tests")
        pytest.skip("no Chromium at /usr/bin/chromium or on PATH (apt-get install chromium)")
    return path


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    port = free_port()
    log_path = folder / "demo.log"
    log = log_path.open("w")
    proc = subprocess.Popen([*dipsim_command(), "demo", "--port", str(port)], stdout=log,
                            stderr=subprocess.STDOUT, cwd=folder, env=offline_env(),
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 120
        while "Serving on" not in log_path.read_text():
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"dipsim demo did not start: {log_path.read_text()}")
            time.sleep(0.05)
        # The address is printed once the page answers: the first request must succeed.
        with urllib.request.urlopen(url, timeout=10) as r:
            assert r.status == 200
        yield url
    finally:
        stop(proc)
        log.close()
    output = log_path.read_text()
    assert f"Serving on {url}" in output and "this computer only" in output
    assert "Could not load URL" not in output, "the server tried to fetch from the internet"
    assert "Traceback" not in output, output


@pytest.fixture(scope="module")
def browser(chromium):
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, headless=True, args=BROWSER_FLAGS)
        yield b
        b.close()
    # Playwright's event loop leaves its executor's threads to end on their own; wait for
    # them, or the next test module's runs would see another thread and not fork.
    for thread in threading.enumerate():
        if thread.name.startswith("asyncio_"):
            thread.join(timeout=10)


class Local:
    """Blocks and counts every request that leaves the page's own server."""

    def __init__(self, url: str):
        self.host = urlparse(url).netloc
        self.seen: list[str] = []
        self.blocked: list[str] = []

    def __call__(self, route) -> None:
        url = route.request.url
        self.seen.append(url)
        if urlparse(url).netloc != self.host and not url.startswith(("data:", "blob:")):
            self.blocked.append(url)
            route.abort()
        else:
            route.continue_()


def open_page(browser, url: str, width: int, height: int):
    context = browser.new_context(viewport={"width": width, "height": height},
                                  accept_downloads=True)
    page = context.new_page()
    local = Local(url)
    page.route("**/*", local)
    page.goto(url)
    page.locator("[data-chart$=-path][data-stamp]").wait_for(timeout=90_000)
    return context, page, local


def day(page) -> int:
    return int(page.locator(".dipsim-outcome").get_attribute("data-day"))


def wait_day(page, n: int) -> None:
    page.wait_for_function(
        "n => +document.querySelector('.dipsim-outcome').dataset.day === n && "
        "document.querySelector('[data-chart$=-path]').dataset.stamp === String(n)",
        arg=n, timeout=30_000)


def font_sizes(page, selector: str) -> list[float]:
    return page.evaluate(
        "s => Array.from(document.querySelectorAll(s)).filter(e => e.textContent.trim())"
        ".map(e => parseFloat(getComputedStyle(e).fontSize))", selector)


#: The event feed's text: what happened, why, and when.
FEED_TEXT = ".dipsim-feed .dipsim-what, .dipsim-feed .dipsim-why, .dipsim-feed .dipsim-when"


@pytest.mark.parametrize(("width", "height"), VIEWPORTS)
def test_text_is_legible_from_the_back_of_the_room(browser, demo, tmp_path, width, height):
    context, page, local = open_page(browser, demo, width, height)
    try:
        for _ in range(40):
            page.keyboard.press("ArrowRight")
        wait_day(page, 40)
        large = width >= 1600
        page.wait_for_function(
            "v => +getComputedStyle(document.querySelector('[data-chart$=-hostility] "
            ".role-title-text text')).fontSize.slice(0, -2) === v", arg=28 if large else 22,
            timeout=30_000)
        # The feed is a widget of its own, redrawn after the day line: wait for it.
        page.wait_for_function("f => document.querySelectorAll(f).length > 5", arg=FEED_TEXT,
                               timeout=30_000)
        labels = font_sizes(page, "[data-chart] .role-axis-label text, "
                                  "[data-chart] .role-legend-label text")
        titles = font_sizes(page, "[data-chart] .role-title-text text")
        feed = font_sizes(page, FEED_TEXT)
        headline = font_sizes(page, ".dipsim-headline")
        assert len(labels) > 40 and len(titles) == 4 and len(feed) > 5
        assert min(labels) >= (20 if large else 16), sorted(labels)[:5]
        assert min(titles) >= (28 if large else 22), titles
        assert min(feed) >= (22 if large else 18), sorted(feed)[:5]
        assert min(headline) >= (48 if large else 34)
        # The charts are drawn at their element's size (SVG), not a picture scaled to fit.
        svg = page.evaluate("""() => Array.from(document.querySelectorAll('[data-chart] svg'))
            .map(s => [s.getBoundingClientRect().width, +s.getAttribute('width')])""")
        assert len(svg) == 4 and all(abs(shown - drawn) < 1 for shown, drawn in svg), svg
        # No control is cut off by the edge of the screen.
        boxes = page.evaluate("""() => Array.from(document.querySelectorAll(
            '.dipsim-controls button, .dipsim-controls .v-input')).map(e => {
              const r = e.getBoundingClientRect(); return [r.left, r.right]; })""")
        assert boxes and all(left >= 0 and right <= width for left, right in boxes), boxes
        page.screenshot(path=str(tmp_path / f"page-{width}x{height}.png"))
    finally:
        context.close()
    assert local.seen and local.blocked == []


def test_a_lesson_in_the_browser(browser, demo, tmp_path):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    context, page, local = open_page(browser, demo, 1280, 800)
    try:
        # Keys: the right arrow steps, space plays and pauses, R resets.
        for n in (1, 2, 3):
            page.keyboard.press("ArrowRight")
            wait_day(page, n)
        page.keyboard.press(" ")
        page.wait_for_function("() => +document.querySelector('.dipsim-outcome')"
                               ".dataset.day >= 12", timeout=30_000)
        page.keyboard.press(" ")
        page.get_by_role("button", name="▶ Play (space)").wait_for()
        paused = day(page)
        page.wait_for_timeout(600)
        assert day(page) == paused
        page.keyboard.press("r")
        wait_day(page, 0)
        assert page.locator(".dipsim-speed .v-slider__thumb-label").inner_text() == "8"

        # A pressure applied now, queued, then taken back.
        for _ in range(5):
            page.keyboard.press("ArrowRight")
        wait_day(page, 5)
        page.get_by_role("button", name="Act now").click()
        page.get_by_role("button", name="Seize a tanker").click()
        page.locator(".dipsim-queued").wait_for(timeout=10_000)
        page.get_by_role("button", name="Undo pressure").click()
        page.locator(".dipsim-said", has_text="Undone: seizure of an oil tanker").wait_for()
        # The message and the feed are separate widgets, updated one after the other over
        # the websocket: the queued line goes with the feed's update.
        page.locator(".dipsim-queued").wait_for(state="detached", timeout=10_000)

        # Exports from the browser: a chart as PNG and SVG, the story as Markdown.
        path_chart = page.locator("[data-chart$=-path]")
        with page.expect_download() as png:
            path_chart.get_by_role("button", name="PNG").click()
        assert Path(png.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        with page.expect_download() as svg:
            path_chart.get_by_role("button", name="SVG").click()
        assert "<svg" in Path(svg.value.path()).read_text()[:500]
        with page.expect_download() as story:
            page.get_by_role("button", name="Story (.md)").click()
        text = Path(story.value.path()).read_text()
        assert text.startswith("# The Caribbean campaign") and "(day 0)" in text

        # A class vote until the next turning point, revealed against the fan.
        page.get_by_role("button", name="Class vote").click()
        page.get_by_role("button", name="Until the next turning point").click()
        page.locator(".dipsim-question", has_text="What happens next?").wait_for()
        page.get_by_role("button", name="escalation", exact=True).click()
        page.locator(".dipsim-tally[data-answer=escalation]", has_text="1").wait_for()
        page.get_by_role("button", name="Play out").click()
        reveal = page.locator(".dipsim-reveal")
        reveal.wait_for(timeout=90_000)
        assert "The class said: escalation 1." in reveal.inner_text()
        page.locator("[data-chart$=-vote-fan][data-stamp]").wait_for(timeout=30_000)
        page.screenshot(path=str(tmp_path / "reveal.png"))
        page.get_by_role("button", name="Back to the run").click()
        assert day(page) > 5

        # The fan with 100 runs, answer first.
        page.locator(".v-select", has_text="Runs in the fan").click()
        page.locator(".v-menu__content .v-list-item", has_text="100").first.click()
        page.get_by_role("tab", name="100 runs").click()
        page.locator(".dipsim-ensemble", has_text="100 runs of this scenario").wait_for(
            timeout=60_000)
        page.locator("[data-chart$=-fan][data-stamp]").wait_for(timeout=30_000)

        # Side by side: the scenario without a pressure, on common random numbers.
        page.get_by_role("tab", name="Side by side").click()
        page.get_by_role("button", name="Compare (100 runs each)").click()
        compared = page.locator(".dipsim-compare")
        compared.wait_for(timeout=90_000)
        assert "Run r of A and run r of B draw the same chances" in compared.inner_text()
        page.locator("[data-chart=side-by-side-difference][data-stamp]").wait_for()

        page.get_by_role("tab", name="Info").click()
        assert "The eight outcomes, in plain words" in page.locator(".dipsim-info").inner_text()

        # Another scenario from the picker, then play to the end at full speed.
        page.get_by_role("tab", name="This run").click()
        page.locator(".v-select", has_text="Scenario").click()
        page.locator(".v-menu__content .v-list-item", has_text="maximum-pressure").click()
        page.locator(".dipsim-dayline", has_text="Maximum pressure").wait_for(timeout=30_000)
        assert day(page) == 0
        full_speed = page.locator(".dipsim-speed .v-slider__thumb-label", has_text="30")
        for _ in range(10):  # the page may redraw the slider after the scenario loads,
            slider = page.locator(".dipsim-speed [role=slider]")  # losing a key pressed
            slider.focus()  # on the one it replaced: press again, at most ten times
            slider.press("End")
            try:
                full_speed.wait_for(timeout=5_000)
                break
            except PlaywrightTimeout:
                continue
        full_speed.wait_for(timeout=1_000)
        page.locator("body").press(" ")
        card = page.locator(".dipsim-endcard")
        card.wait_for(timeout=120_000)
        assert "What just happened" in card.inner_text() and "Key moments" in card.inner_text()
        assert card.locator("li").count() >= 3
        page.screenshot(path=str(tmp_path / "end.png"))
    finally:
        context.close()
    assert local.seen and local.blocked == []
