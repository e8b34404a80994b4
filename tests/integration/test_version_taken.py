"""The release history and the version check of a merge request, on real
indexes on 127.0.0.1 (pypiserver, devpi-server) and real git remotes: a version
the index holds, a free version, an unreachable index, and a shallow clone
whose tags are on the remote only."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from noxship.build.dist import Distribution
from noxship.context import Context
from noxship.errors import IndexConflictError, IndexUnavailableError
from noxship.plan import check_version
from noxship.project import Project
from noxship.publish import publish
from noxship.release.history import gather_released
from tests.servers import IndexUnderTest

pytestmark = pytest.mark.network  # builds with the registries (the good_release fixture)


def env_for(index: IndexUnderTest) -> dict[str, str]:
    target, creds = index.target(), index.credentials()
    assert creds.password is not None
    return {"NOXSHIP_TARGET_MIRROR_UPLOAD_URL": target.repository_url,
            "NOXSHIP_TARGET_MIRROR_INDEX_URL": target.index_url,
            "NOXSHIP_TARGET_MIRROR_USERNAME": creds.username,
            "NOXSHIP_TARGET_MIRROR_PASSWORD": creds.password.reveal()}  # fmt: skip


def with_version(project: Project, version: str) -> Project:
    path = project.root / "pyproject.toml"
    path.write_text(path.read_text().replace('version = "0.3.0"', f'version = "{version}"'))
    return Project.load(project.root)


def test_a_version_on_the_index_is_taken_and_a_free_one_passes(
    index: IndexUnderTest, good_release: tuple[Project, list[Distribution]], tmp_path: Path
) -> None:
    project, dists = good_release
    publish(dists, index.target(), index.credentials(), check_install=False)
    env = env_for(index)
    released = gather_released(Context.from_environ(env, project=project), ["mirror"])
    assert released.places == {"0.3.0": ("mirror",)}
    assert "the simple index of mirror" in released.consulted
    # no remote: the local tags are read, and the reasons say so
    assert any("local tags only" in c for c in released.consulted)
    with pytest.raises(IndexConflictError, match=r"says 0\.3\.0, which is already released "
                       r"\(mirror\): bump it before merging: noxship bump patch, or a version from 0\.3\.1 up"):  # fmt: skip
        check_version(project, released)
    # the same project at a free version, in a copy (good_release is shared)
    subprocess.run(["git", "clone", "-q", str(project.root), str(tmp_path / "c")], check=True)
    free = with_version(Project.load(tmp_path / "c"), "0.4.0")
    said = check_version(free, gather_released(Context.from_environ(env, project=free), ["mirror"]))
    assert said.startswith("version check: 0.4.0 is not released yet (read ")


def test_an_unreachable_index_does_not_pass(
    good_release: tuple[Project, list[Distribution]],
) -> None:
    project, _ = good_release
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {"NOXSHIP_TARGET_MIRROR_UPLOAD_URL": f"http://127.0.0.1:{port}/",
           "NOXSHIP_TARGET_MIRROR_INDEX_URL": f"http://127.0.0.1:{port}/simple/",
           "NOXSHIP_RETRY_DELAY": "0"}  # fmt: skip
    released = gather_released(Context.from_environ(env, project=project), ["mirror"])
    assert (
        released.unreachable
        and "cannot reach the index of target mirror" in (released.unreachable[0])
    )
    with pytest.raises(IndexUnavailableError, match="cannot check that version 0.3.0"):
        check_version(project, released)


def released_origin(tmp_path: Path) -> Path:
    """A repository whose one commit is the release 1.2.0 of a project with
    ``preview-next = "auto"``."""
    origin = tmp_path / "origin"
    origin.mkdir()
    (origin / "pyproject.toml").write_text(
        '[project]\nname = "p"\nversion = "1.2.0"\n[tool.noxship]\npreview-next = "auto"\n'
    )
    git(origin, "init", "-q")
    git(origin, "add", "-A")
    git(origin, "commit", "-qm", "1.2.0")
    return origin


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}  # fmt: skip
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True,
                          text=True).stdout  # fmt: skip


def test_a_shallow_clone_asks_the_remote_for_its_tags(tmp_path: Path) -> None:
    origin = tmp_path / "origin"
    origin.mkdir()
    (origin / "pyproject.toml").write_text('[project]\nname = "p"\nversion = "1.0.0"\n')
    git(origin, "init", "-q")
    for version in ("1.0.0", "1.1.0", "1.2.0"):
        path = origin / "pyproject.toml"
        path.write_text(f'[project]\nname = "p"\nversion = "{version}"\n')
        git(origin, "commit", "-qam", version) if version != "1.0.0" else (
            git(origin, "add", "-A"),
            git(origin, "commit", "-qm", version),
        )
        git(origin, "tag", f"v{version}")
    path.write_text('[project]\nname = "p"\nversion = "1.2.0"\n# more\n')
    git(origin, "commit", "-qam", "work after 1.2.0")
    clone = tmp_path / "clone"
    # GitLab's GIT_DEPTH fetch: the clone holds no tag of the history
    git(tmp_path, "clone", "-q", "--depth", "1", "--no-tags", f"file://{origin}", str(clone))
    assert git(clone, "tag", "--list") == ""
    project = Project.load(clone)
    released = gather_released(Context.from_environ({}, project=project), [])
    assert sorted(released.places) == ["1.0.0", "1.1.0", "1.2.0"]
    assert released.consulted == ("the tags of origin (git ls-remote)",)
    with pytest.raises(IndexConflictError, match=r"\(tag v1\.2\.0\): bump it .* from 1\.2\.1 up"):
        check_version(project, released)


def test_check_version_command(tmp_path: Path) -> None:
    root = tmp_path / "p"
    root.mkdir()
    (root / "pyproject.toml").write_text('[project]\nname = "p"\nversion = "2.0.0"\n')
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "2.0.0")
    run = [sys.executable, "-m", "noxship", "check-version", "--project", str(root)]
    env = {**os.environ, "NOXSHIP_RELEASE_TARGETS": ""}  # the tags only: no index is asked
    ok = subprocess.run(run, capture_output=True, text=True, check=False, env=env)
    assert (ok.returncode, ok.stdout.strip()) == (
        0, "version check: 2.0.0 is not released yet (read the local tags only (origin could "
        "not be asked; a shallow clone may lack some))"), ok.stderr  # fmt: skip
    git(root, "tag", "v2.0.0")
    taken = subprocess.run(run, capture_output=True, text=True, check=False, env=env)
    assert taken.returncode == 4
    assert taken.stderr.strip().splitlines()[-1] == (
        "noxship: error: [project] version says 2.0.0, which is already released "
        "(tag v2.0.0): bump it before merging: noxship bump patch, or a version from 2.0.1 up"
    )


def test_preview_next_auto_reads_the_commits_in_a_shallow_clone(tmp_path: Path) -> None:
    """``preview-next = "auto"``: the preview after 1.2.0 with a ``feat`` commit is
    1.3.0.devN; the shallow clone is deepened to read the commits since the tag."""
    from noxship.plan import CIContext, make_plan

    origin = released_origin(tmp_path)
    git(origin, "tag", "v1.2.0")
    for message in ("feat: a new option", "docs: a typo", "fix: a crash"):
        git(origin, "commit", "-q", "--allow-empty", "-m", message)
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", "--no-tags", f"file://{origin}", str(clone))
    project = Project.load(clone)
    released = gather_released(Context.from_environ({}, project=project), [], preview=True)
    assert released.level == "minor"
    assert released.consulted[-1] == (
        "3 commits since v1.2.0 ask for a minor bump; the shallow clone was deepened "
        "(git fetch --unshallow)"
    )
    ctx = CIContext(
        "gitlab", "merge_request", run_number="8", run_number_variable="CI_PIPELINE_IID"
    )
    # an ordinary merge request on the released 1.2.0 releases nothing: its preview
    assert make_plan(ctx, project, released=released).version == "1.3.0.dev8"
    titled = ctx._replace(request_title="1.2.0")
    with pytest.raises(IndexConflictError):  # 1.2.0 is tagged: the check fails a release title
        make_plan(titled, project, released=released)
    (clone / "pyproject.toml").write_text((clone / "pyproject.toml").read_text() +
                                          "check-version = false\n")  # fmt: skip
    from noxship.plan import Policy

    project = Project.load(clone)
    plan = make_plan(titled, project, Policy.from_config(project.config, {}), released)
    assert plan.version == "1.3.0.dev8"


def test_commits_that_cannot_be_read_are_listed_not_raised(tmp_path: Path) -> None:
    """Review N15: ``gather_released`` promises to list what it cannot read. A
    shallow clone whose origin is gone made ``git fetch --unshallow`` raise."""
    origin = released_origin(tmp_path)
    git(origin, "commit", "-q", "--allow-empty", "-m", "feat: more")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{origin}", str(clone))
    git(clone, "remote", "set-url", "origin", str(tmp_path / "gone"))
    released = gather_released(
        Context.from_environ({}, project=Project.load(clone)), [], preview=True
    )
    assert released.level is None
    (failed,) = released.unreachable
    assert failed.startswith('the commits for preview-next = "auto": git fetch --unshallow')
