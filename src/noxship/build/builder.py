"""Build the sdist, then the wheel from that sdist, check them, and write checksums.

The build is reproducible: ``SOURCE_DATE_EPOCH`` is set to the time of the last
commit when the project is in git (https://reproducible-builds.org/specs/source-date-epoch/),
so two builds of one commit give byte-identical wheels with every common backend;
the sdist is then normalised (:mod:`noxship.build.normalise`: times, owners,
member order, gzip header), since setuptools, pbr and pdm-backend write the
build time into it.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from packaging.version import Version

from noxship._run import run, uv_binary
from noxship.build.compiled import (
    compiled_reason,
    install_sdist_alone,
    is_platform_wheel,
    repair_wheel,
    wheel_fits,
)
from noxship.build.dist import (
    CHECKSUMS_NAME,
    DistKind,
    Distribution,
    find_distributions,
    sdist_metadata,
    wheel_metadata,
    write_checksums,
)
from noxship.build.normalise import normalise_sdist
from noxship.build.scan import scan_distributions, tracked_files
from noxship.environment import clean_env
from noxship.errors import ConfigError, DistributionError, ToolError
from noxship.project import Project
from noxship.project.metadata import backend_warnings
from noxship.project.version_source import TAG_KINDS, VersionSourceKind

__all__ = ["CHECK_MODULES", "build", "check_built_version", "source_date_epoch"]

CHECK_MODULES = ("twine.commands.check",)
"""What ``twine check`` imports: worth loading while the backend builds."""

logger = logging.getLogger("noxship")


def source_date_epoch(root: Path, given: str | None = None) -> str | None:
    """Return ``SOURCE_DATE_EPOCH`` for a build of ``root`` (Unix seconds):
    ``given`` (the caller's environment's value) when set, else the committer
    time of ``HEAD`` when ``root`` is in git.

    Returns ``None``, with a warning that the build will not be reproducible,
    when git is missing, ``root`` is not in a git work tree, or it has no commit.
    """
    if given:
        return given
    git = shutil.which("git")
    why = "git is not installed"
    if git is not None:
        proc = subprocess.run(
            [git, "log", "-1", "--format=%ct"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        out = proc.stdout.strip()
        if proc.returncode == 0 and out:
            return out
        why = (proc.stderr.strip().splitlines() or ["no commit yet"])[-1]
    logger.warning(
        "SOURCE_DATE_EPOCH is not set and cannot be read from git (%s): this build is "
        "not reproducible; commit the project in git, or set SOURCE_DATE_EPOCH",
        why,
    )
    return None


_ROOT_IGNORE = frozenset({".git", ".nox", ".venv", "dist", "build"})
"""Left out of the copy at the project's root only: a package may be named ``build``."""
_EVERYWHERE_IGNORE = shutil.ignore_patterns("__pycache__", "*.egg-info", ".*_cache")


def _copy_ignore(root: Path) -> Callable[[str, list[str]], set[str]]:
    def ignore(directory: str, names: list[str]) -> set[str]:
        ignored = set(_EVERYWHERE_IGNORE(directory, names))
        if Path(directory) == root:
            ignored |= _ROOT_IGNORE.intersection(names)
        return ignored

    return ignore


def _with_version(project: Project, version: Version, dest: Path) -> Path:
    """Copy the project to ``dest`` with ``version`` written into its pyproject.toml
    or into the file its version is read from."""
    shutil.copytree(project.root, dest, ignore=_copy_ignore(project.root), symlinks=True)
    if project.version_source.kind not in ("static", "file"):
        raise ConfigError(
            "cannot set the version: pyproject.toml has no static version "
            "([project] version or [tool.poetry] version)"
        )
    project.version_source.rewrite(project.root, dest, version)
    return dest


def _tagged_clone(project: Project, version: Version, dest: Path) -> Path:
    """Clone the project's git repository to ``dest`` and tag its HEAD ``version``:
    versioningit and setuptools-git-versioning then derive exactly that version
    (a tag on HEAD, no distance). Only committed files are built."""
    git = shutil.which("git") or "git"
    ident = ["-c", "user.name=noxship", "-c", "user.email=noxship@localhost.invalid"]
    for args in (
        ["clone", "--quiet", "--shared", str(project.root), str(dest)],
        [
            "-C",
            str(dest),
            *ident,
            "tag",
            "-a",
            "-f",
            "-m",
            f"noxship build of {version}",
            str(version),
        ],
    ):
        proc = subprocess.run([git, *args], capture_output=True, text=True, check=False)
        if proc.returncode:
            raise ToolError(
                f"git {args[0]} failed while preparing the build of {version}: "
                f"{proc.stderr.strip()}"
            )
    return dest


