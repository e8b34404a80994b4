"""What a release was tested with, for whoever must reproduce a test run.

Once the wheel is installed, while the tests run (also when they fail: the
record then helps to reproduce the failure), ``test_wheel`` records, per
Python, in ``build/reports/``:

- ``tested-with-py3.X.txt``: every distribution installed in the test venv with
  its exact version, as ``uv pip freeze`` lists it (requirements-file format:
  ``uv pip install -r`` puts the same venv back);
- ``tested-with-py3.X.md``: the interpreter (version, implementation, platform),
  the same list, and the tree of the wheel's runtime dependencies from
  pipdeptree (``--python`` inspects the test venv from outside), as text and as
  a Mermaid flowchart, which GitLab and GitHub render in Markdown. pipdeptree
  runs pinned with ``uv tool run`` (:data:`PIPDEPTREE`), in an environment of its
  own: its dependencies never become noxship's.

The Markdown goes to GitHub's job summary, and the tag step adds every Python's
to the release notes ("Tested with").
"""

from __future__ import annotations

import json
import logging
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from noxship._run import run, uv_binary, uv_tool
from noxship.errors import ToolError

__all__ = ["TESTED_WITH", "record_tested_with", "start_recording", "tested_with_notes"]

logger = logging.getLogger("noxship")

TESTED_WITH = "tested-with-py3.*.md"
"""The pattern of the Markdown records in ``build/reports/``."""

PIPDEPTREE = "pipdeptree==4.2.16"
"""The pipdeptree that draws the tree (its ``-o mermaid`` output)."""

_INTERPRETER = (
    "import json, platform, sys; print(json.dumps({'version': platform.python_version(), "
    "'implementation': platform.python_implementation(), 'platform': platform.platform(), "
    "'machine': platform.machine(), 'executable': sys.executable}))"
)


def _tree(python: Path, dist: str, output: str) -> str:
    """pipdeptree's ``output`` for ``dist`` in the venv of ``python``: from uv's
    cache when the pinned pipdeptree is there (``--offline``), else fetched."""
    tool = uv_tool(PIPDEPTREE)
    args = ["--python", str(python), "-p", dist, "-o", output]
    try:
        out = run([uv_binary(), "--offline", *tool, *args], capture=True, show_failure=False)
    except ToolError:
        out = run([uv_binary(), *tool, *args], capture=True, what="pipdeptree")
    return out.strip()


def record_tested_with(python: Path, dist: str, reports: Path, tag: str) -> Path | None:
    """Write what the test venv of ``python`` held when the tests passed.

    Args:
        python: the test venv's interpreter.
        dist: the wheel's distribution name (the root of the tree).
        reports: the directory of the reports (``build/reports``).
        tag: ``py3.X``, the Python's part of the file names.

    Returns:
        The Markdown record; ``None`` when a tool could not tell (logged as a
        warning: a missing record never fails a release).
    """
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="noxship-tree") as pool:
        text = pool.submit(_tree, python, dist, "text")
        mermaid = pool.submit(_tree, python, dist, "mermaid")
        try:
            interpreter = json.loads(run([python, "-c", _INTERPRETER], capture=True).strip())
            freeze = run(
                [uv_binary(), "pip", "freeze", "--quiet", "--python", python],
                capture=True,
                what="uv pip freeze",
            ).strip()
            drawn, tree = mermaid.result(), text.result()
        except (ToolError, ValueError) as exc:
            logger.warning("cannot record what the tests ran with on %s: %s", tag, exc)
            return None
    (reports / f"tested-with-{tag}.txt").write_text(freeze + "\n", encoding="utf-8")
    path = reports / f"tested-with-{tag}.md"
    path.write_text(
        f"### Tested with Python {interpreter['version']} "
        f"({interpreter['implementation']}, {interpreter['platform']})\n\n"
        f"The runtime dependencies of {dist}:\n\n```mermaid\n{drawn}\n```\n\n"
        f"```text\n{tree}\n```\n\n"
        f"<details><summary>Everything installed in the test venv</summary>\n\n"
        f"```text\n{freeze}\n```\n\n</details>\n",
        encoding="utf-8",
    )
    logger.info("tested with: %s", path)
    return path


def start_recording(python: Path, dist: str, reports: Path, tag: str) -> Future[Path | None]:
    """:func:`record_tested_with` in a background thread (pipdeptree takes about
    half a second): the tests run meanwhile."""
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="noxship-tested-with")
    future = pool.submit(record_tested_with, python, dist, reports, tag)
    pool.shutdown(wait=False)
    return future


def tested_with_notes(reports: Path) -> str:
    """The "Tested with" section of the release notes: every Python's record in
    ``reports`` and its subdirectories (a compiled project's platforms each
    bring theirs: ``reports/reports-<runner>/``), "" when there is none (the
    test jobs' reports did not reach this job)."""
    records = sorted(reports.rglob(TESTED_WITH))
    if not records:
        return ""
    return "## Tested with\n\n" + "\n".join(p.read_text(encoding="utf-8") for p in records)
