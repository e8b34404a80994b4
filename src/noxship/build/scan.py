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
import re
import tarfile
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import PurePosixPath

from noxship.build.dist import DistKind, Distribution
from noxship.errors import DistributionError

__all__ = ["CREDENTIAL_FILES", "MIN_SECRET_LENGTH", "ScanReport", "scan_distributions"]

CREDENTIAL_FILES = (".env", ".env.*", ".pypirc", ".netrc", "_netrc", "id_rsa", "id_dsa",
                    "id_ecdsa", "id_ed25519", "*.pem", "*.key", "*.p12", "*.pfx")  # fmt: skip
"""File names (``fnmatch`` patterns) that hold credentials. ``.env.example``-style
templates still match: rename them (``env.example``) or keep them out."""
_PRIVATE_KEY = re.compile(
    rb"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----\r?\n"
    rb"(?:[A-Za-z0-9+/=:,\- ]*\r?\n){1,200}?"
    rb"-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----"
)
"""A PEM private key (RFC 7468 textual encoding): the BEGIN line, base64 lines,
the END line. Code that only names the armour (a regex, a docstring) does not match."""
_HARMLESS = frozenset({".env.example", ".env.sample", ".env.template", ".env.dist"})
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


def _members(dist: Distribution) -> Iterator[tuple[str, bytes]]:
    if dist.kind is DistKind.WHEEL:
        with zipfile.ZipFile(dist.path) as zf:
            for info in zf.infolist():
                if not info.is_dir():
                    yield info.filename, zf.read(info) if info.file_size <= _MAX_MEMBER else b""
        return
    with tarfile.open(dist.path) as tar:
        for member in tar:
            if member.isfile():
                f = tar.extractfile(member)
                data = f.read(_MAX_MEMBER) if f is not None else b""
                yield member.name, data


_NAME = re.compile("|".join(fnmatch.translate(p) for p in CREDENTIAL_FILES))
_ARMOUR = b"PRIVATE KEY-----"


def _credential_file(name: str, data: bytes) -> str | None:
    base = PurePosixPath(name).name
    if base in _HARMLESS:
        return None
    if _NAME.match(base):
        if base.endswith((".pem", ".key")) and not _PRIVATE_KEY.search(data):
            return None  # a certificate or a public key: not a secret
        return f"the credential file {name}"
    if _ARMOUR in data and _PRIVATE_KEY.search(data):
        return f"a private key in {name}"
    return None


def _finding(name: str, data: bytes, needles: Iterable[bytes]) -> str | None:
    found = _credential_file(name, data)
    if found is None and any(needle in data for needle in needles):
        found = f"the value of a token or password in {name}"
    return found


def _sdist_clean(dist: Distribution, needles: Iterable[bytes]) -> int | None:
    """The fast path for an sdist: decompress it once, look for secrets and key
    armour in the whole tar stream, and read only the member names. Returns the
    number of files when nothing needs a closer look, else ``None``."""
    with gzip.open(dist.path) as raw:
        blob = raw.read(_MAX_SDIST + 1)
    if len(blob) > _MAX_SDIST or any(n in blob for n in needles):
        return None
    if _ARMOUR in blob and _PRIVATE_KEY.search(blob):
        return None
    with tarfile.open(fileobj=io.BytesIO(blob)) as tar:
        names = [PurePosixPath(m.name).name for m in tar if m.isfile()]
    if any(_NAME.match(n) and n not in _HARMLESS for n in names):
        return None
    return len(names)


def scan_distributions(dists: Sequence[Distribution], secrets: Iterable[str]) -> ScanReport:
    """Read every member of every archive; refuse credential files and secret values.

    Args:
        dists: the sdist and wheels.
        secrets: token and password values to look for (those shorter than
            :data:`MIN_SECRET_LENGTH` are skipped), never shown.

    Returns:
        How many archives and members were read.

    Raises:
        DistributionError: an archive holds a credential file, a private key or
            a secret's value; nothing may be published from it.
    """
    needles = {s.encode() for s in secrets if len(s) >= MIN_SECRET_LENGTH}
    members = 0
    for dist in dists:
        clean = _sdist_clean(dist, needles) if dist.kind is DistKind.SDIST else None
        if clean is not None:
            members += clean
            continue
        for name, data in _members(dist):
            members += 1
            found = _finding(name, data, needles)
            if found is not None:
                raise DistributionError(
                    f"{dist.filename} holds {found}: nothing is published from it. Keep the "
                    "file out of the distribution (add it to .gitignore, which hatchling, "
                    "pdm-backend and flit follow, or to the build backend's exclude setting), "
                    "then rebuild"
                )
    return ScanReport(len(dists), members)
