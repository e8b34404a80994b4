"""One summary at the end of a chain: what was built, where it was tested, the
coverage, where it went, the tag, and what was skipped with why.

A release chain runs several Nox sessions in one process (``release_local`` is
``build``, ``test_wheel``, then the upload). Each step adds what it did to
:data:`SUMMARY` (the sessions: built, tested, docs; the release layer:
published, tagged, skipped); the chain's last session shows it once: in the
terminal, a table drawn with rich, and in GitHub Actions' job summary as
Markdown (the file named by ``GITHUB_STEP_SUMMARY``). The records are plain
values: this module imports nothing of noxship's stages.
"""

from __future__ import annotations

import dataclasses
import io

__all__ = ["SUMMARY", "Summary"]


@dataclasses.dataclass
class Summary:
    """What a chain did so far.

    Attributes:
        built: file name -> hex sha256 of each file in ``dist/``.
        tested: one row per Python: (version, number of tests that passed).
        coverage: the combined coverage line, ``None`` without coverage.
        published: one row per target: (name, files uploaded, files already
            there, the project's page on the target or its index URL).
        tag: the tag made, ``None`` when none.
        release_url: the GitLab or GitHub release, when one was made.
        skipped: one row per step or part left out: (what, why).
    """

    built: dict[str, str] = dataclasses.field(default_factory=dict)
    tested: list[tuple[str, int]] = dataclasses.field(default_factory=list)
    coverage: str | None = None
    published: list[tuple[str, int, int, str]] = dataclasses.field(default_factory=list)
    tag: str | None = None
    release_url: str | None = None
    skipped: list[tuple[str, str]] = dataclasses.field(default_factory=list)

    def empty(self) -> bool:
        """Whether nothing was recorded."""
        return not (self.built or self.tested or self.published or self.tag or self.skipped)

    def rows(self) -> list[tuple[str, str]]:
        """(step, what it did), in the order of the chain."""
        rows = [("built", f"{name}  sha256 {digest}") for name, digest in self.built.items()]
        rows += [
            ("tested", f"Python {python}: {count} test(s) passed") for python, count in self.tested
        ]
        if self.coverage:
            rows.append(("coverage", self.coverage.removeprefix("coverage: ")))
        for name, uploaded, there, url in self.published:
            rows.append(("published", f"{name}: {uploaded} uploaded, {there} already there; {url}"))
        if self.tag:
            rows.append(
                ("tagged", self.tag + (f"; {self.release_url}" if self.release_url else ""))
            )
        rows += [("skipped", f"{what}: {why}") for what, why in self.skipped]
        return rows

    def markdown(self, title: str) -> str:
        """The summary as a Markdown table (one row per line of :meth:`rows`)."""
        lines = [f"### {title}", "", "| step | what |", "|---|---|"]
        for step, text in self.rows():
            cell = text.replace("|", "\\|")
            lines.append(f"| {step} | {cell} |")
        return "\n".join(lines) + "\n"

    def terminal(self, title: str) -> str:
        """The summary as a table drawn with rich, for the terminal (plain text
        when the output is not a terminal)."""
        from rich.console import Console
        from rich.table import Table

        table = Table(title=title, show_lines=False)
        table.add_column("step", style="bold")
        table.add_column("what", overflow="fold")
        for step, text in self.rows():
            table.add_row(step, text)
        out = io.StringIO()
        Console(file=out, width=200, highlight=False).print(table)
        return out.getvalue()


SUMMARY = Summary()
"""The summary of this process's chain, filled by the sessions."""
