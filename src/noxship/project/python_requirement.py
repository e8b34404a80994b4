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
    """A Poetry constraint as PEP 440 text: as written when it already is PEP 440
    (``>=3.9,!=3.10.*``), else translated by poetry-core (``^``, ``~``, ``*``,
    spaces between clauses). A union (``||``) has no PEP 440 spelling."""
    from packaging.specifiers import InvalidSpecifier, SpecifierSet
    from poetry.core.constraints.version import parse_constraint

    where = f"{pyproject.path}: [tool.poetry.dependencies] python = {constraint!r}"
    try:
        SpecifierSet(constraint)
        return constraint.strip()
    except InvalidSpecifier:
        pass
    try:
        text = str(parse_constraint(constraint))
    except ValueError as exc:  # poetry-core's ParseConstraintError is a ValueError
        raise ConfigError(
            f'{where} is not a valid Poetry constraint ({exc}): use for example "^3.10"'
        ) from None
    try:
        SpecifierSet(text)
    except InvalidSpecifier:
        raise ConfigError(
            f"{where} is a union of ranges ('||'), which a PEP 440 requires-python cannot "
            'say: write one range there, for example ">=3.9,!=3.10.*", or set '
            "[project] requires-python"
        ) from None
    return text


def requires_python_text(pyproject: PyProject) -> str:
    """Return the PEP 440 ``requires-python`` text ("" admits any Python).

    Raises:
        ConfigError: a Poetry constraint that poetry-core cannot parse, or a
            union (``||``) that no PEP 440 specifier set can say.
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
