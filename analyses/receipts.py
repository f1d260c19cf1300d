"""Turns the engine's explanation (`target_price_data`) into the lines of a receipt a person
reads: every number with how it was reached. Presentation only; nothing is recomputed."""

from decimal import Decimal

SERIES_NAMES = {
    "USED": "lowest used",
    "NEW": "lowest new",
    "NEW_FBA": "lowest new (FBA)",
    "AMAZON": "Amazon",
}
MODE_NAMES = {
    "conservative": "the lower of now and the 90-day average",
    "current": "the current price",
    "avg90": "the 90-day average",
}
PRICE_BANDS = {"under_10": "under $10", "10_to_50": "$10–$50", "over_50": "over $50"}
SEASONS = {"jan_sep": "January–September rate", "oct_dec": "October–December rate"}
VELOCITY_RULES = {
    "drops90": "{input} sales-rank drops in 90 days ÷ 3",
    "drops30": "{input} sales-rank drops in 30 days",
    "rank_table": "from the sales rank {input:,} ({source}) and the rank table",
    "unknown": "no rank drops and no sales rank: sales are unknown",
}
FLAG_NAMES = {
    "amazon_on_listing": "Amazon sells on this listing",
    "high_competition": "many competing offers",
    "price_falling": "the price is falling",
    "slow_seller": "sells less than once a month",
    "no_sales_data": "no sales data",
}


def _d(value) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


def _money(value) -> str:
    """$4.50 and −$1.92 (a minus sign, before the dollar)."""
    amount = _d(value)
    if amount is None:
        return "—"
    return f"{'−' if amount < 0 else ''}${abs(amount):,.2f}"


def _plural(count, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def receipt(explanation: dict) -> dict:
    """Sections of the receipt of an engine explanation (`Result.explanation()`); empty when
    there is none."""
    if not explanation or "fees" not in explanation:
        return {}
    sale = explanation.get("sale_price") or {}
    fees = explanation.get("fees") or {}
    lines = fees.get("lines") or {}
    package = explanation.get("package") or {}
    velocity = explanation.get("velocity") or {}
    economics = explanation.get("economics") or {}
    rows = []
    if sale.get("value"):
        how = (
            f"{SERIES_NAMES.get(sale['series'], sale['series'])} price, "
            f"{MODE_NAMES.get(sale['mode'], sale['mode'])}: now {_money(sale['current'])}"
            + (
                f", 90-day average {_money(sale['avg90'])}"
                if sale.get("avg90")
                else ", no 90-day average"
            )
        )
        if sale.get("note"):
            how += f" ({sale['note']})"
        rows.append({"label": "Sale price", "how": how, "amount": _d(sale["value"]), "kind": "sub"})
    if lines:
        fba = lines["fba"]
        storage = lines["storage"]
        freight = lines["freight"]
        weight = f"{package.get('weight_lb')} lb" + (
            " (default: Keepa has no weight)" if package.get("weight_defaulted") else ""
        )
        dims = (
            " × ".join(package.get("dimensions_in") or [])
            + " in"
            + (" (default: Keepa has no size)" if package.get("dimensions_defaulted") else "")
        )
        fee_rows = [
            (
                "Referral fee",
                f"{lines['referral']['percent']}% of {_money(lines['referral']['of_price'])}",
                lines["referral"]["amount"],
            ),
            ("Closing fee (media)", "per unit sold", lines["closing"]["amount"]),
            (
                "FBA fulfilment",
                (
                    f"{fba['size_tier'].replace('_', ' ')}, {fba['weight_band']}, price band "
                    f"{PRICE_BANDS.get(fba['price_band'], fba['price_band'])}: "
                    f"{_money(fba['base'])}"
                    + (
                        f" (incl. {_plural(fba['over_steps'], 'step')} of 4 oz over 3 lb)"
                        if fba.get("over_steps")
                        else ""
                    )
                    + f" + {fba['fuel_surcharge_pct']}% fuel surcharge"
                    + (" — Keepa's pick & pack fee" if fba.get("source") == "keepa" else "")
                ),
                fba["amount"],
            ),
            ("Inbound placement", "per unit", lines["placement"]["amount"]),
            ("Inbound freight", f"{_money(freight['per_lb'])}/lb × {weight}", freight["amount"]),
            ("Prep and label", "per unit", lines["prep"]["amount"]),
            (
                "Storage",
                f"{_plural(storage['months'], 'month')} × {storage['cubic_feet']} ft³ ({dims}) × "
                f"{_money(storage['rate_per_cubic_foot_month'])}/ft³/month "
                f"({SEASONS.get(storage['season'], storage['season'])})",
                storage["amount"],
            ),
        ]
        for label, how, amount in fee_rows:
            rows.append({"label": label, "how": how, "amount": -_d(amount), "kind": "fee"})
        rows.append(
            {
                "label": "Fees",
                "how": "every line rounded to the cent, then added",
                "amount": -_d(fees["total"]),
                "kind": "sub",
            }
        )
    if economics:
        rows.append(
            {
                "label": "Your cost",
                "how": "from the sheet",
                "amount": -_d(economics["cost"]),
                "kind": "fee",
            }
        )
        rows.append(
            {
                "label": "Profit per unit",
                "how": "sale price − fees − cost",
                "amount": _d(economics["profit"]),
                "kind": "total",
            }
        )
    rule = velocity.get("rule", "unknown")
    velocity_how = VELOCITY_RULES.get(rule, rule).format(
        input=velocity.get("input") or 0, source=velocity.get("rank_source") or ""
    )
    thresholds = explanation.get("thresholds") or {}
    return {
        "rows": rows,
        "economics": economics,
        "max_buy_how": _max_buy_how(economics, thresholds),
        "velocity_how": velocity_how,
        "velocity": velocity,
        "flags": [FLAG_NAMES.get(f, f) for f in (explanation.get("risk") or {}).get("flags", [])],
        "package": package,
        "as_of": explanation.get("as_of"),
        "rate_card": explanation.get("rate_card"),
        "thresholds": thresholds,
    }


def _max_buy_how(economics: dict, thresholds: dict) -> str:
    """How the maximum buy price was reached (DOMAIN.md §5), or why it is zero."""
    if not economics:
        return ""
    net = _d(economics.get("net"))
    if net is not None and net <= 0:
        return f"the sale price minus the fees is {_money(net)}: no price you pay leaves a profit"
    candidates = economics.get("max_buy_candidates") or {}
    return (
        f"the lower of {_money(candidates.get('net_minus_min_profit'))} "
        f"(net {_money(net)} − minimum profit {_money(thresholds.get('min_profit'))}) and "
        f"{_money(candidates.get('net_over_one_plus_min_roi'))} "
        f"(net ÷ (1 + {thresholds.get('min_roi_pct')}%)), rounded down to the cent"
        + (", and never below $0.00" if _d(economics.get("max_buy_price")) == 0 else "")
    )
