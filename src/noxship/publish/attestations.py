"""PEP 740 attestations: sign ``dist/`` with pypi-attestations, and upload each
file's attestation with it, as ``twine upload --attestations`` does.

When (``NOXSHIP_ATTESTATIONS``): ``auto`` (the default) attests with trusted
publishing to PyPI and TestPyPI, as gh-action-pypi-publish does by default;
``true`` attests every upload to PyPI and TestPyPI; ``false`` never. Only PyPI
and TestPyPI accept attestations (PEP 740; twine refuses them for other
indexes), so ``true`` for another target is refused before anything is signed.

Signing: ``pypi-attestations sign <files>`` (pinned, run by ``uv tool run``)
writes ``<file>.publish.attestation`` beside each file. It asks Sigstore for a
certificate with the CI's identity: on GitLab the ``id_tokens`` entry
``SIGSTORE_ID_TOKEN`` (``aud: sigstore``), on GitHub Actions the OIDC token of
a job with ``id-token: write`` (read by the ``id`` library). Only those
variables reach the signing tool: no index credential. Files that already
have an attestation in ``dist/`` are not signed again.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

from noxship._run import run, uv_binary
from noxship.build.dist import ATTESTATION, Distribution
from noxship.environment import clean_env
from noxship.errors import ConfigError
from noxship.publish.credentials import Credentials
from noxship.publish.targets import Target

__all__ = ["PYPI_ATTESTATIONS", "attestations_for"]

logger = logging.getLogger("noxship")

PYPI_ATTESTATIONS = "pypi-attestations==0.0.30"
"""The signing tool, pinned (PyPI, 2026-07)."""
_IDENTITY = ("SIGSTORE_ID_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
             "GITHUB_ACTIONS", "GITLAB_CI")  # fmt: skip
"""What the signing tool may see besides a clean environment: the CI identity."""


def _mode(environ: Mapping[str, str]) -> str:
    mode = environ.get("NOXSHIP_ATTESTATIONS", "auto").strip().lower() or "auto"
    if mode not in ("auto", "true", "false"):
        raise ConfigError(
            f"NOXSHIP_ATTESTATIONS={mode!r} is not auto, true or false: set one of them"
        )
    return mode


def _wanted(target: Target, credentials: Credentials, environ: Mapping[str, str]) -> bool:
    mode = _mode(environ)
    if mode == "true" and not target.is_pypi:
        raise ConfigError(
            f"attestations (PEP 740) are accepted only by PyPI and TestPyPI, not by target "
            f"{target.name}: set NOXSHIP_ATTESTATIONS=false for its job"
        )
    return target.is_pypi and (
        mode == "true" or (mode == "auto" and credentials.trusted_publishing)
    )


def _sign(paths: Sequence[Path], environ: Mapping[str, str]) -> None:
    identity = {k: environ[k] for k in _IDENTITY if environ.get(k)}
    if not identity.get("SIGSTORE_ID_TOKEN") and not identity.get("ACTIONS_ID_TOKEN_REQUEST_URL"):
        raise ConfigError(
            "signing attestations needs the CI's identity for Sigstore: on GitLab an id_tokens "
            "entry SIGSTORE_ID_TOKEN (aud: sigstore), on GitHub `permissions: id-token: write`"
            "; or set NOXSHIP_ATTESTATIONS=false"
        )
    logger.info("signing %d files with %s (Sigstore)", len(paths), PYPI_ATTESTATIONS)
    env = {**clean_env(), **identity}
    run([uv_binary(), "tool", "run", "--from", PYPI_ATTESTATIONS, "pypi-attestations", "sign",
         *paths], env=env, what="pypi-attestations sign")  # fmt: skip


def attestations_for(
    dists: Sequence[Distribution],
    target: Target,
    credentials: Credentials,
    environ: Mapping[str, str],
) -> dict[str, list[Path]]:
    """The attestation files to upload with each of ``dists`` (file name -> paths),
    signing those that have none; empty when ``target`` gets no attestations.

    Raises:
        ConfigError: ``NOXSHIP_ATTESTATIONS`` is invalid, asks for attestations
            on a target other than PyPI or TestPyPI, or the CI identity is missing.
        ToolError: the signing failed.
    """
    if not dists or not _wanted(target, credentials, environ):
        return {}
    unsigned = [d.path for d in dists if not Path(f"{d.path}{ATTESTATION}").is_file()]
    if unsigned:
        _sign(unsigned, environ)
    found = {d.filename: [Path(f"{d.path}{ATTESTATION}")] for d in dists}
    missing = [name for name, paths in found.items() if not paths[0].is_file()]
    if missing:
        raise ConfigError(f"no attestation was written for {', '.join(missing)}: sign them with "
                          f"{PYPI_ATTESTATIONS}, or set NOXSHIP_ATTESTATIONS=false")  # fmt: skip
    logger.info("uploading %d files to %s with their attestations (PEP 740)", len(found),
                target.name)  # fmt: skip
    return found
