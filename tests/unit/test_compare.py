"""Comparing a local file with the target's file of the same name: credentials go
to the index's own host only."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from noxship.environment import Secret
from noxship.publish.compare import fetcher
from noxship.publish.credentials import Credentials
from noxship.publish.index import IndexFile


class _Answer:
    def __enter__(self) -> _Answer:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def raise_for_status(self) -> None:
        return None

    def iter_content(self, size: int) -> Iterator[bytes]:
        yield b"data"


@pytest.mark.parametrize(
    ("url", "sent"),
    [
        ("https://gitlab.example/api/v4/projects/1/packages/pypi/files/ab/x-1.0.tar.gz", True),
        ("https://files.pythonhosted.org/packages/ab/x-1.0.tar.gz", False),
    ],
)
def test_credentials_go_to_the_index_host_only(
    monkeypatch: pytest.MonkeyPatch, url: str, sent: bool
) -> None:
    seen: dict[str, Any] = {}

    def get(url: str, **kwargs: Any) -> _Answer:
        seen.update(kwargs)
        return _Answer()

    monkeypatch.setattr(requests, "get", get)
    creds = Credentials("__token__", Secret("SENTINEL-compare-1", "t"), "test")
    fetch = fetcher(creds, "https://gitlab.example/api/v4/projects/1/packages/pypi/simple/")
    assert fetch(IndexFile("x-1.0.tar.gz", None, url)) == b"data"
    assert (seen["auth"] is not None) == sent
