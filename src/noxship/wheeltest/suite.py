"""The suite the project's own runner collects, asked of pytest, and where each
of its files runs against the installed wheel.

pytest is run once in the source tree, in the test venv, with the project's own
configuration and rootdir and the user's arguments (``--collect-only``, the
:mod:`.collector` plugin): it says which files hold tests, doctests and doctest
text files (``testpaths``, ``python_files``, root-level test files,
``--doctest-modules``, ``--doctest-glob``), which failed to collect (a file
that imports a version module the build writes collects only against the
wheel), and which ``conftest.py`` files it loaded. A project whose runner is
unittest (pytest collects nothing with the project's settings) is asked again
with unittest's discovery pattern ``test*.py`` (Python docs, "unittest: Test
Discovery"), keeping only ``unittest.TestCase`` tests.

Then each file gets its place in the run (:func:`place`): a file of the
package runs installed, from the venv's ``site-packages`` (copied there from
the source tree when the wheel leaves it out, as pytz does with its tests);
every other file is copied, with the directory that holds it and its data
files, to a directory outside the source tree.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import NamedTuple

from noxship._run import run
from noxship.build.dist import wheel_files, wheel_top_level
from noxship.environment import clean_env
from noxship.errors import ToolError, WheelTestError
from noxship.project import Project
from noxship.wheeltest.diagnosis import IGNORED_DIRS

__all__ = [
    "Placement",
    "Suite",
    "collect_suite",
    "copy_likely",
    "importable_modules",
    "place",
    "pytest_failure",
]

logger = logging.getLogger("noxship")

COLLECTOR = "noxship_collector"
"""The plugin name of :mod:`.collector` (loaded with ``-p``)."""

CONFIG_FILES = (
    "pytest.ini",
    ".pytest.ini",
    "pyproject.toml",
    "tox.ini",
    "setup.cfg",
    "conftest.py",
)
"""Copied to the run's directory: pytest's configuration files and the root conftest."""

_EXIT = {
    2: "was interrupted (errors during collection)",
    3: "hit an internal error",
    4: "was given a wrong option or could not load a plugin or conftest",
}
"""pytest's exit codes beyond failed tests (pytest docs, "Exit codes")."""


class Suite(NamedTuple):
    """What pytest collects from the source tree.

    Attributes:
        items: ``(file, kind)`` -> number of tests; ``file`` is relative to the
            project root (``tests/test_x.py``), ``kind`` one of ``test``,
            ``doctest``, ``unittest``.
        tests: the number of tests, after the user's deselection (``-k``, ``-m``).
        errors: files that failed to collect -> the error's last line.
        conftests: the ``conftest.py`` files pytest loaded, relative to the root.
        args: the positional arguments pytest used, as given, and
            ``args_source``: ``ARGS`` (given), ``TESTPATHS`` or ``INVOCATION_DIR``.
        options: the user's pytest arguments without the positional ones.
        inifile: pytest's configuration file, relative to the root, or ``None``.
        unittest: found with unittest's discovery pattern.
        addopts: pytest's ``addopts``, as pytest read them.
    """

    items: dict[tuple[str, str], int]
    tests: int
    errors: dict[str, str]
    conftests: tuple[str, ...]
    args: tuple[str, ...]
    args_source: str | None
    options: tuple[str, ...]
    inifile: str | None
    unittest: bool = False
    addopts: tuple[str, ...] = ()

    @property
    def files(self) -> list[str]:
        """Every file of the suite: those with tests, then those that failed to collect."""
        seen = dict.fromkeys(rel for rel, _ in self.items)
        seen.update(dict.fromkeys(self.errors))
        return [f for f in seen if f not in (".", "")]


