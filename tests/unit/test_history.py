"""Preview versions over generated release histories (PEP 440 ordering, as
``packaging`` implements it), and the version check of a merge request."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.version import Version

from noxship.errors import IndexConflictError, IndexUnavailableError
from noxship.plan import CIContext, Policy, make_plan, preview_version
from noxship.plan.history import ReleaseHistory, next_version
from noxship.plan.planner import check_version
from noxship.project import Project

BUMPS = ("patch", "minor", "major", "pre", "final", "post")


def bumped(v: Version, how: str, letter: str) -> Version:
    """The release after ``v``, as maintainers make them."""
    major, minor, patch = (*v.release, 0, 0)[:3]
    if how == "final" and v.pre:
        return v.__replace__(pre=None)
    if how == "pre" and v.pre:
        return v.__replace__(pre=(v.pre[0], v.pre[1] + 1))
    if how == "post" and not v.pre:
        return v.__replace__(post=(v.post or 0) + 1)
    release = {"major": (major + 1, 0, 0), "minor": (major, minor + 1, 0)}.get(
        how, (major, minor, patch + 1)
    )
    pre = (letter, 1) if how == "pre" else None
    return v.__replace__(release=release, pre=pre, post=None)


@st.composite
def histories(draw: st.DrawFn) -> list[Version]:
    """A project's releases, oldest first: bumps, pre-releases, finals, posts."""
    first = Version(".".join(str(draw(st.integers(0, 3))) for _ in range(3)))
    steps = draw(st.lists(st.tuples(st.sampled_from(BUMPS), st.sampled_from(["a", "b", "rc"])),
                          min_size=1, max_size=12))  # fmt: skip
    out = [first]
    for how, letter in steps:
        out.append(bumped(out[-1], how, letter))
    assert out == sorted(out) and len(set(out)) == len(out)
    return out


def released(versions: list[Version]) -> ReleaseHistory:
    return ReleaseHistory.from_sources({"pypi": [str(v) for v in versions]}, ["the index of pypi"])


def project_at(tmp_path: Path, version: Version) -> Project:
    root = tmp_path / f"p{version}"
    root.mkdir(exist_ok=True)
    (root / "pyproject.toml").write_text(
        f'[project]\nname = "p"\nversion = "{version}"\n', encoding="utf-8"
    )
    return Project.load(root)


def mr(run: int, title: str | None = None) -> CIContext:
    return CIContext("gitlab", "merge_request", run_number=str(run),
                     run_number_variable="CI_PIPELINE_IID", request_title=title)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(history=histories(), cut=st.integers(0, 12), runs=st.tuples(st.integers(1, 10**6),
       st.integers(1, 10**6)), forgot=st.booleans())  # fmt: skip
def test_a_preview_sorts_after_every_earlier_release_and_before_its_next(
    tmp_path_factory: pytest.TempPathFactory,
    history: list[Version],
    cut: int,
    runs: tuple[int, int],
    forgot: bool,
) -> None:
    cut = min(cut, len(history) - 1)
    earlier, coming = history[:cut], history[cut]
    # The merge request either carries the version it becomes (not released yet)
    # or one already released (the bump is forgotten; the check then fails it).
    version = earlier[-1] if forgot and earlier else coming
    tmp = tmp_path_factory.mktemp("h")
    project = project_at(tmp, version)
    previews = [preview_version(project, mr(n), released(earlier))[0] for n in runs]
    for preview in previews:
        assert preview.is_devrelease and preview.local is None
        assert all(preview > r for r in earlier), (preview, earlier)
        if version == coming or coming.post is None:
            # A post-release of the newest release cannot be foreseen from a
            # version that is already released; every other next release can.
            assert preview < coming, (preview, coming, earlier)
    if runs[0] != runs[1]:
        assert previews[0] != previews[1]


@pytest.mark.parametrize(
    ("history", "version", "expected"),
    [
        ([], "1.4.0", "1.4.0"),
        (["1.3.0"], "1.4.0", "1.4.0"),
        (["1.4.0"], "1.4.0", "1.4.1"),  # the case: 1.4.0.dev12 sorted before 1.4.0
        (["1.4.0", "1.5.0"], "1.4.2", "1.5.1"),  # a version older than the newest
        (["1.5.0rc1"], "1.5.0rc1", "1.5.0rc2"),
        (["1.5.0rc1"], "1.5.0", "1.5.0rc2"),  # 1.5.0.devN sorts before 1.5.0rc1
        (["1.5.0rc1"], "1.5.0rc2", "1.5.0rc2"),
        (["2"], "2", "2.0.1"),
        (["1!1.0"], "1!1.0", "1!1.0.1"),
        (["1.4.0", "1.4.1.dev3"], "1.4.0", "1.4.1"),  # a dev release on the index is a preview
    ],
)
def test_next_version(history: list[str], version: str, expected: str) -> None:
    """(With ``preview-next = "auto"``, the level the commits ask for: below.)"""
    history_ = ReleaseHistory.from_sources({"pypi": history})
    following, reason = next_version(Version(version), history_)
    assert following == Version(expected)
    assert expected in reason


