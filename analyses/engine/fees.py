"""Fees (DOMAIN.md §4): the one fee model. Each line is rounded half-up to the cent, then summed."""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from analyses.engine.config import EngineConfig
from analyses.engine.snapshot import MarketSnapshot

CUBIC_INCHES_PER_FOOT = Decimal(1728)
FEE_LINES = ("referral", "closing", "fba", "placement", "freight", "prep", "storage")
AUTUMN_FROM_MONTH = 10  # storage is dearer in October-December (DOMAIN.md §4)

_CENT = Decimal("0.01")
_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Package:
    """The unit as the fee schedule sees it: weight, dimensions, size tier, billable weight."""

    weight_lb: Decimal
    weight_defaulted: bool
    dimensions_in: tuple[Decimal, Decimal, Decimal]  # longest, median, shortest
    dimensions_defaulted: bool
    size_tier: str
    dimensional_weight_lb: Decimal
    billable_weight_lb: Decimal


@dataclass(frozen=True, slots=True)
class Fees:
    """Each fee line (rounded) and the inputs that explain it."""

    lines: dict[str, Decimal]  # in FEE_LINES order
    total: Decimal
    price_band: str
    fba_source: str  # "rate_card" or "keepa"
    fba_base: Decimal  # before the fuel surcharge
    weight_band: str | None  # None when Keepa's fee was used
    over_steps: int
    storage_rate: Decimal
    storage_season: str  # "jan_sep" or "oct_dec"


def measure_package(snapshot: MarketSnapshot, config: EngineConfig) -> Package:
    """Weight and dimensions (config defaults when unknown), size tier and billable weight."""
    weight = snapshot.weight_lb
    weight_defaulted = weight is None or weight <= _ZERO
    if weight_defaulted:
        weight = config.default_weight_lb
    dims = snapshot.dimensions_in
    dims_defaulted = dims is None or len(dims) != 3 or min(dims) <= _ZERO
    if dims_defaulted:
        dims = config.default_dimensions_in
    longest, median, shortest = dims
    if not longest >= median >= shortest:
        longest, median, shortest = sorted(dims, reverse=True)
    card = config.rate_card
    dimensional = longest * median * shortest / card.dimensional_divisor
    tier = card.size_tier(longest, median, shortest, weight)
    billable = weight
    if card.tiers[tier].dimensional_weight and dimensional > weight:
        billable = dimensional
    return Package(
        weight,
        weight_defaulted,
        (longest, median, shortest),
        dims_defaulted,
        tier,
        dimensional,
        billable,
    )


def compute_fees(
    price: Decimal,
    package: Package,
    snapshot: MarketSnapshot,
    config: EngineConfig,
    as_of: date,
) -> Fees:
    """All fee lines for one unit sold at `price` on `as_of` (the month picks the storage rate)."""
    card = config.rate_card
    band = card.price_band(price)
    keepa_fee = snapshot.fba_pick_pack_fee
    if config.fba_fee_source == "keepa_first" and keepa_fee is not None and keepa_fee > _ZERO:
        fba_source, fba_base, weight_band, steps = "keepa", keepa_fee, None, 0
    else:
        card_fee = card.fulfilment_fee(package.size_tier, package.billable_weight_lb, band)
        fba_source, fba_base = "rate_card", card_fee.base
        weight_band, steps = card_fee.weight_band, card_fee.over_steps
    if as_of.month >= AUTUMN_FROM_MONTH:
        season, rate = "oct_dec", config.storage_rate_oct_dec
    else:
        season, rate = "jan_sep", config.storage_rate_jan_sep
    length, width, height = package.dimensions_in
    storage = length * width * height * config.storage_months * rate / CUBIC_INCHES_PER_FOOT
    lines = {
        "referral": (price * config.referral_rate).quantize(_CENT, ROUND_HALF_UP),
        "closing": config.closing_fee.quantize(_CENT, ROUND_HALF_UP),
        "fba": (fba_base * config.fuel_factor).quantize(_CENT, ROUND_HALF_UP),
        "placement": config.placement.quantize(_CENT, ROUND_HALF_UP),
        "freight": (config.freight_per_lb * package.weight_lb).quantize(_CENT, ROUND_HALF_UP),
        "prep": config.prep_label.quantize(_CENT, ROUND_HALF_UP),
        "storage": storage.quantize(_CENT, ROUND_HALF_UP),
    }
    return Fees(
        lines,
        sum(lines.values(), _ZERO),
        card.price_bands[band].id,
        fba_source,
        fba_base,
        weight_band,
        steps,
        rate,
        season,
    )
