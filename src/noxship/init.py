"""``noxship init``: write the small ``noxfile.py`` (and optionally a CI file) into
a project."""

from __future__ import annotations

import dataclasses
import datetime
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from noxship.errors import ConfigError
from noxship.project import Project

if TYPE_CHECKING:
    from packaging.specifiers import SpecifierSet

__all__ = [
    "CI_FILES",
    "NOXFILE",
    "REGISTRATION",
    "SESSION_NAMES",
    "NoxfileChange",
    "check_ci",
    "ci_pythons",
    "ignore_dotenv",
    "init_warnings",
    "session_names",
    "write_ci",
    "write_noxfile",
]

SESSION_NAMES = frozenset(
    {
        "lint",
        "tests",
        "build",
        "test_wheel",
        "clean",
        "publish",
        "tag",
        "check_version",
        "docs",
        "coverage",
        "preflight_testpypi",
        "preflight_pypi",
        "release_local",
        "release_test",
        "release_prod",
    }
)
"""The sessions ``noxship.sessions`` registers (a test holds the two lists equal)."""

CI_TEMPLATES = {
    "gitlab": "gitlab-ci.yml",
    "github": "github-release.yml",
    "github-compiled": "github-release-compiled.yml",
}
"""The file ``noxship init --ci`` writes for each provider (``github-compiled``: the
workflow of a compiled project, :mod:`noxship.build.compiled`), kept as package data
in ``noxship/ci/`` (read with :mod:`importlib.resources`): real YAML in which
``<<name>>`` stands for a value :func:`write_ci` fills in. The GitHub workflow
pins every third-party action to the commit of its newest release (checked
against each repository's tags, 2026-11-25); checkouts keep no credential; each
job holds only the permissions it needs, and only the ``tag`` job may write to
the repository."""

_PLACEHOLDER = re.compile(r"<<([a-z_]+)>>")


def render_template(name: str, values: Mapping[str, str]) -> str:
    """The CI template ``name`` (a file of ``noxship/ci/``) with each ``<<key>>``
    replaced by ``values[key]``.

    Raises:
        KeyError: the template names a key that ``values`` lacks.
    """
    from importlib.resources import files

    text = files("noxship").joinpath("ci", name).read_text(encoding="utf-8")
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], text)


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


REGISTRATION = """
# Release pipeline from noxship (`nox -l` lists its sessions). It comes last: a
# noxship session whose name this file already uses is registered as noxship_<name>.
import noxship.sessions  # noqa: E402, F401
"""
"""What ``noxship init`` appends to a project's own noxfile."""


@dataclasses.dataclass(frozen=True)
class NoxfileChange:
    """What :func:`write_noxfile` did.

    Attributes:
        path: the noxfile.
        action: ``"wrote"`` (a new file), ``"added"`` (the registration appended
            to the project's noxfile) or ``"kept"`` (it was there already).
        renamed: the project's session names that noxship's sessions also use;
            noxship's are then ``noxship_<name>``.
    """

    path: Path
    action: Literal["wrote", "added", "kept"]
    renamed: tuple[str, ...] = ()


def session_names(source: str) -> set[str]:
    """The names of the sessions a noxfile defines: functions decorated with
    ``nox.session`` (or ``session``), or the decorator's ``name=`` (read with :mod:`ast`)."""
    import ast

    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.FunctionDef):
            continue
        for deco in node.decorator_list:
            target = deco.func if isinstance(deco, ast.Call) else deco
            dotted = ast.unparse(target)
            if dotted.split(".")[-1] != "session":
                continue
            given = [k.value for k in getattr(deco, "keywords", []) if k.arg == "name"]
            named = [v.value for v in given if isinstance(v, ast.Constant)]
            names.add(str(named[0]) if named else node.name)
    return names


def write_noxfile(directory: Path, *, force: bool = False) -> NoxfileChange:
    """Write ``noxfile.py`` into ``directory``, or add noxship to the project's own.

    An existing noxfile keeps everything it had: the registration
    (:data:`REGISTRATION`) is appended, once (a second run changes nothing).

    Args:
        directory: an existing project directory (with ``pyproject.toml``,
            ``setup.py`` or ``setup.cfg``).
        force: replace an existing ``noxfile.py`` with noxship's.

    Returns:
        What was done, and the session names that clash.

    Raises:
        ConfigError: the directory is missing or is not a project, or the
            existing noxfile is not valid Python.
    """
    if not directory.is_dir():
        raise ConfigError(f"{directory} is not a directory: give the project's directory")
    if not _is_project(directory):
        raise ConfigError(
            f"{directory} has no pyproject.toml (nor setup.py or setup.cfg): "
            "run init in the project's root"
        )
    path = directory / "noxfile.py"
    if not path.exists() or force:
        path.write_text(NOXFILE, encoding="utf-8")
        return NoxfileChange(path, "wrote")
    text = path.read_text(encoding="utf-8")
    try:
        ours = session_names(text)
    except SyntaxError as exc:
        raise ConfigError(
            f"{path} is not valid Python (line {exc.lineno}): fix it, then run init again"
        ) from None
    renamed = tuple(sorted(ours & SESSION_NAMES))
    if "noxship.sessions" in text:
        return NoxfileChange(path, "kept", renamed)
    sep = "" if text.endswith("\n") else "\n"
    path.write_text(text + sep + REGISTRATION, encoding="utf-8")
    return NoxfileChange(path, "added", renamed)


