"""Is the set of wheels complete (issue 28)? The combinations wheels serve, the
matrix of this release, and the previous release on the target."""

from __future__ import annotations

import pytest
from packaging.specifiers import SpecifierSet

from noxship.errors import DistributionError
from noxship.publish.complete import Matrix, check_complete, combinations

LINUX = "manylinux_2_17_x86_64.manylinux2014_x86_64"


def files(version: str, *tags: str) -> list[str]:
    return [f"p-{version}.tar.gz", *(f"p-{version}-{t}.whl" for t in tags)]


def test_what_each_tag_serves() -> None:
    assert combinations([f"p-1-cp312-cp312-{LINUX}.whl"]) == {("3.12", "linux-x86_64")}
    assert ("3.14", "windows-amd64") in combinations(["p-1-cp310-abi3-win_amd64.whl"])
    assert ("3.9", "windows-amd64") not in combinations(["p-1-cp310-abi3-win_amd64.whl"])
    assert combinations(["p-1-cp313-cp313-macosx_11_0_universal2.whl"]) == {
        ("3.13", "macos-arm64"),
        ("3.13", "macos-x86_64"),
    }
    assert combinations(["p-1-cp312-cp312-win32.whl"]) == {("3.12", "windows-x86")}
    assert combinations(["p-1-cp312-cp312-musllinux_1_2_aarch64.whl"]) == {
        ("3.12", "musllinux-aarch64")
    }
    assert ("3.13", "any") in combinations(["p-1-py3-none-any.whl"])
    assert combinations(["p-1-pp310-pypy310_pp73-manylinux_2_17_x86_64.whl"]) == {
        ("pypy3.10", "linux-x86_64")
    }


MATRIX = Matrix(SpecifierSet(">=3.11"), ("3.11", "3.12"))


@pytest.mark.parametrize(
    ("release", "previous", "matrix", "error"),
    [
        (files("2", "py3-none-any"), [], MATRIX, None),
        (files("2", f"cp311-cp311-{LINUX}", f"cp312-cp312-{LINUX}"), [], MATRIX, None),
        (files("2", f"cp311-abi3-{LINUX}"), [], MATRIX, None),
        (
            files("2", f"cp311-cp311-{LINUX}", "cp311-cp311-win_amd64", "cp312-cp312-win_amd64"),
            [],
            MATRIX,
            "no wheel for 3.12-linux-x86_64",
        ),
        (
            files("2", f"cp310-cp310-{LINUX}", f"cp311-cp311-{LINUX}", f"cp312-cp312-{LINUX}"),
            [],
            MATRIX,
            "p-2-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl: no Python that "
            "requires-python (>=3.11) admits",
        ),
        (
            files("2", f"cp311-cp311-{LINUX}", f"cp312-cp312-{LINUX}"),
            files("1", f"cp311-cp311-{LINUX}", f"cp312-cp312-{LINUX}", "cp311-cp311-win_amd64",
                  "cp312-cp312-win_amd64"),
            MATRIX,
            "fewer Pythons and platforms than 1 on the target: 3.11-windows-amd64, "
            "3.12-windows-amd64 are missing",
        ),
        (
            files("2", f"cp311-cp311-{LINUX}", f"cp312-cp312-{LINUX}"),
            files("1", f"cp311-cp311-{LINUX}", f"cp312-cp312-{LINUX}", "cp311-cp311-win_amd64",
                  "cp312-cp312-win_amd64"),
            MATRIX._replace(dropped=("*-windows-amd64",)),
            None,
        ),
        (  # 3.10 left requires-python: dropping its wheels is no loss
            files("2", f"cp311-cp311-{LINUX}", f"cp312-cp312-{LINUX}"),
            files("1", f"cp310-cp310-{LINUX}", f"cp311-cp311-{LINUX}", f"cp312-cp312-{LINUX}"),
            MATRIX,
            None,
        ),
        (  # the newest older release counts, not a newer one or an older one
            files("2", f"cp311-cp311-{LINUX}", f"cp312-cp312-{LINUX}"),
            [*files("1", f"cp311-cp311-{LINUX}"), *files("3", "cp311-cp311-win_amd64"),
             *files("0.9", "cp311-cp311-macosx_11_0_arm64")],
            MATRIX,
            None,
        ),
        (  # a pure wheel serves what platform wheels did
            files("2", "py3-none-any"),
            files("1", f"cp311-cp311-{LINUX}", "cp312-cp312-win_amd64"),
            MATRIX,
            None,
        ),
    ],
    ids=["pure", "linux", "abi3", "a platform lacks a Python", "a Python requires-python refuses",
         "a platform dropped", "dropped on purpose", "a Python left requires-python",
         "the previous release", "pure after platform wheels"],
)  # fmt: skip
def test_the_set_of_wheels_is_complete(
    release: list[str], previous: list[str], matrix: Matrix, error: str | None
) -> None:
    if error is None:
        check_complete(release, previous, matrix)
        return
    with pytest.raises(DistributionError, match="nothing was uploaded") as caught:
        check_complete(release, previous, matrix)
    assert error in str(caught.value)
