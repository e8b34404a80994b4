"""The ``noxship`` command: arguments in, exit codes out.

Exit codes (README.md, ``noxship --help``): 0 done (including a plan that
publishes nothing); 1 a step failed, or an unexpected error; 2 bad input
(arguments, pyproject, CI variables, ``dist/``, unknown target); 3 missing or
refused credentials; 4 a file of the same name but other content on a target.
Every failure is one line, ``noxship: error: <what is wrong>: <what to do>``;
``--verbose`` adds the traceback, with credentials masked.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from noxship.context import Context
from noxship.environment import Redactor, redactor_for
from noxship.errors import ExitCode, failure_line
from noxship.options import OneLineParser

if TYPE_CHECKING:
    from noxship.plan.history import HistoryReader, ReleaseHistory
    from noxship.project import Project

__all__ = ["main"]

_EPILOG = (
    "exit codes: 0 done; 1 a step failed; 2 bad input; 3 missing or refused credentials; "
    "4 a file of the same name but other content is on a target"
)


def _project_command(
    sub: argparse._SubParsersAction[OneLineParser],
    common: OneLineParser,
    name: str,
    summary: str,
    description: str | None = None,
) -> OneLineParser:
    """A subcommand that works on a project (``--project DIR``, default the current one)."""
    parser = sub.add_parser(name, parents=[common], help=summary, description=description)
    parser.add_argument("--project", type=Path, default=Path("."), help="project directory")
    return parser


def _release_commands(
    sub: argparse._SubParsersAction[OneLineParser], common: OneLineParser
) -> None:
    """``check-version`` and ``bump``: the commands around the release commit."""
    _project_command(
        sub,
        common,
        "check-version",
        "fail (exit 4) when the project's version is already released",
        "Check that the version merging would release is on no release target and has no "
        "v<version> tag (what a merge request's plan checks). Exit 4 when it is taken, 1 when a "
        "target's index or the remote's tags cannot be read.",
    )
    bump = _project_command(
        sub,
        common,
        "bump",
        "set the new version, write the changelog, make the release commit (never pushes)",
        "Set the new version in the project's version source (and uv.lock), prepend its "
        "section to CHANGELOG.md from the Conventional Commits since the last v<version> tag, "
        "and commit with a release message the planner accepts. Needs commitizen: pip install "
        "'noxship[bump]'.",
    )
    names = _project_command(
        sub,
        common,
        "check-name",
        "tell whether the project's name can be registered on PyPI and TestPyPI",
        "Check the project's name as PyPI checks a new project's: a valid name, not a "
        "standard-library module's, not taken (PEP 503 normalisation), not too similar to an "
        "existing project's (PyPI's ultranormalised names). Exit 4 when it is taken or too "
        "similar, 2 when PyPI refuses it outright.",
    )
    names.add_argument(
        "--target", action="append", default=[], help="an index to check (default pypi, testpypi)"
    )
    sums = _project_command(
        sub,
        common,
        "checksums",
        "write dist/SHA256SUMS over the sdist and wheels gathered there",
        "Check that DIR (default dist/) holds the distributions of one version of the "
        "project, and write DIR/SHA256SUMS over them: what the publish job of a compiled "
        "project runs after it gathered the sdist and every platform's wheels from other "
        "jobs. Exit 2 when DIR holds no distribution or another project's.",
    )
    sums.add_argument("--dir", type=Path, default=None, help="the directory (default dist/)")
    bump.add_argument("how", metavar="major|minor|patch|auto|VERSION")
    bump.add_argument(
        "--dry-run", action="store_true", help="print what it would do; change nothing"
    )


def _parser() -> argparse.ArgumentParser:
    common = OneLineParser(add_help=False)
    common.add_argument(
        "--verbose", action="store_true", help="show tracebacks (and twine's detail)"
    )
    parser = OneLineParser(
        prog="noxship",
        description="A safe release pipeline for Python projects, as Nox sessions.",
        epilog=_EPILOG,
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)
    init = sub.add_parser("init", parents=[common], help="write noxfile.py into a project")
    init.add_argument("directory", nargs="?", default=".", type=Path)
    init.add_argument("--force", action="store_true", help="overwrite existing files")
    init.add_argument(
        "--ci",
        choices=["gitlab", "github"],
        help="also write .gitlab-ci.yml (the noxship component) or "
        ".github/workflows/release.yml (the noxship action)",
    )
    init.add_argument(
        "--no-name-check",
        action="store_true",
        help="skip the check of the project's name on PyPI and TestPyPI (offline, or in scripts)",
    )
    plan = _project_command(sub, common, "plan", "print what this pipeline publishes, and why")
    plan.add_argument("--format", choices=["text", "json", "dotenv", "github"], default="text")
    plan.add_argument(
        "--output",
        type=Path,
        help="write the plan to this file (replaced whole, after planning) instead of stdout",
    )
    _project_command(
        sub,
        common,
        "build",
        "build the planned version into dist/ and check it (what the build session does)",
        "Build <project>/dist: the sdist, then the wheel from it; twine check as PyPI judges; the "
        "Python metadata checks (warnings, or with strict-metadata = true errors: exit 2 and "
        "dist/ emptied); dist/SHA256SUMS.",
    )
    pub = _project_command(
        sub,
        common,
        "publish",
        "publish dist/ as the release plan says (or to --target NAME), then tag",
        "Publish <project>/dist: without options, to the release plan's targets and then tag; "
        "--only NAME keeps only those of the plan's targets (one CI job per target); --target "
        "NAME publishes to NAME by hand, without tagging.",
    )
    pub.add_argument("--target", action="append", default=[], help="a target, by hand")
    pub.add_argument("--only", action="append", default=[], help="one of the plan's targets")
    pub.add_argument("--no-tag", action="store_true", help="leave the tag to `noxship tag`")
    _release_commands(sub, common)
    _project_command(sub, common, "tag", "make the tag the release plan names")
    return parser


def _today() -> datetime.date:
    """Today's date: what ``init``'s matrix and warnings are computed for."""
    return datetime.date.today()


def _init(args: argparse.Namespace) -> None:
    from noxship.init import check_ci, ignore_dotenv, init_warnings, write_ci, write_noxfile

    today = _today()
    for warning in init_warnings(today):
        print(f"warning: {warning}", file=sys.stderr)
    if args.ci and args.directory.is_dir():
        # Check the CI file before writing either file: a refusal writes nothing.
        check_ci(args.directory, args.ci, force=args.force, on=today)
    change = write_noxfile(args.directory, force=args.force)
    what = {"wrote": "wrote", "added": "added noxship's sessions to", "kept": "kept"}
    print(f"{what[change.action]} {change.path}")
    if change.renamed:
        names = ", ".join(change.renamed)
        print(
            f"{change.path.name} defines {names}: noxship's sessions of these names are "
            f"noxship_<name> (nox -s noxship_{change.renamed[0]}); release_* use them"
        )
    if args.ci:
        print(f"wrote {write_ci(args.directory, args.ci, force=args.force, on=today)}")
        if args.ci == "github":
            print(
                "pin noxship's action to the commit of its release tag once you have checked it "
                "(uses: noxship/noxship@<sha>  # v<version>); register the workflow as a "
                "trusted publisher, naming the environment; protect the pypi and testpypi "
                "environments and v* tags (see the file's header)"
            )
    if ignore_dotenv(args.directory):
        print(f"added .env to {args.directory / '.gitignore'} (it holds credentials)")
    if not args.no_name_check:
        _init_name_check(args.directory)


def _init_name_check(directory: Path) -> None:
    """``init``'s check of the project's name on PyPI and TestPyPI: the quick rules,
    and the similar names when they are cached (``check-name`` reads them all).
    A failure to ask is a warning: ``init`` works offline."""
    from noxship.errors import NoxshipError
    from noxship.project import Project
    from noxship.publish import resolve_target
    from noxship.publish.names import check_name

    try:
        project = Project.load(directory, check_requires_python=False)
        for name in DEFAULT_NAMES:
            verdict = check_name(
                project.name,
                resolve_target(name, os.environ, project.name),
                similar=False,
                cache_home=Context.from_environ(os.environ).cache_home,
            )
            yours = (
                " (fine if that project is yours)"
                if verdict.page and "taken" in verdict.reason
                else ""
            )
            print(f"name check: {verdict.reason}{yours}")
    except NoxshipError as exc:
        print(
            f"warning: the name check could not run ({exc}): run noxship check-name",
            file=sys.stderr,
        )


def _history(project: Project) -> HistoryReader:
    """Read the release history only when a plan needs it (a merge or pull
    request): the release layer's imports stay off `noxship plan`'s start-up."""

    def read(targets: tuple[str, ...], preview: bool) -> ReleaseHistory:
        from noxship.context import Context
        from noxship.release.history import gather_released

        context = Context.from_environ(os.environ, project=project)
        return gather_released(context, targets, preview=preview)

    return read


def _base(project: Project) -> Callable[[str], str | None]:
    """Read the version at a merge request's base only when a plan needs it."""

    def read(sha: str) -> str | None:
        from noxship.context import Context
        from noxship.release.history import version_at

        return version_at(Context.from_environ(os.environ, project=project), sha)

    return read


