"""The one retry policy of publishing: bounded exponential backoff (tenacity) for
uploads and index lookups that fail transiently (HTTP 5xx, a dropped
connection, a timeout)."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from noxship.errors import ConfigError

if TYPE_CHECKING:
    import tenacity

__all__ = ["RetryPolicy"]

logger = logging.getLogger("noxship")


@dataclasses.dataclass(frozen=True)
class RetryPolicy:
    """Bounded exponential backoff for transient upload failures.

    Attributes:
        attempts: uploads tried at most per file (1 = no retry), 1 to 10.
        base_delay: seconds before the first retry; doubled for each next one.
        max_delay: the longest wait between two attempts, in seconds; never
            less than ``base_delay`` when read from the environment.
    """

    attempts: int = 4
    base_delay: float = 1.0
    max_delay: float = 30.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> RetryPolicy:
        """Read ``NOXSHIP_UPLOAD_ATTEMPTS`` (1 to 10) and ``NOXSHIP_RETRY_DELAY`` (seconds).

        Raises:
            ConfigError: a value is not a number, or out of range.
        """
        try:
            attempts = int(environ.get("NOXSHIP_UPLOAD_ATTEMPTS", cls.attempts))
            delay = float(environ.get("NOXSHIP_RETRY_DELAY", cls.base_delay))
        except ValueError:
            attempts, delay = 0, -1.0
        if not 1 <= attempts <= 10 or not 0 <= delay <= 300:
            raise ConfigError(
                "NOXSHIP_UPLOAD_ATTEMPTS must be a whole number from 1 to 10 and "
                "NOXSHIP_RETRY_DELAY a number of seconds from 0 to 300: fix them"
            )
        return cls(attempts=attempts, base_delay=delay, max_delay=max(cls.max_delay, delay))

    def retrying(
        self,
        what: str,
        on: type[BaseException],
        *,
        sleep: Callable[[float], None] | None = None,
    ) -> tenacity.Retrying:
        """A tenacity ``Retrying`` that retries ``on`` with this policy's backoff,
        logs each retry of ``what``, and re-raises the last failure."""
        import tenacity

        def warn(state: tenacity.RetryCallState) -> None:
            logger.warning(
                "%s failed transiently (attempt %d of %d); retrying",
                what,
                state.attempt_number,
                self.attempts,
            )

        return tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self.attempts),
            wait=tenacity.wait_exponential(multiplier=self.base_delay, max=self.max_delay),
            retry=tenacity.retry_if_exception_type(on),
            before_sleep=warn,
            sleep=sleep or tenacity.nap.sleep,
            reraise=True,
        )
