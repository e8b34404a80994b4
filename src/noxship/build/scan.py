"""Read every member of every archive in ``dist/`` and refuse one that would
ship a credential: a credential file (``.env``, ``.env.*``, ``.pypirc``,
``.netrc``, SSH and PEM private keys) or the value of a token or password
noxship knows of.

Why: build backends that take untracked files (hatchling, pdm-backend, flit
without VCS) pack a ``.env`` that is not in ``.gitignore`` into the sdist, and
an index never deletes a published file for you (PyPI's "Yanking and deleting"
help: a deleted file name can never be reused).
"""

from __future__ import annotations

import dataclasses
import fnmatch
import gzip
import io
import logging
import re
import tarfile
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path, PurePosixPath
from typing import IO, NamedTuple

from noxship.build.dist import DistKind, Distribution
from noxship.errors import DistributionError

__all__ = [
    "ALWAYS_REFUSED",
    "CREDENTIAL_FILES",
    "MIN_SECRET_LENGTH",
    "ScanReport",
    "scan_distributions",
    "tracked_files",
]

logger = logging.getLogger("noxship")

ALWAYS_REFUSED = (
    ".env",
    ".env.*",
    "*.env",
    ".envrc",
    ".pypirc",
    ".pypirc*",
    "*.pypirc",
    "pypirc",
    ".netrc",
    ".netrc*",
    "_netrc",
    ".git-credentials",
    ".npmrc",
)
"""Credential files that no setting lets through (``scan-allow`` included)."""
CREDENTIAL_FILES = (
    *ALWAYS_REFUSED,
    "id_rsa",
    "id_rsa.*",
    "id_dsa",
    "id_ecdsa",
    "id_ed25519",
    "*.pem",
    "*.key",
    "*.p12",
    "*.pfx",
    "*.ppk",
    "*.jks",
    "*.keystore",
)
"""File names (``fnmatch`` patterns) that hold credentials. ``.env.example``-style
templates still match: rename them (``env.example``) or keep them out."""
_PRIVATE_KEY = re.compile(
    rb"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----(?:\r?\n|\\n)"
    rb"(?:[A-Za-z0-9+/=:,\- ]*(?:\r?\n|\\n)){1,400}?"
    rb"-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"
)
"""A PEM private key (RFC 7468), a PGP private key block (RFC 4880), also with
JSON-escaped line ends (a cloud service account's ``credentials.json``)."""
_PUTTY = re.compile(rb"PuTTY-User-Key-File-\d+: ")
_NESTED = (".zip", ".whl", ".tar", ".tar.gz", ".tgz", ".jar")
"""Archives inside an archive: read too (up to :data:`_MAX_DEPTH` levels)."""
_MAX_DEPTH = 3
_HARMLESS = frozenset({".env.example", ".env.sample", ".env.template", ".env.dist", "env.example"})
MIN_SECRET_LENGTH = 8
"""Shorter values are not searched for: they would match ordinary text."""
_MAX_MEMBER = 64 << 20
_MAX_SDIST = 1 << 30
"""An sdist whose tar stream is larger is read member by member."""


@dataclasses.dataclass(frozen=True)
class ScanReport:
    """What the scan read.

    Attributes:
        archives: distribution files read.
        members: archive members read.
    """

    archives: int
    members: int


def _chunks(f: IO[bytes]) -> Iterator[bytes]:
    """A member in overlapping windows of :data:`_MAX_MEMBER` bytes (a secret
    across a window's edge is found in the next one)."""
    tail = b""
    first = True
    while True:
        block = f.read(_MAX_MEMBER)
        if not block:
            if first:
                yield b""  # an empty member is still a member read
            return
        first = False
        yield tail + block
        tail = block[-4096:]


def _archive_members(name: str, f: IO[bytes], depth: int) -> Iterator[tuple[str, bytes]]:
    """Members of the archive ``f`` (zip or tar), nested archives included."""
    try:
        if name.endswith((".zip", ".whl", ".jar")):
            with zipfile.ZipFile(f) as zf:
                for info in zf.infolist():
                    if not info.is_dir():
                        with zf.open(info) as member:
                            yield from _member(f"{name}!{info.filename}", member, depth)
            return
        with tarfile.open(fileobj=f) as tar:
            for tinfo in tar:
                if tinfo.isfile():
                    extracted = tar.extractfile(tinfo)
                    if extracted is not None:
                        yield from _member(f"{name}!{tinfo.name}", extracted, depth)
    except (zipfile.BadZipFile, tarfile.TarError, OSError, EOFError):
        return


