"""Combine coverage data files and write the reports.

``test_wheel`` runs this file with a test venv's Python (where coverage.py is
installed), from the project's root:

- ``python covreport.py combine <settings.json> <reports dir> <verbose 0|1> <data file>...``
  combines the data (coverage.py's ``Coverage.combine``, with the ``[paths]``
  mapping of the settings) into ``<reports>/.coverage`` and prints the total as
  its last line, ``{"total": <percent>}`` (after coverage.py's per-file table
  when verbose); no data at all prints ``{"total": null}``;
- ``python covreport.py write <settings.json> <reports dir>`` writes
  ``coverage.json``, ``coverage.xml`` and ``htmlcov/`` from that combined data
  (noxship runs it in the background: only the end of the process waits for it).

The settings are set through coverage's API (:mod:`.covrun`). It imports
nothing from noxship.
"""

from __future__ import annotations

import io
import json
import os
import sys

import coverage

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from covrun import configured  # type: ignore[import-not-found]


def main(mode: str, settings: str, reports: str, *rest: str) -> None:
    cov = configured(settings, os.path.join(reports, ".coverage"))
    if mode == "write":  # rest: the reports to write (json, xml, html), default all
        cov.load()
        kinds = rest or ("json", "xml", "html")
        if "json" in kinds:
            cov.json_report(outfile=os.path.join(reports, "coverage.json"))
        if "xml" in kinds:
            cov.xml_report(outfile=os.path.join(reports, "coverage.xml"))
        if "html" in kinds:
            cov.html_report(directory=os.path.join(reports, "htmlcov"))
        return
    verbose, *data = rest
    cov.combine(list(data), keep=True)
    cov.save()
    try:
        total = cov.report(file=sys.stdout if verbose == "1" else io.StringIO())
    except coverage.CoverageException as exc:  # "No data to report."
        sys.stderr.write(f"{exc}\n")
        total = None
    print(json.dumps({"total": total}))


if __name__ == "__main__":
    main(*sys.argv[1:])
