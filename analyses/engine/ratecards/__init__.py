"""FBA rate cards (DOMAIN.md §4) as versioned data files: one JSON file per card, named by its id.

Next year's card is a new file in this folder; a configuration picks one with `fees.rate_card`.
"""

import json
from bisect import bisect_left
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

RATE_CARD_DIR = Path(__file__).resolve().parent
OUNCES_PER_POUND = Decimal(16)
_ZERO = Decimal(0)


class RateCardError(ValueError):
    """A rate card file is missing or malformed (a bug in the shipped data, not user input)."""


@dataclass(frozen=True, slots=True)
class PriceBand:
    id: str
    label: str
    upper: Decimal | None  # None: no upper bound
    upper_inclusive: bool


@dataclass(frozen=True, slots=True)
class OverRule:
    """Above the heaviest band: a base fee plus a fee per started step of weight."""

    above_lb: Decimal
    base: tuple[Decimal, ...]  # one per price band
    step_lb: Decimal
    per_step: Decimal


@dataclass(frozen=True, slots=True)
class Tier:
    name: str
    dimensional_weight: bool
    limits_lb: tuple[Decimal, ...]  # upper limit of each weight band, inclusive, increasing
    labels: tuple[str, ...]
    fees: tuple[tuple[Decimal, ...], ...]  # fees[band][price band]
    over: OverRule | None


@dataclass(frozen=True, slots=True)
class FbaFee:
    base: Decimal
    weight_band: str
    over_steps: int


@dataclass(frozen=True, slots=True)
class RateCard:
    id: str
    title: str
    effective_date: date
    currency: str
    price_bands: tuple[PriceBand, ...]
    small_longest_in: Decimal
    small_median_in: Decimal
    small_shortest_in: Decimal
    small_weight_lb: Decimal
    dimensional_divisor: Decimal
    tiers: dict[str, Tier]

    def price_band(self, price: Decimal) -> int:
        """Index of the price band that holds `price`."""
        for index, band in enumerate(self.price_bands):
            upper = band.upper
            if upper is None or price < upper or (band.upper_inclusive and price == upper):
                return index
        return len(self.price_bands) - 1

    def size_tier(
        self, longest: Decimal, median: Decimal, shortest: Decimal, weight_lb: Decimal
    ) -> str:
        """`small_standard` when every limit holds (limits inclusive), else `large_standard`."""
        if (
            longest <= self.small_longest_in
            and median <= self.small_median_in
            and shortest <= self.small_shortest_in
            and weight_lb <= self.small_weight_lb
        ):
            return "small_standard"
        return "large_standard"

    def fulfilment_fee(self, tier_name: str, billable_lb: Decimal, price_band: int) -> FbaFee:
        """The card's fee (before surcharges) for a tier, a billable weight and a price band."""
        tier = self.tiers[tier_name]
        index = bisect_left(tier.limits_lb, billable_lb)  # first limit >= weight: "≤ x" includes x
        if index < len(tier.limits_lb):
            return FbaFee(tier.fees[index][price_band], tier.labels[index], 0)
        over = tier.over
        if over is None:
            raise RateCardError(f"{self.id}: {billable_lb} lb is beyond the {tier_name} bands")
        steps = int(((billable_lb - over.above_lb) / over.step_lb).to_integral_value(ROUND_CEILING))
        return FbaFee(
            over.base[price_band] + over.per_step * steps,
            f"over {_fmt(over.above_lb)} lb",
            steps,
        )


@lru_cache(maxsize=1)
def available_rate_cards() -> tuple[str, ...]:
    """Ids of the shipped rate cards, oldest first (for validation and select boxes)."""
    return tuple(sorted(path.stem for path in RATE_CARD_DIR.glob("*.json")))


def rate_card_choices() -> list[tuple[str, str]]:
    """(id, title) pairs for a select box."""
    return [(card_id, load_rate_card(card_id).title) for card_id in available_rate_cards()]


@lru_cache(maxsize=16)
def load_rate_card(card_id: str) -> RateCard:
    """Reads and checks one card; cached, so each file is parsed once per process."""
    if card_id not in available_rate_cards():
        raise RateCardError(f"unknown rate card {card_id!r}")
    path = RATE_CARD_DIR / f"{card_id}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return _build(card_id, data)
    except (KeyError, TypeError, ValueError, InvalidOperation, IndexError) as exc:
        raise RateCardError(f"{path.name}: {exc!r}") from exc


def _build(card_id: str, data: dict) -> RateCard:
    if data["id"] != card_id:
        raise ValueError(f"id {data['id']!r} does not match the file name")
    bands = tuple(
        PriceBand(
            b["id"],
            b["label"],
            None if b["upper"] is None else Decimal(b["upper"]),
            bool(b["upper_inclusive"]),
        )
        for b in data["price_bands"]
    )
    if not bands or bands[-1].upper is not None:
        raise ValueError("the last price band must be open-ended")
    width = len(bands)
    limits = data["small_standard_limits"]
    tiers = {name: _build_tier(name, spec, width) for name, spec in data["tiers"].items()}
    if set(tiers) != {"small_standard", "large_standard"}:
        raise ValueError("the card needs exactly the tiers small_standard and large_standard")
    small_weight = Decimal(limits["weight_oz"]) / OUNCES_PER_POUND
    if (
        tiers["small_standard"].over is None
        and tiers["small_standard"].limits_lb[-1] < small_weight
    ):
        raise ValueError("small_standard bands stop below the small-standard weight limit")
    return RateCard(
        id=card_id,
        title=data["title"],
        effective_date=date.fromisoformat(data["effective_date"]),
        currency=data["currency"],
        price_bands=bands,
        small_longest_in=Decimal(limits["longest_in"]),
        small_median_in=Decimal(limits["median_in"]),
        small_shortest_in=Decimal(limits["shortest_in"]),
        small_weight_lb=small_weight,
        dimensional_divisor=Decimal(data["dimensional_divisor"]),
        tiers=tiers,
    )


def _build_tier(name: str, spec: dict, width: int) -> Tier:
    limits, labels, fees = [], [], []
    for band in spec["bands"]:
        if "max_oz" in band:
            limit = Decimal(band["max_oz"]) / OUNCES_PER_POUND
            labels.append(f"≤ {_fmt(Decimal(band['max_oz']))} oz")
        else:
            limit = Decimal(band["max_lb"])
            labels.append(f"≤ {_fmt(limit)} lb")
        row = tuple(Decimal(fee) for fee in band["fees"])
        if len(row) != width or any(fee < _ZERO for fee in row):
            raise ValueError(f"{name}: each band needs {width} non-negative fees")
        if limits and limit <= limits[-1]:
            raise ValueError(f"{name}: weight bands must increase")
        limits.append(limit)
        fees.append(row)
    over = spec.get("over")
    rule = None
    if over is not None:
        base = tuple(Decimal(fee) for fee in over["base"])
        if len(base) != width:
            raise ValueError(f"{name}: the over rule needs {width} base fees")
        rule = OverRule(
            above_lb=Decimal(over["above_lb"]),
            base=base,
            step_lb=Decimal(over["step_oz"]) / OUNCES_PER_POUND,
            per_step=Decimal(over["per_step"]),
        )
        if rule.above_lb != limits[-1] or rule.step_lb <= _ZERO:
            raise ValueError(f"{name}: the over rule must start at the heaviest band")
    return Tier(
        name, bool(spec["dimensional_weight"]), tuple(limits), tuple(labels), tuple(fees), rule
    )


def _fmt(value: Decimal) -> str:
    return format(value.normalize(), "f")
