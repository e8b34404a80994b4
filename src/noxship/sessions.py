"""The Nox sessions. Importing this module registers them with Nox.

A project's ``noxfile.py`` needs only ``import noxship.sessions``. The sessions
are thin: each calls the modules that do the work and turns a
:class:`~noxship.errors.NoxshipError` into ``session.error(message)``.

=================  ====================================================================
session            what it does
=================  ====================================================================
``lint``           ``pre-commit run --all-files``, else ``ruff check`` and ``ruff format --check``
``tests``          the test suite against the source tree (the fast loop)
``build``          sdist, then the wheel from it; ``twine check --strict``; ``dist/SHA256SUMS``
``test_wheel``     the test suite against the installed wheel, per supported Python
``publish``        upload ``dist/`` to the planned targets, or ``-- --target NAME``
``release_local``  build, test_wheel, publish to an embedded index, install back
``release_test``   lint, build, test_wheel, publish to TestPyPI, install back
``release_prod``   everything in release_test, then PyPI
``clean``          remove ``dist/``, ``build/``, ``*.egg-info`` and the reports
=================  ====================================================================
"""

from __future__ import annotations

import argparse
import functools
import logging
import os
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import nox

from noxship.errors import NoxshipError
from noxship.log import configure_logging
from noxship.project import Project

if TYPE_CHECKING:
    from packaging.version import Version

__all__ = [
    "build",
    "clean",
    "lint",
    "publish",
    "release_local",
    "release_prod",
    "release_test",
    "test_wheel",
    "tests",
]

# A release chain must stop at its first failure: missing credentials must stop
# release_test before it builds. (A default only: `--no-stop-on-first-error` overrides.)
nox.options.stop_on_first_error = True

F = TypeVar("F", bound=Callable[[nox.Session], None])
logger = logging.getLogger("noxship")


def _guarded(func: F) -> F:
    """Turn a NoxshipError into ``session.error`` with its one-line message."""

    @functools.wraps(func)
    def wrapper(session: nox.Session) -> None:
        from noxship.targets import credential_environment

        configure_logging(credential_environment(Path.cwd(), os.environ))
        try:
            func(session)
        except NoxshipError as exc:
            session.error(str(exc))

    return wrapper  # type: ignore[return-value]


def _project() -> Project:
    return Project.load(Path.cwd())


def _options(posargs: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="nox -s SESSION --", add_help=False)
    parser.add_argument("--target", action="append", default=[])
    parser.add_argument("--only", action="append", default=[])
    parser.add_argument("--python", dest="pythons", action="append", default=[])
    parser.add_argument("--verbose", action="store_true")
    opts, rest = parser.parse_known_args(list(posargs))
    opts.rest = rest
    return opts


def _preview_version(project: Project) -> Version | None:
    """The ``.devN`` version when the release plan is a preview build, else ``None``."""
    from packaging.version import Version

    from noxship.ci import plan_from_environment

    plan = plan_from_environment(project, os.environ)
    if plan.kind == "preview" and plan.version:
        return Version(plan.version)
    return None


def _pythons(opts: argparse.Namespace) -> list[str] | None:
    wanted = list(opts.pythons)
    env = os.environ.get("NOXSHIP_PYTHONS", "")
    wanted += [p for p in env.replace(",", " ").split() if p]
    return wanted or None


@nox.session(venv_backend="uv|virtualenv", reuse_venv=True)
@_guarded
def lint(session: nox.Session) -> None:
    """Lint: pre-commit when configured, else ruff check and ruff format --check."""
    if Path(".pre-commit-config.yaml").is_file():
        session.install("pre-commit")
        session.run("pre-commit", "run", "--all-files", "--show-diff-on-failure")
        return
    session.install("ruff")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(venv_backend="uv|virtualenv")
@_guarded
def tests(session: nox.Session) -> None:
    """Run the test suite against the source tree (the fast developer loop)."""
    project = _project()
    deps = project.test_dependencies()
    logger.info("test dependencies: %s", deps.source)
    editable = f".[{','.join(deps.extras)}]" if deps.extras else "."
    session.install("-e", editable, *deps.requirements, "pytest")
    session.run("pytest", *session.posargs)


@nox.session(venv_backend="none")
@_guarded
def build(session: nox.Session) -> None:
    """Build the sdist, then the wheel from it; twine check --strict; dist/SHA256SUMS."""
    from noxship.build import build as do_build

    project = _project()
    version = _preview_version(project)
    if version is not None:
        logger.info(
            "preview build: version %s (the working tree keeps %s)", version, project.version
        )
    for dist in do_build(project, version=version):
        logger.info("built %s  sha256 %s", dist.filename, dist.sha256)


