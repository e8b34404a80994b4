"""The project's version as ``pyproject.toml`` declares it (PEP 621 ``version``,
or ``[tool.poetry] version``), or ``None`` when it is dynamic (PEP 621
``dynamic = ["version"]``: the build backend computes it)."""

from __future__ import annotations

from packaging.version import InvalidVersion, Version

from noxship.errors import ConfigError
from noxship.project.pyproject import PyProject

__all__ = ["static_version"]


def static_version(pyproject: PyProject) -> Version | None:
    """Return the static PEP 440 version, or ``None`` when it is dynamic.

    Raises:
        ConfigError: the version is not valid PEP 440, or ``[project]`` neither
            sets a version nor lists it as dynamic (PEP 621).
    """
    project = pyproject.project
    dynamic = "version" in pyproject.dynamic
    raw = project.get("version")
    if raw is None and not dynamic:
        raw = pyproject.poetry.get("version")
    if raw is None:
        if project and not dynamic:
            raise ConfigError(
                f'{pyproject.path} has no version: set [project] version = "1.0.0" '
                'or list "version" in [project] dynamic'
            )
        return None
    try:
        return Version(str(raw))
    except InvalidVersion:
        raise ConfigError(
            f"{pyproject.path}: version {raw!r} is not a valid PEP 440 version: "
            "use a version such as 1.2.3"
        ) from None
