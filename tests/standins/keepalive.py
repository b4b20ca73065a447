"""A WSGI server that keeps connections open, for the stand-ins of a benchmark.

werkzeug's development server closes every connection after its response (it drains
what the client sent next to be safe), so a client's connection pool never gets
used and every request pays a new TCP connection. The platforms' APIs keep
connections alive; `bench.fanout` measures the worker's CPU against servers that do
too. Requests with a body need a Content-Length (what httpx and requests send).
"""

from __future__ import annotations

import io
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

WSGIApp = Any  # a WSGI callable


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive unless the client says "Connection: close"
    app: WSGIApp

    def handle_one_request(self) -> None:
        self.raw_requestline = self.rfile.readline(65537)
        if not self.raw_requestline or not self.parse_request():
            self.close_connection = True
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        answer: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            answer.update(status=status, headers=headers)
            return lambda data: None  # the stand-ins return their bodies, never write()

        result = self.app(self._environ(body), start_response)
        try:
            data = b"".join(result)
        finally:
            getattr(result, "close", lambda: None)()
        code, _, reason = answer["status"].partition(" ")
        self.send_response_only(int(code), reason)
        for name, value in answer["headers"]:
            if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self._headers_buffer.extend([b"\r\n", data])  # one write: no Nagle wait for the body
        self.flush_headers()

    def _environ(self, body: bytes) -> dict[str, Any]:
        path, _, query = self.path.partition("?")
        environ = {
            "REQUEST_METHOD": self.command,
            "SCRIPT_NAME": "",
            "PATH_INFO": unquote(path, "latin-1"),
            "QUERY_STRING": query,
            "SERVER_NAME": self.server.server_address[0],
            "SERVER_PORT": str(self.server.server_address[1]),
            "SERVER_PROTOCOL": self.request_version,
            "REMOTE_ADDR": self.client_address[0],
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        for name, value in self.headers.items():
            key = "HTTP_" + name.upper().replace("-", "_")
            if key not in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
                environ[key] = value
        return environ

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        """No access log."""


class KeepAliveServer(ThreadingHTTPServer):
    """`app` on (host, port), a thread per connection, connections kept open."""

    daemon_threads = True

    def __init__(self, host: str, port: int, app: WSGIApp) -> None:
        handler = type("Handler", (_Handler,), {"app": staticmethod(app)})
        super().__init__((host, port), handler)
