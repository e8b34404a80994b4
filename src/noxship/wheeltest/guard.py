"""A pytest plugin that proves a test run used the installed wheel.

``test_wheel`` loads it (``-p noxship_wheel_guard``) from a copy of this file; it
imports nothing from noxship and keeps to syntax that every supported Python
reads. It is configured by environment variables:

- ``NOXSHIP_GUARD_MODULES``: comma-separated top-level import names of the wheel.
- ``NOXSHIP_GUARD_PREFIX``: the venv directory the modules must come from.
- ``NOXSHIP_GUARD_DIST`` and ``NOXSHIP_GUARD_VERSION``: the distribution that
  must be installed there, and its version.
- ``NOXSHIP_GUARD_REPORT``: a JSON file written at the end: where each guarded
  module was imported from, and any violation.

When a guarded module is imported from outside the venv (the source tree, say),
the run stops with exit code 9 (:data:`EXIT_CODE`: outside pytest's own exit
codes 0-5 and noxship's 0-4) and a message naming the file.
"""

from __future__ import annotations

import json
import os
import sys

import pytest

EXIT_CODE = 9
_violations: list[str] = []


def _settings() -> tuple[list[str], str]:
    names = [n for n in os.environ.get("NOXSHIP_GUARD_MODULES", "").split(",") if n]
    prefix = os.path.realpath(os.environ.get("NOXSHIP_GUARD_PREFIX", sys.prefix))
    return names, prefix


def _imported() -> dict[str, str]:
    names, _ = _settings()
    found = {}
    for mod_name, module in list(sys.modules.items()):
        if module is None or mod_name.split(".")[0] not in names:
            continue
        # An alias of another module (six.moves.BaseHTTPServer is http.server) is not ours.
        if str(getattr(module, "__name__", mod_name)).split(".")[0] not in names:
            continue
        path = getattr(module, "__file__", None)
        if path:
            found[mod_name] = os.path.realpath(path)
    return found


def _check(stage: str) -> None:
    names, prefix = _settings()
    if not names:
        return
    import importlib

    for name in names:
        if name not in sys.modules:
            try:
                importlib.import_module(name)
            except Exception as exc:
                _violations.append(
                    f"cannot import {name!r} from the installed wheel: {type(exc).__name__}: {exc}"
                )
    for mod_name, path in sorted(_imported().items()):
        if not path.startswith(prefix + os.sep):
            _violations.append(
                f"{mod_name} was imported from {path}, outside the test venv {prefix} ({stage})"
            )
    dist = os.environ.get("NOXSHIP_GUARD_DIST")
    expected = os.environ.get("NOXSHIP_GUARD_VERSION")
    if dist and expected:
        installed = _installed_version(dist)
        if installed != expected:
            _violations.append(
                f"distribution {dist} is installed at version {installed}, "
                f"not {expected} from the wheel"
            )
    if _violations:
        _write_report()
        pytest.exit(
            "noxship: the tests did not run against the installed wheel: " + "; ".join(_violations),
            returncode=EXIT_CODE,
        )


def _installed_version(dist: str) -> str | None:
    """The installed version of ``dist``: :mod:`importlib.metadata` (Python 3.8+),
    else its backport ``importlib_metadata``, which pytest requires on 3.7."""
    try:
        import importlib.metadata as metadata
    except ImportError:  # Python 3.7
        import importlib_metadata as metadata  # type: ignore[no-redef]
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def _write_report() -> None:
    path = os.environ.get("NOXSHIP_GUARD_REPORT")
    if not path:
        return
    with open(path, "w", encoding="utf-8") as f:
        json.dump(
            {"prefix": _settings()[1], "modules": _imported(), "violations": _violations},
            f,
            indent=2,
            sort_keys=True,
        )


def pytest_sessionstart(session: pytest.Session) -> None:
    _check("at start")


def pytest_collection_finish(session: pytest.Session) -> None:
    _check("after collection")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _check("at the end")
    _write_report()
