"""Uploads judged by status, one retry layer, every failure settled on the index:
each status class without a network (a recorded uploader and index)."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from pathlib import Path

import pytest
import requests

from noxship.build.dist import DistKind, Distribution, sha256_of
from noxship.errors import CredentialsError, IndexConflictError, PublishError
from noxship.publish.index import IndexFile
from noxship.publish.retry import RetryPolicy
from noxship.publish.targets import Target
from noxship.publish.upload import (
    Attempt,
    Outcome,
    classify_exception,
    classify_status,
    upload_all,
)

TARGET = Target("t", "http://127.0.0.1:9/", "http://127.0.0.1:9/simple/")
POLICY = RetryPolicy(attempts=3, base_delay=1.0, max_delay=4.0)


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (200, Outcome.STORED),
        (201, Outcome.STORED),
        (400, Outcome.REFUSED),
        (409, Outcome.REFUSED),
        (301, Outcome.REFUSED),
        (401, Outcome.DENIED),
        (403, Outcome.DENIED),
        (500, Outcome.TRANSIENT),
        (503, Outcome.TRANSIENT),
    ],
)
def test_classify_status(status: int, outcome: Outcome) -> None:
    assert classify_status(status) is outcome


@pytest.mark.parametrize(
    ("exc", "outcome"),
    [
        (requests.ConnectionError("reset by peer"), Outcome.TRANSIENT),
        (requests.ReadTimeout("timed out"), Outcome.TRANSIENT),
        (requests.ConnectTimeout("timed out"), Outcome.TRANSIENT),
        (requests.TooManyRedirects("loop"), Outcome.REFUSED),
    ],
)
def test_classify_exception(exc: requests.RequestException, outcome: Outcome) -> None:
    assert classify_exception(exc) is outcome


@dataclasses.dataclass
class World:
    """An index and an uploader that answers from a script."""

    script: list[Outcome]
    arrive_anyway: bool = False
    stored: dict[str, IndexFile] = dataclasses.field(default_factory=dict)
    sent: list[str] = dataclasses.field(default_factory=list)
    waits: list[float] = dataclasses.field(default_factory=list)

    def upload(self, dist: Distribution) -> Attempt:
        self.sent.append(dist.filename)
        outcome = self.script.pop(0) if self.script else Outcome.STORED
        if outcome is Outcome.STORED or self.arrive_anyway:
            self.stored[dist.filename] = IndexFile(dist.filename, dist.sha256, "u")
        return Attempt(outcome, f"scripted {outcome.value}")

    def lookup(self) -> Mapping[str, IndexFile]:
        return dict(self.stored)


@pytest.fixture
def dists(tmp_path: Path) -> list[Distribution]:
    wheel = tmp_path / "good-1.0-py3-none-any.whl"
    sdist = tmp_path / "good-1.0.tar.gz"
    wheel.write_bytes(b"wheel")
    sdist.write_bytes(b"sdist")
    return [Distribution.from_path(wheel), Distribution.from_path(sdist)]  # type: ignore[list-item]


def run(world: World, dists: list[Distribution]) -> tuple[list[str], list[str]]:
    done = upload_all(dists, world.upload, world.lookup, TARGET, POLICY, sleep=world.waits.append)
    return done.uploaded, done.skipped


def test_5xx_is_retried_with_backoff(dists: list[Distribution]) -> None:
    world = World([Outcome.TRANSIENT, Outcome.TRANSIENT])
    assert run(world, dists) == ([d.filename for d in dists], [])
    assert world.sent == [dists[0].filename] * 3 + [dists[1].filename]
    assert world.waits == [1.0, 2.0]  # exponential, from tenacity


def test_transient_beyond_the_attempts_says_what_is_published(dists: list[Distribution]) -> None:
    world = World([Outcome.STORED, *[Outcome.TRANSIENT] * 3])
    with pytest.raises(PublishError) as info:
        run(world, dists)
    assert f"published {dists[0].filename}; not published {dists[1].filename}" in str(info.value)
    assert len(world.sent) == 1 + POLICY.attempts


def test_a_reset_after_the_file_arrived_counts_as_uploaded(dists: list[Distribution]) -> None:
    world = World([Outcome.TRANSIENT], arrive_anyway=True)
    assert run(world, dists)[0] == [d.filename for d in dists]
    assert world.sent == [d.filename for d in dists]  # settled by the index, not re-sent


def test_a_400_with_the_same_file_on_the_index_was_another_run(dists: list[Distribution]) -> None:
    world = World([Outcome.REFUSED], arrive_anyway=True)
    assert run(world, dists) == ([dists[1].filename], [dists[0].filename])


def test_a_400_without_the_file_stops_without_retry(dists: list[Distribution]) -> None:
    world = World([Outcome.REFUSED])
    with pytest.raises(PublishError, match="refused"):
        run(world, dists)
    assert world.sent == [dists[0].filename]


@pytest.mark.parametrize("status", [401, 403])
def test_denied_is_a_credentials_error_without_retry(
    dists: list[Distribution], status: int
) -> None:
    world = World([classify_status(status)])
    with pytest.raises(CredentialsError, match="refused the credentials"):
        run(world, dists)
    assert world.sent == [dists[0].filename]


def test_other_content_appearing_is_a_conflict(dists: list[Distribution]) -> None:
    world = World([Outcome.TRANSIENT])
    world.stored[dists[0].filename] = IndexFile(dists[0].filename, "0" * 64, "u")
    with pytest.raises(IndexConflictError, match="appeared on t with other content"):
        run(world, dists)


def test_retry_policy_from_env_refuses_nonsense() -> None:
    from noxship.errors import ConfigError

    assert RetryPolicy.from_env({"NOXSHIP_UPLOAD_ATTEMPTS": "2"}).attempts == 2
    for bad in (
        {"NOXSHIP_UPLOAD_ATTEMPTS": "0"},
        {"NOXSHIP_UPLOAD_ATTEMPTS": "x"},
        {"NOXSHIP_RETRY_DELAY": "-1"},
    ):
        with pytest.raises(ConfigError, match="NOXSHIP_UPLOAD_ATTEMPTS must be"):
            RetryPolicy.from_env(bad)


def test_distribution_kinds_are_an_enum(dists: list[Distribution]) -> None:
    assert [d.kind for d in dists] == [DistKind.WHEEL, DistKind.SDIST]
    assert dists[0].sha256 == sha256_of(dists[0].path)


def test_the_summary_survives_an_index_that_fails_the_recheck(dists: list[Distribution]) -> None:
    """Review (security issue): a failing re-check replaced the "published X; not
    published Y" summary."""
    from noxship.errors import IndexUnavailableError

    world = World([Outcome.STORED, Outcome.TRANSIENT])

    def lookup() -> Mapping[str, IndexFile]:
        raise IndexUnavailableError("index of target t answered HTTP 503")

    with pytest.raises(PublishError) as info:
        upload_all(dists, world.upload, lookup, TARGET, POLICY, sleep=world.waits.append)
    assert f"published {dists[0].filename}; not published {dists[1].filename}" in str(info.value)


