"""The decision table, one row per case: environment in, plan out.

``docs/decisions.md`` is generated from ``DECISIONS`` (run
``python -m tests.unit.test_plan``) and a test checks it is up to date.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path

import pytest
from packaging.version import Version

from noxship.context import Context
from noxship.errors import ConfigError, ExitCode, PlanError
from noxship.plan import (
    CIContext,
    Policy,
    detect,
    make_plan,
    plan_from_environment,
    preview_version,
    release_version,
)
from noxship.project import Project

DOCS = Path(__file__).parents[2] / "docs" / "decisions.md"

GL = {
    "GITLAB_CI": "true",
    "CI_DEFAULT_BRANCH": "main",
    "CI_PROJECT_ID": "7",
    "CI_PIPELINE_IID": "123",
    "CI_COMMIT_SHA": "abc",
}
GL_PUSH_MAIN = {**GL, "CI_PIPELINE_SOURCE": "push", "CI_COMMIT_BRANCH": "main"}
GL_MR = {
    **GL,
    "CI_PIPELINE_SOURCE": "merge_request_event",
    "CI_MERGE_REQUEST_IID": "42",
    "CI_MERGE_REQUEST_SOURCE_PROJECT_ID": "7",
}
GH = {"GITHUB_ACTIONS": "true", "GITHUB_RUN_NUMBER": "77", "GITHUB_SHA": "abc"}

# (case, environment, event payload or None, kind, version, targets, tag)
DECISIONS: list[
    tuple[
        str, dict[str, str], dict[str, object] | None, str, str | None, tuple[str, ...], str | None
    ]
] = [
    (
        "GitLab push to the default branch, release message",
        {**GL_PUSH_MAIN, "CI_COMMIT_TITLE": "1.4.0"},
        None,
        "release",
        "1.4.0",
        ("testpypi", "pypi"),
        "v1.4.0",
    ),
    (
        "GitLab push to the default branch, `v` and notes",
        {**GL_PUSH_MAIN, "CI_COMMIT_TITLE": "v1.4.0: notes"},
        None,
        "release",
        "1.4.0",
        ("testpypi", "pypi"),
        "v1.4.0",
    ),
    (
        "GitLab push to the default branch, `release` prefix",
        {**GL_PUSH_MAIN, "CI_COMMIT_MESSAGE": "release 1.4.0\n\nbody"},
        None,
        "release",
        "1.4.0",
        ("testpypi", "pypi"),
        "v1.4.0",
    ),
    (
        "GitLab push to the default branch, `Release:` prefix",
        {**GL_PUSH_MAIN, "CI_COMMIT_TITLE": "Release: v1.4.0"},
        None,
        "release",
        "1.4.0",
        ("testpypi", "pypi"),
        "v1.4.0",
    ),
    (
        "GitLab tag pipeline",
        {**GL, "CI_PIPELINE_SOURCE": "push", "CI_COMMIT_TAG": "v1.4.0"},
        None,
        "release",
        "1.4.0",
        ("testpypi", "pypi"),
        None,
    ),
    ("GitLab merge request", GL_MR, None, "preview", "1.4.0.dev123", ("testpypi",), None),
    (
        "GitLab merge request from a fork",
        {**GL_MR, "CI_MERGE_REQUEST_SOURCE_PROJECT_ID": "99"},
        None,
        "none",
        None,
        (),
        None,
    ),
    (
        "GitLab push to the default branch, other message",
        {**GL_PUSH_MAIN, "CI_COMMIT_TITLE": "Fix a typo"},
        None,
        "none",
        None,
        (),
        None,
    ),
    (
        "GitLab push to the default branch, `10 foo`",
        {**GL_PUSH_MAIN, "CI_COMMIT_TITLE": "10 foo"},
        None,
        "none",
        None,
        (),
        None,
    ),
    (
        "GitLab push to the default branch, `1.2`",
        {**GL_PUSH_MAIN, "CI_COMMIT_TITLE": "1.2"},
        None,
        "none",
        None,
        (),
        None,
    ),
    (
        "GitLab push to the default branch, `release notes for 1.2.3`",
        {**GL_PUSH_MAIN, "CI_COMMIT_TITLE": "release notes for 1.2.3"},
        None,
        "none",
        None,
        (),
        None,
    ),
    (
        "GitLab push to another branch, release message",
        {
            **GL,
            "CI_PIPELINE_SOURCE": "push",
            "CI_COMMIT_BRANCH": "feature",
            "CI_COMMIT_TITLE": "1.4.0",
        },
        None,
        "none",
        None,
        (),
        None,
    ),
    (
        "GitLab schedule",
        {
            **GL,
            "CI_PIPELINE_SOURCE": "schedule",
            "CI_COMMIT_BRANCH": "main",
            "CI_COMMIT_TITLE": "1.4.0",
        },
        None,
        "none",
        None,
        (),
        None,
    ),
    (
        "GitHub push of tag v1.4.0",
        {
            **GH,
            "GITHUB_EVENT_NAME": "push",
            "GITHUB_REF": "refs/tags/v1.4.0",
            "GITHUB_REF_NAME": "v1.4.0",
            "GITHUB_REF_TYPE": "tag",
        },
        {"repository": {"default_branch": "main", "full_name": "o/r"}},
        "release",
        "1.4.0",
        ("testpypi", "pypi"),
        None,
    ),
    (
        "GitHub release published",
        {**GH, "GITHUB_EVENT_NAME": "release", "GITHUB_REF": "refs/tags/v1.4.0"},
        {
            "action": "published",
            "release": {"tag_name": "v1.4.0"},
            "repository": {"default_branch": "main", "full_name": "o/r"},
        },
        "release",
        "1.4.0",
        ("testpypi", "pypi"),
        None,
    ),
    (
        "GitHub push to the default branch, release message",
        {**GH, "GITHUB_EVENT_NAME": "push", "GITHUB_REF": "refs/heads/main"},
        {
            "head_commit": {"message": "v1.4.0: notes\n\nmore"},
            "repository": {"default_branch": "main", "full_name": "o/r"},
        },
        "release",
        "1.4.0",
        ("testpypi", "pypi"),
        "v1.4.0",
    ),
    (
        "GitHub push to the default branch, other message",
        {**GH, "GITHUB_EVENT_NAME": "push", "GITHUB_REF": "refs/heads/main"},
        {
            "head_commit": {"message": "Refactor"},
            "repository": {"default_branch": "main", "full_name": "o/r"},
        },
        "none",
        None,
        (),
        None,
    ),
    (
        "GitHub pull request",
        {**GH, "GITHUB_EVENT_NAME": "pull_request", "GITHUB_REF": "refs/pull/5/merge"},
        {
            "pull_request": {"head": {"repo": {"full_name": "o/r"}}},
            "repository": {"default_branch": "main", "full_name": "o/r"},
        },
        "preview",
        "1.4.0.dev77",
        ("testpypi",),
        None,
    ),
    (
        "GitHub pull request from a fork",
        {**GH, "GITHUB_EVENT_NAME": "pull_request", "GITHUB_REF": "refs/pull/5/merge"},
        {
            "pull_request": {"head": {"repo": {"full_name": "fork/r"}}},
            "repository": {"default_branch": "main", "full_name": "o/r"},
        },
        "none",
        None,
        (),
        None,
    ),
    (
        "GitHub schedule",
        {**GH, "GITHUB_EVENT_NAME": "schedule", "GITHUB_REF": "refs/heads/main"},
        {"repository": {"default_branch": "main", "full_name": "o/r"}},
        "none",
        None,
        (),
        None,
    ),
    ("no CI", {}, None, "none", None, (), None),
]


@pytest.fixture
def project(tmp_path: Path) -> Project:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "1.4.0"\n')
    return Project.load(tmp_path)


def env_with_payload(env: Mapping[str, str], payload: object, tmp_path: Path) -> dict[str, str]:
    result = dict(env)
    if payload is not None:
        path = tmp_path / "event.json"
        path.write_text(json.dumps(payload))
        result["GITHUB_EVENT_PATH"] = str(path)
    return result


@pytest.mark.parametrize(
    ("case", "env", "payload", "kind", "version", "targets", "tag"),
    DECISIONS,
    ids=[d[0] for d in DECISIONS],
)
def test_decision_table(
    project: Project,
    tmp_path: Path,
    case: str,
    env: dict[str, str],
    payload: object,
    kind: str,
    version: str | None,
    targets: tuple[str, ...],
    tag: str | None,
) -> None:
    plan = plan_from_environment(project, env_with_payload(env, payload, tmp_path))
    assert (plan.kind, plan.version, plan.targets, plan.tag) == (kind, version, targets, tag)
    # The reasons say what was decided: the version and each target are named.
    said = " ".join(plan.reasons)
    assert plan.reasons and all(plan.reasons)
    for word in (version, *targets, tag):
        if word:
            assert word in said, (word, plan.reasons)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {**GL_PUSH_MAIN, "CI_COMMIT_TITLE": "1.5.0"},
            "announces version 1.5.0, but [project] version says 1.4.0",
        ),
        ({**GL_PUSH_MAIN, "CI_COMMIT_TITLE": "1.4.0-foo-bar"}, "not a valid PEP 440 version"),
        ({**GL, "CI_PIPELINE_SOURCE": "push", "CI_COMMIT_TAG": "v1.5.0"}, "says 1.4.0"),
        (
            {**GL, "CI_PIPELINE_SOURCE": "push", "CI_COMMIT_TAG": "v01.4.0"},
            "normalised form v1.4.0",
        ),
        ({"GITLAB_CI": "true"}, "CI_PIPELINE_SOURCE is not set"),
        ({**GL, "CI_PIPELINE_SOURCE": "merge_request_event"}, "CI_MERGE_REQUEST_IID is not set"),
        ({**GL_MR, "CI_PIPELINE_IID": ""}, "CI_PIPELINE_IID is not set"),
        ({**GH, "GITHUB_EVENT_NAME": "push"}, "GITHUB_EVENT_PATH is not set"),
        (
            {**GH, "GITHUB_EVENT_NAME": "push", "GITHUB_EVENT_PATH": "/nonexistent.json"},
            "cannot read the GitHub event payload",
        ),
        ({"NOXSHIP_PROVIDER": "jenkins"}, "NOXSHIP_PROVIDER='jenkins' is unknown"),
    ],
)
def test_inconsistent_input_is_exit_2(project: Project, env: dict[str, str], message: str) -> None:
    with pytest.raises(PlanError, match=re.escape(message)) as info:
        plan_from_environment(project, env)
    assert info.value.exit_code == ExitCode.USAGE


@pytest.mark.parametrize(
    ("title", "version"),
    [
        ("1.4.0", "1.4.0"),
        ("v1.4.0: notes", "1.4.0"),
        ("release v2.0.0rc1", "2.0.0rc1"),
        ("release: 1.4.0", "1.4.0"),
        ("Release 1.4.0", "1.4.0"),
        ("Release: v1.4.0", "1.4.0"),
        ("Released 1.4.0", None),
        ("1.2", None),
        ("10 foo", None),
        ("release notes for 1.2.3", None),
        ("v1.2.3x", "1.2.3x"),
        ("", None),
        (None, None),
    ],
)
def test_release_version(title: str | None, version: str | None) -> None:
    assert release_version(title) == version


def test_environment_overrides_targets(project: Project) -> None:
    env = {**GL_PUSH_MAIN, "CI_COMMIT_TITLE": "1.4.0", "NOXSHIP_RELEASE_TARGETS": "gitlab, pypi"}
    assert plan_from_environment(project, env).targets == ("gitlab", "pypi")


def test_bad_release_pattern(project: Project) -> None:
    with pytest.raises(ConfigError, match="no \\(\\?P<version>"):
        Policy.from_config(project.config, {"NOXSHIP_RELEASE_PATTERN": "^x"})


def test_a_version_read_from_a_file_previews_and_is_checked(tmp_path: Path) -> None:
    """hatch's [tool.hatch.version] path: read without building, checked like a static one."""
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\ndynamic = ["version"]\n[build-system]\n'
        'requires = ["hatchling"]\nbuild-backend = "hatchling.build"\n'
        '[tool.hatch.version]\npath = "src/x/__about__.py"\n'
    )
    (tmp_path / "src" / "x").mkdir(parents=True)
    (tmp_path / "src" / "x" / "__about__.py").write_text('__version__ = "2.1.0"\n')
    project = Project.load(tmp_path)
    assert (project.version_source.kind, str(project.version)) == ("file", "2.1.0")
    assert make_plan(detect(GL_MR), project).version == f"2.1.0.dev{GL_MR['CI_PIPELINE_IID']}"
    with pytest.raises(PlanError, match=r"but \[tool.hatch.version\] path says 2.1.0"):
        make_plan(detect({**GL_PUSH_MAIN, "CI_COMMIT_TITLE": "2.2.0"}), project)


