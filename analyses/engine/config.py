"""The business configuration (DOMAIN.md §9): defaults, validation, and the parsed engine view.

A stored configuration is partial JSON; `validate_config` checks it and returns the full effective
configuration (JSON-safe, money as strings), which is what a batch freezes. `parse_config` turns
that into an `EngineConfig` of Decimals, built once and reused for every book of a batch.
"""

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import (
    ROUND_HALF_EVEN,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    localcontext,
)
from typing import Any

from analyses.engine.ratecards import RateCard, available_rate_cards, load_rate_card
from analyses.engine.snapshot import PRICE_SERIES

CONDITIONS = ("used", "new")
PRICE_MODES = ("conservative", "current", "avg90")
FBA_FEE_SOURCES = ("rate_card", "keepa_first")

DEFAULT_CONFIG: dict[str, Any] = {
    "condition": "used",
    "price": {
        "basis_used": ["USED", "NEW"],
        "basis_new": ["NEW_FBA", "NEW", "AMAZON"],
        "mode": "conservative",
    },
    "fees": {
        "referral_pct": 15,
        "closing_fee": "1.80",
        "fba_fee_source": "rate_card",
        "rate_card": "us-2026-01-15",
        "fuel_surcharge_pct": 3.5,
        "inbound_placement": "0.30",
        "inbound_freight_per_lb": "0.50",
        "prep_label": "0.20",
        "storage_months": 2,
        "storage_rate_jan_sep": "0.78",
        "storage_rate_oct_dec": "2.40",
        "default_weight_lb": "1",
        "default_dimensions_in": ["9", "6", "1"],
    },
    "thresholds": {
        "min_roi_pct": 30,
        "min_profit": "3.00",
        "min_velocity": 20,
        "max_rank": 2000000,
        "max_offers": 30,
        "price_drop_pct": 30,
    },
    "velocity": {
        "saturation": 30,
        "rank_table": [
            [50000, 30],
            [125000, 22],
            [250000, 15],
            [500000, 10],
            [900000, 6],
            [1400000, 3],
            [2100000, 1.5],
            [3000000, 0.7],
            [6000000, 0.25],
        ],
    },
}

# Limits that keep every figure meaningful and inside the NUMERIC columns; not business rules.
MAX_DECIMAL_PLACES = 4
MAX_MONEY = Decimal(1_000_000)
MAX_PERCENT = Decimal(1000)
MAX_LENGTH_IN = Decimal(1000)
MAX_WEIGHT_LB = Decimal(1000)
MAX_SALES_PER_MONTH = Decimal(100_000)
MAX_RANK = 1_000_000_000
NON_FIELD = "__all__"

# Every engine computation runs in this context, whatever the caller's thread context says, so
# a result never depends on who called. Rounding of named lines is explicit (half-up / down).
DECIMAL_CONTEXT = Context(
    prec=28,
    rounding=ROUND_HALF_EVEN,
    Emin=-999999,
    Emax=999999,
    traps=[InvalidOperation, DivisionByZero, Overflow],
)

_CENT = Decimal("0.01")
_FINEST = Decimal(1).scaleb(-MAX_DECIMAL_PLACES)
_HUNDRED = Decimal(100)
_ONE = Decimal(1)
_ZERO = Decimal(0)


class ConfigError(ValueError):
    """A configuration is invalid; `.errors` maps each dotted field path to a sentence."""

    def __init__(self, errors: Mapping[str, str]):
        self.errors: dict[str, str] = dict(errors)
        super().__init__(self.errors)

    def __str__(self) -> str:
        return "; ".join(f"{path}: {message}" for path, message in self.errors.items())


class _Invalid(Exception):
    pass


# --- field validators: each takes the raw JSON value and returns its normalised form ---------


def _decimal(value: Any, what: str = "a number") -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise _Invalid(f"must be {what}")
    try:
        number = Decimal(value.strip()) if isinstance(value, str) else Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise _Invalid(f"must be {what}") from exc
    if not number.is_finite():
        raise _Invalid(f"must be {what}")
    if not number:
        number = _ZERO  # drop the sign of -0
    return number


