"""Shared machinery of the HTTP stand-ins: lifecycle, call log, scripted failures, rate limits."""

from __future__ import annotations

import json
import math
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self, TypeVar

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from standins.keepalive import KeepAliveServer

T = TypeVar("T")
Handler = Callable[["Call", Request], Response]


@dataclass
class Call:
    """One request received by a stand-in, with the HTTP status it was answered with."""

    method: str
    path: str
    params: dict[str, Any]
    files: dict[str, bytes]
    headers: dict[str, str]
    at: float  # time.monotonic() on arrival
    status: int = 0

    @property
    def ok(self) -> bool:
        """True when the request was answered with a 2xx/3xx status."""
        return 200 <= self.status < 400


@dataclass
class Failure:
    """A scripted error answer for the next request(s) of one method."""

    status: int
    retry_after: int | None = None
    body: Any = None


@dataclass
class RateLimit:
    """Sliding 1-second window limiter; records when each accepted request arrived."""

    per_second: int
    scope: str | None = None  # method name; None = every method
    per: str | None = None  # parameter with one window per value (e.g. "chat_id"); None = one
    accepted: list[float] = field(default_factory=list)
    rejected: int = 0
    _windows: dict[str, deque[float]] = field(
        default_factory=lambda: defaultdict(deque), repr=False
    )
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def applies(self, call: Call) -> bool:
        """True when this limit covers the call's method."""
        return self.scope is None or call.method == self.scope

    def wait(self, call: Call) -> int | None:
        """Whole seconds until the call's bucket has room again, or None if it has room now."""
        with self._lock:
            window = self._windows[self._key(call)]
            while window and window[0] <= call.at - 1.0:
                window.popleft()
            return (
                max(1, math.ceil(window[0] + 1.0 - call.at))
                if len(window) >= self.per_second
                else None
            )

    def settle(self, call: Call, accepted: bool) -> None:
        """Count the call as accepted (entering its window) or as rejected."""
        with self._lock:
            if accepted:
                self._windows[self._key(call)].append(call.at)
                self.accepted.append(call.at)
            else:
                self.rejected += 1

    def _key(self, call: Call) -> str:
        """Bucket of the call."""
        return "" if self.per is None else str(call.params.get(self.per))

    def timestamps(self) -> list[float]:
        """Copy of the monotonic arrival times of the accepted requests."""
        with self._lock:
            return list(self.accepted)

    def rate(self) -> float:
        """Achieved accepted requests per second between the first and the last accepted request."""
        stamps = self.timestamps()
        span = stamps[-1] - stamps[0] if len(stamps) > 1 else 0.0
        return (len(stamps) - 1) / span if span > 0 else 0.0


class _QuietHandler(WSGIRequestHandler):
    """Request handler without access logs (werkzeug closes the connection after every response)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Skip per-request access logging."""


