from __future__ import annotations

from pathlib import Path

import pytest

from noxship.cli import main
from noxship.init import NOXFILE, REGISTRATION, SESSION_NAMES, session_names


def test_noxfile_is_short_and_in_the_readme() -> None:
    assert len(NOXFILE.splitlines()) <= 6
    compile(NOXFILE, "noxfile.py", "exec")
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert f"```python\n{NOXFILE}```" in readme


def test_noxfile_passes_every_ruff_rule(tmp_path: Path) -> None:
    """A strict project's first lint must not fail on noxship's file (CPY001, a
    copyright notice, names a holder noxship cannot know)."""
    import subprocess
    import sys

    (tmp_path / "noxfile.py").write_text(NOXFILE, encoding="utf-8")
    ruff = [sys.executable, "-m", "ruff"]
    check = [*ruff, "check", "--isolated", "--select", "ALL", "--ignore", "CPY001", "noxfile.py"]
    for argv in (check, [*ruff, "format", "--isolated", "--check", "noxfile.py"]):
        result = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr


def test_init_ignores_dotenv_once(tmp_path: Path) -> None:
    from noxship.init import ignore_dotenv

    (tmp_path / ".gitignore").write_text("dist/")
    assert ignore_dotenv(tmp_path)
    assert not ignore_dotenv(tmp_path)
    assert (tmp_path / ".gitignore").read_text().splitlines()[-1] == ".env"
    assert (tmp_path / ".gitignore").read_text().startswith("dist/\n")


MINE = """import nox


@nox.session
def tests(session):
    session.run("pytest")


@nox.session(name="build", python=False)
def make_docs(session):
    pass
"""


def test_init_adds_to_an_existing_noxfile_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\nversion='1'\n")
    assert main(["init", str(tmp_path)]) == 0
    assert (tmp_path / "noxfile.py").read_text() == NOXFILE
    (tmp_path / "noxfile.py").write_text(MINE)
    assert main(["init", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "added noxship's sessions to" in out
    assert "defines build, tests: noxship's sessions of these names are noxship_<name>" in out
    assert (tmp_path / "noxfile.py").read_text() == MINE + REGISTRATION
    assert main(["init", str(tmp_path)]) == 0  # idempotent
    assert (tmp_path / "noxfile.py").read_text() == MINE + REGISTRATION
    assert main(["init", "--force", str(tmp_path)]) == 0
    assert (tmp_path / "noxfile.py").read_text() == NOXFILE


def test_session_names_match_what_the_sessions_module_registers() -> None:
    import subprocess
    import sys

    code = "import nox.registry, noxship.sessions; print(sorted(nox.registry.get()))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str(sorted(SESSION_NAMES))
    assert session_names(MINE) == {"tests", "build"}


def test_init_needs_a_project(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init", str(tmp_path)]) == 2
    assert "no pyproject.toml" in capsys.readouterr().err


def test_init_says_when_its_python_table_may_be_out_of_date(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import datetime

    from noxship import cli
    from noxship.init import init_warnings

    assert init_warnings(datetime.date(2027, 11, 1)) == []  # 13 months after 3.15.0
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "p"\nversion = "1"\n')
    monkeypatch.setattr(cli, "_today", lambda: datetime.date(2028, 1, 5))
    assert cli.main(["init", str(tmp_path), "--ci", "gitlab"]) == 0
    err = capsys.readouterr().err
    assert "warning: noxship's table of CPython releases ends with 3.15 (2026-10)" in err
    assert "a newer noxship knows more: check the matrix it writes" in err


@pytest.mark.parametrize(
    ("requires", "message"),
    [
        ("<3.11", "only end-of-life ones: 3.6 (ended 2021-12-23), 3.7 (ended 2023-06-27)"),
        (">=4", "(3.11, 3.12, 3.13, 3.14, 3.15): widen it, for example to >=3.11"),
    ],
)
def test_a_project_without_a_supported_python_gets_one_line(requires: str, message: str) -> None:
    import datetime

    from packaging.specifiers import SpecifierSet

    from noxship.errors import ConfigError
    from noxship.init import ci_pythons

    with pytest.raises(ConfigError, match="admits none of the CPython versions") as err:
        ci_pythons(SpecifierSet(requires), datetime.date(2026, 12, 1))
    assert message in str(err.value) and "\n" not in str(err.value)