def _checksums(args: argparse.Namespace) -> None:
    from noxship.build.dist import CHECKSUMS_NAME, find_distributions, write_checksums
    from noxship.project import Project

    project = Project.load(args.project, check_requires_python=False)
    directory = args.dir or project.root / "dist"
    dists = find_distributions(directory, project.name)
    print(write_checksums(dists, directory / CHECKSUMS_NAME), end="")


def _check_name(args: argparse.Namespace) -> None:
    from noxship.project import Project
    from noxship.publish import resolve_target
    from noxship.publish.names import check_name, require_free_name

    project = Project.load(args.project, check_requires_python=False)
    cache = Context.from_environ(os.environ).cache_home
    targets = [resolve_target(t, os.environ, project.name) for t in args.target or DEFAULT_NAMES]
    for target in targets:
        print(f"{target.name}: {check_name(project.name, target, cache_home=cache).reason}")
    require_free_name(project.name, targets, cache)  # the exit code of the first refusal


DEFAULT_NAMES = ("pypi", "testpypi")
"""The indexes ``check-name`` asks by default."""


def _check_version(args: argparse.Namespace) -> None:
    from noxship.context import Context
    from noxship.project import Project
    from noxship.release import check_request_version

    project = Project.load(args.project, check_requires_python=False)
    print(check_request_version(Context.from_environ(os.environ, project=project)))


