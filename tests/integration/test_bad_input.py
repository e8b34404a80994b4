"""Bad input: each case runs the real ``noxship`` command on a built sample
project, with every target pointed at one real pypiserver on 127.0.0.1, and
checks the exit code, the one-line message (``docs/errors.md`` lists them all),
and that nothing reached the index."""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from noxship.errors import ExitCode
from noxship.publish.local_index import LocalIndex
from tests.conftest import PROJECTS, git_repo

# Builds, installs or npm tools: needs the package registries (README.md).
pytestmark = pytest.mark.network

Setup = Callable[[Path], None]


def nothing(root: Path) -> None:
    pass


def edit_pyproject(old: str, new: str) -> Setup:
    def setup(root: Path) -> None:
        path = root / "pyproject.toml"
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new), encoding="utf-8")

    return setup


def write(name: str, content: str | bytes) -> Setup:
    def setup(root: Path) -> None:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")

    return setup


def copy_dist(src: str, dest: str) -> Setup:
    def setup(root: Path) -> None:
        shutil.copy2(root / "dist" / src, root / "dist" / dest)

    return setup


def remove(name: str) -> Setup:
    def setup(root: Path) -> None:
        path = root / name
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()

    return setup


def tamper(root: Path) -> None:
    """A byte appended to the wheel after the build (dist/SHA256SUMS is stale)."""
    with (root / "dist" / WHEEL).open("ab") as f:
        f.write(b"\0")


def symlinked_sdist(root: Path) -> None:
    sdist = root / "dist" / SDIST
    elsewhere = root / "elsewhere.tar.gz"
    sdist.rename(elsewhere)
    sdist.symlink_to(elsewhere)


def resummed(root: Path) -> None:
    from noxship.build.dist import CHECKSUMS_NAME, find_distributions, write_checksums

    dists = find_distributions(root / "dist", "good-sample")
    write_checksums(dists, root / "dist" / CHECKSUMS_NAME)


def dotenv_in_sdist(root: Path) -> None:
    """An sdist that packed an untracked .env (hatchling, pdm-backend and flit
    take untracked files), with dist/SHA256SUMS written to match."""
    import io
    import tarfile

    sdist = root / "dist" / SDIST
    with tarfile.open(sdist) as tar:
        members = [(m, tar.extractfile(m).read() if m.isfile() else None) for m in tar]  # type: ignore[union-attr]
    with tarfile.open(sdist, "w:gz") as tar:
        for member, data in members:
            tar.addfile(member, io.BytesIO(data) if data is not None else None)
        data = b"PYPI_TOKEN=pypi-SENTINEL-dotenv\n"
        info = tarfile.TarInfo("good_sample-0.3.0/.env")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    resummed(root)


def unreadable_sdist(root: Path) -> None:
    """An sdist without the PKG-INFO twine needs (core metadata spec), resummed."""
    import io
    import tarfile

    with tarfile.open(root / "dist" / SDIST, "w:gz") as tar:
        info = tarfile.TarInfo("good_sample-0.3.0/README.md")
        tar.addfile(info, io.BytesIO(b""))
    resummed(root)


def token_in_wheel(root: Path) -> None:
    import zipfile

    with zipfile.ZipFile(root / "dist" / WHEEL, "a") as zf:
        zf.writestr("good/leak.txt", "token: pypi-SENTINEL-in-the-wheel\n")
    resummed(root)


def empty_dist(root: Path) -> None:
    shutil.rmtree(root / "dist")
    (root / "dist").mkdir()


def only_wheel_renamed(root: Path) -> None:
    """dist/ holds only a wheel of another version (a stale build)."""
    for p in (root / "dist").iterdir():
        p.unlink()
    (root / "dist" / "good_sample-0.2.0-py3-none-any.whl").write_bytes(b"PK\x05\x06" + b"\0" * 18)


WHEEL = "good_sample-0.3.0-py3-none-any.whl"
SDIST = "good_sample-0.3.0.tar.gz"
GL = {"GITLAB_CI": "true", "CI_DEFAULT_BRANCH": "main", "CI_PROJECT_ID": "7"}
GL_PUSH = {**GL, "CI_PIPELINE_SOURCE": "push", "CI_COMMIT_BRANCH": "main"}
GL_MR = {**GL, "CI_PIPELINE_SOURCE": "merge_request_event", "CI_MERGE_REQUEST_IID": "4"}
LOCAL = ["publish", "--target", "local"]
PLAN = ["plan"]
PLANNED = ["publish"]


@dataclasses.dataclass(frozen=True)
class Case:
    id: str
    argv: list[str]
    code: ExitCode
    message: str
    setup: Setup = nothing
    env: dict[str, str] = dataclasses.field(default_factory=dict)


