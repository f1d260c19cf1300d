"""Rate cards are data files: listed, loaded once, checked, and picked by the configuration."""

import json
from datetime import date
from decimal import Decimal

import pytest

from analyses.engine import rate_card_choices
from analyses.engine.ratecards import (
    RATE_CARD_DIR,
    RateCardError,
    _build,
    available_rate_cards,
    load_rate_card,
)


def card_data():
    return json.loads((RATE_CARD_DIR / "us-2026-01-15.json").read_text(encoding="utf-8"))


def test_the_2026_card_is_shipped_with_its_effective_date():
    card = load_rate_card("us-2026-01-15")
    assert card.effective_date == date(2026, 1, 15)
    assert card.currency == "USD"
    assert [band.id for band in card.price_bands] == ["under_10", "10_to_50", "over_50"]
    assert card.dimensional_divisor == Decimal(139)
    assert card.small_weight_lb == Decimal(1)
    assert load_rate_card("us-2026-01-15") is card  # parsed once


def test_choices_for_a_select_box():
    assert rate_card_choices() == [
        ("us-2026-01-15", load_rate_card("us-2026-01-15").title),
    ]
    assert available_rate_cards() == ("us-2026-01-15",)


def test_unknown_card_is_an_error():
    with pytest.raises(RateCardError):
        load_rate_card("us-1999-01-01")


@pytest.mark.parametrize(
    "breaks",
    [
        lambda d: d.update(id="other"),
        lambda d: d["price_bands"][-1].update(upper="100"),
        lambda d: d["tiers"]["small_standard"]["bands"][0]["fees"].pop(),
        lambda d: d["tiers"]["large_standard"]["bands"].reverse(),
        lambda d: d["tiers"]["large_standard"]["over"].update(above_lb="2"),
        lambda d: d["tiers"]["small_standard"]["bands"].pop(),
        lambda d: d["tiers"].pop("large_standard"),
    ],
)
def test_malformed_cards_are_refused(breaks):
    data = card_data()
    breaks(data)
    with pytest.raises((ValueError, KeyError)):
        _build("us-2026-01-15", data)


def test_price_band_boundaries():
    card = load_rate_card("us-2026-01-15")
    assert [card.price_band(Decimal(p)) for p in ("0.01", "9.99", "10", "50", "50.01")] == [
        0,
        0,
        1,
        1,
        2,
    ]
