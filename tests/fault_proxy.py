"""A fault-injecting HTTP proxy on 127.0.0.1, for the publishing tests.

It forwards every request to a real index (pypiserver or devpi-server) and,
as configured, spoils the uploads (``POST`` requests): answers 503 without
forwarding, drops the connection in the middle of reading the upload, drops it
after the index has stored the file (the client then cannot know it arrived),
or answers slowly. Every fault is counted down, so each loop is bounded.

With ``pair=True`` it makes a race between two publishes certain: uploads
meet two by two at a barrier (each publish looked the index up before it
sent its upload), then go to the index one after the other.
"""

from __future__ import annotations

import dataclasses
import http.client
import socket
import threading
import time
from collections.abc import Sequence
from typing import ClassVar
from urllib.parse import urlsplit

from tests.local_http import LocalHTTPServer, OwnedHandler


@dataclasses.dataclass
class Faults:
    """What to do to the next uploads; each number counts down as it is used.

    Attributes:
        fail: answer ``503 Service Unavailable`` to this many uploads.
        drop_midway: close the connection after reading half of this many uploads.
        drop_after: forward this many uploads, then close without answering.
        status: the status of the ``fail`` answers.
        delay: seconds to wait before answering every request.
        skip: let this many uploads through untouched before the faults start.
        pair: hold each upload until a second one arrives, then forward both in turn.
    """

    fail: int = 0
    drop_midway: int = 0
    drop_after: int = 0
    status: int = 503
    delay: float = 0.0
    skip: int = 0
    pair: bool = False


class FaultProxy(LocalHTTPServer):
    """The proxy, as a context manager.

    Args:
        upstream: the index's base URL, ``http://127.0.0.1:PORT/``.

    Attributes:
        url: the proxy's URL with the upstream's path, to upload to.
        faults: the faults to inject; change it between scenarios.
        uploads: what happened to each upload, in order (``"503"``,
            ``"dropped midway"``, ``"dropped after"``, or the upstream's status).
    """

    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        self.upstream_host = parts.hostname or "127.0.0.1"
        self.upstream_port = parts.port or 80
        self.path = parts.path or "/"
        self.faults = Faults()
        self.uploads: list[str] = []
        self.lock = threading.Lock()
        self.barrier = threading.Barrier(2, timeout=120)
        self.in_turn = threading.Lock()
        super().__init__()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.path}"

    def next_fault(self) -> str | None:
        """Take the next fault for an upload, counting it down."""
        with self.lock:
            f = self.faults
            if f.skip > 0:
                f.skip -= 1
                return None
            for name in ("fail", "drop_midway", "drop_after"):
                if getattr(f, name) > 0:
                    setattr(f, name, getattr(f, name) - 1)
                    return name
            return None


class _Handler(OwnedHandler):
    owner: ClassVar[FaultProxy]

    def do_GET(self) -> None:
        self._forward(b"")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        fault = self.owner.next_fault()
        if fault == "drop_midway":
            self.rfile.read(length // 2)
            self.owner.uploads.append("dropped midway")
            self._drop()
            return
        body = self.rfile.read(length)
        if fault == "fail":
            self.owner.uploads.append(str(self.owner.faults.status))
            self._answer(self.owner.faults.status, b"injected fault\n")
            return
        if self.owner.faults.pair:
            self.owner.barrier.wait()
            with self.owner.in_turn:
                status = self._forward(body)
            self.owner.uploads.append(str(status))
            return
        status = self._forward(body, answer=fault != "drop_after")
        self.owner.uploads.append("dropped after" if fault == "drop_after" else str(status))
        if fault == "drop_after":
            self._drop()

    def _drop(self) -> None:
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _answer(self, status: int, body: bytes, headers: Sequence[tuple[str, str]] = ()) -> None:
        time.sleep(self.owner.faults.delay)
        self.send_response(status)
        for key, value in headers:
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _forward(self, body: bytes, *, answer: bool = True) -> int:
        conn = http.client.HTTPConnection(
            self.owner.upstream_host, self.owner.upstream_port, timeout=60
        )
        skip = {"host", "connection", "content-length", "transfer-encoding", "keep-alive"}
        headers = {k: v for k, v in self.headers.items() if k.lower() not in skip}
        headers["Host"] = f"{self.owner.upstream_host}:{self.owner.upstream_port}"
        conn.request(self.command, self.path, body=body or None, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        if answer:
            drop = {"connection", "content-length", "transfer-encoding", "keep-alive"}
            self._answer(
                resp.status,
                data,
                [(k, v) for k, v in resp.getheaders() if k.lower() not in drop],
            )
        return resp.status


FaultProxy.handler = _Handler
