"""The ``noxship`` logger, set up once per process with a redacting filter."""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping

from noxship.environment import Redactor, redactor_for

__all__ = ["configure_logging"]

logger = logging.getLogger("noxship")


def configure_logging(environ: Mapping[str, str]) -> Redactor:
    """Send the ``noxship`` logger to stderr as ``noxship > message``, with every
    credential value found in ``environ`` masked.

    Libraries' debug logs (urllib3, requests, python-gitlab, twine) are held at
    WARNING: nox sets the root logger to DEBUG.

    Args:
        environ: the environment the credentials are read from (with ``.env``
            merged on a laptop).

    Returns:
        The redactor installed on the handler; callers add further secrets
        (a token minted at run time) to it and use it for their own output.
    """
    redactor = redactor_for(environ)
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("noxship > %(message)s"))
    handler.addFilter(redactor)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    for name in ("urllib3", "passlib", "requests", "gitlab", "twine"):
        logging.getLogger(name).setLevel(logging.WARNING)
    return redactor
