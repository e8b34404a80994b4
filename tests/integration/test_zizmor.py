"""GitHub Actions files, audited offline by zizmor: the repository's workflow and
``action.yml`` have no finding of medium severity or above, and the workflow
``noxship init`` writes has none but the tag of noxship's own action. Every
third-party action is pinned to a full commit SHA with its version in a
comment."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PROJECTS, REPO_ROOT

# zizmor comes from the registry with the test group (Python 3.11+), as the npm
# checkers do: these tests run in the `tests` session, not in noxship's test_wheel.
pytestmark = pytest.mark.network

ZIZMOR = Path(sys.executable).parent / "zizmor"
USES = re.compile(r"^\s*(?:-\s*)?uses:\s*(\S+)(.*)$", re.M)
PINNED = re.compile(r"^[\w.-]+/[\w.-]+@[0-9a-f]{40}$")


def findings(*paths: Path) -> list[dict[str, object]]:
    result = subprocess.run(
        [str(ZIZMOR), "--offline", "--format", "json", *map(str, paths)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode in (0, 10, 11, 12, 13, 14), result.stderr  # 1x: findings
    found: list[dict[str, object]] = json.loads(result.stdout)
    return found


def severity(finding: dict[str, object]) -> str:
    return str(finding["determinations"]["severity"])  # type: ignore[index]


@pytest.fixture
def written(tmp_path: Path) -> Path:
    import shutil

    root = tmp_path / "project"
    shutil.copytree(PROJECTS / "good", root)
    subprocess.run([sys.executable, "-m", "noxship", "init", "--no-name-check", "--ci", "github", str(root)],
                   check=True, capture_output=True)  # fmt: skip
    return root / ".github" / "workflows" / "release.yml"


def test_repository_files_have_no_medium_or_high_finding() -> None:
    files = [*sorted((REPO_ROOT / ".github" / "workflows").glob("*.yml")), REPO_ROOT / "action.yml"]
    serious = [f for f in findings(*files) if severity(f) in ("Medium", "High")]
    assert not serious, [f["ident"] for f in serious]


def test_written_workflow_has_only_the_tag_of_noxships_action(written: Path) -> None:
    found = findings(written)
    assert found, "zizmor should report noxship's own action, pinned to a tag"
    for f in found:
        assert f["ident"] == "unpinned-uses", f["ident"]
        assert "noxship/noxship@v" in json.dumps(f["locations"])


@pytest.mark.parametrize("which", ["repository", "written"])
def test_third_party_actions_are_pinned_to_a_commit(which: str, written: Path) -> None:
    if which == "repository":
        files = [*(REPO_ROOT / ".github" / "workflows").glob("*.yml"), REPO_ROOT / "action.yml"]
    else:
        files = [written]
    for path in files:
        text = path.read_text(encoding="utf-8")
        for ref, rest in USES.findall(text):
            if ref.startswith("./") or ref.startswith("noxship/noxship@"):
                continue
            assert PINNED.match(ref), (path.name, ref)
            assert re.search(r"#\s*v\d+\.\d+\.\d+", rest), (path.name, ref, "no version comment")
        assert text.count("actions/checkout@") == text.count("persist-credentials: false")
        # Only the tag job may write to the repository.
        assert text.count("contents: write") <= 1
