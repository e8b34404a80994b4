"""Acceptance: real sdists from PyPI, of every shape noxship claims, with no
``[tool.noxship]`` settings: ``noxship init``, then ``nox -s release_local`` on one Python.

Each sdist is unpacked as a repository would look (no ``PKG-INFO``, no
``*.egg-info``: those are what an sdist adds), committed to git and tagged
``v<version>``, as a release checkout is. The sdists are cached in pytest's
cache directory. Where a project's own suite fails on this machine whatever
noxship does, the entry says which tests are deselected and why.

Then, per VCS plugin, the three plans that build a version (a merge request's
preview, a release message, a tag), each built and published to a local index;
and per build backend, two builds compared byte for byte and two publishes to
pypiserver and devpi, the second of which uploads nothing.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest

from noxship.build import build
from noxship.build.dist import find_distributions
from noxship.context import Context
from noxship.init import session_names
from noxship.project import Project
from noxship.publish import Credentials, LocalIndex, Target, publish
from tests.conftest import run_nox
from tests.integration.test_real_projects import fetch_sdist, import_proofs
from tests.servers import DevpiServer

pytestmark = [pytest.mark.slow, pytest.mark.network, pytest.mark.corpus]

PY = "3.12"
PYTHONS_HERE = ("3.9", "3.10", "3.11", "3.12", "3.13")
"""The CPythons this machine (and the CI image) has that tomlkit admits (>=3.9)."""


@dataclasses.dataclass(frozen=True)
class Real:
    """A real project on PyPI, and what it exercises."""

    name: str
    version: str
    backend: str
    version_source: str
    test_dependencies: str
    settings: str = ""
    why: str = ""
    tests: int = 0
    """How many tests the plain run collects (``pytest`` in the source tree): test_wheel
    must run as many against the wheel. 0: not recorded."""
    posargs: tuple[str, ...] = ()
    """Arguments after ``--`` (``nox -s release_local -- -k ...``)."""
    pythons: str | None = PY
    """``NOXSHIP_PYTHONS`` for ``release_local``; None: noxship's default, every Python
    on the machine that the project admits."""

    @property
    def id(self) -> str:
        return f"{self.name}-{self.version}"


CORPUS = [
    Real("tomlkit", "0.15.2", "poetry-core", "static", "dependency group 'dev' (PEP 735)",
         why="issue 2's acceptance: the default release_local, on every Python the project "
         "admits (3.9 to 3.13 here)", pythons=None),
    Real("pluggy", "1.7.0", "setuptools", "setuptools_scm",
         "dependency group 'testing' (PEP 735)"),
    Real("iniconfig", "2.3.1", "setuptools", "setuptools_scm", "dependency group 'dev' (PEP 735)"),
    Real("cachetools", "8.0.2", "setuptools", "file", "tox.ini [testenv] deps"),
    Real("blinker", "1.9.0", "flit_core", "static", "requirements file requirements/tests.txt"),
    Real("dep-logic", "0.7.2", "pdm-backend", "pdm-scm", "PDM dev-dependency group 'dev'"),
    Real("ghrepo", "0.7.1", "hatchling", "file", "tox.ini [testenv] deps"),
    Real("structlog", "26.1.0", "hatchling", "hatch-vcs", "dependency group 'tests' (PEP 735)"),
    Real("stevedore", "5.10.0", "pbr", "pbr", "requirements file test-requirements.txt",
         settings='pytest-args = ["-k", "not TestCache"]',
         why="tests inside the package; TestCache fails as root here without noxship too "
         "(pytest --pyargs stevedore.tests.test_cache: 3 failed)"),
    Real("findpython", "0.9.0", "pdm-backend", "pdm-scm", "dependency group 'tests' (PEP 735)",
         posargs=("-k", "not exclude_unreadable"),
         why="test_find_python_exclude_unreadable expects an unreadable file, which root "
         "reads: deselected after --, as a user does"),
    Real("toolz", "1.2.0", "setuptools", "setuptools-git-versioning",
         "dependency group 'test' (PEP 735)"),  # tests inside the package
    Real("tinuous", "0.7.5", "setuptools", "versioningit", "tox.ini [testenv] deps"),
    Real("bracex", "3.2.3", "hatchling", "built", "hatch environment 'dev'"),
    Real("python-slugify", "8.0.4", "setuptools (setup.py only)", "built", "none found",
         why="setup.py reads slugify/__version__.py with exec; the sdist ships no tests: "
         "test_wheel checks the imports"),
    Real("xmltodict", "1.0.4", "setuptools", "static", "extra 'test' (PEP 621)"),
    Real("idna", "3.20", "flit_core", "file", "extra 'all' (PEP 621)"),
    Real("cleo", "2.1.0", "poetry-core", "static", "Poetry group 'dev'"),
    Real("towncrier", "26.9.0", "hatchling", "static", "extra 'dev' (PEP 621)"),  # own noxfile
    Real("pyproject-hooks", "1.3.3", "flit_core", "file",
         "requirements file dev-requirements.txt"),  # own noxfile
    Real("uv-secure", "0.17.2", "uv_build", "static", "dependency group 'dev' (PEP 735)",
         why="uv_build's sdist has no tests (its default): test_wheel checks the imports"),
    # Issue 23's shapes: the suite the project's own runner collects.
    Real("six", "1.17.0", "setuptools (setup.py only)", "built", "none found",
         why="test_six.py at the root (no test directory)", tests=200),
    Real("jaraco.functools", "4.6.0", "setuptools", "setuptools_scm", "extra 'test' (PEP 621)",
         why="test_functools.py at the root, pytest.ini --doctest-modules", tests=40),
    Real("zope.event", "6.2", "setuptools", "static", "extra 'test' (PEP 621)",
         why="unittest tests in src/zope/event/tests.py (a namespace package)", tests=2),
    Real("pytz", "2026.6", "setuptools (setup.py only)", "built", "none found",
         why="pytz/tests is in the sdist, not in the wheel: copied into the installed package",
         tests=237),
    # Issue 24's shapes: coverage measured the project's way.
    Real("platformdirs", "4.3.6", "hatchling", "hatch-vcs", "extra 'test' (PEP 621)",
         why="covdefaults, fail_under = 76 over --cov src/platformdirs --cov tests", tests=482),
    Real("legacy-api-wrap", "1.5", "hatchling", "hatch-vcs", "extra 'test' (PEP 621)",
         why="--doctest-glob=*.rst: the README's doctest", tests=11),
    Real("py-serializable", "2.2.0", "poetry-core", "static",
         "Poetry's [tool.poetry.dev-dependencies]", why="pins coverage 7.6.1", tests=91),
    Real("jsonschema-specifications", "2025.9.1", "hatchling", "hatch-vcs",
         "noxfile.py session 'tests'",
         why="fail_under = 100 that its plain pytest never checks: reported", tests=4),
    Real("cachetools", "5.5.2", "setuptools", "file", "tox.ini [testenv] deps",
         why="no long_description_content_type: a warning, as PyPI accepts it", tests=216),
    Real("pytest-httpserver", "1.2.0", "poetry-core", "static", "Poetry group 'test'",
         settings='scan-allow = ["tests/assets/rootCA.key", "tests/assets/server.key"]',
         why="committed TLS test keys: the one fix the refusal names", tests=155),
]  # fmt: skip
"""Every entry passed on this machine (2026-12-01); the closing note has the table."""

PDM_SCM = {"dep-logic", "findpython"}
"""pdm-backend writes the version into the sdist's pyproject.toml: the repository
declares it dynamic, as restored here."""

RESULTS = Path(os.environ.get("NOXSHIP_CORPUS_RESULTS", "/tmp/noxship-corpus.json"))


def checkout(cache: pytest.Cache, real: Real, dest: Path) -> Path:
    """The sdist unpacked as a tagged release checkout."""
    sdist = fetch_sdist(cache, real.name, real.version)
    with tarfile.open(sdist) as tar:
        tar.extractall(dest, filter="data")
    (root,) = [p for p in dest.iterdir() if p.is_dir()]
    for leftover in [root / "PKG-INFO", *root.glob("*.egg-info"), *root.glob("src/*.egg-info")]:
        if leftover.is_dir():
            shutil.rmtree(leftover)
        elif leftover.exists():
            leftover.unlink()
    if real.name in PDM_SCM:
        import tomlkit

        doc = tomlkit.parse((root / "pyproject.toml").read_text(encoding="utf-8"))
        table = doc["project"]
        del table["version"]
        table["dynamic"] = [*table.get("dynamic", []), "version"]
        (root / "pyproject.toml").write_text(tomlkit.dumps(doc), encoding="utf-8")
    if real.settings:
        with (root / "pyproject.toml").open("a", encoding="utf-8") as f:
            f.write(f"\n[tool.noxship]\n{real.settings}\n")
    if not (root / ".gitignore").exists():  # every repository has one; few sdists ship it
        ignored = ["build/", "dist/", "*.egg-info/", ".nox/", "__pycache__/",
                   *written_version_files(root)]  # fmt: skip
        (root / ".gitignore").write_text("".join(f"/{p}\n" if "/" in p.rstrip("/") else f"{p}\n"
                                                 for p in ignored), encoding="utf-8")  # fmt: skip
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", f"release {real.version}")
    git(root, "tag", f"v{real.version}")
    return root


def written_version_files(root: Path) -> list[str]:
    """The files a VCS plugin writes at build time, which its repository ignores
    (the sdist ships them; committed, they would make every build "dirty")."""
    import tomllib

    path = root / "pyproject.toml"
    tool = tomllib.loads(path.read_text(encoding="utf-8")).get("tool", {}) if path.is_file() else {}
    scm = tool.get("setuptools_scm", {})
    hatch_vcs = tool.get("hatch", {}).get("build", {}).get("hooks", {}).get("vcs", {})
    found = [scm.get("version_file"), scm.get("write_to"), hatch_vcs.get("version-file"),
             tool.get("versioningit", {}).get("write", {}).get("file")]  # fmt: skip
    return [f for f in found if isinstance(f, str)]


def git(root: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}  # fmt: skip
    return subprocess.run(["git", *args], cwd=root, env=env, check=True,
                          capture_output=True, text=True).stdout  # fmt: skip


def init(root: Path, version: str) -> None:
    """``noxship init``, committed; the release tag moves to that commit."""
    subprocess.run([sys.executable, "-m", "noxship", "init", "--no-name-check", str(root)], check=True,
                   capture_output=True)  # fmt: skip
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "noxship")
    git(root, "tag", "-f", f"v{version}")


def record(real: Real, seconds: float, result: str) -> None:
    data = json.loads(RESULTS.read_text()) if RESULTS.is_file() else {}
    data[real.id] = {**dataclasses.asdict(real), "seconds": round(seconds, 1), "result": result}
    RESULTS.write_text(json.dumps(data, indent=2))


COVERED = {"idna": "pyproject.toml", "structlog": "pyproject.toml", "pluggy": ".coveragerc"}
"""Projects whose coverage configuration sets fail_under (idna: 95), omit and branch
(structlog, in pyproject.toml), branch and exclude_lines (pluggy, in .coveragerc):
their release_local run also checks that coverage follows that configuration."""


def check_coverage_follows_the_project(real: Real, root: Path, log: str) -> None:
    """The coverage line names the project's configuration file, the reports hold
    the project's files only, and its settings (fail_under, branch, omit) hold."""
    (line,) = [ln for ln in log.splitlines() if ln.startswith("noxship > coverage: ")]
    assert line.endswith(f"from {COVERED[real.name]})"), line
    reports = root / "build" / "reports"
    report = json.loads((reports / "coverage.json").read_text())
    files = list(report["files"])
    assert files and all(f.startswith(("src/", f"{real.name}/")) for f in files), files[:3]
    if real.name == "idna":
        assert "(fail_under 95, from pyproject.toml)" in line
    if real.name in ("structlog", "pluggy"):
        assert report["meta"]["branch_coverage"] is True
    if real.name == "structlog":
        assert "src/structlog/_greenlets.py" not in files
    for name in ("coverage.xml", "coverage.json", "htmlcov/index.html", f"coverage-py{PY}.xml"):
        assert (reports / name).is_file(), name