def _is_project(directory: Path) -> bool:
    """A pyproject.toml, or a setuptools project without one (``build`` uses
    setuptools' legacy backend for it, as pip does)."""
    return any((directory / name).is_file() for name in ("pyproject.toml", "setup.py", "setup.cfg"))


def ci_pythons(requires: SpecifierSet, on: datetime.date) -> list[str]:
    """The CI test matrix: the CPython feature versions supported on ``on`` that
    ``requires`` (``requires-python``; empty admits any) admits, oldest first
    (:func:`noxship.project.cpython.supported_pythons`, from the PEPs of the
    release schedules).

    Raises:
        ConfigError: ``requires`` admits no supported version (only end-of-life
            ones, or none at all).
    """
    from noxship.project.cpython import end_of_life_admitted, supported_pythons

    wanted = supported_pythons(on, requires)
    if wanted:
        return wanted
    supported = supported_pythons(on)
    ended = [f"{r.minor} (ended {r.end_of_life})" for r in end_of_life_admitted(on, requires)]
    only = f", only end-of-life ones: {', '.join(ended)}" if ended else ""
    raise ConfigError(
        f"requires-python {requires} admits none of the CPython versions supported on {on} "
        f"({', '.join(supported)}){only}: widen it, for example to >={supported[0]}, so that "
        "the pipeline has a Python to test on"
    )


def init_warnings(on: datetime.date) -> list[str]:
    """What ``noxship init`` warns of on ``on``: that its CPython table may be out
    of date (:func:`noxship.project.cpython.stale_table`)."""
    from noxship.project.cpython import stale_table

    stale = stale_table(on)
    return [f"{stale}: check the matrix it writes"] if stale else []


def check_ci(directory: Path, provider: str, *, force: bool, on: datetime.date) -> list[str]:
    """What :func:`write_ci` checks before it writes: the provider is known, the
    directory is a project, the file is absent (or ``force``), and the matrix
    (:func:`ci_pythons` on ``on``) is not empty.

    Returns:
        The matrix.

    Raises:
        ConfigError: one of those does not hold.
    """
    if provider not in CI_FILES:
        raise ConfigError(f"unknown CI provider {provider!r}: use gitlab or github")
    if not _is_project(directory):
        raise ConfigError(f"{directory} has no pyproject.toml: run init in the project's root")
    path = directory / CI_FILES[provider]
    if path.exists() and not force:
        raise ConfigError(f"{path} exists: keep it, or run `noxship init --force` to replace it")
    return ci_pythons(Project.load(directory).requires_python, on)


def write_ci(
    directory: Path,
    provider: str,
    *,
    force: bool = False,
    default_branch: str = "main",
    on: datetime.date | None = None,
) -> Path:
    """Write the CI file of ``provider`` into ``directory``.

    ``gitlab``: ``.gitlab-ci.yml`` including the noxship CI/CD component.
    ``github``: ``.github/workflows/release.yml`` using the noxship action.
    The test matrix is :func:`ci_pythons` on ``on``: every CPython supported that
    day that ``requires-python`` admits (PEP 440 specifiers); the other jobs run
    the newest of them.

    Args:
        directory: the project directory (with ``pyproject.toml``).
        provider: ``gitlab`` or ``github``.
        force: overwrite an existing file.
        default_branch: the branch releases are made from (GitHub's ``on.push``).
        on: the day whose supported Pythons make the matrix; default today.

    Returns:
        The file written.

    Raises:
        ConfigError: unknown provider, missing ``pyproject.toml``, no
            supported Python admitted, or the file exists and ``force`` is false.
    """
    import json

    from noxship import __version__

    today = on or datetime.date.today()
    matrix = check_ci(directory, provider, force=force, on=today)
    project = Project.load(directory)
    path = directory / CI_FILES[provider]
    from noxship.build.compiled import compiled_reason

    compiled = compiled_reason(project) is not None
    values = {
        "version": __version__,
        "compiled": json.dumps(compiled),
        "cibw_build": " ".join(f"cp{p.replace('.', '')}-*" for p in matrix),
        "python_lines": "\n            ".join(matrix),
        "pythons": ", ".join(json.dumps(p) for p in matrix),
        "build": matrix[-1],
        "today": today.isoformat(),
        "name": project.canonical_name,
        "default_branch": default_branch,
    }
    template = f"{provider}-compiled" if compiled and provider == "github" else provider
    text = render_template(CI_TEMPLATES[template], values)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
