"""noxship: a complete, safe release pipeline for Python projects, as Nox sessions.

Import :mod:`noxship.sessions` from a ``noxfile.py`` to register the sessions.
The stages, in the order data flows through them, each a subpackage with its
public API under ``__all__``: :mod:`noxship.project`, :mod:`noxship.plan`,
:mod:`noxship.build`, :mod:`noxship.wheeltest`, :mod:`noxship.publish`,
:mod:`noxship.release`. This module holds only the version and the errors.
"""

from __future__ import annotations

from noxship.errors import (
    ConfigError,
    CredentialsError,
    DistributionError,
    ExitCode,
    IndexConflictError,
    NoxshipError,
    PlanError,
    PublishError,
    ToolError,
    UsageError,
    WheelTestError,
)

__all__ = [
    "ConfigError",
    "CredentialsError",
    "DistributionError",
    "ExitCode",
    "IndexConflictError",
    "NoxshipError",
    "PlanError",
    "PublishError",
    "ToolError",
    "UsageError",
    "WheelTestError",
    "__version__",
]


def __getattr__(name: str) -> str:
    """``__version__``, read from the installed distribution's metadata on first
    use (PEP 562): importlib.metadata costs ``noxship plan`` tens of milliseconds."""
    if name != "__version__":
        raise AttributeError(f"module 'noxship' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("noxship")
    except PackageNotFoundError:  # pragma: no cover - a bare source tree
        return "0+unknown"