def _bounded(number: Decimal, low: Decimal, high: Decimal, low_open: bool = False) -> Decimal:
    if number > high or number < low or (low_open and number == low):
        lower = f"greater than {_plain(low)}" if low_open else f"between {_plain(low)}"
        joiner = " and at most " if low_open else " and "
        raise _Invalid(f"must be {lower}{joiner}{_plain(high)}")
    if number.quantize(_FINEST) != number:
        raise _Invalid(f"must have at most {MAX_DECIMAL_PLACES} decimal places")
    return number


def _plain(number: Decimal) -> str:
    """Shortest fixed-point text of a number: 30, 27.5, 1000000."""
    return format(number.normalize(), "f")


def _as_json_number(number: Decimal) -> int | float:
    # Exact: at most 4 decimals and 7 integer digits round-trip through a float's repr.
    return int(number) if number == number.to_integral_value() else float(number)


def _money_text(number: Decimal) -> str:
    number = number.normalize()
    if number.as_tuple().exponent > -2:
        number = number.quantize(_CENT)
    return format(number, "f")


def _percent(value: Any) -> int | float:
    return _as_json_number(_bounded(_decimal(value), _ZERO, MAX_PERCENT))


def _money(value: Any) -> str:
    number = _decimal(value, "an amount (a number or a numeric string)")
    if number < _ZERO:
        raise _Invalid("must be 0 or more")
    return _money_text(_bounded(number, _ZERO, MAX_MONEY))


def _integer(low: int, high: int) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        number = _decimal(value, "a whole number")
        if number != number.to_integral_value():
            raise _Invalid("must be a whole number")
        if not low <= number <= high:
            raise _Invalid(f"must be between {low} and {high}")
        return int(number)

    return check


def _number(low: Decimal, high: Decimal, low_open: bool = False) -> Callable[[Any], int | float]:
    def check(value: Any) -> int | float:
        return _as_json_number(_bounded(_decimal(value), low, high, low_open))

    return check


def _positive_quantity(high: Decimal) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        return _plain(_bounded(_decimal(value), _ZERO, high, low_open=True))

    return check


