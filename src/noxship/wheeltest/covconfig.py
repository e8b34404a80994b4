"""Print a project's coverage.py settings as JSON, read by coverage.py itself.

``test_wheel`` runs this file with the test venv's Python (where coverage.py
is installed): ``python covconfig.py <project root>``. It reads the first
configuration file coverage.py would read in that directory (``.coveragerc``,
``.coveragerc.toml``, ``setup.cfg``, ``tox.ini``, ``pyproject.toml``; coverage
docs, "Configuration reference"), with coverage.py's own reader, and imports
nothing from noxship.
"""

from __future__ import annotations

import json
import os
import sys

from coverage.config import CoverageConfig, config_files_to_try


def main(root: str) -> None:
    config = CoverageConfig()
    read_from = None
    for name, our_file, _ in config_files_to_try(True):
        path = os.path.join(root, name)
        if os.path.isfile(path) and config.from_file(path, lambda _msg: None, our_file=our_file):
            read_from = name
            break
    print(
        json.dumps(
            {
                "file": read_from,
                "branch": config.branch,
                "omit": list(config.run_omit or []),
                "report_omit": list(config.report_omit or []),
                "plugins": list(config.plugins),
                "exclude_lines": list(config.exclude_list),
                "exclude_also": list(config.exclude_also),
                "partial_branches": list(config.partial_list),
                "partial_also": list(config.partial_also),
                "fail_under": config.fail_under,
                "precision": config.precision,
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1])
