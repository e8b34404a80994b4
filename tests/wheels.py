"""Write small, valid wheels by hand (binary distribution format spec:
``.dist-info/METADATA``, ``WHEEL`` and ``RECORD`` with sha256 digests), for
tests that need packages on an index without building them."""

from __future__ import annotations

import base64
import hashlib
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path


def _digest(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def make_wheel(
    dest: Path,
    name: str,
    version: str,
    files: Mapping[str, str],
    requires: Sequence[str] = (),
    tag: str = "py3-none-any",
) -> Path:
    """Write ``<name>-<version>-<tag>.whl`` into ``dest`` and return it.

    Args:
        dest: the directory.
        name: the distribution name (``dep-sample``).
        version: its version.
        files: path inside the wheel -> text (``dep_sample/__init__.py``).
        requires: ``Requires-Dist`` lines.
        tag: its compressed tag set (``cp312-cp312-manylinux_2_17_x86_64``).
    """
    stem = f"{name.replace('-', '_')}-{version}"
    info = f"{stem}.dist-info"
    metadata = "".join(
        [f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"]
        + [f"Requires-Dist: {r}\n" for r in requires]
    )
    contents = {
        **{path: text.encode() for path, text in files.items()},
        f"{info}/METADATA": metadata.encode(),
        f"{info}/WHEEL": (
            "Wheel-Version: 1.0\nGenerator: tests\n"
            f"Root-Is-Purelib: {'true' if tag == 'py3-none-any' else 'false'}\nTag: {tag}\n"
        ).encode(),
    }
    record = "".join(f"{p},{_digest(d)},{len(d)}\n" for p, d in contents.items())
    record += f"{info}/RECORD,,\n"
    path = dest / f"{stem}-{tag}.whl"
    with zipfile.ZipFile(path, "w") as zf:
        for p, d in contents.items():
            zf.writestr(p, d)
        zf.writestr(f"{info}/RECORD", record)
    return path


def make_sdist(dest: Path, name: str, version: str) -> Path:
    """Write ``<name>-<version>.tar.gz`` (PEP 625's name, a ``PKG-INFO`` inside)
    into ``dest`` and return it."""
    import io
    import tarfile

    stem = f"{name.replace('-', '_')}-{version}"
    path = dest / f"{stem}.tar.gz"
    info = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode()
    with tarfile.open(path, "w:gz") as tar:
        top = tarfile.TarInfo(stem)
        top.type, top.mode = tarfile.DIRTYPE, 0o755
        tar.addfile(top)
        member = tarfile.TarInfo(f"{stem}/PKG-INFO")
        member.size = len(info)
        tar.addfile(member, io.BytesIO(info))
    return path
