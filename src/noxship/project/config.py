"""The ``[tool.noxship]`` table: noxship's settings for one project."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, NamedTuple

from noxship.errors import ConfigError

__all__ = [
    "DEFAULT_LINT_TOOLS",
    "DEFAULT_PREVIEW_TARGETS",
    "DEFAULT_PRE_COMMIT",
    "DEFAULT_RELEASE_TARGETS",
    "DEFAULT_TEST_GROUPS",
    "NoxshipConfig",
]

DEFAULT_TEST_GROUPS: tuple[str, ...] = ("test", "tests", "testing", "dev")
DEFAULT_RELEASE_TARGETS: tuple[str, ...] = ("testpypi", "pypi")
"""Where a release goes, in order, unless ``release-targets`` says otherwise."""
DEFAULT_PREVIEW_TARGETS: tuple[str, ...] = ("testpypi",)
"""Where a merge or pull request's preview goes, unless ``preview-targets`` says otherwise."""
"""Group names searched, in this order, for the test dependencies."""
DEFAULT_LINT_TOOLS: tuple[str, ...] = ("ruff==0.17.6",)
"""What ``lint`` installs without a pre-commit configuration (PyPI, 2026-11)."""
DEFAULT_PRE_COMMIT = "pre-commit==4.7.0"
"""What ``lint`` installs to run a pre-commit configuration (PyPI, 2026-10)."""

_WHERE = "[tool.noxship]"


def _str_list(table: Mapping[str, object], key: str) -> tuple[str, ...] | None:
    value = table.get(key)
    if value is None:
        return None
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{_WHERE}.{key} must be a list of strings: fix pyproject.toml")
    return tuple(value)


def _bool(table: Mapping[str, object], key: str, *, default: bool = True) -> bool:
    value = table.get(key, default)
    if not isinstance(value, bool):
        raise ConfigError(f"{_WHERE}.{key} must be true or false: fix pyproject.toml")
    return value


KEYS = frozenset(
    {
        "test-groups",
        "test-dependencies",
        "pytest-args",
        "test-paths",
        "pythons",
        "release-targets",
        "preview-targets",
        "release-pattern",
        "release-branches",
        "lint-tools",
        "release-lint",
        "check-version",
        "preview-next",
        "coverage",
        "docs-dependencies",
        "docs-linkcheck",
        "strict-metadata",
        "coverage-gate",
        "scan-allow",
        "lint-gate",
        "dropped-wheels",
    }
)
"""The keys of ``[tool.noxship]``."""


