"""A pytest plugin that records what pytest collects, and keeps a run to the
suite the project's own runner collects.

``test_wheel`` loads it (``-p noxship_collector``) from a copy of this file, in
two runs:

- in the source tree, with ``--collect-only`` and the project's own
  configuration: which files hold which tests and doctests (the suite the
  project's runner collects), which files failed to collect, which
  ``conftest.py`` files were loaded, and the positional arguments pytest used
  (given, from ``testpaths``, or the invocation directory);
- against the installed wheel: each item is mapped back to its file in the
  source tree, and items of files (or kinds) the first run did not collect
  are deselected (a module given by path is collected as a test module too).

It imports nothing from noxship and keeps to syntax that Python 3.7 reads.
It is configured by environment variables:

- ``NOXSHIP_COLLECT_REPORT``: the JSON file written at the end;
- ``NOXSHIP_COLLECT_ROOT``: the directory item paths are made relative to;
- ``NOXSHIP_COLLECT_MAP``: (second run) a JSON file ``{"prefixes": [[dir,
  rel]], "files": {path: rel}, "keep": [[rel, kind]], "kinds": [...]}``.
"""

from __future__ import annotations

import json
import os
from typing import Any  # noqa: F401  (the type comments)

_state = {
    "items": {},
    "errors": {},
    "conftests": [],
    "finished": False,
    "count": 0,
    "deselected": 0,
    "dropped": 0,
}  # type: dict[str, Any]


def _kind(item: object) -> str:
    name = type(item).__name__
    if name == "DoctestItem":
        return "doctest"
    if name == "TestCaseFunction":
        return "unittest"
    return "test"


def _mapping():  # type: () -> dict[str, Any]
    path = os.environ.get("NOXSHIP_COLLECT_MAP")
    if not path:
        return {}
    with open(path, encoding="utf-8") as f:
        loaded = json.load(f)  # type: dict[str, Any]
        return loaded


_MAP = _mapping()


def _rel(path: str) -> str | None:
    real = os.path.realpath(path)
    files = _MAP.get("files")
    if files is not None:
        if real in files:
            return str(files[real])
        for prefix, rel in _MAP.get("prefixes", []):
            if real == prefix or real.startswith(prefix + os.sep):
                rest = os.path.relpath(real, prefix).replace(os.sep, "/")
                return rest if not rel else rel + "/" + rest
        return None
    root = os.environ.get("NOXSHIP_COLLECT_ROOT") or os.getcwd()
    return os.path.relpath(real, os.path.realpath(root)).replace(os.sep, "/")


def _item_path(item: object) -> str:
    path = getattr(item, "path", None) or getattr(item, "fspath", "")
    return str(path)


def pytest_plugin_registered(plugin: object, manager: object) -> None:
    path = getattr(plugin, "__file__", None)
    if isinstance(path, str) and os.path.basename(path) == "conftest.py":
        _state["conftests"].append(os.path.realpath(path))


def pytest_collectreport(report: object) -> None:
    if getattr(report, "failed", False):
        nodeid = getattr(report, "nodeid", "")
        text = str(getattr(report, "longreprtext", "") or getattr(report, "longrepr", ""))
        lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
        cause = next((ln[2:] for ln in reversed(lines) if ln.startswith("E ")), "")
        _state["errors"][nodeid.split("::")[0] or "."] = cause or (lines[-1] if lines else "")


def pytest_collection_modifyitems(session: object, config: object, items: list[object]) -> None:
    keep = _MAP.get("keep")
    if keep is None:
        return
    wanted = {(rel, kind) for rel, kind in keep}
    kept = []  # type: list[object]
    dropped = []  # type: list[object]
    for item in items:
        rel = _rel(_item_path(item))
        (kept if (rel, _kind(item)) in wanted else dropped).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)  # type: ignore[attr-defined]
        items[:] = kept
        _state["dropped"] = len(dropped)


def pytest_deselected(items: list[object]) -> None:
    _state["deselected"] += len(items)


def pytest_collection_finish(session: object) -> None:
    found = {}  # type: dict[str, Any]
    for item in getattr(session, "items", []):
        rel = _rel(_item_path(item))
        key = f"{rel}\t{_kind(item)}"
        found[key] = found.get(key, 0) + 1
    _state["items"] = found
    _state["count"] = len(getattr(session, "items", []))
    _state["finished"] = True
    config = getattr(session, "config", None)
    if config is not None:
        _state["rootdir"] = str(getattr(config, "rootpath", getattr(config, "rootdir", "")))
        inipath = getattr(config, "inipath", None)
        _state["inifile"] = str(inipath) if inipath else None
        _state["args"] = [str(a) for a in getattr(config, "args", [])]
        source = getattr(config, "args_source", None)
        _state["args_source"] = getattr(source, "name", None)
        for name in ("python_files", "addopts"):
            try:
                _state[name] = [str(v) for v in config.getini(name)]
            except (ValueError, AttributeError):
                _state[name] = []


def pytest_unconfigure(config: object) -> None:
    path = os.environ.get("NOXSHIP_COLLECT_REPORT")
    if not path:
        return
    _state["deselected"] -= _state["dropped"]
    with open(path, "w", encoding="utf-8") as f:
        json.dump(_state, f, indent=1, sort_keys=True)
