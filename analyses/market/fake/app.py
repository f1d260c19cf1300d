"""The fake Keepa HTTP API: a plain WSGI app (stdlib only) speaking KEEPA.md's wire format.

Routes /product and /token (with and without a trailing slash). Checks the key, the domain,
exactly one of asin/code, at most 100 of them and their syntax; keeps a token bucket
(refillRate per minute, capped at 60 x rate, one token per returned product) and puts the
token envelope on every answer; gzips when the client accepts it.

Runtime switches (thread-safe) make it misbehave on purpose, for the client's tests:
latency, 429 bursts, 500s, timeouts (a sleep longer than the client's read timeout),
malformed JSON and bad-key mode. See `FakeKeepa.fail_next()` and friends.
"""

from __future__ import annotations

import gzip
import json
import re
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

from analyses.market.fake.generator import generate_product
from analyses.market.wire import DOMAINS, MAX_PER_CALL, datetime_to_keepa_minute

DEFAULT_KEY = "fake-keepa-key"
ASIN_RE = re.compile(r"^[A-Z0-9]{10}$")
CODE_RE = re.compile(r"^\d{8,14}$")
INVALID_PARAMETER = {
    "type": "invalidParameter",
    "message": "You used an invalid parameter for this API call.",
    "details": "",
}
JSON_TYPE = "application/json;charset=UTF-8"


class SimulatedTimeout(Exception):
    """Raised instead of sleeping when the app runs in-process (see fake.adapter)."""


@dataclass
class Switches:
    """What the next calls should do wrong. Counters go down by one per affected call."""

    latency_ms: float = 0.0
    status_429: int = 0
    status_429_envelope: dict[str, int] = field(default_factory=dict)
    status_500: int = 0
    timeouts: int = 0
    timeout_seconds: float = 2.0
    malformed: int = 0
    bad_key_mode: bool = False
    bad_key_status: int = 400


@dataclass
class RequestRecord:
    path: str
    params: dict[str, str]
    headers: dict[str, str]
    status: int = 0
    tokens_consumed: int = 0