class NoxshipConfig(NamedTuple):
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
        release_branches: branches besides the default one whose commits a
            tag may release (``release-branches``).
        lint_tools: the pinned requirements ``lint`` installs (``lint-tools``):
            default :data:`DEFAULT_LINT_TOOLS`, or :data:`DEFAULT_PRE_COMMIT`
            when the project has a pre-commit configuration.
        release_lint: whether ``release_test`` and ``release_prod`` run ``lint``
            first (``release-lint``, default true).
        check_version: whether a merge or pull request fails when the version
            merging would release is already released (``check-version``, default true).
        preview_next: how a preview picks the release after the newest one
            (``preview-next``): ``patch`` (the default) or ``auto``, the bump the
            Conventional Commits since that release ask for (as ``noxship bump auto``).
        coverage: whether ``test_wheel`` measures coverage (``coverage``, default true).
        docs_dependencies: what building the docs needs (``docs-dependencies``);
            when set, nothing is searched.
        docs_linkcheck: whether ``docs`` also checks the links of Sphinx docs
            (``docs-linkcheck``, default false: it needs the network).
        strict_metadata: whether ``build`` fails (and empties ``dist/``) on what
            its checks of the Python metadata find (``strict-metadata``, default
            false: they are warnings).
        coverage_gate: ``"auto"`` (the default): ``fail_under`` fails the run only
            when the project's own test command checks it and every Python of
            the project's matrix was measured; ``"strict"``: always.
        scan_allow: files of the sdist that git tracks and that the archive scan
            may let through as test fixtures (``scan-allow``: private keys of
            a TLS test suite, say).
        lint_gate: ``"auto"`` (the default): lint fails for the linters the
            project declares, and only reports for noxship's default ruff;
            ``"strict"``: the default ruff fails too.
        dropped_wheels: the Python and platform combinations a release may lack
            that the previous release on the target had (``dropped-wheels``),
            as shell-style patterns over ``<python>-<platform>`` (``"3.9-*"``,
            ``"*-windows-x86"``, ``"3.10-macos-x86_64"``).
    """

    test_groups: tuple[str, ...] = DEFAULT_TEST_GROUPS
    test_dependencies: tuple[str, ...] | None = None
    pytest_args: tuple[str, ...] = ()
    test_paths: tuple[str, ...] | None = None
    pythons: tuple[str, ...] | None = None
    release_targets: tuple[str, ...] = DEFAULT_RELEASE_TARGETS
    preview_targets: tuple[str, ...] = DEFAULT_PREVIEW_TARGETS
    release_pattern: str | None = None
    release_branches: tuple[str, ...] = ()
    lint_tools: tuple[str, ...] | None = None
    release_lint: bool = True
    check_version: bool = True
    preview_next: Literal["patch", "auto"] = "patch"
    coverage: bool = True
    docs_dependencies: tuple[str, ...] | None = None
    docs_linkcheck: bool = False
    strict_metadata: bool = False
    coverage_gate: str = "auto"
    scan_allow: tuple[str, ...] = ()
    lint_gate: str = "auto"
    dropped_wheels: tuple[str, ...] = ()

    @classmethod
    def from_table(cls, table: Mapping[str, object]) -> NoxshipConfig:
        """Build the settings from a ``[tool.noxship]`` table.

        Raises:
            ConfigError: a key is unknown or has the wrong type.
        """
        unknown = sorted(set(table) - KEYS)
        if unknown:
            raise ConfigError(
                f"{_WHERE} has unknown key(s) {', '.join(unknown)}: "
                f"use only {', '.join(sorted(KEYS))}"
            )
        pattern = table.get("release-pattern")
        if pattern is not None and not isinstance(pattern, str):
            raise ConfigError(f"{_WHERE}.release-pattern must be a string: fix pyproject.toml")
        release_lint = _bool(table, "release-lint")
        check_version = _bool(table, "check-version")
        preview_next = table.get("preview-next", "patch")
        if preview_next not in ("patch", "auto"):
            raise ConfigError(f"{_WHERE}.preview-next must be patch or auto: fix pyproject.toml")
        for key in ("coverage-gate", "lint-gate"):
            if table.get(key, "auto") not in ("auto", "strict"):
                raise ConfigError(f"{_WHERE}.{key} must be auto or strict: fix pyproject.toml")
        defaults = cls()
        return cls(
            test_groups=_str_list(table, "test-groups") or defaults.test_groups,
            test_dependencies=_str_list(table, "test-dependencies"),
            pytest_args=_str_list(table, "pytest-args") or (),
            test_paths=_str_list(table, "test-paths"),
            pythons=_str_list(table, "pythons"),
            release_targets=_or_default(
                _str_list(table, "release-targets"), defaults.release_targets
            ),
            preview_targets=_or_default(
                _str_list(table, "preview-targets"), defaults.preview_targets
            ),
            release_pattern=pattern,
            release_branches=_str_list(table, "release-branches") or (),
            lint_tools=_str_list(table, "lint-tools"),
            release_lint=release_lint,
            check_version=check_version,
            preview_next="auto" if preview_next == "auto" else "patch",
            coverage=_bool(table, "coverage"),
            docs_dependencies=_str_list(table, "docs-dependencies"),
            docs_linkcheck=_bool(table, "docs-linkcheck", default=False),
            strict_metadata=_bool(table, "strict-metadata", default=False),
            coverage_gate=str(table.get("coverage-gate", "auto")),
            scan_allow=_str_list(table, "scan-allow") or (),
            lint_gate=str(table.get("lint-gate", "auto")),
            dropped_wheels=_str_list(table, "dropped-wheels") or (),
        )


def _or_default(value: tuple[str, ...] | None, default: tuple[str, ...]) -> tuple[str, ...]:
    """``value`` when the key is present, an empty list included (``[]`` means none)."""
    return default if value is None else value
