"""The team game: scripted team exchanges on the exact model state, and its server's locks.

A round played by the teams must be the model run with a script of their moves (the tests'
own scripted exchanges); the server is started on 127.0.0.1 (port picked by the OS) and
sent real HTTP requests, only there: no token, a wrong token, a team token used for the
instructor, a wrong join code, a replayed request, a flood, a large body, a path out of
the static folder.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from typing import Any

import numpy as np
import pytest
import uvicorn

from sim.model.agents import Action
from sim.model.model import DiplomacyModel
from sim.scenario.errors import InputError
from sim.scenario.load import load_scenario
from sim.ui.classroom import INJECTIONS
from sim.ui.game import TeamGame
from sim.ui.game_server import Bucket, build_app, links, loopback_hosts, new_session

DEFAULT = load_scenario(None)
HOLD = ["hold"] * 6


def _scripted(script: dict[str, list[str]], days: int, seed: int = 3,
              inject: tuple[int, str] | None = None) -> DiplomacyModel:
    m = DiplomacyModel(DEFAULT, rng=seed, script=script, narrate=True, trace_replicates=1,
                       band_replicates=1)
    for day in range(days):
        if inject is not None and day == inject[0]:
            m.inject(inject[1])
        m.step()
    return m


def test_rounds_played_by_teams_are_the_model_with_their_script():
    game = TeamGame(DEFAULT, seed=3)
    game.choose("us", "escalate", 1)
    assert game.round == 1  # waits for the other team
    game.choose("venezuela", "signal_openness", 1)
    assert game.round == 2 and game.model.day == 7
    game.inject(next(b for b in INJECTIONS if b.label == "Seize a tanker"))
    game.choose("venezuela", "retaliate", 2)
    game.choose("us", "concede", 2)
    assert game.model.day == 14
    m = _scripted({"us": ["escalate", *HOLD, "concede", *HOLD],
                   "venezuela": ["signal_openness", *HOLD, "retaliate", *HOLD]}, 14,
                  inject=(7, "tanker_seizure"))
    g = game.model
    for name in ("hostility", "readiness", "pain", "commitment", "offer_values", "outcome",
                 "in_talks", "casualties", "cc_index", "relations_open"):
        np.testing.assert_array_equal(getattr(g, name), getattr(m, name), err_msg=name)
    np.testing.assert_array_equal(g.trace[:14], m.trace[:14])
    np.testing.assert_array_equal(g._action_log[:14, :, 0], m._action_log[:14, :, 0])
    assert list(g._action_log[:14, 0, 0]) == [Action.ESCALATE] + [0] * 6 + [Action.CONCEDE] + \
        [0] * 6
    assert [r.choices for r in game.rounds] == [
        {"us": "escalate", "venezuela": "signal openness"},
        {"us": "concede", "venezuela": "retaliate"}]
    moves = game.moves()
    assert [m.text for m in moves[:2]] == ["The US team: escalate.",
                                           "The Venezuelan team: signal openness."]


def test_what_a_team_may_pick_follows_the_state():
    game = TeamGame(DEFAULT, seed=3)
    picks = {a.name.lower() for a in game.available("us")}
    # Not at the table (no walking out), relations broken since 2019 (no breaking them).
    assert "walk_out" not in picks and "rupture" not in picks and "signal_openness" in picks
    view = game.team_view("venezuela")
    assert [a["action"] for a in view["actions"]] == sorted(
        picks, key=lambda name: Action[name.upper()])
    assert view["other_chosen"] is False and view["chosen"] is None
    with pytest.raises(InputError, match="not possible now"):
        game.choose("us", "walk_out", 1)
    with pytest.raises(InputError, match="no action"):
        game.choose("us", "nuke", 1)
    with pytest.raises(InputError, match="this is round 1"):
        game.choose("us", "hold", 2)
    game.choose("us", "hold", 1)
    assert game.team_view("venezuela")["other_chosen"] is True


def test_a_move_the_state_does_not_allow_on_its_day_is_held():
    game = TeamGame(DEFAULT, seed=3)
    team = game.model.governments[0]
    team.script = [Action.WALK_OUT]  # a round would not offer it: forced here
    game.model.step()
    assert team.refused == [(0, Action.WALK_OUT)]
    assert game.model._action_log[0, 0, 0] == Action.HOLD


def test_pause_end_and_the_fan_of_the_models_own_play():
    game = TeamGame(DEFAULT, seed=3, round_days=5)
    game.set_paused(True)
    game.choose("us", "hold", 1)
    game.choose("venezuela", "hold", 1)
    assert game.round == 1  # paused: waits for the instructor
    game.set_paused(False)
    assert game.round == 2 and game.model.day == 5
    game.play_round()  # the instructor plays a round no one chose: both hold
    assert game.round == 3 and game.rounds[-1].choices == {"us": "hold", "venezuela": "hold"}
    game.end()
    with pytest.raises(InputError, match="over"):
        game.choose("us", "hold", 3)
    ens = game.fan(runs=50)
    # Run 0 of the model's play draws the class's chances: with both teams holding it
    # differs only where the model's governments acted.
    assert len(ens.outcome) == 50 and game.fan(runs=50) is ens


# ---------------------------------------------------------------------------- the server


class Server:
    """The game's server on 127.0.0.1 in a thread, stopped by the fixture."""

    def __init__(self, lan: bool = False):
        self.session = new_session(DEFAULT, seed=3, lan=lan)
        config = uvicorn.Config(build_app(self.session, None), host="127.0.0.1", port=0,
                                log_level="error", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        for _ in range(400):
            if self.server.started:
                break
            self.thread.join(0.05)
        assert self.server.started
        self.port = self.server.servers[0].sockets[0].getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)

    def call(self, path: str, body: dict | None = None, token: str = "",
             session: str | None = None, host: str | None = None,
             method: str | None = None, raw: bytes | None = None) -> tuple[int, Any]:
        headers = {"X-Dipsim-Token": token, "Content-Type": "application/json"}
        if session is None:
            session = self.session.token
        if session:
            headers["X-Dipsim-Session"] = session
        if host:
            headers["Host"] = host
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        request = urllib.request.Request(self.base + path, data=data, headers=headers,
                                         method=method)
        try:
            with urllib.request.urlopen(request, timeout=30) as r:
                text = r.read()
                status = r.status
        except urllib.error.HTTPError as e:
            text, status = e.read(), e.code
        try:
            return status, json.loads(text)
        except ValueError:
            return status, text.decode(errors="replace")


