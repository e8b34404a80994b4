"""The Nox sessions. Importing this module registers them with Nox.

A project's ``noxfile.py`` needs only ``import noxship.sessions``. The sessions
are thin: each calls the modules that do the work and turns a
:class:`~noxship.errors.NoxshipError` into ``session.error(message)``.

=================  ====================================================================
session            what it does
=================  ====================================================================
``lint``           ``pre-commit run --all-files``, else ``ruff check`` and ``ruff format --check``
``tests``          the test suite against the source tree (the fast loop)
``build``          sdist, then the wheel from it; ``twine check``; ``dist/SHA256SUMS``
``test_wheel``     the test suite against the installed wheel, per supported Python
``coverage``       the CI matrix's coverage data combined, one figure, fail_under
``docs``           the Sphinx or MkDocs docs, built against the wheel, warnings as errors
``check_version``  fail when the project's version is already released
``publish``        upload ``dist/`` to the planned targets, or ``-- --target NAME``
``tag``            make the planned tag (after ``publish -- --no-tag``)
``release_local``  build, test_wheel, publish to an embedded index, install back
``release_test``   lint, build, test_wheel, docs, publish to TestPyPI, install back
``release_prod``   everything in release_test, then PyPI
``clean``          remove ``dist/``, ``build/``, ``*.egg-info`` and the reports
=================  ====================================================================
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

import nox

from noxship._preload import preload
from noxship.context import Context
from noxship.environment import (
    clean_env,
    credential_environment,
)
from noxship.errors import NoxshipError, ToolError, failure_line
from noxship.log import configure_logging
from noxship.options import SessionOptions, parse_session_options
from noxship.project import Project
from noxship.summary import SUMMARY

__all__ = [
    "build",
    "check_version",
    "clean",
    "coverage",
    "docs",
    "lint",
    "preflight_pypi",
    "preflight_testpypi",
    "publish",
    "release_local",
    "release_prod",
    "release_test",
    "tag",
    "test_wheel",
    "tests",
]

# A release chain must stop at its first failure: missing credentials must stop
# release_test before it builds. (A default only: `--no-stop-on-first-error` overrides.)
nox.options.stop_on_first_error = True

F = TypeVar("F", bound=Callable[[nox.Session], None])
logger = logging.getLogger("noxship")


_SPECS: list[tuple[Callable[[nox.Session], None], dict[str, object]]] = []
PREFIX = "noxship_"
"""Put before the name of a noxship session whose name the project's noxfile already uses."""


def _session(**kwargs: object) -> Callable[[F], F]:
    """Record a session; :func:`_register` registers them all with Nox."""

    def record(func: F) -> F:
        _SPECS.append((func, kwargs))
        return func

    return record


def _register() -> dict[str, str]:
    """Register the sessions with Nox; return the renamed ones (name -> new name).

    When the project's noxfile registered sessions before it imported this
    module, its sessions keep their names: a noxship session of the same name
    (``tests``, ``lint`` and ``build`` are common) is registered as
    ``noxship_<name>``, and the release chains require the renamed sessions.
    Then no noxship session runs by default: a bare ``nox`` runs the project's
    own defaults. Otherwise ``lint`` and ``tests`` are the defaults; ``clean``,
    the builds and every publish run only when named.
    """
    existing = set(nox.registry.get())
    lint_first = _release_lint()
    names = {func.__name__: func.__name__ for func, _ in _SPECS}
    renamed = {n: f"{PREFIX}{n}" for n in names if n in existing}
    names.update(renamed)
    for func, kwargs in _SPECS:
        options = dict(kwargs)
        requires = options.pop("requires", None)
        if isinstance(requires, list) and not lint_first:
            requires = [r for r in requires if r != "lint"]
        default = bool(options.pop("default", False)) and not existing
        nox.session(  # type: ignore[call-overload]
            func,
            name=names[func.__name__],
            default=default,
            requires=[names[r] for r in requires] if isinstance(requires, list) else None,
            **options,
        )
    return renamed


