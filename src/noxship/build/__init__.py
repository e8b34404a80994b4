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

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
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

_HOMES = {
    **dict.fromkeys(("CHECK_MODULES", "build", "source_date_epoch"), "builder"),
    **dict.fromkeys(("CREDENTIAL_FILES", "ScanReport", "scan_distributions"), "scan"),
}


def __getattr__(name: str) -> object:
    """The package's names, imported from their module on first use (PEP 562):
    ``noxship plan`` asks :mod:`.compiled` whether a project is compiled, and
    must not pay for the ``build`` library that :mod:`.builder` imports."""
    if name not in __all__:
        raise AttributeError(f"module 'noxship.build' has no attribute {name!r}")
    module = importlib.import_module(f"noxship.build.{_HOMES.get(name, 'dist')}")
    value = getattr(module, name)
    globals()[name] = value
    return value


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


def __dir__() -> list[str]:
    """The module's names and the lazily imported ones (PEP 562), for ``dir()``
    and the tools that list a module's members by it (Sphinx's autodoc)."""
    return sorted({*globals(), *__all__})
