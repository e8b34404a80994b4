"""What a run reads from outside noxship, read once at the edge.

The nox sessions and the command line build one :class:`Context` from the
process environment when they start; every module below them takes what it
needs from that object (or from a mapping the edge hands down) and none reads
``os.environ`` itself, so a test or an embedding program decides what noxship
sees, as twine's ``Settings`` does for twine.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

__all__ = ["Context"]


@dataclasses.dataclass(frozen=True)
class Context:
    """An immutable snapshot of the environment a run reads.

    Build it with :meth:`from_environ` at the edge (``Context.from_environ(os.environ)``);
    later changes to the process environment do not reach it. Its ``repr``
    names how many variables it holds and never a value (tokens live there).

    Attributes:
        environ: the variables, read-only (CI variables, credentials, ``PATH``).
    """

    environ: Mapping[str, str] = dataclasses.field(repr=False)

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
