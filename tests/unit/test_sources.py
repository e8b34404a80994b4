"""Where a project keeps its version and its test dependencies, read from each
documented place (no build backend runs here)."""

from __future__ import annotations

from pathlib import Path

import pytest
from packaging.version import Version

from noxship.project import Project

BACKENDS = {
    "hatch": '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n',
    "pdm": '[build-system]\nrequires = ["pdm-backend"]\nbuild-backend = "pdm.backend"\n',
    "flit": '[build-system]\nrequires = ["flit_core"]\nbuild-backend = "flit_core.buildapi"\n',
    "setuptools": '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n',
    "scm": '[build-system]\nrequires = ["setuptools", "setuptools-scm>=8"]\n'
    'build-backend = "setuptools.build_meta"\n',
}
DYNAMIC = '[project]\nname = "demo-pkg"\ndynamic = ["version"]\n'


def project(tmp_path: Path, text: str, files: dict[str, str] | None = None) -> Project:
    (tmp_path / "pyproject.toml").write_text(text)
    for rel, content in (files or {}).items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(content)
    return Project.load(tmp_path)


INIT = {"src/demo_pkg/__init__.py": '"""Demo."""\n__version__ = "2.3.4"\n'}


@pytest.mark.parametrize(
    ("text", "files", "kind", "version"),
    [
        ('[project]\nname = "demo-pkg"\nversion = "1.0"\n', {}, "static", "1.0"),
        (DYNAMIC + BACKENDS["scm"] + "[tool.setuptools_scm]\n", {}, "setuptools_scm", None),
        (DYNAMIC + BACKENDS["hatch"] + '[tool.hatch.version]\nsource = "vcs"\n', {}, "hatch-vcs",
         None),
        (DYNAMIC + BACKENDS["pdm"] + '[tool.pdm.version]\nsource = "scm"\n', {}, "pdm-scm", None),
        (DYNAMIC + BACKENDS["setuptools"] + "[tool.versioningit]\n", {}, "versioningit", None),
        (DYNAMIC + BACKENDS["setuptools"] + "[tool.setuptools-git-versioning]\nenabled = true\n",
         {}, "setuptools-git-versioning", None),
        (DYNAMIC + BACKENDS["flit"], INIT, "file", "2.3.4"),
        # idna: __init__ re-exports the literal of a sibling module.
        (DYNAMIC + BACKENDS["flit"], {"src/demo_pkg/__init__.py": "from .meta import __version__\n",
         "src/demo_pkg/meta.py": '__version__ = "3.20"\n'}, "file", "3.20"),
        # No literal anywhere: flit imports the module, so only a build knows.
        (DYNAMIC + BACKENDS["flit"], {"src/demo_pkg/__init__.py": "__version__ = compute()\n"},
         "built", None),
        (DYNAMIC + BACKENDS["hatch"] + '[tool.hatch.version]\npath = "src/demo_pkg/__init__.py"\n',
         INIT, "file", "2.3.4"),
        (DYNAMIC + BACKENDS["pdm"] + '[tool.pdm.version]\nsource = "file"\n'
         'path = "src/demo_pkg/__init__.py"\n', INIT, "file", "2.3.4"),
        (DYNAMIC + BACKENDS["setuptools"] + "[tool.setuptools.dynamic]\n"
         'version = {attr = "demo_pkg.__version__"}\n', INIT, "file", "2.3.4"),
        (DYNAMIC + BACKENDS["setuptools"] + "[tool.setuptools.dynamic]\n"
         'version = {file = "VERSION"}\n', {"VERSION": "5.6.7\n"}, "file", "5.6.7"),
        (DYNAMIC + BACKENDS["setuptools"], {}, "built", None),
    ],
)  # fmt: skip
def test_version_sources(
    tmp_path: Path, text: str, files: dict[str, str], kind: str, version: str | None
) -> None:
    p = project(tmp_path, text, files)
    assert p.version_source.kind == kind
    assert p.version == (Version(version) if version else None)


def test_setup_py_only_project_reads_setup_cfg(tmp_path: Path) -> None:
    (tmp_path / "setup.py").write_text("from setuptools import setup\nsetup()\n")
    (tmp_path / "setup.cfg").write_text(
        "[metadata]\nname = legacy-demo\nversion = attr: legacy.V\n"
    )
    (tmp_path / "legacy.py").write_text('__version__ = "0.9"\nV = __version__\n')
    p = Project.load(tmp_path)
    assert (p.name, p.version_source.kind) == ("legacy-demo", "file")


