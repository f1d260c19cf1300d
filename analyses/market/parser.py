"""Keepa product JSON -> MarketSnapshot (DOMAIN.md §2) + a compact history for charts.

No Django. Missing keys and nulls are treated alike; every array index is bounds-checked,
because Keepa's arrays grow and shrink over time (KEEPA.md §8.13).

History format (what `ParsedProduct.history` and MarketProduct.history hold)::

    {"v": 1, "unit": "cents", "bucket_s": 86400, "until": 1767225600,
     "series": {"USED": [[unix_seconds, cents_or_None], ...], "SALES": [[t, rank_or_None], ...]}}

Points are oldest first and are steps (a value holds until the next point); None is a gap
(Keepa's -1: out of stock / no rank). Prices are integer cents (landed price for triplet series);
ranks and counts are plain integers. At most one point per series per `bucket_s` is kept (the last
value of the bucket), consecutive equal values are merged, and points older than the history
window are folded into one point at the window start, so a product's history stays a few KB.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from analyses.engine.snapshot import PRICE_SERIES, SERIES_INDEX, MarketSnapshot, SeriesPrice
from analyses.market.wire import (
    BUY_BOX_SHIPPING,
    KEEPA_EPOCH_MINUTE,
    PRODUCT_TYPES,
    keepa_minute_to_datetime,
    keepa_minute_to_unix,
    stride,
)

GRAMS_PER_POUND = Decimal("453.59237")
MM_PER_INCH = Decimal("25.4")
HISTORY_VERSION = 1
HISTORY_BUCKET_SECONDS = 86_400
HISTORY_DAYS = 365

# What a seller's Keepa chart shows, by the names stored in the history.
HISTORY_SERIES: dict[str, int] = {
    "AMAZON": SERIES_INDEX["AMAZON"],
    "NEW": SERIES_INDEX["NEW"],
    "USED": SERIES_INDEX["USED"],
    "NEW_FBA": SERIES_INDEX["NEW_FBA"],
    "BUY_BOX": BUY_BOX_SHIPPING,  # landed; only present when Keepa sends it (offers/buybox)
    "LIST_PRICE": 4,
    "SALES": SERIES_INDEX["SALES"],
    "COUNT_NEW": SERIES_INDEX["COUNT_NEW"],
    "COUNT_USED": SERIES_INDEX["COUNT_USED"],
}
PRICE_HISTORY_SERIES = frozenset({"AMAZON", "NEW", "USED", "NEW_FBA", "BUY_BOX", "LIST_PRICE"})

NOT_RETURNED = "not returned by Keepa"
_NOTHING = object()


@dataclass(frozen=True, slots=True)
class ParsedProduct:
    """One product of a Keepa answer: a snapshot when usable, else why it is "not found"."""

    asin: str
    found: bool
    snapshot: MarketSnapshot | None
    history: dict[str, Any] = field(default_factory=dict)
    reason: str = ""  # why not found ("" when found)
    product_type: int | None = None
    codes: tuple[str, ...] = ()  # eanList + upcList, to match code lookups back


def not_found(asin: str = "", reason: str = NOT_RETURNED) -> ParsedProduct:
    return ParsedProduct(asin=asin, found=False, snapshot=None, reason=reason)


def parse_products(body: dict[str, Any], *, domain: int = 1) -> list[ParsedProduct]:
    products = body.get("products") if isinstance(body, dict) else None
    if not isinstance(products, list):
        return []
    return [parse_product(p, domain=domain) for p in products if isinstance(p, dict)]


def parse_product(
    product: dict[str, Any] | None,
    *,
    domain: int = 1,
    history_days: int = HISTORY_DAYS,
    bucket_seconds: int = HISTORY_BUCKET_SECONDS,
) -> ParsedProduct:
    """Snapshot + history of one product object (None / {} = absent from the answer)."""
    if not product:
        return not_found()
    asin = _str(product.get("asin"))
    codes = _codes(product)
    product_type = _int(product.get("productType"))
    if product_type != 0:
        name = PRODUCT_TYPES.get(product_type, "UNKNOWN") if product_type is not None else "none"
        return ParsedProduct(
            asin=asin,
            found=False,
            snapshot=None,
            reason=f"productType {product_type if product_type is not None else 'missing'} "
            f"({name}): no usable market data",
            product_type=product_type,
            codes=codes,
        )

    stats = product.get("stats") if isinstance(product.get("stats"), dict) else {}
    current = _list(stats.get("current"))
    avg90 = _list(stats.get("avg90"))

    prices = {
        name: SeriesPrice(
            current=_cents(_at(current, SERIES_INDEX[name])),
            avg90=_cents(_at(avg90, SERIES_INDEX[name])),
        )
        for name in PRICE_SERIES
    }
    amazon_now = _at(current, SERIES_INDEX["AMAZON"])
    last_update = _int(product.get("lastUpdate"))
    fba_fees = product.get("fbaFees") if isinstance(product.get("fbaFees"), dict) else {}

    snapshot = MarketSnapshot(
        asin=asin,
        domain=_int(product.get("domainId")) or domain,
        title=_str(product.get("title")).strip(),
        binding=_str(product.get("binding")).strip(),
        publication_date=publication_date(product.get("publicationDate")),
        last_update=keepa_minute_to_datetime(last_update)
        if last_update and last_update > 0
        else None,
        prices=prices,
        rank_current=_rank_now(product, current),
        rank_avg90=_positive(_at(avg90, SERIES_INDEX["SALES"])),
        drops30=_non_negative(stats.get("salesRankDrops30")),
        drops90=_non_negative(stats.get("salesRankDrops90")),
        count_new=_non_negative(_at(current, SERIES_INDEX["COUNT_NEW"])),
        count_used=_non_negative(_at(current, SERIES_INDEX["COUNT_USED"])),
        amazon_on_listing=amazon_now is not None and amazon_now > 0,
        weight_lb=_weight_lb(product),
        dimensions_in=_dimensions_in(product),
        fba_pick_pack_fee=_cents(_int(fba_fees.get("pickAndPackFee"))),
        ean_list=codes,
    )
    history = compact_history(
        product.get("csv"),
        until=keepa_minute_to_unix(last_update) if last_update and last_update > 0 else None,
        days=history_days,
        bucket_seconds=bucket_seconds,
    )
    return ParsedProduct(
        asin=asin, found=True, snapshot=snapshot, history=history, product_type=0, codes=codes
    )


# --- csv decoding ----------------------------------------------------------------------------


def decode_series(csv_entry: Any, index: int) -> list[tuple[int, int]]:
    """Flat Keepa series -> [(keepa_minute, value)], oldest first.

    Stride-3 series ([t, price, shipping, ...], KEEPA.md §4.2) give the landed price,
    price + max(shipping, 0) when price >= 0; a negative price stays as it is (-1 = no offer).
    A trailing incomplete group is dropped; a series holding anything but integers is ignored.
    """
    times, values = _split_series(csv_entry, index)
    if not all(type(x) is int for x in times) or not all(type(x) is int for x in values):
        return []
    return list(zip(times, values, strict=True))


def _split_series(csv_entry: Any, index: int) -> tuple[list[int], list[int]]:
    if not isinstance(csv_entry, list) or not csv_entry:
        return [], []
    if stride(index) == 2:
        n = len(csv_entry) // 2
        times, values = csv_entry[0 : 2 * n : 2], csv_entry[1 : 2 * n : 2]
    else:
        n = len(csv_entry) // 3
        times = csv_entry[0 : 3 * n : 3]
        prices = csv_entry[1 : 3 * n : 3]
        shipping = csv_entry[2 : 3 * n : 3]
        try:
            values = [
                p + s if p >= 0 and s > 0 else p for p, s in zip(prices, shipping, strict=True)
            ]
        except TypeError:
            return [], []
    return times, values


def compact_history(
    csv: Any,
    *,
    until: int | None = None,
    days: int = HISTORY_DAYS,
    bucket_seconds: int = HISTORY_BUCKET_SECONDS,
    series: dict[str, int] | None = None,
) -> dict[str, Any]:
    """The chart history of HISTORY_SERIES (see the module docstring). `csv: null` -> no series."""
    wanted = series or HISTORY_SERIES
    split: dict[str, tuple[list[int], list[int]]] = {}
    if isinstance(csv, list):
        for name, index in wanted.items():
            if index < len(csv):
                times, values = _split_series(csv[index], index)
                if times:
                    split[name] = (times, values)
    if until is None:
        until = max((keepa_minute_to_unix(t[-1]) for t, _ in split.values()), default=0)
    since = until - days * 86_400 if until else 0
    out_series = {}
    for name, (times, values) in split.items():
        try:
            points = _compact(times, values, since=since, bucket_seconds=bucket_seconds)
        except TypeError:  # a series holding something other than numbers: leave it out
            continue
        if points:
            out_series[name] = points
    return {
        "v": HISTORY_VERSION,
        "unit": "cents",
        "bucket_s": bucket_seconds,
        "until": until,
        "series": out_series,
    }


def _compact(
    times: list[int], values: list[int], *, since: int, bucket_seconds: int
) -> list[tuple[int, int | None]]:
    """Window, one point per bucket (the last value wins), no repeated values; -1 -> None."""
    epoch = KEEPA_EPOCH_MINUTE
    bucket_minutes = max(1, bucket_seconds // 60)
    first = bisect_left(times, since // 60 - epoch)  # Keepa's points are chronological
    # Tuples, not lists: fewer GC-tracked containers when a batch parses thousands of these.
    out: list[tuple[int, int | None]] = []
    previous: Any = _NOTHING
    if first > 0:  # the value in force when the window opens
        v = values[first - 1]
        previous = v if v >= 0 else None
        out.append((since, previous))
    if first >= len(times):
        return out
    # bucket -> index of its last point (a dict keeps the buckets in chronological order)
    lasts = {(times[i] + epoch) // bucket_minutes: i for i in range(first, len(times))}
    for i in lasts.values():
        v = values[i]
        if v < 0:
            v = None
        if v != previous or previous is _NOTHING:
            out.append(((times[i] + epoch) * 60, v))
            previous = v
    return out


# --- field helpers ---------------------------------------------------------------------------


def publication_date(value: Any) -> str:
    """Keepa's YYYYMMDD / YYYYMM / YYYY int -> "YYYY-MM-DD" / "YYYY-MM" / "YYYY" ("" if unknown)."""
    number = _int(value)
    if number is None or number <= 0:
        return ""
    text = str(number)
    if len(text) == 8:
        year, month, day = text[:4], int(text[4:6]), int(text[6:])
        if not 1 <= month <= 12:
            return year
        if not 1 <= day <= 31:
            return f"{year}-{month:02d}"
        return f"{year}-{month:02d}-{day:02d}"
    if len(text) == 6:
        year, month = text[:4], int(text[4:])
        return f"{year}-{month:02d}" if 1 <= month <= 12 else year
    if len(text) == 4:
        return text
    return ""


