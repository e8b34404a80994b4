"""Combine coverage data files and write the reports, in one process.

``test_wheel`` runs this file with a test venv's Python (where coverage.py is
installed), from the project's root: ``python covreport.py <rcfile> <reports
dir> <verbose 0|1> <data file>...``. It combines the data (coverage.py's
``Coverage.combine``, ``[paths]`` from the rcfile), writes ``.coverage``,
``coverage.json``, ``coverage.xml`` and ``htmlcov/`` in the reports directory,
and imports nothing from noxship: one interpreter start instead of four.
"""

from __future__ import annotations

import os
import sys

import coverage


def main(rcfile: str, reports: str, verbose: str, *data: str) -> None:
    cov = coverage.Coverage(data_file=os.path.join(reports, ".coverage"), config_file=rcfile)
    cov.combine(list(data), keep=True)
    cov.save()
    cov.json_report(outfile=os.path.join(reports, "coverage.json"))
    cov.xml_report(outfile=os.path.join(reports, "coverage.xml"))
    cov.html_report(directory=os.path.join(reports, "htmlcov"))
    if verbose == "1":
        cov.report()


if __name__ == "__main__":
    main(*sys.argv[1:])
