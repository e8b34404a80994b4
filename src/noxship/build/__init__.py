"""Build the distributions: the sdist, then the wheel from that sdist, checked
and summed.

Owns: the build itself (:mod:`.builder`: the ``build`` library, reproducible
with ``SOURCE_DATE_EPOCH``, preview versions in a copy of the tree), the files
in ``dist/`` (:mod:`.dist`: names, versions, digests, a wheel's contents and
metadata), the scan of every archive member for credentials (:mod:`.scan`) and
the checks of the Python metadata (:mod:`.pythons`).
May import: :mod:`noxship.project`, :mod:`noxship.environment`,
:mod:`noxship.errors` and libraries; nothing from wheeltest, publish or release.
"""

from __future__ import annotations

from noxship.build.builder import CHECK_MODULES, build, source_date_epoch
from noxship.build.dist import (
    CHECKSUMS_NAME,
    DistKind,
    Distribution,
    find_distributions,
    sha256_of,
    verify_checksums,
    wheel_files,
    wheel_metadata,
    wheel_top_level,
    write_checksums,
)
from noxship.build.scan import CREDENTIAL_FILES, ScanReport, scan_distributions

__all__ = [
    "CHECKSUMS_NAME",
    "CHECK_MODULES",
    "CREDENTIAL_FILES",
    "DistKind",
    "Distribution",
    "ScanReport",
    "build",
    "find_distributions",
    "scan_distributions",
    "sha256_of",
    "source_date_epoch",
    "verify_checksums",
    "wheel_files",
    "wheel_metadata",
    "wheel_top_level",
    "write_checksums",
]
