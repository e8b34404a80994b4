"""What a project declares: ``pyproject.toml``, its version, the Pythons it
supports, its test dependencies and the ``[tool.noxship]`` settings.

Owns: reading ``pyproject.toml`` (:mod:`.pyproject`), the settings
(:mod:`.config`), the version source (:mod:`.version`), ``requires-python``
(:mod:`.python_requirement`) and the test-dependency sources (:mod:`.testdeps`).
May import: :mod:`noxship.errors`, :mod:`noxship.environment` and libraries;
nothing from the later stages (plan, build, wheeltest, publish, release).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from noxship.project.config import DEFAULT_TEST_GROUPS, NoxshipConfig
from noxship.project.pyproject import PyProject, load_toml
from noxship.project.python_requirement import requires_python_text, specifier_set
from noxship.project.testdeps import Requirements, find_test_dependencies
from noxship.project.version import static_version
from noxship.project.version_source import VersionSource, VersionSourceKind, detect_version_source

if TYPE_CHECKING:
    from collections.abc import Collection

    from packaging.specifiers import SpecifierSet
    from packaging.utils import NormalizedName
    from packaging.version import Version

__all__ = [
    "DEFAULT_TEST_GROUPS",
    "NoxshipConfig",
    "Project",
    "PyProject",
    "Requirements",
    "VersionSource",
    "VersionSourceKind",
    "load_toml",
]


class Project(NamedTuple):
    """A Python project, as its ``pyproject.toml`` describes it.

    Attributes:
        root: the directory holding ``pyproject.toml``.
        name: the distribution name as written.
        version: the PEP 440 version as read without building: static, or from
            the file a dynamic version is read from (``__version__``); ``None``
            when only the build backend knows it (VCS plugins, ``setup.py``:
            see :meth:`resolved_version`).
        version_source: where the version comes from.
        requires_python_text: the PEP 440 ``requires-python`` text ("" for any;
            a Poetry constraint such as ``^3.10`` becomes ``>=3.10,<4.0``).
        config: the ``[tool.noxship]`` settings.
        pyproject: the parsed file.
    """

    root: Path
    name: str
    version: Version | None
    version_source: VersionSource
    requires_python_text: str
    config: NoxshipConfig
    pyproject: PyProject

    def __repr__(self) -> str:
        # The parsed file is left out: it is long, and the other fields came from it.
        return f"Project(root={self.root!r}, name={self.name!r}, version={self.version!r})"

    @classmethod
    def load(cls, root: Path | str = ".", *, check_requires_python: bool = True) -> Project:
        """Read ``<root>/pyproject.toml``.

        Args:
            root: the project directory.
            check_requires_python: validate ``requires-python`` now (``noxship
                plan`` skips this to start fast; :attr:`requires_python` checks
                it on first use).

        Raises:
            ConfigError: the file is missing or malformed, it names no project,
                or its version or ``requires-python`` is not valid (PEP 440).
        """
        pyproject = PyProject.read(Path(root).resolve())
        requires_python = requires_python_text(pyproject)
        if check_requires_python and requires_python:
            specifier_set(requires_python, str(pyproject.path))
        source = detect_version_source(pyproject)
        return cls(
            root=pyproject.root,
            name=pyproject.name,
            version=static_version(pyproject) or source.read(),
            version_source=source,
            requires_python_text=requires_python,
            config=NoxshipConfig.from_table(pyproject.tool("noxship")),
            pyproject=pyproject,
        )

    @property
    def requires_python(self) -> SpecifierSet:
        """The ``requires-python`` specifier set (empty: any Python).

        Raises:
            ConfigError: it is not a valid PEP 440 specifier set.
        """
        return specifier_set(self.requires_python_text, str(self.pyproject.path))

    @property
    def canonical_name(self) -> NormalizedName:
        """The PEP 503 normalised distribution name."""
        from packaging.utils import canonicalize_name

        return canonicalize_name(self.name)

    def resolved_version(self) -> Version:
        """The version, asking the build backend when it cannot be read
        (:func:`~noxship.project.metadata.built_metadata`; seconds).

        Raises:
            ToolError: the backend could not prepare its metadata.
        """
        if self.version is not None:
            return self.version
        from noxship.project.metadata import built_metadata

        return built_metadata(self.root).version

    def supported(self, version: str) -> bool:
        """Tell whether Python ``version`` (``"3.12.1"``) satisfies ``requires-python``."""
        return self.requires_python.contains(version, prereleases=True)

    def test_dependencies(self, wheel_extras: Collection[str] = ()) -> Requirements:
        """Find the test requirements (:func:`~noxship.project.testdeps.find_test_dependencies`;
        ``wheel_extras``: the built wheel's ``Provides-Extra`` names, when known)."""
        return find_test_dependencies(self.pyproject, self.config, wheel_extras)
