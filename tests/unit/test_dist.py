from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from packaging.version import Version

from noxship.build.dist import CHECKSUMS_NAME, find_distributions, wheel_top_level, write_checksums
from noxship.errors import DistributionError


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
