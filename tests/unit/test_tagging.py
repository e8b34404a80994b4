"""Tags and forge releases: what is refused before any request."""

from __future__ import annotations

from pathlib import Path

import pytest

from noxship.context import Context
from noxship.errors import ConfigError
from noxship.project import Project
from noxship.release.tagging import tag_release


def project_with(tmp_path: Path, body: str) -> Project:
    (tmp_path / "pyproject.toml").write_text(body, encoding="utf-8")
    return Project.load(tmp_path, check_requires_python=False)


@pytest.mark.parametrize(
    ("provider", "variable"), [("gitlab", "CI_COMMIT_SHA"), ("github", "GITHUB_SHA")]
)
def test_tag_without_the_commit_variable_is_refused(
    tmp_path: Path, provider: str, variable: str
) -> None:
    """Review 3: the literal "HEAD" was sent as the ref when the variable was missing."""
    project = project_with(tmp_path, '[project]\nname = "p"\nversion = "1.0"\n')
    with pytest.raises(ConfigError, match=f"{variable} is not set"):
        tag_release(
            Context.from_environ({"CI_JOB_TOKEN": "x"}, project=project),
            provider,
            "v1.0",
            "1.0",
            ["pypi"],
        )


def test_the_release_notes_say_what_the_wheel_was_tested_with(tmp_path: Path) -> None:
    """#27 part 4: the GitLab and GitHub release notes end with every Python's
    record from build/reports/, after the changelog's section and the targets."""
    from noxship.release.tagging import _notes

    project = project_with(tmp_path, '[project]\nname = "p"\nversion = "1.0"\n')
    (tmp_path / "CHANGELOG.md").write_text("# Changelog\n\n## [1.0] - 2026-12-03\n\n- first\n")
    assert _notes(project, "1.0", ["pypi"]).endswith("Published to pypi by noxship.")
    reports = tmp_path / "build" / "reports"
    reports.mkdir(parents=True)
    (reports / "tested-with-py3.12.md").write_text("### Tested with Python 3.12.1\n")
    (reports / "tested-with-py3.13.md").write_text("### Tested with Python 3.13.0\n")
    notes = _notes(project, "1.0", ["testpypi", "pypi"])
    assert (
        notes.index("- first")
        < notes.index("Published to testpypi, pypi")
        < notes.index(
            "## Tested with\n\n### Tested with Python 3.12.1\n\n### Tested with Python 3.13.0"
        )
    )


def test_each_platform_brings_its_own_records(tmp_path: Path) -> None:
    """#28: a compiled project's tag job downloads each runner's reports into a
    directory of its own; every record reaches the notes, none overwritten."""
    from noxship.wheeltest.testedwith import tested_with_notes

    for runner in ("ubuntu-latest", "windows-latest"):
        (tmp_path / f"reports-{runner}").mkdir()
        (tmp_path / f"reports-{runner}" / "tested-with-py3.12.md").write_text(
            f"### Tested with Python 3.12.1 (CPython, {runner})\n"
        )
    notes = tested_with_notes(tmp_path)
    assert "(CPython, ubuntu-latest)" in notes and "(CPython, windows-latest)" in notes


def test_the_chain_summary_as_markdown_and_for_the_terminal() -> None:
    """#27 part 5: one summary, one row per step, each a sentence; a pipe in a
    value does not break the Markdown table."""
    from noxship.summary import Summary

    summary = Summary()
    assert summary.empty()
    summary.built["p-1.0.tar.gz"] = "ab" * 32
    summary.tested.append(("3.12.1", 7))
    summary.coverage = "coverage: 93.4% (fail_under 90, from pyproject.toml)"
    summary.published.append(("testpypi", 2, 0, "https://test.pypi.org/project/p/"))
    summary.tag, summary.release_url = "v1.0", "https://gitlab.com/o/p/-/releases/v1.0"
    summary.skipped.append(("docs", "no docs | none at all"))
    markdown = summary.markdown("noxship release_test: summary")
    assert markdown.splitlines() == [
        "### noxship release_test: summary",
        "",
        "| step | what |",
        "|---|---|",
        f"| built | p-1.0.tar.gz  sha256 {'ab' * 32} |",
        "| tested | Python 3.12.1: 7 test(s) passed |",
        "| coverage | 93.4% (fail_under 90, from pyproject.toml) |",
        "| published | testpypi: 2 uploaded, 0 already there; https://test.pypi.org/project/p/ |",
        "| tagged | v1.0; https://gitlab.com/o/p/-/releases/v1.0 |",
        "| skipped | docs: no docs \\| none at all |",
    ]
    drawn = summary.terminal("noxship release_test: summary")
    assert "noxship release_test: summary" in drawn and "Python 3.12.1: 7 test(s) passed" in drawn
