"""What a run reads from outside noxship, read once at the edge.

The nox sessions and the command line build one :class:`Context` from the
process environment when they start; every module below them takes what it
needs from that object (or from a mapping the edge hands down) and none reads
``os.environ`` itself, so a test or an embedding program decides what noxship
sees, as twine's ``Settings`` does for twine.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

__all__ = ["Context"]


class Context:
    """An immutable snapshot of the environment a run reads.

    Build it with :meth:`from_environ` at the edge (``Context.from_environ(os.environ)``);
    later changes to the process environment do not reach it. Its ``repr``
    names how many variables it holds and never a value (tokens live there).
    """

    __slots__ = ("_environ",)
    _environ: Mapping[str, str]

    def __init__(self, environ: Mapping[str, str]) -> None:
        object.__setattr__(self, "_environ", environ)

    @property
    def environ(self) -> Mapping[str, str]:
        """The variables, read-only (CI variables, credentials, ``PATH``)."""
        return self._environ

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Context is immutable: {name} cannot be set")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"Context is immutable: {name} cannot be deleted")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Context) and dict(self.environ) == dict(other.environ)

    __hash__ = None  # type: ignore[assignment]  # equal by contents, which may change

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Context:
        """Return a context holding a read-only copy of ``environ``."""
        return cls(MappingProxyType(dict(environ)))

    def __repr__(self) -> str:
        return f"Context(<{len(self.environ)} variables>)"

    @property
    def cache_home(self) -> Path:
        """The user's cache directory: ``$XDG_CACHE_HOME``, else ``~/.cache``
        (XDG Base Directory Specification)."""
        return Path(self.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")

    @property
    def pyenv_root(self) -> Path:
        """Where pyenv keeps its Pythons: ``$PYENV_ROOT``, else ``~/.pyenv`` (pyenv's README)."""
        return Path(self.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")

    @property
    def search_path(self) -> tuple[str, ...]:
        """The directories of ``PATH``, in order (empty entries left out)."""
        return tuple(p for p in self.environ.get("PATH", "").split(os.pathsep) if p)

    @property
    def source_date_epoch(self) -> str | None:
        """``SOURCE_DATE_EPOCH`` (Unix seconds, reproducible-builds.org's
        specification) when set and not empty, else ``None``."""
        return self.environ.get("SOURCE_DATE_EPOCH") or None
