"""Publishing to real indexes on 127.0.0.1 (pypiserver, devpi-server), installing
back with real pip. Each test runs once per index (the ``index`` fixture)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from noxship.build import build
from noxship.build.dist import Distribution
from noxship.environment import Redactor
from noxship.errors import CredentialsError, ExitCode, IndexConflictError, PublishError
from noxship.project import Project
from noxship.publish import Credentials, RetryPolicy, Target, publish
from tests.servers import IndexUnderTest

# Builds, installs or npm tools: needs the package registries (README.md).
pytestmark = pytest.mark.network


def target_of(index: IndexUnderTest) -> tuple[Target, Credentials]:
    return index.target(), index.credentials()


def once(dists: list[Distribution]) -> dict[str, list[str]]:
    """What the index holds when each file arrived exactly once."""
    return {d.filename: [d.sha256] for d in dists}


@pytest.fixture
def built(sample: Callable[..., Path]) -> tuple[Project, list[Distribution]]:
    """A tree of its own, for the test that changes it."""
    project = Project.load(sample("good", init=False))
    return project, build(project)


def test_publish_then_republish_is_a_no_op(
    index: IndexUnderTest, good_release: tuple[Project, list[Distribution]]
) -> None:
    _, dists = good_release
    target, creds = target_of(index)
    first = publish(dists, target, creds)
    assert sorted(first.uploaded) == sorted(d.filename for d in dists)
    assert first.installed
    assert index.files() == once(dists)
    second = publish(dists, target, creds, check_install=False)
    assert second.uploaded == ()
    assert sorted(second.skipped) == sorted(d.filename for d in dists)
    assert index.files() == once(dists)


def test_interrupted_publish_completes_on_rerun(
    index: IndexUnderTest, good_release: tuple[Project, list[Distribution]]
) -> None:
    _, dists = good_release
    target, creds = target_of(index)
    wheel = next(d for d in dists if d.kind == "wheel")
    # A run that stopped after the wheel: only the wheel reached the index.
    subprocess.run(
        [sys.executable, "-m", "twine", "upload", "--disable-progress-bar", str(wheel.path)],
        env={
            **os.environ,
            "TWINE_REPOSITORY_URL": target.repository_url,
            "TWINE_USERNAME": creds.username,
            "TWINE_PASSWORD": creds.password.reveal() if creds.password else "",
            "TWINE_NON_INTERACTIVE": "1",
        },
        check=True,
        capture_output=True,
    )
    report = publish(dists, target, creds, check_install=False)
    assert report.skipped == (wheel.filename,)
    assert report.uploaded == (next(d for d in dists if d.kind == "sdist").filename,)
    assert index.files() == once(dists)


def test_conflicting_rebuild_stops_before_any_upload(
    index: IndexUnderTest, built: tuple[Project, list[Distribution]]
) -> None:
    project, dists = built
    target, creds = target_of(index)
    wheel = next(d for d in dists if d.kind == "wheel")
    publish([wheel], target, creds, check_install=False)
    (project.root / "src" / "good" / "answer.txt").write_text("43\n")
    rebuilt = build(project)
    before = index.files()
    with pytest.raises(IndexConflictError, match="Nothing was uploaded"):
        publish(rebuilt, target, creds, check_install=False)
    assert index.files() == before  # the new sdist was not uploaded either


def test_wrong_password_is_a_credentials_error_without_retrying(
    index: IndexUnderTest, good_release: tuple[Project, list[Distribution]]
) -> None:
    from noxship.environment import Secret

    _, dists = good_release
    target, _ = target_of(index)
    wrong = Credentials(
        index.credentials().username, Secret("SENTINEL-wrong-password", "test"), "test"
    )
    with pytest.raises(CredentialsError, match="refused the credentials") as info:
        publish(dists, target, wrong, retry=RetryPolicy(attempts=3, base_delay=0))
    assert "SENTINEL" not in str(info.value)
    assert info.value.exit_code == ExitCode.CREDENTIALS
    assert index.files() == {}


def test_install_check_takes_the_package_from_the_target_only(
    index: IndexUnderTest, good_release: tuple[Project, list[Distribution]]
) -> None:
    """An empty target fails the install check, although the package's
    dependencies' index (PyPI) and uv's cache are at hand."""
    from noxship.publish import install_check

    _, dists = good_release
    with pytest.raises(PublishError, match="does not install and import from"):
        install_check(dists, index.target(), index.credentials(), Redactor())


def test_embedded_index_runs_without_pypiserver_installed(
    monkeypatch: pytest.MonkeyPatch, good_release: tuple[Project, list[Distribution]]
) -> None:
    """pypiserver is an extra: without it, uv runs it in an environment of its
    own (what `pip install noxship` then `release_local` does)."""
    import importlib.util

    from noxship.publish import LocalIndex

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "pypiserver" else real(name, *a),
    )
    _, dists = good_release
    with LocalIndex() as index:
        assert index._proc is not None and "--with" in index._proc.args  # type: ignore[operator]
        target = Target("local", index.url, index.simple_url)
        creds = Credentials(index.username, index.password, "test")
        report = publish(dists, target, creds, check_install=False)
        assert sorted(report.uploaded) == sorted(d.filename for d in dists)