def _plugin_dir(dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(Path(__file__).with_name("collector.py"), dest / f"{COLLECTOR}.py")
    return dest


def _collect_once(
    project: Project,
    python: Path,
    args: Sequence[str],
    report: Path,
    plugins: Path,
    source_paths: Sequence[Path] = (),
) -> tuple[dict[str, object], str]:
    env = clean_env(
        {
            "PYTHONPATH": os.pathsep.join(map(str, [plugins, *source_paths])),
            "PYTHONDONTWRITEBYTECODE": "1",
            "NOXSHIP_COLLECT_REPORT": str(report),
            "NOXSHIP_COLLECT_ROOT": str(project.root),
        }
    )
    env.pop("PYTHONHOME", None)
    env.pop("NOXSHIP_COLLECT_MAP", None)  # a run of noxship's own tests inside test_wheel
    report.unlink(missing_ok=True)
    argv: list[str | Path] = [
        python,
        "-m",
        "pytest",
        "--collect-only",
        "-q",
        "-p",
        "no:cacheprovider",
        "-p",
        COLLECTOR,
        "--continue-on-collection-errors",
        *args,
    ]
    output = ""
    try:
        output = run(
            argv,
            env=env,
            cwd=project.root,
            capture=True,
            show_failure=False,
            what="pytest --collect-only in the source tree",
        )
    except ToolError as exc:
        output = exc.output
    data = json.loads(report.read_text(encoding="utf-8")) if report.is_file() else {}
    return data, output


def collect_suite(
    project: Project,
    python: Path,
    pytest_args: Sequence[str],
    work: Path,
    origin: Mapping[str, str] | None = None,
    source_paths: Sequence[Path] = (),
) -> Suite:
    """Ask pytest, in the test venv whose interpreter is ``python``, for the suite
    it collects from the project's source tree with ``pytest_args`` (the
    project's ``pytest-args`` and the user's).

    Args:
        project: the project (its root is pytest's working directory).
        python: the test venv's interpreter (pytest and the test dependencies).
        pytest_args: arguments given to pytest as the user gave them.
        work: a scratch directory for the plugin and its report.
        origin: distribution name -> where it came from (a dependency group), to
            name the source of a plugin that fails to load.
        source_paths: directories put on ``PYTHONPATH`` (``src/``: the source
            importable, when no wheel is installed yet).

    Returns:
        The suite; ``tests`` 0 when the project's runner collects nothing.

    Raises:
        WheelTestError: pytest could not start (a plugin, a conftest or an
            option), named with its cause.
    """
    plugins = _plugin_dir(work / "collector")
    report = work / "collected.json"
    data, output = _collect_once(project, python, pytest_args, report, plugins, source_paths)
    if not data.get("finished"):
        raise WheelTestError(
            pytest_failure(output, python, None, origin or {}, "in the source tree")
        )
    suite = _suite(data, pytest_args, unittest=False)
    suite = _without_foreign_errors(suite, project)
    if suite.tests or suite.errors:
        return suite
    data2, _ = _collect_once(
        project,
        python,
        [*pytest_args, "-o", "python_files=test*.py"],
        report,
        plugins,
        source_paths,
    )
    if not data2.get("finished"):
        return suite
    found = _suite(data2, pytest_args, unittest=True)
    items = {k: n for k, n in found.items.items() if k[1] == "unittest"}
    if not items:
        return suite
    logger.info(
        "pytest collects nothing with the project's settings; unittest's discovery "
        "pattern test*.py finds %d test(s): they run through pytest's unittest support",
        sum(items.values()),
    )
    return found._replace(items=items, tests=sum(items.values()), errors={})


def _without_foreign_errors(suite: Suite, project: Project) -> Suite:
    """Drop the collection errors of files that are neither test files nor the
    package's (a ``noxfile.py``, ``setup.py`` or ``docs/conf.py`` that
    ``--doctest-modules`` imports without its tools): the plain run fails on
    them too, and the wheel changes nothing for them. The log names each."""
    import fnmatch

    kept: dict[str, str] = {}
    patterns = ("test_*.py", "*_test.py", "conftest.py", "*.rst", "*.txt", "*.md")
    for rel, cause in suite.errors.items():
        name = rel.rsplit("/", 1)[-1]
        in_package = any(
            rel.startswith(f"{base}/") or rel.startswith(f"{top}/")
            for top in _tops(project)
            for base in (f"src/{top}", top)
        )
        if in_package or any(fnmatch.fnmatch(name, p) for p in patterns) or "test" in rel:
            kept[rel] = cause
        else:
            logger.warning(
                "%s does not collect in the source tree (%s): it is neither a test "
                "file nor the package's, so test_wheel leaves it out",
                rel,
                cause[:200],
            )
    return suite._replace(errors=kept)


def _tops(project: Project) -> list[str]:
    """Directories of the source tree that hold a package (``src/x``, ``x``)."""
    found = []
    for base in (project.root / "src", project.root):
        if base.is_dir():
            found += [
                p.name
                for p in base.iterdir()
                if p.is_dir()
                and p.name.isidentifier()
                and p.name not in ("tests", "test", "testing", "docs", "doc")
            ]
    return found


def _suite(data: Mapping[str, object], pytest_args: Sequence[str], *, unittest: bool) -> Suite:
    items: dict[tuple[str, str], int] = {}
    raw_items = data.get("items")
    for key, n in raw_items.items() if isinstance(raw_items, dict) else ():
        rel, _, kind = str(key).partition("\t")
        items[(rel, kind)] = int(n)
    errors = data.get("errors")
    args = tuple(str(a) for a in data.get("args") or ())  # type: ignore[attr-defined]
    source = data.get("args_source")
    positional = set(args) if source == "ARGS" else set()
    root = str(data.get("rootdir") or "")
    conftests = tuple(os.path.relpath(c, root) if root else c for c in data.get("conftests") or ())  # type: ignore[attr-defined]
    inifile = data.get("inifile")
    return Suite(
        items=items,
        tests=int(data.get("count") or 0),  # type: ignore[call-overload]
        errors={str(k): str(v) for k, v in errors.items()} if isinstance(errors, dict) else {},
        conftests=conftests,
        args=args,
        args_source=str(source) if source else None,
        options=tuple(a for a in pytest_args if a not in positional),
        inifile=os.path.relpath(str(inifile), root) if inifile and root else None,
        unittest=unittest,
        addopts=tuple(str(a) for a in data.get("addopts") or ()),  # type: ignore[attr-defined]
    )


def pytest_failure(
    output: str, python: Path, returncode: int | None, origin: Mapping[str, str], where: str
) -> str:
    """One line for a pytest that could not start or ended abnormally: its own
    error, and the distribution (and the dependency group it came from) of the
    plugin whose import failed."""
    lines = [ln.strip() for ln in output.splitlines() if ln.strip()]
    cause = next((ln.split(": error: ", 1)[1] for ln in lines if ": error: " in ln), None) or next(
        (ln for ln in lines if ln.startswith(("ERROR:", "E   ", "INTERNALERROR>")) and len(ln) > 8),
        lines[-1] if lines else "no output",
    )
    last_exc = next(
        (
            ln
            for ln in reversed(lines)
            if ": " in ln
            and ln.split(":")[0].endswith(("Error", "Exception"))
            and " " not in ln.split(":")[0]
        ),
        "",
    )
    if last_exc and last_exc not in cause:
        cause = f"{cause.removeprefix('E   ').strip()} ({last_exc})"
    culprit = _plugin_distribution(output, python)
    blame = ""
    if culprit:
        from packaging.utils import canonicalize_name

        came = origin.get(canonicalize_name(culprit))
        blame = (
            f"; the plugin comes from {culprit}"
            + (f" (in {came})" if came else " (a test dependency's dependency)")
            + ": remove it or pin a version that loads, or set test-dependencies "
            "in [tool.noxship]"
        )
    what = _EXIT.get(returncode or 0, "could not start")
    said = "" if not lines else f": {cause.removeprefix('E   ').strip()}"
    return f"pytest {what} {where}{said}{blame}"


def _plugin_distribution(output: str, python: Path) -> str | None:
    """The distribution of the pytest plugin a failure names: by its ``pytest11``
    entry point (``Plugin 'flake8'``, ``Error importing plugin "x"``; pytest docs,
    "Making your plugin installable by others"), else the owner of the last
    ``site-packages`` module in the traceback."""
    import re

    site = next(python.parent.parent.glob("lib/python*/site-packages"), None)
    if site is None:
        return None
    named = re.findall(r"""[Pp]lugin ['"]([\w.-]+)['"]""", output)
    for dist_info in site.glob("*.dist-info"):
        entry_points = dist_info / "entry_points.txt"
        if named and entry_points.is_file():
            text = entry_points.read_text(encoding="utf-8", errors="replace")
            section = (
                text.split("[pytest11]", 1)[1].split("\n[", 1)[0] if "[pytest11]" in text else ""
            )
            if any(re.search(rf"^\s*{re.escape(n)}\s*=", section, re.M) for n in named):
                return _dist_name(dist_info)
    modules = re.findall(r"site-packages[/\\]([A-Za-z_][\w]*)", output)
    modules = [m for m in modules if m not in ("_pytest", "pytest", "pluggy", "coverage")]
    if not modules:
        return None
    wanted = modules[-1]
    for record in site.glob("*.dist-info/RECORD"):
        text = record.read_text(encoding="utf-8", errors="replace")
        if re.search(rf"^{re.escape(wanted)}(/|\.py,)", text, re.M):
            return _dist_name(record.parent)
    return None


def _dist_name(dist_info: Path) -> str:
    from email.parser import HeaderParser

    meta = HeaderParser().parsestr(
        (dist_info / "METADATA").read_text(encoding="utf-8", errors="replace")
    )
    return str(meta.get("Name") or dist_info.name.split("-")[0])


def importable_modules(wheel: Path) -> list[str]:
    """The modules the import check imports: each top-level module of ``wheel``,
    and for a namespace package (a directory without ``__init__.py``, PEP 420)
    its first packages with one (``zope.event``, not ``zope``)."""
    files = [f for f in wheel_files(wheel) if not f.parts[0].endswith((".dist-info", ".data"))]
    inits = {f.parent for f in files if f.name == "__init__.py"}
    found: set[str] = set()
    for top in wheel_top_level(wheel):
        found.update(_importable(PurePosixPath(top), files, inits))
    return sorted(found)


def _importable(
    path: PurePosixPath, files: Sequence[PurePosixPath], inits: set[PurePosixPath]
) -> set[str]:
    dotted = ".".join(path.parts)
    if path in inits or not any(
        f.parts[: len(path.parts)] == path.parts and len(f.parts) > len(path.parts) for f in files
    ):
        return {dotted}  # a package, or a module
    children = {
        PurePosixPath(*f.parts[: len(path.parts) + 1])
        for f in files
        if f.parts[: len(path.parts)] == path.parts and len(f.parts) > len(path.parts) + 1
    }
    found: set[str] = set()
    for child in sorted(children):
        if child.name.isidentifier():
            found.update(_importable(child, files, inits))
    return found or {dotted}


class Placement(NamedTuple):
    """Where the suite runs: pytest's arguments and the map the collector reads."""

    args: list[str]
    mapping: dict[str, object]


def _package_dirs(project: Project, wheel: Path) -> dict[str, str]:
    """Source directory (relative to the root) -> its path inside the wheel, for
    each directory of the wheel found in the source tree (``src/pkg`` -> ``pkg``)."""
    found: dict[str, str] = {}
    for top in wheel_top_level(wheel):
        for base in ("src", "", "lib", "python"):
            candidate = Path(base, top) if base else Path(top)
            if (project.root / candidate).is_dir():
                found[candidate.as_posix()] = top
                break
            if (project.root / candidate.with_name(f"{top}.py")).is_file():
                found[candidate.with_name(f"{top}.py").as_posix()] = f"{top}.py"
                break
    return found


def _in_package(rel: str, packages: Mapping[str, str]) -> str | None:
    """The path inside the wheel of the source file ``rel``, when it lies in a package."""
    for src, inside in packages.items():
        if rel == src or rel.startswith(src + "/"):
            return inside + rel[len(src) :]
    return None


LIKELY_TEST_DIRS = ("tests", "test", "testing")
"""Top-level directories copied while pytest collects (:func:`copy_likely`)."""


def copy_likely(project: Project, work: Path) -> frozenset[str]:
    """Copy into ``work`` the top-level directories of :data:`LIKELY_TEST_DIRS`,
    before (or while) pytest says which files it collects: the copy is
    disk-bound and runs beside a Python process. :func:`place` removes those
    the run does not use.

    Returns:
        The names of the directories copied.
    """
    ignore = shutil.ignore_patterns(*IGNORED_DIRS, "*.pyc")
    copied = []
    for top in LIKELY_TEST_DIRS:
        if (project.root / top).is_dir():
            shutil.copytree(project.root / top, work / top, ignore=ignore, symlinks=True)
            copied.append(top)
    return frozenset(copied)


def place(
    project: Project,
    wheel: Path,
    suite: Suite,
    work: Path,
    purelib: Path,
    copied_before: frozenset[str] = frozenset(),
) -> Placement:
    """Put each file of ``suite`` where it runs against the wheel installed in
    ``purelib`` (the venv's ``site-packages``): files of the package stay
    installed (copied in when the wheel leaves them out); the others are
    copied, with the directories that hold them, into ``work``.
    ``copied_before`` names top-level directories :func:`copy_likely` copied.

    Returns:
        pytest's positional arguments and the collector's map (run location ->
        the file in the source tree; what to keep).
    """
    ignore = shutil.ignore_patterns(*IGNORED_DIRS, "*.pyc")
    packages = _package_dirs(project, wheel)
    shipped = {str(f) for f in wheel_files(wheel)}
    for name in {*CONFIG_FILES, *([suite.inifile] if suite.inifile else [])}:
        if (project.root / name).is_file():
            (work / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(project.root / name, work / name)
    files: dict[str, str] = {}
    locations: list[str] = []
    copied: set[str] = set(copied_before)
    used: set[str] = set()  # the top-level directories the run reads from work/
    for rel in [*suite.files, *suite.conftests]:
        inside = _in_package(rel, packages)
        if inside is not None:
            target = _installed(project, rel, inside, inside in shipped, purelib)
            files[str(target.resolve()) if target.exists() else str(target)] = rel
            location = str(target)
        else:
            _copy_out(project, rel, work, copied, ignore)
            used.add(rel.split("/")[0])
            location = rel
        if rel in suite.files and location not in locations:
            locations.append(location)
    for top in copied_before - used:
        shutil.rmtree(work / top, ignore_errors=True)
    if suite.args_source == "ARGS":
        locations = [loc for arg in suite.args for loc in _locate(arg, packages, purelib, work)]
    keep = [[rel, kind] for rel, kind in suite.items]
    keep += [[rel, kind] for rel in suite.errors for kind in ("test", "doctest", "unittest")]
    mapping: dict[str, object] = {
        "prefixes": [[str(work.resolve()), ""]],
        "files": files,
        "keep": keep,
    }
    return Placement(locations, mapping)


def _copy_out(
    project: Project,
    rel: str,
    work: Path,
    copied: set[str],
    ignore: Callable[[str, list[str]], set[str]],
) -> None:
    """Copy the source file ``rel`` (outside the package) into ``work``, with the
    top-level directory that holds it (its data files, conftests) once."""
    top = rel.split("/")[0]
    src = project.root / top
    if top not in copied and src.is_dir() and top not in ("src", "lib", "."):
        shutil.copytree(src, work / top, ignore=ignore, symlinks=True)
        copied.add(top)
    elif not (work / rel).exists() and (project.root / rel).is_file():
        (work / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(project.root / rel, work / rel)


def _installed(project: Project, rel: str, inside: str, shipped: bool, purelib: Path) -> Path:
    """Where the package's file ``rel`` runs: installed in ``purelib``; copied in
    from the source tree (with the files beside it) when the wheel leaves it out."""
    target = purelib / inside
    if not shipped and (project.root / rel).is_file():
        logger.info(
            "%s is not in the wheel: copied into the installed package from the source tree",
            rel,
        )
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(project.root / rel, target)
        _beside_package(project, rel, inside, purelib)
    return target


def _beside_package(project: Project, rel: str, inside: str, purelib: Path) -> None:
    """Tests copied into the installed package find the data files that lie beside
    the package in the source tree (pytz's tests read the README beside the package): the
    non-Python files there are copied beside it in ``purelib`` (a throw-away venv)."""
    source_parent = (project.root / rel).parents[len(Path(inside).parts) - 1]
    for path in source_parent.iterdir():
        if path.is_file() and path.suffix not in (".py", ".pyc", ".pth"):
            dest = purelib / path.name
            if not dest.exists():
                shutil.copy2(path, dest)


def _locate(arg: str, packages: Mapping[str, str], purelib: Path, work: Path) -> list[str]:
    """Where a positional argument given in the source tree points in the run."""
    path, sep, rest = arg.partition("::")
    rel = Path(os.path.normpath(path)).as_posix()
    inside = _in_package(rel, packages)
    if inside is not None:
        return [str(purelib / inside) + sep + rest]
    below = [
        str(purelib / p) for src, p in packages.items() if rel == "." or src.startswith(rel + "/")
    ]
    here = [rel + sep + rest] if (work / rel).exists() else []
    return [*here, *below] if below else [rel + sep + rest]
