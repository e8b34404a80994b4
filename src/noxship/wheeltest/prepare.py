"""Make the test venvs while the build backend runs.

A test venv needs the test dependencies, pytest and coverage, and none of them
depends on the wheel: a release chain (``build`` then ``test_wheel`` in one nox
process) makes each venv and installs them in a background thread while the
backend builds, and ``test_wheel`` then installs only the wheel. A venv that
could not be prepared is made again from scratch by ``test_wheel``, which then
reports the failure in its own words.

Requirements that name the project itself (``pkg[extra]`` in a dependency
group) are left to ``test_wheel``: installed here, they would come from the
index, not from the wheel under test.

When the project states its dependencies in ``pyproject.toml`` (PEP 621, not
``dynamic``), they are installed too, and pytest is asked for the suite
(:func:`~noxship.wheeltest.suite.collect_suite`) in the source tree, with the
source importable (``src/`` on ``PYTHONPATH``, the root as ``python -m pytest``
puts it), while the backend still builds: the way a developer's editable
install collects. ``test_wheel`` takes that suite only when it was collected
with the same arguments and without a collection error; otherwise it asks
pytest again, with the wheel installed.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from noxship._run import run, uv_install, uv_venv, venv_python
from noxship.context import Context
from noxship.errors import NoxshipError, ToolError
from noxship.project import Project, Requirements
from noxship.wheeltest.cover import read_settings_early
from noxship.wheeltest.interpreters import Interpreter, find_interpreters
from noxship.wheeltest.suite import Suite, collect_suite, copy_likely

__all__ = [
    "TOOLS",
    "Early",
    "prepare_venvs",
    "pytest_cov_args",
    "self_requirements",
    "take_collected",
    "take_prepared",
    "venv_dir",
]

logger = logging.getLogger("noxship")

TOOLS = ("pytest", "coverage")
"""What every test venv holds beside the test dependencies."""

_PREPARED: dict[Path, tuple[Future[None], str]] = {}
_COLLECTED: dict[Path, tuple[tuple[str, ...], Future[Early | None]]] = {}


def venv_dir(project: Project, interpreter: Interpreter) -> Path:
    """``<root>/.nox/noxship-test_wheel-3.X``: the test venv of ``interpreter``."""
    return project.root / ".nox" / f"noxship-test_wheel-{interpreter.minor}"


def self_requirements(project: Project, deps: Requirements) -> tuple[list[str], list[str]]:
    """Split ``deps.requirements`` into (others, the ones that name the project)."""
    own = canonicalize_name(project.name)
    others: list[str] = []
    mine: list[str] = []
    for text in deps.requirements:
        try:
            named = canonicalize_name(Requirement(text).name) == own
        except InvalidRequirement:  # uv reports it, with the file it came from
            named = False
        (mine if named else others).append(text)
    return others, mine


def _make(venv: Path, interpreter: Interpreter, args: Sequence[str]) -> None:
    python = uv_venv(venv, interpreter.executable, capture=True)
    uv_install(python, args, capture=True)
    compile_tools(python)


TOOL_PACKAGES = ("_pytest", "pytest", "pluggy", "iniconfig", "packaging", "coverage", "tomli")
"""The import packages every test venv process loads: pytest's, coverage.py's and
their dependencies' (``tomli`` before Python 3.11)."""


def compile_tools(python: Path) -> None:
    """Compile :data:`TOOL_PACKAGES` to bytecode in the venv of ``python``
    (``compileall``, in one process: the build runs on the other core).

    uv installs without bytecode (its ``--compile-bytecode`` would compile every
    test dependency, mypy and Sphinx included), and with ``PYTHONDONTWRITEBYTECODE``
    set (as many CI images set it) no process writes any: each of ``test_wheel``'s
    processes (collection, coverage's configuration, the run, the combine, the
    HTML report) would then compile pytest and coverage.py again, about 0.4 s
    each. A failure only costs that time: it is logged at debug level.
    """
    purelib = venv_purelib(python)
    found = [str(purelib / n) for n in TOOL_PACKAGES if (purelib / n).is_dir()]
    if not found:
        return
    try:
        run([python, "-m", "compileall", "-q", *found], capture=True, what="compileall")
    except ToolError as exc:
        logger.debug("the test tools were not compiled to bytecode: %s", exc.last_line)