CASES = [
    Case(
        "no pyproject.toml",
        PLAN,
        ExitCode.USAGE,
        "pyproject.toml not found",
        remove("pyproject.toml"),
    ),
    Case(
        "malformed TOML",
        LOCAL,
        ExitCode.USAGE,
        "is not valid TOML",
        write("pyproject.toml", "[project\nname="),
    ),
    Case(
        "no project name",
        LOCAL,
        ExitCode.USAGE,
        "names no project",
        edit_pyproject('name = "good-sample"\n', ""),
    ),
    Case(
        "no version",
        LOCAL,
        ExitCode.USAGE,
        "has no version",
        edit_pyproject('version = "0.3.0"\n', ""),
    ),
    Case(
        "invalid PEP 440 version",
        LOCAL,
        ExitCode.USAGE,
        "is not a valid PEP 440 version",
        edit_pyproject('version = "0.3.0"', 'version = "0.3-final-x"'),
    ),
    Case(
        "invalid requires-python",
        LOCAL,
        ExitCode.USAGE,
        "is not a valid specifier",
        edit_pyproject('requires-python = ">=3.9"', 'requires-python = ">=three"'),
    ),
    Case(
        "unknown [tool.noxship] key",
        LOCAL,
        ExitCode.USAGE,
        "unknown key",
        edit_pyproject("[tool.poetry]", '[tool.noxship]\ntest-grups = ["test"]\n\n[tool.poetry]'),
    ),
    Case(
        "release message disagrees with the project",
        PLANNED,
        ExitCode.USAGE,
        "announces version 9.9.9, but [project] version says 0.3.0",
        env={**GL_PUSH, "CI_COMMIT_TITLE": "9.9.9"},
    ),
    Case(
        "release message is not PEP 440",
        PLANNED,
        ExitCode.USAGE,
        "not a valid PEP 440 version",
        env={**GL_PUSH, "CI_COMMIT_TITLE": "0.3.0-x_y!z"},
    ),
    Case(
        "tag not in normalised form",
        PLANNED,
        ExitCode.USAGE,
        "is not in the normalised form v0.3.0",
        env={**GL, "CI_PIPELINE_SOURCE": "push", "CI_COMMIT_TAG": "v00.3.0"},
    ),
    Case(
        "GitLab without CI_PIPELINE_SOURCE",
        PLANNED,
        ExitCode.USAGE,
        "CI_PIPELINE_SOURCE is not set",
        env=GL,
    ),
    Case(
        "merge request without CI_MERGE_REQUEST_IID",
        PLAN,
        ExitCode.USAGE,
        "CI_MERGE_REQUEST_IID is not set",
        env={**GL, "CI_PIPELINE_SOURCE": "merge_request_event"},
    ),
    Case(
        "preview without CI_PIPELINE_IID",
        PLANNED,
        ExitCode.USAGE,
        "CI_PIPELINE_IID is not set to a number",
        env=GL_MR,
    ),
    Case(
        "preview of a dynamic version the backend cannot tell",
        PLANNED,
        ExitCode.FAILURE,
        "is required in package mode.: run `python -m build` there to see the whole error",
        edit_pyproject('version = "0.3.0"', 'dynamic = ["version"]'),
        env={**GL_MR, "CI_PIPELINE_IID": "5"},
    ),
    Case(
        "GitHub event payload missing",
        PLANNED,
        ExitCode.USAGE,
        "cannot read the GitHub event payload",
        env={
            "GITHUB_ACTIONS": "true",
            "GITHUB_EVENT_NAME": "push",
            "GITHUB_REF": "refs/heads/main",
            "GITHUB_EVENT_PATH": "/nonexistent/event.json",
        },
    ),
    Case(
        "GitHub event payload not JSON",
        PLANNED,
        ExitCode.USAGE,
        "cannot read the GitHub event payload",
        write("event.json", "{not json"),
        env={
            "GITHUB_ACTIONS": "true",
            "GITHUB_EVENT_NAME": "push",
            "GITHUB_REF": "refs/heads/main",
            "GITHUB_EVENT_PATH": "event.json",
        },
    ),
    Case(
        "unknown NOXSHIP_PROVIDER",
        PLAN,
        ExitCode.USAGE,
        "is unknown: use gitlab, github or local",
        env={"NOXSHIP_PROVIDER": "jenkins"},
    ),
    Case(
        "release pattern not a regular expression",
        PLANNED,
        ExitCode.USAGE,
        "is invalid",
        env={**GL_PUSH, "CI_COMMIT_TITLE": "x", "NOXSHIP_RELEASE_PATTERN": "^("},
    ),
    Case(
        "release pattern without a version group",
        PLAN,
        ExitCode.USAGE,
        "has no (?P<version>...) group",
        env={**GL_PUSH, "CI_COMMIT_TITLE": "x", "NOXSHIP_RELEASE_PATTERN": r"^\d+"},
    ),
    Case(
        "--format github outside GitHub Actions",
        ["plan", "--format", "github"],
        ExitCode.USAGE,
        "needs GITHUB_OUTPUT",
    ),
    Case(
        "unknown target", ["publish", "--target", "nope"], ExitCode.USAGE, "unknown target 'nope'"
    ),
    Case(
        "gitlab target without CI_API_V4_URL and CI_PROJECT_ID",
        ["publish", "--target", "gitlab"],
        ExitCode.USAGE,
        "target gitlab needs CI_API_V4_URL and CI_PROJECT_ID",
    ),
    Case(
        "gitlab target without CI_PROJECT_ID",
        ["publish", "--target", "gitlab"],
        ExitCode.USAGE,
        "target gitlab needs CI_PROJECT_ID",
        env={"CI_API_V4_URL": "http://127.0.0.1:9/api/v4"},
    ),
    Case(
        "missing credentials",
        ["publish", "--target", "testpypi"],
        ExitCode.CREDENTIALS,
        "no credentials for target testpypi: set TEST_PYPI_TOKEN",
    ),
    Case(
        "missing credentials for one of the plan's targets",
        PLANNED,
        ExitCode.CREDENTIALS,
        "no credentials for target pypi",
        env={**GL_PUSH, "CI_COMMIT_TITLE": "0.3.0", "TEST_PYPI_TOKEN": "x"},
    ),
    Case(
        "--target and --only together",
        ["publish", "--target", "local", "--only", "pypi"],
        ExitCode.USAGE,
        "give either --target",
    ),
    Case("no dist/", LOCAL, ExitCode.USAGE, "`nox -s build` first", remove("dist")),
    Case("empty dist/", LOCAL, ExitCode.USAGE, "`nox -s build` first", empty_dist),
    Case(
        "a file of another project in dist/",
        LOCAL,
        ExitCode.USAGE,
        "belongs to project",
        copy_dist(WHEEL, "other_project-0.3.0-py3-none-any.whl"),
    ),
    Case(
        "a stale wheel of an earlier build in dist/",
        LOCAL,
        ExitCode.USAGE,
        "mixes versions",
        copy_dist(WHEEL, "good_sample-0.2.0-py3-none-any.whl"),
    ),
    Case("only another version in dist/", LOCAL, ExitCode.USAGE, "not 0.3.0", only_wheel_renamed),
    Case(
        "an unrecognised file in dist/",
        LOCAL,
        ExitCode.USAGE,
        "is not a wheel or sdist of a valid name",
        write("dist/notes.txt", "x"),
    ),
    Case(
        "NOXSHIP_UPLOAD_ATTEMPTS not a number",
        LOCAL,
        ExitCode.USAGE,
        "NOXSHIP_UPLOAD_ATTEMPTS must be a whole number",
        env={"NOXSHIP_UPLOAD_ATTEMPTS": "many"},
    ),
    Case(
        "init over a noxfile that is not Python",
        ["init", "."],
        ExitCode.USAGE,
        "is not valid Python (line 1): fix it, then run init again",
        write("noxfile.py", "def (:\n"),
    ),
    Case(
        "init --ci for an unknown provider",
        ["init", ".", "--ci", "jenkins"],
        ExitCode.USAGE,
        "invalid choice: 'jenkins'",
    ),
    Case(
        "init without pyproject.toml",
        ["init", "."],
        ExitCode.USAGE,
        "has no pyproject.toml",
        remove("pyproject.toml"),
    ),
    Case(
        "option typo",
        ["publish", "--targets", "local"],
        ExitCode.USAGE,
        "unrecognized arguments: --targets local",
    ),
    Case(
        "GITHUB_OUTPUT is a directory",
        ["plan", "--format", "github"],
        ExitCode.USAGE,
        "cannot append to GITHUB_OUTPUT",
        env={"GITHUB_OUTPUT": "/"},
    ),
    Case(
        "refused password",
        LOCAL,
        ExitCode.CREDENTIALS,
        "refused the credentials",
        env={"NOXSHIP_TARGET_LOCAL_PASSWORD": "SENTINEL-wrong"},
    ),
    Case(
        "upload attempts out of range",
        LOCAL,
        ExitCode.USAGE,
        "NOXSHIP_UPLOAD_ATTEMPTS must be a whole number from 1 to 10",
        env={"NOXSHIP_UPLOAD_ATTEMPTS": "0"},
    ),
    Case(
        "dist file changed after the build",
        LOCAL,
        ExitCode.USAGE,
        f"{WHEEL} does not match SHA256SUMS",
        tamper,
    ),
    Case("symlink in dist/", LOCAL, ExitCode.USAGE, "is not a regular file", symlinked_sdist),
    Case(
        ".env packed into the sdist",
        LOCAL,
        ExitCode.USAGE,
        f"{SDIST} holds the credential file good_sample-0.3.0/.env",
        dotenv_in_sdist,
    ),
    Case(
        "token value in the wheel",
        LOCAL,
        ExitCode.USAGE,
        f"{WHEEL} holds the value of a token or password in good/leak.txt",
        token_in_wheel,
        env={"PYPI_TOKEN": "pypi-SENTINEL-in-the-wheel"},
    ),
    Case(
        "sdist that twine cannot read",
        LOCAL,
        ExitCode.USAGE,
        f"twine cannot read {SDIST}",  # before any upload: the wheel stays home too
        unreadable_sdist,
    ),
]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The good sample, built once (dist/ holds its sdist and wheel)."""
    from noxship.build import build
    from noxship.project import Project

    root = tmp_path_factory.mktemp("bad") / "good"
    shutil.copytree(PROJECTS / "good", root)
    build(Project.load(git_repo(root)))
    return root


@pytest.fixture(scope="module")
def index() -> Iterator[LocalIndex]:
    with LocalIndex() as idx:
        yield idx


def base_env(index: LocalIndex) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CI", "GITLAB", "GITHUB", "NOXSHIP", "TWINE", "PYPI", "TEST_PYPI"))
    }
    from urllib.parse import urlsplit

    for name in ("LOCAL", "TESTPYPI", "PYPI"):
        env[f"NOXSHIP_TARGET_{name}_UPLOAD_URL"] = index.url
        env[f"NOXSHIP_TARGET_{name}_INDEX_URL"] = index.simple_url
        # PyPI's and TestPyPI's own credentials may go to this stand-in (M2).
        env[f"NOXSHIP_TARGET_{name}_TRUST_HOST"] = urlsplit(index.url).netloc
    env["NOXSHIP_TARGET_LOCAL_USERNAME"] = index.username
    env["NOXSHIP_TARGET_LOCAL_PASSWORD"] = index.password.reveal()
    return env


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case: Case, built: Path, index: LocalIndex, tmp_path: Path) -> None:
    root = tmp_path / "project"
    shutil.copytree(built, root)
    case.setup(root)
    result = subprocess.run(
        [sys.executable, "-m", "noxship", *case.argv],
        cwd=root,
        env={**base_env(index), **case.env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == case.code, (result.stdout, result.stderr)
    # One line says what is wrong and what to do: the last line of stderr.
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("noxship: error: "), result.stderr
    assert "Traceback" not in result.stderr and "usage:" not in result.stderr
    assert case.message in last, result.stderr
    assert index.files() == []  # nothing was published


def test_a_taken_file_name_stops_with_code_4(built: Path, tmp_path: Path) -> None:
    """The one bad input that needs something on the index: a file of the same
    name and other content. Nothing more is uploaded."""
    root = tmp_path / "project"
    shutil.copytree(built, root)
    with LocalIndex() as other:
        (other.packages / WHEEL).write_bytes(b"other content")
        before = {p.name: p.read_bytes() for p in other.files()}
        result = subprocess.run(
            [sys.executable, "-m", "noxship", *LOCAL],
            cwd=root,
            env=base_env(other),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == ExitCode.CONFLICT, result.stderr
        assert "already holds other content under the same file name" in result.stderr
        assert "Nothing was uploaded" in result.stderr
        assert {p.name: p.read_bytes() for p in other.files()} == before


def test_errors_doc_lists_every_case() -> None:
    from tests.conftest import REPO_ROOT

    doc = (REPO_ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    missing = [c.id for c in CASES if f"| {c.id} |" not in doc]
    assert not missing, (
        f"docs/errors.md lacks: {missing} (python -m tests.integration.test_bad_input)"
    )


def errors_table() -> str:
    """The bad-input table of ``docs/errors.md``."""
    rows = ["| input | command | message contains | code |", "|---|---|---|---|"]
    for c in CASES:
        message = c.message.replace("|", "\\|")
        rows.append(f"| {c.id} | `noxship {' '.join(c.argv)}` | `{message}` | {int(c.code)} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(errors_table(), end="")
