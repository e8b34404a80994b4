"""``noxship init``: write the small ``noxfile.py`` (and optionally a CI file) into
a project."""

from __future__ import annotations

from pathlib import Path

from noxship.errors import ConfigError
from noxship.project import Project

__all__ = ["CI_FILES", "NOXFILE", "ignore_dotenv", "write_ci", "write_noxfile"]

COMPONENT = "gitlab.com/noxship/noxship/noxship"
"""Where the GitLab CI/CD component is published (``templates/noxship.yml``)."""
ACTION = "noxship/noxship"
"""The GitHub repository of the composite action (``action.yml``)."""
PYTHONS = ("3.10", "3.11", "3.12", "3.13")
"""The Python versions noxship runs on, offered to the CI test matrix."""

GITLAB_CI = """\
# Release pipeline from noxship: lint, build once, test the built wheel on each
# Python, publish as `noxship plan` decides (a commit titled with the version on
# the default branch releases; a merge request publishes a preview to TestPyPI).
# Set up trusted publishing on PyPI and TestPyPI for this project and file
# (environments "pypi" and "testpypi"), or store PYPI_TOKEN / TEST_PYPI_TOKEN
# as masked, protected CI/CD variables and set trusted-publishing to false.
stages: [lint, build, test, publish]

workflow:
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"
    - if: $CI_COMMIT_BRANCH && $CI_OPEN_MERGE_REQUESTS
      when: never
    - if: $CI_COMMIT_BRANCH
    - if: $CI_COMMIT_TAG

include:
  - component: {component}@{version}
    inputs:
      python-versions: {pythons}
      release-targets: testpypi pypi
      preview-targets: testpypi
      pypi-manual: false
"""

GITHUB_WORKFLOW = """\
# Release pipeline from noxship: build once, test the built wheel on each
# Python, publish with trusted publishing (no stored token) to TestPyPI, then
# PyPI, as `noxship plan` decides. Register this workflow as a trusted publisher
# on PyPI and TestPyPI (environments "pypi" and "testpypi").
name: release

on:
  push:
    branches: [{default_branch}]
    tags: ["v*"]
  pull_request:
  release:
    types: [published]

permissions:
  contents: read

jobs:
  build:
    runs-on: ubuntu-latest
    outputs:
      version: ${{{{ steps.noxship.outputs.version }}}}
      targets: ${{{{ steps.noxship.outputs.targets }}}}
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0
      - id: noxship
        uses: {action}@v{version}
        with:
          session: build
      - uses: actions/upload-artifact@v4
        with:
          name: dist
          path: dist/

  test:
    needs: build
    runs-on: ubuntu-latest
    strategy:
      fail-fast: false
      matrix:
        python: {pythons}
    steps:
      - uses: actions/checkout@v4
      - uses: actions/download-artifact@v4
        with:
          name: dist
          path: dist/
      - uses: {action}@v{version}
        with:
          session: test_wheel
          python-version: ${{{{ matrix.python }}}}

  publish-testpypi:
    needs: [build, test]
    if: contains(format(',{{0}},', needs.build.outputs.targets), ',testpypi,')
    runs-on: ubuntu-latest
    environment:
      name: testpypi
      url: https://test.pypi.org/project/{name}/${{{{ needs.build.outputs.version }}}}/
    permissions:
      contents: read
      id-token: write
    steps:
      - uses: actions/checkout@v4
      - uses: actions/download-artifact@v4
        with:
          name: dist
          path: dist/
      - uses: {action}@v{version}
        with:
          session: publish
          targets: testpypi

  publish-pypi:
    needs: [build, test, publish-testpypi]
    if: >-
      !failure() && !cancelled()
      && contains(format(',{{0}},', needs.build.outputs.targets), ',pypi,')
    runs-on: ubuntu-latest
    environment:
      name: pypi
      url: https://pypi.org/project/{name}/${{{{ needs.build.outputs.version }}}}/
    permissions:
      contents: write
      id-token: write
    steps:
      - uses: actions/checkout@v4
      - uses: actions/download-artifact@v4
        with:
          name: dist
          path: dist/
      - uses: {action}@v{version}
        with:
          session: publish
          targets: pypi
"""

CI_FILES = {"gitlab": Path(".gitlab-ci.yml"), "github": Path(".github/workflows/release.yml")}
"""Where ``noxship init --ci`` writes each provider's file, relative to the project."""

