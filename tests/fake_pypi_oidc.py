"""PyPI's trusted-publishing endpoints in front of a real index, on 127.0.0.1.

Behaviour, as PyPI documents and warehouse implements it (``warehouse/oidc/views.py``):

- ``GET /_/oidc/audience``: ``{"audience": "<audience>"}``.
- ``POST /_/oidc/mint-token`` with ``{"token": <JWT>}``: 200 with
  ``{"success": true, "token": "pypi-…"}``; a token whose ``jti`` was already
  exchanged: 422 ``{"message": "Token request failed", "errors": [{"code":
  "invalid-reuse-token", "description": "invalid token: already used"}]}``; a
  body that is not JSON with a string ``token``: 422 ``invalid-payload``; a JWT
  for another audience: 422 ``invalid-token`` (warehouse verifies ``aud``).
- An upload (``POST``) is authenticated with ``__token__`` and a minted token
  (PyPI's upload API); the fake swaps it for the real index's credentials and
  forwards it through :class:`~tests.fault_proxy.FaultProxy`, so its faults
  apply. Any other password is answered 403, as PyPI answers a bad token.
- An upload's ``attestations`` form field (PEP 740; twine sends it as a JSON
  list) is recorded per file, after checking that it is a JSON list of objects;
  one that is not is answered 400, as PyPI answers a malformed attestation.
"""

from __future__ import annotations

import base64
import io
import json
import secrets
import threading
from typing import ClassVar

from noxship.publish.credentials import Credentials
from tests.fault_proxy import FaultProxy, _Handler


class FakeTrustedPublishing(FaultProxy):
    """The fake, as a context manager.

    Args:
        upstream: the real index's base URL.
        upstream_credentials: what the real index accepts.
        audience: the audience the ID tokens must carry.

    Attributes:
        mints: the ``jti`` of every exchange asked for, in order (refused ones too).
        minted: the API tokens handed out.
        upload_tokens: the password of every upload, in order.
    """

    def __init__(self, upstream: str, upstream_credentials: Credentials, audience: str) -> None:
        super().__init__(upstream)
        assert upstream_credentials.password is not None
        pair = f"{upstream_credentials.username}:{upstream_credentials.password.reveal()}"
        self.upstream_auth = "Basic " + base64.b64encode(pair.encode()).decode()
        self.audience = audience
        self.mints: list[str] = []
        self.minted: list[str] = []
        self.upload_tokens: list[str] = []
        self.attestations: dict[str, object] = {}
        self.seen_jti: set[str] = set()
        self.oidc_lock = threading.Lock()


def _claims(token: str) -> dict[str, object]:
    import jwt

    return dict(jwt.decode(token, options={"verify_signature": False}))


class _OIDCHandler(_Handler):
    owner: ClassVar[FakeTrustedPublishing]

    def do_GET(self) -> None:
        if self.path == "/_/oidc/audience":
            self._json(200, {"audience": self.owner.audience})
            return
        super().do_GET()

    def do_POST(self) -> None:
        if self.path == "/_/oidc/mint-token":
            self._mint()
            return
        password = self._password()
        self.owner.upload_tokens.append(password)
        if password not in self.owner.minted:
            length = int(self.headers.get("Content-Length", "0"))
            self.rfile.read(length)
            self._answer(403, b"Invalid or non-existent authentication information.\n")
            return
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if not self._record_attestations(body):
            self._answer(400, b"Invalid attestations supplied during upload\n")
            return
        self.rfile = io.BytesIO(body)  # the proxy reads the upload again
        self.headers.replace_header("Authorization", self.owner.upstream_auth)
        super().do_POST()

    def _record_attestations(self, body: bytes) -> bool:
        from requests_toolbelt.multipart.decoder import (  # type: ignore[import-untyped]
            MultipartDecoder,
        )

        fields: dict[str, bytes] = {}
        for part in MultipartDecoder(body, self.headers["Content-Type"]).parts:
            disposition = part.headers.get(b"Content-Disposition", b"").decode()
            name = disposition.split('name="', 1)[-1].split('"', 1)[0]
            if name in ("attestations", "content"):
                fields[name] = part.content if name == "attestations" else disposition.encode()
        if "attestations" not in fields:
            return True
        try:
            value = json.loads(fields["attestations"])
        except ValueError:
            return False
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            return False
        filename = fields["content"].decode().split('filename="', 1)[-1].split('"', 1)[0]
        self.owner.attestations[filename] = value
        return True

    def _password(self) -> str:
        value = self.headers.get("Authorization", "")
        if not value.startswith("Basic "):
            return ""
        user, _, password = base64.b64decode(value[6:]).decode().partition(":")
        return password if user == "__token__" else ""

    def _json(self, status: int, payload: object) -> None:
        self._answer(status, json.dumps(payload).encode(), [("Content-Type", "application/json")])

    def _invalid(self, code: str, description: str) -> None:
        self._json(422, {"message": "Token request failed",
                         "errors": [{"code": code, "description": description}]})  # fmt: skip

    def _mint(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        try:
            token = json.loads(body)["token"]
            assert isinstance(token, str)
            claims = _claims(token)
        except (ValueError, KeyError, TypeError, AssertionError):
            self._invalid("invalid-payload", 'body is not {"token": <JWT>}')
            return
        jti = str(claims.get("jti", ""))
        with self.owner.oidc_lock:
            self.owner.mints.append(jti)
            if claims.get("aud") != self.owner.audience:
                self._invalid("invalid-token", "malformed or invalid token")
                return
            if jti in self.owner.seen_jti:
                self._invalid("invalid-reuse-token", "invalid token: already used")
                return
            self.owner.seen_jti.add(jti)
            minted = "pypi-" + secrets.token_urlsafe(24)
            self.owner.minted.append(minted)
        self._json(200, {"success": True, "token": minted})


FakeTrustedPublishing.handler = _OIDCHandler


def gitlab_id_token(audience: str, **claims: object) -> str:
    """A GitLab-shaped ID token (GitLab docs, "ID token authentication"), signed
    with a throw-away key: the fake, like noxship, reads it without verifying."""
    import uuid

    import jwt

    payload = {"iss": "https://gitlab.com", "aud": audience, "jti": str(uuid.uuid4()),
               "project_path": "acme/good", "namespace_path": "acme", "ref": "main",
               "ref_type": "branch", "sub": "project_path:acme/good:ref_type:branch:ref:main",
               **claims}  # fmt: skip
    return jwt.encode(payload, secrets.token_hex(32), algorithm="HS256")
