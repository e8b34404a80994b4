"""The ``noxship`` logger, set up once per process with a redacting filter."""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping

from noxship.secrets import Redactor

__all__ = ["configure_logging"]

logger = logging.getLogger("noxship")


def configure_logging(environ: Mapping[str, str]) -> None:
    """Send the ``noxship`` logger to stderr as ``noxship > message``, with every
    credential value found in ``environ`` masked (:class:`~noxship.secrets.Redactor`).

    Libraries' debug logs (urllib3, requests, python-gitlab, twine) are held at
    WARNING: nox sets the root logger to DEBUG.
    """
    from noxship._run import CREDENTIAL_VARIABLES

    redactor = Redactor(
        v
        for k, v in environ.items()
        if k in CREDENTIAL_VARIABLES
        or (k.startswith("NOXSHIP_TARGET_") and k.endswith("_PASSWORD"))
    )
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("noxship > %(message)s"))
    handler.addFilter(redactor)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    # nox sets the root logger to DEBUG; libraries' debug chatter is not ours to show.
    for name in ("urllib3", "passlib", "requests", "gitlab", "twine"):
        logging.getLogger(name).setLevel(logging.WARNING)
