"""After an upload: the target's index holds every file with the same sha256,
and the release installs from it and imports."""

from __future__ import annotations

import logging
import shutil
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from noxship._run import run, uv_binary, uv_venv
from noxship.build.dist import DistKind, Distribution, wheel_metadata, wheel_top_level
from noxship.environment import Redactor, clean_env, sanitize_url, without_index_settings
from noxship.errors import PublishError, ToolError
from noxship.publish.credentials import Credentials
from noxship.publish.index import Lister
from noxship.publish.targets import Target

__all__ = ["install_check", "verify_index"]

logger = logging.getLogger("noxship")


def verify_index(
    dists: Sequence[Distribution],
    target: Target,
    lister: Lister,
    *,
    attempts: int = 6,
    delay: float = 2.0,
    accepted: Mapping[str, str] | None = None,
) -> None:
    """Check that every file is on the target's index with the same sha256
    (or, for a file in ``accepted``, with the sha256 given there: the target's
    file of the same contents, see :class:`~noxship.publish.publisher.Preflight`).

    An index may show a new file a little late (a CDN in front of PyPI), so the
    lookup is repeated up to ``attempts`` times, ``delay`` seconds apart.

    Raises:
        PublishError: a file is missing or has another sha256 after the last attempt.
    """
    problems: list[str] = []
    for i in range(attempts):
        now = lister()
        problems = []
        for dist in dists:
            found = now.get(dist.filename)
            expected = (accepted or {}).get(dist.filename, dist.sha256)
            if found is None:
                problems.append(f"{dist.filename} is missing")
            elif found.sha256 is not None and found.sha256 != expected:
                problems.append(f"{dist.filename} has sha256 {found.sha256}, not {expected}")
        if not problems:
            logger.info("verified on %s: %s", target.name, ", ".join(d.filename for d in dists))
            return
        if i + 1 < attempts:
            time.sleep(delay)
    raise PublishError(
        f"after the upload, the index of {target.name} does not match: {'; '.join(problems)}: "
        "check the index, then re-run publish"
    )


def _venv(tmp: Path) -> Path:
    # This Python: uv would otherwise look for (or download) another one.
    return uv_venv(tmp / "venv", sys.executable)


def _step(
    argv: list[str | Path],
    env: dict[str, str],
    cwd: Path,
    redactor: Redactor,
    what: str,
    release: str,
    target: Target,
) -> None:
    try:
        run(argv, env=env, cwd=cwd, capture=True, redactor=redactor, what=what)
    except ToolError as exc:
        raise PublishError(
            f"{release} does not install and import from {target.name}: {exc}"
        ) from None


def _index_envs(
    target: Target, credentials: Credentials | None, public: str
) -> tuple[dict[str, str], dict[str, str]]:
    """uv's environments for (the package itself, its dependencies).

    The package comes from the target alone. Its dependencies: for PyPI and
    TestPyPI from the public index alone (TestPyPI's other files are anyone's);
    for any other target from the target first and the public index after it,
    with uv's ``first-index`` strategy (uv docs, "Package indexes": indexes in
    ``UV_INDEX`` are searched before ``UV_DEFAULT_INDEX``, and a name found on
    one index is never looked up on a later one), so a private dependency is
    never replaced by a same-named package on the public index.
    """
    base = without_index_settings(clean_env())
    named = f"{_INDEX_NAME}={target.index_url}"
    auth = _index_credentials(credentials)
    alone = {**base, **auth, "UV_DEFAULT_INDEX": named}
    if target.is_pypi:
        return alone, {**base, "UV_DEFAULT_INDEX": public}
    return alone, {
        **base,
        **auth,
        "UV_INDEX": named,
        "UV_DEFAULT_INDEX": public,
        "UV_INDEX_STRATEGY": "first-index",
    }


_INDEX_NAME = "noxship"
"""The name the target's index has for uv (``UV_INDEX=noxship=<url>``)."""


