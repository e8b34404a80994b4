"""An sdist is made byte-identical across builds: times, owners, order and the
gzip header are normalised; contents and permission bits are kept."""

from __future__ import annotations

import gzip
import io
import tarfile
from pathlib import Path

import pytest

from noxship.build.normalise import normalise_sdist
from noxship.errors import DistributionError

EPOCH = 1_700_000_000


def make_sdist(path: Path, *, build_time: int, mtime: int, user: str, reverse: bool) -> Path:
    """An sdist as setuptools writes one: the gzip header holds the build time,
    the members their files' times and the builder's user."""
    members = [("pkg-1.0/PKG-INFO", b"Name: pkg\n", 0o644), ("pkg-1.0/run.sh", b"#!/bin/sh\n", 0o755),
               ("pkg-1.0/pkg/__init__.py", b"", 0o644)]  # fmt: skip
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for name, data, mode in reversed(members) if reverse else members:
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), mode, mtime
            info.uid, info.uname = 1000, user
            tar.addfile(info, io.BytesIO(data))
    path.write_bytes(gzip.compress(raw.getvalue(), mtime=build_time))
    return path


def test_two_builds_become_byte_identical(tmp_path: Path) -> None:
    one = make_sdist(tmp_path / "a.tar.gz", build_time=EPOCH + 50, mtime=EPOCH + 7, user="ci",
                     reverse=False)  # fmt: skip
    two = make_sdist(tmp_path / "b.tar.gz", build_time=EPOCH + 90, mtime=EPOCH + 9, user="me",
                     reverse=True)  # fmt: skip
    assert one.read_bytes() != two.read_bytes()
    assert normalise_sdist(one, EPOCH) and normalise_sdist(two, EPOCH)
    assert one.read_bytes() == two.read_bytes()
    assert not normalise_sdist(one, EPOCH)  # already normal: left as it is
    with tarfile.open(one) as tar:
        infos = tar.getmembers()
        assert [i.name for i in infos] == sorted(i.name for i in infos)
        assert {(i.mtime, i.uid, i.gid, i.uname, i.gname) for i in infos} == {(EPOCH, 0, 0, "", "")}
        assert tar.getmember("pkg-1.0/run.sh").mode == 0o755
        script = tar.extractfile("pkg-1.0/run.sh")
        assert script is not None and script.read() == b"#!/bin/sh\n"
    assert int.from_bytes(one.read_bytes()[4:8], "little") == EPOCH  # RFC 1952 MTIME


def test_older_times_are_kept(tmp_path: Path) -> None:
    sdist = make_sdist(tmp_path / "a.tar.gz", build_time=EPOCH, mtime=EPOCH - 100, user="x",
                       reverse=False)  # fmt: skip
    normalise_sdist(sdist, EPOCH)
    with tarfile.open(sdist) as tar:
        assert {i.mtime for i in tar.getmembers()} == {EPOCH - 100}


def test_not_an_archive(tmp_path: Path) -> None:
    bad = tmp_path / "pkg-1.0.tar.gz"
    bad.write_bytes(b"not gzip")
    with pytest.raises(DistributionError, match="not a readable .tar.gz sdist"):
        normalise_sdist(bad, EPOCH)