@nox.session(venv_backend="none")
@_guarded
def test_wheel(session: nox.Session) -> None:
    """Test the built wheel in fresh venvs, one per supported Python on this machine.

    Posargs: ``--python 3.12`` (repeatable) limits the Pythons, as does
    ``NOXSHIP_PYTHONS``; other arguments go to pytest.
    """
    from noxship.wheeltest import test_wheel as do_test_wheel

    opts = _options(session.posargs)
    project = _project()
    for result in do_test_wheel(
        project,
        pythons=_pythons(opts),
        pytest_args=opts.rest,
        version=_preview_version(project),
    ):
        logger.info(
            "Python %s: tests passed against the installed wheel; reports %s, %s",
            result.python,
            result.junit_xml,
            result.coverage_xml,
        )


@nox.session(venv_backend="none")
@_guarded
def clean(session: nox.Session) -> None:
    """Remove dist/, build/ (and the reports in it), *.egg-info and .noxship/."""
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


@nox.session(venv_backend="none")
@_guarded
def publish(session: nox.Session) -> None:
    """Upload dist/ to the targets the release plan names, or to ``-- --target NAME``.

    ``-- --only NAME`` (repeatable; one CI job per target) follows the plan for
    the named targets alone: it publishes nothing when the plan names none of
    them, and creates the tag only when the plan's last target is among them.
    """
    from noxship.release import check_options, publish_planned, publish_to

    opts = _options(session.posargs)
    check_options(opts.target, opts.only)
    project = _project()
    environ = _credentials_env(project)
    if opts.target:
        publish_to(project, opts.target, environ, verbose=opts.verbose)
    else:
        publish_planned(project, environ, only=opts.only, verbose=opts.verbose)


def _credentials_env(project: Project) -> dict[str, str]:
    from noxship.targets import credential_environment

    return credential_environment(project.root, os.environ)


def _check_credentials(targets: Sequence[str]) -> None:
    from noxship.release import resolve_targets

    project = _project()
    resolve_targets(project, targets, _credentials_env(project))


@nox.session(venv_backend="none", default=False)
@_guarded
def preflight_test(session: nox.Session) -> None:
    """Check credentials for TestPyPI (runs first in release_test)."""
    _check_credentials(["testpypi"])


@nox.session(venv_backend="none", default=False)
@_guarded
def preflight_prod(session: nox.Session) -> None:
    """Check credentials for TestPyPI and PyPI (runs first in release_prod)."""
    _check_credentials(["testpypi", "pypi"])


@nox.session(venv_backend="none", requires=["build", "test_wheel"])
@_guarded
def release_local(session: nox.Session) -> None:
    """Build, test the wheel, publish to an embedded pypiserver on 127.0.0.1, install back.

    The index's files live in a temporary directory, or in ``NOXSHIP_LOCAL_INDEX_DIR``.
    """
    from noxship.dist import find_distributions
    from noxship.local_index import LocalIndex
    from noxship.publish import publish as do_publish
    from noxship.release import print_report
    from noxship.targets import Credentials, Target

    project = _project()
    dists = find_distributions(project.root / "dist", project.name, project.version)
    keep = os.environ.get("NOXSHIP_LOCAL_INDEX_DIR")
    with LocalIndex(Path(keep).resolve() if keep else None) as index:
        logger.info("embedded index: %s", index.simple_url)
        target = Target("local", index.url, index.simple_url)
        credentials = Credentials(index.username, index.password, "the embedded index's user")
        report = do_publish(dists, target, credentials, environ=os.environ)
        print_report(report, "the embedded index")
    logger.info("stopped the embedded index")


@nox.session(venv_backend="none", requires=["preflight_test", "lint", "build", "test_wheel"])
@_guarded
def release_test(session: nox.Session) -> None:
    """Lint, build, test the wheel, publish to TestPyPI and install back from it."""
    from noxship.release import publish_to

    project = _project()
    publish_to(project, ["testpypi"], _credentials_env(project))


@nox.session(venv_backend="none", requires=["preflight_prod", "release_test"])
@_guarded
def release_prod(session: nox.Session) -> None:
    """Everything in release_test, then publish to PyPI."""
    from noxship.release import publish_to

    project = _project()
    publish_to(project, ["pypi"], _credentials_env(project))