def test_a_local_version_is_never_released(project: Project) -> None:
    with pytest.raises(PlanError, match="local part .* PyPI and TestPyPI refuse"):
        make_plan(detect({**GL_PUSH_MAIN, "CI_COMMIT_TITLE": "1.4.0+g1234"}), project)


# Merge requests and the release history (GitLab merge request, CI_PIPELINE_IID=123):
# (case, project version, {place: versions}, unreadable source or None, check on,
#  what merging releases: "title" (a release message), "bump from X" (the base had X)
#  or "nothing", plan or error)
HISTORY: list[tuple[str, str, dict[str, list[str]], str | None, bool, str, str]] = [
    ("no release yet", "1.4.0", {}, None, True, "title", "preview 1.4.0.dev123"),
    ("the version is not released yet", "1.4.0", {"pypi": ["1.3.0"], "tag v1.3.0": ["1.3.0"]},
     None, True, "title", "preview 1.4.0.dev123"),
    ("the version is taken", "1.4.0", {"pypi": ["1.4.0"], "tag v1.4.0": ["1.4.0"]}, None, True, "title",
     "exit 4: [project] version says 1.4.0, which is already released (pypi, tag v1.4.0): "
     "bump it before merging: noxship bump patch, or a version from 1.4.1 up"),
    ("the version is taken, check off", "1.4.0", {"pypi": ["1.4.0"]}, None, False, "title",
     "preview 1.4.1.dev123"),
    ("only its tag exists", "1.4.0", {"tag v1.4.0": ["1.4.0"]}, None, True, "title",
     "exit 4: [project] version says 1.4.0, which is already released (tag v1.4.0): "
     "bump it before merging: noxship bump patch, or a version from 1.4.1 up"),
    ("the final after a release candidate", "1.5.0", {"pypi": ["1.4.0", "1.5.0rc1"]}, None,
     True, "title", "preview 1.5.0rc2.dev123"),
    ("previews on the index are not releases", "1.4.0", {"testpypi": ["1.4.0.dev99"]}, None,
     True, "title", "preview 1.4.0.dev123"),
    ("an index cannot be read", "1.4.0", {"tag v1.3.0": ["1.3.0"]},
     "the index of pypi: cannot reach it", True, "title",
     "exit 1: cannot check that version 1.4.0 is not taken: the index of pypi: cannot reach "
     "it: re-run when it can be read, or set check-version = false in [tool.noxship]"),
    ("an ordinary merge request on a released version", "1.4.0",
     {"pypi": ["1.4.0"], "tag v1.4.0": ["1.4.0"]}, None, True, "nothing", "preview 1.4.1.dev123"),
    ("the version changed to a taken one", "1.4.0", {"pypi": ["1.4.0"]}, None, True,
     "bump from 1.3.0", "exit 4: [project] version says 1.4.0, which is already released "
     "(pypi): bump it before merging: noxship bump patch, or a version from 1.4.1 up"),
    ("the version changed to a free one", "1.5.0", {"pypi": ["1.4.0"]}, None, True,
     "bump from 1.4.0", "preview 1.5.0.dev123"),
    ("indexes down, an ordinary merge request", "1.4.0", {"tag v1.4.0": ["1.4.0"]},
     "the index of pypi: cannot reach it", True, "nothing", "preview 1.4.1.dev123"),
    ("indexes down, a release title", "1.4.0", {"tag v1.3.0": ["1.3.0"]},
     "the index of pypi: cannot reach it", True, "title",
     "exit 1: cannot check that version 1.4.0 is not taken: the index of pypi: cannot reach "
     "it: re-run when it can be read, or set check-version = false in [tool.noxship]"),
]  # fmt: skip


