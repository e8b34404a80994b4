"""Publish distributions to a target safely: pre-flight, upload, verify.

1. Pre-flight, before any upload to the target: credentials are present; each
   file name is looked up on the target. A file already there with the same
   sha256 is skipped ("already published"); one with other content stops the
   whole publish before anything is uploaded (indexes refuse to replace a
   file: PyPI answers 400 "File already exists", GitLab 400, pypiserver 409,
   devpi 409; ``../shared/reference/indexes.md``).
2. Upload the rest with ``twine upload`` in a subprocess, credentials in its
   environment only. Transient failures (HTTP 5xx, dropped connection, timeout)
   are retried with bounded exponential backoff, re-reading the index before
   each retry so that a file that did arrive is not sent again.
3. Verify: every file is on the target's simple index with the same sha256;
   for every target but ``pypi`` the package installs from that index with pip
   (its own configuration ignored) into a fresh venv and imports.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from noxship._run import clean_env, run
from noxship.dist import Distribution, wheel_top_level
from noxship.errors import IndexConflictError, PublishError, ToolError
from noxship.index import IndexFile, list_files
from noxship.secrets import Redactor, sanitize_url
from noxship.targets import Credentials, Target, twine_environment

__all__ = ["PublishReport", "RetryPolicy", "install_check", "publish", "verify_index"]

logger = logging.getLogger("noxship")

_UPLOADING = re.compile(r"^\s*Uploading (\S+)\s*$", re.MULTILINE)
"""twine's line before each file it sends ("Uploading <file name>")."""

_TRANSIENT = re.compile(
    r"HTTPError: 5\d\d|\b5\d\d Server Error|ConnectionError|Connection aborted|"
    r"RemoteDisconnected|ConnectionResetError|BrokenPipe|ChunkedEncodingError|"
    r"Read timed out|ReadTimeout|ConnectTimeout|IncompleteRead",
)


@dataclasses.dataclass(frozen=True)
class RetryPolicy:
    """Bounded exponential backoff for transient upload failures.

    Attributes:
        attempts: uploads tried at most (1 = no retry).
        base_delay: seconds before the first retry; doubled for each next one.
        max_delay: the longest wait between two attempts, in seconds.
    """

    attempts: int = 4
    base_delay: float = 1.0
    max_delay: float = 30.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> RetryPolicy:
        """Read ``NOXSHIP_UPLOAD_ATTEMPTS`` and ``NOXSHIP_RETRY_DELAY`` (seconds)."""
        try:
            attempts = int(environ.get("NOXSHIP_UPLOAD_ATTEMPTS", cls.attempts))
            delay = float(environ.get("NOXSHIP_RETRY_DELAY", cls.base_delay))
        except ValueError:
            from noxship.errors import ConfigError

            raise ConfigError(
                "NOXSHIP_UPLOAD_ATTEMPTS must be a whole number and NOXSHIP_RETRY_DELAY "
                "a number of seconds"
            ) from None
        return cls(attempts=max(1, min(attempts, 10)), base_delay=max(0.0, delay))

    def delay(self, retry: int) -> float:
        """Seconds to wait before retry number ``retry`` (1-based)."""
        return float(min(self.max_delay, self.base_delay * 2 ** (retry - 1)))


@dataclasses.dataclass(frozen=True)
class PublishReport:
    """What a publish did on one target.

    Attributes:
        target: the target.
        uploaded: files uploaded by this run.
        skipped: files that were already on the target with the same sha256.
        sha256: file name -> hex sha256 of every file of the release.
        installed: whether the install check ran and passed.
    """

    target: Target
    uploaded: tuple[str, ...]
    skipped: tuple[str, ...]
    sha256: Mapping[str, str]
    installed: bool