def _index_credentials(credentials: Credentials | None) -> dict[str, str]:
    """The target's credentials as uv's per-index variables
    (``UV_INDEX_NOXSHIP_USERNAME``/``_PASSWORD``; uv docs, "Index authentication"):
    uv sends them to that index only, and they are never part of a URL that a
    dependency's build backend could read in ``UV_INDEX``."""
    if credentials is None or credentials.password is None:
        return {}
    prefix = f"UV_INDEX_{_INDEX_NAME.upper()}_"
    return {
        prefix + "USERNAME": credentials.username,
        prefix + "PASSWORD": credentials.password.reveal(),
    }


def _requirements(dists: Sequence[Distribution], target: Target) -> list[str]:
    """What the dependency step asks uv for: the release itself (its dependencies
    resolved with it), or, where the dependencies come from the public index
    alone, the wheel's own ``Requires-Dist`` (core metadata spec). Nothing when
    the wheel declares no dependency: the step would install nothing."""
    name, version = dists[0].name, dists[0].version
    wheels = [d for d in dists if d.kind is DistKind.WHEEL]
    if not wheels:
        return [f"{name}=={version}"]
    declared = [str(r) for r in wheel_metadata(wheels[0].path).requires_dist or []]
    if target.is_pypi or not declared:
        return declared
    return [f"{name}=={version}"]


def install_check(
    dists: Sequence[Distribution],
    target: Target,
    credentials: Credentials | None,
    redactor: Redactor,
    *,
    public_index: str | None = None,
) -> None:
    """Install the release from the target's index into a fresh venv with uv and import it.

    First the package alone (``--no-deps``, ``--refresh-package``) from the
    target alone (:func:`~noxship.environment.without_index_settings` removes
    every other pip and uv index setting); then its dependencies (see
    :func:`_index_envs` for which index each comes from). Index URLs reach uv
    through its environment only, and credentials through uv's per-index
    variables; where they are present, dependencies install from wheels only
    (``--no-build``), so no third-party build backend runs beside them.

    Args:
        dists: the release's files; the version and import names come from them.
        target: the index to install from.
        credentials: for a private index.
        redactor: masks the credentials in uv's output.
        public_index: the public index for dependencies, default PyPI's simple API.

    Raises:
        PublishError: the install or the import failed.
    """
    from pypi_simple import PYPI_SIMPLE_ENDPOINT

    name, version = dists[0].name, dists[0].version
    wheels = [d for d in dists if d.kind is DistKind.WHEEL]
    modules = wheel_top_level(wheels[0].path) if wheels else [name.replace("-", "_")]
    alone, with_deps = _index_envs(target, credentials, public_index or PYPI_SIMPLE_ENDPOINT)
    requirements = _requirements(dists, target)
    imports = "; ".join(f"import {m}" for m in modules)
    tmp = Path(tempfile.mkdtemp(prefix="noxship-install-check-"))
    try:
        python = _venv(tmp)
        steps = _steps(
            python, target, f"{name}=={version}", requirements, (alone, with_deps), credentials
        )
        steps.append(([python, "-c", imports], clean_env(), "import check"))
        for argv, env, what in steps:
            _step(argv, env, tmp, redactor, what, f"{name} {version}", target)
        logger.info(
            "installed %s %s from %s (the package from that index alone) and imported %s",
            *(name, version, sanitize_url(target.index_url), ", ".join(modules)),
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _steps(
    python: Path,
    target: Target,
    pinned: str,
    requirements: Sequence[str],
    envs: tuple[dict[str, str], dict[str, str]],
    credentials: Credentials | None,
) -> list[tuple[list[str | Path], dict[str, str], str]]:
    """The uv steps: the package alone from the target (``pinned``, ``name==version``),
    then its dependencies; where the index credentials are in uv's environment, no
    dependency is built from its sdist (uv passes its environment to build backends)."""
    alone, with_deps = envs
    install: list[str | Path] = [uv_binary(), "pip", "install", "--quiet", "--python", python]
    name = pinned.split("==")[0]
    steps: list[tuple[list[str | Path], dict[str, str], str]] = [
        (
            [*install, "--no-deps", "--refresh-package", name, pinned],
            alone,
            f"uv pip install from {target.name}",
        ),
    ]
    if requirements:
        no_build = (
            ["--no-build"] if _index_credentials(credentials).keys() & with_deps.keys() else []
        )
        steps.append(
            ([*install, *no_build, *requirements], with_deps, "uv pip install dependencies")
        )
    return steps
