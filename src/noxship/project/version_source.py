"""Where a project's version comes from, how to read it without building, and
how to make a build produce a given version.

Sources, by build backend and its documented configuration:

==========================  =============================================  ===================================
kind                        declared by                                    a build gets another version by
==========================  =============================================  ===================================
``static``                  PEP 621 ``[project] version``, Poetry           rewriting pyproject.toml (in a copy)
``setuptools_scm``          ``[tool.setuptools_scm]`` or it in              ``SETUPTOOLS_SCM_PRETEND_VERSION_FOR_<DIST>``
                            ``[build-system] requires``                     (setuptools_scm's docs, "overrides")
``hatch-vcs``               ``[tool.hatch.version] source = "vcs"``         the same variable (hatch-vcs runs setuptools_scm)
``pdm-scm``                 ``[tool.pdm.version] source = "scm"``           ``PDM_BUILD_SCM_VERSION`` (pdm-backend's docs)
``pbr``                     ``build-backend = "pbr.build"`` or pbr in       ``PBR_VERSION`` (pbr's docs, "Version")
                            ``[build-system] requires``
``versioningit``            ``[tool.versioningit]``                         a tag on HEAD, in a clone
``setuptools-git-           ``[tool.setuptools-git-versioning]``            a tag on HEAD, in a clone
versioning``
``file``                    flit's ``__version__``; hatch's ``[tool.hatch.   rewriting that file (in a copy)
                            version] path``; pdm's ``source = "file"``;
                            setuptools' ``version = {attr = ...}`` or
                            ``{file = ...}``; setup.cfg ``attr:``/``file:``
``built``                   anything else (``setup.py``, other plugins)     (cannot: the built version must match)
==========================  =============================================  ===================================

Reading without building covers ``static`` and ``file`` (the literal assigned
to ``__version__``, read with :mod:`ast` as setuptools and flit do first);
the other kinds are learned from the metadata a build backend prepares
(:mod:`noxship.project.metadata`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, MutableMapping
from enum import StrEnum
from pathlib import Path
from typing import NamedTuple

from packaging.version import InvalidVersion, Version

from noxship.errors import ConfigError
from noxship.project.pyproject import PyProject, TomlTable, table

__all__ = ["VersionSource", "VersionSourceKind", "detect_version_source"]

_ASSIGN = re.compile(
    r"""(?im)^(?:__version__|VERSION)\s*(?::\s*str\s*)?=\s*(['"])v?(?P<version>[^'"]+)\1"""
)
"""hatch's default version pattern (``hatchling.version.source.regex``), also
flit's and pdm's ``__version__ = "1.2.3"``."""


class VersionSourceKind(StrEnum):
    """The kinds of version source (the module docstring's table). Members are
    strings: ``VersionSourceKind.STATIC == "static"``, and JSON and logs show the value."""

    STATIC = "static"
    FILE = "file"
    BUILT = "built"
    SETUPTOOLS_SCM = "setuptools_scm"
    HATCH_VCS = "hatch-vcs"
    PDM_SCM = "pdm-scm"
    PBR = "pbr"
    VERSIONINGIT = "versioningit"
    SETUPTOOLS_GIT_VERSIONING = "setuptools-git-versioning"


class VersionSource(NamedTuple):
    """Where the version comes from.

    Attributes:
        kind: one of the kinds in the module docstring.
        detail: what says so (``"[tool.hatch.version] source = 'vcs'"``), for logs.
        path: for ``file``: the file that holds the version.
        literal: for ``file`` with a plain text file (setuptools ``file:``): the
            whole file is the version.
    """

    kind: VersionSourceKind
    detail: str
    path: Path | None = None
    literal: bool = False

    @property
    def is_vcs(self) -> bool:
        """Whether the version is derived from git (tags and distance)."""
        return self.kind in VCS_KINDS

    def read(self) -> Version | None:
        """Read the version without building (``file`` only; ``None`` otherwise).

        Raises:
            ConfigError: the file is missing, assigns no version literal, or
                it is not a PEP 440 version.
        """
        if self.kind is not VersionSourceKind.FILE or self.path is None:
            return None
        try:
            text = self.path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(
                f"cannot read the version file {self.path} ({self.detail}): {exc.strerror}"
            ) from None
        raw = text.strip() if self.literal else _assigned_version(text)
        if raw is None:
            raise ConfigError(
                f'{self.path} assigns no version literal (__version__ = "1.2.3"), '
                f"which {self.detail} reads: assign one, or set [project] version"
            )
        try:
            return Version(raw)
        except InvalidVersion:
            raise ConfigError(f"{self.path}: {raw!r} is not a PEP 440 version") from None

    def pretend_env(self, version: Version, dist_name: str) -> dict[str, str]:
        """The environment that makes the build backend produce ``version``
        (VCS plugins that read one; empty for the others)."""
        if self.kind in (VersionSourceKind.SETUPTOOLS_SCM, VersionSourceKind.HATCH_VCS):
            # The named variable, and the plain one for plugins that do not pass
            # the distribution name to setuptools_scm (hatch-vcs).
            key = re.sub(r"[-_.]+", "_", dist_name).upper()  # setuptools_scm's rule
            return {
                f"SETUPTOOLS_SCM_PRETEND_VERSION_FOR_{key}": str(version),
                "SETUPTOOLS_SCM_PRETEND_VERSION": str(version),
            }
        if self.kind is VersionSourceKind.PDM_SCM:
            return {"PDM_BUILD_SCM_VERSION": str(version)}
        if self.kind is VersionSourceKind.PBR:
            return {"PBR_VERSION": str(version)}  # pbr's docs, "Version"
        return {}

    def rewrite(self, original: Path, copy: Path, version: Version) -> None:
        """Write ``version`` where the project at ``copy`` (the project at
        ``original``, or a copy of it) states it: ``[project] version`` or
        ``[tool.poetry] version`` of ``pyproject.toml`` (``static`` sources,
        edited with tomlkit, which keeps the file's formatting), or the version
        file (``file`` sources); nothing for the others.

        Raises:
            ConfigError: the copy's pyproject.toml has no static version, or its
                version file holds no version literal.
        """
        if self.kind is VersionSourceKind.STATIC:
            _rewrite_pyproject(copy / "pyproject.toml", version)
            return
        if self.kind is not VersionSourceKind.FILE or self.path is None:
            return
        path = copy / self.path.relative_to(original)
        text = path.read_text(encoding="utf-8")
        if self.literal:
            path.write_text(f"{version}\n", encoding="utf-8")
            return
        match = _ASSIGN.search(text)
        if match is None:
            raise ConfigError(f"{path} assigns no version literal to rewrite")
        start, end = match.span("version")
        path.write_text(text[:start] + str(version) + text[end:], encoding="utf-8")


def _rewrite_pyproject(path: Path, version: Version) -> None:
    import tomlkit

    doc = tomlkit.parse(path.read_text(encoding="utf-8"))
    tool = doc.get("tool")
    candidates = (doc.get("project"), tool.get("poetry") if isinstance(tool, Mapping) else None)
    table = next((t for t in candidates if isinstance(t, MutableMapping) and "version" in t), None)
    if table is None:
        raise ConfigError(
            f"cannot set the version: {path} has no static version "
            "([project] version or [tool.poetry] version)"
        )
    table["version"] = str(version)
    path.write_text(tomlkit.dumps(doc), encoding="utf-8")


VCS_KINDS = frozenset(
    {
        VersionSourceKind.SETUPTOOLS_SCM,
        VersionSourceKind.HATCH_VCS,
        VersionSourceKind.PDM_SCM,
        VersionSourceKind.VERSIONINGIT,
        VersionSourceKind.SETUPTOOLS_GIT_VERSIONING,
        VersionSourceKind.PBR,
    }
)
TAG_KINDS = frozenset({VersionSourceKind.VERSIONINGIT, VersionSourceKind.SETUPTOOLS_GIT_VERSIONING})
"""VCS plugins without a documented override: a build gets a version from a tag."""


def _assigned_version(text: str) -> str | None:
    """The string literal assigned to ``__version__`` (via :mod:`ast`), else
    hatch's default pattern."""
    import ast

    try:
        tree = ast.parse(text)
    except SyntaxError:
        tree = None
    for node in ast.walk(tree) if tree is not None else ():
        targets = (
            node.targets
            if isinstance(node, ast.Assign)
            else ([node.target] if isinstance(node, ast.AnnAssign) else [])
        )
        value = getattr(node, "value", None)
        if (
            any(isinstance(t, ast.Name) and t.id == "__version__" for t in targets)
            and isinstance(value, ast.Constant)
            and isinstance(value.value, str)
        ):
            return value.value
    match = _ASSIGN.search(text)
    return match.group("version") if match else None


def _requires(pyproject: PyProject) -> set[str]:
    """The PEP 503 names of ``[build-system] requires`` (PEP 518)."""
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.utils import canonicalize_name

    names: set[str] = set()
    requires = table(pyproject.data, "build-system").get("requires", [])
    for text in requires if isinstance(requires, list) else ():
        try:
            names.add(canonicalize_name(Requirement(str(text)).name))
        except InvalidRequirement:
            continue
    return names


def _module_file(root: Path, dotted: str) -> Path | None:
    """The file of module ``dotted`` under ``root`` or ``root/src``."""
    parts = dotted.split(".")
    for base in (root, root / "src"):
        for candidate in (
            base.joinpath(*parts, "__init__.py"),
            base.joinpath(*parts[:-1], f"{parts[-1]}.py"),
        ):
            if candidate.is_file():
                return candidate
    return None


def _attr_source(root: Path, attr: str, detail: str) -> VersionSource:
    module, _, _name = attr.rpartition(".")
    path = _module_file(root, module) if module else None
    if path is None:
        return VersionSource(VersionSourceKind.BUILT, f"{detail} (module {module} not found)")
    return VersionSource(VersionSourceKind.FILE, detail, path)


def _setuptools(pyproject: PyProject, root: Path) -> VersionSource | None:
    dynamic = table(pyproject.data, "tool", "setuptools", "dynamic").get("version")
    if isinstance(dynamic, Mapping):
        if isinstance(dynamic.get("attr"), str):
            return _attr_source(
                root, str(dynamic["attr"]), "[tool.setuptools.dynamic] version attr"
            )
        files = dynamic.get("file")
        first = files[0] if isinstance(files, list) and files else files
        if isinstance(first, str):
            return VersionSource(
                VersionSourceKind.FILE,
                "[tool.setuptools.dynamic] version file",
                root / first,
                literal=True,
            )
    return _setup_cfg(pyproject)


def _setup_cfg(pyproject: PyProject) -> VersionSource | None:
    root = pyproject.root
    value = pyproject.setup_cfg("version") or ""
    if value.startswith("attr:"):
        return _attr_source(root, value.removeprefix("attr:").strip(), "setup.cfg version attr:")
    if value.startswith("file:"):
        return VersionSource(
            VersionSourceKind.FILE,
            "setup.cfg version file:",
            root / value.removeprefix("file:").strip(),
            literal=True,
        )
    return None


def _hatch(tool: TomlTable, root: Path) -> VersionSource:
    version = table(tool, "hatch", "version")
    source = version.get("source", "regex")
    if source == "vcs":
        return VersionSource(VersionSourceKind.HATCH_VCS, "[tool.hatch.version] source = 'vcs'")
    if source == "versioningit":
        return VersionSource(
            VersionSourceKind.VERSIONINGIT, "[tool.hatch.version] source = 'versioningit'"
        )
    path = version.get("path")
    if source == "regex" and isinstance(path, str):
        return VersionSource(VersionSourceKind.FILE, "[tool.hatch.version] path", root / path)
    return VersionSource(VersionSourceKind.BUILT, f"[tool.hatch.version] source = {source!r}")


def _pdm(tool: TomlTable, root: Path) -> VersionSource:
    version = table(tool, "pdm", "version")
    source = version.get("source")
    if source == "scm":
        return VersionSource(VersionSourceKind.PDM_SCM, "[tool.pdm.version] source = 'scm'")
    if source == "file" and isinstance(version.get("path"), str):
        return VersionSource(
            VersionSourceKind.FILE,
            "[tool.pdm.version] source = 'file'",
            root / str(version["path"]),
        )
    return VersionSource(VersionSourceKind.BUILT, f"[tool.pdm.version] source = {source!r}")


def _flit(pyproject: PyProject, root: Path) -> VersionSource:
    module = table(pyproject.data, "tool", "flit", "module").get("name")
    name = str(module) if isinstance(module, str) else pyproject.name.replace("-", "_")
    path = _module_file(root, name)
    if path is None:
        return VersionSource(
            VersionSourceKind.BUILT, f"flit's __version__ of module {name} (not found)"
        )
    text = path.read_text(encoding="utf-8", errors="replace")
    if _assigned_version(text) is not None:
        return VersionSource(VersionSourceKind.FILE, "flit's __version__", path)
    origin = _reexported_version(path, text)
    if origin is not None:  # `from .package_data import __version__` (idna)
        return VersionSource(
            VersionSourceKind.FILE, f"flit's __version__ (in {origin.name})", origin
        )
    # flit imports the module when the AST holds no literal (flit docs, "pyproject.toml").
    return VersionSource(
        VersionSourceKind.BUILT, f"flit's __version__ of module {name} (set on import)"
    )


def _reexported_version(init: Path, text: str) -> Path | None:
    """The sibling module that ``init`` imports ``__version__`` from, when
    that module assigns a literal."""
    import ast

    try:
        tree = ast.parse(text)
    except SyntaxError:
        return None
    for node in tree.body:
        if (
            isinstance(node, ast.ImportFrom)
            and node.level == 1
            and node.module
            and any(
                a.name == "__version__" and a.asname in (None, "__version__") for a in node.names
            )
        ):
            origin = init.parent.joinpath(*node.module.split(".")).with_suffix(".py")
            if origin.is_file() and _assigned_version(origin.read_text(encoding="utf-8")):
                return origin
    return None


def detect_version_source(pyproject: PyProject) -> VersionSource:
    """Tell where the project's version comes from (see the module docstring).

    Args:
        pyproject: the parsed ``pyproject.toml`` (empty for a ``setup.py``-only project).

    Returns:
        The source; ``static`` when ``[project]`` or ``[tool.poetry]`` sets a version.
    """
    root = pyproject.root
    project = pyproject.project
    if "version" in project or (not project and "version" in pyproject.poetry):
        return VersionSource(
            VersionSourceKind.STATIC, "[project] version" if project else "[tool.poetry] version"
        )
    tool = table(pyproject.data, "tool")
    backend = str(table(pyproject.data, "build-system").get("build-backend", ""))
    requires = _requires(pyproject)
    if "versioningit" in tool:
        return VersionSource(VersionSourceKind.VERSIONINGIT, "[tool.versioningit]")
    if "setuptools-git-versioning" in tool:
        return VersionSource(
            VersionSourceKind.SETUPTOOLS_GIT_VERSIONING, "[tool.setuptools-git-versioning]"
        )
    if backend.startswith("hatchling"):
        return _hatch(tool, root)
    if backend.startswith("pdm.backend"):
        return _pdm(tool, root)
    if backend.startswith("flit_core"):
        return _flit(pyproject, root)
    if backend.startswith("pbr") or "pbr" in requires:
        return VersionSource(VersionSourceKind.PBR, "pbr (from git)")
    if "setuptools_scm" in tool:
        return VersionSource(VersionSourceKind.SETUPTOOLS_SCM, "[tool.setuptools_scm]")
    found = _setuptools(pyproject, root)
    if found is not None:
        return found
    if "setuptools-scm" in requires:
        return VersionSource(
            VersionSourceKind.SETUPTOOLS_SCM, "setuptools_scm in [build-system] requires"
        )
    return VersionSource(
        VersionSourceKind.BUILT, f"the build backend {backend or 'setuptools (legacy)'}"
    )
