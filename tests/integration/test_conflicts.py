"""A file name the target holds with another sha256: the archives are compared
member by member. The same contents (an sdist built before builds were
reproducible) count as published; other contents stop the publish, naming the
members, with nothing uploaded. Real pypiserver, real twine."""

from __future__ import annotations

import gzip
import io
import tarfile
from pathlib import Path

import pytest

from noxship.build.dist import Distribution
from noxship.errors import IndexConflictError
from noxship.publish import Credentials, LocalIndex, Target, list_files, publish
from noxship.publish.index import IndexFile
from tests.wheels import make_wheel

MEMBERS = {"conflict_sample-1.0/PKG-INFO": "Metadata-Version: 2.1\nName: conflict-sample\n"
           "Version: 1.0\n", "conflict_sample-1.0/conflict_sample/__init__.py": "X = 1\n"}  # fmt: skip


def sdist(dest: Path, members: dict[str, str], *, built_at: int) -> Distribution:
    """An sdist whose gzip header and member times are the build time (as setuptools')."""
    dest.mkdir(parents=True, exist_ok=True)
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        for name, text in members.items():
            info = tarfile.TarInfo(name)
            data = text.encode()
            info.size, info.mtime = len(data), built_at
            tar.addfile(info, io.BytesIO(data))
    path = dest / "conflict_sample-1.0.tar.gz"
    path.write_bytes(gzip.compress(raw.getvalue(), mtime=built_at))
    dist = Distribution.from_path(path)
    assert dist is not None
    return dist


def release(dest: Path, members: dict[str, str], built_at: int) -> list[Distribution]:
    dest.mkdir(parents=True)
    wheel = Distribution.from_path(
        make_wheel(dest, "conflict-sample", "1.0", {"conflict_sample/__init__.py": "X = 1\n"})
    )
    assert wheel is not None
    return [sdist(dest, members, built_at=built_at), wheel]


def test_same_contents_count_as_published_other_contents_are_named(tmp_path: Path) -> None:
    first = release(tmp_path / "first", MEMBERS, built_at=1_700_000_000)
    rebuilt = release(tmp_path / "rebuilt", MEMBERS, built_at=1_700_000_999)
    assert rebuilt[0].sha256 != first[0].sha256
    changed = dict(MEMBERS)
    changed["conflict_sample-1.0/conflict_sample/__init__.py"] = "X = 2\n"
    changed["conflict_sample-1.0/extra.txt"] = "new\n"
    edited = release(tmp_path / "edited", changed, built_at=1_700_000_000)

    with LocalIndex() as index:
        target = Target("local", index.url, index.simple_url)
        creds = Credentials(index.username, index.password, "the index's user")
        publish(first, target, creds, environ={}, check_install=False)

        again = publish(rebuilt, target, creds, environ={}, check_install=False)
        assert again.uploaded == ()
        assert sorted(again.skipped) == sorted(d.filename for d in rebuilt)
        assert again.digests[rebuilt[0].filename] == first[0].sha256  # what the index holds

        with pytest.raises(IndexConflictError) as info:
            publish(edited, target, creds, environ={}, check_install=False)
        message = str(info.value)
        assert "changed: conflict_sample-1.0/conflict_sample/__init__.py" in message
        assert "only here: conflict_sample-1.0/extra.txt" in message
        assert "Nothing was uploaded" in message
        on_index = list_files(target, "conflict-sample", creds)
        assert on_index[first[0].filename].sha256 == first[0].sha256


def test_gitlab_compares_the_file_it_downloads(tmp_path: Path) -> None:
    """Review N2: on GitLab the target's file is downloaded from the PyPI API's
    ``files/<sha256>/<name>`` endpoint (not the ``simple/`` page), so a rebuilt
    sdist of the same contents is accepted there too, and an edited one is named
    member by member."""
    from noxship.publish import resolve_credentials, resolve_target
    from tests.fake_gitlab import FakeGitLab

    first = release(tmp_path / "first", MEMBERS, built_at=1_700_000_000)
    rebuilt = release(tmp_path / "rebuilt", MEMBERS, built_at=1_700_000_999)
    changed = {**MEMBERS, "conflict_sample-1.0/conflict_sample/__init__.py": "X = 2\n"}
    edited = release(tmp_path / "edited", changed, built_at=1_700_000_000)
    with FakeGitLab() as gitlab:
        gitlab.add_token("SENTINEL-job-token", "job")
        env = {
            "GITLAB_CI": "true",
            "CI_API_V4_URL": gitlab.api_url,
            "CI_PROJECT_ID": str(gitlab.project_id),
            "CI_JOB_TOKEN": "SENTINEL-job-token",
        }
        target = resolve_target("gitlab", env, "conflict-sample")
        creds = resolve_credentials(target, env)
        publish(first, target, creds, environ=env, check_install=False)

        again = publish(rebuilt, target, creds, environ=env, check_install=False)
        assert again.uploaded == ()
        assert again.digests[rebuilt[0].filename] == first[0].sha256
        downloads = [p for m, p, _ in gitlab.requests if m == "GET" and "/pypi/files/" in p]
        assert downloads == [
            f"/api/v4/projects/{gitlab.project_id}/packages/pypi/files/"
            f"{first[0].sha256}/{first[0].filename}"
        ]

        with pytest.raises(IndexConflictError) as info:
            publish(edited, target, creds, environ=env, check_install=False)
        assert "changed: conflict_sample-1.0/conflict_sample/__init__.py" in str(info.value)
        assert gitlab.files() == {d.filename: [d.sha256] for d in first}


def test_an_index_without_digests_is_measured(tmp_path: Path) -> None:
    """Review N3: an index that gives no sha256 hid a conflict. The file is now
    downloaded and hashed: the same bytes are published, others are compared."""
    from noxship.publish import preflight

    first = release(tmp_path / "first", MEMBERS, built_at=1_700_000_000)
    changed = {**MEMBERS, "conflict_sample-1.0/conflict_sample/__init__.py": "X = 2\n"}
    edited = release(tmp_path / "edited", changed, built_at=1_700_000_000)
    held = {d.filename: d.path.read_bytes() for d in first}
    existing = {name: IndexFile(name, None, f"http://index.invalid/{name}") for name in held}
    target = Target("nodigest", "http://index.invalid/", "http://index.invalid/simple/")

    def fetch(found: IndexFile) -> bytes:
        return held[found.filename]

    same = preflight(first, existing, target, fetch)
    assert (same.to_upload, len(same.skipped), same.accepted) == ([], 2, {})
    with pytest.raises(IndexConflictError, match=r"changed: conflict_sample-1\.0/conflict_sa"):
        preflight(edited, existing, target, fetch)
