from __future__ import annotations

from pathlib import Path

import pytest

from noxship.cli import main
from noxship.init import NOXFILE


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


def test_init_writes_and_refuses_to_overwrite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\nversion='1'\n")
    assert main(["init", str(tmp_path)]) == 0
    assert (tmp_path / "noxfile.py").read_text() == NOXFILE
    (tmp_path / "noxfile.py").write_text("# mine\n")
    assert main(["init", str(tmp_path)]) == 2
    assert "exists" in capsys.readouterr().err
    assert (tmp_path / "noxfile.py").read_text() == "# mine\n"
    assert main(["init", "--force", str(tmp_path)]) == 0
    assert (tmp_path / "noxfile.py").read_text() == NOXFILE


def test_init_needs_a_project(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init", str(tmp_path)]) == 2
    assert "no pyproject.toml" in capsys.readouterr().err