def _source_for(
    project: Project, version: Version | None, tmp: Path
) -> tuple[Path, dict[str, str]]:
    """The tree to build, and the variables that make its backend produce ``version``.

    Raises:
        ConfigError: the version comes from a source noxship cannot set.
    """
    source = project.version_source
    if version is None or version == project.version:
        return project.root, {}
    if source.kind in (VersionSourceKind.STATIC, VersionSourceKind.FILE):
        return _with_version(project, version, tmp / "src"), {}
    env = source.pretend_env(version, project.name)
    if env:
        return project.root, env
    if source.kind in TAG_KINDS:
        return _tagged_clone(project, version, tmp / "src"), {}
    raise ConfigError(
        f"cannot build version {version}: the version comes from {source.detail}, which "
        "noxship cannot set; set [project] version, or use a VCS plugin such as setuptools_scm"
    )


def _normalise(dists: Sequence[Distribution], epoch: str | None) -> None:
    for dist in dists:
        if dist.kind is DistKind.SDIST and normalise_sdist(
            dist.path, int(epoch) if epoch else None
        ):
            logger.info("normalised %s (times, owners, order): reproducible", dist.filename)


def check_built_version(dists: Sequence[Distribution], expected: Version, why: str) -> None:
    """Check that every built file's metadata has version ``expected``.

    Raises:
        DistributionError: a version differs (both are named); nothing may be
            published from this build.
    """
    for dist in dists:
        meta = (
            wheel_metadata(dist.path) if dist.kind is DistKind.WHEEL else sdist_metadata(dist.path)
        )
        if meta.version != expected:
            raise DistributionError(
                f"the build produced {dist.filename} with version {meta.version}, but {why} "
                f"is {expected}: nothing is published from it; check the version source "
                f"({'a tag on HEAD, or ' if expected.local is None else ''}the build backend's "
                "settings)"
            )


def _build_sdist_then_wheel(source: Path, dist_dir: Path, tmp: Path, env: dict[str, str]) -> None:
    """Build the sdist of ``source``, unpack it, and build the wheel from it, with
    the ``build`` library: one isolated environment (made by uv) serves both, so
    the build requirements are installed once. The backend's hooks run in
    subprocesses with ``env`` (no credentials; ``SOURCE_DATE_EPOCH``)."""
    import tarfile

    from build import BuildBackendException, BuildException, ProjectBuilder

    from noxship._isolated import CleanIsolatedEnv

    def runner(
        cmd: Sequence[str], cwd: str | None = None, extra_environ: Mapping[str, str] | None = None
    ) -> None:
        subprocess.run(cmd, cwd=cwd, env={**env, **(extra_environ or {})}, check=True)

    try:
        # The backend printed its warnings above: logged again, they are not an error.
        with CleanIsolatedEnv() as isolated, backend_warnings(logging.INFO):
            builder = ProjectBuilder.from_isolated_env(isolated, source, runner=runner)
            isolated.install(builder.build_system_requires)
            isolated.install(builder.get_requires_for_build("sdist"))
            logger.info("building the sdist of %s", source)
            sdist = Path(builder.build("sdist", dist_dir))
            unpacked = tmp / "sdist"
            with tarfile.open(sdist) as tar:
                tar.extractall(unpacked, filter="data")
            tops = list(unpacked.iterdir())
            if len(tops) != 1 or not tops[0].is_dir():
                raise DistributionError(
                    f"{sdist.name} holds {len(tops)} top-level entries, not one directory "
                    "(PEP 625: {name}-{version}/): fix the backend's sdist configuration"
                )
            top = tops[0]
            from_sdist = ProjectBuilder.from_isolated_env(isolated, top, runner=runner)
            isolated.install(from_sdist.get_requires_for_build("wheel"))
            logger.info("building the wheel from %s", sdist.name)
            from_sdist.build("wheel", dist_dir)
    except (BuildException, BuildBackendException, subprocess.CalledProcessError) as exc:
        raise ToolError(f"build failed: {exc}: see the backend's output above") from None