def _preflight(
    dists: Sequence[Distribution], existing: Mapping[str, IndexFile], target: Target
) -> tuple[list[Distribution], list[Distribution]]:
    to_upload: list[Distribution] = []
    skipped: list[Distribution] = []
    conflicts: list[str] = []
    for dist in dists:
        found = existing.get(dist.filename)
        if found is None:
            to_upload.append(dist)
        elif found.sha256 is None or found.sha256 == dist.sha256:
            # An index that gives no digest cannot prove a conflict; the upload
            # itself would be refused, so the file counts as published.
            skipped.append(dist)
        else:
            conflicts.append(
                f"{dist.filename} (target sha256 {found.sha256[:12]}…, local {dist.sha256[:12]}…)"
            )
    if conflicts:
        raise IndexConflictError(
            f"target {target.name} already holds other content under the same file name: "
            f"{'; '.join(conflicts)}. Nothing was uploaded. An index never replaces a file: "
            "bump the version and rebuild"
        )
    return to_upload, skipped


def _lister(
    target: Target, credentials: Credentials, project_name: str, environ: Mapping[str, str]
) -> Callable[[], dict[str, IndexFile]]:
    # GitLab's Packages API compares sha256 without a second request per file;
    # deploy tokens cannot call the REST API, so they read the simple index.
    if (
        target.name == "gitlab"
        and credentials.kind != "deploy-token"
        and not environ.get(target.env_prefix + "INDEX_URL")
    ):
        from noxship.gitlab import list_package_files

        return lambda: list_package_files(target, credentials, project_name, environ)
    return lambda: list_files(target, project_name, credentials)