@pytest.mark.parametrize("real", CORPUS, ids=[r.id for r in CORPUS])
def test_release_local(pytestconfig: pytest.Config, tmp_path: Path, real: Real) -> None:
    assert pytestconfig.cache is not None
    root = checkout(pytestconfig.cache, real, tmp_path)
    noxfile = root / "noxfile.py"
    own = noxfile.read_text(encoding="utf-8") if noxfile.is_file() else None
    init(root, real.version)
    if own is not None:  # init keeps the project's noxfile and adds the registration
        assert noxfile.read_text(encoding="utf-8").startswith(own)
        listed = run_nox(root, "-l").stdout
        for name in [*session_names(own), "release_local", "test_wheel"]:
            assert f" {name}" in listed, (name, listed)
    index_dir = tmp_path / "index"
    start = time.monotonic()
    posargs = ("--", *real.posargs) if real.posargs else ()
    env = {"NOXSHIP_LOCAL_INDEX_DIR": str(index_dir)}
    if real.pythons:
        env["NOXSHIP_PYTHONS"] = real.pythons
    result = run_nox(root, "-s", "release_local", *posargs, env=env, timeout=900)
    record(real, time.monotonic() - start, "pass" if result.returncode == 0 else "FAIL")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert f"test dependencies: {real.test_dependencies}" in result.stderr
    if real.tests:
        assert f"{real.tests} test(s) ran against the installed wheel, as many as" in result.stderr
    published = sorted(p.name for p in index_dir.iterdir())
    assert len(published) == 2, published
    dists = find_distributions(index_dir, real.name)
    assert {str(d.version) for d in dists} == {real.version}
    assert Project.load(root).version_source.kind == real.version_source
    # #27 parts 4 and 5: what each Python's run held, and one summary at the end
    reports = root / "build" / "reports"
    tested_with = sorted(reports.glob("tested-with-py3.*.md"))
    assert len(tested_with) == (1 if real.pythons else len(PYTHONS_HERE)), tested_with
    assert all("```mermaid" in f.read_text(encoding="utf-8") for f in tested_with)
    summary = result.stdout[result.stdout.index("noxship release_local: summary") :]
    for dist in dists:
        assert f"{dist.filename}  sha256 {dist.sha256}" in summary
    for minor in [real.pythons] if real.pythons else PYTHONS_HERE:
        assert f"Python {minor}." in summary
    assert "test(s) passed" in summary
    import_proofs(reports)
    # the install check: the release installed back from the index (the name normalised)
    assert f" {real.version} from http://127.0.0.1:" in result.stderr
    assert "(the package from that index alone) and imported" in result.stderr
    assert "local: 2 uploaded, 0 already there" in summary
    if real.name in COVERED:
        check_coverage_follows_the_project(real, root, result.stderr)


