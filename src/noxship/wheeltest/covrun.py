"""Run pytest under coverage.py with settings given through coverage's API.

``test_wheel`` runs this file with the test venv's Python:
``python covrun.py <settings.json> <data file> <pytest arguments>...``. The
settings are the project's, as coverage.py read them (:mod:`.covconfig`),
mapped to the installed package; they are set with the public
``Coverage.set_option`` (coverage docs, "Coverage.py API"), so no pattern is
rewritten into a configuration file (where ``#`` starts a comment and ``%``
an interpolation). Coverage starts before pytest is imported, so the package's
import-time lines count, as under ``coverage run -m pytest``. The exit code is
pytest's.

It imports nothing from noxship and keeps to syntax that Python 3.7 reads.
"""

from __future__ import annotations

import json
import sys

import coverage

try:
    from coverage.exceptions import ConfigError
except ImportError:  # coverage < 6.2: every error is a CoverageException
    from coverage.misc import CoverageException as ConfigError  # type: ignore[assignment]

_UNKNOWN = (ConfigError, coverage.CoverageException)
"""What ``get_option``/``set_option`` raise for an option this coverage.py lacks."""


def configured(settings_file: str, data_file: str) -> coverage.Coverage:
    """A Coverage object with no configuration file and the settings of ``settings_file``."""
    with open(settings_file, encoding="utf-8") as f:
        settings = json.load(f)
    cov = coverage.Coverage(data_file=data_file, config_file=False)
    for name, value in settings.get("options", {}).items():
        try:
            cov.set_option(name, value)
        except _UNKNOWN:  # an option this coverage.py does not know
            continue
    if settings.get("paths"):
        cov.set_option("paths", settings["paths"])
    return cov


def main(settings_file: str, data_file: str, *args: str) -> int:
    cov = configured(settings_file, data_file)
    cov.start()
    import pytest

    try:
        code = int(pytest.main(list(args)))
    finally:
        cov.stop()
        cov.save()
    return code


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
