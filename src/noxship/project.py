"""What a project's ``pyproject.toml`` says: name, version, supported Pythons,
test dependencies, and the ``[tool.noxship]`` settings.

Sources of the rules: PEP 621 (``[project]``), PEP 735 (``[dependency-groups]``),
PEP 440 (versions), Poetry's ``[tool.poetry]`` table for projects that keep their
metadata there.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from packaging.version import InvalidVersion, Version

from noxship.errors import ConfigError

if TYPE_CHECKING:
    from packaging.specifiers import SpecifierSet
    from packaging.utils import NormalizedName

__all__ = ["DEFAULT_TEST_GROUPS", "NoxshipConfig", "Project", "TestDependencies", "load_toml"]

DEFAULT_TEST_GROUPS: tuple[str, ...] = ("test", "tests", "testing", "dev")
"""Group names searched, in this order, for the test dependencies."""


def load_toml(path: Path) -> dict[str, Any]:
    """Read a TOML file.

    Args:
        path: the file.

    Returns:
        The parsed document as plain Python values.

    Raises:
        ConfigError: the file is missing or is not valid TOML.
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
        if sys.version_info >= (3, 11):
            import tomllib

            return tomllib.loads(data.decode())
        import tomlkit  # pragma: no cover - Python 3.10 only

        return tomlkit.parse(data.decode()).unwrap()  # pragma: no cover
    except Exception as exc:  # tomllib and tomlkit raise different types
        raise ConfigError(f"{path} is not valid TOML ({exc}): fix the file") from None


def _str_list(table: Mapping[str, Any], key: str, where: str) -> tuple[str, ...] | None:
    value = table.get(key)
    if value is None:
        return None
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}.{key} must be a list of strings: fix pyproject.toml")
    return tuple(value)


@dataclasses.dataclass(frozen=True)
class NoxshipConfig:
    """The ``[tool.noxship]`` table.

    Attributes:
        test_groups: group names searched for the test dependencies
            (``test-groups``), default :data:`DEFAULT_TEST_GROUPS`.
        test_dependencies: explicit test requirements (``test-dependencies``);
            when set, no group is searched.
        pytest_args: arguments given to pytest in ``test_wheel`` (``pytest-args``).
        test_paths: directories and files copied out of the source tree for
            ``test_wheel`` (``test-paths``), default pytest's ``testpaths`` or ``tests``.
        pythons: Python versions for ``test_wheel`` (``pythons``), default every
            version on the machine that ``requires-python`` admits.
        release_targets: targets of a release (``release-targets``).
        preview_targets: targets of a preview build (``preview-targets``).
        release_pattern: regular expression for a release commit title
            (``release-pattern``); its group ``version`` is the version.
    """

    test_groups: tuple[str, ...] = DEFAULT_TEST_GROUPS
    test_dependencies: tuple[str, ...] | None = None
    pytest_args: tuple[str, ...] = ()
    test_paths: tuple[str, ...] | None = None
    pythons: tuple[str, ...] | None = None
    release_targets: tuple[str, ...] = ("testpypi", "pypi")
    preview_targets: tuple[str, ...] = ("testpypi",)
    release_pattern: str | None = None

    @classmethod
    def from_table(cls, table: Mapping[str, Any]) -> NoxshipConfig:
        """Build the settings from a ``[tool.noxship]`` table.

        Raises:
            ConfigError: a key is unknown or has the wrong type.
        """
        where = "[tool.noxship]"
        known = {
            "test-groups",
            "test-dependencies",
            "pytest-args",
            "test-paths",
            "pythons",
            "release-targets",
            "preview-targets",
            "release-pattern",
        }
        unknown = sorted(set(table) - known)
        if unknown:
            raise ConfigError(
                f"{where} has unknown key(s) {', '.join(unknown)}: "
                f"use only {', '.join(sorted(known))}"
            )
        pattern = table.get("release-pattern")
        if pattern is not None and not isinstance(pattern, str):
            raise ConfigError(f"{where}.release-pattern must be a string: fix pyproject.toml")
        defaults = cls()
        return cls(
            test_groups=_str_list(table, "test-groups", where) or defaults.test_groups,
            test_dependencies=_str_list(table, "test-dependencies", where),
            pytest_args=_str_list(table, "pytest-args", where) or (),
            test_paths=_str_list(table, "test-paths", where),
            pythons=_str_list(table, "pythons", where),
            release_targets=_str_list(table, "release-targets", where) or defaults.release_targets,
            preview_targets=_str_list(table, "preview-targets", where) or defaults.preview_targets,
            release_pattern=pattern,
        )