def test_lookups_retry_transient_failures_with_the_upload_policy() -> None:
    from noxship.errors import IndexUnavailableError

    answers: list[Exception | None] = [
        IndexUnavailableError("503"),
        IndexUnavailableError("503"),
        None,
    ]
    waits: list[float] = []

    def read() -> str:
        failure = answers.pop(0)
        if failure is not None:
            raise failure
        return "read"

    assert POLICY.retrying("lookup", IndexUnavailableError, sleep=waits.append)(read) == "read"
    assert waits == [1.0, 2.0]


def test_the_minted_token_is_renewed_on_github_and_said_on_gitlab(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """L3 (security review 2026-12-03): PyPI's minted tokens last 15 minutes."""
    from noxship.environment import Secret
    from noxship.publish import trusted
    from noxship.publish.credentials import CredentialKind, Credentials
    from noxship.publish.targets import resolve_target

    target = resolve_target("testpypi", {})
    tp = CredentialKind.TRUSTED_PUBLISHING
    github = Credentials("__token__", None, "trusted publishing (GitHub Actions OIDC)", tp)
    gitlab = Credentials("__token__", None, "trusted publishing (GitLab)", tp, "TESTPYPI_ID_TOKEN")
    minted = Credentials("__token__", Secret("pypi-old", "minted"), "minted")
    fresh = Credentials("__token__", Secret("pypi-new", "minted"), "minted")
    monkeypatch.setattr(trusted, "_minted", lambda *args: fresh)
    for creds in (github, gitlab):
        trusted._MINTED[(target.repository_url, creds.source)] = (minted, 0.0)
    assert trusted.renewed(target, github, {}, now=60.0) is None  # young: kept
    assert trusted.renewed(target, github, {}, now=trusted.RENEW_AFTER + 1) is fresh
    with caplog.at_level(logging.WARNING, logger="noxship"):
        assert trusted.renewed(target, gitlab, {}, now=trusted.RENEW_AFTER + 1) is None
    assert "cannot be exchanged twice" in caplog.text


def test_a_long_retry_delay_is_not_capped_below_itself() -> None:
    """Review N16: NOXSHIP_RETRY_DELAY took up to 300 s, but every wait was capped at 30."""
    from noxship.publish.retry import RetryPolicy

    waits: list[float] = []
    policy = RetryPolicy.from_env({"NOXSHIP_RETRY_DELAY": "120", "NOXSHIP_UPLOAD_ATTEMPTS": "3"})
    retrying = policy.retrying("x", OSError, sleep=waits.append)

    def fail() -> None:
        raise OSError("down")

    with pytest.raises(OSError):
        retrying(fail)
    assert waits == [120.0, 120.0]
    assert RetryPolicy.from_env({}).max_delay == 30.0
