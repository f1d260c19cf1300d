"""What the engine knows about a product on Amazon: a plain, serialisable dataclass.

The Keepa parser (analyses.market.parser) builds it; the engine reads it; analyses store its
dict form (`raw_keepa`) so a batch can be re-scored later without asking Keepa again.
Money is Decimal dollars; "no data" is None, never 0.
"""

from dataclasses import dataclass, field, fields
from datetime import datetime
from decimal import Decimal
from typing import Any

# Keepa csv / stats indexes (KEEPA.md §4.1) of the series the engine reads.
SERIES_INDEX = {
    "AMAZON": 0,
    "NEW": 1,
    "USED": 2,
    "SALES": 3,
    "NEW_FBA": 10,
    "COUNT_NEW": 11,
    "COUNT_USED": 12,
}
PRICE_SERIES = ("AMAZON", "NEW", "USED", "NEW_FBA")


@dataclass(frozen=True, slots=True)
class SeriesPrice:
    """A price series now and on its 90-day average (None when Keepa has no data)."""

    current: Decimal | None = None
    avg90: Decimal | None = None


@dataclass(frozen=True, slots=True)
class MarketSnapshot:
    asin: str
    domain: int = 1
    title: str = ""
    binding: str = ""
    publication_date: str = ""  # "YYYY", "YYYY-MM" or "YYYY-MM-DD" as Keepa knows it
    last_update: datetime | None = None
    prices: dict[str, SeriesPrice] = field(default_factory=dict)  # keys of PRICE_SERIES
    rank_current: int | None = None
    rank_avg90: int | None = None
    drops30: int | None = None  # None = unknown (Keepa -1); 0 is a real zero
    drops90: int | None = None
    count_new: int | None = None
    count_used: int | None = None
    amazon_on_listing: bool = False
    weight_lb: Decimal | None = None  # None = unknown: the config's default weight applies
    dimensions_in: tuple[Decimal, Decimal, Decimal] | None = None  # longest, median, shortest
    fba_pick_pack_fee: Decimal | None = None
    ean_list: tuple[str, ...] = ()

    def price(self, series: str) -> SeriesPrice:
        return self.prices.get(series) or SeriesPrice()

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict (Decimals as strings, so a round trip is exact)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "prices":
                value = {
                    name: {"current": _dec_out(p.current), "avg90": _dec_out(p.avg90)}
                    for name, p in value.items()
                }
            elif f.name == "dimensions_in":
                value = None if value is None else [str(v) for v in value]
            elif f.name == "ean_list":
                value = list(value)
            elif isinstance(value, Decimal):
                value = str(value)
            elif isinstance(value, datetime):
                value = value.isoformat()
            out[f.name] = value
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "MarketSnapshot":
        known = {f.name for f in fields(cls)}
        kwargs = {k: v for k, v in data.items() if k in known}
        kwargs["prices"] = {
            name: SeriesPrice(_dec_in(p.get("current")), _dec_in(p.get("avg90")))
            for name, p in (data.get("prices") or {}).items()
        }
        for name in ("weight_lb", "fba_pick_pack_fee"):
            kwargs[name] = _dec_in(data.get(name))
        dims = data.get("dimensions_in")
        kwargs["dimensions_in"] = None if dims is None else tuple(Decimal(str(d)) for d in dims)
        kwargs["ean_list"] = tuple(data.get("ean_list") or ())
        last = data.get("last_update")
        kwargs["last_update"] = datetime.fromisoformat(last) if last else None
        return cls(**kwargs)


def _dec_out(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _dec_in(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))