def _member(name: str, f: IO[bytes], depth: int) -> Iterator[tuple[str, bytes]]:
    if depth < _MAX_DEPTH and name.endswith(_NESTED):
        blob = f.read(_MAX_SDIST)
        yield name, blob
        yield from _archive_members(name, io.BytesIO(blob), depth + 1)
        return
    for chunk in _chunks(f):
        yield name, chunk


def _members(dist: Distribution) -> Iterator[tuple[str, bytes]]:
    with dist.path.open("rb") as f:
        for name, data in _archive_members(str(dist.path), f, 0):
            yield name.split("!", 1)[1], data


_NAME = re.compile("|".join(fnmatch.translate(p) for p in CREDENTIAL_FILES))
_ARMOUR = b"PRIVATE KEY"


_ALWAYS = re.compile("|".join(fnmatch.translate(p) for p in ALWAYS_REFUSED))


class Finding(NamedTuple):
    """What one archive member holds: a description, and whether ``scan-allow``
    may let it through (a key that git tracks, not a secret's value or ``.env``)."""

    what: str
    allowable: bool


def _credential_file(name: str, data: bytes) -> Finding | None:
    base = PurePosixPath(name).name
    if base in _HARMLESS:
        return None
    if _ALWAYS.match(base):
        return Finding(f"the credential file {name}", False)
    if name.endswith("credentials.json") and b'"private_key"' in data:
        return Finding(f"the credential file {name}", True)
    if _NAME.match(base):
        if base.endswith((".pem", ".key")) and not (_PRIVATE_KEY.search(data) or _der_key(data)):
            return None  # a certificate or a public key: not a secret
        return Finding(f"the credential file {name}", True)
    if (_ARMOUR in data and _PRIVATE_KEY.search(data)) or _PUTTY.search(data):
        return Finding(f"a private key in {name}", True)
    return None


def _der_key(data: bytes) -> bool:
    """A DER-encoded private key (a binary ``.key``): an ASN.1 SEQUENCE holding
    version 0 (PKCS#1/PKCS#8, RFC 8017 and RFC 5208)."""
    return data[:1] == b"\x30" and b"\x02\x01\x00" in data[:8]


