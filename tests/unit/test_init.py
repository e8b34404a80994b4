from __future__ import annotations

from pathlib import Path

import pytest

from noxship.cli import main
from noxship.init import NOXFILE


def test_noxfile_is_at_most_five_lines() -> None:
    assert len(NOXFILE.splitlines()) <= 5
    compile(NOXFILE, "noxfile.py", "exec")


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
