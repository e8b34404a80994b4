"""Import modules in a background thread, so that a later step finds them loaded.

A session that waits for a subprocess (the build backend, the project's tests)
leaves this process idle: importing twine and pypi-simple there (about 0.3 s and
0.8 s of CPU) takes them off the path of the steps that need them. Imports are
thread-safe in CPython (one lock per module, see the ``importlib`` docs).
"""

from __future__ import annotations

import importlib
import logging
import os
import threading
from collections.abc import Sequence

__all__ = ["preload"]

logger = logging.getLogger("noxship")


def _import_all(modules: Sequence[str]) -> None:
    for name in modules:
        try:
            importlib.import_module(name)
        except (
            Exception
        ) as exc:  # a module failing to import on any error: the step that needs it raises it
            logger.debug("preload: cannot import %s: %s", name, exc)
            return


def preload(modules: Sequence[str]) -> None:
    """Start importing ``modules`` (dotted names, in order) in a daemon thread;
    not on a machine with one core, where the thread would only compete with
    the step that runs now.

    Args:
        modules: the modules a later step imports.
    """
    if (os.cpu_count() or 1) < 2:
        return
    threading.Thread(
        target=_import_all, args=(tuple(modules),), daemon=True, name="noxship-preload"
    ).start()
