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
import functools
import hashlib
import logging
import tarfile
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType

from noxship.build.dist import DistKind, Distribution
from noxship.environment import Redactor
from noxship.errors import IndexConflictError
from noxship.publish.attestations import attestations_for
from noxship.publish.compare import ArchiveDiff, Fetcher, compare_archives, fetcher
from noxship.publish.complete import Matrix, check_complete
from noxship.publish.credentials import Credentials
from noxship.publish.index import IndexFile, Lister
from noxship.publish.lookup import lister_for
from noxship.publish.retry import RetryPolicy
from noxship.publish.targets import Target
from noxship.publish.trusted import exchange_once, renewed
from noxship.publish.upload import Attempt, Uploader, twine_uploader, upload_all
from noxship.publish.verify import install_check, verify_index

__all__ = ["CLIENT_MODULES", "Preflight", "PublishReport", "preflight", "publish"]

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


@dataclasses.dataclass(frozen=True)
class Preflight:
    """What the target holds of the release, before any upload.

    Attributes:
        to_upload: files the target does not hold, wheels first.
        skipped: files already published (same sha256, or same contents).
        accepted: file name -> the target's sha256, for files whose archive
            differs from the local one only in its metadata: the target's file
            stands for this release.
    """

    to_upload: list[Distribution]
    skipped: list[Distribution]
    accepted: dict[str, str]


def _conflict(dist: Distribution, found: IndexFile, fetch: Fetcher | None) -> ArchiveDiff | str:
    """Compare ``dist`` with the target's file of the same name; a string says why
    they cannot be compared. A file the index gives no digest for is downloaded
    and hashed first: the same sha256 is the same file (no member differs)."""
    if fetch is None:
        return "not compared"
    try:
        theirs = fetch(found)
        if found.sha256 is None and hashlib.sha256(theirs).hexdigest() == dist.sha256:
            return ArchiveDiff((), (), ())
        return compare_archives(dist, theirs)
    except (OSError, ValueError, tarfile.TarError, zipfile.BadZipFile) as exc:
        return f"the target's file could not be compared: {type(exc).__name__}"


def _same_file(dist: Distribution, found: IndexFile, fetch: Fetcher | None) -> bool | str:
    """Whether the target's file is ``dist``'s; a string names the conflict. An
    index without digests (and without a file to download) cannot tell: the
    file counts as this release's, with a warning that nothing was verified."""
    if found.sha256 == dist.sha256:
        return True
    diff = _conflict(dist, found, fetch)
    if isinstance(diff, ArchiveDiff) and diff.same_content:
        return True
    if found.sha256 is None and not isinstance(diff, ArchiveDiff):
        logger.warning(
            "%s is on the index without a sha256, and %s: it counts as published, unverified",
            dist.filename,
            diff,
        )
        return True
    return f"{dist.filename} ({diff.describe() if isinstance(diff, ArchiveDiff) else diff})"


def preflight(
    dists: Sequence[Distribution],
    existing: Mapping[str, IndexFile],
    target: Target,
    fetch: Fetcher | None = None,
) -> Preflight:
    """Split ``dists`` by what the target holds.

    A file of the same name with another sha256, or on an index that gives no
    digest, is downloaded with ``fetch``. The same bytes, or the same contents
    compared member by member (:mod:`noxship.publish.compare`), count as
    published; other contents are a conflict. Only a file that cannot be
    downloaded from an index without digests counts as published unverified
    (with a warning): its upload would be refused in any case.

    Raises:
        IndexConflictError: a file name is on the target with other content,
            named member by member; nothing has been uploaded.
    """
    result = Preflight([], [], {})
    conflicts: list[str] = []
    for dist in dists:
        found = existing.get(dist.filename)
        same = True if found is None else _same_file(dist, found, fetch)
        if found is None:
            result.to_upload.append(dist)
        elif isinstance(same, str):
            conflicts.append(same)
        else:
            result.skipped.append(dist)
            if found.sha256 not in (None, dist.sha256):
                logger.warning(
                    "%s on %s has other bytes but the same contents: it stands for this release",
                    dist.filename,
                    target.name,
                )
                result.accepted[dist.filename] = found.sha256
    if conflicts:
        raise IndexConflictError(
            f"target {target.name} already holds other content under the same file name: "
            f"{'; '.join(conflicts)}. Nothing was uploaded. An index never replaces a file: "
            "publish this change under a new version"
        )
    # Wheels before the sdist, as twine orders them: an interrupted release
    # then leaves installable files, not an sdist that every user must build.
    result.to_upload.sort(key=lambda d: d.kind is DistKind.SDIST)
    return result


