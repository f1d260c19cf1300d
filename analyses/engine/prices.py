"""Sale price (DOMAIN.md §3): walk the price basis of the condition, then apply the price mode."""

from dataclasses import dataclass
from decimal import Decimal

from analyses.engine.snapshot import MarketSnapshot

_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class SalePrice:
    """P and where it came from: the series, the mode, both candidates and which one won."""

    value: Decimal
    series: str
    mode: str
    current: Decimal
    avg90: Decimal | None
    taken: str  # "current" or "avg90"
    note: str | None = None  # why the mode could not be applied as asked


def choose_sale_price(
    snapshot: MarketSnapshot, basis: tuple[str, ...], mode: str
) -> SalePrice | None:
    """The first series of `basis` with a current price, priced by `mode`; None when none has."""
    prices = snapshot.prices
    for series in basis:
        found = prices.get(series)
        if found is None:
            continue
        current = found.current
        # The parser already maps Keepa's -1/-2 to None; a non-positive price is no price either.
        if current is None or current <= _ZERO:
            continue
        avg = found.avg90
        if avg is not None and avg <= _ZERO:
            avg = None
        if mode == "current":
            return SalePrice(current, series, mode, current, avg, "current")
        if avg is None:
            return SalePrice(
                current, series, mode, current, None, "current", "no 90-day average: current used"
            )
        if mode == "avg90" or avg < current:
            return SalePrice(avg, series, mode, current, avg, "avg90")
        return SalePrice(current, series, mode, current, avg, "current")
    return None
