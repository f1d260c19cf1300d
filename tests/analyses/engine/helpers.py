"""Builders shared by the engine tests: snapshots from the units Keepa speaks (cents, grams, mm)."""

from datetime import date
from decimal import Decimal

from analyses.engine import ItemInput, analyze, parse_config
from analyses.engine.snapshot import MarketSnapshot, SeriesPrice

GRAMS_PER_POUND = Decimal("453.59237")
MM_PER_INCH = Decimal("25.4")
AUTUMN = date(2026, 11, 23)
SPRING = date(2026, 5, 4)
DEFAULTS = parse_config()
D = Decimal


def lb_from_grams(grams) -> Decimal:
    return Decimal(grams) / GRAMS_PER_POUND


def lb_from_oz(oz) -> Decimal:
    return Decimal(oz) / 16


def inches(*mm) -> tuple[Decimal, Decimal, Decimal]:
    lengths = sorted((Decimal(m) / MM_PER_INCH for m in mm), reverse=True)
    return (lengths[0], lengths[1], lengths[2])


def dims(*lengths) -> tuple[Decimal, Decimal, Decimal]:
    return tuple(Decimal(str(length)) for length in lengths)


def prices(**series) -> dict[str, SeriesPrice]:
    """prices(USED=("14.99", "16.20"), NEW=("20.00", None))"""
    return {
        name: SeriesPrice(
            None if current is None else Decimal(current), None if avg is None else Decimal(avg)
        )
        for name, (current, avg) in series.items()
    }


def snapshot(**overrides) -> MarketSnapshot:
    """A healthy used paperback (worked example A) unless told otherwise."""
    values = {
        "asin": "0000000000",
        "prices": prices(USED=("14.99", "16.20")),
        "rank_current": 120_500,
        "drops90": 8,
        "count_used": 17,
        "weight_lb": lb_from_grams(340),
        "dimensions_in": inches(203, 133, 23),
    }
    values.update(overrides)
    return MarketSnapshot(**values)


def run(snap=None, cost="2.00", condition=None, config=DEFAULTS, as_of=AUTUMN, **overrides):
    snap = snap if snap is not None else snapshot(**overrides)
    return analyze(snap, ItemInput(Decimal(cost), condition), config, as_of)


def codes(result) -> list[str]:
    return [reason.code for reason in result.reasons]
