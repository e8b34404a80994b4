"""The distributions in ``dist/``: which files belong to the project, their
PEP 440 versions and sha256 digests, and what a wheel holds.

File names are parsed with :mod:`packaging.utils` (wheel names: PEP 427 and the
binary distribution format spec; sdist names: PEP 625); a wheel's ``METADATA``
with :mod:`packaging.metadata` (core metadata spec).
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    NormalizedName,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import Version

from noxship.errors import DistributionError

if TYPE_CHECKING:
    from packaging.metadata import Metadata

__all__ = [
    "CHECKSUMS_NAME",
    "DistKind",
    "Distribution",
    "find_distributions",
    "parse_filename",
    "sdist_metadata",
    "sha256_of",
    "verify_checksums",
    "wheel_files",
    "wheel_metadata",
    "wheel_top_level",
    "write_checksums",
]

CHECKSUMS_NAME = "SHA256SUMS"
_CHUNK = 1 << 20


def sha256_of(path: Path) -> str:
    """Return the hex sha256 digest of the file at ``path``."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class DistKind(enum.StrEnum):
    """The two kinds of distribution files."""

    SDIST = "sdist"
    """A source distribution, ``<name>-<version>.tar.gz`` (PEP 625)."""
    WHEEL = "wheel"
    """A built distribution, ``<name>-<version>-<tags>.whl`` (PEP 427)."""


@dataclasses.dataclass(frozen=True)
class Distribution:
    """One sdist or wheel file.

    Attributes:
        path: the file.
        name: its PEP 503 normalised distribution name.
        version: its PEP 440 version.
        kind: sdist or wheel.
    """

    path: Path
    name: NormalizedName
    version: Version
    kind: DistKind

    @property
    def filename(self) -> str:
        """The file's base name."""
        return self.path.name

    @property
    def sha256(self) -> str:
        """The file's hex sha256 digest (read from disk on each call)."""
        return sha256_of(self.path)

    @classmethod
    def from_path(cls, path: Path) -> Distribution | None:
        """Parse a distribution file name.

        Returns:
            The distribution, or ``None`` when ``path`` is neither a wheel nor an
            sdist by its name.
        """
        parsed = parse_filename(path.name)
        return cls(path, *parsed) if parsed is not None else None


def parse_filename(
    filename: str, *, legacy_zip: bool = False
) -> tuple[NormalizedName, Version, DistKind] | None:
    """The distribution name, version and kind of a wheel (``.whl``, its name as
    the binary distribution format specifies) or an sdist (``.tar.gz``; also
    ``.zip`` when ``legacy_zip``, as old releases on an index have), read with
    packaging's ``parse_wheel_filename`` and ``parse_sdist_filename``; ``None``
    for another file or a name that is not valid."""
    try:
        if filename.endswith(".whl"):
            name, version, _, _ = parse_wheel_filename(filename)
            return name, version, DistKind.WHEEL
        if filename.endswith(".tar.gz") or (legacy_zip and filename.endswith(".zip")):
            name, version = parse_sdist_filename(filename)
            return name, version, DistKind.SDIST
    except (InvalidWheelFilename, InvalidSdistFilename):
        return None
    return None


_NOT_DISTRIBUTIONS = frozenset({CHECKSUMS_NAME, ".gitignore"})
"""Files dist/ may hold beside the archives: the checksums, and the ``.gitignore``
(``*``) that ``uv build`` and hatch write into their output directory."""
ATTESTATION = ".publish.attestation"
"""The suffix of a distribution's PEP 740 attestation in dist/ (``<file>.publish.attestation``,
as ``pypi-attestations sign`` writes it and ``twine upload --attestations`` reads it)."""


def _project_files(dist_dir: Path, wanted: NormalizedName) -> list[Distribution]:
    found: list[Distribution] = []
    for path in sorted(dist_dir.iterdir()):
        if path.is_symlink() or not (path.is_file() or path.is_dir()):
            raise DistributionError(
                f"{path} is not a regular file (a symlink, say): dist/ holds only the built "
                "files; run `nox -s build` to rebuild dist/"
            )
        if path.name in _NOT_DISTRIBUTIONS or path.is_dir() or path.name.endswith(ATTESTATION):
            continue
        dist = Distribution.from_path(path)
        if dist is None:
            raise DistributionError(
                f"{path} is not a wheel or sdist of a valid name: remove it, or run "
                "`nox -s build` to rebuild dist/"
            )
        if dist.name != wanted:
            raise DistributionError(
                f"{path.name} belongs to project {dist.name!r}, not {wanted!r}: "
                "run `nox -s build` to rebuild dist/"
            )
        found.append(dist)
    if not found:
        raise DistributionError(f"{dist_dir} holds no distributions: run `nox -s build` first")
    return found


def _check_versions(
    found: list[Distribution], dist_dir: Path, wanted: str, version: Version | None
) -> None:
    versions = {d.version for d in found}
    listed = ", ".join(sorted(map(str, versions)))
    if version is not None and version not in versions:
        raise DistributionError(
            f"{dist_dir} holds version(s) {listed} of {wanted}, not {version}: "
            "run `nox -s build` to rebuild dist/"
        )
    if len(versions) > 1:
        expected = version if version is not None else found[0].version
        raise DistributionError(
            f"{dist_dir} mixes versions {listed} of {wanted} (expected only {expected}): "
            "a stale build is left over; run `nox -s build` to rebuild dist/"
        )