class TokenBucket:
    """refillRate tokens every minute, at most 60 x refillRate; may go negative (KEEPA.md §2.1)."""

    def __init__(self, refill_rate: int, tokens: int | None = None, clock=time.monotonic):
        self.refill_rate = refill_rate
        self.capacity = 60 * refill_rate
        self.clock = clock
        self._tokens = self.capacity if tokens is None else tokens
        self._origin = clock()
        self._ticks = 0

    def _refill(self) -> None:
        ticks = int((self.clock() - self._origin) // 60)
        if ticks > self._ticks:
            self._tokens = min(
                self.capacity, self._tokens + (ticks - self._ticks) * self.refill_rate
            )
            self._ticks = ticks

    @property
    def tokens(self) -> int:
        self._refill()
        return self._tokens

    def refill_in_ms(self) -> int:
        elapsed = self.clock() - self._origin
        return max(1, int((60 - elapsed % 60) * 1000))

    def spend(self, amount: int) -> None:
        self._refill()
        self._tokens -= amount

    def set(self, tokens: int) -> None:
        self._refill()
        self._tokens = tokens


class FakeKeepa:
    """State + WSGI callable of one fake Keepa. Thread-safe; products cached in an LRU.

    `now`: None = the real clock (products anchored to the hour, so a product is stable for an
    hour and cacheable); a datetime or a Keepa minute pins the time line; a callable returns
    either.
    """

    def __init__(
        self,
        *,
        valid_keys: Iterable[str] = (DEFAULT_KEY,),
        refill_rate: int = 20,
        tokens: int | None = None,
        now: datetime | int | Callable[[], datetime | int] | None = None,
        cache_size: int = 20_000,
        gzip_level: int = 1,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        record_requests: int = 1000,
    ):
        self.valid_keys = set(valid_keys)
        self.bucket = TokenBucket(refill_rate, tokens, clock=clock)
        self.now = now
        self.switches = Switches()
        self.gzip_level = gzip_level
        self.sleep = sleep
        self.requests: deque[RequestRecord] = deque(maxlen=record_requests)
        self.calls = 0
        self.products_served = 0
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple, bytes | None] = OrderedDict()
        self._cache_size = cache_size
        self.cache_hits = 0

    # --- switches ------------------------------------------------------------------------

    def fail_next(
        self,
        status: int,
        count: int = 1,
        *,
        tokens_left: int | None = None,
        refill_in_ms: int | None = None,
    ) -> None:
        """The next `count` calls answer 429 or 500 (429 may show a chosen envelope)."""
        with self._lock:
            if status == 429:
                self.switches.status_429 = count
                self.switches.status_429_envelope = {
                    k: v
                    for k, v in (("tokensLeft", tokens_left), ("refillIn", refill_in_ms))
                    if v is not None
                }
            elif status >= 500:
                self.switches.status_500 = count
            else:
                raise ValueError("fail_next takes 429 or 5xx")

    def timeout_next(self, count: int = 1, *, seconds: float = 2.0) -> None:
        with self._lock:
            self.switches.timeouts = count
            self.switches.timeout_seconds = seconds

    def malformed_next(self, count: int = 1) -> None:
        with self._lock:
            self.switches.malformed = count

    def set_latency(self, milliseconds: float) -> None:
        self.switches.latency_ms = milliseconds

    def set_bad_key_mode(self, enabled: bool = True, *, status: int = 400) -> None:
        self.switches.bad_key_mode = enabled
        self.switches.bad_key_status = status

    def set_tokens(self, tokens: int) -> None:
        with self._lock:
            self.bucket.set(tokens)

    def reset(self) -> None:
        with self._lock:
            self.switches = Switches()
            self.requests.clear()
            self.calls = 0
            self.products_served = 0

    @property
    def product_calls(self) -> list[RequestRecord]:
        return [r for r in self.requests if r.path == "product"]

    # --- time ---------------------------------------------------------------------------

    def now_minute(self) -> int:
        now = self.now() if callable(self.now) else self.now
        if now is None:
            minute = datetime_to_keepa_minute(datetime.now().astimezone())
            return minute - minute % 60  # stable for an hour: cacheable, like update=1
        if isinstance(now, datetime):
            return datetime_to_keepa_minute(now)
        return int(now)

    # --- WSGI ---------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> list[bytes]:
        started = time.perf_counter()
        path = environ.get("PATH_INFO", "").rstrip("/").lstrip("/")
        params = {k: v[-1] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        accepts_gzip = "gzip" in environ.get("HTTP_ACCEPT_ENCODING", "")
        record = RequestRecord(
            path=path,
            params={k: v for k, v in params.items() if k != "key"},
            headers={
                "Accept-Encoding": environ.get("HTTP_ACCEPT_ENCODING", ""),
                "User-Agent": environ.get("HTTP_USER_AGENT", ""),
            },
        )
        with self._lock:
            self.calls += 1
            self.requests.append(record)
            sw = self.switches
            latency = sw.latency_ms
            timeout = sw.timeouts > 0
            if timeout:
                sw.timeouts -= 1
        if latency:
            self.sleep(latency / 1000)
        if timeout:
            if "fakekeepa.read_timeout" in environ:
                raise SimulatedTimeout()
            self.sleep(sw.timeout_seconds)

        status, body, raw = self._handle(path, params, record, started)
        record.status = status
        if raw is None:
            raw = json.dumps(body, separators=(",", ":")).encode()
        headers = [("Content-Type", JSON_TYPE)]
        if accepts_gzip:
            raw = gzip.compress(raw, compresslevel=self.gzip_level)
            headers += [("Content-Encoding", "gzip"), ("Vary", "Accept-Encoding")]
        headers.append(("Content-Length", str(len(raw))))
        start_response(_STATUS[status], headers)
        return [raw]

    def _handle(
        self, path: str, params: dict[str, str], record: RequestRecord, started: float
    ) -> tuple[int, dict[str, Any], bytes | None]:
        if path not in ("product", "token"):
            return 404, self._error_body("notFound", "Unknown path", started, zero=False), None
        sw = self.switches
        key = params.get("key", "")
        if sw.bad_key_mode or key not in self.valid_keys:
            return sw.bad_key_status, self._error_body(**INVALID_PARAMETER, started=started), None

        with self._lock:
            if sw.malformed > 0:
                sw.malformed -= 1
                return 200, {}, b'{"timestamp":1,"tokensLeft":5,"products":[{"asin":"00'
            if sw.status_500 > 0:
                sw.status_500 -= 1
                body = self._envelope(0, started)
                body["error"] = {"type": "serverError", "message": "Internal error", "details": ""}
                return 500, body, None
            if sw.status_429 > 0:
                sw.status_429 -= 1
                body = self._envelope(0, started)
                body["tokensLeft"] = min(body["tokensLeft"], 0)
                body.update(sw.status_429_envelope)
                body["error"] = _NOT_ENOUGH_TOKENS
                return 429, body, None

        if path == "token":
            return 200, self._envelope(0, started), None
        return self._product(params, record, started)

    def _product(
        self, params: dict[str, str], record: RequestRecord, started: float
    ) -> tuple[int, dict[str, Any], bytes | None]:
        domain = _int(params.get("domain"))
        if domain not in DOMAINS:
            return 400, self._invalid(started, "domain"), None
        asin, code = params.get("asin"), params.get("code")
        if (asin is None) == (code is None) or not (asin or code):
            return 400, self._invalid(started, "asin or code (exactly one)"), None
        kind = "asin" if asin is not None else "code"
        values = [v.strip().upper() for v in (asin or code or "").split(",") if v.strip()]
        if not values or len(values) > MAX_PER_CALL:
            return 400, self._invalid(started, f"{kind}: 1 to {MAX_PER_CALL} values"), None
        offers = _int(params.get("offers"))
        if offers is not None and not 20 <= offers <= 100:
            return 400, self._invalid(started, "offers: 20..100"), None
        pattern = ASIN_RE if kind == "asin" else CODE_RE
        if not all(pattern.match(v) for v in values):
            # Keepa answers syntactically invalid ASINs with HTTP 200, `error`, no `products`.
            body = self._envelope(0, started)
            body["error"] = {
                "type": "invalidParameter",
                "message": f"Invalid {kind}: "
                + ",".join(v for v in values if not pattern.match(v)),
                "details": "",
            }
            return 200, body, None

        with self._lock:
            if self.bucket.tokens <= 0:
                body = self._envelope(0, started)
                body["error"] = _NOT_ENOUGH_TOKENS
                return 429, body, None

        stats = params.get("stats")
        stats_days = _stats_days(stats)
        history = params.get("history", "1") != "0"
        days = _int(params.get("days")) or 0
        buybox = params.get("buybox") == "1"
        now = self.now_minute()
        chunks: list[bytes] = []
        for value in values:
            product = self._product_json(
                value, kind, domain, now, days, history, stats_days, bool(offers), buybox
            )
            if product is not None:  # one product per code here, so code-limit never bites
                chunks.append(product)
        per_product = 6 if offers else (3 if buybox else 1)
        cost = len(chunks) * per_product
        with self._lock:
            self.bucket.spend(cost)
            self.products_served += len(chunks)
            envelope = self._envelope(cost, started)
        record.tokens_consumed = cost
        head = json.dumps(envelope, separators=(",", ":"))[:-1]
        raw = (head + ',"products":[').encode() + b",".join(chunks) + b"]}"
        return 200, envelope, raw

    def _product_json(
        self,
        value: str,
        kind: str,
        domain: int,
        now: int,
        days: int,
        history: bool,
        stats_days: int | None,
        offers: bool,
        buybox: bool,
    ) -> bytes | None:
        key = (value, kind, domain, now, days, history, stats_days, offers, buybox)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                self.cache_hits += 1
                return self._cache[key]
        product = generate_product(
            value,
            kind=kind,
            domain=domain,
            now=now,
            days=days,
            history=history,
            stats_days=stats_days,
            offers=offers,
            buybox=buybox,
        )
        raw = None if product is None else json.dumps(product, separators=(",", ":")).encode()
        with self._lock:
            self._cache[key] = raw
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return raw

    # --- envelopes ----------------------------------------------------------------------

    def _envelope(self, consumed: int, started: float) -> dict[str, Any]:
        return {
            "timestamp": int(time.time() * 1000),
            "tokensLeft": self.bucket.tokens,
            "refillIn": self.bucket.refill_in_ms(),
            "refillRate": self.bucket.refill_rate,
            "tokenFlowReduction": 0.0,
            "tokensConsumed": consumed,
            "processingTimeInMs": int((time.perf_counter() - started) * 1000),
        }

    def _invalid(self, started: float, what: str) -> dict[str, Any]:
        body = self._envelope(0, started)
        body["error"] = {**INVALID_PARAMETER, "details": what}
        return body

    def _error_body(
        self, type: str, message: str, started: float, details: str = "", zero: bool = True
    ) -> dict[str, Any]:
        body = (
            {
                "timestamp": int(time.time() * 1000),
                "tokensLeft": 0,
                "refillIn": 0,
                "refillRate": 0,
                "tokenFlowReduction": 0.0,
                "tokensConsumed": 0,
                "processingTimeInMs": 0,
            }
            if zero
            else self._envelope(0, started)
        )
        body["error"] = {"type": type, "message": message, "details": details}
        return body


_NOT_ENOUGH_TOKENS = {
    "type": "notEnoughToken",
    "message": "You do not have enough tokens for this request.",
    "details": "",
}
_STATUS = {
    200: "200 OK",
    400: "400 Bad Request",
    402: "402 Payment Required",
    404: "404 Not Found",
    405: "405 Method Not Allowed",
    429: "429 Too Many Requests",
    500: "500 Internal Server Error",
}


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None


def _stats_days(value: str | None) -> int | None:
    """`stats=N` days, or `start,end` (ISO dates or epoch ms): the span in days (>= 1)."""
    if not value:
        return None
    if "," not in value:
        days = _int(value)
        return days if days and days > 0 else None
    start, _, end = value.partition(",")
    try:
        if start.isdigit() and end.isdigit():
            span = (int(end) - int(start)) / 86_400_000
        else:
            span = (
                datetime.fromisoformat(end.replace("Z", "+00:00"))
                - datetime.fromisoformat(start.replace("Z", "+00:00"))
            ).total_seconds() / 86_400
    except ValueError:
        return None
    return max(1, int(span))
