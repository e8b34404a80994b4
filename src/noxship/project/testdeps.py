"""Where a project declares what its tests need.

Search order: ``[tool.noxship] test-dependencies``; then, for each name of
``test-groups`` in turn, each source that can hold a named group:

1. a PEP 735 dependency group;
2. an extra (PEP 621 ``optional-dependencies``);
3. a Poetry group (``[tool.poetry.group.<name>]``, read with poetry-core);
4. a PDM dev-dependency group (``[tool.pdm.dev-dependencies]``, PDM's docs);
5. a hatch environment (``[tool.hatch.envs.<name>]`` ``dependencies`` and
   ``features``, hatch's environment docs);
6. when pyproject.toml declares no ``optional-dependencies`` (a ``setup.py``
   or ``setup.cfg`` project, or dynamic extras), an extra of the built wheel
   (its ``Provides-Extra``, core metadata spec);

then the sources without names: Poetry's legacy ``[tool.poetry.dev-dependencies]``,
hatch's ``hatch-test`` environment (with hatch's default pytest plugins),
hatch's ``default`` environment, an extra
named ``all`` (as in 2), a requirements file by its common names (``requirements-dev.txt``,
``requirements/tests.txt``, ``test-requirements.txt``...; installed with
``-r``, so every pip option in it holds), tox's ``[testenv]`` ``deps`` and
``extras`` (tox.ini), the ``session.install(...)`` calls of the ``noxfile.py``
session that runs pytest (read with :mod:`ast`, never run), and last an extra named ``all`` as in 6 (in a
``setup.cfg`` it often means "every optional feature", not the tests). The
first hit wins. Names are compared after PEP 503 normalisation, as PEP 735
and PEP 685 prescribe.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from noxship.errors import ConfigError
from noxship.project.config import NoxshipConfig
from noxship.project.pyproject import PyProject, read_ini, table

logger = logging.getLogger("noxship")

__all__ = ["Requirements", "find_test_dependencies", "named_group"]


class Requirements(NamedTuple):
    """The requirements a test run installs beside the wheel.

    Attributes:
        requirements: PEP 508 requirement strings.
        extras: extras of the wheel to install with it (``pkg.whl[test]``).
        source: where they were found, for the log (``"dependency group 'test'"``).
        files: requirements files to install with ``-r``.
        constraints: constraints files to install with ``-c`` (pip's
            "Constraints Files"; uv reads them the same way).
    """

    requirements: tuple[str, ...]
    extras: tuple[str, ...]
    source: str
    files: tuple[Path, ...] = ()
    constraints: tuple[Path, ...] = ()

    def install_args(self) -> list[str]:
        """The arguments for ``pip install``/``uv pip install`` beside the wheel."""
        return [*self.requirements, *self.file_args()]

    def file_args(self) -> list[str]:
        """The ``-r`` and ``-c`` arguments of :attr:`files` and :attr:`constraints`."""
        return [
            *(a for f in self.files for a in ("-r", str(f))),
            *(a for f in self.constraints for a in ("-c", str(f))),
        ]


def _by_name(names: Mapping[str, object], wanted: str) -> str | None:
    from packaging.utils import canonicalize_name  # not at start-up: `noxship plan` is fast

    normalised = {canonicalize_name(k): k for k in names}
    return normalised.get(canonicalize_name(wanted))


def _dependency_group(pyproject: PyProject, wanted: str) -> Requirements | None:
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
    return Requirements(tuple(reqs), (), f"dependency group {key!r} (PEP 735)")


def _extra(pyproject: PyProject, wanted: str) -> Requirements | None:
    key = _by_name(table(pyproject.project, "optional-dependencies"), wanted)
    return None if key is None else Requirements((), (key,), f"extra {key!r} (PEP 621)")


def _wheel_extra(extras: Collection[str], wanted: str) -> Requirements | None:
    key = _by_name(dict.fromkeys(extras), wanted)
    if key is None:
        return None
    return Requirements((), (key,), f"extra {key!r} (the wheel's Provides-Extra)")


def _poetry_group(pyproject: PyProject, wanted: str) -> Requirements | None:
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
    return Requirements(requirements, (), f"Poetry group {wanted!r}")


def _poetry_legacy(pyproject: PyProject) -> Requirements | None:
    """Poetry's legacy ``[tool.poetry.dev-dependencies]`` table (Poetry < 1.2, still
    read by Poetry as the ``dev`` group; Poetry docs, "Managing dependencies")."""
    table_ = table(pyproject.poetry, "dev-dependencies")
    if not table_:
        return None
    from poetry.core.factory import Factory
    from poetry.core.pyproject.exceptions import PyProjectError

    try:
        package = Factory().create_poetry(pyproject.root).package
        deps = package.dependency_group("dev").dependencies
    except (PyProjectError, RuntimeError, ValueError, KeyError) as exc:
        raise ConfigError(
            f"pyproject.toml: [tool.poetry.dev-dependencies] cannot be read ({exc}): fix it"
        ) from None
    reqs = tuple(dep.to_pep_508() for dep in deps)
    return Requirements(reqs, (), "Poetry's [tool.poetry.dev-dependencies]") if reqs else None


def _hatch_test(pyproject: PyProject) -> Requirements | None:
    """hatch's ``hatch-test`` environment: its default test dependencies (pytest,
    pytest-mock, pytest-randomly, pytest-rerunfailures, pytest-xdist, coverage;
    hatch docs, "Testing: dependencies") plus its ``extra-dependencies``."""
    env = table(pyproject.data, "tool", "hatch", "envs", "hatch-test")
    if not env:
        return None
    defaults = (
        "pytest",
        "pytest-mock",
        "pytest-randomly",
        "pytest-rerunfailures",
        "pytest-xdist[psutil]",
        "coverage-enable-subprocess",
        "coverage[toml]",
    )
    reqs = _strings(env.get("dependencies")) or defaults
    reqs = (*reqs, *_strings(env.get("extra-dependencies")))
    return Requirements(reqs, _strings(env.get("features")), "hatch environment 'hatch-test'")


def _noxfile(pyproject: PyProject) -> Requirements | None:
    """The ``session.install(...)`` calls of the session that runs pytest in the
    project's ``noxfile.py``, read with :mod:`ast` (never run): string arguments
    are requirements, ``-r file`` a requirements file, ``.[extra]`` extras."""
    import ast

    path = pyproject.root / "noxfile.py"
    if not path.is_file():
        return None
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (SyntaxError, UnicodeDecodeError, OSError):
        return None
    for func in ast.walk(tree):
        if not isinstance(func, ast.FunctionDef) or "pytest" not in ast.unparse(func):
            continue
        reqs: list[str] = []
        extras: list[str] = []
        files: list[Path] = []
        for call in ast.walk(func):
            if not (
                isinstance(call, ast.Call)
                and isinstance(call.func, ast.Attribute)
                and call.func.attr == "install"
            ):
                continue
            args = [
                a.value
                for a in call.args
                if isinstance(a, ast.Constant) and isinstance(a.value, str)
            ]
            for i, arg in enumerate(args):
                if arg in ("-r", "--requirement") and i + 1 < len(args):
                    files.append(pyproject.root / args[i + 1])
                elif arg.startswith((".", "-e")) or arg.startswith("-") or "/" in arg:
                    if "[" in arg:
                        extras += [e.strip() for e in arg.split("[", 1)[1].rstrip("]").split(",")]
                elif i == 0 or args[i - 1] not in ("-r", "--requirement", "-c"):
                    reqs.append(arg)
        if reqs or extras or files:
            return Requirements(
                tuple(reqs), tuple(extras), f"noxfile.py session {func.name!r}", tuple(files)
            )
    return None


def _strings(value: object) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


def _pdm_group(pyproject: PyProject, wanted: str) -> Requirements | None:
    groups = table(pyproject.data, "tool", "pdm", "dev-dependencies")
    key = _by_name(groups, wanted)
    if key is None:
        return None
    reqs = tuple(r for r in _strings(groups[key]) if not r.startswith("-e"))
    return Requirements(reqs, (), f"PDM dev-dependency group {key!r}")


def _hatch_env(pyproject: PyProject, wanted: str) -> Requirements | None:
    envs = table(pyproject.data, "tool", "hatch", "envs")
    key = _by_name(envs, wanted)
    if key is None:
        return None
    env = table(envs, key)
    reqs = (*_strings(env.get("dependencies")), *_strings(env.get("extra-dependencies")))
    extras = _strings(env.get("features"))
    if not reqs and not extras:
        return None
    return Requirements(reqs, extras, f"hatch environment {key!r}")


_SOURCES: tuple[Callable[[PyProject, str], Requirements | None], ...] = (
    _dependency_group,
    _extra,
    _poetry_group,
    _pdm_group,
    _hatch_env,
)

REQUIREMENTS_FILES = (
    "requirements-test.txt",
    "requirements-tests.txt",
    "requirements-testing.txt",
    "requirements-dev.txt",
    "test-requirements.txt",
    "tests-requirements.txt",
    "dev-requirements.txt",
    "requirements/test.txt",
    "requirements/tests.txt",
    "requirements/testing.txt",
    "requirements/dev.txt",
    "requirements/test.in",
    "requirements/tests.in",
    "requirements/dev.in",
    "requirements/requirements-test.txt",
    "requirements/requirements-tests.txt",
    "requirements/requirements-dev.txt",
    "tests/requirements.txt",
)
"""Requirements files searched, in this order, when no named group matched."""


def _requirements_file(pyproject: PyProject) -> Requirements | None:
    for name in REQUIREMENTS_FILES:
        path = pyproject.root / name
        if path.is_file():
            return Requirements((), (), f"requirements file {name}", (path,))
    return None


_TOX_FACTOR = re.compile(r"^[!\w.,{}-]+:\s*[^\s/]")
"""A tox factor-conditional line (tox docs, "Conditional settings"): ``py311: tomli``."""


def _tox_option(line: str, flags: tuple[str, ...], root: Path) -> Path | None:
    """The file of a ``-r``/``-c`` line (``-rfile``, ``-r file``, ``{toxinidir}``)."""
    for flag in flags:
        if line.startswith(flag):
            rest = line[len(flag) :].lstrip("= ").replace("{toxinidir}", str(root))
            return root / rest
    return None


def _tox(pyproject: PyProject) -> Requirements | None:
    """tox.ini's ``[testenv]`` ``deps`` and ``extras``. Factor-conditional lines
    (``py311: tomli``) depend on the tox environment: they are left out, with a
    warning. ``-r`` and ``-c`` files are kept."""
    root = pyproject.root
    parser = read_ini(root / "tox.ini")
    if parser is None:
        return None
    raw = parser.get("testenv", "deps", fallback="").splitlines()
    lines = [ln.split(" #", 1)[0].strip() for ln in raw]  # tox allows trailing comments
    factors = [ln for ln in lines if _TOX_FACTOR.match(ln)]
    if factors:
        logger.warning(
            "tox.ini [testenv] deps: %s depend on the tox environment (factors) and are "
            "left out: name what the tests need in test-dependencies",
            ", ".join(repr(f) for f in factors),
        )
    files = [_tox_option(ln, ("-r", "--requirement"), root) for ln in lines]
    constraints = [_tox_option(ln, ("-c", "--constraint"), root) for ln in lines]
    reqs = tuple(
        ln for ln in lines if ln and ln[0] not in "-#" and "{" not in ln and ln not in factors
    )
    extras = tuple(
        e.strip()
        for e in parser.get("testenv", "extras", fallback="").replace(",", "\n").splitlines()
        if e.strip()
    )
    if not (reqs or any(files) or extras):
        return None
    return Requirements(
        reqs,
        extras,
        "tox.ini [testenv] deps",
        tuple(f for f in files if f),
        tuple(c for c in constraints if c),
    )


def _unnamed(pyproject: PyProject, extras: Collection[str]) -> Requirements | None:
    sources: tuple[Callable[[], Requirements | None], ...] = (
        lambda: _poetry_legacy(pyproject),
        lambda: _hatch_test(pyproject),
        lambda: _hatch_env(pyproject, "default"),
        lambda: _extra(pyproject, "all"),
        lambda: _requirements_file(pyproject),
        lambda: _tox(pyproject),
        lambda: _noxfile(pyproject),
        lambda: _wheel_extra(extras, "all"),
    )
    for source in sources:
        found = source()
        if found is not None:
            return found
    return None


def named_group(pyproject: PyProject, names: Sequence[str]) -> Requirements | None:
    """The first group or extra called one of ``names``, from the sources that
    can hold a named group (1 to 5 of the module docstring), else ``None``."""
    for source in _SOURCES:
        for wanted in names:
            found = source(pyproject, wanted)
            if found is not None:
                return found
    return None


def find_test_dependencies(
    pyproject: PyProject, config: NoxshipConfig, wheel_extras: Collection[str] = ()
) -> Requirements:
    """Find the test requirements (see the module docstring for the order).

    Args:
        pyproject: the project's configuration files.
        config: ``[tool.noxship]``.
        wheel_extras: the built wheel's ``Provides-Extra`` names; consulted only
            when pyproject.toml declares no ``optional-dependencies`` (a
            ``setup.py`` or ``setup.cfg`` project, or dynamic extras).

    Returns:
        The requirements; empty, with source ``"none found"``, when nothing matched.

    Raises:
        ConfigError: a dependency group or Poetry group is malformed.
    """
    if config.test_dependencies is not None:
        return Requirements(config.test_dependencies, (), "[tool.noxship] test-dependencies")
    static = "optional-dependencies" in pyproject.project
    extras = () if static else wheel_extras
    found = named_group(pyproject, config.test_groups)
    if found is not None:
        return found
    for wanted in config.test_groups:
        found = _wheel_extra(extras, wanted)
        if found is not None:
            return found
    return _unnamed(pyproject, extras) or Requirements((), (), "none found")
