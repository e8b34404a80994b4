"""Make an sdist byte-identical across builds of one commit.

setuptools (and pbr, which builds on it) and pdm-backend write the build time
into the gzip header of their sdists, and setuptools keeps each file's
modification time, which differs between two clones of one commit. A re-run
of a release then builds a file with the same name and other bytes, which
every index refuses (PyPI: 400 "File already exists").

:func:`normalise_sdist` rewrites the archive the way the Reproducible Builds
project describes for tar archives (https://reproducible-builds.org/docs/archives/):
members sorted by name, modification times clamped to ``SOURCE_DATE_EPOCH``,
owner and group ``0`` and empty names, and a gzip header with that time and no
file name (RFC 1952). File contents and permission bits are kept as the
backend wrote them (repro-tarfile, which does the rest of this, also resets
every mode to 644/755, which would drop an sdist's executable scripts' bits).
"""

from __future__ import annotations

import gzip
import io
import tarfile
from pathlib import Path

from noxship.errors import DistributionError

__all__ = ["normalise_sdist"]

_DEFAULT_EPOCH = 315532800
"""1980-01-01 00:00:00 UTC, the earliest time a wheel's ZIP can hold: used when
no ``SOURCE_DATE_EPOCH`` is known."""


def _member(info: tarfile.TarInfo, epoch: int) -> tarfile.TarInfo:
    info.mtime = min(int(info.mtime), epoch)
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.pax_headers = {}
    return info


def normalise_sdist(path: Path, epoch: int | None = None) -> bool:
    """Rewrite the ``.tar.gz`` sdist at ``path`` in place, reproducibly.

    Args:
        path: the sdist.
        epoch: ``SOURCE_DATE_EPOCH`` (Unix seconds); default 1980-01-01, the
            earliest time a zip archive can hold.

    Returns:
        Whether the file changed (an sdist from hatchling, flit_core,
        poetry-core or uv_build is usually left as it was).

    Raises:
        DistributionError: the file is not a readable gzip-compressed tar archive.
    """
    if epoch is None:
        epoch = _DEFAULT_EPOCH
    original = path.read_bytes()
    out = io.BytesIO()
    try:
        with tarfile.open(fileobj=io.BytesIO(original), mode="r:gz") as src:
            members = sorted(src.getmembers(), key=lambda m: m.name)
            with (
                gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=epoch) as gz,
                tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as dst,
            ):
                for info in members:
                    data = src.extractfile(info) if info.isfile() else None
                    dst.addfile(_member(info, epoch), data)
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise DistributionError(
            f"{path.name} is not a readable .tar.gz sdist ({exc}): check the build backend's output"
        ) from None
    result = out.getvalue()
    if result == original:
        return False
    path.write_bytes(result)
    return True
