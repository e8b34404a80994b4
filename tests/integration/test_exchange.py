"""M4 of the 2026-12-03 security review: the trusted-publishing exchange talks only to
the target's own host (or one the user names), follows no redirect, and refuses an
audience other than the target's. Servers on 127.0.0.1 log every request."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from noxship.errors import CredentialsError
from noxship.publish.targets import resolve_credentials, resolve_target
from noxship.publish.trusted import exchange_once
from tests.fake_pypi_oidc import gitlab_id_token
from tests.local_http import LocalHTTPServer, OwnedHandler


class Logging(LocalHTTPServer):
    """Answers the audience with ``audience``; the mint with ``mint_status`` (a
    redirect to ``location`` when 3xx). Records every request's path and body."""

    def __init__(self, audience: str, mint_status: int = 200, location: str = "") -> None:
        super().__init__()
        self.audience, self.mint_status, self.location = audience, mint_status, location
        self.seen: list[tuple[str, str]] = []

    class handler(OwnedHandler):  # the class attribute LocalHTTPServer reads
        def do_GET(self) -> None:
            self.owner.seen.append((self.path, ""))
            self.send_json(200, {"audience": self.owner.audience})

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
            self.owner.seen.append((self.path, body))
            if 300 <= self.owner.mint_status < 400:
                self.send_response(self.owner.mint_status)
                self.send_header("Location", self.owner.location)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_json(self.owner.mint_status, {"success": True, "token": "pypi-minted"})


def github_env(port: int, trusted: bool) -> dict[str, str]:
    env = {
        "NOXSHIP_TARGET_TESTPYPI_UPLOAD_URL": f"http://127.0.0.1:{port}/legacy/",
        "NOXSHIP_TARGET_TESTPYPI_INDEX_URL": f"http://127.0.0.1:{port}/simple/",
        "GITLAB_CI": "true",
        "CI_PROJECT_PATH": "acme/good",
        "CI_COMMIT_REF_NAME": "main",
        "TESTPYPI_ID_TOKEN": gitlab_id_token("testpypi"),
    }
    if trusted:
        env["NOXSHIP_TARGET_TESTPYPI_TRUST_HOST"] = f"127.0.0.1:{port}"
    return env


@pytest.fixture
def second() -> Iterator[Logging]:
    with Logging("testpypi") as server:
        yield server


def test_the_id_token_goes_to_no_host_the_user_did_not_name() -> None:
    with Logging("testpypi") as server:
        env = github_env(server.port, trusted=False)
        with pytest.raises(CredentialsError, match="built-in credentials stay home"):
            resolve_credentials(resolve_target("testpypi", env), env)
        assert server.seen == []


def test_a_redirect_of_the_exchange_is_not_followed(second: Logging) -> None:
    with Logging("testpypi", 307, f"http://127.0.0.1:{second.port}/_/oidc/mint-token") as first:
        env = github_env(first.port, trusted=True)
        target = resolve_target("testpypi", env)
        with pytest.raises(CredentialsError, match="answered a redirect"):
            exchange_once(target, resolve_credentials(target, env), env)
        assert [p for p, _ in first.seen] == ["/_/oidc/mint-token"]
    assert second.seen == []  # the ID token never reached the other host


def test_the_embedded_index_refuses_a_port_another_process_holds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """L4: a local process that takes the port before pypiserver binds it, and answers
    everything, is found out before anything is uploaded to it."""
    from noxship.errors import ToolError
    from noxship.publish import local_index

    class Squatter(Logging):
        class handler(Logging.handler):  # answers 200 to every read, /health included
            def do_GET(self) -> None:
                self.owner.seen.append((self.path, ""))
                self.send_json(200, {})

    with Squatter("pypi") as squatter:
        monkeypatch.setattr(local_index, "free_port", lambda: squatter.port)
        with (
            pytest.raises(ToolError, match="pypiserver exited|another process answers"),
            local_index.LocalIndex(open_reads=False),
        ):
            pass
        assert not any(path.startswith("/legacy") or body for path, body in squatter.seen)
