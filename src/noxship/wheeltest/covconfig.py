"""Print a project's coverage.py settings as JSON, read by coverage.py itself.

``test_wheel`` runs this file with the test venv's Python (where coverage.py
is installed), from the project's root: ``python covconfig.py <data file>``.
coverage.py reads the configuration file it would read there (``.coveragerc``,
``setup.cfg``, ``tox.ini``, ``pyproject.toml``; coverage docs, "Configuration
reference"), loads the plugins it names and lets them configure it (covdefaults
sets ``source``, its pragmas and ``fail_under``), and the effective settings are
read with the public ``Coverage.get_option`` (coverage docs, "Coverage.py API").
An option the installed coverage.py does not know (``exclude_also`` before 7.2,
``partial_also`` before 7.6) is left out. A plugin that cannot be imported is
named in ``"missing_plugins"`` and the rest is read without it.

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

OPTIONS = (
    "run:branch",
    "run:source",
    "run:source_pkgs",
    "run:omit",
    "run:include",
    "run:plugins",
    "report:omit",
    "report:include",
    "report:exclude_lines",
    "report:exclude_also",
    "report:partial_branches",
    "report:partial_also",
    "report:fail_under",
    "report:precision",
)


def _read(data_file: str, plugins: bool) -> coverage.Coverage:
    cov = coverage.Coverage(data_file=data_file, config_file=True)
    if not plugins:
        cov.set_option("run:plugins", [])
    cov.load()  # loads the plugins, which configure coverage (coverage docs, "Plug-in classes")
    return cov


def main(data_file: str) -> None:
    missing = []
    try:
        cov = _read(data_file, True)
    except (ImportError, *_UNKNOWN) as exc:  # the plugin's, or PluginError
        cov = coverage.Coverage(data_file=data_file, config_file=True)
        missing = [str(p) for p in cov.get_option("run:plugins") or []]  # type: ignore[union-attr]
        if not missing:
            raise
        sys.stderr.write("coverage plugin(s) {} not loaded: {}\n".format(", ".join(missing), exc))
        cov = _read(data_file, False)
    options = {}
    for name in OPTIONS:
        try:
            options[name] = cov.get_option(name)
        except _UNKNOWN:  # unknown in this version of coverage.py
            continue
    config = getattr(cov, "config", None)
    print(
        json.dumps(
            {
                "file": getattr(config, "config_file", None),
                "version": coverage.__version__,
                "missing_plugins": missing,
                "options": options,
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1])
