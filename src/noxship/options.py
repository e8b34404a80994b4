"""Command-line parsing that fails in one line: an :class:`argparse.ArgumentParser`
that raises :class:`~noxship.errors.UsageError` instead of printing usage and
exiting, and the options of the Nox sessions (what follows ``--``), where an
unknown option is refused with the nearest known one."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import NoReturn

from noxship.errors import UsageError

__all__ = ["SESSION_OPTIONS", "OneLineParser", "SessionOptions", "parse_session_options"]

SESSION_OPTIONS = ("--target", "--only", "--no-tag", "--python", "--verbose")
"""The options after ``--`` that noxship's sessions know; each session uses its own."""


class _HelpFormatter(argparse.HelpFormatter):
    """argparse's help formatter at a fixed width of 78 columns: argparse makes
    one per ``add_argument``, and sizing it to the terminal imports :mod:`shutil`,
    a cost every ``noxship plan`` would pay."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, width=78)


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose errors are a :class:`UsageError` (exit code 2),
    and whose help is 78 columns wide."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("formatter_class", _HelpFormatter)
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}: see `{self.prog} --help`")


def _nearest(option: str, known: Sequence[str]) -> str:
    import difflib

    match = difflib.get_close_matches(option.split("=")[0], known, n=1, cutoff=0.6)
    return f"; did you mean {match[0]}?" if match else f"; known options: {', '.join(known)}"


class SessionOptions(argparse.Namespace):
    """What a session's ``--`` arguments say.

    Attributes:
        target: ``--target NAME`` values (publish by hand).
        only: ``--only NAME`` values (the plan's targets to publish).
        pythons: ``--python 3.X`` values (test_wheel).
        no_tag: ``--no-tag``: publish, and leave the tag to the ``tag`` session.
        verbose: ``--verbose``: tracebacks, and twine's verbose output.
        rest: arguments for pytest (test_wheel only).
    """

    target: list[str]
    only: list[str]
    pythons: list[str]
    no_tag: bool
    verbose: bool
    rest: list[str]


def parse_session_options(
    session: str, posargs: Sequence[str], *, passthrough: bool = False
) -> SessionOptions:
    """Parse the arguments after ``--`` of session ``session``: any of
    :data:`SESSION_OPTIONS` (a session uses its own and ignores the others),
    wherever they stand.

    The rule for pytest's arguments: in a run that runs pytest (``passthrough``:
    ``test_wheel``, ``tests`` or a chain that holds one), every argument noxship
    does not know goes to pytest, which refuses what it does not know with its
    own error before anything is uploaded. ``--verbose``, spelled by both, goes
    to both. Everything after a second ``--`` goes to pytest alone, verbatim
    (``nox -s test_wheel -- --python 3.12 -- --target x``).

    Args:
        session: the session's name, for messages.
        posargs: the arguments.
        passthrough: the run runs pytest: give unknown arguments to pytest
            (:attr:`SessionOptions.rest`) instead of refusing them.

    Raises:
        UsageError: an unknown option or argument when the run runs no pytest
            (with the nearest known option), or a known option without its value.
    """
    args = list(posargs)
    verbatim: list[str] = []
    if "--" in args:
        cut = args.index("--")
        args, verbatim = args[:cut], args[cut + 1 :]
    parser = OneLineParser(prog=f"nox -s {session} --", add_help=False, allow_abbrev=False)
    # Every session knows every option: nox gives all the sessions of one run (a
    # chain such as `nox -s build test_wheel -- --python 3.12`) the same arguments.
    parser.add_argument("--target", action="append", default=[])
    parser.add_argument("--only", action="append", default=[])
    parser.add_argument("--python", dest="pythons", action="append", default=[])
    parser.add_argument("--no-tag", dest="no_tag", action="store_true")
    parser.add_argument("--verbose", action="store_true")
    opts, rest = parser.parse_known_args(args, namespace=SessionOptions())
    known = list(SESSION_OPTIONS)
    if not passthrough:
        for arg in [*rest, *verbatim]:
            if not arg.startswith("-"):
                raise UsageError(
                    f"nox -s {session} -- takes no argument {arg!r}: use {', '.join(known)}"
                )
            raise UsageError(f"nox -s {session} -- has no option {arg}{_nearest(arg, known)}")
    opts.rest = [*(["--verbose"] if opts.verbose else []), *rest, *verbatim]
    return opts
