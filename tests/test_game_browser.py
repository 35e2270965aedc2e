"""The team game in real browsers: an instructor and two teams, all on 127.0.0.1.

``dipsim class`` is started on a port the OS picks; the instructor's page and each team's
page live in their own browser context (their own cookies and storage, as three laptops
would). The teams join with the code, a student with a wrong code is refused, a page with
a wrong token sees nothing, a move replayed from the captured request is refused and
changes nothing, the round plays when both teams have moved, and at the end every page
shows the class's path against the model's fan. Every request leaving 127.0.0.1 is
blocked and counted (none may be).
"""

from __future__ import annotations

import contextlib
import re
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from tests.test_page_browser import (  # noqa: F401 - fixtures shared with the page's test
    Local,
    browser,
    chromium,
    dipsim_command,
    free_port,
    offline_env,
    stop,
)

pytestmark = pytest.mark.slow


@contextlib.contextmanager
def class_server(tmp_path, *options: str):
    """Start ``dipsim class`` on a free port; yield (port, its printed text) once it listens.

    Stopped on leaving; its whole output is checked for tracebacks then.
    """
    port = free_port()
    log_path = tmp_path / "class.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen([*dipsim_command(), "class", "--port", str(port), *options],
                                stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path,
                                env=offline_env(), start_new_session=True)
        try:
            deadline = time.monotonic() + 120
            while "Ctrl-C ends the game" not in log_path.read_text():
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"dipsim class {' '.join(options)} did not start: "
                                f"{log_path.read_text()}")
                time.sleep(0.05)
            yield port, log_path.read_text()
        finally:
            stop(proc)
    output = log_path.read_text()
    assert "Traceback" not in output, output


@pytest.fixture
def game(tmp_path):
    with class_server(tmp_path, "--seed", "3") as (port, text):
        yield {"instructor": re.search(r"(http://127\.0\.0\.1:\d+/instructor\S+)", text)[1],
               "join": re.search(r"(http://127\.0\.0\.1:\d+/join\S+)", text)[1],
               "code": re.search(r"join code\s+(\S+)", text)[1], "port": port}
    assert "Listening on this computer only" in text


def test_an_instructor_and_two_teams_play(browser, game, tmp_path):  # noqa: F811 - fixture
    local = Local(game["instructor"])
    contexts = []

    def new_page(width=1280, height=800):
        context = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        page = context.new_page()
        page.route("**/*", local)
        return page

    try:
        boss = new_page(1920, 1080)
        boss.goto(game["instructor"])
        boss.locator("#code", has_text=game["code"]).wait_for(timeout=30_000)
        boss.locator("#chart-path[data-stamp='0']").wait_for(timeout=60_000)

        # A student with the wrong code is refused; the right code joins a team.
        teams = {}
        for team in ("us", "venezuela"):
            page = new_page(1024, 768)
            page.goto(game["join"])
            page.check(f"input[value={team}]")
            if team == "us":
                page.fill("#code", "ZZZ-ZZZ")
                page.click("#go")
                page.locator("#status", has_text="wrong join code").wait_for()
            page.fill("#code", game["code"].lower())
            page.click("#go")
            page.locator("#actions input").first.wait_for(timeout=30_000)
            teams[team] = page
        boss.wait_for_function("document.querySelector('[data-team=venezuela]')"
                               ".dataset.joined === '1'", timeout=15_000)

        # A page with a wrong token sees nothing.
        stranger = new_page()
        stranger.goto(game["join"].replace("/join", "/team") + "#t=not-a-token")
        stranger.locator("#status", has_text="wrong team token").wait_for(timeout=15_000)
        assert stranger.locator("#actions input").count() == 0

        # The US team moves; its request is captured and replayed: refused, nothing changes.
        us, ve = teams["us"], teams["venezuela"]
        assert us.locator("input[value=walk_out]").count() == 0  # not at the table
        us.check("input[value=escalate]")
        with us.expect_request("**/api/team/choose") as sent:
            us.click("#submit")
        request = sent.value
        us.locator("#chosen", has_text="Your move this round: escalate").wait_for()
        replay = us.request.post(request.url, headers=request.headers,
                                 data=request.post_data)
        assert replay.status == 409 and "already used" in replay.json()["error"]
        ve.locator("#chosen", has_text="The other team has moved.").wait_for(timeout=15_000)
        boss.locator("[data-team=us][data-chosen=true]").wait_for(timeout=15_000)

        # Venezuela moves: the round plays (a week); the instructor's page follows.
        ve.check("input[value=signal_openness]")
        ve.click("#submit")
        boss.locator("#round", has_text="Round 2").wait_for(timeout=30_000)
        boss.locator("#chart-path[data-stamp='7']").wait_for(timeout=30_000)
        feed = boss.locator("#feed").inner_text()
        assert "The US team: escalate." in feed
        assert "The Venezuelan team: signal openness." in feed
        us.locator("#when", has_text="Round 2").wait_for(timeout=15_000)

        # The instructor applies a pressure and plays a round nobody moved in, then ends.
        boss.get_by_role("button", name="Seize a tanker").click()
        boss.locator("#said", has_text="Seize a tanker: applied").wait_for(timeout=15_000)
        boss.click("#play-round")
        boss.locator("#round", has_text="Round 3").wait_for(timeout=30_000)
        boss.click("#end")
        boss.locator("#fan[data-stamp]").wait_for(timeout=60_000)
        for page in (us, ve):
            page.locator("#fan[data-stamp]").wait_for(timeout=60_000)
            assert "Your run ended in" in page.locator("#result-words").inner_text()
        boss.screenshot(path=str(tmp_path / "instructor.png"), full_page=True)
        us.screenshot(path=str(tmp_path / "team.png"), full_page=True)
    finally:
        for context in contexts:
            context.close()
    assert local.seen and local.blocked == []


def test_lan_mode_still_needs_every_token(tmp_path):
    # --lan listens beyond this computer; this test still talks to 127.0.0.1 only.
    with class_server(tmp_path, "--lan") as (port, text):
        assert "Listening on the local network" in text
        join = re.search(r"Students: open\s+(http://\S+)", text)[1]
        session = re.search(r"[?&]s=([\w-]+)", join)[1]
        base = f"http://127.0.0.1:{port}"
        # Any host name is accepted on the network, but never without the session token.
        for headers in ({}, {"Host": "192.0.2.1"}, {"X-Dipsim-Session": "wrong"}):
            request = urllib.request.Request(f"{base}/join", headers=headers)
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(request, timeout=30)
            assert refused.value.code == 403
        request = urllib.request.Request(f"{base}/api/team", headers={
            "Host": "192.0.2.1", "X-Dipsim-Session": session})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=30)
        assert refused.value.code == 403  # a session, but no team token
        with urllib.request.urlopen(f"{base}/join?s={session}", timeout=30) as r:
            assert r.status == 200
