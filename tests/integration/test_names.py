"""``noxship check-name`` and the first release's name check, against a real
pypiserver on 127.0.0.1 that holds look-alike names. The rules are PyPI's
(warehouse's ``ProjectService.check_project_name``; see
:mod:`noxship.publish.names`)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from noxship.context import Context
from noxship.errors import ConfigError, IndexConflictError
from noxship.publish import LocalIndex, Target
from noxship.publish.index import project_page_exists
from noxship.publish.names import check_name, require_free_name, ultranormalize
from tests.wheels import make_wheel


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    packages = tmp_path_factory.mktemp("packages")
    make_wheel(packages, "oidc-helper", "1.0", {"oidc_helper/__init__.py": ""})
    make_wheel(packages, "Requests_Toolkit", "2.0", {"requests_toolkit/__init__.py": ""})
    with LocalIndex(packages) as local:
        yield Target("local", local.url, local.simple_url)


@pytest.mark.parametrize(
    ("name", "free", "reason"),
    [
        ("fresh-name", True, "'fresh-name' is free on local"),
        ("oidc-helper", False, "'oidc-helper' is taken on local: "),
        ("OIDC_Helper", False, "'OIDC_Helper' is taken on local: "),  # PEP 503 collision
        ("requests.toolkit", False, "'requests.toolkit' is taken on local: "),
        ("0idc-he1per", False, "'0idc-he1per' is too similar to 'oidc-helper' on local"),
        ("requests-t00lkit", False, "'requests-t00lkit' is too similar to 'requests-toolkit'"),
        ("asyncio", False, "'asyncio' is the name of a standard-library module"),
        ("xml.etree", False, "'xml.etree' is the name of a standard-library module"),
        ("-bad-", False, "'-bad-' is not a valid project name"),
    ],
)
def test_names_as_pypi_judges_them(index: Target, name: str, free: bool, reason: str) -> None:
    verdict = check_name(name, index)
    assert verdict.free is free
    assert verdict.reason.startswith(reason), verdict.reason


def test_a_taken_name_names_the_page_and_stops_with_exit_4(index: Target) -> None:
    with pytest.raises(IndexConflictError) as taken:
        require_free_name("OIDC_Helper", [index])
    assert str(taken.value) == f"'OIDC_Helper' is taken on local: {index.index_url}oidc-helper/"
    with pytest.raises(ConfigError, match="standard-library module"):
        require_free_name("asyncio", [index])
    require_free_name("fresh-name", [index])


def test_ultranormalize_follows_warehouse() -> None:
    """warehouse's migration d18d443f89f0: '.', '_', '-' removed; l/L/i/I -> 1; o/O -> 0."""
    assert ultranormalize("Oidc.Helper_lib") == ultranormalize("0IDC-he1per-1ib") == "01dche1per11b"


def test_the_first_release_checks_the_name(
    index: Target, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first release on PyPI or TestPyPI (no page of the project there yet)
    whose name PyPI would refuse stops before any upload, in one line."""
    from noxship.project import Project
    from noxship.release import publish_to
    from tests.integration.test_provenance import sdist_and_wheel

    root = tmp_path / "p"
    root.mkdir()
    (root / "pyproject.toml").write_text('[project]\nname = "good-sample"\nversion = "0.3.0"\n')
    sdist_and_wheel(root / "dist")
    env = {
        "NOXSHIP_TARGET_TESTPYPI_UPLOAD_URL": index.repository_url,
        "NOXSHIP_TARGET_TESTPYPI_INDEX_URL": index.index_url,
        "NOXSHIP_TARGET_TESTPYPI_USERNAME": "u",
        "NOXSHIP_TARGET_TESTPYPI_PASSWORD": "SENTINEL-password-never-sent",
    }
    project = Project.load(root)
    monkeypatch.setattr(
        "noxship.publish.names.stdlib_prohibited", lambda: frozenset({"good-sample"})
    )
    with pytest.raises(ConfigError) as refused:
        publish_to(Context.from_environ(env, project=project), ["testpypi"])
    assert str(refused.value) == (
        "the first release cannot be registered: 'good-sample' is the name of a "
        "standard-library module, which testpypi refuses: rename the project; nothing was uploaded"
    )


def test_a_first_release_does_not_ask_for_the_project_page_again(
    index: Target, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first release's check has just read that the index has no page of the
    project (``no_page``): the name check asks only for the names (rule 5)."""
    from noxship.publish import names

    asked: list[str] = []
    real = project_page_exists

    def counting(target: Target, name: str) -> bool:
        asked.append(name)
        return real(target, name)

    monkeypatch.setattr(names, "project_page_exists", counting)
    require_free_name("fresh-name", [index], no_page=True)
    with pytest.raises(IndexConflictError, match="too similar to 'oidc-helper'"):
        require_free_name("0idc-he1per", [index], no_page=True)
    assert asked == []
    require_free_name("fresh-name", [index])
    assert asked == ["fresh-name"]


def test_init_checks_the_name_unless_told_not_to(index: Target, tmp_path: Path) -> None:
    """``noxship init`` prints the quick checks' verdict for PyPI and TestPyPI (here
    both read the local index); ``--no-name-check`` asks no index at all."""
    root = tmp_path / "p"
    root.mkdir()
    (root / "pyproject.toml").write_text('[project]\nname = "OIDC_Helper"\nversion = "0.1.0"\n')

    def init(*flags: str, index_url: str) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("NOXSHIP_")}
        env["NOXSHIP_TARGET_PYPI_INDEX_URL"] = env["NOXSHIP_TARGET_TESTPYPI_INDEX_URL"] = index_url
        argv = [sys.executable, "-m", "noxship", "init", *flags, str(root)]
        return subprocess.run(argv, env=env, capture_output=True, text=True, check=True)

    checked = init(index_url=index.index_url)
    for target in ("pypi", "testpypi"):
        assert (
            f"name check: 'OIDC_Helper' is taken on {target}: {index.index_url}oidc-helper/ "
            "(fine if that project is yours)"
        ) in checked.stdout, checked.stdout
    (root / "noxfile.py").unlink()
    # An index that cannot be reached is a warning; with the flag, no index is asked.
    skipped = init("--no-name-check", index_url="http://127.0.0.1:9/simple/")
    assert "name check" not in skipped.stdout + skipped.stderr
    assert (root / "noxfile.py").is_file()
