"""Speed of the classroom page as a class meets it, measured in Debian's Chromium.

For each launch of ``dipsim demo`` on a free port of 127.0.0.1 (the browser is already
open, as it is in a classroom):

- **address**: seconds from launching the command to its printing the address, and
  whether the page answered the very first request made right after (it must);
- **usable**: seconds from launch to the page drawn and answering a key: the first →
  has moved the run one day and the charts show it;
- **step**: at 1920 x 1080, the time from pressing → to the charts showing the new day
  (their ``data-stamp``), for ``--steps`` steps: median and 90th percentile;
- **reset**: R with a new seed, until the run is back at day 0 and until the bands of
  500 runs behind the path are drawn, and whether a progress bar showed meanwhile;
- **fan**: the fan of 1,000 runs, until its answer shows, and whether a progress bar did.

Every request goes to 127.0.0.1 (others are blocked and counted); every wait is bounded.
Usage: python benchmarks/page.py [--launches 3] [--steps 40]
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

CHROMIUM = os.environ.get("DIPSIM_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launch(folder: Path) -> tuple[subprocess.Popen, str, float, float, bool]:
    """Start dipsim demo; return it, its URL, launch time, seconds to the address, answered."""
    port = free_port()
    log_path = folder / f"demo-{port}.log"
    script = Path(sys.executable).with_name("dipsim")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "sim"]
    log = log_path.open("w")
    t0 = time.perf_counter()
    proc = subprocess.Popen([*command, "demo", "--port", str(port)], stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True, cwd=folder)
    url = f"http://127.0.0.1:{port}/"
    while "Serving on" not in log_path.read_text():
        if proc.poll() is not None or time.perf_counter() - t0 > 180:
            raise SystemExit(f"dipsim demo did not start: {log_path.read_text()}")
        time.sleep(0.01)
    printed = time.perf_counter() - t0
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            answered = r.status == 200
    except OSError:
        answered = False
    return proc, url, t0, printed, answered


def stop(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


class Local:
    """A route handler: requests to the page's own server go on, others are blocked."""

    def __init__(self, host: str, blocked: list[str]):
        self.host = host
        self.blocked = blocked

    def __call__(self, route) -> None:
        url = route.request.url
        if urlparse(url).netloc != self.host and not url.startswith(("data:", "blob:")):
            self.blocked.append(url)
            route.abort()
        else:
            route.continue_()


def wait_stamp(page, value: int, timeout: float = 30_000) -> None:
    page.wait_for_function(
        "v => { const c = document.querySelector('[data-chart$=-path]');"
        " return c && c.dataset.stamp === v; }", arg=str(value), timeout=timeout)


def watch_progress(page) -> None:
    """Note in the page whether a progress bar shows at any moment from now on."""
    page.evaluate("""() => {
        window.dipsimSawProgress = false;
        if (window.dipsimWatcher) window.dipsimWatcher.disconnect();
        window.dipsimWatcher = new MutationObserver(() => {
            if (document.querySelector('.dipsim-progress')) window.dipsimSawProgress = true;
        });
        window.dipsimWatcher.observe(document.body, {subtree: true, childList: true});
    }""")


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--launches", type=int, default=3)
    parser.add_argument("--steps", type=int, default=40)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    folder = Path(tempfile.mkdtemp(prefix="dipsim-page-"))
    addresses, usable, answered_all, steps = [], [], True, []
    reset_day = reset_bands = fan_time = None
    reset_progress = fan_progress = False
    blocked: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        for k in range(args.launches):
            proc, url, t0, printed, answered = launch(folder)
            local = Local(urlparse(url).netloc, blocked)

            try:
                addresses.append(printed)
                answered_all &= answered
                context = browser.new_context(viewport={"width": 1920, "height": 1080})
                page = context.new_page()
                page.route("**/*", local)
                page.goto(url)
                page.locator("[data-chart$=-path][data-stamp='0']").wait_for(timeout=120_000)
                page.keyboard.press("ArrowRight")
                wait_stamp(page, 1, 60_000)
                usable.append(time.perf_counter() - t0)
                print(f"launch {k + 1}: address after {printed:.2f} s (answered: {answered}), "
                      f"usable after {usable[-1]:.2f} s", flush=True)
                if k == 0:
                    page.wait_for_timeout(3000)  # the bands arrive; then time the steps
                    for n in range(2, args.steps + 2):
                        start = time.perf_counter()
                        page.keyboard.press("ArrowRight")
                        wait_stamp(page, n)
                        steps.append((time.perf_counter() - start) * 1000)
                    # Reset with another seed: the bands of 500 runs are computed anew.
                    page.get_by_role("button", name="Levers").click()
                    seed = page.get_by_label("Seed")
                    seed.fill("12345")
                    seed.press("Enter")
                    page.keyboard.press("Escape")
                    page.locator("body").click(position={"x": 5, "y": 300})
                    watch_progress(page)
                    start = time.perf_counter()
                    page.keyboard.press("r")
                    wait_stamp(page, 0)
                    reset_day = time.perf_counter() - start
                    page.wait_for_function(
                        "() => !document.querySelector('.dipsim-progress') && document."
                        "querySelectorAll('[data-chart$=-path] .mark-area path').length",
                        timeout=60_000)
                    reset_bands = time.perf_counter() - start
                    reset_progress = page.evaluate("window.dipsimSawProgress")
                    # The fan of 1,000 runs.
                    page.locator(".v-select", has_text="Runs in the fan").click()
                    page.locator(".v-menu__content .v-list-item", has_text="1000").click()
                    watch_progress(page)
                    start = time.perf_counter()
                    page.get_by_role("tab", name="1000 runs").click()
                    page.locator(".dipsim-ensemble").wait_for(timeout=120_000)
                    fan_time = time.perf_counter() - start
                    fan_progress = page.evaluate("window.dipsimSawProgress")
                context.close()
            finally:
                stop(proc)
        browser.close()

    steps.sort()
    median = statistics.median(steps)
    p90 = steps[int(0.9 * (len(steps) - 1))]
    print(f"address printed: median {statistics.median(addresses):.2f} s of {len(addresses)} "
          f"(min {min(addresses):.2f}, max {max(addresses):.2f}); answered the first "
          f"request every time: {answered_all}")
    print(f"usable after launch: median {statistics.median(usable):.2f} s (min "
          f"{min(usable):.2f}, max {max(usable):.2f}); target <= 10 s")
    print(f"step redraw at 1920x1080: median {median:.0f} ms, 90th percentile {p90:.0f} ms, "
          f"max {steps[-1]:.0f} ms over {len(steps)} steps; target median <= 150 ms")
    print(f"reset with a new seed: day 0 after {reset_day:.2f} s, bands after "
          f"{reset_bands:.2f} s, progress bar shown: {reset_progress}")
    print(f"fan of 1000 runs: {fan_time:.2f} s, progress bar shown: {fan_progress}")
    print(f"requests blocked (leaving 127.0.0.1): {len(blocked)}")
    ok = (answered_all and statistics.median(usable) <= 10 and median <= 150 and not blocked)
    print(f"SUMMARY page: usable {statistics.median(usable):.1f} s (10 s target), step "
          f"{median:.0f} ms (150 ms target), address only once answering {answered_all}: "
          f"{'PASS' if ok else 'FAIL'}")


if __name__ == "__main__":
    main()