def _release_lint() -> bool:
    """``[tool.noxship] release-lint`` of the project in the working directory
    (true when there is none to read: the noxfile may be elsewhere)."""
    from noxship.project import NoxshipConfig, PyProject

    try:  # the table alone: loading the Project may ask a setup.py project's backend
        return NoxshipConfig.from_table(PyProject.read(Path.cwd()).tool("noxship")).release_lint
    except NoxshipError:
        return True


def _guarded(func: F) -> F:
    """Turn any failure into ``session.error`` with one redacted line.

    A :class:`~noxship.errors.NoxshipError` gives its own message; anything
    else a one-line summary (:func:`~noxship.errors.failure_line`), and with
    ``-- --verbose`` the traceback, credentials masked. Nox's own exceptions
    (a failed ``session.run``, ``session.error``) pass through.
    """

    @functools.wraps(func)
    def wrapper(session: nox.Session) -> None:
        # The environment with .env merged: every secret of either is masked.
        redactor = configure_logging(credential_environment(Path.cwd(), os.environ))
        try:
            func(session)
        except Exception as exc:  # the sessions' top-level catch
            if type(exc).__module__.split(".")[0] == "nox":
                raise
            if "--verbose" in session.posargs:
                sys.stderr.write(redactor("".join(traceback.format_exception(exc))))
            line, _ = failure_line(exc, redactor)
            session.error(line.removeprefix("noxship: error: "))

    return wrapper  # type: ignore[return-value]


def _without_credentials() -> dict[str, str | None]:
    """For ``session.run``/``install`` with ``include_outer_env=False``: the
    allow-listed environment (:func:`~noxship.environment.clean_env`) instead of
    nox's own, so hooks, a project's tests and the tools that install them never
    see a token. The session's own venv (nox sets ``VIRTUAL_ENV`` and ``PATH``) wins
    over the one nox runs in."""
    env: dict[str, str | None] = dict(clean_env())
    # nox's own variables for the venv it runs in (a nox run inside a nox session):
    # the session's venv, which nox sets after these, must win.
    for name in ("VIRTUAL_ENV", "CONDA_PREFIX", "UV_PROJECT_ENVIRONMENT", "UV_PYTHON"):
        env.pop(name, None)
    return env


def _project() -> Project:
    return Project.load(Path.cwd())


def _context(project: Project | None = None) -> Context:
    """The process environment, read here (a session is an edge) and handed down,
    with the project when the callee needs it."""
    return Context.from_environ(os.environ, project=project)


def _options(session: nox.Session) -> SessionOptions:
    """The session's arguments after ``--``: unknown ones go to pytest when this
    nox run runs pytest (``test_wheel`` or ``tests``, alone or in a chain), and
    are refused otherwise (:func:`~noxship.options.parse_session_options`)."""
    runs_pytest = session.name in _PYTEST_SESSIONS or any(
        _runs_later(session, name) for name in _PYTEST_SESSIONS
    )
    return parse_session_options(session.name, session.posargs, passthrough=runs_pytest)


_PYTEST_SESSIONS = ("test_wheel", "tests", f"{PREFIX}test_wheel", f"{PREFIX}tests")


def _runs_later(session: nox.Session, name: str) -> bool:
    """Whether this nox run goes on to session ``name`` (a release chain's
    ``test_wheel`` after ``build``). Nox has no public API for the run's
    sessions: its manifest is read where it is, and anything else says no."""
    manifest = getattr(getattr(session, "_runner", None), "manifest", None)
    try:
        return manifest is not None and RENAMED.get(name, name) in manifest
    except TypeError:
        return False


def _show_summary(chain: str) -> None:
    """Show the chain's summary (:mod:`noxship.summary`) in the terminal and in
    GitHub's job summary."""
    if SUMMARY.empty():
        return
    title = f"noxship {chain}: summary"
    print(SUMMARY.terminal(title), end="")
    _summary(SUMMARY.markdown(title))


def _summary(markdown: str) -> None:
    """Append to GitHub Actions' job summary, when there is one (a file that cannot
    be written is a warning: the log holds the same)."""
    from noxship.errors import ConfigError
    from noxship.plan.output import append_job_summary

    try:
        append_job_summary(os.environ, markdown)
    except ConfigError as exc:
        logger.warning("%s", exc)