@pytest.fixture
def server():
    s = Server()
    yield s
    s.stop()


def test_every_request_needs_the_session_token(server):
    for path in ("/join", "/team", "/instructor", "/api/config", "/api/team", "/static/game.js",
                 "/vega/" + "vega@5.21.0/build/vega.min.js"):
        assert server.call(path, session="")[0] == 403, path
        assert server.call(path, session="x" * 24)[0] == 403, path
    assert server.call("/static/game.js")[0] == 200
    status, _ = server.call(f"/join?s={server.session.token}", session="")
    assert status == 200
    assert server.call("/api/config", method="PUT", raw=b"{}")[0] == 405


def test_a_loopback_server_refuses_other_host_names():
    assert loopback_hosts(8766) == {"127.0.0.1:8766", "localhost:8766"}
    config = uvicorn.Config(build_app(new_session(DEFAULT), loopback_hosts(1)),
                            host="127.0.0.1", port=0, log_level="error", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        for _ in range(400):
            if server.started:
                break
            thread.join(0.05)
        port = server.servers[0].sockets[0].getsockname()[1]
        request = urllib.request.Request(f"http://127.0.0.1:{port}/join",
                                         headers={"Host": "evil.example:80"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=30)
        assert refused.value.code == 421
    finally:
        server.should_exit = True
        thread.join(timeout=15)


def test_tokens_join_codes_and_replays(server):
    game, session = server.session.game, server.session
    assert server.call("/api/join", {"team": "us", "code": "AAA-AAA"})[0] == 403
    status, joined = server.call("/api/join", {"team": "us", "code": session.code.lower()})
    assert status == 200 and joined["token"] == session.tokens["us"]
    assert game.joined["us"] == 1
    us, ve, boss = session.tokens["us"], session.tokens["venezuela"], session.tokens["instructor"]
    # A wrong token sees nothing; a team token is no instructor's.
    assert server.call("/api/team", token="wrong")[0] == 403
    assert server.call("/api/instructor", token=us)[0] == 403
    assert server.call("/api/instructor/end", {"nonce": "x"}, token=us)[0] == 403
    status, view = server.call("/api/team", token=us)
    assert status == 200 and view["team"] == "us" and view["round"] == 1
    move = {"action": "escalate", "round": 1, "nonce": view["nonce"]}
    assert server.call("/api/team/choose", move, token=us)[0] == 200
    assert game.choices["us"] is Action.ESCALATE
    # The same request again (a replay) is refused and changes nothing.
    status, answer = server.call("/api/team/choose", {**move, "action": "hold"}, token=us)
    assert status == 409 and "already used" in answer["error"]
    assert game.choices["us"] is Action.ESCALATE and game.round == 1
    # The Venezuelan token acts for Venezuela only; its move plays the round.
    nonce = server.call("/api/team", token=ve)[1]["nonce"]
    assert server.call("/api/team/choose", {"action": "hold", "round": 1, "nonce": nonce},
                       token=ve)[0] == 200
    assert game.round == 2 and game.model.day == 7
    assert list(game.model._action_log[:7, :, 0].ravel()) == [Action.ESCALATE] + [0] * 13
    # The instructor's commands, each with a fresh nonce.
    status, state = server.call("/api/instructor", token=boss)
    assert status == 200 and state["code"] == session.code and state["round"] == 2
    assert server.call("/api/instructor/inject", {"nonce": state["nonce"],
                                                  "button": "Seize a tanker"},
                       token=boss)[0] == 200
    assert server.call("/api/instructor/inject", {"nonce": state["nonce"],
                                                  "button": "Seize a tanker"},
                       token=boss)[0] == 409
    assert len(game.model.injected) == 1
    nonce = server.call("/api/instructor", token=boss)[1]["nonce"]
    assert server.call("/api/instructor/end", {"nonce": nonce}, token=boss)[0] == 200
    assert game.over
    nonce = server.call("/api/team", token=us)[1]["nonce"]
    status, answer = server.call("/api/team/choose", {"action": "hold", "round": 2,
                                                      "nonce": nonce}, token=us)
    assert status == 400 and "over" in answer["error"]


def test_rates_bodies_and_files_are_limited(server):
    codes = [server.call("/api/join", {"team": "us", "code": "WRONG1"})[0] for _ in range(8)]
    assert codes[:5] == [403] * 5 and codes[5:] == [429] * 3
    # The right code cannot be tried either once the bucket is empty.
    assert server.call("/api/join", {"team": "us", "code": server.session.code})[0] == 429
    us = server.session.tokens["us"]
    nonce = server.call("/api/team", token=us)[1]["nonce"]
    big = json.dumps({"nonce": nonce, "action": "hold", "round": 1, "x": "y" * 5000}).encode()
    assert server.call("/api/team/choose", raw=big, token=us)[0] == 400
    assert server.session.game.choices["us"] is None
    for path in ("/static/../game_server.py", "/static/%2e%2e/game_server.py",
                 "/vega/../../../../etc/passwd"):
        status, text = server.call(path)
        assert status == 404 and "import" not in str(text) and "root:" not in str(text)


def test_token_bucket():
    bucket = Bucket(capacity=2, rate=1.0)
    assert [bucket.take(0.0), bucket.take(0.0), bucket.take(0.0)] == [True, True, False]
    assert bucket.take(1.0) and not bucket.take(1.0)


def test_links_name_the_tokens():
    session = new_session(DEFAULT)
    found = links(session, "127.0.0.1", 8766)
    assert found["join"] == f"http://127.0.0.1:8766/join?s={session.token}"
    assert found["instructor"].endswith(f"#t={session.tokens['instructor']}")
    assert len(set(session.tokens.values())) == 3 and len(session.code) == 7
