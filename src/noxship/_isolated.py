"""The isolated build environment, without credentials.

The ``build`` library's :class:`build.env.DefaultIsolatedEnv` installs the build
requirements with uv in the whole process environment (build 1.6,
``build/env.py``: ``{k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}``),
so a build requirement that exists only as an sdist gets every token when uv
builds it. :class:`CleanIsolatedEnv` makes the same environment and installs the
requirements with uv itself, in :func:`~noxship.environment.clean_env`.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Collection
from pathlib import Path

from build.env import DefaultIsolatedEnv

from noxship._run import run, uv_binary
from noxship.environment import clean_env

__all__ = ["CleanIsolatedEnv"]


class CleanIsolatedEnv(DefaultIsolatedEnv):
    """``DefaultIsolatedEnv(installer="uv")`` whose :meth:`install` runs uv in the
    allow-listed environment (no credential reaches a build requirement's backend)."""

    def __init__(self) -> None:
        super().__init__(installer="uv")

    def install(
        self,
        requirements: Collection[str],
        constraints: Collection[str] = (),
        *,
        _fresh: bool = False,
    ) -> None:
        """Install PEP 508 ``requirements`` (with ``constraints``) into the environment.

        Under ``PYTHONDONTWRITEBYTECODE`` (``sys.flags.dont_write_bytecode``), uv
        compiles them to bytecode (``--compile-bytecode``): each of the backend's
        hooks runs in a process of its own, and would otherwise compile the
        backend (setuptools, poetry-core, hatchling) from source again.

        Raises:
            ToolError: uv failed (its output is shown).
        """
        if not requirements:
            return
        python = Path(self.python_executable)
        env = clean_env({"VIRTUAL_ENV": str(python.parent.parent)})
        env.pop("PYTHONPATH", None)
        argv = [uv_binary(), "pip", "install", "--quiet", "--python", str(python), *requirements]
        if sys.flags.dont_write_bytecode:
            argv.insert(3, "--compile-bytecode")
        with tempfile.TemporaryDirectory(prefix="noxship-constraints-") as tmp:
            if constraints:
                path = os.path.join(tmp, "constraints.txt")
                Path(path).write_text("\n".join(constraints), encoding="utf-8")
                argv += ["-c", path]
            run(argv, env=env, capture=True, what="installing the build requirements")
