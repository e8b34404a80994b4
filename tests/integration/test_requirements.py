"""The hashed requirements the CI jobs install (``requirements/``) are current:
``nox -s lock`` with the same ``--exclude-newer`` date gives the same files."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.network  # uv asks PyPI

BODY = slice(2, None)  # the first two lines name the command and its output file


@pytest.mark.slow  # two resolutions of the whole tree against PyPI: about 20 s
def test_requirements_are_current(tmp_path: Path) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("repo_noxfile", REPO_ROOT / "noxfile.py")
    assert spec is not None and spec.loader is not None
    noxfile = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(noxfile)
    date = noxfile.locked_date()
    assert date, "requirements/noxship.txt names no --exclude-newer date: run nox -s lock"
    for name, command in noxfile.lock_commands(date).items():
        out = tmp_path / name
        subprocess.run([*command, "-o", str(out)], cwd=REPO_ROOT, check=True, timeout=300)
        fresh = out.read_text(encoding="utf-8").splitlines()[BODY]
        kept = (REPO_ROOT / noxfile.LOCK_FILES[name]).read_text(encoding="utf-8").splitlines()
        assert fresh == kept[BODY], f"{noxfile.LOCK_FILES[name]} is stale: run nox -s lock"


def test_every_requirement_is_hashed_and_uv_agrees() -> None:
    text = (REPO_ROOT / "requirements" / "noxship.txt").read_text(encoding="utf-8")
    pins = [line for line in text.splitlines() if line and not line.startswith((" ", "#"))]
    assert pins and all(p.endswith("\\") and "==" in p for p in pins)
    uv_in = (REPO_ROOT / "requirements" / "uv.in").read_text(encoding="utf-8").strip()
    assert f"\n{uv_in} \\" in text
