"""A fake of the parts of GitLab's HTTP API that noxship uses, on 127.0.0.1.

A GitLab instance cannot run here, so the tests drive real twine, real pip and
real python-gitlab against this server. It follows GitLab's documentation;
each behaviour names its source:

- [PYPI-API] "PyPI API" (``doc/api/packages/pypi.md``): ``POST
  /projects/:id/packages/pypi`` is the twine upload endpoint (multipart form,
  ``:action=file_upload``, fields ``name``, ``version``, ``content``,
  ``sha256_digest``; answers 201 Created); ``GET
  /projects/:id/packages/pypi/simple/:package_name`` returns the package
  descriptor as HTML with links ``files/<sha256>/<file>#sha256=<sha256>``;
  ``GET /projects/:id/packages/pypi/files/:sha256/:file_identifier`` downloads.
- [PYPI-AUTH] "PyPI packages in the package registry": these endpoints do not
  take the standard API headers but HTTP Basic auth, with a personal or
  project access token (any user name), a deploy token (its user name), or the
  job token (user ``gitlab-ci-token``). A request without valid credentials
  gets 401 with ``WWW-Authenticate: Basic realm="GitLab Packages Registry"``.
- [DUPLICATE] "PyPI packages in the package registry", "Publish a PyPI
  package": uploading a file whose name the package version already holds
  answers 400 Bad Request (seen as "400 Bad Request" by twine).
- [PACKAGES-API] "Packages API" (``doc/api/packages.md``): ``GET
  /projects/:id/packages`` with ``package_type``, ``package_name`` ("Filter
  the project packages with a fuzzy search by name": GitLab's
  ``Gitlab::SQL::Pattern.fuzzy_search``, ``lib/gitlab/sql/pattern.rb``, matches
  ``ILIKE '%term%'`` when the term has at least 3 characters and ``ILIKE
  'term'`` below that; see :func:`fuzzy_match`),
  ``package_version``, ``page``, ``per_page``; ``GET
  /projects/:id/packages/:package_id/package_files`` lists ``file_name``,
  ``size``, ``file_md5``, ``file_sha1``, ``file_sha256``. Paginated with the
  ``X-Page``, ``X-Per-Page``, ``X-Total``, ``X-Next-Page`` headers
  ("REST API: Pagination").
- [REST-AUTH] "REST API authentication": a personal/project access token in
  the ``PRIVATE-TOKEN`` header, a job token in the ``JOB-TOKEN`` header;
  invalid or missing credentials answer ``401 {"message": "401
  Unauthorized"}``. Deploy tokens cannot call the REST API (only the
  registries), so they get 401 here too.
- [RELEASES-API] "Releases API" (``doc/api/releases/index.md``): ``POST
  /projects/:id/releases`` with ``tag_name`` (required), ``ref`` (required when
  the tag does not exist: it creates the tag), ``name``, ``description``,
  ``assets:links``; answers 201 with the release; 409 ``Release already
  exists`` when the tag has one; 422 ``Ref is not specified`` when the tag is
  new and no ``ref`` is given; ``GET /projects/:id/releases/:tag_name`` shows
  one (404 when there is none). "CI/CD job token": the job token may call all
  Releases API endpoints.

- [FORWARDING] "Package request forwarding" (``pypi_package_requests_forwarding``,
  an instance setting, on by default): when the registry holds no package of
  the requested name, ``GET .../pypi/simple/:package_name`` redirects to
  ``https://pypi.org/simple/<name>/`` (``lib/api/helpers/packages/
  dependency_proxy_helpers.rb``, ``redirect_registry_request``: Grape's
  ``redirect``, 302 for a GET). Off here unless ``forwarding`` names the index
  to forward to (PyPI's, or a stand-in), so that the tests never reach PyPI.

Everything else answers 404 ``{"message": "404 Not Found"}``.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import html
import json
import re
import threading
from typing import Any, ClassVar
from urllib.parse import parse_qs, unquote, urlsplit

from packaging.utils import canonicalize_name
from requests_toolbelt.multipart.decoder import (  # type: ignore[import-untyped]
    MultipartDecoder,
)

from tests.local_http import LocalHTTPServer, OwnedHandler

JOB_TOKEN_USER = "gitlab-ci-token"
MIN_CHARS_FOR_PARTIAL_MATCHING = 3  # lib/gitlab/sql/pattern.rb


def fuzzy_match(term: str, name: str) -> bool:
    """GitLab's fuzzy name filter ([PACKAGES-API]): case-insensitive; a substring
    match for terms of 3 or more characters, an exact match for shorter ones."""
    term, name = term.lower(), name.lower()
    if len(term) >= MIN_CHARS_FOR_PARTIAL_MATCHING:
        return term in name
    return term == name


@dataclasses.dataclass
class PackageFile:
    id: int
    file_name: str
    content: bytes
    sha256: str


@dataclasses.dataclass
class Package:
    id: int
    name: str
    version: str
    files: list[PackageFile] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Token:
    kind: str  # "personal", "job" or "deploy"
    username: str | None = None  # deploy tokens have their own user name


class FakeGitLab(LocalHTTPServer):
    """The fake instance with one project, as a context manager.

    Args:
        project_id: the numeric project id (``CI_PROJECT_ID``).
        forwarding: the simple index an unknown package's lookup is redirected to
            ([FORWARDING]; GitLab's is ``https://pypi.org/simple/``), or ``None``.

    Attributes:
        api_url: ``http://127.0.0.1:<port>/api/v4`` (``CI_API_V4_URL``).
        packages: the package registry's packages.
        releases: tag name -> the release as created.
        requests: (method, path, auth kind) of every request, for assertions.
    """

    def __init__(self, project_id: int = 1217, *, forwarding: str | None = None) -> None:
        self.project_id = project_id
        self.forwarding = forwarding
        self.tokens: dict[str, Token] = {}
        self.packages: list[Package] = []
        self.releases: dict[str, dict[str, Any]] = {}
        self.tags: dict[str, str] = {}
        self.fail_releases = 0
        """A fault of the tests' own: answer this many release creations with 500,
        as GitLab does when it fails (the Releases API's 5xx)."""
        self.requests: list[tuple[str, str, str]] = []
        self._ids = 0
        self._lock = threading.Lock()
        super().__init__()

    def add_token(self, value: str, kind: str, username: str | None = None) -> None:
        self.tokens[value] = Token(kind, username)

    def next_id(self) -> int:
        self._ids += 1
        return self._ids

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v4"

    @property
    def simple_url(self) -> str:
        return f"{self.api_url}/projects/{self.project_id}/packages/pypi/simple"

    def files(self) -> dict[str, list[str]]:
        """File name -> sha256 of every stored copy."""
        found: dict[str, list[str]] = {}
        for package in self.packages:
            for f in package.files:
                found.setdefault(f.file_name, []).append(f.sha256)
        return found


class _Handler(OwnedHandler):
    owner: ClassVar[FakeGitLab]

    @property
    def gitlab(self) -> FakeGitLab:
        return self.owner

    # -- answers -------------------------------------------------------------
    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, obj: Any, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(obj).encode(), headers=headers)

    def _message(self, status: int, message: str) -> None:
        self._json(status, {"message": message})

    # -- authentication ------------------------------------------------------
    def _basic(self) -> Token | None:
        """[PYPI-AUTH] HTTP Basic auth: user name checked for job and deploy tokens."""
        header = self.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return None
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return None
        token = self.gitlab.tokens.get(password)
        if token is None:
            return None
        if token.kind == "job" and user != JOB_TOKEN_USER:
            return None
        if token.kind == "deploy" and user != token.username:
            return None
        return token

    def _rest(self) -> Token | None:
        """[REST-AUTH] PRIVATE-TOKEN for access tokens, JOB-TOKEN for the job token."""
        private = self.headers.get("PRIVATE-TOKEN")
        job = self.headers.get("JOB-TOKEN")
        if private is not None:
            token = self.gitlab.tokens.get(private)
            return token if token is not None and token.kind == "personal" else None
        if job is not None:
            token = self.gitlab.tokens.get(job)
            return token if token is not None and token.kind == "job" else None
        return None

    def _record(self, token: Token | None) -> None:
        self.gitlab.requests.append(
            (self.command, urlsplit(self.path).path, token.kind if token else "anonymous")
        )

    # -- routing -------------------------------------------------------------
    def _route(self) -> tuple[str, dict[str, list[str]]] | None:
        parts = urlsplit(self.path)
        prefix = f"/api/v4/projects/{self.gitlab.project_id}/"
        if not parts.path.startswith(prefix):
            return None
        return parts.path[len(prefix) :], parse_qs(parts.query)

    def do_GET(self) -> None:
        self._dispatch()

    def do_HEAD(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        routed = self._route()
        if routed is None:
            self._message(404, "404 Project Not Found")
            return
        path, query = routed
        with self.gitlab._lock:
            if path.startswith("packages/pypi"):
                self._pypi(path.removeprefix("packages/pypi"))
            elif path.startswith("packages"):
                self._packages_api(path, query)
            elif path == "releases" and self.command == "POST":
                self._create_release()
            elif path.startswith("releases/") and self.command == "GET":
                self._get_release(unquote(path.removeprefix("releases/")))
            else:
                self._message(404, "404 Not Found")

    # -- PyPI endpoints [PYPI-API] ---------------------------------------------
    def _pypi(self, rest: str) -> None:
        token = self._basic()
        self._record(token)
        if token is None:
            self._send(
                401,
                b'{"message":"401 Unauthorized"}',
                headers={"WWW-Authenticate": 'Basic realm="GitLab Packages Registry"'},
            )
            return
        if self.command == "POST" and rest in ("", "/"):
            self._upload()
        elif rest.startswith("/simple/"):
            self._simple(unquote(rest.removeprefix("/simple/").strip("/")))
        elif m := re.fullmatch(r"/files/([0-9a-f]{64})/(.+)", rest):
            self._download(m.group(1), unquote(m.group(2)))
        else:
            self._message(404, "404 Not Found")

    def _upload(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        fields: dict[str, bytes] = {}
        filename = ""
        for part in MultipartDecoder(body, self.headers["Content-Type"]).parts:
            disposition = part.headers.get(b"Content-Disposition", b"").decode()
            field = re.search(r'name="([^"]*)"', disposition)
            if not field:
                continue
            fields[field.group(1)] = part.content
            fn = re.search(r'filename="([^"]*)"', disposition)
            if fn:
                filename = fn.group(1)
        if not filename or "name" not in fields or "version" not in fields:
            self._message(400, "400 Bad request - name, version and content are missing")
            return
        name, version = fields["name"].decode(), fields["version"].decode()
        content = fields["content"]
        digest = hashlib.sha256(content).hexdigest()
        claimed = fields.get("sha256_digest", b"").decode()
        if claimed and claimed != digest:
            self._message(400, "400 Bad request - sha256_digest does not match the file")
            return
        package = next(
            (
                p
                for p in self.gitlab.packages
                if canonicalize_name(p.name) == canonicalize_name(name) and p.version == version
            ),
            None,
        )
        if package is None:
            package = Package(self.gitlab.next_id(), name, version)
            self.gitlab.packages.append(package)
        if any(f.file_name == filename for f in package.files):  # [DUPLICATE]
            self._message(400, "400 Bad request - File name has already been taken")
            return
        package.files.append(PackageFile(self.gitlab.next_id(), filename, content, digest))
        self._message(201, "201 Created")

    def _simple(self, package_name: str) -> None:
        wanted = canonicalize_name(package_name)
        files = [
            f for p in self.gitlab.packages if canonicalize_name(p.name) == wanted for f in p.files
        ]
        if not files and self.gitlab.forwarding:  # [FORWARDING]
            self.send_response(302)
            self.send_header("Location", f"{self.gitlab.forwarding}{wanted}/")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if not files:
            self._message(404, "404 Package Not Found")
            return
        links = "\n".join(
            f'<a href="../../files/{f.sha256}/{html.escape(f.file_name)}#sha256={f.sha256}">'
            f"{html.escape(f.file_name)}</a><br>"
            for f in files
        )
        page = (
            "<!DOCTYPE html>\n<html><head><title>Links for "
            f"{html.escape(package_name)}</title></head><body><h1>Links for "
            f"{html.escape(package_name)}</h1>\n{links}\n</body></html>\n"
        )
        self._send(200, page.encode(), "text/html")

    def _download(self, sha256: str, file_name: str) -> None:
        for package in self.gitlab.packages:
            for f in package.files:
                if f.sha256 == sha256 and f.file_name == file_name:
                    self._send(200, f.content, "application/octet-stream")
                    return
        self._message(404, "404 Package File Not Found")

    # -- Packages API [PACKAGES-API] --------------------------------------------
    def _paginated(self, items: list[dict[str, Any]], query: dict[str, list[str]]) -> None:
        page = int(query.get("page", ["1"])[0])
        per_page = min(int(query.get("per_page", ["20"])[0]), 100)
        chunk = items[(page - 1) * per_page : page * per_page]
        more = page * per_page < len(items)
        self._json(
            200,
            chunk,
            headers={
                "X-Page": str(page),
                "X-Per-Page": str(per_page),
                "X-Total": str(len(items)),
                "X-Next-Page": str(page + 1) if more else "",
            },
        )

    def _packages_api(self, path: str, query: dict[str, list[str]]) -> None:
        token = self._rest()
        self._record(token)
        if token is None:
            self._message(401, "401 Unauthorized")
            return
        if path == "packages":
            kind = query.get("package_type", [None])[0]
            name = query.get("package_name", [""])[0]
            version = query.get("package_version", [None])[0]
            items = [
                {
                    "id": p.id,
                    "name": p.name,
                    "version": p.version,
                    "package_type": "pypi",
                    "status": "default",
                }
                for p in self.gitlab.packages
                if kind in (None, "pypi")
                and fuzzy_match(name, p.name)
                and version in (None, p.version)
            ]
            self._paginated(items, query)
        elif m := re.fullmatch(r"packages/(\d+)/package_files", path):
            package = next((p for p in self.gitlab.packages if p.id == int(m.group(1))), None)
            if package is None:
                self._message(404, "404 Not Found")
                return
            items = [
                {
                    "id": f.id,
                    "package_id": package.id,
                    "file_name": f.file_name,
                    "size": len(f.content),
                    "file_md5": hashlib.md5(f.content).hexdigest(),
                    "file_sha1": hashlib.sha1(f.content).hexdigest(),
                    "file_sha256": f.sha256,
                }
                for f in package.files
            ]
            self._paginated(items, query)
        else:
            self._message(404, "404 Not Found")

    # -- Releases API [RELEASES-API] --------------------------------------------
    def _create_release(self) -> None:
        token = self._rest()
        self._record(token)
        if token is None:
            self._message(401, "401 Unauthorized")
            return
        length = int(self.headers.get("Content-Length", "0"))
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except json.JSONDecodeError:
            self._message(400, "400 Bad request - body is not JSON")
            return
        tag = body.get("tag_name")
        if not tag:
            self._json(400, {"error": "tag_name is missing"})
            return
        if self.gitlab.fail_releases > 0:
            self.gitlab.fail_releases -= 1
            self._message(500, "500 Internal Server Error")
            return
        if tag in self.gitlab.releases:
            self._message(409, "Release already exists")
            return
        if tag not in self.gitlab.tags:
            if not body.get("ref"):
                self._message(422, "Ref is not specified")
                return
            self.gitlab.tags[tag] = body["ref"]
        release = {
            "tag_name": tag,
            "name": body.get("name") or tag,
            "description": body.get("description", ""),
            "commit": {"id": self.gitlab.tags[tag]},
            "assets": {"links": (body.get("assets") or {}).get("links", [])},
        }
        self.gitlab.releases[tag] = release
        self._json(201, release)

    def _get_release(self, tag: str) -> None:
        """``GET /projects/:id/releases/:tag_name``: the release, or 404."""
        token = self._rest()
        self._record(token)
        if token is None:
            self._message(401, "401 Unauthorized")
        elif tag in self.gitlab.releases:
            self._json(200, self.gitlab.releases[tag])
        else:
            self._message(404, "404 Not Found")


FakeGitLab.handler = _Handler