def _pythons(opts: SessionOptions) -> list[str] | None:
    wanted = list(opts.pythons)
    env = os.environ.get("NOXSHIP_PYTHONS", "")
    wanted += [p for p in env.replace(",", " ").split() if p]
    return wanted or None


@_session(venv_backend="uv|virtualenv", reuse_venv=True, default=True)
@_guarded
def lint(session: nox.Session) -> None:
    """Lint as the project lints: its pre-commit configuration (the revisions it
    pins), else the linters its development dependencies name (ruff, flake8,
    black, isort, at the versions they pin, with the project's settings); else
    noxship's pinned ruff, which reports without failing unless
    ``lint-gate = "strict"``.

    ``[tool.noxship] lint-tools`` overrides what is installed. Every tool runs
    without any credential in its environment.
    """
    from noxship.project.config import DEFAULT_LINT_TOOLS, DEFAULT_PRE_COMMIT
    from noxship.project.linters import declared_linters

    project = _project()
    config = project.config
    env = _without_credentials()
    if Path(".pre-commit-config.yaml").is_file():
        session.install(
            *(config.lint_tools or (DEFAULT_PRE_COMMIT,)), env=env, include_outer_env=False
        )
        _pre_commit(session)
        return
    declared = declared_linters(project.pyproject)
    if declared and not config.lint_tools:
        logger.info(
            "lint: the project's linters %s",
            ", ".join(f"{d.requirement} (from {d.source})" for d in declared),
        )
        session.install(*(d.requirement for d in declared), env=env, include_outer_env=False)
        for linter in declared:
            for command in linter.commands:
                _lint_command(session, command)
        return
    session.install(*(config.lint_tools or DEFAULT_LINT_TOOLS), env=env, include_outer_env=False)
    strict = config.lint_gate == "strict" or config.lint_tools is not None
    failed = [
        c
        for c in (("ruff", "check", "."), ("ruff", "format", "--check", "."))
        if not _lint_command(session, c, report_only=not strict)
    ]
    if failed:
        logger.warning(
            "lint: %s found problems (above); the project declares no linter (no pre-commit "
            "configuration, no ruff, flake8, black or isort in its development dependencies), "
            'so they are reported, not enforced: lint-gate = "strict" in [tool.noxship] '
            "enforces them",
            " and ".join(" ".join(c) for c in failed),
        )


def _lint_command(
    session: nox.Session, command: Sequence[str], *, report_only: bool = False
) -> bool:
    """Run one linter command in the session's venv, without credentials; tell
    whether it passed. A failure raises, unless ``report_only``."""
    from noxship._run import run

    bin_dir = Path(str(session.bin))
    env = clean_env({"PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"})
    try:
        out = run(
            [bin_dir / command[0], *command[1:]],
            env=env,
            capture=True,
            show_failure=not report_only,
            what=" ".join(command[:2]),
        )
    except ToolError as exc:
        if not report_only:
            raise
        sys.stdout.write(exc.output)
        return False
    sys.stdout.write(out)
    return True


_UNREACHABLE = (
    "Could not resolve host",
    "unable to access",
    "Failed to connect",
    "Temporary failure in name resolution",
    "Connection refused",
    "timed out",
)


def _pre_commit(session: nox.Session) -> None:
    """``pre-commit run --all-files`` in the session's venv, without credentials.
    A hook repository it cannot fetch is one line, not git's trace."""
    from noxship._run import run

    bin_dir = Path(str(session.bin))
    env = clean_env({"PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"})
    try:
        out = run(
            [bin_dir / "pre-commit", "run", "--all-files", "--show-diff-on-failure"],
            env=env,
            capture=True,
            what="pre-commit",
        )
    except ToolError as exc:
        reason = next((r for r in _UNREACHABLE if r in exc.output), None)
        if reason is not None:
            raise ToolError(
                f"pre-commit cannot fetch its hook repositories ({reason}): check the network "
                "or a proxy, or pin hooks that are already cached (pre-commit install-hooks)"
            ) from None
        raise
    sys.stdout.write(out)


