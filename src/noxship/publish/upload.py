"""Upload distribution files one by one with twine's API, judge each answer by
its HTTP status, and retry what may succeed on a second try.

twine's :class:`~twine.repository.Repository` sends each file
(``Repository.upload(package, max_redirects=1)``: one POST, so twine's own
loop over 5xx answers does not run and this module is the one retry layer;
twine retries only ``GET`` requests itself). One repository object serves the
whole publish, so trusted publishing exchanges the CI's ID token once (PyPI
accepts each GitLab ID token once: replay protection on its ``jti``). twine
does not renew a password it is given: before each file, the ``renew``
callable of :func:`twine_uploader` may hand a fresh API token, which replaces
the session's credentials (:func:`noxship.publish.trusted.renewed`).

How an answer is judged (PyPI's upload API, GitLab's PyPI API, pypiserver,
devpi-server; HTTP semantics, RFC 9110):

==========================  ===================  ==========================
answer                      :class:`Outcome`     then
==========================  ===================  ==========================
200, 201                    ``STORED``           done
400, 409 (and other 4xx)    ``REFUSED``          the index settles it: a file with the same
                                                 sha256 there means another run won; else stop
401, 403                    ``DENIED``           stop: credentials
5xx, reset, timeout         ``TRANSIENT``        the index settles it: the file there means it
                                                 arrived; else retry with backoff (tenacity)
3xx                         ``REFUSED``          stop: uploads never follow a redirect
==========================  ===================  ==========================
"""

from __future__ import annotations

import dataclasses
import enum
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from noxship.build.dist import Distribution
from noxship.environment import Redactor
from noxship.errors import (
    CredentialsError,
    DistributionError,
    IndexConflictError,
    IndexUnavailableError,
    PublishError,
)
from noxship.publish.credentials import Credentials
from noxship.publish.index import IndexFile, Lister
from noxship.publish.retry import RetryPolicy
from noxship.publish.targets import Target

if TYPE_CHECKING:
    import requests
    from twine.package import PackageFile

__all__ = [
    "Attempt",
    "Outcome",
    "Settled",
    "Uploader",
    "classify_exception",
    "classify_status",
    "twine_uploader",
    "upload_all",
]

logger = logging.getLogger("noxship")


class Outcome(enum.Enum):
    """How one upload attempt ended."""

    STORED = "stored"
    REFUSED = "refused"
    DENIED = "denied"
    TRANSIENT = "transient"


@dataclasses.dataclass(frozen=True)
class Attempt:
    """One upload attempt.

    Attributes:
        outcome: how it ended.
        detail: the status and reason (``"HTTP 503 Service Unavailable"``) or the
            exception's type; never a credential.
    """

    outcome: Outcome
    detail: str


Uploader = Callable[[Distribution], Attempt]
"""Sends one file once and says how it went."""


def classify_status(status: int) -> Outcome:
    """Judge an upload's HTTP status (see the module docstring's table)."""
    if status in (200, 201):
        return Outcome.STORED
    if status in (401, 403):
        return Outcome.DENIED
    if status >= 500:
        return Outcome.TRANSIENT
    return Outcome.REFUSED


def classify_exception(exc: requests.RequestException) -> Outcome:
    """Judge an upload that got no answer: a dropped connection or a timeout may
    have reached the index, or may succeed next time; anything else will not."""
    import requests

    if isinstance(exc, (requests.ConnectionError, requests.Timeout)):
        return Outcome.TRANSIENT
    return Outcome.REFUSED


def _packages(
    dists: Sequence[Distribution], attestations: Mapping[str, Sequence[Path]]
) -> dict[str, PackageFile]:
    """twine's reading of each file (and its attestations)."""
    from twine.exceptions import TwineException
    from twine.package import PackageFile

    packages = {}
    for dist in dists:
        try:
            packages[dist.filename] = PackageFile.from_filename(str(dist.path), None)
            signed = attestations.get(dist.filename)
            if signed:
                packages[dist.filename].add_attestations([str(p) for p in signed])
        except TwineException as exc:
            raise DistributionError(
                f"twine cannot read {dist.filename} ({exc}): nothing was uploaded; run "
                "`nox -s build` to rebuild dist/"
            ) from None
    return packages