def _bump(args: argparse.Namespace) -> None:
    from noxship.context import Context
    from noxship.project import Project
    from noxship.release.bump import apply_bump, plan_bump

    project = Project.load(args.project, check_requires_python=False)
    context = Context.from_environ(os.environ, project=project)
    plan = plan_bump(context, args.how)
    print(f"version {plan.current} -> {plan.new} ({plan.reason})")
    print(f"files: {', '.join(plan.files)}")
    print(f"commit title: {plan.title}\n\n{plan.section}")
    if args.dry_run:
        print("dry run: nothing changed")
        return
    sha = apply_bump(context, plan)
    print(
        f"committed {sha[:12]} (not pushed): push it, and the default branch's pipeline "
        f"releases {plan.new}"
    )


def _say_compiled(project: Project) -> None:
    """One line on standard error for a compiled project (its plan builds a wheel
    per platform and Python); the plan's own output is left as it is."""
    from noxship.build.compiled import compiled_reason

    reason = compiled_reason(project)
    if reason is not None:
        print(
            f"compiled project ({reason}): the release needs a wheel per platform and "
            "Python, each tested, and the sdist (noxship build makes this platform's)",
            file=sys.stderr,
        )


def _plan(args: argparse.Namespace) -> None:
    from noxship.plan import plan_from_environment, render
    from noxship.project import Project

    project = Project.load(args.project, check_requires_python=False)
    plan = plan_from_environment(project, os.environ, _history(project), _base(project))
    _say_compiled(project)
    # canonicalize_name imports packaging.utils: only the CI formats need it.
    name = project.canonical_name if args.format in ("dotenv", "github") else None
    if args.output is None:
        render(plan, args.format, os.environ, project_name=name)
        return
    # Written after planning, whole: whatever a build backend run by the planner
    # appended to the file meanwhile is gone (a GitLab dotenv report is trusted).
    import io

    text = io.StringIO()
    render(plan, args.format, os.environ, text, project_name=name)
    args.output.write_text(text.getvalue(), encoding="utf-8")


def _with_credentials(args: argparse.Namespace, redactor: Redactor) -> None:
    """``build``, ``publish`` and ``tag``: the commands that see credentials (the
    environment with the project's ``.env``), each of whose values is masked."""
    from noxship.context import Context
    from noxship.environment import credential_environment
    from noxship.log import configure_logging
    from noxship.project import Project
    from noxship.release import check_options, publish_planned, publish_to, tag_planned

    check_options(getattr(args, "target", []), getattr(args, "only", []))
    project = Project.load(args.project)
    environ = credential_environment(project.root, os.environ)
    redactor.add_all(redactor_for(environ))
    configure_logging(environ)
    context = Context.from_environ(environ, project=project)
    if args.command == "build":
        from noxship.release import build_planned

        for dist in build_planned(context):
            print(f"built {dist.filename}  sha256 {dist.sha256}")
    elif args.command == "tag":
        tag_planned(context)
    elif args.target:
        publish_to(context, args.target, verbose=args.verbose)
    else:
        publish_planned(context, only=args.only, verbose=args.verbose, tag=not args.no_tag)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit code (see the module docstring).

    No exception leaves this function but ``SystemExit`` from ``--help`` and
    ``KeyboardInterrupt``: every failure is one redacted line on stderr.
    """
    redactor = redactor_for(os.environ)
    verbose = False
    try:
        args = _parser().parse_args(argv)
        verbose = args.verbose
        if args.command == "init":
            _init(args)
        elif args.command in ("publish", "tag", "build"):
            _with_credentials(args, redactor)
        elif args.command == "check-version":
            _check_version(args)
        elif args.command == "check-name":
            _check_name(args)
        elif args.command == "bump":
            _bump(args)
        elif args.command == "checksums":
            _checksums(args)
        else:
            _plan(args)
    except Exception as exc:  # the top-level catch: one line per failure
        if verbose:
            import traceback

            sys.stderr.write(redactor("".join(traceback.format_exception(exc))))
        line, code = failure_line(exc, redactor)
        print(line, file=sys.stderr)
        return int(code)
    return int(ExitCode.OK)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