def publish(
    dists: Sequence[Distribution],
    target: Target,
    credentials: Credentials,
    *,
    environ: Mapping[str, str] | None = None,
    retry: RetryPolicy | None = None,
    check_install: bool | None = None,
    verbose: bool = False,
) -> PublishReport:
    """Publish ``dists`` to ``target``: pre-flight, upload, verify.

    Args:
        dists: the release's files (one sdist, wheels), all of one project and version.
        target: where to publish.
        credentials: for the upload and for reading a private index.
        environ: the environment (ID tokens for trusted publishing, retry settings);
            default ``os.environ``.
        retry: the backoff policy; default from the environment.
        check_install: install from the target afterwards; default: every target
            but ``pypi``.
        verbose: run twine with ``--verbose``.

    Returns:
        What was uploaded and skipped.

    Raises:
        IndexConflictError: a file name is on the target with other content;
            nothing was uploaded.
        PublishError: the upload failed beyond its retries (the message lists
            what was and was not uploaded; a re-run completes it), or the
            verification failed.
    """
    environ = os.environ if environ is None else environ
    retry = retry or RetryPolicy.from_env(environ)
    redactor = Redactor()
    if credentials.password is not None:
        redactor.add(credentials.password.reveal())
    project_name = dists[0].name
    version = dists[0].version
    lister = _lister(target, credentials, project_name, environ)
    logger.info(
        "publishing %s %s to %s (%s), credentials from %s",
        project_name,
        version,
        target.name,
        target.upload_url,
        credentials.source,
    )
    to_upload, skipped = _preflight(dists, lister(), target)
    for dist in skipped:
        logger.info("already published on %s: %s", target.name, dist.filename)
    uploaded: list[str] = []
    env = twine_environment(target, credentials, clean_env(), environ)
    args = [sys.executable, "-m", "twine", "upload", "--disable-progress-bar"]
    if verbose:
        args.append("--verbose")

    # All files in one twine call first. twine uploads them in order and stops
    # at the first failure, so the files it reported before the failing one
    # arrived; the failing one's fate is in doubt, and the index settles it.
    # From then on, one twine call per file.
    def twine_upload(files: Sequence[Distribution]) -> None:
        output = run(
            [*args, *(d.path for d in files)],
            env=env,
            capture=True,
            redactor=redactor,
            what=f"twine upload to {target.name}",
            timeout=900,
        )
        sys.stderr.write(output)
        uploaded.extend(d.filename for d in files)

    pending: dict[str, ToolError] = {}
    if len(to_upload) > 1:
        try:
            twine_upload(to_upload)
            to_upload = []
        except ToolError as exc:
            names = {d.filename for d in to_upload}
            tried = [n for n in _UPLOADING.findall(exc.output) if n in names]
            # twine may retry a file (on 5xx) and orders wheels first: every file it
            # named, but the one it named last, arrived.
            failing = tried[-1] if tried else None
            arrived = [n for n in dict.fromkeys(tried) if n != failing]
            uploaded.extend(arrived)
            to_upload = [d for d in to_upload if d.filename not in arrived]
            if failing:
                pending[failing] = exc
                # Settle the file in doubt before sending anything else.
                to_upload.sort(key=lambda d: d.filename != failing)
    for position, dist in enumerate(to_upload):
        attempt = 0
        while True:
            attempt += 1
            failure = pending.pop(dist.filename, None)
            if failure is None:
                try:
                    twine_upload([dist])
                    break
                except ToolError as exc:
                    failure = exc
            found = lister().get(dist.filename)
            if found is not None and found.sha256 not in (None, dist.sha256):
                raise IndexConflictError(
                    f"while uploading, {dist.filename} appeared on {target.name} with other "
                    f"content (sha256 {found.sha256[:12]}…): another publish of different files "
                    "ran at the same time. Bump the version and rebuild"
                )
            if found is not None:
                if not _TRANSIENT.search(failure.output):
                    # The index answered and refused the file (PyPI 400 "File already
                    # exists", GitLab 400, pypiserver and devpi 409; indexes.md),
                    # yet holds it with this content: a concurrent run won.
                    logger.info(
                        "already published on %s by another run: %s", target.name, dist.filename
                    )
                    skipped.append(dist)
                else:
                    # The connection failed (or the server erred) after the file arrived.
                    logger.info(
                        "%s reached %s although the upload reported an error",
                        dist.filename,
                        target.name,
                    )
                    uploaded.append(dist.filename)
                break
            transient = bool(_TRANSIENT.search(failure.output))
            if not transient or attempt >= retry.attempts:
                published = [*uploaded, *(d.filename for d in skipped)]
                missing = [d.filename for d in to_upload[position:]]
                raise PublishError(
                    f"upload to {target.name} failed after {attempt} attempt(s) "
                    f"({'transient' if transient else 'not transient'}): published "
                    f"{', '.join(published) or 'nothing'}; not published "
                    f"{', '.join(missing)}. Fix the cause shown above and "
                    "re-run: files already on the target are skipped"
                )
            wait = retry.delay(attempt)
            logger.warning(
                "upload of %s to %s failed transiently (attempt %d of %d); retrying in %.1f s",
                dist.filename,
                target.name,
                attempt,
                retry.attempts,
                wait,
            )
            time.sleep(wait)
    sha = {d.filename: d.sha256 for d in dists}
    verify_index(dists, target, lister)
    do_install = (target.name != "pypi") if check_install is None else check_install
    if do_install:
        install_check(dists, target, credentials)
    return PublishReport(
        target=target,
        uploaded=tuple(uploaded),
        skipped=tuple(d.filename for d in skipped),
        sha256=sha,
        installed=do_install,
    )


