"""The dashboard's template helpers: money, percentages, durations, URLs that keep filters."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.test import RequestFactory

from arbitragevault.templatetags import vault


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("1234.5"), "$1,234.50"),
        (Decimal("-3.92"), "−$3.92"),
        ("0", "$0.00"),
        (None, "—"),
        ("", "—"),
        ("junk", "—"),
    ],
)
def test_money(value, text):
    assert vault.money(value) == text


def test_signed_money_colours_the_sign():
    assert vault.signed_money("-1") == '<span class="neg">−$1.00</span>'
    assert vault.signed_money("2") == '<span class="pos">$2.00</span>'
    assert vault.signed_money(None) == "—"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("180.5", "180.50%"),
        ("-196", "−196.00%"),
        ("9999.99", "≥ 9,999.99%"),
        ("-9999.99", "≤ − 9,999.99%"),
        (None, "—"),
    ],
)
def test_roi_says_when_it_is_clamped(value, text):
    assert vault.roi(value) == text


def test_numbers_and_percentages():
    assert vault.number(1234567) == "1,234,567"
    assert vault.number("37.844", 1) == "37.8"
    assert vault.number(None) == "—"
    assert vault.pct("12.5") == "12.50%"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0.2, "0 seconds"), (1, "1 second"), (42, "42 seconds"), (200, "3 min 20 s"),
     (3900, "1 h 05 min")],
)  # fmt: skip
def test_duration(seconds, text):
    start = datetime(2026, 11, 23, 10, 0, 0)
    assert vault.duration(start, start + timedelta(seconds=seconds)) == text
    assert vault.duration(None, start) == ""


def test_row_errors_lose_their_line_prefix_in_the_table():
    assert vault.without_line_prefix("line 16: ISBN-13 checksum") == "ISBN-13 checksum"
    assert vault.without_line_prefix("the cost is missing") == "The cost is missing"
    assert vault.without_line_prefix(None) == ""


def test_urls_keep_the_other_parameters():
    request = RequestFactory().get("/", {"recommendation": "BUY", "page": "3", "view": "profit"})
    context = {"request": request}
    assert vault.url_with(context, page=None) == "?recommendation=BUY&view=profit"
    assert vault.page_url(context, "page", 4) == "?recommendation=BUY&page=4&view=profit"
    assert vault.per_page_url(context, 50) == "?recommendation=BUY&view=profit&per_page=50"
    # sorting resets the page and the view; the second click flips the direction
    assert vault.sort_url(context, "profit") == "?recommendation=BUY&ordering=-profit"
    sorted_request = RequestFactory().get("/", {"ordering": "-profit"})
    context = {"request": sorted_request}
    assert vault.sort_url(context, "profit") == "?ordering=profit"
    assert vault.sort_mark(context, "profit") == "▼"
    assert vault.sort_aria(context, "profit") == 'aria-sort="descending"'
    assert vault.sort_aria(context, "roi_percent") == ""
