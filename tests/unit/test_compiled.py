"""Compiled projects (issue 28): what makes a project compiled, which wheel
fits which Python here, and which files of a wheel are extension modules."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from noxship.build.compiled import (
    compiled_reason,
    extension_modules,
    is_platform_wheel,
    wheel_fits,
)
from noxship.project import Project


def project(tmp_path: Path, pyproject: str, setup: str | None = None) -> Project:
    (tmp_path / "pyproject.toml").write_text(
        f'[project]\nname = "pkg"\nversion = "1"\n{pyproject}', encoding="utf-8"
    )
    if setup is not None:
        (tmp_path / "setup.py").write_text(setup, encoding="utf-8")
    return Project.load(tmp_path)


@pytest.mark.parametrize(
    ("pyproject", "setup", "reason"),
    [
        ('[build-system]\nbuild-backend = "mesonpy"\n', None, "its build backend is meson-python"),
        (
            '[build-system]\nbuild-backend = "scikit_build_core.build"\n',
            None,
            "its build backend is scikit-build-core",
        ),
        ('[build-system]\nbuild-backend = "maturin"\n', None, "its build backend is maturin"),
        (
            '[build-system]\nbuild-backend = "setuptools.build_meta"\n'
            '[[tool.setuptools.ext-modules]]\nname = "pkg._c"\nsources = ["c.c"]\n',
            None,
            "[tool.setuptools] ext-modules declares extension modules",
        ),
        (
            "",
            "from setuptools import Extension, setup\n"
            "setup(ext_modules=[Extension('pkg._c', ['c.c'])])\n",
            "setup.py declares extension modules (ext_modules, Extension)",
        ),
        (
            "",
            "from Cython.Build import cythonize\nfrom setuptools import setup\n"
            "setup(ext_modules=cythonize('pkg/*.pyx'))\n",
            "setup.py declares extension modules (ext_modules, cythonize)",
        ),
        ("", "from setuptools import setup\nsetup(cffi_modules=['b.py:ffi'])\n",
         "setup.py declares extension modules (cffi_modules)"),
        ('[build-system]\nbuild-backend = "hatchling.build"\n', None, None),
        ("", "from setuptools import setup\nsetup(name='pkg')  # Extension in a comment\n", None),
        ("", "this is not python (\n", None),
    ],
    ids=["meson-python", "scikit-build-core", "maturin", "ext-modules table",
         "setup.py Extension", "cythonize", "cffi", "pure hatchling", "pure setup.py",
         "unparsable setup.py"],
)  # fmt: skip
def test_a_compiled_project_is_told_by_its_configuration(
    tmp_path: Path, pyproject: str, setup: str | None, reason: str | None
) -> None:
    assert compiled_reason(project(tmp_path, pyproject, setup)) == reason


def wheel(tmp_path: Path, name: str, files: dict[str, str], purelib: bool = True) -> Path:
    path = tmp_path / name
    dist_info = "-".join(name.split("-")[:2]) + ".dist-info"
    with zipfile.ZipFile(path, "w") as zf:
        for member, text in files.items():
            zf.writestr(member, text)
        zf.writestr(
            f"{dist_info}/WHEEL",
            f"Wheel-Version: 1.0\nRoot-Is-Purelib: {'true' if purelib else 'false'}\n",
        )
    return path


def test_a_platform_wheel_is_told_by_its_tags_or_its_wheel_file(tmp_path: Path) -> None:
    pure = wheel(tmp_path, "pkg-1-py3-none-any.whl", {"pkg/__init__.py": ""})
    tagged = wheel(tmp_path, "pkg-1-cp312-cp312-manylinux_2_17_x86_64.whl", {})
    platlib = wheel(tmp_path, "pkg-2-py3-none-any.whl", {}, purelib=False)
    assert not is_platform_wheel(pure)
    assert is_platform_wheel(tagged)
    assert is_platform_wheel(platlib)


def test_extension_modules_leave_out_the_vendored_libraries(tmp_path: Path) -> None:
    path = wheel(
        tmp_path,
        "pkg-1-cp312-cp312-manylinux_2_17_x86_64.whl",
        {
            "pkg/__init__.py": "",
            "pkg/_speedups.cpython-312-x86_64-linux-gnu.so": "",
            "pkg/sub/_core.abi3.so": "",
            "top.cpython-312-x86_64-linux-gnu.so": "",
            "pkg.libs/libz-0123abcd.so": "",
            "pkg/_win.cp312-win_amd64.pyd": "",
        },
    )
    assert extension_modules(path) == ["pkg._speedups", "pkg._win", "pkg.sub._core", "top"]


@pytest.mark.parametrize(
    ("filename", "minor", "fits"),
    [
        ("p-1-py3-none-any.whl", "3.12", True),
        ("p-1-py2.py3-none-any.whl", "3.9", True),
        ("p-1-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", "3.12", True),
        ("p-1-cp312-cp312-manylinux_2_17_x86_64.whl", "3.11", False),
        ("p-1-cp39-abi3-manylinux_2_17_x86_64.whl", "3.13", True),  # PEP 384: newer Pythons
        ("p-1-cp313-abi3-manylinux_2_17_x86_64.whl", "3.12", False),
        ("p-1-cp312-cp312-win_amd64.whl", "3.12", False),  # another platform
        ("p-1-cp312-cp312-macosx_11_0_arm64.whl", "3.12", False),
    ],
)
def test_a_wheel_fits_the_pythons_of_this_machine_its_tags_name(
    filename: str, minor: str, fits: bool
) -> None:
    import platform

    if platform.machine() != "x86_64" or platform.system() != "Linux":
        pytest.skip("the tags above are this CI machine's (Linux x86-64)")
    assert wheel_fits(filename, minor) is fits


def test_an_abi3_violation_names_the_stable_abi_not_the_libraries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """abi3audit's refusal is one line naming the limited API, apart from
    auditwheel's refusals (which name the platform's libraries)."""
    from noxship.build import compiled
    from noxship.errors import ToolError

    def refuse(*args: object, **kwargs: object) -> str:
        raise ToolError(
            "abi3audit failed", "p.abi3.so uses PyUnicode_AsUTF8 (not abi3 until 3.10)\n"
        )

    monkeypatch.setattr(compiled, "_tool", refuse)
    with pytest.raises(ToolError) as caught:
        compiled._abi3audit(tmp_path / "p-1-cp39-abi3-manylinux_2_17_x86_64.whl")
    message = str(caught.value)
    assert "uses more than the stable ABI (PEP 384)" in message
    assert "PyUnicode_AsUTF8" in message and "older system libraries" not in message