@dataclasses.dataclass(frozen=True)
class TestDependencies:
    """The requirements a test run installs beside the wheel.

    Attributes:
        requirements: PEP 508 requirement strings.
        extras: extras of the wheel to install with it (``pkg.whl[test]``).
        source: where they were found, for the log (``"dependency group 'test'"``).
    """

    __test__ = False  # not a pytest test class

    requirements: tuple[str, ...]
    extras: tuple[str, ...]
    source: str


@dataclasses.dataclass(frozen=True)
class Project:
    """A Python project, as its ``pyproject.toml`` describes it.

    Attributes:
        root: the directory holding ``pyproject.toml``.
        name: the distribution name as written.
        version: the static PEP 440 version, or ``None`` when it is dynamic (then
            the built distributions' metadata tells it).
        requires_python_text: the ``requires-python`` text as written ("" for
            any; a Poetry constraint such as ``^3.10`` counts as any).
        config: the ``[tool.noxship]`` settings.
        data: the whole parsed ``pyproject.toml``.
    """

    root: Path
    name: str
    version: Version | None
    requires_python_text: str
    config: NoxshipConfig
    data: Mapping[str, Any] = dataclasses.field(repr=False, compare=False)

    @property
    def requires_python(self) -> SpecifierSet:
        """The ``requires-python`` specifier (PEP 440; empty: any Python).

        packaging.specifiers is imported here, not at start-up, so that
        ``noxship plan`` stays fast; :meth:`load` has already validated it.
        """
        from packaging.specifiers import InvalidSpecifier, SpecifierSet

        try:
            return SpecifierSet(self.requires_python_text)
        except InvalidSpecifier:
            return SpecifierSet()

    @property
    def canonical_name(self) -> NormalizedName:
        """The PEP 503 normalised distribution name."""
        from packaging.utils import canonicalize_name

        return canonicalize_name(self.name)

    @classmethod
    def load(cls, root: Path | str = ".", *, check_requires_python: bool = True) -> Project:
        """Read ``<root>/pyproject.toml``.

        Args:
            root: the project directory.
            check_requires_python: validate ``requires-python`` now (``noxship
                plan`` skips this to start fast; the build checks it).

        Returns:
            The project.

        Raises:
            ConfigError: the file is missing or malformed, it names no project,
                or its version or ``requires-python`` is not valid (PEP 440).
        """
        root = Path(root).resolve()
        path = root / "pyproject.toml"
        data = load_toml(path)
        project = data.get("project")
        poetry = data.get("tool", {}).get("poetry", {})
        if not isinstance(project, dict):
            project = {}
        name = project.get("name") or poetry.get("name")
        if not isinstance(name, str) or not name:
            raise ConfigError(f'{path} names no project: add [project] name = "..." (PEP 621)')
        raw_version = project.get("version")
        if raw_version is None and "version" not in project.get("dynamic", []):
            raw_version = poetry.get("version")
        version: Version | None = None
        if raw_version is not None:
            try:
                version = Version(str(raw_version))
            except InvalidVersion:
                raise ConfigError(
                    f"{path}: version {raw_version!r} is not a valid PEP 440 version: "
                    "use a version such as 1.2.3"
                ) from None
        elif "version" not in project.get("dynamic", []) and project:
            raise ConfigError(
                f'{path} has no version: set [project] version = "1.0.0" '
                'or list "version" in [project] dynamic'
            )
        raw_rp = project.get("requires-python")
        # A Poetry constraint (tool.poetry.dependencies.python) is used when it
        # is a PEP 440 specifier; one such as ^3.10 counts as any Python.
        fallback = poetry.get("dependencies", {}).get("python")
        requires_python = str(raw_rp or fallback or "")
        if check_requires_python and raw_rp:
            from packaging.specifiers import InvalidSpecifier, SpecifierSet

            try:
                SpecifierSet(requires_python)
            except InvalidSpecifier:
                raise ConfigError(
                    f"{path}: requires-python {raw_rp!r} is not a valid specifier: "
                    'use for example ">=3.10"'
                ) from None
        tool = data.get("tool", {}).get("noxship", {})
        if not isinstance(tool, dict):
            raise ConfigError(f"{path}: [tool.noxship] must be a table")
        return cls(
            root=root,
            name=name,
            version=version,
            requires_python_text=requires_python,
            config=NoxshipConfig.from_table(tool),
            data=data,
        )

    def test_dependencies(self) -> TestDependencies:
        """Find the test requirements.

        The search order: ``[tool.noxship] test-dependencies``; then for each name
        of ``test-groups`` (default ``test``, ``tests``, ``testing``, ``dev``) a
        PEP 735 dependency group; then an extra (PEP 621
        ``optional-dependencies``); then a Poetry group. The first hit wins.

        Returns:
            The requirements; empty, with source ``"none found"``, when nothing matched.

        Raises:
            ConfigError: a dependency group is malformed (PEP 735).
        """
        from packaging.utils import canonicalize_name

        config = self.config
        if config.test_dependencies is not None:
            return TestDependencies(
                config.test_dependencies, (), "[tool.noxship] test-dependencies"
            )
        groups = self.data.get("dependency-groups", {})
        groups_by_name = {canonicalize_name(k): k for k in groups}
        for wanted in config.test_groups:
            key = groups_by_name.get(canonicalize_name(wanted))
            if key is not None:
                from dependency_groups import resolve

                try:
                    reqs = resolve(groups, key)
                except (LookupError, ValueError, TypeError) as exc:
                    raise ConfigError(
                        f"pyproject.toml: dependency group {key!r} is malformed ({exc}): "
                        "fix [dependency-groups] (PEP 735)"
                    ) from None
                return TestDependencies(tuple(reqs), (), f"dependency group {key!r} (PEP 735)")
        extras = self.data.get("project", {}).get("optional-dependencies", {})
        extras_by_name = {canonicalize_name(k): k for k in extras}
        for wanted in config.test_groups:
            key = extras_by_name.get(canonicalize_name(wanted))
            if key is not None:
                return TestDependencies((), (key,), f"extra {key!r} (PEP 621)")
        poetry_groups = self.data.get("tool", {}).get("poetry", {}).get("group", {})
        for wanted in config.test_groups:
            if wanted in poetry_groups:
                return TestDependencies(self._poetry_group(wanted), (), f"Poetry group {wanted!r}")
        return TestDependencies((), (), "none found")

    def _poetry_group(self, group: str) -> tuple[str, ...]:
        from poetry.core.factory import Factory

        try:
            package = Factory().create_poetry(self.root).package
            deps = package.dependency_group(group).dependencies
        except Exception as exc:  # poetry-core raises many types for bad input
            raise ConfigError(
                f"pyproject.toml: Poetry group {group!r} cannot be read ({exc}): "
                "fix [tool.poetry.group]"
            ) from None
        return tuple(dep.to_pep_508() for dep in deps)

    def supported(self, version: str) -> bool:
        """Tell whether Python ``version`` (``"3.12.1"``) satisfies ``requires-python``."""
        return self.requires_python.contains(version, prereleases=True)