def history_outcome(project: Project, row: tuple[str, str, dict[str, list[str]], str | None,
                    bool, str, str]) -> str:  # fmt: skip
    from noxship.errors import NoxshipError
    from noxship.plan import ReleaseHistory

    _, version, places, unreadable, check, merging, _ = row
    (project.root / "pyproject.toml").write_text(
        f'[project]\nname = "x"\nversion = "{version}"\n'
        + ("" if check else "[tool.noxship]\ncheck-version = false\n")
    )
    project = Project.load(project.root)
    released = ReleaseHistory.from_sources(places, ["the tags of origin", "the index of pypi"],
                                     [unreadable] if unreadable else [])  # fmt: skip
    try:
        title = f"{version}: release" if merging == "title" else "Fix a typo in the docs"
        base = merging.removeprefix("bump from ") if merging.startswith("bump") else version
        env = {**GL_MR, "CI_MERGE_REQUEST_TITLE": title}
        plan = make_plan(
            detect(env),
            project,
            Policy.from_config(project.config, {}),
            released,
            base_version=base,
        )
    except NoxshipError as exc:
        return f"exit {int(exc.exit_code)}: {exc}"
    return f"{plan.kind.value} {plan.version}"


@pytest.mark.parametrize("row", HISTORY, ids=[h[0] for h in HISTORY])
def test_merge_requests_and_the_release_history(
    project: Project, row: tuple[str, str, dict[str, list[str]], str | None, bool, str, str]
) -> None:
    assert history_outcome(project, row) == row[-1]