def _platform_wheels(
    project: Project,
    staging: Path,
    env: Mapping[str, str],
    pythons: Callable[[], Sequence[tuple[str, Path]]] | None,
) -> None:
    """For a compiled project (the first wheel is a platform wheel): build the
    wheel of each other Python from the sdist with ``uv build``, then repair
    every platform wheel (:func:`~noxship.build.compiled.repair_wheel`)."""
    why = compiled_reason(project)
    if not any(is_platform_wheel(w) for w in staging.glob("*.whl")):
        if why is not None:
            logger.warning(
                "%s, and the build made a pure wheel: its extension modules were not "
                "compiled (optional, or their build failed; see the backend's output "
                "above): users get the pure-Python code; install a compiler and the "
                "headers it needs, or make the extension required",
                why[0].upper() + why[1:],
            )
        return
    why = why or "its build made a platform wheel"
    logger.info("compiled project (%s): one wheel per Python, repaired for this platform", why)
    (sdist,) = staging.glob("*.tar.gz")
    first = sorted(staging.glob("*.whl"))
    found = list(pythons()) if pythons is not None else []
    wanted = [(m, py) for m, py in found if not any(wheel_fits(w.name, m) for w in first)]
    # The newest Python that requires-python admits installs the sdist alone.
    newest = found[-1][1] if found else Path(sys.executable)
    reports = project.root / "build" / "reports"
    # Side by side (a compiler mostly uses one core): the other Pythons' wheels,
    # the sdist installed alone, and each repair as soon as its wheel exists.
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        alone = pool.submit(install_sdist_alone, sdist, project.name, newest, env)
        built = [pool.submit(_wheel_for, minor, py, sdist, staging, env) for minor, py in wanted]
        repairs = [
            pool.submit(repair_wheel, w, staging, reports) for w in first if is_platform_wheel(w)
        ]
        repairs += [pool.submit(repair_wheel, b.result(), staging, reports) for b in built]
        for repair in repairs:
            repair.result()
        alone.result()


def _wheel_for(
    minor: str, python: Path, sdist: Path, staging: Path, env: Mapping[str, str]
) -> Path:
    """Build the wheel of ``sdist`` for Python ``minor`` with ``uv build``, into
    ``staging``; its output is shown only when it fails."""
    logger.info("building the wheel for Python %s from %s", minor, sdist.name)
    out = staging / f".python-{minor}"
    run(
        [uv_binary(), "build", "--wheel", "--python", python, "--out-dir", out, sdist],
        env=dict(env),
        capture=True,
        what=f"the build of the wheel for Python {minor}",
    )
    (wheel,) = out.glob("*.whl")
    final = staging / wheel.name
    shutil.move(wheel, final)
    shutil.rmtree(out)
    return final


def _twine_check(dists: Sequence[Distribution]) -> list[str]:
    """``twine check``, in this process (twine's own API), as PyPI judges: a
    description that does not render, or invalid metadata, fails (PyPI refuses
    the upload); what PyPI accepts (no description, no content type) comes back
    as warnings, each with its fix (PyPI's docs, "Making a PyPI-friendly README")."""
    from twine.commands.check import check

    if check([str(d.path) for d in dists], strict=False):
        raise ToolError(
            "twine check failed: PyPI would refuse the upload: fix the metadata it names "
            "above (often the README's markup)"
        )
    warnings: list[str] = []
    wheel = next((d for d in dists if d.kind is DistKind.WHEEL), None)
    if wheel is None:
        return warnings
    meta = wheel_metadata(wheel.path)
    if not (meta.description or "").strip():
        warnings.append(
            "the distribution has no long description: PyPI shows an empty project page; "
            'add readme = "README.md" under [project] (or long_description in setup.py)'
        )
    elif not meta.description_content_type:
        warnings.append(
            "the long description has no content type: PyPI renders it as reStructuredText; "
            'name it, for example readme = {file = "README.md", content-type = "text/markdown"} '
            "under [project] (or long_description_content_type in setup.py)"
        )
    return warnings


