"""A release with a platform missing stops before any upload (issue 28): the
set of wheels is checked against the matrix and against the previous release
on a real pypiserver on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet

from noxship.build.dist import Distribution
from noxship.errors import DistributionError
from noxship.publish import publish
from noxship.publish.complete import Matrix
from tests.servers import pypiserver_index
from tests.wheels import make_sdist, make_wheel

LINUX = "manylinux_2_17_x86_64.manylinux2014_x86_64"
MATRIX = Matrix(SpecifierSet(">=3.11"), ("3.11", "3.12"))


def release(dest: Path, version: str, *tags: str) -> list[Distribution]:
    dest.mkdir()
    paths = [make_sdist(dest, "compiled-sample", version)]
    for tag in tags:
        files = {"compiled_sample/__init__.py": ""}
        paths.append(make_wheel(dest, "compiled-sample", version, files, tag=tag))
    return [d for p in paths if (d := Distribution.from_path(p)) is not None]


def test_a_missing_platform_wheel_stops_the_release_before_any_upload(tmp_path: Path) -> None:
    first = release(
        tmp_path / "1",
        "1.0",
        f"cp311-cp311-{LINUX}",
        f"cp312-cp312-{LINUX}",
        "cp311-cp311-win_amd64",
        "cp312-cp312-win_amd64",
    )
    with pypiserver_index() as index:
        target, credentials = index.target(), index.credentials()
        done = publish(first, target, credentials, check_install=False, matrix=MATRIX)
        assert len(done.uploaded) == 5
        held = index.files()
        # A Python missing on one platform: the matrix refuses it.
        lacking = release(
            tmp_path / "2a", "2.0", f"cp311-cp311-{LINUX}", f"cp312-cp312-{LINUX}",
            "cp311-cp311-win_amd64",
        )  # fmt: skip
        with pytest.raises(DistributionError, match=r"no wheel for 3\.12-windows-amd64"):
            publish(lacking, target, credentials, check_install=False, matrix=MATRIX)
        assert index.files() == held
        # Windows gone since 1.0: the previous release refuses it.
        linux_only = release(tmp_path / "2b", "2.0", f"cp311-cp311-{LINUX}", f"cp312-cp312-{LINUX}")
        with pytest.raises(DistributionError, match="than 1.0 on the target") as caught:
            publish(linux_only, target, credentials, check_install=False, matrix=MATRIX)
        assert "3.11-windows-amd64, 3.12-windows-amd64 are missing" in str(caught.value)
        assert index.files() == held
        # Named in dropped-wheels, it goes out, wheels before the sdist.
        dropped = MATRIX._replace(dropped=("*-windows-*",))
        done = publish(linux_only, target, credentials, check_install=False, matrix=dropped)
        assert done.uploaded[-1] == "compiled_sample-2.0.tar.gz"
        assert len(done.uploaded) == 3