BACKENDS = {r.backend: r for r in reversed(CORPUS)}
"""One project per build backend (the first listed)."""


@pytest.mark.parametrize("real", list(BACKENDS.values()), ids=list(BACKENDS))
def test_rebuilds_are_byte_identical_and_republishing_uploads_nothing(
    pytestconfig: pytest.Config, tmp_path: Path, real: Real, devpi_server: DevpiServer
) -> None:
    assert pytestconfig.cache is not None
    root = checkout(pytestconfig.cache, real, tmp_path)
    init(root, real.version)
    project = Project.load(root)
    first = {d.filename: d.sha256 for d in build(project)}
    second = {d.filename: d.sha256 for d in build(project)}
    assert first == second
    dists = find_distributions(root / "dist", real.name)
    devpi = devpi_server.new_index()
    with LocalIndex() as pypiserver:
        for target, creds in (
            (Target("pypiserver", pypiserver.url, pypiserver.simple_url),
             Credentials(pypiserver.username, pypiserver.password, "pypiserver's user")),
            (devpi.target(), devpi.credentials()),
        ):  # fmt: skip
            once = publish(dists, target, creds, environ={}, check_install=False)
            again = publish(dists, target, creds, environ={}, check_install=False)
            assert len(once.uploaded) == 2 and again.uploaded == ()


