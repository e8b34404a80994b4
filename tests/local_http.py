"""A small HTTP server on 127.0.0.1, in a daemon thread, for the test fakes
(``fake_gitlab.py``, ``fault_proxy.py``)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar, TypeVar

_S = TypeVar("_S", bound="LocalHTTPServer")


class OwnedHandler(BaseHTTPRequestHandler):
    """A request handler that knows the server object it belongs to (``owner``)."""

    owner: ClassVar[Any]
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def send_json(self, status: int, payload: object) -> None:
        """Answer ``status`` with ``payload`` as a JSON body."""
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class LocalHTTPServer:
    """Serves ``handler`` on a free port of 127.0.0.1 while the context is open."""

    handler: ClassVar[type[OwnedHandler]]

    def __init__(self) -> None:
        self._server: ThreadingHTTPServer | None = None

    @property
    def port(self) -> int:
        assert self._server is not None, "enter the context first"
        return int(self._server.server_address[1])

    def __enter__(self: _S) -> _S:
        handler = type("Handler", (self.handler,), {"owner": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()
