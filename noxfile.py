"""noxship's own release pipeline: noxship's sessions, dogfooded, and the session
that writes the hashed requirements its CI jobs install from."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import nox

import noxship.sessions  # noqa: F401  (registers lint, tests, build, test_wheel, publish, release_*)

REQUIREMENTS = Path(__file__).parent / "requirements"
LOCK_FILES = {
    "noxship.txt": "requirements/noxship.txt",
    "uv.txt": "requirements/uv.txt",
    "attestations.txt": "src/noxship/publish/attestations.txt",
}
"""Where each hashed lock lives (the attestation tool's is package data)."""


def lock_commands(exclude_newer: str) -> dict[str, list[str]]:
    """The ``uv pip compile`` command line of each file in ``requirements/``.

    ``--exclude-newer`` makes each run give the same file until the date is
    moved (uv docs, "Resolution: reproducible resolutions").
    """
    from noxship._run import uv_binary

    uv = uv_binary()
    common = ["--universal", "--generate-hashes", "--python-version", "3.11"]
    # --upgrade: the output file's pins are not kept as preferences, so the result
    # depends on the date alone (what the test compares in a fresh file).
    common += ["--exclude-newer", exclude_newer, "--upgrade", "--quiet"]
    return {
        "noxship.txt": [uv, "pip", "compile", "pyproject.toml", *common],
        "uv.txt": [uv, "pip", "compile", "requirements/uv.in", *common],
        # The attestation tool, installed with --require-hashes by noxship's publish.
        "attestations.txt": [uv, "pip", "compile", "requirements/attestations.in", *common],
    }


def locked_date() -> str:
    """The ``--exclude-newer`` date the files in ``requirements/`` were made with."""
    header = (REQUIREMENTS / "noxship.txt").read_text(encoding="utf-8")
    found = re.search(r"--exclude-newer (\S+)", header)
    return found.group(1) if found else ""


@nox.session(venv_backend="none", default=False)
def lock(session: nox.Session) -> None:
    """Write requirements/noxship.txt and uv.txt: the hashed runtime dependencies
    that the CI jobs install (--require-hashes). ``-- --update`` moves the date."""
    date = locked_date()
    if "--update" in session.posargs or not date:
        date = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT00:00:00Z")
    commands = lock_commands(date)
    session.run(*commands["noxship.txt"], "-o", "requirements/noxship.txt", external=True)
    # uv.txt holds the uv that noxship.txt pins: pip installs it first, then uv the rest.
    pinned = re.search(r"^uv==\S+", (REQUIREMENTS / "noxship.txt").read_text(), re.M)
    assert pinned, "noxship depends on uv"
    (REQUIREMENTS / "uv.in").write_text(pinned.group(0) + "\n", encoding="utf-8")
    session.run(*commands["uv.txt"], "-o", "requirements/uv.txt", external=True)
    session.run(*commands["attestations.txt"], "-o", LOCK_FILES["attestations.txt"], external=True)