class StandIn:
    """Base class: a WSGI app on 127.0.0.1 in a daemon thread that records every request.
    With `keep_alive` set before `start`, connections stay open between requests (as
    the platforms keep them: benchmarks); without it each response closes its own."""

    keep_alive = False

    def __init__(self) -> None:
        self._cond = threading.Condition()  # guards all state; notified on every change
        self._calls: list[Call] = []
        self._failures: dict[str, deque[Failure]] = defaultdict(deque)
        self._limits: list[RateLimit] = []
        self._server: BaseWSGIServer | KeepAliveServer | None = None
        self._thread: threading.Thread | None = None
        self._stopping = False

    # lifecycle -----------------------------------------------------------------------------
    def start(self) -> Self:
        """Bind a free loopback port and serve in a daemon thread."""
        self._server = (
            KeepAliveServer("127.0.0.1", 0, self)
            if self.keep_alive
            else make_server("127.0.0.1", 0, self, threaded=True, request_handler=_QuietHandler)
        )
        self._stopping = False
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=type(self).__name__,
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and wake pending long polls."""
        if self._server is None:
            return
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Base URL, e.g. http://127.0.0.1:54321 (only while started)."""
        if self._server is None:
            raise RuntimeError(f"{type(self).__name__} is not started")
        return f"http://127.0.0.1:{self._server.server_port}"

    # recorded calls ------------------------------------------------------------------------
    @property
    def calls(self) -> list[Call]:
        """Copy of every request received so far, oldest first."""
        with self._cond:
            return list(self._calls)

    def calls_of(self, method: str, ok: bool | None = None) -> list[Call]:
        """Requests of one method; ok=True only successful ones, ok=False only failed ones."""
        return [c for c in self.calls if c.method == method and (ok is None or c.ok == ok)]

    def wait_for(self, predicate: Callable[[], T], timeout: float = 5.0) -> T:
        """Block until predicate() is truthy (checked on every state change); return its value."""
        with self._cond:
            result = self._cond.wait_for(predicate, timeout)
            if not result:
                summary = [(c.method, c.status) for c in self._calls]
                raise TimeoutError(f"condition not met within {timeout}s; calls so far: {summary}")
            return result

    def wait_for_calls(
        self, method: str, n: int, timeout: float = 5.0, ok: bool | None = None
    ) -> list[Call]:
        """Block until at least n requests of method were answered and return them."""

        def enough() -> list[Call] | None:
            found = self.calls_of(method, ok)
            return found if len(found) >= n else None

        return self.wait_for(enough, timeout)

    # scripted behaviour --------------------------------------------------------------------
    def fail_next(
        self,
        method: str,
        status: int,
        count: int = 1,
        retry_after: int | None = None,
        body: Any = None,
    ) -> None:
        """Answer the next `count` requests of method with an error in the platform's own shape."""
        with self._cond:
            self._failures[method].extend(Failure(status, retry_after, body) for _ in range(count))

    def limit_per_second(
        self, n: int, scope: str | None = None, per: str | None = None
    ) -> RateLimit:
        """Answer 429 once n requests (of method `scope`, per value of `per`) came within 1s."""
        limit = RateLimit(n, scope, per)
        with self._cond:
            self._limits.append(limit)
        return limit

    # subclass hooks ------------------------------------------------------------------------
    def route(self, request: Request) -> tuple[str, Handler]:
        """Map a request to (method name, handler)."""
        raise NotImplementedError

    def params(self, request: Request) -> dict[str, Any]:
        """Decode query, form and JSON parameters; repeated form keys become lists."""
        values = request.values
        params: dict[str, Any] = {k: v[0] if len(v) == 1 else v for k, v in values.lists()}
        if request.is_json and isinstance(body := request.get_json(silent=True), dict):
            params.update(body)
        return params

    def authorize(self, call: Call, request: Request) -> Response | None:
        """Return an error response when the request's credentials are wrong."""
        return None

    def error(self, status: int, retry_after: int | None = None, body: Any = None) -> Response:
        """Render an error answer; subclasses use their platform's error shape."""
        return json_response(body if body is not None else {"status": status}, status)

    # WSGI ----------------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        at = time.monotonic()
        try:
            method, handler = self.route(request)
            files = {name: storage.read() for name, storage in request.files.items()}
            call = Call(
                method, request.path, self.params(request), files, dict(request.headers), at
            )
            response = self.authorize(call, request)
            response = self._scripted(call) if response is None else response
            response = handler(call, request) if response is None else response
        finally:
            request.close()
        call.status = response.status_code
        with self._cond:
            self._calls.append(call)
            self._cond.notify_all()
        return response(environ, start_response)

    def _scripted(self, call: Call) -> Response | None:
        """Apply a queued failure or the rate limits, if any."""
        with self._cond:
            queue = self._failures.get(call.method)
            if queue:
                failure = queue.popleft()
                return self.error(failure.status, failure.retry_after, failure.body)
            waits = [(limit, limit.wait(call)) for limit in self._limits if limit.applies(call)]
            blocking = [wait for _, wait in waits if wait is not None]
            for limit, wait in waits:
                if not blocking or wait is not None:
                    limit.settle(call, accepted=not blocking)
        return self.error(429, max(blocking)) if blocking else None


def json_response(obj: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON response."""
    return Response(json.dumps(obj), status, headers, mimetype="application/json")
