"""GitHub's "Create a release" endpoint, faked on 127.0.0.1 (GitHub REST API docs,
"Releases": ``POST /repos/{owner}/{repo}/releases`` answers 201 with the release;
a tag that has a release already: 422 ``{"message": "Validation Failed",
"errors": [{"resource": "Release", "code": "already_exists", "field":
"tag_name"}]}``; a missing or wrong bearer token: 401)."""

from __future__ import annotations

import json
from typing import ClassVar

from tests.local_http import LocalHTTPServer, OwnedHandler


class FakeGitHub(LocalHTTPServer):
    """The fake API. ``releases``: tag -> the request body; ``token``: the one accepted."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token
        self.releases: dict[str, dict[str, object]] = {}

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


class _Handler(OwnedHandler):
    owner: ClassVar[FakeGitHub]

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
        if self.headers.get("Authorization") != f"Bearer {self.owner.token}":
            self.send_json(401, {"message": "Bad credentials"})
        elif not self.path.endswith("/releases"):
            self.send_json(404, {"message": "Not Found"})
        elif body.get("tag_name") in self.owner.releases:
            self.send_json(
                422,
                {
                    "message": "Validation Failed",
                    "errors": [
                        {"resource": "Release", "code": "already_exists", "field": "tag_name"}
                    ],
                },
            )
        else:
            self.owner.releases[str(body["tag_name"])] = body
            self.send_json(201, {"id": len(self.owner.releases), **body})


FakeGitHub.handler = _Handler