def verify_index(
    dists: Sequence[Distribution],
    target: Target,
    lister: Callable[[], Mapping[str, IndexFile]],
    *,
    attempts: int = 6,
    delay: float = 2.0,
) -> None:
    """Check that every file is on the target's index with the same sha256.

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
            if found is None:
                problems.append(f"{dist.filename} is missing")
            elif found.sha256 is not None and found.sha256 != dist.sha256:
                problems.append(f"{dist.filename} has sha256 {found.sha256}, not {dist.sha256}")
        if not problems:
            logger.info("verified on %s: %s", target.name, ", ".join(d.filename for d in dists))
            return
        if i + 1 < attempts:
            time.sleep(delay)
    raise PublishError(
        f"after the upload, the index of {target.name} does not match: {'; '.join(problems)}: "
        "check the index, then re-run publish"
    )


def _index_url_with_credentials(target: Target, credentials: Credentials | None) -> str:
    if credentials is None or credentials.password is None:
        return target.index_url
    from urllib.parse import quote, urlsplit, urlunsplit

    parts = urlsplit(target.index_url)
    netloc = (
        f"{quote(credentials.username, safe='')}:"
        f"{quote(credentials.password.reveal(), safe='')}@{parts.hostname}"
        + (f":{parts.port}" if parts.port else "")
    )
    return urlunsplit(parts._replace(netloc=netloc))


def install_check(
    dists: Sequence[Distribution],
    target: Target,
    credentials: Credentials | None = None,
    *,
    public_index: str | None = None,
) -> None:
    """Install the release from the target's index into a fresh venv and import it.

    uv installs it in two steps. First with ``--no-deps`` and the target as its
    only index: uv's configuration files are ignored (``UV_NO_CONFIG``), every
    ``UV_*`` and ``PIP_*`` variable that could add an index or a find-links
    location is removed, and ``--refresh-package`` makes uv ask the index again
    rather than trust its cache, so the package can only come from the target.
    Then the dependencies, with the public index added after the target (uv's
    ``first-index`` strategy: the package's own name is never looked up
    elsewhere). The index URL, with any credentials, reaches uv through its
    environment, never its command line.

    Args:
        dists: the release's files; the version and import names come from them.
        target: the index to install from.
        credentials: for a private index.
        public_index: the index for dependencies, default PyPI's simple API.

    Raises:
        PublishError: the install or the import failed.
    """
    from pypi_simple import PYPI_SIMPLE_ENDPOINT

    from noxship.wheeltest import _uv

    name, version = dists[0].name, dists[0].version
    wheels = [d for d in dists if d.kind == "wheel"]
    modules = wheel_top_level(wheels[0].path) if wheels else [name.replace("-", "_")]
    redactor = Redactor()
    if credentials is not None and credentials.password is not None:
        redactor.add(credentials.password.reveal())
    index_url = _index_url_with_credentials(target, credentials)
    tmp = Path(tempfile.mkdtemp(prefix="noxship-install-check-"))
    try:
        venv = tmp / "venv"
        # This Python: uv would otherwise look for (or download) another one.
        run([_uv(), "venv", "--quiet", "--python", sys.executable, venv], what="uv venv")
        python = venv / "bin" / "python"
        base = {
            k: v
            for k, v in clean_env().items()
            if not k.startswith(("PIP_", "UV_INDEX", "UV_DEFAULT_INDEX", "UV_EXTRA_INDEX"))
            and k not in ("UV_FIND_LINKS", "UV_NO_INDEX", "UV_CONFIG_FILE", "UV_OFFLINE")
        }
        base.update({"UV_NO_CONFIG": "1", "UV_INDEX_URL": index_url})
        install: list[str | Path] = [_uv(), "pip", "install", "--quiet", "--python", python]
        try:
            run(
                [*install, "--no-deps", "--refresh-package", name, f"{name}=={version}"],
                env=base,
                cwd=tmp,
                capture=True,
                redactor=redactor,
                what=f"uv pip install from {target.name}",
            )
            run(
                [*install, f"{name}=={version}"],
                env={**base, "UV_EXTRA_INDEX_URL": public_index or PYPI_SIMPLE_ENDPOINT},
                cwd=tmp,
                capture=True,
                redactor=redactor,
                what="uv pip install dependencies",
            )
            run(
                [python, "-c", "; ".join(f"import {m}" for m in modules)],
                env=clean_env(),
                cwd=tmp,
                capture=True,
                what="import check",
            )
        except ToolError as exc:
            raise PublishError(
                f"{name} {version} does not install and import from {target.name}: {exc}"
            ) from None
        logger.info(
            "installed %s %s from %s (its only index) and imported %s",
            name,
            version,
            sanitize_url(target.index_url),
            ", ".join(modules),
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