def _rank_now(product: dict[str, Any], current: list[Any]) -> int | None:
    reference = _int(product.get("salesRankReference"))
    ranks = product.get("salesRanks")
    if reference is not None and reference > 0 and isinstance(ranks, dict):
        series = ranks.get(str(reference))
        if isinstance(series, list) and len(series) >= 2:
            last = _int(series[(len(series) // 2) * 2 - 1])
            if last is not None and last > 0:
                return last
    return _positive(_at(current, SERIES_INDEX["SALES"]))


def _weight_lb(product: dict[str, Any]) -> Decimal | None:
    for key in ("packageWeight", "itemWeight"):
        grams = _int(product.get(key))
        if grams is not None and grams > 0:
            return Decimal(grams) / GRAMS_PER_POUND
    return None


def _dimensions_in(product: dict[str, Any]) -> tuple[Decimal, Decimal, Decimal] | None:
    sizes = [_int(product.get(k)) for k in ("packageLength", "packageWidth", "packageHeight")]
    if any(s is None or s <= 0 for s in sizes):
        return None
    inches = sorted((Decimal(s) / MM_PER_INCH for s in sizes), reverse=True)  # type: ignore[arg-type]
    return inches[0], inches[1], inches[2]


def _codes(product: dict[str, Any]) -> tuple[str, ...]:
    out: list[str] = []
    for key in ("eanList", "upcList"):
        values = product.get(key)
        if isinstance(values, list):
            for v in values:
                if v is not None and str(v) and str(v) not in out:
                    out.append(str(v))
    return tuple(out)


def _cents(value: int | None) -> Decimal | None:
    """Keepa cents -> Decimal dollars; -1/-2 (and 0) mean "no price", never $0."""
    if value is None or value <= 0:
        return None
    return Decimal(value).scaleb(-2)


def _at(values: list[Any], index: int) -> int | None:
    return _int(values[index]) if 0 <= index < len(values) else None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _int(value: Any) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return None
    return None


def _positive(value: Any) -> int | None:
    number = _int(value)
    return number if number is not None and number > 0 else None


def _non_negative(value: Any) -> int | None:
    number = _int(value)
    return number if number is not None and number >= 0 else None


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""
