"""Real package indexes on 127.0.0.1 for the tests: pypiserver and devpi-server.

Both sit behind one small interface, :class:`IndexUnderTest`, so that every
publishing test runs against each of them. They answer a re-upload
differently (``../shared/reference/indexes.md``): pypiserver refuses any
existing file name (like the GitLab package registry), devpi accepts the same
content as a no-op and answers 409 to other content (like PyPI).

devpi-server is set up the documented way: ``devpi-init`` with a root
password, ``devpi-server --offline-mode``, then devpi-client creates a user
and, for each test, a fresh non-volatile index (``volatile=False``, no bases),
whose upload URL is ``http://127.0.0.1:PORT/<user>/<index>/`` and whose simple
index is ``.../+simple/``.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import posixpath
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

from noxship.build.dist import sha256_of
from noxship.environment import Secret
from noxship.publish import Credentials, Target
from noxship.publish.local_index import LocalIndex, free_port

BIN = Path(sys.executable).parent


class IndexUnderTest(Protocol):
    """What a publishing test needs of an index."""

    kind: str

    def target(self) -> Target: ...

    def credentials(self) -> Credentials: ...

    def files(self) -> dict[str, list[str]]:
        """Return file name -> sha256 of every stored copy (one entry per upload)."""
        ...


class PypiserverIndex:
    """A fresh :class:`~noxship.publish.local_index.LocalIndex` (pypiserver)."""

    kind = "pypiserver"

    def __init__(self, index: LocalIndex) -> None:
        self.index = index

    def target(self) -> Target:
        return Target("local", self.index.url, self.index.simple_url)

    def credentials(self) -> Credentials:
        return Credentials(self.index.username, self.index.password, "test user")

    def files(self) -> dict[str, list[str]]:
        # pypiserver stores one file per name; a second upload could only
        # overwrite it, which --overwrite (not given) would allow.
        return {p.name: [sha256_of(p)] for p in self.index.files()}


_DETACHED: list[contextlib.ExitStack] = []


class DevpiServer:
    """One devpi-server for the whole test session, as a context manager.

    Attributes:
        url: ``http://127.0.0.1:<port>/``.
        username: the user that owns the test indexes; its password is random.
    """

    def __init__(self, startup_timeout: float = 60.0, *, prefix: str = "t") -> None:
        self._stack = contextlib.ExitStack()
        self._timeout = startup_timeout
        self._counter = itertools.count(1)
        self._prefix = prefix
        self.username = "noxship"
        self.password = Secret(secrets.token_urlsafe(16), "devpi test user")
        self.port = 0
        self.pid = 0
        self.workdir = Path()
        self.clientdir = Path()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def _devpi(self, *args: str) -> None:
        subprocess.run(
            [str(BIN / "devpi"), "--clientdir", str(self.clientdir), *args],
            check=True,
            capture_output=True,
            timeout=120,
        )

    def __enter__(self) -> DevpiServer:
        self.workdir = Path(
            self._stack.enter_context(tempfile.TemporaryDirectory(prefix="noxship-devpi-"))
        )
        self.clientdir = self.workdir / "client"
        root = secrets.token_urlsafe(16)
        serverdir = self.workdir / "server"
        subprocess.run(
            [str(BIN / "devpi-init"), "--serverdir", str(serverdir), f"--root-passwd={root}"],
            check=True,
            capture_output=True,
            timeout=120,
        )
        self.port = free_port()
        log = (self.workdir / "server.log").open("wb")
        self._stack.callback(log.close)
        proc = subprocess.Popen(
            [
                str(BIN / "devpi-server"),
                "--serverdir",
                str(serverdir),
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--offline-mode",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.pid = proc.pid

        def stop() -> None:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)

        self._stack.callback(stop)
        deadline = time.monotonic() + self._timeout
        while True:
            if proc.poll() is not None or time.monotonic() > deadline:
                self._stack.close()
                raise RuntimeError(f"devpi-server did not start on {self.url}")
            try:
                with urllib.request.urlopen(f"{self.url}+api", timeout=2):
                    break
            except (urllib.error.URLError, OSError):
                time.sleep(0.1)
        self._devpi("use", self.url)
        self._devpi("login", "root", f"--password={root}")
        self._devpi(
            "user", "-c", self.username, f"password={self.password.reveal()}", "email=t@t.invalid"
        )
        self._devpi("login", self.username, f"--password={self.password.reveal()}")
        return self

    def detach(self) -> dict[str, str]:
        """Leave the server running after this object is done with (its stop and
        the removal of its directory become the caller's: :func:`stop_shared`);
        return what :meth:`attach` needs."""
        # Kept, never closed: the temporary directory's finaliser would remove the
        # server's files when the stack is garbage collected.
        _DETACHED.append(self._stack.pop_all())
        return {"port": str(self.port), "password": self.password.reveal(),
                "pid": str(self.pid), "workdir": str(self.workdir)}  # fmt: skip

    @classmethod
    def attach(cls, state: Mapping[str, str], clientdir: Path, prefix: str) -> DevpiServer:
        """Use the running server that :meth:`detach` described, with a devpi client
        directory of one's own; indexes are named ``<prefix><n>``."""
        server = cls(prefix=prefix)
        server.port, server.pid = int(state["port"]), int(state["pid"])
        server.password = Secret(state["password"], "devpi test user")
        server.workdir, server.clientdir = Path(state["workdir"]), clientdir
        server._devpi("use", server.url)
        server._devpi("login", server.username, f"--password={server.password.reveal()}")
        return server

    def new_index(self) -> DevpiIndex:
        """Create a fresh non-volatile index owned by the test user."""
        name = f"{self._prefix}{next(self._counter)}"
        self._devpi("index", "-c", name, "volatile=False", "bases=")
        return DevpiIndex(self, name)

    def __exit__(self, *exc: object) -> None:
        self._stack.close()


class DevpiIndex:
    """One index on a :class:`DevpiServer`."""

    kind = "devpi"

    def __init__(self, server: DevpiServer, name: str) -> None:
        self.server = server
        self.base = f"{server.url}{server.username}/{name}/"

    def target(self) -> Target:
        return Target("devpi", self.base, f"{self.base}+simple/")

    def credentials(self) -> Credentials:
        return Credentials(self.server.username, self.server.password, "test user")

    def files(self) -> dict[str, list[str]]:
        # devpi's JSON API lists each release file with its sha256 and a log
        # of every upload of it (one entry per upload that stored content).
        with urllib.request.urlopen(
            urllib.request.Request(f"{self.base}", headers={"Accept": "application/json"}),
            timeout=10,
        ) as resp:
            projects = json.load(resp)["result"]["projects"]
        found: dict[str, list[str]] = {}
        for project in projects:
            request = urllib.request.Request(
                f"{self.base}{project}", headers={"Accept": "application/json"}
            )
            with urllib.request.urlopen(request, timeout=10) as resp:
                versions = json.load(resp)["result"]
            for release in versions.values():
                for link in release.get("+links", []):
                    if link.get("rel") != "releasefile":
                        continue
                    name = posixpath.basename(urlsplit(link["href"]).path)
                    uploads = [e for e in link.get("log", []) if e.get("what") == "upload"]
                    found.setdefault(name, []).extend(
                        [link["hashes"]["sha256"]] * max(1, len(uploads))
                    )
        return found


@contextlib.contextmanager
def pypiserver_index() -> Iterator[PypiserverIndex]:
    with LocalIndex() as index:
        yield PypiserverIndex(index)


def stop_shared(state: Mapping[str, str]) -> None:
    """Stop a detached devpi-server (:meth:`DevpiServer.detach`) and remove its directory."""
    import os
    import signal

    with contextlib.suppress(ProcessLookupError):
        os.kill(int(state["pid"]), signal.SIGTERM)
    shutil.rmtree(state["workdir"], ignore_errors=True)
