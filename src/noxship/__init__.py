"""noxship: a complete, safe release pipeline for Python projects, as Nox sessions.

The public API, for scripts and other tools; the Nox sessions live in
:mod:`noxship.sessions` (import it from a ``noxfile.py`` to register them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

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
    WheelTestError,
)

if TYPE_CHECKING:
    from noxship.project import Project

__all__ = [
    "ConfigError",
    "CredentialsError",
    "DistributionError",
    "ExitCode",
    "IndexConflictError",
    "NoxshipError",
    "PlanError",
    "Project",
    "PublishError",
    "ToolError",
    "WheelTestError",
    "__version__",
]

__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    # Project is imported on first use, so that ``noxship plan`` and the
    # pytest plugin do not pay for packaging at start-up (PEP 562).
    if name == "Project":
        from noxship.project import Project

        return Project
    raise AttributeError(f"module 'noxship' has no attribute {name!r}")
