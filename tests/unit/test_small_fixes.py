"""Small fixes of this stop, each with the test the reviews asked for."""

from __future__ import annotations

import logging
from pathlib import Path
from types import SimpleNamespace

import pytest

from noxship.project.config import NoxshipConfig


def test_an_empty_target_list_means_none() -> None:
    """N4 (code review 2026-12-03): ``preview-targets = []`` turns previews off."""
    assert NoxshipConfig.from_table({"preview-targets": []}).preview_targets == ()
    assert NoxshipConfig.from_table({"release-targets": []}).release_targets == ()
    assert NoxshipConfig.from_table({}).preview_targets == ("testpypi",)


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


def test_a_module_no_dependency_provides_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """#23: a test run that fails on ModuleNotFoundError names the module."""
    from noxship.wheeltest import runner

    junit = tmp_path / "junit.xml"
    junit.write_text(
        '<testsuite><testcase><failure message="ModuleNotFoundError: No module '
        "named 'lxml.etree'\"/></testcase></testsuite>",
        encoding="utf-8",
    )
    monkeypatch.setattr(runner, "wheel_top_level", lambda path: ["serializable"])
    run = SimpleNamespace(junit=junit, wheel=SimpleNamespace(path=None))
    assert runner._missing_modules(run, {"errors": {}}) == ["lxml"]  # type: ignore[arg-type]
