"""Risk (DOMAIN.md §7): flags, in contract order, and a level from how many are raised."""

from dataclasses import dataclass
from decimal import Decimal

from analyses.engine.config import EngineConfig
from analyses.engine.prices import SalePrice
from analyses.engine.snapshot import MarketSnapshot
from analyses.engine.velocity import Velocity

RISK_FLAGS = (
    "amazon_on_listing",
    "high_competition",
    "price_falling",
    "slow_seller",
    "no_sales_data",
)
_LEVELS = ("LOW", "MEDIUM")  # by number of flags; two or more is HIGH
_ONE = Decimal(1)
_HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class Risk:
    flags: tuple[str, ...]
    level: str
    offers_count: int | None
    amazon_on_listing: bool


def amazon_is_on_listing(snapshot: MarketSnapshot) -> bool:
    """Amazon has a current offer: the parser's flag, or a current AMAZON price."""
    if snapshot.amazon_on_listing:
        return True
    amazon = snapshot.prices.get("AMAZON")
    return amazon is not None and amazon.current is not None and amazon.current > 0


def offers_count(snapshot: MarketSnapshot, condition: str) -> int | None:
    """Competing offers for the condition: used offers for used, new offers for new."""
    count = snapshot.count_used if condition == "used" else snapshot.count_new
    return count if count is not None and count >= 0 else None


def is_price_falling(sale: SalePrice | None, config: EngineConfig) -> bool:
    """The chosen series' current price is below (100 - drop %) of its 90-day average."""
    if sale is None or sale.avg90 is None:
        return False
    # current < (1 - drop/100) * avg, multiplied through by 100 so nothing is rounded.
    return sale.current * _HUNDRED < config.price_keep_pct * sale.avg90


def assess_risk(
    snapshot: MarketSnapshot,
    condition: str,
    sale: SalePrice | None,
    velocity: Velocity,
    config: EngineConfig,
) -> Risk:
    """The raised flags and the level: none LOW, one MEDIUM, two or more HIGH."""
    flags = []
    on_listing = amazon_is_on_listing(snapshot)
    if on_listing:
        flags.append("amazon_on_listing")
    offers = offers_count(snapshot, condition)
    if offers is not None and offers > config.max_offers:
        flags.append("high_competition")
    if is_price_falling(sale, config):
        flags.append("price_falling")
    monthly = velocity.monthly_sales
    if monthly is None:
        flags.append("no_sales_data")
    elif monthly < _ONE:
        flags.append("slow_seller")
    level = _LEVELS[len(flags)] if len(flags) < len(_LEVELS) else "HIGH"
    return Risk(tuple(flags), level, offers, on_listing)
