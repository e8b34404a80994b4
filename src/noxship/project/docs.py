"""Where a project keeps its documentation, and what building it needs.

The docs: Sphinx (``docs/conf.py``, ``doc/conf.py``, or ``sphinx.configuration``
in ``.readthedocs.yaml``; Read the Docs, "Configuration file v2") or MkDocs
(``mkdocs.yml``, or ``mkdocs.configuration`` in ``.readthedocs.yaml``).

The dependencies, in this order: ``[tool.noxship] docs-dependencies``; a
dependency group, extra, Poetry, PDM or hatch group named ``docs`` or ``doc``
(as the test dependencies are found); ``.readthedocs.yaml``'s ``python.install``
(``requirements:`` files, and the extras of ``method: pip`` entries); a
requirements file by its common names (``docs/requirements.txt``,
``requirements/docs.txt``...). The builder itself (``sphinx``, ``mkdocs``) is
added when none of them names it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, NamedTuple

from noxship.errors import ConfigError
from noxship.project.config import NoxshipConfig
from noxship.project.pyproject import PyProject
from noxship.project.testdeps import Requirements, named_group

__all__ = ["DocsSite", "find_docs", "find_docs_dependencies"]

DOCS_GROUPS = ("docs", "doc")
REQUIREMENTS = (
    "docs/requirements.txt",
    "doc/requirements.txt",
    "docs/requirements.in",
    "requirements/docs.txt",
    "requirements/doc.txt",
    "requirements-docs.txt",
    "docs-requirements.txt",
    "requirements_docs.txt",
)
"""Docs requirements files searched, in this order."""


class DocsSite(NamedTuple):
    """A project's documentation.

    Attributes:
        kind: ``sphinx`` or ``mkdocs``.
        config: its configuration file (``docs/conf.py``, ``mkdocs.yml``), relative
            to the project.
    """

    kind: Literal["sphinx", "mkdocs"]
    config: str


def _readthedocs(root: Path) -> dict[str, object]:
    for name in (".readthedocs.yaml", ".readthedocs.yml"):
        path = root / name
        if path.is_file():
            import yaml

            try:
                data = yaml.safe_load(path.read_text(encoding="utf-8"))
            except yaml.YAMLError as exc:
                raise ConfigError(f"{name} is not valid YAML ({exc}): fix it") from None
            return data if isinstance(data, dict) else {}
    return {}


def find_docs(root: Path) -> DocsSite | None:
    """The project's Sphinx or MkDocs site, or ``None`` (see the module docstring).

    Raises:
        ConfigError: ``.readthedocs.yaml`` is not valid YAML.
    """
    rtd = _readthedocs(root)
    for kind in ("sphinx", "mkdocs"):
        section = rtd.get(kind)
        if isinstance(section, dict) and isinstance(section.get("configuration"), str):
            return DocsSite(kind, str(section["configuration"]))
    for rel in ("docs/conf.py", "doc/conf.py", "docs/source/conf.py"):
        if (root / rel).is_file():
            return DocsSite("sphinx", rel)
    if (root / "mkdocs.yml").is_file():
        return DocsSite("mkdocs", "mkdocs.yml")
    return None


def _from_readthedocs(root: Path) -> Requirements | None:
    python = _readthedocs(root).get("python")
    entries = python.get("install") if isinstance(python, dict) else None
    files: list[Path] = []
    extras: list[str] = []
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict) and isinstance(entry.get("requirements"), str):
            files.append(root / entry["requirements"])
        elif isinstance(entry, dict) and isinstance(entry.get("extra_requirements"), list):
            extras += [str(e) for e in entry["extra_requirements"]]
    if not files and not extras:
        return None
    return Requirements((), tuple(extras), ".readthedocs.yaml python.install", tuple(files))


def find_docs_dependencies(pyproject: PyProject, config: NoxshipConfig) -> Requirements:
    """What building the docs needs, besides the wheel (see the module docstring).

    Returns:
        The requirements; empty, with source ``"none found"``, when nothing matched.

    Raises:
        ConfigError: a group is malformed, or ``.readthedocs.yaml`` is not valid YAML.
    """
    if config.docs_dependencies is not None:
        return Requirements(config.docs_dependencies, (), "[tool.noxship] docs-dependencies")
    found = named_group(pyproject, DOCS_GROUPS) or _from_readthedocs(pyproject.root)
    if found is not None:
        return found
    for rel in REQUIREMENTS:
        if (pyproject.root / rel).is_file():
            return Requirements((), (), f"requirements file {rel}", (pyproject.root / rel,))
    return Requirements((), (), "none found")
