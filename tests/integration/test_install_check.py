"""The install check takes the published package from the target alone, and its
dependencies from the right index: two real pypiservers on 127.0.0.1 hold a
dependency of the same name, and uv installs into a fresh venv. Needs no
package registry: the wheels are made by hand."""

from __future__ import annotations

from pathlib import Path

from noxship.build.dist import Distribution
from noxship.environment import Redactor
from noxship.publish import Credentials, LocalIndex, Target, install_check
from noxship.publish.targets import PyPIKind
from tests.wheels import make_wheel

RIGHT = "ORIGIN = 'right'\n"
WRONG = "raise ImportError('dependency confusion: this dep-sample came from the wrong index')\n"
APP = "import dep_sample\n"


def app(dest: Path) -> Distribution:
    wheel = make_wheel(dest, "app-sample", "1.0", {"app_sample/__init__.py": APP}, ["dep-sample"])
    dist = Distribution.from_path(wheel)
    assert dist is not None
    return dist


def dep(dest: Path, version: str, text: str) -> None:
    make_wheel(dest, "dep-sample", version, {"dep_sample/__init__.py": text})


def indexes(tmp_path: Path) -> tuple[Path, Path]:
    target, public = tmp_path / "target", tmp_path / "public"
    target.mkdir()
    public.mkdir()
    return target, public


def check(target_dir: Path, public_dir: Path, dist: Distribution, *, pypi_kind: bool) -> None:
    with LocalIndex(target_dir) as target, LocalIndex(public_dir) as public:
        kind = PyPIKind if pypi_kind else None
        where = Target(
            "testpypi" if pypi_kind else "private", target.url, target.simple_url, kind=kind
        )
        creds = Credentials(target.username, target.password, "test")
        install_check([dist], where, creds, Redactor(), public_index=public.simple_url)


def test_a_private_dependency_is_never_taken_from_the_public_index(tmp_path: Path) -> None:
    """A same-named, newer dep-sample on the public index does not win over the
    target's (uv would prefer an extra index to the default one)."""
    target, public = indexes(tmp_path)
    dist = app(target)
    dep(target, "1.0", RIGHT)
    dep(public, "2.0", WRONG)
    check(target, public, dist, pypi_kind=False)


def test_testpypi_dependencies_come_from_the_public_index_alone(tmp_path: Path) -> None:
    """On TestPyPI anyone may publish any name: a dep-sample there is not taken."""
    target, public = indexes(tmp_path)
    dist = app(target)
    dep(target, "9.0", WRONG)
    dep(public, "1.0", RIGHT)
    check(target, public, dist, pypi_kind=True)


def test_a_dependency_found_only_on_testpypi_is_refused(tmp_path: Path) -> None:
    """The old order took it from TestPyPI (then the target) when PyPI lacked it."""
    import pytest

    from noxship.errors import PublishError

    target, public = indexes(tmp_path)
    dist = app(target)
    dep(target, "1.0", RIGHT)
    with pytest.raises(PublishError, match="does not install and import from testpypi"):
        check(target, public, dist, pypi_kind=True)


def test_no_dependency_is_built_beside_the_index_credentials(tmp_path: Path) -> None:
    """M3 of the 2026-12-03 security review: the target's password was in ``UV_INDEX``,
    where the backend of an sdist-only dependency read it. Now uv gets it through its
    per-index variables, and builds no dependency where they are set."""
    import pytest

    from noxship.errors import PublishError
    from tests.integration.test_keys import evildep, recorded

    target, public = indexes(tmp_path)
    wheel = make_wheel(target, "app-sample", "1.0", {"app_sample/__init__.py": ""}, ["evildep"])
    dist = Distribution.from_path(wheel)
    assert dist is not None
    dump = tmp_path / "envdump.jsonl"
    evildep(target, dump)  # only its sdist, on the private target
    with pytest.raises(PublishError, match="does not install and import from private"):
        check(target, public, dist, pypi_kind=False)
    assert recorded(dump) == []  # its backend never ran