def venv_purelib(python: Path) -> Path:
    """The site-packages directory (``purelib``) of the venv of ``python``.

    Raises:
        ToolError: the interpreter could not tell.
    """
    out = run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture=True,
        what="reading the test venv's site-packages",
    )
    return Path(out.strip().splitlines()[-1])


def pytest_cov_args(purelib: Path) -> list[str]:
    """``--no-cov`` when pytest-cov is installed in ``purelib``: noxship's own
    coverage measures the installed package, and two tracers would leave its
    report empty."""
    return ["--no-cov"] if (purelib / "pytest_cov").is_dir() else []


def _str_list(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def _static_requirements(project: Project, deps: Requirements) -> list[str] | None:
    """The project's runtime requirements and those of the extras the tests use,
    when ``pyproject.toml`` states them (PEP 621, not ``dynamic``); else ``None``."""
    table = project.pyproject.project
    dynamic = _str_list(table.get("dynamic"))
    if not table.get("name") or "dependencies" in dynamic:
        return None
    found = _str_list(table.get("dependencies"))
    _, mine = self_requirements(project, deps)
    optional = table.get("optional-dependencies")
    groups = (
        {canonicalize_name(str(k)): _str_list(v) for k, v in optional.items()}
        if isinstance(optional, dict)
        else {}
    )
    own = canonicalize_name(project.name)
    try:
        extras = {*deps.extras, *(e for r in mine for e in Requirement(r).extras)}
        if extras and "optional-dependencies" in dynamic:
            return None
        for extra in extras:
            for text in groups.get(canonicalize_name(extra), []):
                if canonicalize_name(Requirement(text).name) != own:
                    found.append(text)
    except InvalidRequirement:  # the backend will say so, in its words
        return None
    return found


class Early(NamedTuple):
    """What the build's background thread did for ``test_wheel``'s first run.

    Attributes:
        suite: the suite pytest collects from the source tree.
        tmp: a scratch directory whose ``work/`` holds copies of the likely
            test directories (:func:`~noxship.wheeltest.suite.copy_likely`);
            ``test_wheel`` runs there and removes it.
        copied: the directories copied.
    """

    suite: Suite
    tmp: Path
    copied: frozenset[str]


def _collect(
    project: Project, venv: Path, pytest_args: Sequence[str], deps: Requirements
) -> Early | None:
    """The suite pytest collects from the source tree, the source importable,
    then a copy of the likely test directories; ``None`` when pytest could not
    tell (``test_wheel`` then asks itself)."""
    import tempfile

    python = venv_python(venv)
    try:
        user = [*pytest_cov_args(venv_purelib(python)), *pytest_args]
        source = [project.root / "src"] if (project.root / "src").is_dir() else []
        with tempfile.TemporaryDirectory(prefix="noxship-collect-") as scratch:
            suite = collect_suite(project, python, user, Path(scratch), None, source)
    except NoxshipError as exc:
        logger.debug("collection during the build failed (%s): test_wheel asks again", exc)
        return None
    if suite.errors:
        return None
    if project.config.coverage:
        read_settings_early(python, project)
    tmp = Path(tempfile.mkdtemp(prefix="noxship-test_wheel-"))
    _UNTAKEN.add(tmp)
    (tmp / "work").mkdir()
    return Early(suite, tmp, copy_likely(project, tmp / "work"))


_UNTAKEN: set[Path] = set()
"""Scratch directories of :class:`Early` results not taken yet: removed at exit."""


@atexit.register
def _remove_untaken() -> None:
    for tmp in list(_UNTAKEN):
        shutil.rmtree(tmp, ignore_errors=True)
    _UNTAKEN.clear()


def _make_and_collect(
    venv: Path,
    interpreter: Interpreter,
    args: Sequence[str],
    collect: tuple[Project, Sequence[str], Requirements] | None,
) -> Early | None:
    _make(venv, interpreter, args)
    return _collect(collect[0], venv, collect[1], collect[2]) if collect else None


def prepare_venvs(
    project: Project,
    pythons: Sequence[str] | None = None,
    pytest_args: Sequence[str] | None = None,
    *,
    context: Context,
) -> int:
    """Start making the test venvs of ``pythons`` (default: as ``test_wheel``
    chooses) in one background thread, one venv after the other; in the first,
    collect the suite (see the module docstring).

    Args:
        project: the project whose test dependencies are installed.
        pythons: feature versions (``["3.12"]``), as given to ``test_wheel``.
        pytest_args: the project's ``pytest-args`` and the user's, as
            ``test_wheel`` passes them; ``None``: collect nothing here.
        context: the run's environment (the interpreters on ``PATH``).

    Returns:
        How many venvs are being made (0 on a machine with one core, where the
        thread would only slow the build down).
    """
    if (os.cpu_count() or 1) < 2:
        return 0
    deps = project.test_dependencies(_static_extras(project))
    others, _ = self_requirements(project, deps)
    runtime = _static_requirements(project, deps)
    args = [*others, *deps.file_args(), *TOOLS, *(runtime or ())]
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="noxship-prepare")
    interpreters = find_interpreters(project, pythons, context=context)
    for i, interpreter in enumerate(interpreters):
        venv = venv_dir(project, interpreter)
        collect = None
        if i == 0 and runtime is not None and pytest_args is not None:
            collect = (project, [*project.config.pytest_args, *pytest_args], deps)
        made = executor.submit(_make_and_collect, venv, interpreter, args, collect)
        _PREPARED[venv] = (_made(made), deps.source)
        if collect is not None:
            _COLLECTED[venv] = (tuple(collect[1]), made)
    executor.shutdown(wait=False)
    return len(interpreters)