def test_the_plan_of_a_merge_request_names_the_preview_and_the_history(tmp_path: Path) -> None:
    project = project_at(tmp_path, Version("1.4.0"))
    history = ReleaseHistory.from_sources({"pypi": ["1.3.0"], "tag v1.3.0": ["1.3.0"]},
                                    ["the tags of origin (git ls-remote)", "the index of pypi"])  # fmt: skip
    plan = make_plan(mr(12, "release 1.4.0"), project, released=history)
    assert plan.version == "1.4.0.dev12"
    said = "\n".join(plan.reasons)
    assert "the tags of origin (git ls-remote)" in said
    assert "version check: 1.4.0 is not released yet" in said


def test_a_taken_version_fails_the_merge_request_with_one_line(tmp_path: Path) -> None:
    project = project_at(tmp_path, Version("1.4.0"))
    history = ReleaseHistory.from_sources({"pypi": ["1.4.0"], "tag v1.4.0": ["1.4.0"]})
    with pytest.raises(IndexConflictError) as caught:
        make_plan(mr(12, "1.4.0"), project, released=history)
    message = str(caught.value)
    assert message == (
        "[project] version says 1.4.0, which is already released (pypi, tag v1.4.0): "
        "bump it before merging: noxship bump patch, or a version from 1.4.1 up"
    )
    assert caught.value.exit_code == 4


def test_the_check_does_not_pass_when_a_source_cannot_be_read(tmp_path: Path) -> None:
    project = project_at(tmp_path, Version("1.4.0"))
    history = ReleaseHistory.from_sources({}, ["the tags of origin"],
                                    ["the index of pypi: cannot reach it"])  # fmt: skip
    with pytest.raises(IndexUnavailableError, match=r"cannot check that version 1\.4\.0 is not "
                       r"taken: the index of pypi: cannot reach it: re-run"):  # fmt: skip
        check_version(project, history)
    # found taken elsewhere: that answer stands
    history = history._replace(places={"1.4.0": ("tag v1.4.0",)})
    with pytest.raises(IndexConflictError):
        check_version(project, history)


def test_the_check_can_be_turned_off(tmp_path: Path) -> None:
    project = project_at(tmp_path, Version("1.4.0"))
    with (project.root / "pyproject.toml").open("a", encoding="utf-8") as f:
        f.write("[tool.noxship]\ncheck-version = false\n")
    project = Project.load(project.root)
    history = ReleaseHistory.from_sources({"pypi": ["1.4.0"]})
    plan = make_plan(mr(3), project, Policy.from_config(project.config, {}), history)
    assert plan.version == "1.4.1.dev3"
    assert "version check off ([tool.noxship] check-version = false)" in plan.reasons


def test_a_later_job_keeps_the_preview_an_earlier_job_planned(tmp_path: Path) -> None:
    from noxship.plan import plan_from_environment

    project = project_at(tmp_path, Version("1.4.0"))
    env = {"GITLAB_CI": "true", "CI_PIPELINE_SOURCE": "merge_request_event",
           "CI_MERGE_REQUEST_IID": "5", "CI_PIPELINE_IID": "9", "CI_COMMIT_SHA": "a" * 40,
           "CI_DEFAULT_BRANCH": "main", "CI_PROJECT_PATH": "g/p",
           "CI_MERGE_REQUEST_SOURCE_PROJECT_PATH": "g/p",
           "CI_MERGE_REQUEST_PROJECT_PATH": "g/p"}  # fmt: skip
    asked: list[tuple[str, ...]] = []

    def history(targets: tuple[str, ...], preview: bool) -> ReleaseHistory:
        asked.append(targets)
        return ReleaseHistory.from_sources({"pypi": ["1.3.0"]})

    assert plan_from_environment(project, env, history).version == "1.4.0.dev9"
    assert asked == [("testpypi", "pypi")]
    later = {**env, "NOXSHIP_PLAN_KIND": "preview", "NOXSHIP_PLAN_VERSION": "1.4.0.dev9"}
    history_now = ReleaseHistory.from_sources({"pypi": ["1.3.0", "1.4.0rc1"]})
    assert plan_from_environment(project, later, lambda *_: history_now).version == "1.4.0.dev9"


@pytest.mark.parametrize(("level", "expected"), [(None, "1.4.1"), ("minor", "1.5.0"),
                                                 ("major", "2.0.0")])  # fmt: skip
def test_next_version_after_the_commits_level(
    level: Literal["minor", "major"] | None, expected: str
) -> None:
    history = ReleaseHistory.from_sources({"pypi": ["1.4.0"]})._replace(level=level)
    assert next_version(Version("1.4.0"), history)[0] == Version(expected)
