"""The engine's answer for one book, and the JSON that explains every number of it."""

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any

from analyses.engine.config import DECIMAL_CONTEXT, EngineConfig
from analyses.engine.decision import Reason
from analyses.engine.fees import CUBIC_INCHES_PER_FOOT, Fees, Package
from analyses.engine.prices import SalePrice
from analyses.engine.risk import Risk
from analyses.engine.velocity import Velocity

EXPLANATION_VERSION = 1
_TWO_PLACES = Decimal("0.01")  # inches, ounces
_DISPLAY_WEIGHT = Decimal("0.0001")  # lb, cubic feet
_OUNCES_PER_POUND = Decimal(16)


@dataclass(frozen=True, slots=True)
class Trace:
    """The intermediate values behind a Result, kept as objects and formatted only on demand."""

    as_of: date
    condition: str
    cost: Decimal
    quantity: int
    config: EngineConfig
    sale: SalePrice | None
    package: Package
    fees: Fees | None
    net: Decimal | None
    max_buy_by_profit: Decimal | None
    max_buy_by_roi: Decimal | None
    velocity: Velocity
    risk: Risk
    rank: int | None
    rank_source: str | None


@dataclass(frozen=True, slots=True)
class Result:
    """Economics, speed, risk and decision for one book; economics are None without a price."""

    condition: str
    expected_sale_price: Decimal | None
    price_series: str | None
    price_mode: str
    fee_lines: dict[str, Decimal]  # referral, closing, fba, placement, freight, prep, storage
    fees: Decimal | None
    profit: Decimal | None
    roi_percent: Decimal | None
    max_buy_price: Decimal | None
    size_tier: str
    billable_weight_lb: Decimal  # 4 dp, for display; bands compare the exact weight
    est_monthly_sales: Decimal | None
    velocity_rule: str
    velocity_score: Decimal
    rank_snapshot: int | None
    offers_count: int | None
    risk_flags: tuple[str, ...]
    risk_level: str
    recommendation: str
    reasons: tuple[Reason, ...]
    balanced_score: Decimal | None
    trace: Trace = field(repr=False, compare=False)

    def reason_dicts(self) -> list[dict[str, str]]:
        """The reasons as the Analysis row stores them."""
        return [reason.to_dict() for reason in self.reasons]

    def explanation(self) -> dict[str, Any]:
        """JSON-safe account of every number (Decimals as strings) for `target_price_data`."""
        with localcontext(DECIMAL_CONTEXT):
            return self._explanation()

    def _explanation(self) -> dict[str, Any]:
        trace = self.trace
        config = trace.config
        sale, package, fees, velocity, risk = (
            trace.sale,
            trace.package,
            trace.fees,
            trace.velocity,
            trace.risk,
        )
        return {
            "version": EXPLANATION_VERSION,
            "as_of": trace.as_of.isoformat(),
            "rate_card": config.rate_card.id,
            "item": {
                "condition": trace.condition,
                "cost": _text(trace.cost),
                "quantity": trace.quantity,
            },
            "sale_price": _sale_price(sale, config, trace.condition),
            "package": _package(package),
            "fees": None if fees is None or sale is None else _fees(fees, sale, package, config),
            "economics": None if sale is None else self._economics(),
            "velocity": {
                "rule": velocity.rule,
                "input": velocity.input,
                "rank_source": velocity.rank_source,
                "est_monthly_sales": _text(velocity.est_monthly_sales),
                "monthly_sales_exact": _text(velocity.monthly_sales),
                "score": _text(velocity.score),
                "saturation": config.effective["velocity"]["saturation"],
            },
            "risk": {
                "flags": list(risk.flags),
                "level": risk.level,
                "offers_count": risk.offers_count,
                "amazon_on_listing": risk.amazon_on_listing,
                "price_falling_below": _falling_below(sale, config),
            },
            "rank": {"value": trace.rank, "source": trace.rank_source},
            "decision": {
                "recommendation": self.recommendation,
                "reasons": self.reason_dicts(),
            },
            "balanced_score": _text(self.balanced_score),
            "thresholds": dict(config.effective["thresholds"]),
        }

    def _economics(self) -> dict[str, Any]:
        trace = self.trace
        return {
            "price": _text(self.expected_sale_price),
            "fees": _text(self.fees),
            "net": _text(trace.net),
            "cost": _text(trace.cost),
            "profit": _text(self.profit),
            "roi_percent": _text(self.roi_percent),
            "max_buy_price": _text(self.max_buy_price),
            "max_buy_candidates": {
                "net_minus_min_profit": _text(trace.max_buy_by_profit),
                "net_over_one_plus_min_roi": _text(trace.max_buy_by_roi),
            },
        }


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _round(value: Decimal, step: Decimal) -> str:
    return str(value.quantize(step, ROUND_HALF_UP))


