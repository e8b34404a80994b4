"""Combine coverage data files and write the reports.

``test_wheel`` runs this file with a test venv's Python (where coverage.py is
installed), from the project's root:

- ``python covreport.py combine <rcfile> <reports dir> <verbose 0|1> <data file>...``
  combines the data (coverage.py's ``Coverage.combine``, ``[paths]`` from the
  rcfile) into ``<reports>/.coverage`` and prints the total as its last line,
  ``{"total": <percent>}`` (after coverage.py's per-file table when verbose);
- ``python covreport.py write <rcfile> <reports dir>`` writes ``coverage.json``,
  ``coverage.xml`` and ``htmlcov/`` from that combined data (noxship runs it in
  the background: only the end of the process waits for it).

It imports nothing from noxship.
"""

from __future__ import annotations

import io
import json
import os
import sys

import coverage


def main(mode: str, rcfile: str, reports: str, *rest: str) -> None:
    cov = coverage.Coverage(data_file=os.path.join(reports, ".coverage"), config_file=rcfile)
    if mode == "write":
        cov.load()
        cov.json_report(outfile=os.path.join(reports, "coverage.json"))
        cov.xml_report(outfile=os.path.join(reports, "coverage.xml"))
        cov.html_report(directory=os.path.join(reports, "htmlcov"))
        return
    verbose, *data = rest
    cov.combine(list(data), keep=True)
    cov.save()
    total = cov.report(file=sys.stdout if verbose == "1" else io.StringIO())
    print(json.dumps({"total": total}))


if __name__ == "__main__":
    main(*sys.argv[1:])
