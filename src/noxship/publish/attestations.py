"""PEP 740 attestations: sign ``dist/`` with pypi-attestations, and upload each
file's attestation with it, as ``twine upload --attestations`` does.

When (``NOXSHIP_ATTESTATIONS``): ``auto`` (the default) attests with trusted
publishing to PyPI and TestPyPI, as gh-action-pypi-publish does by default;
``true`` attests every upload to PyPI and TestPyPI; ``false`` never. Only PyPI
and TestPyPI accept attestations (PEP 740; twine refuses them for other
indexes), so ``true`` for another target is refused before anything is signed.

Signing: ``pypi-attestations sign <files>`` writes ``<file>.publish.attestation``
beside each file. The tool and its dependencies install into a throw-away venv
from a hashed lock shipped with noxship (``attestations.txt``, written by
noxship's ``nox -s lock``; uv ``--require-hashes``), from PyPI alone: no pip or
uv index setting of the job reaches that install or the tool. It asks Sigstore
for a certificate with the CI's identity, and gets exactly one credential: a
token for the ``sigstore`` audience. On GitLab that is the ``id_tokens`` entry
``SIGSTORE_ID_TOKEN`` (``aud: sigstore``); on GitHub Actions noxship requests
it itself (the ``id`` library) and hands it over the same way
(``SIGSTORE_ID_TOKEN``, read by the tool's ``id`` library as on GitLab), so the
tool never holds GitHub's OIDC request token, which could mint a token for
PyPI's audience. Files that already have an attestation in ``dist/`` are not
signed again.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from noxship._run import run, uv_binary, venv_python
from noxship.build.dist import ATTESTATION, Distribution
from noxship.environment import clean_env, without_index_settings
from noxship.errors import ConfigError, CredentialsError
from noxship.publish.credentials import Credentials
from noxship.publish.targets import Target

__all__ = ["PYPI_ATTESTATIONS", "attestations_for"]

logger = logging.getLogger("noxship")

PYPI_ATTESTATIONS = "pypi-attestations==0.0.30"
"""The signing tool, pinned (PyPI, 2026-07); its whole tree is in :data:`LOCK`."""
LOCK = Path(__file__).with_name("attestations.txt")
"""The hashed lock of the signing tool (``uv pip compile --generate-hashes``)."""
PUBLIC_INDEX = "https://pypi.org/simple/"
"""Where the signing tool comes from (PyPI's simple API)."""


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


def _sigstore_token(environ: Mapping[str, str]) -> str:
    """The one credential the signing tool gets: an ID token for Sigstore's audience."""
    if environ.get("SIGSTORE_ID_TOKEN"):
        return environ["SIGSTORE_ID_TOKEN"]
    if environ.get("ACTIONS_ID_TOKEN_REQUEST_URL") and environ.get(
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN"
    ):
        from id import IdentityError, detect_credential

        try:
            token = detect_credential("sigstore")
        except IdentityError as exc:
            raise CredentialsError(
                f"GitHub Actions gave no ID token for Sigstore ({exc}): give the job "
                "`permissions: id-token: write`, or set NOXSHIP_ATTESTATIONS=false"
            ) from None
        if token:
            return token
    raise ConfigError(
        "signing attestations needs the CI's identity for Sigstore: on GitLab an id_tokens "
        "entry SIGSTORE_ID_TOKEN (aud: sigstore), on GitHub `permissions: id-token: write`"
        "; or set NOXSHIP_ATTESTATIONS=false"
    )


def _tool(tmp: Path, env: Mapping[str, str]) -> Path:
    """Install the signing tool from its hashed lock into a venv in ``tmp``."""
    venv = tmp / "pypi-attestations"
    uv = uv_binary()
    run([uv, "venv", "--quiet", venv], env=env, capture=True, what="uv venv")
    run(
        [
            uv,
            "pip",
            "install",
            "--quiet",
            "--python",
            venv_python(venv),
            "--require-hashes",
            "-r",
            LOCK,
        ],
        env=env,
        capture=True,
        what=f"installing {PYPI_ATTESTATIONS}",
    )
    return venv_python(venv).with_name("pypi-attestations")


def _sign(paths: Sequence[Path], environ: Mapping[str, str]) -> None:
    token = _sigstore_token(environ)
    logger.info("signing %d files with %s (Sigstore)", len(paths), PYPI_ATTESTATIONS)
    env = without_index_settings(clean_env())
    env["UV_DEFAULT_INDEX"] = PUBLIC_INDEX
    with tempfile.TemporaryDirectory(prefix="noxship-attest-") as tmp:
        tool = _tool(Path(tmp), env)
        # The id library reads an audience's token from <AUDIENCE>_ID_TOKEN on GitLab.
        identity = {"GITLAB_CI": "true", "SIGSTORE_ID_TOKEN": token}
        run([tool, "sign", *paths], env={**env, **identity}, what="pypi-attestations sign")


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
        raise ConfigError(
            f"no attestation was written for {', '.join(missing)}: sign them with "
            f"{PYPI_ATTESTATIONS}, or set NOXSHIP_ATTESTATIONS=false"
        )
    logger.info(
        "uploading %d files to %s with their attestations (PEP 740)", len(found), target.name
    )
    return found
