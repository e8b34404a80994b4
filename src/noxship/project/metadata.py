"""The project's core metadata as its build backend prepares it, without building.

PEP 517's ``prepare_metadata_for_build_wheel`` hook (or, for a backend without
it, a wheel build) runs in an isolated environment made by uv, through the
``build`` library: what ``build.util.project_wheel_metadata`` does, with uv
instead of pip. This is how the version of a VCS-versioned project
(setuptools_scm, hatch-vcs, pdm-backend's scm source, versioningit) and the
name and version of a ``setup.py``-only project are learned. It takes seconds,
so each project directory is asked once per process.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import subprocess
import tempfile
import warnings
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.version import InvalidVersion, Version

from noxship.environment import clean_env
from noxship.errors import ConfigError, ToolError

if TYPE_CHECKING:
    from pyproject_hooks import SubprocessRunner

__all__ = ["BuiltMetadata", "backend_warnings", "built_metadata"]

logger = logging.getLogger("noxship")


class BuiltMetadata:
    """The name and version from the backend's metadata.

    Attributes:
        name: the distribution name.
        version: its PEP 440 version.
    """

    def __init__(self, name: str, version: Version) -> None:
        self.name = name
        self.version = version

    def __repr__(self) -> str:
        return f"BuiltMetadata(name={self.name!r}, version={str(self.version)!r})"


@contextlib.contextmanager
def backend_warnings(level: int) -> Iterator[None]:
    """Log the first line of each warning raised inside the block at ``level``.

    pyproject_hooks re-raises a build backend's warnings in the caller as
    ``BuildBackendWarning`` (deprecations in the project's own configuration).
    They are the project's to fix, not a failed build: under ``python -W error``
    or pytest's ``filterwarnings = error`` they would otherwise raise.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for warning in caught:
        text = str(warning.message).strip().splitlines() or [""]
        logger.log(level, "build backend warning: %s", text[0])


def _runner(env: Mapping[str, str]) -> SubprocessRunner:
    def run(
        cmd: Sequence[str], cwd: str | None = None, extra_environ: Mapping[str, str] | None = None
    ) -> None:
        proc = subprocess.run(
            cmd,
            cwd=cwd,
            env={**env, **(extra_environ or {})},
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode:
            raise subprocess.CalledProcessError(proc.returncode, cmd, proc.stdout, proc.stderr)

    return run


def _fingerprint(root: Path) -> tuple[str, ...]:
    """What the backend's answer depends on: the commit and the changes git sees
    (a VCS version), and when the configuration files last changed."""
    state = []
    for name in ("pyproject.toml", "setup.py", "setup.cfg"):
        path = root / name
        state.append(f"{name}:{path.stat().st_mtime_ns}" if path.is_file() else name)
    for args in (["rev-parse", "HEAD"], ["status", "--porcelain", "--untracked-files=no"]):
        try:
            git = subprocess.run(
                ["git", *args], cwd=root, env=clean_env(), capture_output=True, text=True
            )
        except OSError:  # no git: the files' times alone
            break
        state.append(git.stdout if git.returncode == 0 else "")
    return tuple(state)


def built_metadata(root: Path, extra_env: tuple[tuple[str, str], ...] = ()) -> BuiltMetadata:
    """Ask the project's build backend for its metadata (see the module docstring),
    once per state of the project (its commit, its changes, its configuration
    files): a long process that commits asks again.

    Args:
        root: the project directory.
        extra_env: variables for the backend (``SOURCE_DATE_EPOCH``), as pairs.

    Returns:
        The name and version.

    Raises:
        ToolError: the backend failed (its last output line is shown).
        ConfigError: the metadata holds no valid version.
    """
    return _built_metadata(root, extra_env, _fingerprint(root))


@functools.cache
def _built_metadata(
    root: Path, extra_env: tuple[tuple[str, str], ...], fingerprint: tuple[str, ...]
) -> BuiltMetadata:
    import importlib.metadata

    from build import BuildBackendException, BuildException, ProjectBuilder

    from noxship._isolated import CleanIsolatedEnv

    logger.info("asking the build backend of %s for its metadata (name, version)", root)
    try:
        # The build shows the backend's warnings: here they go to the debug log.
        with (
            CleanIsolatedEnv() as env,
            tempfile.TemporaryDirectory() as tmp,
            backend_warnings(logging.DEBUG),
        ):
            builder = ProjectBuilder.from_isolated_env(
                env, root, runner=_runner(clean_env(dict(extra_env)))
            )
            env.install(builder.build_system_requires)
            env.install(builder.get_requires_for_build("wheel"))
            meta = importlib.metadata.PathDistribution(Path(builder.metadata_path(tmp))).metadata
            name, raw = meta["Name"], meta["Version"]
    except (BuildException, BuildBackendException, subprocess.CalledProcessError) as exc:
        cause = getattr(exc, "exception", exc)
        output = getattr(cause, "stderr", None) or getattr(cause, "stdout", None) or str(exc)
        last = (str(output).strip().splitlines() or ["no output"])[-1]
        raise ToolError(
            f"the build backend of {root} could not prepare its metadata: {last}: "
            "run `python -m build` there to see the whole error"
        ) from None
    try:
        return BuiltMetadata(name, Version(raw))
    except InvalidVersion:
        raise ConfigError(
            f"the build backend of {root} reports version {raw!r}, which is not PEP 440"
        ) from None
