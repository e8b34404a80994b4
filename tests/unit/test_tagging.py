"""Tags and forge releases: what is refused before any request."""

from __future__ import annotations

from pathlib import Path

import pytest

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
        tag_release(project, {"CI_JOB_TOKEN": "x"}, provider, "v1.0", "1.0", ["pypi"])