def find_distributions(
    dist_dir: Path,
    project_name: str,
    version: Version | None = None,
    *,
    require: Sequence[DistKind] = (DistKind.SDIST, DistKind.WHEEL),
) -> list[Distribution]:
    """List the project's distributions in ``dist_dir``, sdist first.

    Args:
        dist_dir: the directory, usually ``dist/``.
        project_name: the distribution name; compared after PEP 503 normalisation.
        version: the expected version; default: all files must share one version.
        require: kinds that must be present.

    Returns:
        The distributions, sdist first, then wheels by name.

    Raises:
        DistributionError: the directory is missing or empty; it holds a file of
            another project, another version, or an unrecognised archive; a
            required kind is missing.
    """
    if not dist_dir.is_dir():
        raise DistributionError(f"{dist_dir} does not exist: run `nox -s build` first")
    wanted = canonicalize_name(project_name)
    found = _project_files(dist_dir, wanted)
    _check_versions(found, dist_dir, wanted, version)
    for kind in require:
        count = sum(d.kind == kind for d in found)
        if count == 0:
            raise DistributionError(
                f"{dist_dir} holds no {kind.value} of {wanted}: run `nox -s build` first"
            )
        if kind is DistKind.SDIST and count > 1:
            raise DistributionError(f"{dist_dir} holds {count} sdists of {wanted}: rebuild dist/")
    found.sort(key=lambda d: (d.kind is not DistKind.SDIST, d.filename))
    return found


def verify_checksums(dists: Iterable[Distribution], path: Path) -> None:
    """Check every distribution against ``path`` (``dist/SHA256SUMS``, written by the build).

    Raises:
        DistributionError: the file is missing, a distribution is not listed
            in it, or its sha256 differs (the file changed after the build).
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        raise DistributionError(
            f"{path} is missing: dist/ was not made by `nox -s build`; rebuild it"
        ) from None
    listed = {}
    for line in lines:
        digest, _, name = line.partition("  ")
        listed[name.strip()] = digest.strip()
    for dist in dists:
        if listed.get(dist.filename) != dist.sha256:
            state = "is not listed in" if dist.filename not in listed else "does not match"
            raise DistributionError(
                f"{dist.filename} {state} {path.name}: the file changed after the build; "
                "run `nox -s build` to rebuild dist/"
            )


def write_checksums(dists: Iterable[Distribution], path: Path) -> str:
    """Write ``sha256sum``-compatible lines (``<hex>  <file name>``) to ``path``.

    Returns:
        The text written.
    """
    text = "".join(f"{d.sha256}  {d.filename}\n" for d in dists)
    path.write_text(text, encoding="utf-8")
    return text


def wheel_files(wheel: Path) -> list[PurePosixPath]:
    """Return the paths of the files inside ``wheel``."""
    with zipfile.ZipFile(wheel) as zf:
        return [PurePosixPath(n) for n in zf.namelist() if not n.endswith("/")]


def wheel_top_level(wheel: Path) -> list[str]:
    """Return the importable top-level names (packages and modules) a wheel installs.

    ``.dist-info`` and ``.data`` directories and ``.pth`` files are left out.
    """
    names: set[str] = set()
    for path in wheel_files(wheel):
        first = path.parts[0]
        if first.endswith((".dist-info", ".data")):
            continue
        if len(path.parts) > 1:
            if first.isidentifier():
                names.add(first)
        elif path.suffix in {".py", ".so", ".pyd"}:
            stem = path.name.split(".")[0]
            if stem.isidentifier():
                names.add(stem)
    return sorted(names)


def wheel_metadata(wheel: Path) -> Metadata:
    """Read the core metadata (``<name>-<version>.dist-info/METADATA``) of ``wheel``.

    Returns:
        The metadata, parsed by :meth:`packaging.metadata.Metadata.from_email`
        (not validated beyond name and version).

    Raises:
        DistributionError: the wheel is unreadable or holds no ``METADATA``.
    """
    from packaging.metadata import Metadata

    try:
        with zipfile.ZipFile(wheel) as zf:
            names = [
                n for n in zf.namelist() if n.count("/") == 1 and n.endswith(".dist-info/METADATA")
            ]
            if len(names) != 1:
                raise DistributionError(
                    f"{wheel.name} holds {len(names)} .dist-info/METADATA files, not one: "
                    "it is not a valid wheel (binary distribution format spec); rebuild it"
                )
            data = zf.read(names[0])
    except (OSError, zipfile.BadZipFile) as exc:
        raise DistributionError(f"cannot read wheel {wheel}: {exc}: rebuild it") from None
    return Metadata.from_email(data, validate=False)


def sdist_metadata(sdist: Path) -> Metadata:
    """Read the core metadata of ``sdist`` (``<name>-<version>/PKG-INFO``, the
    source distribution format spec).

    Raises:
        DistributionError: the sdist is unreadable or holds no top-level ``PKG-INFO``.
    """
    import tarfile

    from packaging.metadata import Metadata

    try:
        with tarfile.open(sdist) as tar:
            # A name may repeat (a tar member added twice): the last one wins, as tar does.
            names = sorted(
                {n for n in tar.getnames() if n.count("/") == 1 and n.endswith("/PKG-INFO")}
            )
            member = tar.extractfile(names[0]) if len(names) == 1 else None
            if member is None:
                raise DistributionError(
                    f"{sdist.name} holds {len(names)} top-level PKG-INFO files, not one: it is "
                    "not a valid sdist (source distribution format spec); rebuild it"
                )
            data = member.read()
    except (OSError, tarfile.TarError) as exc:
        raise DistributionError(f"cannot read sdist {sdist}: {exc}: rebuild it") from None
    return Metadata.from_email(data, validate=False)