def _sale_price(sale: SalePrice | None, config: EngineConfig, condition: str) -> dict[str, Any]:
    basis = list(config.basis[condition])
    if sale is None:
        return {"value": None, "basis": basis, "mode": config.price_mode}
    return {
        "value": str(sale.value),
        "series": sale.series,
        "mode": sale.mode,
        "taken": sale.taken,
        "current": str(sale.current),
        "avg90": _text(sale.avg90),
        "note": sale.note,
        "basis": basis,
    }


def _package(package: Package) -> dict[str, Any]:
    return {
        "weight_lb": _round(package.weight_lb, _DISPLAY_WEIGHT),
        "weight_oz": _round(package.weight_lb * _OUNCES_PER_POUND, _TWO_PLACES),
        "weight_defaulted": package.weight_defaulted,
        "dimensions_in": [_round(length, _TWO_PLACES) for length in package.dimensions_in],
        "dimensions_defaulted": package.dimensions_defaulted,
        "size_tier": package.size_tier,
        "dimensional_weight_lb": _round(package.dimensional_weight_lb, _DISPLAY_WEIGHT),
        "billable_weight_lb": _round(package.billable_weight_lb, _DISPLAY_WEIGHT),
    }


def _fees(fees: Fees, sale: SalePrice, package: Package, config: EngineConfig) -> dict[str, Any]:
    lines = fees.lines
    length, width, height = package.dimensions_in
    cubic_feet = length * width * height / CUBIC_INCHES_PER_FOOT
    effective = config.effective["fees"]
    return {
        "lines": {
            "referral": {
                "amount": str(lines["referral"]),
                "percent": effective["referral_pct"],
                "of_price": str(sale.value),
            },
            "closing": {"amount": str(lines["closing"])},
            "fba": {
                "amount": str(lines["fba"]),
                "source": fees.fba_source,
                "base": str(fees.fba_base),
                "fuel_surcharge_pct": effective["fuel_surcharge_pct"],
                "price_band": fees.price_band,
                "size_tier": package.size_tier,
                "weight_band": fees.weight_band,
                "billable_weight_lb": _round(package.billable_weight_lb, _DISPLAY_WEIGHT),
                "over_steps": fees.over_steps,
            },
            "placement": {"amount": str(lines["placement"])},
            "freight": {
                "amount": str(lines["freight"]),
                "per_lb": effective["inbound_freight_per_lb"],
                "weight_lb": _round(package.weight_lb, _DISPLAY_WEIGHT),
                "weight_defaulted": package.weight_defaulted,
            },
            "prep": {"amount": str(lines["prep"])},
            "storage": {
                "amount": str(lines["storage"]),
                "months": config.storage_months,
                "cubic_feet": _round(cubic_feet, _DISPLAY_WEIGHT),
                "rate_per_cubic_foot_month": str(fees.storage_rate),
                "season": fees.storage_season,
                "dimensions_defaulted": package.dimensions_defaulted,
            },
        },
        "total": str(fees.total),
    }


def _falling_below(sale: SalePrice | None, config: EngineConfig) -> str | None:
    # The price the current one must stay at or above for `price_falling` not to be raised.
    if sale is None or sale.avg90 is None:
        return None
    return format((sale.avg90 * config.price_keep_pct / Decimal(100)).normalize(), "f")
