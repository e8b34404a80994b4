"""Publish distributions to a target safely: pre-flight, upload and settle, verify.

1. Pre-flight (:func:`preflight`), before any upload to the target: each file
   name is looked up on the target. A file already there with the same sha256
   is skipped ("already published"); one with other content stops the whole
   publish before anything is uploaded (an index never replaces a file: PyPI
   answers 400 "File already exists", GitLab 400, pypiserver and devpi 409).
2. Upload the rest, one file at a time, and settle every failure on the index
   (:mod:`noxship.publish.upload`).
3. Verify (:mod:`noxship.publish.verify`): every file is on the target's index
   with the same sha256; for every target but PyPI the package installs from
   that index with uv into a fresh venv and imports.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
from collections.abc import Iterator, Mapping, Sequence

from noxship.build.dist import DistKind, Distribution
from noxship.environment import Redactor
from noxship.errors import IndexConflictError
from noxship.publish.credentials import Credentials
from noxship.publish.index import IndexFile
from noxship.publish.lookup import lister_for
from noxship.publish.retry import RetryPolicy
from noxship.publish.targets import Target
from noxship.publish.upload import Uploader, twine_uploader, upload_all
from noxship.publish.verify import install_check, verify_index

__all__ = ["CLIENT_MODULES", "PublishReport", "preflight", "publish"]

CLIENT_MODULES = ("requests", "pypi_simple", "twine.settings", "twine.package", "twine.repository")
"""What a publish imports (about 0.8 s): worth loading while the tests run."""

logger = logging.getLogger("noxship")


@dataclasses.dataclass(frozen=True)
class PublishReport:
    """What a publish did on one target.

    Attributes:
        target: the target.
        uploaded: files uploaded by this run.
        skipped: files that were already on the target with the same sha256.
        digests: file name -> hex sha256 of every file of the release.
        installed: whether the install check ran and passed.
    """

    target: Target
    uploaded: tuple[str, ...]
    skipped: tuple[str, ...]
    digests: Mapping[str, str]
    installed: bool


def preflight(
    dists: Sequence[Distribution], existing: Mapping[str, IndexFile], target: Target
) -> tuple[list[Distribution], list[Distribution]]:
    """Split ``dists`` into (to upload, already published) by what the target holds.

    An index that gives no digest cannot prove a conflict: the upload itself
    would be refused, so such a file counts as published.

    Raises:
        IndexConflictError: a file name is on the target with other content;
            nothing has been uploaded.
    """
    to_upload: list[Distribution] = []
    skipped: list[Distribution] = []
    conflicts: list[str] = []
    for dist in dists:
        found = existing.get(dist.filename)
        if found is None:
            to_upload.append(dist)
        elif found.sha256 is None or found.sha256 == dist.sha256:
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
    # Wheels before the sdist, as twine orders them: an interrupted release
    # then leaves installable files, not an sdist that every user must build.
    to_upload.sort(key=lambda d: d.kind is DistKind.SDIST)
    return to_upload, skipped


@contextlib.contextmanager
def _uploader(
    target: Target,
    credentials: Credentials,
    redactor: Redactor,
    dists: Sequence[Distribution],
    verbose: bool,
    given: Uploader | None,
) -> Iterator[Uploader]:
    if given is not None:
        yield given
        return
    with twine_uploader(target, credentials, redactor, dists, verbose=verbose) as twine:
        yield twine


def publish(
    dists: Sequence[Distribution],
    target: Target,
    credentials: Credentials,
    *,
    environ: Mapping[str, str] | None = None,
    retry: RetryPolicy | None = None,
    check_install: bool | None = None,
    verbose: bool = False,
    uploader: Uploader | None = None,
) -> PublishReport:
    """Publish ``dists`` to ``target``: pre-flight, upload and settle, verify.
    Returns what was uploaded and skipped.

    Args:
        dists: the release's files (one sdist, wheels), all of one project and version.
        target: where to publish.
        credentials: for the upload and for reading a private index.
        environ: GitLab variables, retry settings; default ``os.environ``.
        retry: the backoff policy; default from the environment.
        check_install: install from the target afterwards; default: all but PyPI.
        verbose: twine's verbose output.
        uploader: sends one file; default twine.

    Raises:
        IndexConflictError: a file name is on the target with other content.
        CredentialsError: the target refused the credentials.
        PublishError: an upload failed beyond its retries (the message lists
            what was published; a re-run completes it), or the verification failed.
    """
    environ = os.environ if environ is None else environ
    retry = retry or RetryPolicy.from_env(environ)
    redactor = Redactor()
    redactor.add(credentials.password)
    lister = lister_for(target, credentials, dists[0].name, environ, retry)
    logger.info(
        "publishing %s %s to %s (%s), credentials from %s",
        dists[0].name,
        dists[0].version,
        target.name,
        target.repository_url,
        credentials.source,
    )
    to_upload, skipped = preflight(dists, lister(), target)
    for dist in skipped:
        logger.info("already published on %s: %s", target.name, dist.filename)
    with _uploader(target, credentials, redactor, to_upload, verbose, uploader) as send:
        done = upload_all(to_upload, send, lister, target, retry, source=credentials.source)
    verify_index(dists, target, lister)
    do_install = (target.name != "pypi") if check_install is None else check_install
    if do_install:
        install_check(dists, target, credentials, redactor)
    return PublishReport(
        target=target,
        uploaded=tuple(done.uploaded),
        skipped=(*(d.filename for d in skipped), *done.skipped),
        digests={d.filename: d.sha256 for d in dists},
        installed=do_install,
    )
