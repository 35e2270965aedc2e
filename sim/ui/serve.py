"""What ``dipsim demo`` and ``dipsim class`` do: start a server, say where it is once it is.

The address is printed only once the server accepts connections, so the first click on it
never meets "This site can't be reached". ``dipsim demo`` runs Solara's server in a child
process (the classroom page, :mod:`sim.ui.app`) and asks it for the page until it answers;
``dipsim class`` runs the team game's server (:mod:`sim.ui.game_server`) in this process
and prints its links when uvicorn has started.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
#: How long a server may take to start before the command gives up.
START_TIMEOUT = 120.0


def _stopped(exc: BaseException) -> bool:
    """Whether ``exc`` is Ctrl-C or a stop signal (the command line's own exception too)."""
    return isinstance(exc, KeyboardInterrupt) or getattr(exc, "signum", None) is not None


def wait_for_page(url: str, alive: Callable[[], bool], timeout: float = START_TIMEOUT,
                  pause: float = 0.1) -> bool:
    """Ask ``url`` (on this computer) until it answers 200; False if the server died.

    Raises:
        TimeoutError: No answer within ``timeout`` seconds.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive():
            return False
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(pause)
    raise TimeoutError(f"the server did not answer at {url} within {timeout:.0f} s")


def lan_address() -> str:
    """This computer's address on the local network, as far as its name says (no traffic)."""
    try:
        names = socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
    except OSError:
        names = []
    for *_, address in names:
        if not str(address[0]).startswith("127."):
            return str(address[0])
    return "THIS-COMPUTER"


def serve_demo(scenario: str | None, host: str, port: int, echo: Callable[[str], None],
               err: Callable[[str], None]) -> int:
    """Serve the classroom page; print its address once it answers. Returns an exit code.

    The page's server starts at once, and the scenario is checked while it does (a bad
    one stops it, with the command line's exit code 2): the check and the server's start
    overlap.

    Raises:
        InputError: The scenario does not load.
    """
    from sim.scenario.load import load_scenario  # noqa: PLC0415

    source = resolve_source(scenario)
    env = {**os.environ, "DIPSIM_DEMO_SCENARIO": source or "",
           # No telemetry, no "runs on Solara" banner over the page; the page's files come
           # from this computer (solara-assets).
           "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False", "SOLARA_THEME_SHOW_BANNER": "False"}
    command = [sys.executable, "-m", "solara", "run", "sim.ui.app", "--production",
               "--host", host, "--port", str(port), "--log-level", "warning"]
    where = "this computer only" if host in LOCAL_HOSTS \
        else "other computers on the network can open it too"
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    child = subprocess.Popen(command, env=env)
    try:
        title = load_scenario(scenario).title
    except BaseException:
        child.kill()
        child.wait()
        raise
    echo(f"dipsim classroom: {title}\nStarting the page…")
    try:
        probe = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else shown}:{port}/"
        if wait_for_page(probe, lambda: child.poll() is None):
            echo(f"Serving on http://{shown}:{port}/ (listening on {host}: {where}).\n"
                 "Open the address in a browser. Ctrl-C stops.")
        code = child.wait()
    except BaseException as exc:
        if not (_stopped(exc) or isinstance(exc, TimeoutError)):
            raise
        child.terminate()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
        if isinstance(exc, TimeoutError):
            err(f"error: {exc}")
            return 1
        echo("Classroom page stopped.")
        return 0
    if code:
        err(f"error: the page server stopped with exit code {code}")
        return 1
    return 0


def serve_class(scenario_name: str | None, port: int, lan: bool, seed: int | None,
                round_days: int, echo: Callable[[str], None]) -> int:
    """Serve the team game; print the links and the join code once it listens."""
    import uvicorn  # noqa: PLC0415

    from sim.scenario.load import load_scenario  # noqa: PLC0415
    from sim.ui.game_server import build_app, links, loopback_hosts, new_session  # noqa: PLC0415

    scn = load_scenario(scenario_name)  # bad input stops here, with exit code 2
    session = new_session(scn, seed=seed, lan=lan, round_days=round_days)
    host = "0.0.0.0" if lan else "127.0.0.1"
    app = build_app(session, None if lan else loopback_hosts(port))
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning",
                                           access_log=False, lifespan="off"))

    def announce() -> None:
        while not server.started and not server.should_exit:
            time.sleep(0.05)
        if server.should_exit:
            return
        mine = links(session, "127.0.0.1", port)
        theirs = links(session, lan_address(), port) if lan else mine
        echo(f"dipsim class: {scn.title}\n"
             f"Instructor (open on this computer, keep to yourself):\n  {mine['instructor']}\n"
             f"Students: open\n  {theirs['join']}\n"
             f"and type the join code  {session.code}\n"
             + ("Listening on the local network: only do this on a network you trust.\n"
                if lan else "Listening on this computer only (--lan lets students' laptops "
                            "join).\n") + "Ctrl-C ends the game.")

    threading.Thread(target=announce, daemon=True).start()
    # The model's own play, drawn as bands behind the class's path, is ready by the time
    # the instructor's page asks for it.
    threading.Thread(target=session.game.fan, daemon=True).start()
    try:
        server.run()
    except BaseException as exc:
        if not _stopped(exc):
            raise
    echo("Team game stopped.")
    return 0


def resolve_source(scenario: str | None) -> str:
    """The scenario as the page's environment names it: a file's full path, or a name."""
    if scenario and Path(scenario).is_file():
        return str(Path(scenario).resolve())
    return scenario or ""
