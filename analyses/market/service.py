"""Market data for the batch pipeline: the MarketProduct cache first, then Keepa (or demo data).

    service = market_service()                      # from settings: "keepa" or "demo"
    result = service.fetch(identifiers)             # list[Identifier] -> FetchResult
    record = result.records["0134685997"]           # keyed by Identifier.lookup_value
    record.snapshot, record.found, record.source, record.from_cache, record.fetched_at
    result.errors["..."]                            # FetchError(kind, message) per lookup
    result.tokens_consumed, result.tokens_left, result.calls, result.cache_hits

Policy: a KeepaAuthError propagates (the batch must stop; answers already paid for are saved
first). Unavailable / malformed answers turn into per-identifier errors for that call only.
After a KeepaRateLimited the remaining calls are not attempted (they would wait and fail the
same way): their identifiers get `rate_limited` errors. A KeepaRequestError on a call with
several identifiers is retried one identifier at a time, so only the bad one gets an error.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from analyses.engine.identifiers import Identifier
from analyses.engine.snapshot import MarketSnapshot
from analyses.market.client import KeepaClient, KeepaResponse, TokenEnvelope, chunked
from analyses.market.errors import (
    KeepaAuthError,
    KeepaError,
    KeepaMalformed,
    KeepaRateLimited,
    KeepaRequestError,
    KeepaUnavailable,
)
from analyses.market.parser import NOT_RETURNED, ParsedProduct, parse_product
from analyses.market.wire import MAX_PER_CALL
from analyses.models import MarketProduct
from arbitragevault.bulk import bulk_upsert

logger = logging.getLogger(__name__)

SOURCE_KEEPA = "keepa"
SOURCE_DEMO = "demo"


@dataclass(frozen=True, slots=True)
class MarketRecord:
    """What is known about one lookup: a snapshot, or why there is none."""

    lookup_key: str  # Identifier.lookup_value (ISBN-10/ASIN, or the EAN/UPC of a code lookup)
    found: bool
    snapshot: MarketSnapshot | None
    asin: str  # the ASIN Keepa returned ("" when nothing came back)
    reason: str  # why not found ("" when found)
    fetched_at: datetime
    source: str  # "keepa" | "demo": label every demo result as demo data
    from_cache: bool
    domain: int = 1

    @property
    def is_demo(self) -> bool:
        return self.source == SOURCE_DEMO


@dataclass(frozen=True, slots=True)
class FetchError:
    """A lookup that could not be answered this time (the item is marked ERROR, not cached)."""

    kind: str  # "unavailable" | "rate_limited" | "malformed" | "rejected"
    message: str


@dataclass
class FetchResult:
    source: str
    records: dict[str, MarketRecord] = field(default_factory=dict)
    errors: dict[str, FetchError] = field(default_factory=dict)
    tokens_consumed: int = 0
    tokens_left: int | None = None  # from the last Keepa answer (None: Keepa was not asked)
    calls: int = 0  # logical /product calls (one per chunk, plus isolation retries)
    http_requests: int = 0  # HTTP attempts, retries included
    cache_hits: int = 0

    @property
    def is_demo(self) -> bool:
        return self.source == SOURCE_DEMO

    def _count(self, response: KeepaResponse | None = None, error: KeepaError | None = None):
        self.calls += 1
        if response is not None:
            self.tokens_consumed += response.tokens_consumed
            self.http_requests += response.attempts
            self.tokens_left = response.envelope.tokens_left
        elif error is not None:
            self.tokens_consumed += error.tokens_consumed
            self.http_requests += 1
            if error.envelope is not None:
                self.tokens_left = error.envelope.tokens_left


class MarketService:
    """Cache-first market lookups for one source (keepa or demo) and one Amazon domain."""

    def __init__(
        self,
        client: KeepaClient,
        *,
        source: str,
        domain: int = 1,
        ttl_seconds: int = 86_400,
        clock: Callable[[], datetime] = timezone.now,
    ):
        self.client = client
        self.source = source
        self.domain = domain
        self.ttl = timedelta(seconds=ttl_seconds)
        self.clock = clock

    # --- pipeline -------------------------------------------------------------------------

    def fetch(
        self, identifiers: Iterable[Identifier], *, now: datetime | None = None
    ) -> FetchResult:
        """Records for every identifier's lookup_value; Keepa only for cache misses."""
        now = now or self.clock()
        result = FetchResult(source=self.source)
        kinds: dict[str, str] = {}
        for identifier in identifiers:
            kinds.setdefault(identifier.lookup_value, identifier.lookup_kind)
        if not kinds:
            return result

        for row in MarketProduct.objects.filter(
            source=self.source,
            domain=self.domain,
            lookup_key__in=list(kinds),
            fetched_at__gte=now - self.ttl,
        ).defer("history"):
            result.records[row.lookup_key] = self._record_from_row(row)
        result.cache_hits = len(result.records)

        misses = [key for key in kinds if key not in result.records]
        answers: dict[str, ParsedProduct] = {}
        try:
            pending = [
                ("asin", chunk)
                for chunk in chunked((k for k in misses if kinds[k] == "asin"), MAX_PER_CALL)
            ] + [
                ("code", chunk)
                for chunk in chunked((k for k in misses if kinds[k] == "code"), MAX_PER_CALL)
            ]
            for index, (kind, chunk) in enumerate(pending):
                try:
                    self._lookup(kind, chunk, result, answers)
                except KeepaRateLimited as exc:
                    for _, rest in pending[index:]:
                        self._fail(
                            result, [k for k in rest if k not in answers], "rate_limited", exc
                        )
                    break
        finally:
            # Save what was paid for even when an auth error is about to stop the batch.
            if answers:
                self._save(answers, now)
        for key, parsed in answers.items():
            result.records[key] = self._record(key, parsed, now, from_cache=False)
        return result

    def _lookup(
        self,
        kind: str,
        chunk: list[str],
        result: FetchResult,
        answers: dict[str, ParsedProduct],
    ) -> None:
        """One /product call for `chunk`; its parsed answers go into `answers`."""
        try:
            response = self._call(kind, chunk)
        except KeepaRequestError as exc:
            result._count(error=exc)
            if len(chunk) == 1:
                self._fail(result, chunk, "rejected", exc)
                return
            logger.warning("Keepa rejected a call of %d; isolating the bad identifier", len(chunk))
            for value in chunk:
                self._lookup(kind, [value], result, answers)
            return
        except KeepaAuthError as exc:
            result._count(error=exc)
            raise
        except KeepaRateLimited as exc:
            result._count(error=exc)
            raise
        except (KeepaUnavailable, KeepaMalformed) as exc:
            result._count(error=exc)
            kind_name = "unavailable" if isinstance(exc, KeepaUnavailable) else "malformed"
            self._fail(result, chunk, kind_name, exc)
            return
        result._count(response=response)
        answers.update(_match(kind, chunk, response, self.domain))

    def _call(self, kind: str, chunk: list[str]) -> KeepaResponse:
        if kind == "asin":
            return self.client.product(asins=chunk, domain=self.domain)
        return self.client.product(codes=chunk, domain=self.domain)

    @staticmethod
    def _fail(result: FetchResult, keys: list[str], kind: str, exc: KeepaError) -> None:
        for key in keys:
            result.errors[key] = FetchError(kind, exc.message)

    def _save(self, answers: dict[str, ParsedProduct], now: datetime) -> None:
        rows = [
            {
                "source": self.source,
                "domain": self.domain,
                "lookup_key": key,
                "asin": (parsed.asin or "")[:10],
                "found": parsed.found,
                "snapshot": (
                    parsed.snapshot.to_dict()
                    if parsed.snapshot is not None
                    else {"reason": parsed.reason, "product_type": parsed.product_type}
                ),
                "history": parsed.history if parsed.found else {},
                "fetched_at": now,
            }
            for key, parsed in answers.items()
        ]
        with transaction.atomic():
            bulk_upsert(
                MarketProduct,
                rows,
                unique_fields=["source", "domain", "lookup_key"],
                update_fields=["asin", "found", "snapshot", "history", "fetched_at", "updated_at"],
            )

    def _record(
        self, key: str, parsed: ParsedProduct, fetched_at: datetime, *, from_cache: bool
    ) -> MarketRecord:
        return MarketRecord(
            lookup_key=key,
            found=parsed.found,
            snapshot=parsed.snapshot,
            asin=parsed.asin,
            reason=parsed.reason,
            fetched_at=fetched_at,
            source=self.source,
            from_cache=from_cache,
            domain=self.domain,
        )

    def _record_from_row(self, row: MarketProduct) -> MarketRecord:
        data: dict[str, Any] = row.snapshot or {}
        return MarketRecord(
            lookup_key=row.lookup_key,
            found=row.found,
            snapshot=MarketSnapshot.from_dict(data) if row.found and data else None,
            asin=row.asin,
            reason="" if row.found else str(data.get("reason") or NOT_RETURNED),
            fetched_at=row.fetched_at,
            source=row.source,
            from_cache=True,
            domain=row.domain,
        )

    # --- dashboard and commands -------------------------------------------------------------

    def token_status(self) -> TokenEnvelope:
        """Keepa's token balance from the free /token call (raises KeepaError subclasses)."""
        return self.client.token_status().envelope


