"""Where a project declares what its tests need.

Search order: ``[tool.noxship] test-dependencies``; then, for each name of
``test-groups``, a PEP 735 dependency group; then an extra (PEP 621
``optional-dependencies``); then a Poetry group (``[tool.poetry.group.<name>]``,
read with poetry-core). The first hit wins. Names are compared after PEP 503
normalisation, as PEP 735 and PEP 685 prescribe.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping

from noxship.errors import ConfigError
from noxship.project.config import NoxshipConfig
from noxship.project.pyproject import PyProject, table

__all__ = ["TestDependencies", "find_test_dependencies"]


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


def _by_name(names: Mapping[str, object], wanted: str) -> str | None:
    from packaging.utils import canonicalize_name  # not at start-up: `noxship plan` is fast

    normalised = {canonicalize_name(k): k for k in names}
    return normalised.get(canonicalize_name(wanted))


def _dependency_group(pyproject: PyProject, wanted: str) -> TestDependencies | None:
    groups = table(pyproject.data, "dependency-groups")
    key = _by_name(groups, wanted)
    if key is None:
        return None
    from dependency_groups import resolve

    try:
        reqs = resolve(groups, key)  # type: ignore[arg-type]  # validated by resolve
    except (LookupError, ValueError, TypeError) as exc:
        raise ConfigError(
            f"pyproject.toml: dependency group {key!r} is malformed ({exc}): "
            "fix [dependency-groups] (PEP 735)"
        ) from None
    return TestDependencies(tuple(reqs), (), f"dependency group {key!r} (PEP 735)")


def _extra(pyproject: PyProject, wanted: str) -> TestDependencies | None:
    key = _by_name(table(pyproject.project, "optional-dependencies"), wanted)
    return None if key is None else TestDependencies((), (key,), f"extra {key!r} (PEP 621)")


def _poetry_group(pyproject: PyProject, wanted: str) -> TestDependencies | None:
    if wanted not in table(pyproject.poetry, "group"):
        return None
    from poetry.core.factory import Factory
    from poetry.core.pyproject.exceptions import PyProjectError

    try:
        package = Factory().create_poetry(pyproject.root).package
        deps = package.dependency_group(wanted).dependencies
    except (PyProjectError, RuntimeError, ValueError, KeyError) as exc:
        raise ConfigError(
            f"pyproject.toml: Poetry group {wanted!r} cannot be read ({exc}): "
            "fix [tool.poetry.group]"
        ) from None
    requirements = tuple(dep.to_pep_508() for dep in deps)
    return TestDependencies(requirements, (), f"Poetry group {wanted!r}")


_SOURCES: tuple[Callable[[PyProject, str], TestDependencies | None], ...] = (
    _dependency_group,
    _extra,
    _poetry_group,
)


def find_test_dependencies(pyproject: PyProject, config: NoxshipConfig) -> TestDependencies:
    """Find the test requirements (see the module docstring for the order).

    Returns:
        The requirements; empty, with source ``"none found"``, when nothing matched.

    Raises:
        ConfigError: a dependency group or Poetry group is malformed.
    """
    if config.test_dependencies is not None:
        return TestDependencies(config.test_dependencies, (), "[tool.noxship] test-dependencies")
    for source in _SOURCES:
        for wanted in config.test_groups:
            found = source(pyproject, wanted)
            if found is not None:
                return found
    return TestDependencies((), (), "none found")