NOXFILE = """\
# /// script
# dependencies = ["nox", "noxship"]
# ///
\"\"\"Release pipeline from noxship: `nox -l` lists the sessions.\"\"\"

import noxship.sessions  # noqa: F401  (registers the sessions)
"""
"""The noxfile ``noxship init`` writes. The PEP 723 block lets a bare ``nox``
(or ``pipx run nox``) fetch noxship when it is not installed; it passes ruff
with every rule selected."""


def ignore_dotenv(directory: Path) -> bool:
    """Make git ignore ``.env`` in ``directory``: append it to ``.gitignore``
    (created when needed) unless a line already ignores it.

    Build backends that follow ``.gitignore`` (hatchling, pdm-backend, flit) then
    keep the file out of the sdist, and git out of the repository.

    Returns:
        Whether ``.gitignore`` was changed.
    """
    path = directory / ".gitignore"
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    patterns = {line.strip() for line in text.splitlines()}
    if patterns & {".env", "/.env", ".env*", "/.env*", "*.env"}:
        return False
    prefix = "" if not text or text.endswith("\n") else "\n"
    path.write_text(
        f"{text}{prefix}# Credentials for noxship on a laptop: never commit or package them.\n.env\n",
        encoding="utf-8",
    )
    return True


def write_noxfile(directory: Path, *, force: bool = False) -> Path:
    """Write ``noxfile.py`` into ``directory``.

    Args:
        directory: an existing project directory (with ``pyproject.toml``).
        force: overwrite an existing ``noxfile.py``.

    Returns:
        The file written.

    Raises:
        ConfigError: the directory or its ``pyproject.toml`` is missing, or a
            ``noxfile.py`` exists and ``force`` is false.
    """
    if not directory.is_dir():
        raise ConfigError(f"{directory} is not a directory: give the project's directory")
    if not (directory / "pyproject.toml").is_file():
        raise ConfigError(
            f"{directory} has no pyproject.toml: noxship needs a PEP 621 project; "
            "run init in the project's root"
        )
    path = directory / "noxfile.py"
    if path.exists() and not force:
        raise ConfigError(f"{path} exists: keep it, or run `noxship init --force` to replace it")
    path.write_text(NOXFILE, encoding="utf-8")
    return path


def _pythons(directory: Path) -> list[str]:
    spec = Project.load(directory).requires_python
    wanted = [v for v in PYTHONS if spec.contains(v, prereleases=True)]
    if not wanted:
        raise ConfigError(
            f"requires-python {spec} admits none of Python {', '.join(PYTHONS)}, which "
            "noxship runs on: widen requires-python"
        )
    return wanted


def write_ci(
    directory: Path, provider: str, *, force: bool = False, default_branch: str = "main"
) -> Path:
    """Write the CI file of ``provider`` into ``directory``.

    ``gitlab``: ``.gitlab-ci.yml`` including the noxship CI/CD component.
    ``github``: ``.github/workflows/release.yml`` using the noxship action.
    The test matrix is every Python noxship runs on that ``requires-python``
    admits (PEP 440 specifiers).

    Args:
        directory: the project directory (with ``pyproject.toml``).
        provider: ``gitlab`` or ``github``.
        force: overwrite an existing file.
        default_branch: the branch releases are made from (GitHub's ``on.push``).

    Returns:
        The file written.

    Raises:
        ConfigError: unknown provider, missing ``pyproject.toml``, no
            supported Python admitted, or the file exists and ``force`` is false.
    """
    import json

    from noxship import __version__

    if provider not in CI_FILES:
        raise ConfigError(f"unknown CI provider {provider!r}: use gitlab or github")
    if not (directory / "pyproject.toml").is_file():
        raise ConfigError(f"{directory} has no pyproject.toml: run init in the project's root")
    path = directory / CI_FILES[provider]
    if path.exists() and not force:
        raise ConfigError(f"{path} exists: keep it, or run `noxship init --force` to replace it")
    pythons = json.dumps(_pythons(directory))
    if provider == "gitlab":
        text = GITLAB_CI.format(component=COMPONENT, version=__version__, pythons=pythons)
    else:
        name = Project.load(directory).canonical_name
        text = GITHUB_WORKFLOW.format(
            action=ACTION,
            version=__version__,
            pythons=pythons,
            name=name,
            default_branch=default_branch,
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
