"""Hazardous material: tokens and passwords.

A :class:`Secret` never shows its value in ``repr``, ``str`` or f-strings; the
value is read only with :meth:`Secret.reveal`, at the one place where it goes
into a subprocess environment. :class:`Redactor` masks every known secret (and
credentials embedded in URLs) in text before it reaches a log or the terminal.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

__all__ = ["HIDDEN", "Redactor", "Secret", "sanitize_url"]

HIDDEN = "<hidden>"

_URL_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<userinfo>[^/@\s]+)@")


class Secret:
    """A credential value that hides itself.

    Args:
        value: the secret text (a token or password).
        source: where it came from, for logs (for example ``"environment variable
            PYPI_TOKEN"``); never the value.
    """

    __slots__ = ("_value", "source")

    def __init__(self, value: str, source: str) -> None:
        self._value = value
        self.source = source

    def reveal(self) -> str:
        """Return the secret text. Call it only to fill a subprocess environment."""
        return self._value

    def __repr__(self) -> str:
        return f"Secret({HIDDEN}, source={self.source!r})"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self) -> str:
        raise TypeError("a Secret cannot be pickled")


def sanitize_url(url: str) -> str:
    """Return ``url`` with any ``user:password@`` part replaced by ``<hidden>@``.

    The same rule as ``twine.utils.sanitize_url``, applied to every URL inside a
    text, not to one URL.
    """
    return _URL_USERINFO.sub(lambda m: f"{m['scheme']}{HIDDEN}@", url)


class Redactor(logging.Filter):
    """Mask secrets in text and in log records.

    Args:
        secrets: values to mask wherever they appear; values shorter than four
            characters are ignored, since masking them would garble the text.
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets: set[str] = set()
        for value in secrets:
            self.add(value)

    def add(self, value: str) -> None:
        """Mask ``value`` from now on."""
        if len(value) >= 4:
            self._secrets.add(value)

    def __call__(self, text: str) -> str:
        """Return ``text`` with every known secret and URL credential masked."""
        for value in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(value, HIDDEN)
        return sanitize_url(text)

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self(record.getMessage())
        record.args = None
        return True