def _nothing_to_send(dist: Distribution) -> Attempt:
    raise AssertionError(f"{dist.filename} was not to be uploaded")  # upload_all sends none


@contextlib.contextmanager
def _uploader(
    target: Target,
    credentials: Credentials,
    redactor: Redactor,
    dists: Sequence[Distribution],
    verbose: bool,
    given: Uploader | None,
    attestations: Mapping[str, Sequence[Path]],
    renew: Callable[[], Credentials | None] | None = None,
) -> Iterator[Uploader]:
    if given is not None or not dists:  # nothing to send: no repository, no token exchange
        yield given or _nothing_to_send
        return
    with twine_uploader(
        target,
        credentials,
        redactor,
        dists,
        verbose=verbose,
        attestations=attestations,
        renew=renew,
    ) as twine:
        yield twine


def _exchanged(
    target: Target, credentials: Credentials, environ: Mapping[str, str], redactor: Redactor
) -> tuple[Credentials, Callable[[], Credentials | None]]:
    """The credentials to upload with (trusted publishing's ID token exchanged once),
    and the function that renews them before a file when they are old."""
    minted = exchange_once(target, credentials, environ)
    redactor.add(minted.password)
    return minted, functools.partial(renewed, target, credentials, environ)


def _checked(
    dists: Sequence[Distribution],
    target: Target,
    credentials: Credentials,
    lister: Lister,
    matrix: Matrix | None,
) -> Preflight:
    """Log what is published where, check the set of wheels (``matrix``), then
    run the pre-flight."""
    logger.info(
        "publishing %s %s to %s (%s), credentials from %s",
        dists[0].name,
        dists[0].version,
        target.name,
        target.repository_url,
        credentials.source,
    )
    existing = lister()
    if matrix is not None:
        check_complete([d.filename for d in dists], existing, matrix)
    checked = preflight(dists, existing, target, fetcher(credentials, target.index_url))
    for dist in checked.skipped:
        logger.info("already published on %s: %s", target.name, dist.filename)
    return checked


def publish(
    dists: Sequence[Distribution],
    target: Target,
    credentials: Credentials,
    *,
    environ: Mapping[str, str] = MappingProxyType({}),
    retry: RetryPolicy | None = None,
    check_install: bool | None = None,
    verbose: bool = False,
    uploader: Uploader | None = None,
    matrix: Matrix | None = None,
) -> PublishReport:
    """Publish ``dists`` to ``target``: pre-flight, upload and settle, verify.
    Returns what was uploaded and skipped.

    Args:
        dists: the release's files (one sdist, wheels), all of one project and version.
        target: where to publish.
        credentials: for the upload and for reading a private index.
        environ: the run's environment (GitLab CI variables, the OIDC variables of
            trusted publishing, retry settings); default none.
        retry: the backoff policy; default from the environment.
        check_install: install from the target afterwards; default: all but PyPI.
        verbose: twine's verbose output.
        uploader: sends one file; default twine.
        matrix: before any upload, check the set of wheels against it and the target's
            previous release (:func:`~noxship.publish.complete.check_complete`).

    Raises:
        IndexConflictError: a file name is on the target with other content.
        DistributionError: the set of wheels is incomplete (``matrix``).
        CredentialsError: the target refused the credentials.
        PublishError: an upload failed beyond its retries (the message lists
            what was published; a re-run completes it), or the verification failed.
    """
    retry = retry or RetryPolicy.from_env(environ)
    redactor = Redactor()
    redactor.add(credentials.password)
    lister = lister_for(target, credentials, dists[0].name, environ, retry)
    checked = _checked(dists, target, credentials, lister, matrix)
    to_upload = checked.to_upload
    signed = attestations_for(to_upload, target, credentials, environ)
    credentials, renew = (  # trusted publishing: the ID token is exchanged once, here
        _exchanged(target, credentials, environ, redactor) if to_upload else (credentials, None)
    )
    with _uploader(
        target, credentials, redactor, to_upload, verbose, uploader, signed, renew
    ) as send:
        done = upload_all(to_upload, send, lister, target, retry, source=credentials.source)
    verify_index(dists, target, lister, accepted=checked.accepted)
    do_install = (target.name != "pypi") if check_install is None else check_install
    if do_install:
        install_check(dists, target, credentials, redactor)
    return PublishReport(
        target=target,
        uploaded=tuple(done.uploaded),
        skipped=(*(d.filename for d in checked.skipped), *done.skipped),
        digests={d.filename: checked.accepted.get(d.filename, d.sha256) for d in dists},
        installed=do_install,
    )
