"""Combine coverage data files, give the total, then write the reports.

``test_wheel`` runs this file with a test venv's Python (where coverage.py is
installed), from the project's root:

- ``python covreport.py combine <settings.json> <reports dir> <verbose 0|1> <data file>...``
  combines the data (coverage.py's ``Coverage.combine``, with the ``[paths]``
  mapping of the settings) into ``<reports>/.coverage`` and prints
  ``{"saved": true}`` (noxship then starts the HTML report); prints the total as one
  line, ``{"total": <percent>}`` (after coverage.py's per-file table when
  verbose), and flushes it (no data at all prints ``{"total": null}`` and ends
  there); then writes ``coverage.json`` and ``coverage.xml`` from the combined
  data, the source files analysed once for the total and both reports;
- ``python covreport.py html <settings.json> <reports dir>`` writes ``htmlcov/``
  from the combined data;
- ``python covreport.py xml <run settings.json> <data file> <report.xml>`` writes
  one run's Cobertura XML (``coverage-py3.X.xml``: the installed package's paths),
  from that run's directory, after the run.

A report that cannot be written prints ``{"failed": <kind>, "error": <last
line>}`` and the process exits 1. noxship reads the total as soon as it is
printed; only the end of its process waits for the reports. The settings are set
through coverage's API (:mod:`.covrun`). It imports nothing from noxship.
"""

from __future__ import annotations

import io
import json
import os
import sys
from collections.abc import Callable

import coverage

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from covrun import configured  # type: ignore[import-not-found]


def _write(writers: dict[str, Callable[[], object]], file: str = "") -> int:
    failed = 0
    for kind, write in writers.items():
        try:
            write()
        except Exception as exc:  # one report's failure leaves the others to be written
            lines = str(exc).strip().splitlines() or [type(exc).__name__]
            failure = {"failed": kind, "error": lines[-1]}
            if file:
                failure["file"] = file
            print(json.dumps(failure), flush=True)
            failed = 1
    return failed


def main(mode: str, settings: str, reports: str, *rest: str) -> int:
    if mode == "xml":  # one run's report: the data file (in place of the reports
        # directory) and the report's path
        (out,) = rest
        cov = configured(settings, reports)
        cov.load()
        if not cov.get_data().measured_files():  # no data: noxship says so in one line
            return 0
        return _write({"xml": lambda: cov.xml_report(outfile=out)}, os.path.basename(out))
    cov = configured(settings, os.path.join(reports, ".coverage"))
    if mode == "html":
        cov.load()
        if not cov.get_data().measured_files():  # the total is null: no report to write
            return 0
        return _write({"html": lambda: cov.html_report(directory=os.path.join(reports, "htmlcov"))})
    if mode != "combine":
        raise SystemExit(f"covreport.py: unknown mode {mode!r}: use combine, html or xml")
    verbose, *data = rest
    cov.combine(list(data), keep=True)
    cov.save()
    print(json.dumps({"saved": True}), flush=True)  # the HTML report can start
    try:
        total = cov.report(file=sys.stdout if verbose == "1" else io.StringIO())
    except coverage.CoverageException as exc:  # "No data to report."
        sys.stderr.write(f"{exc}\n")
        total = None
    print(json.dumps({"total": total}), flush=True)
    if total is None:
        return 0
    return _write(
        {
            "json": lambda: cov.json_report(outfile=os.path.join(reports, "coverage.json")),
            "xml": lambda: cov.xml_report(outfile=os.path.join(reports, "coverage.xml")),
        }
    )


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