def test_pretend_variables_and_rewrite(tmp_path: Path) -> None:
    scm = project(tmp_path, DYNAMIC + BACKENDS["scm"]).version_source
    assert scm.pretend_env(Version("1.8.0"), "Demo.Pkg") == {
        "SETUPTOOLS_SCM_PRETEND_VERSION_FOR_DEMO_PKG": "1.8.0",
        "SETUPTOOLS_SCM_PRETEND_VERSION": "1.8.0",
    }
    other = tmp_path / "other"
    other.mkdir()
    pdm = project(other, DYNAMIC + BACKENDS["pdm"] + '[tool.pdm.version]\nsource = "scm"\n')
    assert pdm.version_source.pretend_env(Version("1.8.0"), "x") == {
        "PDM_BUILD_SCM_VERSION": "1.8.0"
    }
    flit_root = tmp_path / "flit"
    flit_root.mkdir()
    flit = project(flit_root, DYNAMIC + BACKENDS["flit"], INIT)
    copy = tmp_path / "copy"
    (copy / "src" / "demo_pkg").mkdir(parents=True)
    (copy / "src" / "demo_pkg" / "__init__.py").write_text(INIT["src/demo_pkg/__init__.py"])
    flit.version_source.rewrite(flit_root, copy, Version("2.3.5.dev7"))
    text = (copy / "src" / "demo_pkg" / "__init__.py").read_text()
    assert '__version__ = "2.3.5.dev7"' in text and '"""Demo."""' in text


@pytest.mark.parametrize(
    ("text", "files", "source", "args"),
    [
        (DYNAMIC + '[tool.pdm.dev-dependencies]\ntest = ["pytest-mock>=3", "-e ."]\n', {},
         "PDM dev-dependency group 'test'", ["pytest-mock>=3"]),
        (DYNAMIC + '[tool.hatch.envs.default]\ndependencies = ["pytest-asyncio"]\n', {},
         "hatch environment 'default'", ["pytest-asyncio"]),
        (DYNAMIC + '[tool.hatch.envs.tests]\nfeatures = ["cli"]\n', {},
         "hatch environment 'tests'", []),
        (DYNAMIC + '[project.optional-dependencies]\nall = ["hypothesis"]\n', {}, "extra 'all' (PEP 621)",
         []),
        (DYNAMIC, {"requirements/requirements-test.txt": "pytest\n"}, "requirements file "
         "requirements/requirements-test.txt", ["-r", "{root}/requirements/requirements-test.txt"]),
        (DYNAMIC, {"requirements/tests.txt": "pytest-asyncio\n"}, "requirements file "
         "requirements/tests.txt", ["-r", "{root}/requirements/tests.txt"]),
        (DYNAMIC, {"tox.ini": "[testenv]\ndeps =\n    pytest-xdist\n    {posargs}\n"
                   "    -rrequirements-extra.txt\n"}, "tox.ini [testenv] deps",
         ["pytest-xdist", "-r", "{root}/requirements-extra.txt"]),
    ],
)  # fmt: skip
def test_test_dependency_sources(
    tmp_path: Path, text: str, files: dict[str, str], source: str, args: list[str]
) -> None:
    deps = project(tmp_path, text, files).test_dependencies()
    assert deps.source == source
    assert deps.install_args() == [a.format(root=tmp_path) for a in args]


def test_build_system_only_pyproject_reads_setup_cfg(tmp_path: Path) -> None:
    """A setuptools project whose pyproject.toml only names the backend (PEP 518)."""
    (tmp_path / "setup.py").write_text("from setuptools import setup\nsetup()\n")
    (tmp_path / "setup.cfg").write_text("[metadata]\nname = half-legacy\nversion = file: VERSION\n")
    (tmp_path / "VERSION").write_text("3.1\n")
    p = project(tmp_path, BACKENDS["setuptools"])
    assert (p.name, p.version_source.kind, str(p.version)) == ("half-legacy", "file", "3.1")


def test_more_places_test_dependencies_live(tmp_path: Path) -> None:
    """py-serializable (Poetry's legacy table), jsonschema-specifications (its noxfile),
    hatch's hatch-test environment."""
    for sub in "abc":
        (tmp_path / sub).mkdir()
    legacy = project(
        tmp_path / "a",
        '[tool.poetry]\nname = "x"\nversion = "1"\ndescription = ""\n'
        'authors = []\n[tool.poetry.dependencies]\npython = ">=3.8"\n'
        '[tool.poetry.dev-dependencies]\nlxml = ">=4"\n',
        {},
    )
    deps = legacy.test_dependencies()
    assert deps.source == "Poetry's [tool.poetry.dev-dependencies]"
    assert deps.requirements[0].startswith("lxml")
    nox_only = project(
        tmp_path / "b",
        '[project]\nname = "x"\nversion = "1"\n',
        {
            "noxfile.py": "import nox\n\n\n@nox.session\ndef tests(session):\n"
            '    session.install("pytest", "-r", "req.txt", ".[extra]")\n'
            '    session.run("pytest")\n'
        },
    )
    deps = nox_only.test_dependencies()
    assert deps.source == "noxfile.py session 'tests'"
    assert deps.requirements == ("pytest",) and deps.extras == ("extra",)
    assert [f.name for f in deps.files] == ["req.txt"]
    hatch = project(
        tmp_path / "c",
        '[project]\nname = "x"\nversion = "1"\n'
        '[tool.hatch.envs.hatch-test]\nextra-dependencies = ["covdefaults"]\n',
        {},
    )
    deps = hatch.test_dependencies()
    assert deps.source == "hatch environment 'hatch-test'"
    assert "pytest" in deps.requirements and "covdefaults" in deps.requirements