def _choice(*choices: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if not isinstance(value, str) or value not in choices:
            raise _Invalid(f"must be one of: {', '.join(choices)}")
        return value

    return check


def _series_list(value: Any) -> list[str]:
    if not isinstance(value, list | tuple) or not value:
        raise _Invalid(f"must be a non-empty list of price series ({', '.join(PRICE_SERIES)})")
    problems = []
    for position, name in enumerate(value, start=1):
        if not isinstance(name, str) or name not in PRICE_SERIES:
            problems.append(f"item {position} is not one of {', '.join(PRICE_SERIES)}")
    if not problems and len(set(value)) != len(value):
        problems.append("a series is listed twice")
    if problems:
        raise _Invalid("; ".join(problems))
    return list(value)


def _dimensions(value: Any) -> list[str]:
    if not isinstance(value, list | tuple) or len(value) != 3:
        raise _Invalid("must be a list of three lengths in inches")
    check = _positive_quantity(MAX_LENGTH_IN)
    lengths = []
    for position, length in enumerate(value, start=1):
        try:
            lengths.append(Decimal(check(length)))
        except _Invalid as exc:
            raise _Invalid(f"length {position} {exc}") from exc
    # Stored longest first, the order the size-tier rule reads them in.
    return [_plain(length) for length in sorted(lengths, reverse=True)]


def _rate_card(value: Any) -> str:
    cards = available_rate_cards()
    if not isinstance(value, str) or value not in cards:
        raise _Invalid(f"must be one of the rate cards: {', '.join(cards)}")
    return value


_rank = _integer(1, MAX_RANK)
_sales = _number(_ZERO, MAX_SALES_PER_MONTH)


def _rank_table(value: Any) -> list[list[int | float]]:
    if not isinstance(value, list | tuple) or not value:
        raise _Invalid("must be a non-empty list of [rank, sales per month] rows")
    rows: list[list[int | float]] = []
    problems = []
    for position, row in enumerate(value, start=1):
        if not isinstance(row, list | tuple) or len(row) != 2:
            problems.append(f"row {position} must be [rank, sales per month]")
            continue
        try:
            rank = _rank(row[0])
        except _Invalid as exc:
            problems.append(f"row {position}: rank {exc}")
            continue
        try:
            sales = _sales(row[1])
        except _Invalid as exc:
            problems.append(f"row {position}: sales {exc}")
            continue
        if rows and rank <= rows[-1][0]:
            problems.append(f"row {position}: ranks must increase from row to row")
        rows.append([rank, sales])
    if problems:
        raise _Invalid("; ".join(problems))
    return rows


SCHEMA: dict[str, Any] = {
    "condition": _choice(*CONDITIONS),
    "price": {
        "basis_used": _series_list,
        "basis_new": _series_list,
        "mode": _choice(*PRICE_MODES),
    },
    "fees": {
        "referral_pct": _percent,
        "closing_fee": _money,
        "fba_fee_source": _choice(*FBA_FEE_SOURCES),
        "rate_card": _rate_card,
        "fuel_surcharge_pct": _percent,
        "inbound_placement": _money,
        "inbound_freight_per_lb": _money,
        "prep_label": _money,
        "storage_months": _integer(0, 60),
        "storage_rate_jan_sep": _money,
        "storage_rate_oct_dec": _money,
        "default_weight_lb": _positive_quantity(MAX_WEIGHT_LB),
        "default_dimensions_in": _dimensions,
    },
    "thresholds": {
        "min_roi_pct": _percent,
        "min_profit": _money,
        "min_velocity": _number(_ZERO, _HUNDRED),
        "max_rank": _rank,
        "max_offers": _integer(0, 1_000_000),
        "price_drop_pct": _percent,
    },
    "velocity": {
        "saturation": _number(_ZERO, MAX_SALES_PER_MONTH, low_open=True),
        "rank_table": _rank_table,
    },
}


def validate_config(data: Any) -> dict[str, Any]:
    """Checks a partial configuration and returns the full effective one (defaults merged in).

    Raises ConfigError listing every invalid field; never anything else, whatever the JSON.
    """
    if not isinstance(data, Mapping):
        raise ConfigError({NON_FIELD: "the configuration must be a JSON object of settings"})
    with localcontext(DECIMAL_CONTEXT):
        return _validate(data)


def _validate(data: Mapping) -> dict[str, Any]:
    effective = copy.deepcopy(DEFAULT_CONFIG)
    errors: dict[str, str] = {}
    for key, value in data.items():
        spec = SCHEMA.get(key) if isinstance(key, str) else None
        if spec is None:
            errors[str(key)] = "unknown setting"
        elif isinstance(spec, dict):
            if not isinstance(value, Mapping):
                errors[key] = "must be an object of settings"
                continue
            for name, item in value.items():
                path = f"{key}.{name}"
                check = spec.get(name) if isinstance(name, str) else None
                if check is None:
                    errors[path] = "unknown setting"
                else:
                    _apply(check, item, effective[key], name, path, errors)
        else:
            _apply(spec, value, effective, key, key, errors)
    if errors:
        raise ConfigError(errors)
    return effective


def _apply(check, value, target: dict, name: str, path: str, errors: dict[str, str]) -> None:
    try:
        target[name] = check(value)
    except _Invalid as exc:
        errors[path] = str(exc)
    except Exception:  # the contract: any JSON gives a ConfigError, never a crash
        errors[path] = "is not a valid value"


# --- the parsed view -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class EngineConfig:
    """The effective configuration as Decimals and lookups, parsed once per batch.

    Build it with `parse_config(data)`; `effective` is the JSON-safe dict it came from.
    """

    effective: dict[str, Any]
    condition: str
    basis: dict[str, tuple[str, ...]]  # condition -> price series, in order
    price_mode: str
    referral_rate: Decimal  # referral_pct / 100
    closing_fee: Decimal
    fba_fee_source: str
    rate_card: RateCard
    fuel_pct: Decimal
    fuel_factor: Decimal  # 1 + fuel_surcharge_pct / 100
    placement: Decimal
    freight_per_lb: Decimal
    prep_label: Decimal
    storage_months: int
    storage_rate_jan_sep: Decimal
    storage_rate_oct_dec: Decimal
    default_weight_lb: Decimal
    default_dimensions_in: tuple[Decimal, Decimal, Decimal]
    min_roi_pct: Decimal
    min_roi_factor: Decimal  # 1 + min_roi_pct / 100
    min_profit: Decimal
    min_velocity: Decimal
    max_rank: int
    max_offers: int
    price_drop_pct: Decimal
    price_keep_pct: Decimal  # 100 - price_drop_pct: below this share of avg90 the price falls
    saturation: Decimal
    ln_saturation: Decimal  # ln(1 + saturation)
    rank_limits: tuple[int, ...]
    rank_sales: tuple[Decimal, ...]
    velocity_scores: dict[Decimal, Decimal] = field(default_factory=dict, repr=False)


def parse_config(data: Mapping[str, Any] | None = None) -> EngineConfig:
    """Validates a (partial) configuration and parses it for the engine; None means defaults."""
    effective = validate_config({} if data is None else data)
    with localcontext(DECIMAL_CONTEXT):
        return _parse(effective)


def _parse(effective: dict[str, Any]) -> EngineConfig:
    fees, thresholds = effective["fees"], effective["thresholds"]
    velocity = effective["velocity"]
    dec = _to_decimal
    saturation = dec(velocity["saturation"])
    fuel_pct = dec(fees["fuel_surcharge_pct"])
    min_roi = dec(thresholds["min_roi_pct"])
    drop_pct = dec(thresholds["price_drop_pct"])
    dims = tuple(dec(length) for length in fees["default_dimensions_in"])
    return EngineConfig(
        effective=effective,
        condition=effective["condition"],
        basis={
            "used": tuple(effective["price"]["basis_used"]),
            "new": tuple(effective["price"]["basis_new"]),
        },
        price_mode=effective["price"]["mode"],
        referral_rate=dec(fees["referral_pct"]) / _HUNDRED,
        closing_fee=dec(fees["closing_fee"]),
        fba_fee_source=fees["fba_fee_source"],
        rate_card=load_rate_card(fees["rate_card"]),
        fuel_pct=fuel_pct,
        fuel_factor=_ONE + fuel_pct / _HUNDRED,
        placement=dec(fees["inbound_placement"]),
        freight_per_lb=dec(fees["inbound_freight_per_lb"]),
        prep_label=dec(fees["prep_label"]),
        storage_months=fees["storage_months"],
        storage_rate_jan_sep=dec(fees["storage_rate_jan_sep"]),
        storage_rate_oct_dec=dec(fees["storage_rate_oct_dec"]),
        default_weight_lb=dec(fees["default_weight_lb"]),
        default_dimensions_in=(dims[0], dims[1], dims[2]),
        min_roi_pct=min_roi,
        min_roi_factor=_ONE + min_roi / _HUNDRED,
        min_profit=dec(thresholds["min_profit"]),
        min_velocity=dec(thresholds["min_velocity"]),
        max_rank=thresholds["max_rank"],
        max_offers=thresholds["max_offers"],
        price_drop_pct=drop_pct,
        price_keep_pct=_HUNDRED - drop_pct,
        saturation=saturation,
        ln_saturation=(_ONE + saturation).ln(),
        rank_limits=tuple(row[0] for row in velocity["rank_table"]),
        rank_sales=tuple(dec(row[1]) for row in velocity["rank_table"]),
    )


def _to_decimal(value: int | float | str) -> Decimal:
    # The effective dict holds exact values: floats there have at most 4 decimals.
    return Decimal(str(value))
