"""A small `requests` client for Keepa's /product and /token (KEEPA.md §1-§2, §6).

No Django here: settings are passed in (see analyses.market.service.keepa_client_from_settings).
Every answer is checked for an `error` object whatever its status; every answer's token envelope
is recorded and returned with it, so a batch can add up what it cost.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import requests

from analyses.market.errors import (
    KeepaAuthError,
    KeepaError,
    KeepaMalformed,
    KeepaRateLimited,
    KeepaRequestError,
    KeepaUnavailable,
)
from analyses.market.wire import DOMAINS, MAX_PER_CALL

logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.keepa.com"
USER_AGENT = "ArbitrageVault/0.1 (+keepa-client; python-requests)"
# The parameters DOMAIN.md §2 asks for: stats over 180 days, history for charts, one year of it.
DEFAULT_STATS_DAYS = 180
DEFAULT_HISTORY_DAYS = 365


@dataclass(frozen=True, slots=True)
class TokenEnvelope:
    """The token fields Keepa puts on every JSON answer (KEEPA.md §2.1)."""

    tokens_consumed: int = 0
    tokens_left: int = 0
    refill_in_ms: int = 0
    refill_rate: int = 0
    timestamp_ms: int = 0
    token_flow_reduction: float = 0.0
    processing_time_ms: int = 0

    @classmethod
    def from_body(cls, body: Any) -> TokenEnvelope | None:
        """None when the body carries no envelope at all (not a Keepa answer)."""
        if not isinstance(body, dict) or not any(
            k in body for k in ("tokensLeft", "refillRate", "tokensConsumed")
        ):
            return None
        return cls(
            tokens_consumed=_as_int(body.get("tokensConsumed")),
            tokens_left=_as_int(body.get("tokensLeft")),
            refill_in_ms=_as_int(body.get("refillIn")),
            refill_rate=_as_int(body.get("refillRate")),
            timestamp_ms=_as_int(body.get("timestamp")),
            token_flow_reduction=_as_float(body.get("tokenFlowReduction")),
            processing_time_ms=_as_int(body.get("processingTimeInMs")),
        )

    def looks_like_bad_key(self) -> bool:
        # A bad key comes back as invalidParameter with every token field 0 (KEEPA.md §2.3):
        # a real account always has a refill rate.
        return self.refill_rate == 0 and self.tokens_left == 0 and self.refill_in_ms == 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "tokensConsumed": self.tokens_consumed,
            "tokensLeft": self.tokens_left,
            "refillIn": self.refill_in_ms,
            "refillRate": self.refill_rate,
            "timestamp": self.timestamp_ms,
            "tokenFlowReduction": self.token_flow_reduction,
        }


@dataclass(frozen=True, slots=True)
class KeepaResponse:
    """One logical call: the answer that succeeded plus what every HTTP attempt of it cost."""

    path: str
    status: int
    body: dict[str, Any]
    envelope: TokenEnvelope
    tokens_consumed: int  # summed over all attempts (a 429 or 5xx normally costs 0)
    attempts: int
    waited_seconds: float  # slept on 429s and back-offs
    content_encoding: str = ""
    requested: tuple[str, ...] = ()
    lookup_kind: str = ""  # "asin" | "code" | "" for /token
    envelopes: tuple[TokenEnvelope, ...] = field(default=())  # one per attempt with an envelope

    @property
    def products(self) -> list[dict[str, Any]]:
        products = self.body.get("products")
        return products if isinstance(products, list) else []

    @property
    def tokens_left(self) -> int:
        return self.envelope.tokens_left


class KeepaClient:
    """Keepa over HTTP with one keep-alive session, gzip, timeouts, token waits and retries.

    `sleep` and `rng` are injectable so tests never really sleep and back-off is predictable.
    """

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        domain: int = 1,
        timeout: tuple[float, float] = (10.0, 60.0),
        max_retries: int = 4,
        max_token_wait: float = 300.0,
        backoff_base: float = 0.5,
        backoff_cap: float = 30.0,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: Callable[[], float] = random.random,
        user_agent: str = USER_AGENT,
    ):
        if domain not in DOMAINS:
            raise ValueError(f"Keepa domain {domain} is not valid (allowed: {sorted(DOMAINS)})")
        self.api_key = api_key
        self.base_url = base_url.rstrip("/")
        self.domain = domain
        self.timeout = timeout
        self.max_retries = max(0, int(max_retries))
        self.max_token_wait = float(max_token_wait)
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.sleep = sleep
        self.rng = rng
        self.session = session or requests.Session()
        self.session.headers.update(
            {"User-Agent": user_agent, "Accept-Encoding": "gzip", "Connection": "keep-alive"}
        )
        # Running totals over the client's life (the per-call figures are on KeepaResponse).
        self.calls = 0
        self.tokens_consumed = 0
        self.last_envelope: TokenEnvelope | None = None

    # --- public API ---------------------------------------------------------------------

    def product(
        self,
        *,
        asins: Sequence[str] | None = None,
        codes: Sequence[str] | None = None,
        domain: int | None = None,
        stats: int = DEFAULT_STATS_DAYS,
        history: bool = True,
        days: int = DEFAULT_HISTORY_DAYS,
        code_limit: int = 1,
    ) -> KeepaResponse:
        """GET /product for at most 100 ASINs or 100 codes (never both, never offers/buybox)."""
        if (asins is None) == (codes is None):
            raise ValueError("pass exactly one of asins= or codes=")
        values = tuple(asins if asins is not None else codes)  # type: ignore[arg-type]
        if not values:
            raise ValueError("no identifiers to look up")
        if len(values) > MAX_PER_CALL:
            raise ValueError(
                f"Keepa takes at most {MAX_PER_CALL} identifiers per call (got {len(values)}); "
                "use product_chunks()"
            )
        kind = "asin" if asins is not None else "code"
        params: dict[str, Any] = {"domain": domain or self.domain, kind: ",".join(values)}
        if kind == "code":
            params["code-limit"] = code_limit
        params["stats"] = stats
        params["history"] = 1 if history else 0
        params["days"] = days
        response = self._call("product", params, requested=values, lookup_kind=kind)
        if "products" not in response.body or not isinstance(response.body["products"], list):
            raise KeepaMalformed(
                "Keepa answered /product without a `products` list",
                status=response.status,
                envelope=response.envelope,
                tokens_consumed=response.tokens_consumed,
            )
        return response

    def product_chunks(
        self,
        *,
        asins: Sequence[str] | None = None,
        codes: Sequence[str] | None = None,
        **options: Any,
    ) -> Iterator[KeepaResponse]:
        """Yields one answer per chunk of ≤ 100 identifiers (lazily: a caller may stop early)."""
        if (asins is None) == (codes is None):
            raise ValueError("pass exactly one of asins= or codes=")
        key = "asins" if asins is not None else "codes"
        for chunk in chunked(asins if asins is not None else codes or (), MAX_PER_CALL):
            yield self.product(**{key: chunk}, **options)

    def token_status(self) -> KeepaResponse:
        """GET /token: the free balance check (0 tokens)."""
        return self._call("token", {}, requested=(), lookup_kind="")

    def close(self) -> None:
        self.session.close()

    # --- transport ----------------------------------------------------------------------

    def _call(
        self, path: str, params: dict[str, Any], *, requested: tuple[str, ...], lookup_kind: str
    ) -> KeepaResponse:
        url = f"{self.base_url}/{path}"
        query = {"key": self.api_key, **params}
        failures = 0  # 5xx / timeouts / connection errors so far
        token_waits = 0
        waited = 0.0
        attempts = 0
        consumed = 0
        envelopes: list[TokenEnvelope] = []
        last_envelope: TokenEnvelope | None = None
        while True:
            attempts += 1
            try:
                resp = self.session.get(url, params=query, timeout=self.timeout)
                raw = resp.content
            except requests.RequestException as exc:
                # requests' messages carry the URL, and so the key: never let them out.
                if isinstance(exc, requests.Timeout):
                    kind = "timed out"
                elif isinstance(exc, requests.ConnectionError):
                    kind = "connection failed"
                else:
                    kind = f"failed: {type(exc).__name__}"
                failures += 1
                if failures > self.max_retries:
                    raise KeepaUnavailable(
                        f"Keepa /{path} {kind} {failures} times in a row",
                        envelope=last_envelope,
                        tokens_consumed=consumed,
                    ) from None
                waited += self._back_off(failures, f"/{path} {kind}")
                continue

            status = resp.status_code
            body = _decode(raw)
            envelope = TokenEnvelope.from_body(body)
            if envelope is not None:
                envelopes.append(envelope)
                consumed += envelope.tokens_consumed
                last_envelope = envelope
                self.last_envelope = envelope
            self.calls += 1
            self.tokens_consumed += envelope.tokens_consumed if envelope else 0
            error = body.get("error") if isinstance(body, dict) else None
            error_type, error_message = _error_fields(error)

            if status in (401, 402, 403) or (
                error is not None and envelope is not None and envelope.looks_like_bad_key()
            ):
                raise KeepaAuthError(
                    _auth_message(status, error_type, error_message),
                    status=status,
                    error_type=error_type,
                    envelope=envelope,
                    tokens_consumed=consumed,
                )

            if status == 429:
                wait = _token_wait_seconds(envelope)
                if wait is None:
                    wait = self._back_off_delay(token_waits + 1)
                token_waits += 1
                if waited + wait > self.max_token_wait or token_waits > 1000:
                    raise KeepaRateLimited(
                        f"Keepa has no tokens left for /{path}: would need to wait {wait:.0f} s "
                        f"more after {waited:.0f} s (limit {self.max_token_wait:.0f} s); "
                        f"tokensLeft={envelope.tokens_left if envelope else '?'}, "
                        f"refillRate={envelope.refill_rate if envelope else '?'}/min",
                        status=status,
                        error_type=error_type,
                        envelope=envelope,
                        tokens_consumed=consumed,
                    )
                logger.info("Keepa /%s: no tokens, waiting %.1f s", path, wait)
                self.sleep(wait)
                waited += wait
                continue

            if status >= 500:
                failures += 1
                if failures > self.max_retries:
                    raise KeepaUnavailable(
                        f"Keepa /{path} answered HTTP {status} {failures} times in a row"
                        + (f": {error_message}" if error_message else ""),
                        status=status,
                        error_type=error_type,
                        envelope=envelope,
                        tokens_consumed=consumed,
                    )
                waited += self._back_off(failures, f"/{path} HTTP {status}")
                continue

            if body is None or not isinstance(body, dict):
                raise KeepaMalformed(
                    f"Keepa /{path} answered HTTP {status} with a body that is not a JSON object",
                    status=status,
                    envelope=envelope,
                    tokens_consumed=consumed,
                )
            if status >= 400 or error is not None:
                raise KeepaRequestError(
                    f"Keepa rejected /{path} (HTTP {status}"
                    + (f", {error_type}" if error_type else "")
                    + ")"
                    + (f": {error_message}" if error_message else ""),
                    status=status,
                    error_type=error_type,
                    envelope=envelope,
                    tokens_consumed=consumed,
                )
            if envelope is None:
                raise KeepaMalformed(
                    f"Keepa /{path} answered without a token envelope",
                    status=status,
                    tokens_consumed=consumed,
                )
            return KeepaResponse(
                path=path,
                status=status,
                body=body,
                envelope=envelope,
                tokens_consumed=consumed,
                attempts=attempts,
                waited_seconds=waited,
                content_encoding=resp.headers.get("Content-Encoding", ""),
                requested=requested,
                lookup_kind=lookup_kind,
                envelopes=tuple(envelopes),
            )

    def _back_off_delay(self, failures: int) -> float:
        # Exponential with "equal jitter": half fixed, half random, so retries never bunch up.
        ceiling = min(self.backoff_cap, self.backoff_base * (2 ** (failures - 1)))
        return ceiling / 2 + self.rng() * ceiling / 2

    def _back_off(self, failures: int, what: str) -> float:
        delay = self._back_off_delay(failures)
        logger.warning(
            "Keepa %s (try %d of %d), retrying in %.2f s",
            what,
            failures,
            self.max_retries + 1,
            delay,
        )
        self.sleep(delay)
        return delay


def chunked(values: Iterable, size: int = MAX_PER_CALL) -> Iterator[list]:
    chunk: list = []
    for value in values:
        chunk.append(value)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _token_wait_seconds(envelope: TokenEnvelope | None) -> float | None:
    """KEEPA.md §2.1: wait refillIn, plus |tokensLeft| / refillRate minutes when in deficit."""
    if envelope is None or envelope.refill_rate <= 0:
        return None
    wait = max(envelope.refill_in_ms, 0) / 1000 + 0.1  # +100 ms, as the official client does
    if envelope.tokens_left < 0:
        wait += -envelope.tokens_left / envelope.refill_rate * 60
    return wait


def _decode(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None


def _error_fields(error: Any) -> tuple[str, str]:
    if isinstance(error, dict):
        return str(error.get("type") or ""), str(error.get("message") or "")
    if error is None:
        return "", ""
    return "", str(error)


def _auth_message(status: int, error_type: str, message: str) -> str:
    if status == 402:
        return (
            "Keepa refused the API key: this key has no API access (HTTP 402, payment required). "
            "Check the subscription of KEEPA_API_KEY."
        )
    return (
        "Keepa rejected the API key (HTTP "
        f"{status}{', ' + error_type if error_type else ''}, all token fields 0): "
        "check KEEPA_API_KEY." + (f" Keepa said: {message}" if message else "")
    )


def _as_int(value: Any) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    return 0


def _as_float(value: Any) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return 0.0


__all__ = [
    "KeepaAuthError",
    "KeepaClient",
    "KeepaError",
    "KeepaMalformed",
    "KeepaRateLimited",
    "KeepaRequestError",
    "KeepaResponse",
    "KeepaUnavailable",
    "TokenEnvelope",
    "chunked",
]