@_session(venv_backend="uv|virtualenv", default=True)
@_guarded
def tests(session: nox.Session) -> None:
    """Run the test suite against the source tree (the fast developer loop), with
    no credential in its environment."""
    project = _project()
    deps = project.test_dependencies()
    logger.info("test dependencies: %s", deps.source)
    editable = f".[{','.join(deps.extras)}]" if deps.extras else "."
    env = _without_credentials()
    session.install(
        "-e", editable, *deps.install_args(), "pytest", env=env, include_outer_env=False
    )
    session.run("pytest", *_options(session).rest, env=env, include_outer_env=False)


@_session(venv_backend="none")
@_guarded
def build(session: nox.Session) -> None:
    """Build the sdist, then the wheel from it; twine check as PyPI judges; the
    metadata checks; dist/SHA256SUMS."""
    from noxship.build import CHECK_MODULES
    from noxship.release import build_planned

    preload(CHECK_MODULES)
    opts = _options(session)
    project = _project()
    if _runs_later(session, "test_wheel"):
        from noxship.wheeltest import prepare_venvs

        prepare_venvs(project, _pythons(opts), opts.rest, context=_context())
    for dist in build_planned(_release_context(project), _pythons(opts)):
        logger.info("built %s  sha256 %s", dist.filename, dist.sha256)
        SUMMARY.built[dist.filename] = dist.sha256


@_session(venv_backend="none")
@_guarded
def test_wheel(session: nox.Session) -> None:
    """Test the built wheel in fresh venvs, one per supported Python on this machine.

    Posargs: ``--python 3.12`` (repeatable) limits the Pythons, as does
    ``NOXSHIP_PYTHONS``; ``--verbose`` adds coverage's per-file table; other
    arguments go to pytest. Coverage follows the project's configuration, and a
    combined total below its ``fail_under`` fails the session.
    """
    from noxship.publish import CLIENT_MODULES
    from noxship.release import planned_version
    from noxship.wheeltest import run_wheel_tests

    preload(CLIENT_MODULES)  # a release chain publishes next
    opts = _options(session)
    project = _project()
    context = _context(project)
    if _runs_later(session, "release_local"):  # its index starts while the tests run
        from noxship.release import start_local_index

        keep = os.environ.get("NOXSHIP_LOCAL_INDEX_DIR")
        start_local_index(Path(keep).resolve() if keep else None)
    publishes = any(_runs_later(session, name) for name in ("release_test", "release_prod"))
    for result in run_wheel_tests(
        project,
        pythons=_pythons(opts),
        pytest_args=opts.rest,
        version=planned_version(context),
        verbose=opts.verbose,
        full_matrix=publishes,
        context=context,
    ):
        logger.info(
            "Python %s: %d test(s) passed against the installed wheel; reports %s, %s",
            result.python,
            result.tests,
            result.junit_xml,
            result.coverage_xml,
        )
        if result.tested_with is not None:  # GitHub's job summary, when there is one
            _summary(result.tested_with.read_text(encoding="utf-8"))
        SUMMARY.tested.append((result.python, result.tests))
        SUMMARY.coverage = result.coverage


@_session(venv_backend="none")
@_guarded
def coverage(session: nox.Session) -> None:
    """Combine the coverage data the test jobs of a CI matrix left in build/reports/
    into one figure, and gate it with the project's fail_under (the CI coverage job)."""
    from noxship.wheeltest import combine_reports

    _options(session)
    combine_reports(_project(), context=_context())


@_session(venv_backend="none")
@_guarded
def docs(session: nox.Session) -> None:
    """Build the docs (Sphinx or MkDocs) against the built wheel, warnings as errors,
    into ``build/docs/``; a project without docs passes with a note."""
    from noxship.wheeltest import build_docs

    _options(session)
    if build_docs(_project(), context=_context()) is None:
        SUMMARY.skipped.append(("docs", "no Sphinx or MkDocs docs in the project"))