def _match(
    kind: str, chunk: list[str], response: KeepaResponse, domain: int
) -> dict[str, ParsedProduct]:
    """Keepa's products back to the requested identifiers (asin field, or eanList/upcList)."""
    parsed = [parse_product(p, domain=domain) for p in response.products if isinstance(p, dict)]
    out: dict[str, ParsedProduct] = {}
    if kind == "asin":
        by_asin = {p.asin.upper(): p for p in parsed}
        for value in chunk:
            out[value] = by_asin.get(value.upper()) or ParsedProduct(
                asin="", found=False, snapshot=None, reason=NOT_RETURNED
            )
        return out
    by_code: dict[str, ParsedProduct] = {}
    for p in parsed:
        for code in p.codes:
            by_code.setdefault(code.zfill(14), p)
    for value in chunk:
        out[value] = by_code.get(value.zfill(14)) or ParsedProduct(
            asin="", found=False, snapshot=None, reason=NOT_RETURNED
        )
    return out


# --- construction from settings ---------------------------------------------------------------


def keepa_client_from_settings(
    *, api_key: str | None = None, base_url: str | None = None, **overrides: Any
) -> KeepaClient:
    """A KeepaClient configured by the KEEPA_* settings (the client itself never reads them)."""
    options: dict[str, Any] = {
        "base_url": base_url or settings.KEEPA_API_URL,
        "domain": settings.KEEPA_DOMAIN,
        "timeout": (settings.KEEPA_TIMEOUT_CONNECT, settings.KEEPA_TIMEOUT_READ),
        "max_retries": settings.KEEPA_MAX_RETRIES,
        "max_token_wait": settings.KEEPA_MAX_TOKEN_WAIT,
    }
    options.update(overrides)
    return KeepaClient(api_key if api_key is not None else settings.KEEPA_API_KEY, **options)


def demo_client(**overrides: Any) -> KeepaClient:
    """The real client, talking to the in-process fake Keepa (no socket, same wire format)."""
    from analyses.market.fake.adapter import DEMO_BASE_URL, DEMO_KEY, demo_fake, mount_fake

    client = keepa_client_from_settings(api_key=DEMO_KEY, base_url=DEMO_BASE_URL, **overrides)
    mount_fake(client.session, demo_fake(), DEMO_BASE_URL)
    return client


def market_service(
    *, source: str | None = None, client: KeepaClient | None = None
) -> MarketService:
    """The market service the settings ask for (MARKET_DATA_SOURCE "keepa" or "demo")."""
    source = source or settings.MARKET_DATA_SOURCE
    if source not in (SOURCE_KEEPA, SOURCE_DEMO):
        raise ValueError(f"unknown market data source {source!r}")
    if client is None:
        client = keepa_client_from_settings() if source == SOURCE_KEEPA else demo_client()
    return MarketService(
        client,
        source=source,
        domain=client.domain,
        ttl_seconds=settings.MARKET_CACHE_TTL,
    )
