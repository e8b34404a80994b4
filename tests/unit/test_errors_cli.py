"""The one exception model: every failure of the ``noxship`` command is one
redacted line with a documented exit code; options after ``--`` are checked."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from noxship.cli import main
from noxship.environment import Redactor
from noxship.errors import ConfigError, ExitCode, UsageError, failure_line
from noxship.options import parse_session_options
from noxship.wheeltest import guard

SENTINEL = "SENTINEL-cli-9f1e"
REPO = Path(__file__).resolve().parents[2]


def test_argparse_errors_are_one_line_with_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["publish", "--targets", "pypi"]) == ExitCode.USAGE
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(
        "noxship: error: noxship: unrecognized arguments: --targets"
    )


def test_github_output_directory_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``plan --format github`` with GITHUB_OUTPUT pointing at a directory
    printed a traceback (review 3); now it is one line with exit code 2."""
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "1.0"\n')
    monkeypatch.setenv("GITHUB_OUTPUT", str(tmp_path))
    assert main(["plan", "--format", "github", "--project", str(tmp_path)]) == ExitCode.USAGE
    assert "cannot append to GITHUB_OUTPUT" in capsys.readouterr().err


def test_failure_line_redacts_and_says_what_to_do() -> None:
    redact = Redactor([SENTINEL])
    line, code = failure_line(RuntimeError(f"boom {SENTINEL} http://u:p@h/x"), redact)
    assert code == ExitCode.FAILURE
    assert SENTINEL not in line and "u:p@" not in line
    assert line.startswith("noxship: error: unexpected RuntimeError") and "--verbose" in line
    assert failure_line(ConfigError("bad: fix it"), redact) == (
        "noxship: error: bad: fix it",
        ExitCode.USAGE,
    )


def test_verbose_shows_the_traceback_redacted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "pyproject.toml").mkdir()
    monkeypatch.setenv("PYPI_TOKEN", SENTINEL)
    assert main(["plan", "--verbose", "--project", str(tmp_path)]) == ExitCode.USAGE
    err = capsys.readouterr().err
    assert "Traceback" in err and SENTINEL not in err


@pytest.mark.parametrize(
    ("args", "nearest"),
    [
        (["--targets", "pypi"], "--target"),
        (["--olny", "pypi"], "--only"),
        (["--verbos"], "--verbose"),
    ],
)
def test_session_option_typos_are_refused_with_the_nearest(args: list[str], nearest: str) -> None:
    with pytest.raises(UsageError, match=f"did you mean {nearest}"):
        parse_session_options("publish", args)


def test_a_chain_shares_its_options() -> None:
    """nox gives every session of `nox -s build test_wheel -- --python 3.12` the
    same arguments: build accepts --python and ignores it."""
    assert parse_session_options("build", ["--python", "3.12"]).pythons == ["3.12"]


def test_test_wheel_passes_other_arguments_to_pytest() -> None:
    """N9: pytest's own options reach pytest; noxship's are recognised wherever they stand."""
    opts = parse_session_options(
        "test_wheel",
        ["-k", "not gettz_link", "--python", "3.12", "--verbosity=2", "-p", "no:cacheprovider"],
        passthrough=True,
    )
    assert opts.pythons == ["3.12"]
    assert opts.rest == ["-k", "not gettz_link", "--verbosity=2", "-p", "no:cacheprovider"]
    both = parse_session_options("test_wheel", ["--verbose", "-x"], passthrough=True)
    assert both.verbose and both.rest == ["--verbose", "-x"]  # spelled by both: given to both
    verbatim = parse_session_options("build", ["--", "--target", "x"], passthrough=True)
    assert verbatim.target == [] and verbatim.rest == ["--target", "x"]
    with pytest.raises(UsageError, match="did you mean --python"):
        parse_session_options("publish", ["--pyhton", "3.12"])
    with pytest.raises(UsageError, match="has no option -k"):
        parse_session_options("build", ["-k", "x"])


def test_guard_exit_code_is_not_in_the_readme_table() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    table = re.search(r"Exit codes: (.*?)\.\s", readme, re.S)
    assert table is not None
    documented = {int(c) for c in re.findall(r"`(\d)`", table.group(1))}
    assert guard.EXIT_CODE not in documented | set(range(6))  # and not one of pytest's 0-5
