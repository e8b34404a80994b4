"""The Pythons a project supports: PEP 621 ``requires-python`` (a PEP 440
specifier set), else Poetry's ``[tool.poetry.dependencies] python``
constraint, turned into a PEP 440 specifier set by poetry-core's
``parse_constraint`` (``^3.10`` is ``>=3.10,<4.0``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from noxship.errors import ConfigError
from noxship.project.pyproject import PyProject, table

if TYPE_CHECKING:
    from packaging.specifiers import SpecifierSet

__all__ = ["requires_python_text", "specifier_set"]


def _from_poetry(constraint: str, pyproject: PyProject) -> str:
    from poetry.core.constraints.version import parse_constraint

    try:
        return str(parse_constraint(constraint))
    except ValueError as exc:  # poetry-core's ParseConstraintError is a ValueError
        raise ConfigError(
            f"{pyproject.path}: [tool.poetry.dependencies] python = {constraint!r} is not a "
            f'valid Poetry constraint ({exc}): use for example "^3.10"'
        ) from None


def requires_python_text(pyproject: PyProject) -> str:
    """Return the PEP 440 ``requires-python`` text ("" admits any Python).

    Raises:
        ConfigError: a Poetry constraint that poetry-core cannot parse.
    """
    raw = pyproject.project.get("requires-python")
    if raw:
        return str(raw)
    poetry = table(pyproject.poetry, "dependencies").get("python")
    if isinstance(poetry, str) and poetry.strip() not in ("", "*"):
        return _from_poetry(poetry, pyproject)
    return ""


def specifier_set(text: str, where: str = "pyproject.toml") -> SpecifierSet:
    """Return ``text`` as a :class:`packaging.specifiers.SpecifierSet`.

    packaging.specifiers is imported here, not at start-up, so that
    ``noxship plan`` stays fast.

    Raises:
        ConfigError: ``text`` is not a valid PEP 440 specifier set.
    """
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        return SpecifierSet(text)
    except InvalidSpecifier:
        raise ConfigError(
            f'{where}: requires-python {text!r} is not a valid specifier: use for example ">=3.11"'
        ) from None
