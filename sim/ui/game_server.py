"""The team game's web server: an instructor page, a join page, two team pages, a JSON API.

``dipsim class`` serves this Starlette app with uvicorn. Security, as a classroom needs it:

- it listens on 127.0.0.1 unless ``--lan`` is given; then a request must also name this
  computer's address or ``localhost`` as its host only when bound to loopback (a page on
  another site cannot reach it through DNS rebinding);
- **every request needs the session's random token** (``s``: in the link's query, then in
  an HTTP-only, same-site cookie), or it is refused with 403 and nothing else;
- the instructor and each team have **their own random token** (sent in the
  ``X-Dipsim-Token`` header; the pages keep it in the address's fragment, which browsers
  never send); a team token acts for its own government only, and only the instructor's
  runs rounds, applies pressures, pauses or ends the game. Students get a team token by
  typing the **short join code** (shown on the instructor's screen) on the join page;
- every request that changes the game carries a **one-time nonce** handed out with the
  last state, so a replayed (or stale) request is refused with 409 and changes nothing;
- **request rates are limited** per client and token (a token bucket: polling a few times
  a second is fine, a flood gets 429), join attempts more strictly (guessing the code is
  hopeless at five tries a minute); bodies over 4 KB are refused;
- no request can write a file or change the scenario: there is no route that does; the
  only files served are the game's own pages and the Vega libraries, read-only.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from sim.model.outcomes import Outcome
from sim.scenario.errors import InputError
from sim.scenario.schema import GOVERNMENTS, Scenario
from sim.ui import page_charts as charts
from sim.ui.assets import asset_folder, vega_libraries
from sim.ui.classroom import INJECTIONS
from sim.ui.game import TeamGame
from sim.ui.page_views import banner_html, feed_html, readouts_html

STATIC = Path(__file__).resolve().parent / "static"
#: Letters of join codes: no 0/O, 1/I/L, so a code read off a projector is typed right.
CODE_LETTERS = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
MAX_BODY = 4096
SESSION_COOKIE = "dipsim_session"
HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
           "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
           "Content-Security-Policy": "default-src 'self'; script-src 'self' 'unsafe-eval'; "
                                      "style-src 'self' 'unsafe-inline'; "
                                      "img-src 'self' data: blob:; connect-src 'self'; "
                                      "frame-ancestors 'none'"}


def new_code() -> str:
    """A short join code, e.g. ``K7P-Q2M``."""
    letters = "".join(secrets.choice(CODE_LETTERS) for _ in range(6))
    return f"{letters[:3]}-{letters[3:]}"


@dataclass
class Bucket:
    """A token bucket: ``capacity`` requests at once, refilled at ``rate`` a second."""

    capacity: float
    rate: float
    tokens: float = -1.0
    stamp: float = 0.0

    def take(self, now: float) -> bool:
        """Spend one request; False when the bucket is empty."""
        if self.tokens < 0:
            self.tokens, self.stamp = self.capacity, now
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


#: Limits per kind of request: (burst, per second).
LIMITS = {"read": (40.0, 10.0), "write": (10.0, 2.0), "join": (5.0, 1 / 12)}


class Session:
    """The tokens, join code, nonces and rate limits of one game.

    Args:
        game: The game served.
        lan: Whether the server listens beyond this computer.
    """

    def __init__(self, game: TeamGame, lan: bool = False):
        self.game = game
        self.lan = lan
        self.token = secrets.token_urlsafe(18)
        self.code = new_code()
        self.tokens = {"instructor": secrets.token_urlsafe(18),
                       **{g: secrets.token_urlsafe(18) for g in GOVERNMENTS}}
        self.nonces: dict[str, str] = {}
        self.buckets: dict[tuple[str, str, str], Bucket] = {}
        self.lock = threading.Lock()
        self.sizes = charts.sizes_for(1920, 1080)

    def role(self, token: str | None) -> str | None:
        """``instructor``, ``us``, ``venezuela``, or None for a wrong token."""
        if not token:
            return None
        for role, known in self.tokens.items():
            if secrets.compare_digest(token.encode(), known.encode()):
                return role
        return None

    def nonce(self, role: str) -> str:
        """The one-time value the next change by ``role`` must carry."""
        with self.lock:
            return self.nonces.setdefault(role, secrets.token_urlsafe(12))

    def spend(self, role: str, nonce: Any) -> bool:
        """Check and use up ``role``'s nonce; a replay (or a stale page) fails."""
        with self.lock:
            current = self.nonces.get(role)
            if not current or not isinstance(nonce, str) or not secrets.compare_digest(
                    nonce.encode(), current.encode()):
                return False
            self.nonces[role] = secrets.token_urlsafe(12)
            return True

    def allow(self, client: str, who: str, kind: str) -> bool:
        """Whether a request fits the rate limit of its client, token and kind."""
        with self.lock:
            key = (client, who, kind)
            if key not in self.buckets:
                self.buckets[key] = Bucket(*LIMITS[kind])
            return self.buckets[key].take(time.monotonic())