def _variants(secret: str) -> list[bytes]:
    """A secret's value as it may be written: as is, base64-encoded (at any of
    the three alignments), and JSON- or URL-escaped."""
    import base64
    import urllib.parse

    raw = secret.encode()
    found = {raw, urllib.parse.quote(secret, safe="").encode()}
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + raw)[4 * shift // 3 + 2 : -4]
        if len(encoded) >= MIN_SECRET_LENGTH:
            found.add(encoded)
    return sorted(found)


def _finding(name: str, data: bytes, needles: Iterable[bytes]) -> Finding | None:
    found = _credential_file(name, data)
    if found is None and needles:
        joined = _joined(data) if len(data) < _MAX_MEMBER else data
        if any(needle in data or needle in joined for needle in needles):
            found = Finding(f"the value of a token or password in {name}", False)
    return found


def _joined(data: bytes) -> bytes:
    """``data`` without line ends, quotes, backslashes, pluses and spaces: a secret
    split over string literals or lines (``"pypi-Ag" \\n "Ea..."``) reads whole."""
    return re.sub(rb"[\r\n\\\"' +]+", b"", data)


def _sdist_clean(dist: Distribution, needles: Iterable[bytes]) -> int | None:
    """The fast path for an sdist: decompress it once, look for secrets and key
    armour in the whole tar stream, and read only the member names. Returns the
    number of files when nothing needs a closer look, else ``None``."""
    with gzip.open(dist.path) as raw:
        blob = raw.read(_MAX_SDIST + 1)
    if len(blob) > _MAX_SDIST or any(n in blob for n in needles):
        return None
    if needles and any(n in _joined(blob) for n in needles):
        return None
    if _ARMOUR in blob and _PRIVATE_KEY.search(blob):
        return None
    if _PUTTY.search(blob) or b'"private_key"' in blob:
        return None
    with tarfile.open(fileobj=io.BytesIO(blob)) as tar:
        names = [PurePosixPath(m.name).name for m in tar if m.isfile()]
    if any((_NAME.match(n) and n not in _HARMLESS) or n.endswith(_NESTED) for n in names):
        return None
    return len(names)


def tracked_files(root: Path) -> frozenset[str]:
    """The files git tracks in ``root`` (``git ls-files``), relative to it; empty
    outside a git checkout."""
    import subprocess

    try:
        out = subprocess.run(
            ["git", "ls-files", "-z"], cwd=root, capture_output=True, check=True, timeout=60
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    return frozenset(p for p in out.decode("utf-8", "replace").split("\0") if p)


def _source_path(dist: Distribution, member: str, tracked: frozenset[str]) -> str | None:
    """The file of the source tree an archive member was built from: an sdist's
    member without its top directory; a wheel's, the tracked file it ends with."""
    inner = member.split("!")[0]
    if dist.kind is DistKind.SDIST:
        return inner.split("/", 1)[1] if "/" in inner else inner
    return next((t for t in sorted(tracked) if t == inner or t.endswith("/" + inner)), None)


def scan_distributions(
    dists: Sequence[Distribution],
    secrets: Iterable[str],
    allow: Sequence[str] = (),
    tracked: frozenset[str] = frozenset(),
) -> ScanReport:
    """Read every member of every archive (nested archives too); refuse credential
    files, private keys and secret values.

    A private key or key file that git tracks (``tracked``) and that a pattern of
    ``allow`` (``[tool.noxship] scan-allow``, ``fnmatch`` patterns of paths
    relative to the project root) names is a test fixture: it passes, logged
    with its sha256. ``.env``, ``.pypirc``, ``.netrc`` and the like
    (:data:`ALWAYS_REFUSED`), a secret's value, and any file git does not track
    are refused whatever ``allow`` says.

    Args:
        dists: the sdist and wheels.
        secrets: token and password values to look for (those shorter than
            :data:`MIN_SECRET_LENGTH` are skipped), never shown; also found
            base64-encoded, escaped, or split over lines.
        allow: the ``scan-allow`` patterns.
        tracked: the files git tracks, relative to the project root.

    Returns:
        How many archives and members were read (also logged).

    Raises:
        DistributionError: an archive holds a credential file, a private key or
            a secret's value; nothing may be published from it. For a tracked
            key, the message ends with the ``scan-allow`` line that allows it.
    """
    needles = {v for s in secrets if len(s) >= MIN_SECRET_LENGTH for v in _variants(s)}
    members = 0
    allowed_seen: set[str] = set()
    pending: dict[str, tuple[Distribution, Finding]] = {}
    for dist in dists:
        clean = _sdist_clean(dist, needles) if dist.kind is DistKind.SDIST else None
        if clean is not None:
            members += clean
            continue
        for name, data in _members(dist):
            members += 1
            found = _finding(name, data, needles)
            if found is None:
                continue
            _judge(dist, name, data, found, allow, tracked, pending, allowed_seen)
    if pending:
        dist, found = next(iter(pending.values()))
        raise DistributionError(_refusal(dist, found, None, tracked, sorted(pending)))
    logger.info("no credential in %d archives (%d members read)", len(dists), members)
    return ScanReport(len(dists), members)


def _judge(
    dist: Distribution,
    name: str,
    data: bytes,
    found: Finding,
    allow: Sequence[str],
    tracked: frozenset[str],
    pending: dict[str, tuple[Distribution, Finding]],
    allowed_seen: set[str],
) -> None:
    """Refuse a finding now, keep a tracked key for the one line that lists them
    all (``pending``), or let an allowed fixture through with its sha256 logged."""
    rel = _source_path(dist, name, tracked) if found.allowable else None
    if rel is None or rel not in tracked:
        raise DistributionError(_refusal(dist, found, rel, tracked))
    if not any(fnmatch.fnmatch(rel, p) for p in allow):
        pending.setdefault(rel, (dist, found))
    elif rel not in allowed_seen:
        allowed_seen.add(rel)
        import hashlib

        logger.info(
            "%s: a test fixture (scan-allow, tracked by git), sha256 %s",
            rel,
            hashlib.sha256(data).hexdigest(),
        )


def _refusal(
    dist: Distribution,
    found: Finding,
    rel: str | None,
    tracked: frozenset[str],
    keys: Sequence[str] = (),
) -> str:
    head = f"{dist.filename} holds {found.what}: nothing is published from it"
    if keys:
        more = f" (and {len(keys) - 1} more key(s) git tracks)" if len(keys) > 1 else ""
        listed = ", ".join(f'"{k}"' for k in keys)
        return (
            f"{head}{more}. If they are test fixtures (keys made for the tests), allow them: "
            f"add scan-allow = [{listed}] under [tool.noxship] in pyproject.toml"
        )
    if found.allowable:
        return (
            f"{head}. git does not track it, so it cannot be a committed test fixture: keep "
            "it out of the distribution (.gitignore, or the build backend's exclude setting)"
            ", then rebuild"
        )
    return (
        f"{head}. Keep the file out of the distribution (add it to .gitignore, which "
        "hatchling, pdm-backend and flit follow, or to the build backend's exclude "
        "setting), then rebuild"
    )
