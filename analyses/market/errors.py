"""Typed Keepa errors: the batch pipeline decides per class whether to stop, retry or mark items."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from analyses.market.client import TokenEnvelope


class KeepaError(Exception):
    """Base of every Keepa failure. Carries the HTTP status, Keepa's error type and the
    token envelope of the last answer (None when there was no answer at all)."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        error_type: str = "",
        envelope: TokenEnvelope | None = None,
        tokens_consumed: int = 0,
    ):
        super().__init__(message)
        self.message = message
        self.status = status
        self.error_type = error_type
        self.envelope = envelope
        self.tokens_consumed = tokens_consumed


class KeepaAuthError(KeepaError):
    """Bad API key or no API access (402): every further call would fail too, so stop the batch."""


class KeepaRateLimited(KeepaError):
    """Still not enough tokens after waiting as long as we were allowed to."""


class KeepaUnavailable(KeepaError):
    """5xx, timeouts or connection errors that persisted through every retry."""


class KeepaMalformed(KeepaError):
    """The answer was not JSON or not shaped like a Keepa answer."""


class KeepaRequestError(KeepaError):
    """Keepa rejected this request (400/404/405, or an `error` object, e.g. an invalid ASIN)."""