def render_decisions() -> str:
    lines = [
        "# How noxship decides what to publish",
        "",
        "Generated from `DECISIONS` in `tests/unit/test_plan.py` by "
        "`python -m tests.unit.test_plan`; a test fails when this file is stale.",
        "Project version in every example: `1.4.0`. Default targets: release `testpypi, pypi`; "
        "preview `testpypi`.",
        "",
        "| case | variables (and event payload) | plan | version | targets | tag |",
        "|---|---|---|---|---|---|",
    ]
    for case, env, payload, kind, version, targets, tag in DECISIONS:
        shown = {
            k: v
            for k, v in env.items()
            if k not in ("CI_PROJECT_ID", "CI_COMMIT_SHA", "GITHUB_SHA")
        }
        cell = (
            "<br>".join(f"`{k}={v!s}`".replace("\n", "\\n") for k, v in shown.items()) or "(none)"
        )
        if payload:
            cell += "<br>payload `" + json.dumps(payload) + "`"
        lines.append(
            f"| {case} | {cell} | {kind} | {version or '-'} | {', '.join(targets) or '-'} | {tag or '-'} |"
        )
    lines += [
        "",
        "Inconsistent input (exit code 2, nothing published): a release message or tag whose "
        "version differs from `pyproject.toml` or is not valid PEP 440; a tag not in the "
        "normalised form `v<version>`; missing `CI_PIPELINE_SOURCE`, `CI_MERGE_REQUEST_IID` or "
        "`CI_PIPELINE_IID` where the pipeline needs them; an unreadable GitHub event payload.",
        "",
        "## Merge and pull requests: the preview version and the version check",
        "",
        "A GitLab merge request (`CI_PIPELINE_IID=123`). The release history is read from the "
        "remote's `v*` tags (`git ls-remote`) and the release targets' simple indexes; "
        "developmental releases there are previews, not releases. The preview is "
        "`<next>.dev<N>`: `<next>` is the project's version when it is not released and its "
        "previews sort after every release, else the release after the newest one (next "
        "pre-release, else next patch). The version check fails the merge request when the "
        "version merging would release is released (exit 4) or a source cannot be read "
        "(exit 1). Merging releases a version only when the request's title is a release "
        "message (`CI_MERGE_REQUEST_TITLE`, the pull request's title) or the request changes "
        "the version from its base (`CI_MERGE_REQUEST_DIFF_BASE_SHA`, the pull request's "
        "`base.sha`); an ordinary merge request on a released version publishes its preview "
        "and says that merging releases nothing.",
        "",
        "| case | project version | released | check-version | merging releases | plan |",
        "|---|---|---|---|---|---|",
    ]
    for case, version, places, unreadable, check, merging, outcome in HISTORY:
        where = "; ".join(f"{', '.join(v)} ({k})" for k, v in places.items()) or "-"
        if unreadable:
            where += f"; not read: {unreadable}"
        said = {"title": "its title", "nothing": "nothing"}.get(merging, merging)
        lines.append(
            f"| {case} | {version} | {where} | {str(check).lower()} | {said} | {outcome} |"
        )
    lines.append("")
    return "\n".join(lines)


