"""WSGI dispatch (Rekognition, control API, moto S3) and the in-process :class:`EmulatorServer`."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

from moto.server import create_backend_app
from werkzeug.serving import WSGIRequestHandler, make_server

from . import firing, jobs, responses, s3io, scheduler
from .clock import iso, parse_iso
from .models import Faults, Timing
from .store import StateStore
from .world import World

CONTROL_PREFIX = "/_emulator/"


class EmulatorApp:
    """One WSGI app: ``/_emulator/*`` control, Rekognition JSON 1.1, EventBridge Scheduler
    (requests signed for ``scheduler``), everything else S3."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.s3_app = create_backend_app("s3")
        self.scheduler_app = create_backend_app("scheduler")

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        auth = environ.get("HTTP_AUTHORIZATION", "")
        if path.startswith(CONTROL_PREFIX):
            return self._control(environ, start_response, path)
        if target or "/rekognition/" in auth:
            body = _read_body(environ)
            _, reply = responses.handle(self.world, target, auth, body)
            payload = reply.payload()
            start_response(
                f"{reply.status} {'OK' if reply.status == 200 else 'Error'}",
                [*reply.headers(), ("Content-Length", str(len(payload)))],
            )
            return [payload]
        if "/scheduler/" in auth:
            body = _read_body(environ)
            region = responses.region_of(auth)
            return scheduler.handle(
                self.world, self.scheduler_app, environ, start_response, body, region
            )
        return self.s3_app(environ, start_response)

    def _control(self, environ: dict[str, Any], start_response: Any, path: str) -> Any:
        method = environ.get("REQUEST_METHOD", "GET")
        try:
            raw = _read_body(environ)
            body = json.loads(raw or b"{}")
            status, out = handle_control(self.world, method, path[len(CONTROL_PREFIX) :], body)
        except (ValueError, TypeError) as e:
            status, out = 400, {"error": str(e)}
        payload = json.dumps(out).encode()
        start_response(
            f"{status} {'OK' if status == 200 else 'Error'}",
            [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))],
        )
        return [payload]


def _read_body(environ: dict[str, Any]) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    stream = environ["wsgi.input"]
    return stream.read(length) if length else b""


def handle_control(world: World, method: str, path: str, body: Any) -> tuple[int, Any]:
    """The control API (see :mod:`rcl_emulator.control`)."""
    path = path.rstrip("/")
    endpoint = _CONTROL.get((method, path))
    if endpoint is None:
        return 404, {"error": f"no control endpoint {method} /_emulator/{path}"}
    return endpoint(world, body)


def _health(world: World, body: Any) -> tuple[int, Any]:
    return 200, {"ok": True}


def _requests(world: World, body: Any) -> tuple[int, Any]:
    with world.lock:
        return 200, list(world.requests)


def _reset_requests(world: World, body: Any) -> tuple[int, Any]:
    with world.lock:
        world.requests.clear()
        world.transitions.clear()
    return 200, {"ok": True}


def _transitions(world: World, body: Any) -> tuple[int, Any]:
    with world.lock:
        return 200, list(world.transitions)


def _set_faults(world: World, body: Any) -> tuple[int, Any]:
    if not isinstance(body, dict):
        raise ValueError("faults must be a JSON object")
    known = set(vars(Faults()))
    unknown = set(body) - known
    if unknown:
        raise ValueError(f"unknown faults: {sorted(unknown)}; known: {sorted(known)}")
    with world.lock:
        world.faults = Faults(**body) if body else Faults()
        return 200, vars(world.faults)


def _faults(world: World, body: Any) -> tuple[int, Any]:
    with world.lock:
        return 200, vars(world.faults)


def _set_timing(world: World, body: Any) -> tuple[int, Any]:
    if not isinstance(body, dict):
        raise ValueError("timing must be a JSON object")
    with world.lock:
        current = vars(world.timing)
        unknown = set(body) - set(current)
        if unknown:
            raise ValueError(f"unknown timing keys: {sorted(unknown)}")
        world.timing = Timing(**{**current, **{k: float(v) for k, v in body.items()}})
        return 200, vars(world.timing)


def _timing(world: World, body: Any) -> tuple[int, Any]:
    with world.lock:
        return 200, vars(world.timing)


def _reset(world: World, body: Any) -> tuple[int, Any]:
    world.reset()
    if not isinstance(body, dict) or body.get("s3", True):
        s3io.backend().reset()
    if not isinstance(body, dict) or body.get("scheduler", True):
        with world.schedule_lock:
            scheduler.reset()
    return 200, {"ok": True}


def _clock(world: World, body: Any) -> tuple[int, Any]:
    return 200, {"now": iso(world.clock.now())}


def _move_clock(world: World, body: Any) -> tuple[int, Any]:
    if not isinstance(body, dict) or set(body) - {"now", "advance_seconds"}:
        raise ValueError('the clock takes {"now": ISO 8601} or {"advance_seconds": N}')
    to = parse_iso(body["now"]) if "now" in body else None
    advance = body.get("advance_seconds")
    if advance is not None and not isinstance(advance, (int, float)):
        raise ValueError("advance_seconds must be a number of seconds")
    reached, fired = firing.move_clock(world, to, advance)
    return 200, {"now": iso(reached), "fired": firing.fired_json(fired)}


# (method, path under /_emulator/) -> its endpoint: the world and the JSON body in, the
# status and JSON reply out (a ValueError or TypeError is a 400, see EmulatorApp._control).
_CONTROL: dict[tuple[str, str], Callable[[World, Any], tuple[int, Any]]] = {
    ("GET", "health"): _health,
    ("GET", "requests"): _requests,
    ("POST", "requests/reset"): _reset_requests,
    ("GET", "transitions"): _transitions,
    ("POST", "faults"): _set_faults,
    ("GET", "faults"): _faults,
    ("POST", "timing"): _set_timing,
    ("GET", "timing"): _timing,
    ("POST", "reset"): _reset,
    ("GET", "clock"): _clock,
    ("POST", "clock"): _move_clock,
}


class _QuietHandler(WSGIRequestHandler):
    # Keep-alive: SDKs reuse connections, and a new TCP connection per call is slow.
    protocol_version = "HTTP/1.1"

    def log(self, type: str, message: str, *args: Any) -> None:
        return


class EmulatorServer:
    """The emulator on a background thread; usable as a context manager.

    ``port=0`` picks a free port; ``url`` has the real one after :meth:`start`. With a
    ``state_dir`` the state is loaded at start and saved while running and at stop.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        state_dir: str | None = None,
        training_seconds: float = 0,
        start_seconds: float = 0,
        stop_seconds: float = 0,
    ) -> None:
        self.host, self.port, self.state_dir = host, port, state_dir
        self.world = World(
            Timing(float(training_seconds), float(start_seconds), float(stop_seconds)),
            run_job=jobs.run_job,
        )
        self.store = StateStore(state_dir, self.world) if state_dir else None
        self.ticker = firing.Ticker(self.world)
        self._server: Any = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:4566``."""
        return f"http://{self.host}:{self.port}"

    def start(self) -> EmulatorServer:
        """Load state, bind and serve in a daemon thread."""
        if self.store:
            self.store.load()
        self._server = make_server(
            self.host,
            self.port,
            EmulatorApp(self.world),
            threaded=True,
            request_handler=_QuietHandler,
        )
        self._server.daemon_threads = True
        self.port = self._server.server_port
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="rcl-http", daemon=True
        )
        self._thread.start()
        if self.store:
            self.store.start()
        self.ticker.start()
        return self

    def stop(self) -> None:
        """Stop serving and save state."""
        self.world.closing.set()
        self.ticker.stop()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread:
            self._thread.join(timeout=5)
        if self.store:
            self.store.stop()
        self.world.shutdown()

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()
