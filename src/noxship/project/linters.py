"""The linters a project declares, at the versions it pins.

``lint`` runs the project's own linters: its pre-commit configuration (with the
revisions it pins) when there is one, else the linters its development
dependencies name (ruff, flake8, black, isort, with their version
specifiers), each with the project's own settings. This module finds the
second kind: every requirement of every dependency group (PEP 735), extra
(PEP 621), Poetry group (and the legacy ``dev-dependencies``), PDM
dev-dependency group, hatch environment, and the requirements files the test
dependencies are searched in (:data:`~noxship.project.testdeps.REQUIREMENTS_FILES`,
plus ``requirements-lint.txt`` and ``requirements/lint.txt``), and tox's
``[testenv:lint]``/``[testenv:flake8]``-style environments.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from noxship.project.pyproject import PyProject, read_ini, table

__all__ = ["LINTERS", "Linter", "declared_linters"]

LINTERS: dict[str, tuple[tuple[str, ...], ...]] = {
    "ruff": (("ruff", "check", "."),),
    "flake8": (("flake8",),),
    "black": (("black", "--check", "."),),
    "isort": (("isort", "--check-only", "."),),
}
"""The linters noxship knows, and the commands that check without changing a file
(each tool's documentation: ``ruff check``, ``black --check``, ``isort --check-only``)."""


class Linter(NamedTuple):
    """A linter the project declares.

    Attributes:
        requirement: its requirement as declared (``"ruff==0.6.9"``, ``"flake8>=7"``).
        commands: the commands that run it.
        source: where it was declared, for the log.
    """

    requirement: str
    commands: tuple[tuple[str, ...], ...]
    source: str


def _strings(value: object) -> list[str]:
    return [str(v) for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _pyproject_requirements(pyproject: PyProject) -> Iterator[tuple[str, str]]:
    for name, group in table(pyproject.data, "dependency-groups").items():
        for req in _strings(group):
            yield req, f"dependency group {name!r}"
    for name, extra in table(pyproject.project, "optional-dependencies").items():
        for req in _strings(extra):
            yield req, f"extra {name!r}"
    for name, group in table(pyproject.data, "tool", "pdm", "dev-dependencies").items():
        for req in _strings(group):
            yield req, f"PDM group {name!r}"
    for name, env in table(pyproject.data, "tool", "hatch", "envs").items():
        if isinstance(env, dict):
            for req in _strings(env.get("dependencies")) + _strings(env.get("extra-dependencies")):
                yield req, f"hatch environment {name!r}"
    poetry = pyproject.poetry
    groups = {
        f"Poetry group {k!r}": table(v, "dependencies")
        for k, v in table(poetry, "group").items()
        if isinstance(v, dict)
    }
    groups["Poetry's dev-dependencies"] = table(poetry, "dev-dependencies")
    for where, deps in groups.items():
        for dist, spec in deps.items():
            version = (
                spec
                if isinstance(spec, str)
                else (spec.get("version") if isinstance(spec, dict) else None)
            )
            yield _poetry_requirement(dist, version), where


def _poetry_requirement(dist: str, version: object) -> str:
    """A Poetry constraint as a PEP 508 requirement (``^1.2`` -> ``>=1.2,<2``)."""
    if not isinstance(version, str) or version.strip() in ("", "*"):
        return dist
    from poetry.core.constraints.version import parse_constraint

    try:
        return f"{dist}{parse_constraint(version)}".replace(" ", "")
    except (ValueError, RuntimeError):
        return dist


def _file_requirements(root: Path) -> Iterator[tuple[str, str]]:
    from noxship.project.testdeps import REQUIREMENTS_FILES

    for name in (*REQUIREMENTS_FILES, "requirements-lint.txt", "requirements/lint.txt"):
        path = root / name
        if path.is_file():
            for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
                line = line.split(" #", 1)[0].strip()
                if line and not line.startswith(("-", "#")):
                    yield line, f"requirements file {name}"
    tox = read_ini(root / "tox.ini")
    if tox is not None:
        for section in tox.sections():
            if section.startswith("testenv"):
                for line in tox.get(section, "deps", fallback="").splitlines():
                    line = line.split(" #", 1)[0].strip()
                    if line and not line.startswith(("-", "#")) and ":" not in line.split()[0]:
                        yield line, f"tox.ini [{section}] deps"


def declared_linters(pyproject: PyProject) -> list[Linter]:
    """The linters of :data:`LINTERS` that the project's development dependencies
    name, with the requirement as declared (the first declaration wins)."""
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.utils import canonicalize_name

    found: dict[str, Linter] = {}
    for text, source in [*_pyproject_requirements(pyproject), *_file_requirements(pyproject.root)]:
        try:
            req = Requirement(text)
        except InvalidRequirement:
            continue
        name = canonicalize_name(req.name)
        if name in LINTERS and name not in found:
            found[name] = Linter(str(req), LINTERS[name], source)
    ruff = found.get("ruff")
    if ruff is not None and "black" not in found and _formats_with_ruff(pyproject):
        found["ruff"] = ruff._replace(commands=(*ruff.commands, ("ruff", "format", "--check", ".")))
    return list(found.values())


def _formats_with_ruff(pyproject: PyProject) -> bool:
    """Whether the project formats with ruff: ``[tool.ruff.format]`` (or ``[format]``
    in ``ruff.toml``), or ``ruff format`` in a command it declares."""
    if "format" in table(pyproject.data, "tool", "ruff"):
        return True
    for name in ("ruff.toml", ".ruff.toml", "tox.ini", "noxfile.py", "Makefile"):
        path = pyproject.root / name
        if path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            if (
                "ruff format" in text
                or ('"format"' in text and "ruff" in text)
                or (name.endswith("ruff.toml") and "[format]" in text)
            ):
                return True
    return False