GL = {"GITLAB_CI": "true", "CI_DEFAULT_BRANCH": "master", "CI_PROJECT_ID": "7",
      "CI_PIPELINE_IID": "321", "CI_COMMIT_SHA": "0" * 40}  # fmt: skip
PLANS = {
    "merge request": {**GL, "CI_PIPELINE_SOURCE": "merge_request_event",
                      "CI_MERGE_REQUEST_IID": "9", "CI_MERGE_REQUEST_SOURCE_PROJECT_ID": "7"},
    "release message": {**GL, "CI_PIPELINE_SOURCE": "push", "CI_COMMIT_BRANCH": "master",
                        "CI_COMMIT_TITLE": "{next}"},
    "tag": {**GL, "CI_PIPELINE_SOURCE": "push", "CI_COMMIT_TAG": "v{tag}"},
}  # fmt: skip
VCS = [
    r
    for r in CORPUS
    if r.name in ("pluggy", "structlog", "dep-logic", "stevedore", "toolz", "tinuous")
]
"""One project per VCS plugin: setuptools_scm, hatch-vcs, pdm-backend's scm, pbr,
setuptools-git-versioning, versioningit."""


def clean_env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("CI", "GITLAB", "GITHUB", "NOXSHIP", "TWINE"))}  # fmt: skip
    return {**env, **extra}


