"""Read ``pyproject.toml`` into plain Python values, and the tables in it.

Sources: PEP 518 (the file), PEP 621 (``[project]``), Poetry's ``[tool.poetry]``
table for projects that keep their metadata there. TOML is read with the
standard library's ``tomllib``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from noxship.errors import ConfigError

if TYPE_CHECKING:
    import configparser

__all__ = ["PyProject", "TomlTable", "load_toml", "read_ini"]

TomlTable = Mapping[str, object]
"""A TOML table as plain Python values."""


def _parse(text: str) -> dict[str, object]:
    """Parse TOML text; raise ``ValueError`` (tomllib's error derives from it)."""
    import tomllib

    return tomllib.loads(text)


def load_toml(path: Path) -> dict[str, object]:
    """Read a TOML file.

    Args:
        path: the file.

    Returns:
        The parsed document as plain Python values.

    Raises:
        ConfigError: the file is missing, unreadable, not UTF-8 or not valid TOML.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            f"{path} not found: run noxship from the project's root directory, "
            "where pyproject.toml is"
        ) from None
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    try:
        # tomllib.TOMLDecodeError, tomlkit's ParseError and UnicodeDecodeError
        # are all ValueErrors.
        return _parse(data.decode())
    except ValueError as exc:
        raise ConfigError(f"{path} is not valid TOML ({exc}): fix the file") from None


def table(data: TomlTable, *keys: str) -> TomlTable:
    """Return the table at ``keys`` (``"tool", "poetry"``), or an empty one.

    Raises:
        ConfigError: a value on the way is not a table.
    """
    current: TomlTable = data
    for i, key in enumerate(keys):
        value = current.get(key, {})
        if not isinstance(value, Mapping):
            raise ConfigError(f"pyproject.toml: [{'.'.join(keys[: i + 1])}] must be a table")
        current = value
    return current


def read_ini(path: Path) -> configparser.ConfigParser | None:
    """Read an INI file (setup.cfg, tox.ini, pytest.ini) without interpolation,
    as setuptools, tox and pytest read them; ``None`` when it is missing or unreadable."""
    import configparser

    if not path.is_file():
        return None
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError):
        return None
    return parser


class PyProject(NamedTuple):
    """A parsed ``pyproject.toml``.

    Attributes:
        path: the file.
        data: the whole document.
    """

    path: Path
    data: TomlTable

    def __repr__(self) -> str:
        return f"PyProject(path={self.path!r})"

    @classmethod
    def read(cls, root: Path) -> PyProject:
        """Read ``<root>/pyproject.toml`` (see :func:`load_toml` for the errors).

        A project with only ``setup.py`` or ``setup.cfg`` gets an empty document:
        ``build`` builds it with setuptools' legacy backend (PEP 517's fallback),
        as pip does.
        """
        path = root / "pyproject.toml"
        if not path.exists() and ((root / "setup.py").is_file() or (root / "setup.cfg").is_file()):
            return cls(path, {})
        return cls(path, load_toml(path))

    @property
    def legacy(self) -> bool:
        """Whether the metadata lives in ``setup.py``/``setup.cfg``: no ``[project]``
        nor ``[tool.poetry]`` table (a ``pyproject.toml`` may still name the
        build backend, PEP 518), and one of those files exists."""
        if "project" in self.data or self.poetry:
            return False
        return (self.root / "setup.py").is_file() or (self.root / "setup.cfg").is_file()

    @property
    def root(self) -> Path:
        """The project directory."""
        return self.path.parent

    @property
    def project(self) -> TomlTable:
        """The ``[project]`` table (PEP 621), empty when absent."""
        return table(self.data, "project")

    @property
    def poetry(self) -> TomlTable:
        """The ``[tool.poetry]`` table, empty when absent."""
        return table(self.data, "tool", "poetry")

    def tool(self, name: str) -> TomlTable:
        """The ``[tool.<name>]`` table, empty when absent."""
        return table(self.data, "tool", name)

    @property
    def dynamic(self) -> tuple[str, ...]:
        """The ``[project] dynamic`` field names (PEP 621)."""
        value = self.project.get("dynamic", [])
        return tuple(str(v) for v in value) if isinstance(value, list) else ()

    def setup_cfg(self, key: str) -> str | None:
        """``[metadata] <key>`` of ``setup.cfg`` (setuptools' declarative config),
        or ``None`` when the file or the key is missing or unreadable."""
        parser = read_ini(self.root / "setup.cfg")
        return (parser.get("metadata", key, fallback="").strip() or None) if parser else None

    def _setup_cfg_name(self) -> str | None:
        if not self.legacy and "name" not in self.dynamic:
            return None
        return self.setup_cfg("name")

    @property
    def name(self) -> str:
        """The distribution name as written (``[project]``, else ``[tool.poetry]``).

        Raises:
            ConfigError: neither table names the project.
        """
        name = self.project.get("name") or self.poetry.get("name") or self._setup_cfg_name()
        if not name and self.legacy:
            from noxship.project.metadata import built_metadata

            name = built_metadata(self.root).name
        if not isinstance(name, str) or not name:
            raise ConfigError(f'{self.path} names no project: add [project] name = "..." (PEP 621)')
        return name
