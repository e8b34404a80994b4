"""Build the project's docs against the *built wheel*, warnings as errors.

A fresh venv (uv) holds the wheel from ``dist/``, the docs dependencies
(:mod:`noxship.project.docs`) and the builder; the project's files are copied
outside the source tree, with each package directory (``src/pkg``, ``pkg``)
replaced by a link to the installed package, so that autodoc and
mkdocstrings read what users install, not the source. Then ``sphinx-build -W --keep-going -b html`` (Sphinx docs, "sphinx-build")
or ``mkdocs build --strict`` (MkDocs docs, "build") writes the HTML to
``build/docs/``. Link checking (``sphinx-build -b linkcheck``) needs the
network: it runs only with ``docs-linkcheck = true``.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path

from packaging.utils import canonicalize_name

from noxship._run import run, uv_install, uv_venv
from noxship.build.dist import wheel_top_level
from noxship.context import Context
from noxship.environment import clean_env
from noxship.errors import ToolError, WheelTestError
from noxship.project import Project, Requirements
from noxship.project.docs import DocsSite, find_docs, find_docs_dependencies
from noxship.wheeltest.diagnosis import IGNORED_DIRS
from noxship.wheeltest.interpreters import Interpreter, find_interpreters, no_interpreter
from noxship.wheeltest.runner import find_wheel

__all__ = ["build_docs"]

logger = logging.getLogger("noxship")

BUILDERS = {"sphinx": "sphinx", "mkdocs": "mkdocs"}
"""The builder each kind of docs needs, added when the docs dependencies do not name it."""
_LEFT_OUT = {".git", ".nox", ".venv", "build", "dist", "node_modules", *IGNORED_DIRS}


def _copy_project(project: Project, packages: list[str], dest: Path, python: Path) -> None:
    """The project's files, where each package directory (``src/pkg``, ``pkg``) is a
    link to the installed package: a ``sys.path`` entry of ``conf.py``, a
    mkdocstrings ``paths`` or a ``watch`` entry then finds the wheel's files."""
    roots = (project.root.resolve(), (project.root / "src").resolve())

    def ignore(folder: str, names: list[str]) -> set[str]:
        left = {n for n in names if n in _LEFT_OUT}
        if Path(folder).resolve() in roots:
            left |= {n for n in names if n in packages}
        return left

    shutil.copytree(project.root, dest, ignore=ignore, symlinks=True)
    site = Path(
        run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            env=clean_env(),
            capture=True,
            what="python",
        ).strip()
    )
    for package in packages:
        for parent in ("src", "."):
            if (project.root / parent / package).is_dir() and (site / package).exists():
                (dest / parent / package).symlink_to(site / package, target_is_directory=True)


def _install(
    project: Project, site: DocsSite, wheel: Path, venv: Path, interpreter: Interpreter
) -> Path:
    deps = find_docs_dependencies(project.pyproject, project.config)
    logger.info("docs dependencies: %s", deps.source)
    python = uv_venv(venv, interpreter.executable)
    wheel_req = f"{wheel}[{','.join(deps.extras)}]" if deps.extras else str(wheel)
    builder = BUILDERS[site.kind]
    named = canonicalize_name(builder) in _requirement_names(deps)
    uv_install(
        python,
        [wheel_req, *deps.install_args(), *([] if named else [builder])],
        what="uv pip install (docs)",
    )
    return python


def _requirement_names(deps: Requirements) -> set[str]:
    """The distribution names ``deps`` asks for (PEP 508, read with packaging),
    their requirements files included; lines that are not requirements (pip
    options, comments) are skipped."""
    from packaging.requirements import InvalidRequirement, Requirement

    lines = [*deps.requirements]
    for path in deps.files:
        if path.is_file():
            lines += path.read_text(encoding="utf-8").splitlines()
    names: set[str] = set()
    for line in lines:
        text = line.split(" #", 1)[0].strip()
        if not text or text.startswith(("#", "-")):
            continue
        try:
            names.add(canonicalize_name(Requirement(text).name))
        except InvalidRequirement:
            continue
    return names


def _commands(
    site: DocsSite, python: Path, tmp: Path, out: Path, linkcheck: bool
) -> list[list[str | Path]]:
    config = tmp / site.config
    if site.kind == "mkdocs":
        return [[python, "-m", "mkdocs", "build", "--strict", "-f", config, "-d", out]]
    source = config.parent
    commands: list[list[str | Path]] = [
        [python, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html", source, out]
    ]
    if linkcheck:
        commands.append(
            [python, "-m", "sphinx", "-q", "-b", "linkcheck", source, tmp / "_linkcheck"]
        )
    return commands


def build_docs(project: Project, dist_dir: Path | None = None, *, context: Context) -> Path | None:
    """Build the docs against the wheel in ``dist_dir`` (default ``<root>/dist``),
    with the newest Python that ``context``'s ``PATH`` offers and the project admits.

    Returns:
        ``<root>/build/docs``, holding the HTML; ``None`` when the project has no
        Sphinx or MkDocs docs (the log says so).

    Raises:
        DistributionError: no wheel in ``dist_dir``.
        WheelTestError: the build failed or warned (warnings are errors); the
            message names the builder and what to check.
        ToolError: uv failed (a docs dependency that cannot be installed).
    """
    site = find_docs(project.root)
    if site is None:
        logger.info(
            "no docs found (docs/conf.py, doc/conf.py, mkdocs.yml, .readthedocs.yaml): "
            "nothing to build"
        )
        return None
    interpreters = find_interpreters(project, context=context)
    if not interpreters:
        raise no_interpreter(project, None, "build the docs")
    interpreter = interpreters[-1]  # the newest supported Python here
    wheel = find_wheel(project, dist_dir or project.root / "dist", minor=interpreter.minor)
    logger.info("building the %s docs (%s) against %s", site.kind, site.config, wheel.filename)
    venv = project.root / ".nox" / "noxship-docs"
    python = _install(project, site, wheel.path, venv, interpreter)
    out = project.root / "build" / "docs"
    shutil.rmtree(out, ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix="noxship-docs-") as tmp_name:
        tmp = Path(tmp_name) / "project"
        _copy_project(project, wheel_top_level(wheel.path), tmp, python)
        for command in _commands(site, python, tmp, out, project.config.docs_linkcheck):
            try:
                run(command, env=clean_env(), cwd=tmp, what=f"{site.kind} build")
            except ToolError as exc:
                raise WheelTestError(
                    f"the {site.kind} docs ({site.config}) failed to build against the installed "
                    f"wheel, warnings counted as errors ({exc}): fix what its output names (a "
                    "broken reference, an import that fails against the wheel), or name what "
                    "the docs need in [tool.noxship] docs-dependencies"
                ) from None
    logger.info("docs built against the wheel: %s", out / "index.html")
    return out