def planned_version(root: Path, env: dict[str, str]) -> str:
    out = subprocess.run([sys.executable, "-m", "noxship", "plan", "--format", "json"], cwd=root,
                         env=clean_env(env), capture_output=True, text=True, check=True).stdout  # fmt: skip
    return str(json.loads(out)["version"])


@pytest.mark.parametrize("plan", list(PLANS))
@pytest.mark.parametrize("real", VCS, ids=[r.id for r in VCS])
def test_vcs_versions_follow_the_plan(
    pytestconfig: pytest.Config, tmp_path: Path, real: Real, plan: str
) -> None:
    """A VCS-versioned project, one commit after its release tag: each plan's build
    has exactly the plan's version, and that is what the index holds. The plan
    reads a local index for TestPyPI and PyPI, which is where the build is published
    (test.pypi.org cannot be reached here: the plan retried, then went on)."""
    assert pytestconfig.cache is not None
    root = checkout(pytestconfig.cache, real, tmp_path)
    init(root, real.version)
    git(root, "branch", "-M", "master")
    git(root, "commit", "-q", "--allow-empty", "-m", "a change")
    major, minor, *_ = real.version.split(".")
    nxt, tag = f"{major}.{int(minor) + 1}.0", f"{major}.{int(minor) + 2}.0"
    if plan == "tag":
        git(root, "tag", f"v{tag}")
    expected = {"merge request": None, "release message": nxt, "tag": tag}[plan]
    with LocalIndex() as index:
        env = {k: v.format(next=nxt, tag=tag) for k, v in PLANS[plan].items()}
        for name in ("TESTPYPI", "PYPI"):
            env[f"NOXSHIP_TARGET_{name}_INDEX_URL"] = index.simple_url
        version = planned_version(root, env)
        if expected is None:
            assert version.endswith(".dev321") and "+" not in version, version
        else:
            assert version == expected
        result = run_nox(root, "-s", "build", env=clean_env(env))
        assert result.returncode == 0, result.stderr[-3000:]
        dists = find_distributions(root / "dist", real.name)
        assert {str(d.version) for d in dists} == {version}
        target = Target("local", index.url, index.simple_url)
        creds = Credentials(index.username, index.password, "the index's user")
        publish(dists, target, creds, environ={}, check_install=False)
        assert sorted(p.name for p in index.files()) == sorted(d.filename for d in dists)


TAGGED = {
    "versioningit": (
        '[build-system]\nrequires = ["setuptools>=77", "versioningit>=3"]\n'
        'build-backend = "setuptools.build_meta"\n'
        '[project]\nname = "tagged-demo"\ndynamic = ["version"]\nreadme = "README.md"\n'
        "[tool.versioningit]\n"
    ),
    "setuptools-git-versioning": (
        '[build-system]\nrequires = ["setuptools>=77", "setuptools-git-versioning>=2"]\n'
        'build-backend = "setuptools.build_meta"\n'
        '[project]\nname = "tagged-demo"\ndynamic = ["version"]\nreadme = "README.md"\n'
        "[tool.setuptools-git-versioning]\nenabled = true\n"
    ),
}


@pytest.mark.parametrize("plugin", list(TAGGED))
def test_plugins_without_an_override_build_the_planned_version(tmp_path: Path, plugin: str) -> None:
    """versioningit and setuptools-git-versioning read no override variable: the
    build runs in a clone whose HEAD carries a tag of the planned version."""
    root = tmp_path / "tagged-demo"
    (root / "tagged_demo").mkdir(parents=True)
    (root / "tagged_demo" / "__init__.py").write_text("")
    (root / "README.md").write_text("demo\n")
    (root / ".gitignore").write_text("*.egg-info/\nbuild/\ndist/\n")
    (root / "pyproject.toml").write_text(TAGGED[plugin])
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "initial")
    git(root, "tag", "v1.2.0")
    git(root, "commit", "-q", "--allow-empty", "-m", "a change")
    project = Project.load(root)
    assert project.version_source.kind == plugin
    from packaging.version import Version

    dists = build(project, version=Version("1.3.0"))
    assert {str(d.version) for d in dists} == {"1.3.0"}
    assert "v1.3.0" not in git(root, "tag")  # the project's own repository is untouched