def test_docs_decisions_is_up_to_date() -> None:
    assert DOCS.read_text(encoding="utf-8") == render_decisions()


if __name__ == "__main__":
    DOCS.write_text(render_decisions(), encoding="utf-8")


def test_a_huge_commit_title_is_cut_in_reasons(project: Project) -> None:
    """A 10 MB title was echoed twice in full."""
    env = {**GL_PUSH_MAIN, "CI_COMMIT_TITLE": "x" * 10_000_000}
    plan = plan_from_environment(project, env)
    assert max(len(r) for r in plan.reasons) < 400
    assert "(10000000 characters)" in plan.reasons[0]


def test_a_missing_title_is_said_in_words(project: Project) -> None:
    """A push with no commit title, and a merge request with no title, are no
    release messages, and the reasons say so without printing ``None``."""
    from noxship.plan import ReleaseHistory

    (reason,) = plan_from_environment(project, GL_PUSH_MAIN).reasons
    assert "commit title is not known, so it is not a release message" in reason
    released = ReleaseHistory.from_sources({"tag v1.3.0": ["1.3.0"]}, ["the tags of origin"])
    policy = Policy.from_config(project.config, {})
    plan = make_plan(detect(GL_MR), project, policy, released, base_version="1.4.0")
    assert any("its title is not known, so it is not a release message" in r for r in plan.reasons)
    assert not any("None" in r for r in plan.reasons), plan.reasons