@contextmanager
def twine_uploader(
    target: Target,
    credentials: Credentials,
    redactor: Redactor,
    dists: Sequence[Distribution],
    *,
    verbose: bool = False,
    attestations: Mapping[str, Sequence[Path]] | None = None,
    renew: Callable[[], Credentials | None] | None = None,
) -> Iterator[Uploader]:
    """Open one twine repository for ``target`` and yield an :data:`Uploader` of ``dists``.
    ``attestations`` (file name -> PEP 740 attestation files) go with their file, in
    the upload's ``attestations`` form field (twine's ``PackageFile.add_attestations``).
    ``renew`` is called before each file; new credentials it returns replace the
    session's (a renewed trusted-publishing token) and are masked from then on.

    twine reads every file's metadata first, so a file it cannot read stops the
    publish before anything is uploaded. The credentials go to twine's
    ``Settings`` in this process, never to a command line; for trusted
    publishing they are the API token :mod:`noxship.publish.trusted` minted.

    Raises:
        DistributionError: twine cannot read one of ``dists``.
    """
    import requests
    from twine.settings import Settings

    packages = _packages(dists, attestations or {})
    password = credentials.password.reveal() if credentials.password is not None else None
    settings = Settings(
        repository_url=target.repository_url,
        username=credentials.username,
        password=password,
        non_interactive=True,
        disable_progress_bar=True,
        verbose=verbose,
    )
    repository = settings.create_repository()

    def upload(dist: Distribution) -> Attempt:
        fresh = renew() if renew is not None else None
        if fresh is not None and fresh.password is not None:
            redactor.add(fresh.password)
            repository.session.auth = (fresh.username, fresh.password.reveal())
        try:
            response = repository.upload(packages[dist.filename], max_redirects=1)
        except requests.RequestException as exc:
            return Attempt(classify_exception(exc), type(exc).__name__)
        detail = redactor(f"HTTP {response.status_code} {response.reason}")
        if not response.ok:
            body = " ".join(response.text.split())[:200]
            detail += redactor(f": {body}") if body else ""
        return Attempt(classify_status(response.status_code), detail)

    try:
        yield upload
    finally:
        repository.close()


@dataclasses.dataclass
class Settled:
    """What the uploads did.

    Attributes:
        uploaded: files this run stored.
        skipped: files found on the target with the same sha256 (another run's).
    """

    uploaded: list[str] = dataclasses.field(default_factory=list)
    skipped: list[str] = dataclasses.field(default_factory=list)


class _Retry(Exception):
    """A transient failure of one file, for tenacity to retry."""


def _settle(
    dist: Distribution, attempt: Attempt, lookup: Lister, target: Target
) -> IndexFile | None:
    """Ask the index whether ``dist`` arrived despite ``attempt``'s failure."""
    found = lookup().get(dist.filename)
    if found is not None and found.sha256 not in (None, dist.sha256):
        raise IndexConflictError(
            f"while uploading, {dist.filename} appeared on {target.name} with other "
            f"content (sha256 {found.sha256[:12]}…): another publish of different files "
            "ran at the same time. Bump the version and rebuild"
        )
    return found


def _one(
    dist: Distribution, upload: Uploader, lookup: Lister, target: Target, done: Settled, source: str
) -> None:
    attempt = upload(dist)
    if attempt.outcome is Outcome.STORED:
        done.uploaded.append(dist.filename)
        return
    if attempt.outcome is Outcome.DENIED:
        raise CredentialsError(
            f"target {target.name} refused the credentials from {source} uploading "
            f"{dist.filename} ({attempt.detail}): check that token, its scope and its project"
        )
    if _settle(dist, attempt, lookup, target) is not None:
        if attempt.outcome is Outcome.REFUSED:
            logger.info("already published on %s by another run: %s", target.name, dist.filename)
            done.skipped.append(dist.filename)
        else:
            logger.info("%s reached %s despite %s", dist.filename, target.name, attempt.detail)
            done.uploaded.append(dist.filename)
        return
    if attempt.outcome is Outcome.REFUSED:
        raise PublishError(
            f"target {target.name} refused {dist.filename} ({attempt.detail}): fix what the "
            "index says; files already on the target are skipped when you re-run"
        )
    raise _Retry(attempt.detail)


def upload_all(
    dists: Sequence[Distribution],
    upload: Uploader,
    lookup: Lister,
    target: Target,
    retry: RetryPolicy,
    *,
    source: str = "the given credentials",
    sleep: Callable[[float], None] | None = None,
) -> Settled:
    """Upload each file, settling every failure on the index, retrying transient ones.

    Args:
        dists: the files to send, in order.
        upload: sends one file once.
        lookup: reads what the target holds.
        target: for messages.
        retry: the backoff policy.
        source: where the credentials came from (a variable's name), for messages.
        sleep: the wait between attempts (tests pass a recorder); default ``time.sleep``.

    Returns:
        What was uploaded, and what another run had uploaded meanwhile.

    Raises:
        CredentialsError: the index refused the credentials (401, 403).
        IndexConflictError: a file appeared on the index with other content.
        PublishError: a file was refused, or failed transiently beyond the
            retries, or the index could not be read to settle a failure; the
            message lists what was and was not published.
    """
    done = Settled()
    for position, dist in enumerate(dists):
        what = f"upload of {dist.filename} to {target.name}"
        retrying = retry.retrying(what, _Retry, sleep=sleep)
        try:
            retrying(_one, dist, upload, lookup, target, done, source)
        except (_Retry, IndexUnavailableError) as exc:
            published = [*done.uploaded, *done.skipped]
            missing = [d.filename for d in dists[position:]]
            raise PublishError(
                f"upload to {target.name} failed after {retry.attempts} attempt(s) (transient: "
                f"{exc}): published {', '.join(published) or 'nothing'}; not published "
                f"{', '.join(missing)}. Re-run when the index is back: files already on the "
                "target are skipped"
            ) from None
    return done
