"""A lookup reads only the target: an index that answers with a redirect (pypiserver
with its PyPI fallback on; GitLab forwarding unknown packages to PyPI) holds nothing
of the project, whatever the index redirected to holds.

"Elsewhere" stands in for PyPI: it lists a file of every name asked for, with
another sha256. Following the redirect would read it as the target's own and
stop the publish with a false conflict (exit 4)."""

from __future__ import annotations

import html
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from noxship.build.dist import Distribution
from noxship.environment import Secret, clean_env
from noxship.project import Project
from noxship.publish import (
    Credentials,
    Target,
    list_files,
    publish,
    resolve_credentials,
    resolve_target,
)
from noxship.publish.local_index import free_port, wait_ready, write_htpasswd
from tests.fake_gitlab import FakeGitLab
from tests.local_http import LocalHTTPServer, OwnedHandler

# good_release builds with poetry-core from the registry.
pytestmark = pytest.mark.network

OTHER_SHA = "0" * 64


class _Elsewhere(OwnedHandler):
    owner: ClassVar[Elsewhere]

    def do_GET(self) -> None:
        name = self.path.strip("/").split("/")[-1]
        self.owner.asked.append(name)
        links = "".join(f'<a href="/f/{html.escape(f)}#sha256={OTHER_SHA}">{html.escape(f)}</a>\n'
                        for f in self.owner.filenames)  # fmt: skip
        body = f"<!DOCTYPE html><html><body>{links}</body></html>".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class Elsewhere(LocalHTTPServer):
    """Another index, holding every file name asked for, with other content."""

    handler = _Elsewhere

    def __init__(self, filenames: list[str]) -> None:
        self.filenames = filenames
        self.asked: list[str] = []
        super().__init__()


@pytest.fixture
def pypiserver_with_fallback(
    good_release: tuple[Project, list[Distribution]],
) -> Iterator[tuple[Target, Credentials, Elsewhere]]:
    """pypiserver as started without ``--disable-fallback``: a lookup of a project it
    does not hold redirects to its fallback index (here: Elsewhere)."""
    _, dists = good_release
    with Elsewhere([d.filename for d in dists]) as other, tempfile.TemporaryDirectory() as tmp:
        password = Secret("SENTINEL-fallback-3c1d", "test")
        write_htpasswd(Path(tmp) / "htpasswd", "up", password)
        (Path(tmp) / "packages").mkdir()
        port = free_port()
        args = [sys.executable, "-m", "pypiserver", "run", "-i", "127.0.0.1", "-p", str(port),
                "-P", f"{tmp}/htpasswd", "-a", "update", "--fallback-url",
                f"http://127.0.0.1:{other.port}/simple/", f"{tmp}/packages"]  # fmt: skip
        log = Path(tmp) / "log"
        with log.open("wb") as out:
            proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=clean_env())
            try:
                url = f"http://127.0.0.1:{port}/"
                wait_ready(proc, url, log, 30)
                yield (
                    Target("fallback", url, f"{url}simple/"),
                    Credentials("up", password, "t"),
                    other,
                )
            finally:
                proc.terminate()
                proc.wait(timeout=10)


def test_pypiserver_fallback_redirect_is_not_the_target(
    pypiserver_with_fallback: tuple[Target, Credentials, Elsewhere],
    good_release: tuple[Project, list[Distribution]],
) -> None:
    target, creds, elsewhere = pypiserver_with_fallback
    project, dists = good_release
    assert list_files(target, project.name, creds) == {}
    assert elsewhere.asked == []  # the redirect was not followed

    report = publish(dists, target, creds, environ={}, check_install=False)
    assert sorted(report.uploaded) == sorted(d.filename for d in dists)
    found = list_files(target, project.name, creds)
    assert {f: i.sha256 for f, i in found.items()} == {d.filename: d.sha256 for d in dists}


DEPLOY_TOKEN = "SENTINEL-deploy-forward-88aa"


def test_gitlab_forwarding_is_not_the_target(
    good_release: tuple[Project, list[Distribution]],
) -> None:
    project, dists = good_release
    with (
        Elsewhere([d.filename for d in dists]) as other,
        FakeGitLab(forwarding=f"http://127.0.0.1:{other.port}/simple/") as gitlab,
    ):
        gitlab.add_token(DEPLOY_TOKEN, "deploy", username="gitlab+deploy-token-1")
        env = {"GITLAB_CI": "true", "CI_API_V4_URL": gitlab.api_url,
               "CI_PROJECT_ID": str(gitlab.project_id),
               "GITLAB_DEPLOY_USER": "gitlab+deploy-token-1",
               "GITLAB_DEPLOY_TOKEN": DEPLOY_TOKEN}  # fmt: skip
        target = resolve_target("gitlab", env, project.name)
        creds = resolve_credentials(target, env)
        assert list_files(target, project.name, creds) == {}
        report = publish(dists, target, creds, environ=env, check_install=False)
        assert sorted(report.uploaded) == sorted(d.filename for d in dists)
        again = publish(dists, target, creds, environ=env, check_install=False)
        assert again.uploaded == ()
        assert other.asked == []
