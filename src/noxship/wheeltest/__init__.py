"""Test the built wheel: the project's suite in a fresh venv per Python, against
the installed wheel only.

Owns: the run (:mod:`.runner`), the interpreters (:mod:`.interpreters`), the
test venvs made while the build runs (:mod:`.prepare`), the guard plugin copied
into each run (:mod:`.guard`; it imports nothing from noxship), coverage as the
project configures it (:mod:`.cover`, :mod:`.covconfig`), the diagnosis of what
the wheel misses (:mod:`.diagnosis`) and the docs built against the wheel
(:mod:`.docs`).
May import: :mod:`noxship.build`, :mod:`noxship.project`, the base modules
and libraries; nothing from publish or release.
"""

from __future__ import annotations

from noxship.wheeltest.diagnosis import missing_from_wheel
from noxship.wheeltest.docs import build_docs
from noxship.wheeltest.interpreters import Interpreter, find_interpreters
from noxship.wheeltest.prepare import prepare_venvs
from noxship.wheeltest.runner import WheelTestResult, combine_reports, find_wheel, run_wheel_tests

__all__ = [
    "Interpreter",
    "WheelTestResult",
    "build_docs",
    "combine_reports",
    "find_interpreters",
    "find_wheel",
    "missing_from_wheel",
    "prepare_venvs",
    "run_wheel_tests",
]
