"""Index and GitLab API answers that are not what a simple index or the API
should give: one clear error each, never a traceback or a credential."""

from __future__ import annotations

from typing import ClassVar

import pytest

from noxship.environment import Secret
from noxship.errors import PublishError
from noxship.publish import Credentials, Target, list_files
from noxship.publish.gitlab import list_package_files
from noxship.publish.local_index import free_port
from tests.local_http import LocalHTTPServer, OwnedHandler

SENTINEL = "SENTINEL-index-6d0e"


class _LoginPage(OwnedHandler):
    owner: ClassVar[LoginPage]

    def do_GET(self) -> None:
        body, content_type = self.owner.answer
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class LoginPage(LocalHTTPServer):
    """A proxy's login page where a simple index should be (or any other answer)."""

    handler = _LoginPage

    def __init__(self, answer: tuple[bytes, str] = (b"Please log in\n", "text/plain")) -> None:
        self.answer = answer
        super().__init__()


JSON = "application/vnd.pypi.simple.v1+json"


@pytest.mark.parametrize(
    "body",
    [b"{not json", b'{"meta": {"api-version": "1.0"}, "name": "p", "files": "x"}', b"[1, 2]"],
    ids=["bad JSON", "files not a list", "not an object"],
)
def test_a_json_page_of_the_wrong_shape_is_one_error(body: bytes) -> None:
    assert_one_error(LoginPage((body, JSON)), "project page that is not valid")


def test_text_plain_answer_is_one_error_without_the_password() -> None:
    """Review 3: pypi-simple's UnsupportedContentTypeError ended in a 28-line
    traceback that carried the URL's password."""
    assert_one_error(LoginPage(), "not a simple index")


def assert_one_error(server: LoginPage, said: str) -> None:
    """Look the project up on ``server``, the password in the index URL: one
    PublishError saying ``said``, without the password."""
    with server as page:
        url = f"http://user:{SENTINEL}@127.0.0.1:{page.port}/simple/"
        creds = Credentials("user", Secret(SENTINEL, "test"), "test")
        with pytest.raises(PublishError, match=said) as info:
            list_files(Target("index", url, url), "good-sample", creds)
    assert SENTINEL not in str(info.value)


def test_gitlab_api_that_cannot_be_reached_is_one_error() -> None:
    """Review 3: requests.ConnectionError from python-gitlab was not caught."""
    api = f"http://127.0.0.1:{free_port()}/api/v4"  # nothing listens there
    creds = Credentials("__token__", Secret(SENTINEL, "test"), "test")
    target = Target(
        "gitlab", f"{api}/projects/7/packages/pypi", f"{api}/projects/7/packages/pypi/simple/"
    )
    with pytest.raises(PublishError, match="cannot reach the GitLab API") as info:
        list_package_files(
            target, creds, "good-sample", {"CI_API_V4_URL": api, "CI_PROJECT_ID": "7"}
        )
    assert SENTINEL not in str(info.value)
