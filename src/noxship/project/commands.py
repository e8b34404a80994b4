"""The test commands a project declares, read as text and never run.

Where a project says how its suite runs: tox (``tox.ini``, ``tox.toml``,
``[tool.tox]``), hatch scripts and its ``hatch-test`` environment
(``hatch.toml``, ``[tool.hatch]``), its ``noxfile.py``, a ``Makefile``, and its
CI files (``.github/workflows/*.yml``, ``.gitlab-ci.yml``). noxship reads them
for two things only: the ``--cov`` sources pytest-cov is given, and whether
any of them checks coverage's ``fail_under`` (``coverage report``,
``--cov-fail-under``, ``--fail-under``, or pytest-cov's ``--cov``, which
applies ``fail_under`` from the coverage configuration; pytest-cov docs,
"Configuration").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

__all__ = ["DeclaredCommands", "cov_sources", "read_commands"]

_FILES = (
    "tox.ini",
    "tox.toml",
    "hatch.toml",
    "noxfile.py",
    "Makefile",
    ".gitlab-ci.yml",
    "setup.cfg",
)

_COV = re.compile(r"""(?<![\w-])--cov(?:=|["']?\s*,\s*["']|[ \t]+)(?P<value>[^\s"',\]\)]*)""")
_BARE_COV = re.compile(r"(?<![\w-])--cov(?![\w-])")
_CHECKS = (
    (
        re.compile(r"\bcoverage\s+report\b|[\"']coverage[\"']\s*,\s*[\"']report[\"']"),
        "coverage report",
    ),
    (re.compile(r"--cov-fail-under|--fail-under"), "--fail-under"),
    (re.compile(r"\bhatch\s+test\b[^\n]*--cover\b"), "hatch test --cover"),
)


class DeclaredCommands(NamedTuple):
    """The text of each file that declares how the project's tests run.

    Attributes:
        texts: file name (relative to the root) -> its text.
    """

    texts: dict[str, str]

    def coverage_check(self, addopts: Sequence[str] = ()) -> str | None:
        """Where the project checks ``fail_under`` (``"tox.ini: coverage report"``),
        or ``None`` when nothing does. ``addopts``: pytest's, as pytest reads them."""
        if _BARE_COV.search(" ".join(addopts)):
            return "pytest's addopts: --cov (pytest-cov applies fail_under)"
        for name, text in self.texts.items():
            for pattern, what in _CHECKS:
                if pattern.search(text):
                    return f"{name}: {what}"
            if _BARE_COV.search(text) and "pytest" in text:
                return f"{name}: pytest --cov (pytest-cov applies fail_under)"
        return None

    def cov_sources(self) -> list[str]:
        """The ``--cov`` values of the declared pytest commands (see :func:`cov_sources`)."""
        found: list[str] = []
        for name, text in self.texts.items():
            if name.startswith((".github", ".gitlab")):
                continue  # CI files rerun the commands above; their paths are the runner's
            found += [v for v in cov_sources(text) if v not in found]
        return found


def cov_sources(text: str) -> list[str]:
    """The sources of each ``--cov`` in ``text`` (a command line, a noxfile's
    ``session.run("pytest", "--cov", "src/pkg")``): ``"."`` for a bare
    ``--cov``; tox's ``{envsitepackagesdir}/pkg`` as ``pkg``."""
    found: list[str] = []
    for match in _COV.finditer(text):
        value = match.group("value").strip()
        if not value or value.startswith("-"):
            value = "."
        if "{" in value:
            value = value.rsplit("/", 1)[-1]
        if value and value not in found:
            found.append(value)
    return found


def read_commands(root: Path) -> DeclaredCommands:
    """Read the files that declare the project's test commands (module docstring)."""
    texts: dict[str, str] = {}
    paths = [root / name for name in _FILES]
    paths += sorted((root / ".github" / "workflows").glob("*.y*ml"))
    for path in paths:
        if path.is_file():
            try:
                texts[path.relative_to(root).as_posix()] = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        import tomllib

        try:
            data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            data = {}
        tool = data.get("tool", {})
        for key in ("hatch", "tox", "pdm", "poe", "taskipy"):
            if key in tool:
                texts[f"pyproject.toml [tool.{key}]"] = repr(tool[key]).replace("\\n", "\n")
    return DeclaredCommands(texts)