def build(
    project: Project,
    dist_dir: Path | None = None,
    *,
    version: Version | None = None,
    secrets: Iterable[str] = (),
    epoch: str | None = None,
    pythons: Callable[[], Sequence[tuple[str, Path]]] | None = None,
) -> list[Distribution]:
    """Build the project's sdist and wheel into an emptied ``dist_dir``.

    The ``build`` library builds the sdist and then the wheel from the
    unpacked sdist, in one isolated environment made by uv. The sdist is
    normalised (:func:`~noxship.build.normalise.normalise_sdist`), every archive
    is scanned for credentials, then ``twine check`` checks the
    metadata, :mod:`.pythons` checks ``requires-python``, the classifiers and the
    wheel tags against each other and today's CPython calendar (warnings, or
    errors with ``strict-metadata``), and ``dist/SHA256SUMS`` is written.

    Args:
        project: the project to build.
        dist_dir: output directory, default ``<root>/dist``; emptied first.
        version: build this version instead of the project's (a preview build,
            ``1.4.0.dev123``): the project is copied to a temporary directory and the
            version written there; the working tree is left as it was.
        secrets: token and password values that no archive may hold
            (:func:`~noxship.build.scan.scan_distributions`).
        epoch: ``SOURCE_DATE_EPOCH`` from the caller's environment (Unix
            seconds); default the committer time of ``HEAD``
            (:func:`source_date_epoch`).
        pythons: for a compiled project (:mod:`.compiled`), the Pythons to build
            a wheel for besides this one: called once, after the first wheel
            turns out to be a platform wheel; it returns ``(feature version,
            interpreter)`` pairs (``("3.12", Path("/usr/bin/python3.12"))``).
            Each platform wheel is then repaired for this platform.

    Returns:
        The built distributions, sdist first.

    Raises:
        ToolError: the build or twine's check failed.
        DistributionError: the build left something other than one sdist and
            wheels of this project in ``dist_dir``, or an archive holds a
            credential file or a secret's value.
        ConfigError: ``version`` was given but the project's version is dynamic.
        DistributionError: a Python metadata finding under ``strict-metadata`` (dist_dir emptied).
    """
    dist_dir = dist_dir or project.root / "dist"
    if dist_dir.exists():
        shutil.rmtree(dist_dir)
    dist_dir.mkdir(parents=True)
    _build_staged(project, dist_dir, version, secrets, epoch, pythons)
    dists = find_distributions(dist_dir, project.name)
    write_checksums(dists, dist_dir / CHECKSUMS_NAME)
    return dists


def _build_staged(
    project: Project,
    dist_dir: Path,
    version: Version | None,
    secrets: Iterable[str],
    given_epoch: str | None,
    pythons: Callable[[], Sequence[tuple[str, Path]]] | None,
) -> None:
    """Build into a staging directory; move into ``dist_dir`` only what passed every check."""
    extra: dict[str, str] = {}
    epoch = source_date_epoch(project.root, given_epoch)
    if epoch:
        extra["SOURCE_DATE_EPOCH"] = epoch
    with tempfile.TemporaryDirectory(prefix="noxship-build-") as tmp:
        staging = Path(tmp) / "staging"
        staging.mkdir()
        source, pretend = _source_for(project, version, Path(tmp))
        env = clean_env({**extra, **pretend})
        _build_sdist_then_wheel(source, staging, Path(tmp), env)
        _platform_wheels(project, staging, env, pythons)
        try:
            dists = _checked(project, staging, version, epoch, secrets)
        except (ToolError, DistributionError) as exc:
            raise type(exc)(
                f"{exc} (nothing was moved into {dist_dir.name}/: it is empty)"
            ) from None
        for dist in dists:
            shutil.move(dist.path, dist_dir / dist.filename)


def _checked(
    project: Project,
    staging: Path,
    version: Version | None,
    epoch: str | None,
    secrets: Iterable[str],
) -> list[Distribution]:
    """Every check of the archives built into ``staging``; raise at the first refusal."""
    dists = find_distributions(staging, project.name)
    expected = version or project.version
    if expected is not None:
        why = "the planned version" if version else project.version_source.detail
        check_built_version(dists, expected, why)
    _normalise(dists, epoch)
    scan_distributions(
        dists, secrets, allow=project.config.scan_allow, tracked=tracked_files(project.root)
    )
    _check_pythons(project, dists, _twine_check(dists))
    return dists


def _check_pythons(
    project: Project,
    dists: Sequence[Distribution],
    found: Sequence[str] = (),
) -> None:
    """The metadata checks PyPI does not make (``found``: twine's warnings) and the
    Python metadata checks (:mod:`.pythons`) on today's calendar: each finding
    logged once; with ``strict-metadata`` an error."""
    import datetime

    from noxship.build.pythons import check_distributions

    findings = [*found, *check_distributions(dists, datetime.date.today())]
    strict = project.config.strict_metadata
    if not findings:
        logger.info("Python metadata: requires-python, classifiers and wheel tags agree")
        return
    for finding in findings:
        logger.warning("metadata: %s", finding)
    if strict:
        raise DistributionError(
            f"{len(findings)} metadata problem(s) above, and strict-metadata = true: fix "
            "them, or set strict-metadata = false to have them as warnings"
        )
    logger.warning(
        "metadata: %d warning(s) above; strict-metadata = true in [tool.noxship] makes them errors",
        len(findings),
    )
