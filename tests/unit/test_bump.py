"""``noxship bump``: the bump each history asks for, the files it edits, the
changelog section, and the refusals; on throw-away git repositories."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from packaging.version import Version

from noxship.context import Context
from noxship.errors import ConfigError, UsageError
from noxship.plan import release_version
from noxship.project import Project
from noxship.release.bump import apply_bump, plan_bump
from noxship.release.changelog import Commit, bump_kind, insert_section, section_of

ENV = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
       "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}  # fmt: skip


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, env=ENV, check=True, capture_output=True,
                          text=True).stdout  # fmt: skip


def repo(tmp_path: Path, pyproject: str, *messages: str, tag: str | None = "v1.4.0") -> Project:
    (tmp_path / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "start")
    if tag:
        git(tmp_path, "tag", tag)
    for message in messages:
        git(tmp_path, "commit", "-q", "--allow-empty", "-m", message)
    return Project.load(tmp_path)


STATIC = '[project]\nname = "demo"\nversion = "1.4.0"  # kept\n'


@pytest.mark.parametrize(
    ("messages", "zero", "kind"),
    [
        (["feat: x", "fix: y"], False, "minor"),
        (["fix: y", "perf: z"], False, "patch"),
        (["feat!: x"], False, "major"),
        (["fix(core)!: x"], False, "major"),
        (["fix: y\n\nBREAKING CHANGE: the API changed"], False, "major"),
        (["feat!: x"], True, "minor"),  # before 1.0.0 a breaking change is minor
        (["docs: x", "chore: y", "refactor: z"], False, None),
    ],
)
def test_the_bump_the_commits_ask_for(messages: list[str], zero: bool, kind: str | None) -> None:
    commits = [Commit(str(i), m) for i, m in enumerate(messages)]
    assert bump_kind(commits, major_version_zero=zero) == kind


@pytest.mark.parametrize(
    ("how", "version", "expected"),
    [
        ("patch", "1.4.0", "1.4.1"),
        ("minor", "1.4.0", "1.5.0"),
        ("major", "1.4.0", "2.0.0"),
        ("patch", "1.5.0rc1", "1.5.0"),  # a pre-release is finished first
        ("minor", "1.5.0rc1", "1.5.0"),
        ("minor", "1.5.1rc1", "1.6.0"),
        ("2.0.0b1", "1.4.0", "2.0.0b1"),
    ],
)
def test_bump_levels(tmp_path: Path, how: str, version: str, expected: str) -> None:
    project = repo(tmp_path, STATIC.replace("1.4.0", version), "feat: x")
    plan = plan_bump(Context.from_environ({}, project=project), how, today="2026-12-01")
    assert plan.new == Version(expected)
    assert release_version(plan.title) == expected  # a release message the planner accepts


def test_auto_bump_writes_pyproject_keeping_its_formatting(tmp_path: Path) -> None:
    project = repo(tmp_path, STATIC, "feat(cli): a flag", "fix: a crash", "docs: typo")
    plan = plan_bump(Context.from_environ({}, project=project), "auto", today="2026-12-01")
    assert (str(plan.new), plan.files) == ("1.5.0", ("pyproject.toml", "CHANGELOG.md"))
    assert plan.section == (
        "## [1.5.0] - 2026-12-01\n\n### Added\n\n- **cli:** a flag\n\n### Fixed\n\n- a crash\n"
    )
    apply_bump(Context.from_environ(ENV, project=project), plan)
    assert (tmp_path / "pyproject.toml").read_text() == STATIC.replace("1.4.0", "1.5.0")
    assert git(tmp_path, "log", "-1", "--format=%s").strip() == "1.5.0"
    assert git(tmp_path, "status", "--porcelain") == ""
    assert section_of(tmp_path / "CHANGELOG.md", "1.5.0") == plan.section.split("\n", 2)[2].strip()
    assert git(tmp_path, "tag", "--list") == "v1.4.0\n"  # never tags, never pushes


def test_a_version_file_and_uv_lock(tmp_path: Path) -> None:
    (tmp_path / "demo").mkdir()
    (tmp_path / "demo" / "__init__.py").write_text('"""Demo."""\n\n__version__ = "0.3.0"\n')
    (tmp_path / "uv.lock").write_text(
        'version = 1\n\n[[package]]\nname = "demo"\nversion = "0.3.0"\n'
        'source = { editable = "." }\n\n[[package]]\nname = "other"\nversion = "0.3.0"\n'
        'source = { registry = "https://pypi.org/simple" }\n'
    )
    project = repo(tmp_path, '[build-system]\nrequires = ["flit_core"]\n'
                   'build-backend = "flit_core.buildapi"\n[project]\nname = "demo"\n'
                   'dynamic = ["version"]\n', "feat!: drop the old API", tag="v0.3.0")  # fmt: skip
    plan = plan_bump(Context.from_environ({}, project=project), "auto")
    assert str(plan.new) == "0.4.0"  # breaking before 1.0.0: minor
    assert plan.files == ("demo/__init__.py", "uv.lock", "CHANGELOG.md")
    apply_bump(Context.from_environ(ENV, project=project), plan)
    assert '__version__ = "0.4.0"' in (tmp_path / "demo" / "__init__.py").read_text()
    lock = (tmp_path / "uv.lock").read_text()
    assert (
        'name = "demo"\nversion = "0.4.0"' in lock and 'name = "other"\nversion = "0.3.0"' in lock
    )


def test_a_version_from_git_edits_nothing_but_the_changelog(tmp_path: Path) -> None:
    project = repo(tmp_path, '[build-system]\nrequires = ["setuptools", "setuptools_scm"]\n'
                   'build-backend = "setuptools.build_meta"\n[project]\nname = "demo"\n'
                   'dynamic = ["version"]\n[tool.setuptools_scm]\n', "fix: y", tag="v2.1.0")  # fmt: skip
    plan = plan_bump(Context.from_environ({}, project=project), "auto")
    assert (str(plan.current), str(plan.new), plan.files) == ("2.1.0", "2.1.1", ("CHANGELOG.md",))


def test_refusals(tmp_path: Path) -> None:
    project = repo(tmp_path, STATIC, "docs: only docs")
    with pytest.raises(UsageError, match=r"no feat, fix, perf or breaking commit since v1\.4\.0"):
        plan_bump(Context.from_environ({}, project=project), "auto")
    with pytest.raises(UsageError, match=r"must be above 1\.4\.0"):
        plan_bump(Context.from_environ({}, project=project), "1.3.0")
    with pytest.raises(UsageError, match="is not major, minor, patch, auto or a PEP 440"):
        plan_bump(Context.from_environ({}, project=project), "huge")
    (tmp_path / "pyproject.toml").write_text(STATIC + "# edited\n")
    with pytest.raises(UsageError, match="uncommitted changes"):
        apply_bump(
            Context.from_environ(ENV, project=project),
            plan_bump(Context.from_environ({}, project=project), "patch"),
        )
    odd = {"NOXSHIP_RELEASE_PATTERN": r"^ship it (?P<version>\S+)$"}
    with pytest.raises(ConfigError, match="accepts none of 1.4.1"):
        plan_bump(Context.from_environ(odd, project=project), "patch")


def test_a_setup_py_version_cannot_be_edited(tmp_path: Path) -> None:
    (tmp_path / "setup.py").write_text(
        "from setuptools import setup\nsetup(name='d', version='1.0')\n"
    )
    project = repo(tmp_path, '[build-system]\nrequires = ["setuptools"]\n'
                   'build-backend = "setuptools.build_meta"\n', "fix: y")  # fmt: skip
    with pytest.raises(ConfigError, match="which noxship cannot edit"):
        plan_bump(Context.from_environ({}, project=project), "patch")


def test_the_changelog_keeps_unreleased_on_top() -> None:
    old = "# Changelog\n\n## [Unreleased]\n\n- wip\n\n## [1.4.0] - 2026-01-01\n\n- old\n"
    new = insert_section(old, "## [1.5.0] - 2026-12-01\n\n- new\n")
    assert new.index("[Unreleased]") < new.index("[1.5.0]") < new.index("[1.4.0]")
    assert "- wip" in new


def test_a_refused_commit_leaves_the_tree_as_it_was(tmp_path: Path) -> None:
    """Review N17: a hook that refused the release commit left the edited files."""
    from noxship.errors import ToolError

    project = repo(tmp_path, STATIC, "fix: a crash")
    hook = tmp_path / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho refused by the hook >&2\nexit 1\n")
    hook.chmod(0o755)
    plan = plan_bump(Context.from_environ({}, project=project), "auto", today="2026-12-01")
    with pytest.raises(ToolError) as info:
        apply_bump(Context.from_environ(ENV, project=project), plan)
    assert "The bump's files are restored as they were (pyproject.toml, CHANGELOG.md)" in str(
        info.value
    )
    assert (tmp_path / "pyproject.toml").read_text() == STATIC
    assert not (tmp_path / "CHANGELOG.md").exists()
    assert git(tmp_path, "status", "--porcelain") == ""