class Guard:
    """ASGI middleware: the session token and the host on every request, and rate limits."""

    def __init__(self, app: Any, session: Session, hosts: set[str] | None):
        self.app = app
        self.session = session
        self.hosts = hosts

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        """Refuse a request without the session's token, from a wrong host, or too fast."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        host = (request.headers.get("host") or "").lower()
        if self.hosts is not None and host not in self.hosts:
            await _refuse(scope, receive, send, 421, "wrong host")
            return
        given = (request.query_params.get("s") or request.headers.get("x-dipsim-session")
                 or request.cookies.get(SESSION_COOKIE) or "")
        if not secrets.compare_digest(given.encode(), self.session.token.encode()):
            await _refuse(scope, receive, send, 403, "this link needs the session's token")
            return
        if request.method not in ("GET", "POST"):
            await _refuse(scope, receive, send, 405, "only GET and POST")
            return
        client = scope.get("client") or ("?", 0)
        kind = ("join" if scope["path"] == "/api/join" else
                "write" if request.method == "POST" else "read")
        who = request.headers.get("x-dipsim-token", "")[:64]
        if not self.session.allow(client[0], who, kind):
            await _refuse(scope, receive, send, 429, "too many requests: slow down",
                          {"retry-after": "2"})
            return
        set_cookie = request.query_params.get("s") and not request.cookies.get(SESSION_COOKIE)

        async def send_with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [(k.lower().encode(), v.encode()) for k, v in HEADERS.items()]
                if set_cookie:
                    headers.append((b"set-cookie", (
                        f"{SESSION_COOKIE}={self.session.token}; Path=/; HttpOnly; "
                        "SameSite=Strict").encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _refuse(scope: dict, receive: Any, send: Any, status: int, text: str,
                  headers: dict[str, str] | None = None) -> None:
    response = PlainTextResponse(text, status_code=status, headers={**HEADERS,
                                                                      **(headers or {})})
    await response(scope, receive, send)


async def _body(request: Request) -> dict[str, Any]:
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BODY:
            raise InputError.single("body", "too large")
    try:
        data = json.loads(raw or b"{}")
    except ValueError:
        raise InputError.single("body", "not JSON") from None
    if not isinstance(data, dict):
        raise InputError.single("body", "expected a JSON object")
    return data


def _error(status: int, text: str) -> JSONResponse:
    return JSONResponse({"error": text}, status_code=status)


def build_app(session: Session, hosts: set[str] | None = None) -> Any:
    """The ASGI app of a game session (wrapped in :class:`Guard`)."""
    game = session.game

    def page(name: str) -> Any:
        async def serve(request: Request) -> FileResponse:
            return FileResponse(STATIC / name, media_type="text/html")
        return serve

    def authorised(request: Request, *roles: str) -> str | None:
        role = session.role(request.headers.get("x-dipsim-token"))
        return role if role in roles else None

    async def config(request: Request) -> JSONResponse:
        return JSONResponse({"vega": [f"/vega/{p}" for p in vega_libraries().values()],
                             "title": game.scenario.title})

    async def join(request: Request) -> JSONResponse:
        try:
            body = await _body(request)
        except InputError as exc:
            return _error(400, exc.problems[0].message)
        code = str(body.get("code", "")).upper().replace(" ", "").replace("-", "")
        team = body.get("team")
        if team not in GOVERNMENTS:
            return _error(400, "pick a team: us or venezuela")
        if not secrets.compare_digest(code.encode(), session.code.replace("-", "").encode()):
            return _error(403, "wrong join code")
        with game.lock:
            game.joined[team] += 1
            game.version += 1
        return JSONResponse({"team": team, "token": session.tokens[team]})

    async def team_state(request: Request) -> JSONResponse:
        role = authorised(request, *GOVERNMENTS)
        if role is None:
            return _error(403, "wrong team token")
        view = game.team_view(role)
        view["nonce"] = session.nonce(role)
        view["feed"] = feed_html(game.model, game.moves())
        return JSONResponse(view)

    async def choose(request: Request) -> JSONResponse:
        role = authorised(request, *GOVERNMENTS)
        if role is None:
            return _error(403, "wrong team token")
        try:
            body = await _body(request)
        except InputError as exc:
            return _error(400, exc.problems[0].message)
        if not session.spend(role, body.get("nonce")):
            return _error(409, "this request was already used or is out of date: reload")
        try:
            game.choose(role, str(body.get("action", "")), int(body.get("round", -1)))
        except (InputError, ValueError) as exc:
            message = exc.problems[0].message if isinstance(exc, InputError) else str(exc)
            return _error(400, message)
        return JSONResponse({"ok": True, "round": game.round})

    async def instructor_state(request: Request) -> JSONResponse:
        if authorised(request, "instructor") is None:
            return _error(403, "wrong instructor token")
        with game.lock:
            m = game.model
            data = charts.run_data(m)
            out = {**game.status(), "nonce": session.nonce("instructor"),
                   "code": session.code, "banner": banner_html(m),
                   "readouts": readouts_html(m), "feed": feed_html(m, game.moves()),
                   "day": m.day,
                   "buttons": [b.label for b in INJECTIONS], "data": data}
        if request.query_params.get("specs"):
            scn = game.scenario
            bands = await run_in_threadpool(game.fan)  # the model's own play, as bands
            out["specs"] = {"path": charts.path_chart(scn, bands, session.sizes),
                            "hostility": charts.hostility_chart(scn, session.sizes),
                            "readiness": charts.readiness_chart(scn, session.sizes),
                            "offers": charts.offers_chart(scn, session.sizes)}
        return JSONResponse(out)

    async def command(request: Request) -> JSONResponse:
        if authorised(request, "instructor") is None:
            return _error(403, "wrong instructor token")
        try:
            body = await _body(request)
        except InputError as exc:
            return _error(400, exc.problems[0].message)
        if not session.spend("instructor", body.get("nonce")):
            return _error(409, "this request was already used or is out of date: reload")
        what = request.path_params["what"]
        try:
            match what:
                case "round":
                    game.play_round()
                case "pause":
                    game.set_paused(True)
                case "resume":
                    game.set_paused(False)
                case "end":
                    game.end()
                case "inject":
                    label = body.get("button")
                    button = next((b for b in INJECTIONS if b.label == label), None)
                    if button is None:
                        return _error(400, f"no button {label!r}")
                    game.inject(button)
                case _:
                    return _error(404, f"no command {what!r}")
        except InputError as exc:
            return _error(400, exc.problems[0].message)
        return JSONResponse({"ok": True, **game.status()})

    async def result(request: Request) -> JSONResponse:
        role = authorised(request, "instructor", *GOVERNMENTS)
        if role is None:
            return _error(403, "wrong token")
        if not game.over:
            return _error(409, "the game is not over yet")
        ens = await run_in_threadpool(game.fan)  # a second of work, off the event loop
        m = game.model
        this = Outcome(int(m.outcome[0]))
        sizes = session.sizes
        return JSONResponse({
            "outcome": this.label,
            "fan": charts.fan_chart(ens, sizes, this_run="the class's run",
                                    title=f"The class against {len(ens.outcome)} model runs"),
            "outcomes": charts.outcome_chart(ens, sizes, this=this,
                                             title="How the model's runs ended"),
            "run": charts.series(m.trace[:m.day, 0, 0], m.spec),
            "model_run": charts.series(ens.cc[:, 0], m.spec)})

    routes = [
        Route("/", lambda r: RedirectResponse(f"/join?s={session.token}")),
        Route("/favicon.ico", lambda r: Response(status_code=204)),
        Route("/join", page("join.html")),
        Route("/team", page("team.html")),
        Route("/instructor", page("instructor.html")),
        Route("/api/config", config),
        Route("/api/join", join, methods=["POST"]),
        Route("/api/team", team_state),
        Route("/api/team/choose", choose, methods=["POST"]),
        Route("/api/instructor", instructor_state),
        Route("/api/instructor/{what}", command, methods=["POST"]),
        Route("/api/result", result),
        Mount("/static", app=StaticFiles(directory=STATIC)),
        Mount("/vega", app=StaticFiles(directory=asset_folder(), check_dir=False)),
    ]
    return Guard(Starlette(routes=routes), session, hosts)


def loopback_hosts(port: int) -> set[str]:
    """The Host headers a server bound to 127.0.0.1 accepts."""
    return {f"{h}:{port}" for h in ("127.0.0.1", "localhost")}


def links(session: Session, host: str, port: int) -> dict[str, str]:
    """The instructor's link, the students' join link and the join code."""
    base = f"http://{host}:{port}"
    return {"instructor": f"{base}/instructor?s={session.token}#t="
                          f"{session.tokens['instructor']}",
            "join": f"{base}/join?s={session.token}", "code": session.code}


def new_session(scenario: Scenario, seed: int | None = None, lan: bool = False,
                round_days: int | None = None) -> Session:
    """A fresh game session of ``scenario``."""
    game = TeamGame(scenario, seed=seed) if round_days is None else \
        TeamGame(scenario, seed=seed, round_days=round_days)
    return Session(game, lan=lan)