BUMPED = [r for r in CORPUS if r.id in ("tomlkit-0.15.2", "cachetools-8.0.2", "pluggy-1.7.0")]
"""One project per kind of version source: pyproject.toml, a ``__version__`` file
(setuptools ``attr:``), git (setuptools_scm)."""
IDENTITY = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
            "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}  # fmt: skip


@pytest.mark.parametrize("real", BUMPED, ids=[r.id for r in BUMPED])
def test_bump_makes_the_release_commit_that_the_plan_releases(
    pytestconfig: pytest.Config, tmp_path: Path, real: Real
) -> None:
    """Conventional Commits after the release tag; ``noxship bump auto`` makes the
    release commit; a default-branch push of it plans the release of the new
    version, and ``release_local`` publishes exactly that version."""
    assert pytestconfig.cache is not None
    root = checkout(pytestconfig.cache, real, tmp_path)
    init(root, real.version)
    git(root, "branch", "-M", "master")
    for message in ("feat(api): a new option", "fix: a crash on empty input", "docs: a typo"):
        (root / "NOTES.txt").write_text(message, encoding="utf-8")
        git(root, "add", "NOTES.txt")
        git(root, "commit", "-q", "-m", message)
    bumped = subprocess.run([sys.executable, "-m", "noxship", "bump", "auto"], cwd=root,
                            env=clean_env(IDENTITY), capture_output=True, text=True, check=False)  # fmt: skip
    assert bumped.returncode == 0, bumped.stdout + bumped.stderr
    major, minor, *_ = real.version.split(".")
    expected = f"{major}.{int(minor) + 1}.0"  # feat: a minor bump
    title = git(root, "log", "-1", "--format=%s").strip()
    assert title == expected
    assert git(root, "status", "--porcelain", "--untracked-files=no") == ""
    notes = (root / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## [{expected}] - " in notes and "- **api:** a new option" in notes
    assert "- a crash on empty input" in notes and "a typo" not in notes
    push = {**GL, "CI_PIPELINE_SOURCE": "push", "CI_COMMIT_BRANCH": "master",
            "CI_COMMIT_TITLE": title}  # fmt: skip
    assert planned_version(root, push) == expected
    index_dir = tmp_path / "index"
    result = run_nox(root, "-s", "release_local", env=clean_env({**push, "NOXSHIP_PYTHONS": PY,
                     "NOXSHIP_LOCAL_INDEX_DIR": str(index_dir)}), timeout=900)  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    dists = find_distributions(index_dir, real.name)
    assert {str(d.version) for d in dists} == {expected}


def test_a_plugin_that_cannot_load_is_named_with_its_group(
    pytestconfig: pytest.Config, tmp_path: Path
) -> None:
    """openapi-schema-validator's dev group brings pytest-flake8, which pytest 9 cannot
    load: one line naming the plugin, its distribution and its group; no traceback."""
    assert pytestconfig.cache is not None
    real = Real("openapi-schema-validator", "0.9.0", "poetry-core", "static", "Poetry group 'dev'")
    root = checkout(pytestconfig.cache, real, tmp_path)
    init(root, real.version)
    result = run_nox(root, "-s", "release_local", env={"NOXSHIP_PYTHONS": PY,
                     "NOXSHIP_LOCAL_INDEX_DIR": str(tmp_path / "index")}, timeout=900)  # fmt: skip
    assert result.returncode != 0
    assert "pytest could not start in the source tree:" in result.stderr, result.stderr[-3000:]
    assert "Plugin 'flake8'" in result.stderr
    assert "the plugin comes from pytest-flake8 (in Poetry group 'dev')" in result.stderr
    assert "Traceback" not in result.stderr and "NoDataError" not in result.stderr


def test_an_end_of_life_python_the_project_admits(
    pytestconfig: pytest.Config, tmp_path: Path
) -> None:
    """cleo admits Python 3.7: its venv holds coverage 7.2, read through the public API."""
    from noxship.wheeltest.interpreters import find_interpreters

    assert pytestconfig.cache is not None
    (real,) = [r for r in CORPUS if r.name == "cleo"]
    root = checkout(pytestconfig.cache, real, tmp_path)
    found = find_interpreters(Project.load(root), ["3.7"], context=Context.from_environ(os.environ))
    assert found, "this machine's pyenv has 3.7 (the CI image's too)"
    init(root, real.version)
    result = run_nox(root, "-s", "build", "test_wheel", env={"NOXSHIP_PYTHONS": "3.7"}, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Python 3.7" in result.stderr
    assert "256 test(s) ran against the installed wheel, as many as" in result.stderr
    assert "coverage: " in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("gate", ["auto", "strict"])
def test_a_coverage_threshold_where_it_was_calibrated(
    pytestconfig: pytest.Config, tmp_path: Path, gate: str
) -> None:
    """fail_under holds for the project's whole matrix: on one Python of it, the figure
    is reported with a warning; coverage-gate = "strict" stops the chain before any upload."""
    assert pytestconfig.cache is not None
    (real,) = [r for r in CORPUS if r.name == "pluggy"]
    root = checkout(pytestconfig.cache, real, tmp_path)
    rc = root / ".coveragerc"
    rc.write_text(rc.read_text().replace("[report]\n", "[report]\nfail_under = 100\n"))
    if gate == "strict":
        with (root / "pyproject.toml").open("a", encoding="utf-8") as f:
            f.write('\n[tool.noxship]\ncoverage-gate = "strict"\n')
    git(root, "commit", "-qam", "a threshold nobody meets")
    init(root, real.version)
    index_dir = tmp_path / "index"
    result = run_nox(root, "-s", "release_local", env={"NOXSHIP_PYTHONS": PY,
                     "NOXSHIP_LOCAL_INDEX_DIR": str(index_dir)}, timeout=900)  # fmt: skip
    if gate == "auto":
        assert result.returncode == 0, result.stderr[-3000:]
        assert "is below fail_under 100, not enforced:" in result.stderr
        return
    assert result.returncode != 0
    assert "is below fail_under 100 (from .coveragerc): add tests, or lower fail_under in " \
           ".coveragerc" in result.stderr, result.stderr[-2000:]  # fmt: skip
    assert not index_dir.exists() or not any(index_dir.iterdir())


DOCS = [
    Real("blinker", "1.9.0", "flit_core", "static", ""),  # Sphinx, requirements/docs.txt
    Real("humanize", "4.17.0", "hatchling", "hatch-vcs", ""),
]  # MkDocs, mkdocstrings
"""Real projects with docs: Sphinx (autodoc of blinker) and MkDocs (mkdocstrings of humanize)."""
BROKEN = {"blinker": ("docs/index.rst", "\n\nSee :doc:`a-page-that-does-not-exist`.\n",
                      "unknown document: 'a-page-that-does-not-exist'"),
          "humanize": ("docs/index.md", "\n\nSee [the missing page](missing.md).\n",
                       "'missing.md'")}  # fmt: skip


@pytest.mark.parametrize("broken", [False, True], ids=["as released", "a broken reference"])
@pytest.mark.parametrize("real", DOCS, ids=[r.id for r in DOCS])
def test_docs_build_against_the_wheel(
    pytestconfig: pytest.Config, tmp_path: Path, real: Real, broken: bool
) -> None:
    assert pytestconfig.cache is not None
    root = checkout(pytestconfig.cache, real, tmp_path)
    if broken:
        path, text, _ = BROKEN[real.name]
        with (root / path).open("a", encoding="utf-8") as f:
            f.write(text)
        git(root, "commit", "-qam", "a broken reference")
    init(root, real.version)
    result = run_nox(root, "-s", "build", "docs", env={"NOXSHIP_PYTHONS": PY}, timeout=900)
    if broken:
        assert result.returncode != 0
        said = result.stdout + result.stderr
        assert "failed to build against the installed wheel, warnings counted as errors" in said
        assert BROKEN[real.name][2] in said, said[-3000:]
    else:
        assert result.returncode == 0, result.stderr[-4000:]
        assert (root / "build" / "docs" / "index.html").is_file()
        assert "docs built against the wheel" in result.stderr
