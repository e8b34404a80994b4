"""Make the test venvs while the build backend runs.

A test venv needs the test dependencies, pytest and coverage, and none of them
depends on the wheel: a release chain (``build`` then ``test_wheel`` in one nox
process) makes each venv and installs them in a background thread while the
backend builds, and ``test_wheel`` then installs only the wheel. A venv that
could not be prepared is made again from scratch by ``test_wheel``, which then
reports the failure in its own words.

Requirements that name the project itself (``pkg[extra]`` in a dependency
group) are left to ``test_wheel``: installed here, they would come from the
index, not from the wheel under test.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from noxship._run import run, uv_binary, venv_python
from noxship.errors import ToolError
from noxship.project import Project, TestDependencies
from noxship.wheeltest.interpreters import Interpreter, find_interpreters

__all__ = ["TOOLS", "prepare_venvs", "self_requirements", "take_prepared", "venv_dir"]

logger = logging.getLogger("noxship")

TOOLS = ("pytest", "coverage")
"""What every test venv holds beside the test dependencies."""

_PREPARED: dict[Path, Future[None]] = {}


def venv_dir(project: Project, interpreter: Interpreter) -> Path:
    """``<root>/.nox/noxship-test_wheel-3.X``: the test venv of ``interpreter``."""
    return project.root / ".nox" / f"noxship-test_wheel-{interpreter.minor}"


def self_requirements(project: Project, deps: TestDependencies) -> tuple[list[str], list[str]]:
    """Split ``deps.requirements`` into (others, the ones that name the project)."""
    own = canonicalize_name(project.name)
    others: list[str] = []
    mine: list[str] = []
    for text in deps.requirements:
        try:
            named = canonicalize_name(Requirement(text).name) == own
        except InvalidRequirement:  # uv reports it, with the file it came from
            named = False
        (mine if named else others).append(text)
    return others, mine


def _make(venv: Path, interpreter: Interpreter, args: Sequence[str]) -> None:
    uv = uv_binary()
    run(
        [uv, "venv", "--quiet", "--clear", "--python", interpreter.executable, venv],
        what="uv venv",
        capture=True,
    )
    run(
        [uv, "pip", "install", "--quiet", "--python", venv_python(venv), *args],
        what="uv pip install",
        capture=True,
    )


def prepare_venvs(project: Project, pythons: Sequence[str] | None = None) -> int:
    """Start making the test venvs of ``pythons`` (default: as ``test_wheel``
    chooses) in one background thread, one venv after the other.

    Args:
        project: the project whose test dependencies are installed.
        pythons: feature versions (``["3.12"]``), as given to ``test_wheel``.

    Returns:
        How many venvs are being made (0 on a machine with one core, where the
        thread would only slow the build down).
    """
    if (os.cpu_count() or 1) < 2:
        return 0
    deps = project.test_dependencies()
    others, _ = self_requirements(project, deps)
    files = deps.file_args()
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="noxship-prepare")
    interpreters = find_interpreters(project, pythons)
    for interpreter in interpreters:
        venv = venv_dir(project, interpreter)
        _PREPARED[venv] = executor.submit(_make, venv, interpreter, [*others, *files, *TOOLS])
    executor.shutdown(wait=False)
    return len(interpreters)


def take_prepared(venv: Path) -> bool:
    """Wait for ``venv`` if it is being prepared; tell whether it is ready.

    A venv is taken once: a second ``test_wheel`` in the same process makes its own.
    """
    future = _PREPARED.pop(venv, None)
    if future is None:
        return False
    try:
        future.result()
    except ToolError as exc:
        logger.info("the test venv made during the build failed (%s): making it again", exc)
        return False
    return True