def test_an_empty_plan_says_nothing_to_publish(project: Project) -> None:
    import io

    from noxship.plan import render

    plan = plan_from_environment(project, {})
    out = io.StringIO()
    render(plan, "text", {}, out)
    assert out.getvalue().startswith("nothing to publish\n  - no CI detected")


@pytest.fixture
def no_sockets(monkeypatch: pytest.MonkeyPatch) -> None:
    """A socket guard: any connection (an index, a remote) fails the test."""
    import socket

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"a plan that publishes nothing opened a connection: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.mark.parametrize(
    "env",
    [
        {**GL_MR, "CI_MERGE_REQUEST_SOURCE_PROJECT_ID": "99"},  # a fork's merge request
        {**GL, "CI_PIPELINE_SOURCE": "push", "CI_COMMIT_BRANCH": "feature"},
        {**GL, "CI_PIPELINE_SOURCE": "schedule", "CI_COMMIT_BRANCH": "main"},
        {},  # a laptop
    ],
    ids=["fork", "feature-push", "schedule", "laptop"],
)
def test_plans_that_publish_nothing_read_no_socket(
    project: Project, env: dict[str, str], no_sockets: None
) -> None:
    from noxship.release.history import history_reader

    environ = {**env, "NOXSHIP_TARGET_PYPI_INDEX_URL": "https://192.0.2.1/simple/"}
    plan = plan_from_environment(
        project, environ, history_reader(Context.from_environ(environ, project=project))
    )
    assert plan.kind.value == "none"


def test_later_jobs_take_the_handed_over_plan(project: Project, no_sockets: None) -> None:
    """N1: build and test jobs read no index: the plan job's dotenv report says the version."""
    from noxship.release import planned_version

    env = {**GL_MR, "NOXSHIP_PLAN_KIND": "preview", "NOXSHIP_PLAN_VERSION": "1.4.1.dev123"}
    assert str(planned_version(Context.from_environ(env, project=project))) == "1.4.1.dev123"
    handed = {**GL_MR, "NOXSHIP_PLAN_KIND": "none"}
    assert planned_version(Context.from_environ(handed, project=project)) is None


