"""What differs between a local distribution and the target's file of the same name.

An index refuses a second file under a name it holds (PyPI: 400 "File already
exists"; GitLab: 400). When the target's file has another sha256, the two
archives are opened and their members compared by name and content: either the
contents differ (a real change, which needs a new version), or only the
archive's metadata does (member times, owners, order, compression: an sdist
built before builds were reproducible), and the release is already published.
"""

from __future__ import annotations

import dataclasses
import io
import tarfile
import zipfile
from collections.abc import Callable

from noxship.build.dist import DistKind, Distribution
from noxship.environment import sanitize_url
from noxship.publish.credentials import Credentials
from noxship.publish.index import IndexFile

__all__ = ["ArchiveDiff", "Fetcher", "compare_archives", "fetcher"]

_MAX_DOWNLOAD = 1 << 30
_SHOWN = 5

Fetcher = Callable[[IndexFile], bytes]
"""Downloads a file of the target's index."""


@dataclasses.dataclass(frozen=True)
class ArchiveDiff:
    """How two archives of one file name differ.

    Attributes:
        changed: members in both, with other contents.
        only_local: members only in the local file.
        only_target: members only in the target's file.
    """

    changed: tuple[str, ...]
    only_local: tuple[str, ...]
    only_target: tuple[str, ...]

    @property
    def same_content(self) -> bool:
        """Whether every member has the same name and content on both sides."""
        return not (self.changed or self.only_local or self.only_target)

    def describe(self) -> str:
        """One phrase naming what differs (at most five names per kind)."""
        if self.same_content:
            return (
                "the same members with the same contents; only the archive's metadata "
                "differs (member times, owners, order or compression)"
            )
        parts = []
        for label, names in (
            ("changed", self.changed),
            ("only here", self.only_local),
            ("only on the target", self.only_target),
        ):
            if names:
                more = f" and {len(names) - _SHOWN} more" if len(names) > _SHOWN else ""
                parts.append(f"{label}: {', '.join(names[:_SHOWN])}{more}")
        return "; ".join(parts)


def _members(kind: DistKind, data: bytes) -> dict[str, bytes]:
    if kind is DistKind.WHEEL:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return {i.filename: zf.read(i) for i in zf.infolist() if not i.is_dir()}
    out: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as tar:
        for member in tar:
            f = tar.extractfile(member) if member.isfile() else None
            if f is not None:
                out[member.name] = f.read()
    return out


def compare_archives(local: Distribution, target_bytes: bytes) -> ArchiveDiff:
    """Compare the members of ``local`` with those of the target's file.

    Raises:
        tarfile.TarError, zipfile.BadZipFile, OSError: an archive cannot be read.
    """
    mine = _members(local.kind, local.path.read_bytes())
    theirs = _members(local.kind, target_bytes)
    return ArchiveDiff(
        changed=tuple(sorted(n for n in mine.keys() & theirs.keys() if mine[n] != theirs[n])),
        only_local=tuple(sorted(mine.keys() - theirs.keys())),
        only_target=tuple(sorted(theirs.keys() - mine.keys())),
    )


def fetcher(credentials: Credentials | None, index_url: str, timeout: float = 60.0) -> Fetcher:
    """Return a function that downloads an index file, at most 1 GiB.

    ``credentials`` (HTTP basic auth) go only to the origin (scheme, host and port)
    of ``index_url``: a file served from elsewhere (PyPI's files.pythonhosted.org,
    the same host over ``http://`` or another port) is fetched without them
    (requests drops them on a redirect to another origin).
    The function raises ``requests.RequestException`` when the download fails and
    ``ValueError`` when the file is larger.
    """
    from noxship.publish.targets import origin

    home = origin(index_url)
    auth = None
    if credentials is not None and credentials.password is not None:
        auth = (credentials.username, credentials.password.reveal())

    def fetch(file: IndexFile) -> bytes:
        import requests

        same_origin = origin(file.url) == home
        with requests.get(
            file.url, auth=auth if same_origin else None, timeout=timeout, stream=True
        ) as resp:
            resp.raise_for_status()
            chunks, size = [], 0
            for chunk in resp.iter_content(1 << 20):
                size += len(chunk)
                if size > _MAX_DOWNLOAD:
                    raise ValueError(f"{sanitize_url(file.url)} is larger than 1 GiB")
                chunks.append(chunk)
        return b"".join(chunks)

    return fetch