def _static_extras(project: Project) -> tuple[str, ...]:
    """The extras ``pyproject.toml`` states (PEP 621), as the wheel will provide them."""
    table = project.pyproject.project
    optional = table.get("optional-dependencies")
    if "optional-dependencies" in _str_list(table.get("dynamic")) or not isinstance(optional, dict):
        return ()
    return tuple(str(k) for k in optional)


def _made(future: Future[Early | None]) -> Future[None]:
    """A future that ends with ``future``'s venv: done, or its error."""
    done: Future[None] = Future()

    def settle(f: Future[Early | None]) -> None:
        error = f.exception()
        if error is not None:
            done.set_exception(error)
        else:
            done.set_result(None)

    future.add_done_callback(settle)
    return done


def take_collected(venv: Path, pytest_args: Sequence[str]) -> Early | None:
    """What the build collected and copied for ``venv``, when the suite was
    collected with ``pytest_args`` (the project's ``pytest-args`` and the
    user's) and without a collection error; else ``None``. The caller owns
    (and removes) the scratch directory it returns."""
    args, future = _COLLECTED.pop(venv, ((), None))
    if future is None:
        return None
    try:
        early = future.result()
    except NoxshipError:
        return None
    if early is None:
        return None
    _UNTAKEN.discard(early.tmp)
    if tuple(pytest_args) != args:
        shutil.rmtree(early.tmp, ignore_errors=True)
        return None
    return early


def take_prepared(venv: Path, deps_source: str | None = None) -> bool:
    """Wait for ``venv`` if it is being prepared; tell whether it is ready, with
    the test dependencies found in ``deps_source`` (``None``: any).

    A venv is taken once: a second ``test_wheel`` in the same process makes its own.
    """
    future, source = _PREPARED.pop(venv, (None, ""))
    if future is None:
        return False
    if deps_source is not None and source != deps_source:
        logger.info(
            "the test venv made during the build holds the test dependencies of %s, "
            "not of %s (the wheel's extras): making it again",
            source,
            deps_source,
        )
        future.exception()  # waited for, whatever its outcome
        return False
    try:
        future.result()
    except ToolError as exc:
        logger.info("the test venv made during the build failed (%s): making it again", exc)
        return False
    return True
