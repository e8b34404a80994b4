"""M5 of the 2026-12-03 security review: the attestation tool installs from a hashed
lock, without the job's index settings, and holds one credential: a token for the
sigstore audience, never GitHub's OIDC request token."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from noxship.publish import attestations

REQUEST_TOKEN = "SENTINEL-request-token-5f1c"
SIGSTORE = "SENTINEL-sigstore-aud-token-9b2e"


def test_the_tool_gets_a_sigstore_token_and_nothing_else(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    calls: list[tuple[list[str], dict[str, str]]] = []

    def record(argv: Sequence[object], *, env: Mapping[str, str], **_: object) -> str:
        calls.append(([str(a) for a in argv], dict(env)))
        return ""

    import id as id_library

    monkeypatch.setattr(attestations, "run", record)
    monkeypatch.setattr(
        id_library,
        "detect_credential",
        lambda audience: SIGSTORE if audience == "sigstore" else "wrong-audience",
    )
    monkeypatch.setenv("UV_INDEX_URL", "http://127.0.0.1:9/simple/")
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple/")
    monkeypatch.setenv("ACTIONS_ID_TOKEN_REQUEST_TOKEN", REQUEST_TOKEN)
    github = {
        "GITHUB_ACTIONS": "true",
        "ACTIONS_ID_TOKEN_REQUEST_URL": "http://127.0.0.1:9/t",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN": REQUEST_TOKEN,
    }
    attestations._sign([tmp_path / "x-1.0.tar.gz"], github)
    install = next(argv for argv, _ in calls if "install" in argv)
    assert "--require-hashes" in install and str(attestations.LOCK) in install
    assert attestations.LOCK.is_file() and "--hash=sha256:" in attestations.LOCK.read_text()
    for argv, env in calls:
        assert REQUEST_TOKEN not in " ".join([*argv, *env.values()])
        assert "UV_INDEX_URL" not in env and "PIP_INDEX_URL" not in env
        assert env["UV_DEFAULT_INDEX"] == attestations.PUBLIC_INDEX
    sign_argv, sign_env = calls[-1]
    assert sign_argv[1] == "sign" and sign_env["SIGSTORE_ID_TOKEN"] == SIGSTORE
    assert not any(k.startswith("ACTIONS_") for k in sign_env)
