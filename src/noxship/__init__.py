"""noxship: a complete, safe release pipeline for Python projects, as Nox sessions.

The public API, for scripts and other tools; the Nox sessions live in
:mod:`noxship.sessions` (import it from a ``noxfile.py`` to register them).
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
    WheelTestError,
)
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
