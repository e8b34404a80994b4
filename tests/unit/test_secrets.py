from __future__ import annotations

import logging

import pytest

from noxship.environment import HIDDEN, Redactor, Secret, sanitize_url

SENTINEL = "pypi-SENTINEL-0123456789"


def test_secret_never_shows_its_value() -> None:
    secret = Secret(SENTINEL, "variable PYPI_TOKEN")
    for text in (repr(secret), str(secret), f"{secret}", f"{secret!r}", f"{secret}"):
        assert SENTINEL not in text
        assert "PYPI_TOKEN" in text
    assert secret.reveal() == SENTINEL


def test_secret_refuses_pickle() -> None:
    import pickle

    with pytest.raises(TypeError):
        pickle.dumps(Secret(SENTINEL, "x"))


def test_redactor_masks_values_and_url_credentials() -> None:
    redact = Redactor([SENTINEL, "ab"])
    text = redact(f"token={SENTINEL} url=https://user:{SENTINEL}@host/simple/ ab")
    assert SENTINEL not in text
    assert "https://<hidden>@host/simple/" in text
    assert text.endswith(" ab")  # too short to mask


def test_sanitize_url() -> None:
    assert sanitize_url("http://u:p@127.0.0.1:8/x") == f"http://{HIDDEN}@127.0.0.1:8/x"
    assert sanitize_url("http://127.0.0.1:8/x") == "http://127.0.0.1:8/x"


def test_redactor_filters_log_records(caplog: pytest.LogCaptureFixture) -> None:
    log = logging.getLogger("noxship.test")
    redactor = Redactor([SENTINEL])
    log.addFilter(redactor)
    try:
        with caplog.at_level(logging.INFO, logger="noxship.test"):
            log.info("value %s", SENTINEL)
    finally:
        log.removeFilter(redactor)
    assert SENTINEL not in caplog.text
    assert "value <hidden>" in caplog.text
