from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from packaging.version import Version

from noxship.build.dist import (
    CHECKSUMS_NAME,
    find_distributions,
    wheel_metadata,
    wheel_top_level,
    write_checksums,
)
from noxship.errors import DistributionError
from noxship.project import Project


def touch(d: Path, *names: str) -> None:
    d.mkdir(exist_ok=True)
    for n in names:
        (d / n).write_bytes(n.encode())


def test_finds_sdist_first(tmp_path: Path) -> None:
    touch(tmp_path, "foo_bar-1.0-py3-none-any.whl", "foo_bar-1.0.tar.gz", CHECKSUMS_NAME)
    touch(tmp_path, ".gitignore")  # what `uv build` writes into its output directory
    dists = find_distributions(tmp_path, "Foo.Bar", Version("1.0"))
    assert [d.kind for d in dists] == ["sdist", "wheel"]
    text = write_checksums(dists, tmp_path / CHECKSUMS_NAME)
    assert text.splitlines()[0].endswith("  foo_bar-1.0.tar.gz")


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ((), "holds no distributions"),
        (("other-1.0.tar.gz", "x-1.0-py3-none-any.whl"), "belongs to project 'other'"),
        (("x-1.0.tar.gz", "x-0.9-py3-none-any.whl", "x-1.0-py3-none-any.whl"), "mixes versions"),
        (("x-1.0.tar.gz",), "no wheel"),
        (("x-1.0-py3-none-any.whl",), "no sdist"),
        (("x-1.0.zip",), "not a wheel or sdist"),
        ((".DS_Store", "x-1.0.tar.gz", "x-1.0-py3-none-any.whl"), "not a wheel or sdist"),
        (("x-2.0.tar.gz", "x-2.0-py3-none-any.whl"), "not 1.0"),
    ],
)
def test_bad_dist_dirs(tmp_path: Path, files: tuple[str, ...], message: str) -> None:
    touch(tmp_path, *files)
    with pytest.raises(DistributionError, match=message):
        find_distributions(tmp_path, "x", Version("1.0"))


def test_missing_dir(tmp_path: Path) -> None:
    with pytest.raises(DistributionError, match="run `nox -s build` first"):
        find_distributions(tmp_path / "dist", "x")


def test_wheel_top_level(tmp_path: Path) -> None:
    wheel = tmp_path / "x-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        for name in (
            "pkg/__init__.py",
            "pkg/data/a.txt",
            "mod.py",
            "x-1.0.dist-info/METADATA",
            "x-1.0.data/scripts/run",
            "x.pth",
        ):
            zf.writestr(name, "")
    assert wheel_top_level(wheel) == ["mod", "pkg"]


def test_dist_matches_the_digests_the_build_job_handed_over(tmp_path: Path) -> None:
    """Noted in the 2026-12-03 security review: on GitHub, SHA256SUMS travels in the
    artifact with the files; the build job's output is the independent record."""
    from noxship.build.dist import Distribution
    from noxship.errors import DistributionError
    from noxship.release.chains import _check_handed_digests
    from tests.wheels import make_wheel

    dist = Distribution.from_path(make_wheel(tmp_path, "pkg", "1.0", {"pkg/__init__.py": ""}))
    assert dist is not None
    _check_handed_digests([dist], "")  # no output handed over: nothing to compare
    _check_handed_digests([dist], f"{dist.sha256}  {dist.filename}\n")
    with pytest.raises(DistributionError, match="differs from the build job's digests"):
        _check_handed_digests([dist], f"{'0' * 64}  {dist.filename}\n")
    with pytest.raises(DistributionError, match="is missing from the build job's digests"):
        _check_handed_digests([dist], f"{'0' * 64}  other-1.0.tar.gz\n")


def test_wheel_without_metadata_is_a_distribution_error(tmp_path: Path) -> None:
    wheel = tmp_path / "p-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr("p/__init__.py", "")
    with pytest.raises(DistributionError, match="holds 0 .dist-info/METADATA"):
        wheel_metadata(wheel)


def test_a_build_outside_git_says_it_is_not_reproducible(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Review 3: the build gave up reproducible builds without a word."""
    import logging

    from noxship.build import source_date_epoch

    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    with caplog.at_level(logging.WARNING, logger="noxship"):
        assert source_date_epoch(tmp_path) is None
    assert "this build is not reproducible" in caplog.text


def project_with(tmp_path: Path, body: str) -> Project:
    (tmp_path / "pyproject.toml").write_text(body, encoding="utf-8")
    return Project.load(tmp_path, check_requires_python=False)


def test_preview_copy_keeps_a_package_named_build(tmp_path: Path) -> None:
    """The preview build's copy left out every directory named ``build``, so a
    package with a ``build`` subpackage (noxship itself) lost it."""
    from noxship.build.builder import _with_version

    root = tmp_path / "p"
    (root / "src" / "p" / "build").mkdir(parents=True)
    (root / "src" / "p" / "build" / "__init__.py").write_text("")
    (root / "build").mkdir()
    (root / "build" / "junk").write_text("")
    project = project_with(root, '[project]\nname = "p"\nversion = "1.0"\n')
    copy = _with_version(project, Version("1.0.dev3"), tmp_path / "copy")
    assert (copy / "src" / "p" / "build" / "__init__.py").is_file()
    assert not (copy / "build").exists()
    assert 'version = "1.0.dev3"' in (copy / "pyproject.toml").read_text()
