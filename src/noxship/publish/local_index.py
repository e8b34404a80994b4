"""The embedded package index: pypiserver on 127.0.0.1, for ``release_local``
and the tests.

pypiserver is started as ``python -m pypiserver run`` on a free port with an
htpasswd file holding one throw-away user (a random password, in a file only
this user can read, in a directory removed on exit), and polled on ``/health``
until ready. pypiserver is optional (the ``local`` extra): without it, uv runs
it in an environment of its own (``uv run --with``), so a publish job never
installs it.
It answers an upload of an existing file with an error (pypiserver without
``--overwrite``), as the GitLab package registry does.
"""

from __future__ import annotations

import contextlib
import importlib.util
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType

from noxship._run import uv_binary
from noxship.environment import Secret, clean_env
from noxship.errors import ToolError

__all__ = ["LocalIndex", "free_port"]


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free now."""
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


PYPISERVER = "pypiserver[passlib]>=2.3"
"""What uv runs when pypiserver is not installed (the ``local`` extra)."""


def write_htpasswd(path: Path, username: str, password: Secret) -> None:
    """Write an Apache htpasswd file with one user, readable by this user only.

    The entry is plaintext, which passlib's ``HtpasswdFile`` (what pypiserver's
    ``-P`` reads) accepts: the password is a throw-away one of a server on
    127.0.0.1, and the file is removed with its directory.
    """
    path.touch(mode=0o600)
    path.write_text(f"{username}:{password.reveal()}\n", encoding="utf-8")


def _pypiserver_argv(
    port: int, htpasswd: Path, packages: Path, open_reads: bool = False
) -> tuple[list[str], float]:
    """The command line, and the seconds to allow for start-up (uv may download).

    ``-a update,download,list`` makes every read authenticated too (pypiserver's
    ``--authenticate``), so no other local user reads the index."""
    actions = "update" if open_reads else "update,download,list"
    args = [
        "run",
        "-i",
        "127.0.0.1",
        "-p",
        str(port),
        "-P",
        str(htpasswd),
        "-a",
        actions,
        "--disable-fallback",
        str(packages),
    ]
    if importlib.util.find_spec("pypiserver") and importlib.util.find_spec("passlib"):
        return [sys.executable, "-m", "pypiserver", *args], 0.0
    uv = [uv_binary(), "run", "--no-project", "--quiet", "--with", PYPISERVER]
    return [*uv, "python", "-m", "pypiserver", *args], 90.0


def _status(url: str, auth: tuple[str, str] | None) -> int:
    import base64

    request = urllib.request.Request(url)
    if auth is not None:
        token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(request, timeout=5) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def check_ours(proc: subprocess.Popen[bytes], url: str, auth: tuple[str, str]) -> None:
    """Prove that the server on ``url`` is ``proc``, the pypiserver started with
    our htpasswd: a port picked free can be taken by another local process before
    pypiserver binds it (then pypiserver exits, and the other process answers).
    The answering server must refuse a read without credentials and with wrong
    ones, and accept ours, which only this process and its child know.

    Raises:
        ToolError: another process answers on the port.
    """
    wrong = (auth[0], auth[1] + "-not")
    seen = (_status(url, None), _status(url, wrong), _status(url, auth))
    if proc.poll() is not None or seen[0] != 401 or seen[1] not in (401, 403) or seen[2] != 200:
        raise ToolError(
            f"another process answers on {url} (HTTP {seen[0]}, {seen[1]}, {seen[2]} to no, "
            "wrong and the right credentials): the embedded index did not get its port; re-run"
        )


def wait_ready(proc: subprocess.Popen[bytes], url: str, log: Path, timeout: float) -> None:
    """Poll ``<url>health`` until pypiserver answers 200 (bounded by ``timeout`` seconds).

    Raises:
        ToolError: the server exited, or did not answer in time.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ToolError(
                f"pypiserver exited with code {proc.returncode} on start: "
                f"{log.read_text(errors='replace')[-500:].strip()}"
            )
        try:
            with urllib.request.urlopen(f"{url}health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.05)
    raise ToolError(
        f"pypiserver did not answer on {url} within {timeout:.0f} s: "
        "check that pypiserver is installed (pip install 'pypiserver[passlib]')"
    )


class LocalIndex:
    """A pypiserver instance, as a context manager.

    Args:
        packages: the directory the index serves and stores uploads in; default
            a temporary directory removed on exit.
        username: the upload user's name.
        startup_timeout: seconds to wait for ``/health`` (bounded polling).
        wait: wait on entry until the server answers; with ``False``, entry only
            starts it, so that other work overlaps its start-up, and
            :meth:`wait` must be called before the first request.
        open_reads: let anyone on this machine read the index (a stand-in for a
            public index); ``False`` (``release_local``'s embedded index) makes
            every read need the throw-away user too, and the server proves it
            holds our htpasswd (:func:`check_ours`) before anything is uploaded.

    Attributes:
        url: the base URL, ``http://127.0.0.1:<port>/``: twine's upload URL.
        simple_url: the PEP 503 simple index, ``<url>simple/``.
        username: the upload user.
        password: the upload password, a :class:`~noxship.secrets.Secret`.

    Raises:
        ToolError: on entry, when the server does not start in time.
    """

    def __init__(
        self,
        packages: Path | None = None,
        *,
        username: str = "noxship",
        startup_timeout: float = 30.0,
        wait: bool = True,
        open_reads: bool = True,
    ) -> None:
        self.username = username
        self._open_reads = open_reads
        self.password = Secret(secrets.token_urlsafe(24), "the embedded index's throw-away user")
        self._packages = packages
        self._startup_timeout = startup_timeout
        self._stack = contextlib.ExitStack()
        self._proc: subprocess.Popen[bytes] | None = None
        self._wait_on_entry = wait
        self._ready: tuple[Path, float] | None = None
        self.port = 0
        self.packages = Path()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def simple_url(self) -> str:
        return f"{self.url}simple/"

    def __repr__(self) -> str:
        return f"LocalIndex(url={self.url!r}, username={self.username!r}, password=<hidden>)"

    def __enter__(self) -> LocalIndex:
        workdir = Path(
            self._stack.enter_context(tempfile.TemporaryDirectory(prefix="noxship-index-"))
        )
        self.packages = self._packages or workdir / "packages"
        self.packages.mkdir(parents=True, exist_ok=True)
        htpasswd = workdir / "htpasswd"
        write_htpasswd(htpasswd, self.username, self.password)
        self.port = free_port()
        log_path = workdir / "server.log"
        log = log_path.open("wb")
        self._stack.callback(log.close)
        argv, extra_time = _pypiserver_argv(self.port, htpasswd, self.packages, self._open_reads)
        self._proc = subprocess.Popen(
            argv,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=clean_env(),
        )
        self._stack.callback(self._stop)
        self._ready = (log_path, self._startup_timeout + extra_time)
        if self._wait_on_entry:
            self.wait()
        return self

    def wait(self) -> None:
        """Return once the server answers on ``/health``; at once if it already has.

        Raises:
            ToolError: the server exited, or did not answer in time; it is stopped.
        """
        if self._ready is None or self._proc is None:
            return
        log_path, timeout = self._ready
        ready = False
        try:
            wait_ready(self._proc, self.url, log_path, timeout)
            if not self._open_reads:
                check_ours(self._proc, self.simple_url, (self.username, self.password.reveal()))
            ready = True
        finally:
            if not ready:
                self._stack.close()
        self._ready = None

    def _stop(self) -> None:
        if self._proc is None:
            return
        self._proc.terminate()
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait(timeout=10)
        self._proc = None

    def files(self) -> list[Path]:
        """Return the distribution files the index holds, sorted by name."""
        return sorted(p for p in self.packages.rglob("*") if p.is_file())

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stack.close()
