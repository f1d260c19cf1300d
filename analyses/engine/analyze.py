"""`analyze`: one book, one market snapshot, one configuration, one date → one Result."""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any

from analyses.engine.config import CONDITIONS, DECIMAL_CONTEXT, EngineConfig, parse_config
from analyses.engine.decision import balanced_score, decide, max_buy_candidates, roi_percent
from analyses.engine.fees import compute_fees, measure_package
from analyses.engine.prices import choose_sale_price
from analyses.engine.result import Result, Trace
from analyses.engine.risk import assess_risk
from analyses.engine.snapshot import MarketSnapshot
from analyses.engine.velocity import estimate_velocity

_CENT = Decimal("0.01")
_WEIGHT_DISPLAY = Decimal("0.0001")
_PARSED: dict[str, EngineConfig] = {}
_PARSED_LIMIT = 32


@dataclass(frozen=True, slots=True)
class ItemInput:
    """What the user brings: unit cost (whole cents), condition (None: the config's), quantity.

    Every figure of the Result is per unit; the quantity is only carried into the explanation.
    """

    cost: Decimal
    condition: str | None = None
    quantity: int = 1

    def __post_init__(self):
        cost = self.cost
        if isinstance(cost, float | bool) or not isinstance(cost, Decimal | int | str):
            raise TypeError("cost must be a Decimal (never a float)")
        if not isinstance(cost, Decimal):
            try:
                cost = Decimal(cost)
            except ArithmeticError as exc:
                raise ValueError(f"cost {cost!r} is not a number") from exc
            object.__setattr__(self, "cost", cost)
        if not cost.is_finite() or cost < 0:
            raise ValueError("cost must be 0 or more")
        try:
            whole_cents = cost.quantize(_CENT, context=DECIMAL_CONTEXT) == cost
        except ArithmeticError as exc:
            raise ValueError("cost is too large") from exc
        if not whole_cents:
            raise ValueError("cost must be in whole cents")
        if self.condition == "":
            object.__setattr__(self, "condition", None)  # a blank sheet cell
        elif self.condition is not None and self.condition not in CONDITIONS:
            raise ValueError(f"condition must be one of: {', '.join(CONDITIONS)}")
        if isinstance(self.quantity, bool) or not isinstance(self.quantity, int):
            raise TypeError("quantity must be an int")
        if self.quantity < 1:
            raise ValueError("quantity must be at least 1")


def analyze(
    snapshot: MarketSnapshot,
    item: ItemInput,
    config: EngineConfig | Mapping[str, Any],
    as_of: date,
) -> Result:
    """Prices, fees, profit, velocity, risk and the decision for one book on `as_of`.

    `config` is an EngineConfig (parse it once per batch) or a (partial) config dict.
    """
    if not isinstance(config, EngineConfig):
        config = _parse_dict(config)
    with localcontext(DECIMAL_CONTEXT):
        return _analyze(snapshot, item, config, as_of)


def _parse_dict(config: Any) -> EngineConfig:
    # Callers that pass the same dict for every book should not pay validation each time.
    # Only plain JSON is keyed (no `default=`), so two configs share a key only if equal.
    try:
        key = json.dumps(config, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError):
        return parse_config(config)
    parsed = _PARSED.get(key)
    if parsed is None:
        parsed = parse_config(config)
        if len(_PARSED) >= _PARSED_LIMIT:
            _PARSED.clear()
        _PARSED[key] = parsed
    return parsed


def _analyze(snapshot: MarketSnapshot, item: ItemInput, config: EngineConfig, as_of: date):
    condition = item.condition or config.condition
    cost = item.cost
    basis = config.basis[condition]
    sale = choose_sale_price(snapshot, basis, config.price_mode)
    package = measure_package(snapshot, config)
    velocity = estimate_velocity(snapshot, config)
    risk = assess_risk(snapshot, condition, sale, velocity, config)
    rank, rank_source = snapshot.rank_current, "current"
    if rank is None or rank <= 0:
        rank, rank_source = snapshot.rank_avg90, "avg90"
        if rank is None or rank <= 0:
            rank, rank_source = None, None

    if sale is None:
        fees = price = total = profit = roi = net = None
        by_profit = by_roi = max_buy = balanced = None
        lines: dict[str, Decimal] = {}
    else:
        price = sale.value
        fees = compute_fees(price, package, snapshot, config, as_of)
        lines, total = fees.lines, fees.total
        net = price - total
        profit = (net - cost).quantize(_CENT, ROUND_HALF_UP)
        roi = roi_percent(profit, cost)
        by_profit, by_roi, max_buy = max_buy_candidates(net, config)
        balanced = balanced_score(roi, velocity.score)

    recommendation, reasons = decide(
        condition=condition,
        basis=basis,
        cost=cost,
        profit=profit,
        roi=roi,
        velocity=velocity.score,
        rank=rank,
        risk=risk,
        config=config,
    )
    trace = Trace(
        as_of,
        condition,
        cost,
        item.quantity,
        config,
        sale,
        package,
        fees,
        net,
        by_profit,
        by_roi,
        velocity,
        risk,
        rank,
        rank_source,
    )
    return Result(
        condition=condition,
        expected_sale_price=price,
        price_series=None if sale is None else sale.series,
        price_mode=config.price_mode,
        fee_lines=lines,
        fees=total,
        profit=profit,
        roi_percent=roi,
        max_buy_price=max_buy,
        size_tier=package.size_tier,
        billable_weight_lb=package.billable_weight_lb.quantize(_WEIGHT_DISPLAY, ROUND_HALF_UP),
        est_monthly_sales=velocity.est_monthly_sales,
        velocity_rule=velocity.rule,
        velocity_score=velocity.score,
        rank_snapshot=snapshot.rank_current,
        offers_count=risk.offers_count,
        risk_flags=risk.flags,
        risk_level=risk.level,
        recommendation=recommendation,
        reasons=reasons,
        balanced_score=balanced,
        trace=trace,
    )