@_session(venv_backend="none")
@_guarded
def clean(session: nox.Session) -> None:
    """Remove ``dist/``, ``build/`` (and the reports in it) and ``*.egg-info``."""
    _options(session)
    root = Path.cwd()
    for path in [
        root / "dist",
        root / "build",
        *root.glob("*.egg-info"),
        *root.glob("src/*.egg-info"),
    ]:
        if path.exists():
            logger.info("removing %s", path.relative_to(root))
            shutil.rmtree(path)


def _release_context(project: Project) -> Context:
    """The project, and the process environment with the project's ``.env`` merged
    (a laptop's credentials; :func:`~noxship.environment.credential_environment`)."""
    return Context.from_environ(credential_environment(project.root, os.environ), project=project)


@_session(venv_backend="none")
@_guarded
def publish(session: nox.Session) -> None:
    """Upload dist/ to the targets the release plan names, or to ``-- --target NAME``.

    ``-- --only NAME`` (repeatable; one CI job per target) follows the plan for
    the named targets alone: it publishes nothing when the plan names none of
    them, and creates the tag only when the plan's last target is among them.
    """
    from noxship.release import check_options, publish_planned, publish_to

    opts = _options(session)
    check_options(opts.target, opts.only)
    context = _release_context(_project())
    if opts.target:
        publish_to(context, opts.target, verbose=opts.verbose)
    else:
        publish_planned(context, only=opts.only, verbose=opts.verbose, tag=not opts.no_tag)
    _show_summary("publish")


@_session(venv_backend="none")
@_guarded
def tag(session: nox.Session) -> None:
    """Make the tag the release plan names (after ``publish -- --no-tag`` in other jobs)."""
    from noxship.release import tag_planned

    _options(session)
    tag_planned(_release_context(_project()))
    _show_summary("tag")


@_session(venv_backend="none")
@_guarded
def check_version(session: nox.Session) -> None:
    """Fail when the project's version is already released (on a release target,
    or as a ``v<version>`` tag): a merge request's check, before the merge."""
    from noxship.release import check_request_version

    _options(session)
    session.log(check_request_version(_release_context(_project())))


def _check_credentials(session: nox.Session, targets: Sequence[str]) -> None:
    from noxship.release import check_public_version, resolve_targets

    _options(session)
    project = _project()
    resolved = resolve_targets(_release_context(project), targets)
    check_public_version(project, [target for target, _ in resolved])


@_session(venv_backend="none")
@_guarded
def preflight_testpypi(session: nox.Session) -> None:
    """Check credentials for TestPyPI (runs first in release_test)."""
    _check_credentials(session, ["testpypi"])


@_session(venv_backend="none")
@_guarded
def preflight_pypi(session: nox.Session) -> None:
    """Check credentials for TestPyPI and PyPI (runs first in release_prod)."""
    _check_credentials(session, ["testpypi", "pypi"])


@_session(venv_backend="none", requires=["build", "test_wheel"])
@_guarded
def release_local(session: nox.Session) -> None:
    """Build, test the wheel, publish to an embedded pypiserver on 127.0.0.1, install back.

    The index's files live in a temporary directory, or in ``NOXSHIP_LOCAL_INDEX_DIR``.
    """
    from noxship.release import publish_local

    opts = _options(session)
    keep = os.environ.get("NOXSHIP_LOCAL_INDEX_DIR")
    publish_local(
        _release_context(_project()),
        Path(keep).resolve() if keep else None,
        _pythons(opts),
    )
    _show_summary("release_local")


@_session(
    venv_backend="none", requires=["preflight_testpypi", "lint", "build", "test_wheel", "docs"]
)
@_guarded
def release_test(session: nox.Session) -> None:
    """Lint, build, test the wheel, build the docs against it, publish to TestPyPI and
    install back from it."""
    from noxship.release import publish_to

    _options(session)
    publish_to(_release_context(_project()), ["testpypi"])
    _show_summary("release_test")


@_session(venv_backend="none", requires=["preflight_pypi", "release_test"])
@_guarded
def release_prod(session: nox.Session) -> None:
    """Everything in release_test, then publish to PyPI."""
    from noxship.release import publish_to

    _options(session)
    publish_to(_release_context(_project()), ["pypi"])
    _show_summary("release_prod")


RENAMED = _register()
"""The noxship sessions renamed because the project's noxfile uses their names."""