@pytest.mark.parametrize(
    ("title", "base", "outcome"),
    [
        ("Fix a typo in the docs", "1.4.0", "preview 1.4.1.dev77"),  # bump after merging
        ("1.4.0", "1.4.0", "exit 4"),  # a release title: its version must be free
        ("Bump to 1.4.0", "1.3.0", "exit 4"),  # bumped in the pull request to a taken version
        ("Bump to 1.4.0", "1.4.0", "preview 1.4.1.dev77"),
    ],
)
def test_github_pull_requests_check_what_merging_releases(
    project: Project, tmp_path: Path, title: str, base: str, outcome: str
) -> None:
    """README.md's two flows as GitHub pull request plans: the title and the base come
    from the event payload (``pull_request.title``, ``pull_request.base.sha``)."""
    from noxship.errors import NoxshipError
    from noxship.plan import ReleaseHistory

    payload = {
        "pull_request": {
            "title": title,
            "head": {"repo": {"full_name": "o/r"}},
            "base": {"sha": "b" * 40},
        },
        "repository": {"default_branch": "main", "full_name": "o/r"},
    }
    env = env_with_payload(
        {
            **GH,
            "GITHUB_EVENT_NAME": "pull_request",
            "GITHUB_REF": "refs/pull/5/merge",
            "GITHUB_BASE_REF": "main",
        },
        payload,
        tmp_path,
    )
    released = ReleaseHistory.from_sources({"pypi": ["1.4.0"], "tag v1.4.0": ["1.4.0"]})
    try:
        plan = plan_from_environment(
            project,
            env,
            lambda targets, preview: released,
            lambda sha: base if sha == "b" * 40 else None,
        )
    except NoxshipError as exc:
        assert outcome == f"exit {int(exc.exit_code)}", exc
        return
    assert f"{plan.kind.value} {plan.version}" == outcome


def project_with(tmp_path: Path, body: str) -> Project:
    (tmp_path / "pyproject.toml").write_text(body, encoding="utf-8")
    return Project.load(tmp_path, check_requires_python=False)


@pytest.mark.parametrize(
    ("version", "preview"),
    [
        ("1.4.0", "1.4.0.dev7"),
        ("1.4.0rc1", "1.4.0rc1.dev7"),
        ("1!2.0.post1", "1!2.0.post1.dev7"),
        ("1.4.0+local", "1.4.0.dev7"),
        ("1.4.0.dev3", "1.4.0.dev7"),
    ],
)
def test_preview_version_with_packaging(tmp_path: Path, version: str, preview: str) -> None:
    project = project_with(tmp_path, f'[project]\nname = "p"\nversion = "{version}"\n')
    ctx = CIContext(
        "gitlab", "merge_request", run_number="7", run_number_variable="CI_PIPELINE_IID"
    )
    assert preview_version(project, ctx)[0] == Version(preview)


def test_github_payload_of_unexpected_types_is_read_safely(tmp_path: Path) -> None:
    import json

    from noxship.plan import detect

    payload = tmp_path / "event.json"
    payload.write_text(json.dumps({"repository": "oops", "head_commit": ["x"], "pull_request": 3}))
    ctx = detect({"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request",
                  "GITHUB_EVENT_PATH": str(payload)})  # fmt: skip
    assert ctx.event == "pull_request" and ctx.default_branch is None


def test_the_decision_asks_the_edge_for_a_version_only_the_backend_knows(
    tmp_path: Path, no_sockets: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Review §2.6: ``make_plan`` called the build backend for a VCS version. It
    now raises VersionNeeded, and ``plan_from_environment`` (the edge) resolves
    the version and decides again; a plan that does not need it never asks."""
    from packaging.version import Version

    from noxship.plan import make_plan
    from noxship.plan.planner import VersionNeeded

    dynamic = project_with(
        tmp_path,
        '[build-system]\nrequires = ["setuptools", "setuptools_scm"]\n'
        'build-backend = "setuptools.build_meta"\n'
        '[project]\nname = "p"\ndynamic = ["version"]\n[tool.setuptools_scm]\n',
    )
    asked: list[str] = []

    def resolved() -> Version:
        asked.append("backend")
        return Version("2.0.1")

    monkeypatch.setattr(Project, "resolved_version", lambda self: resolved())
    ctx = detect({**GL_MR, "NOXSHIP_PREVIEW_TARGETS": "testpypi"})
    with pytest.raises(VersionNeeded):
        make_plan(ctx, dynamic)
    assert make_plan(ctx, dynamic, current=Version("2.0.1")).version == "2.0.1.dev123"
    assert plan_from_environment(dynamic, GL_MR).version == "2.0.1.dev123"
    assert asked == ["backend"]
    feature = {**GL, "CI_PIPELINE_SOURCE": "push", "CI_COMMIT_BRANCH": "feature"}
    assert plan_from_environment(dynamic, feature).kind.value == "none"
    assert asked == ["backend"]  # a plan that needs no version never asks
