"""Parser (DOMAIN.md §2) on composed Keepa products; one optional check against a real answer."""

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from analyses.market.parser import (
    compact_history,
    decode_series,
    parse_product,
    parse_products,
    publication_date,
)
from analyses.market.wire import (
    datetime_to_keepa_minute,
    keepa_minute_to_datetime,
    keepa_minute_to_unix,
)

REAL_PRODUCT = Path("/work/shared/data/keepa-real-product-1292025824.json")
T0 = 8_000_000  # a Keepa minute in 2026


def typed(**values):
    """A 36-long typed stats array of -1 with some indexes set."""
    out = [-1] * 36
    for index, value in values.items():
        out[int(index.lstrip("i"))] = value
    return out


def make_product(**overrides):
    product = {
        "productType": 0,
        "asin": "0306406152",
        "domainId": 1,
        "title": "  Practical Data Structures  ",
        "binding": "Paperback",
        "publicationDate": 20190415,
        "lastUpdate": T0 + 600,
        "eanList": ["9780306406157"],
        "upcList": None,
        "packageLength": 203,
        "packageWidth": 133,
        "packageHeight": 23,
        "packageWeight": 340,
        "itemWeight": 300,
        "fbaFees": {"pickAndPackFee": 398},
        "salesRankReference": 283155,
        "salesRanks": {"283155": [T0, 150000, T0 + 300, 120500], "3839": [T0, 12]},
        "csv": [
            [T0 - 100, 2999, T0 + 10, -1],
            [T0 - 100, 2480, T0 + 10, 2199],
            [T0 - 100, 1620, T0 + 10, 1499],
            [T0, 150000, T0 + 300, 120500],
        ],
        "stats": {
            "current": typed(i0=-1, i1=2199, i2=1499, i3=120500, i10=-2, i11=11, i12=17),
            "avg90": typed(i0=-1, i1=2318, i2=1620, i3=130000, i10=2400, i11=9, i12=15),
            "salesRankDrops30": 0,
            "salesRankDrops90": 8,
        },
    }
    product.update(overrides)
    return product


# --- Keepa time ----------------------------------------------------------------------------------


def test_keepa_minute_zero_is_2011_01_01_utc():
    assert keepa_minute_to_unix(0) == 1_293_840_000
    assert keepa_minute_to_datetime(0) == datetime(2011, 1, 1, tzinfo=UTC)


def test_keepa_minute_known_value_round_trips():
    moment = datetime(2026, 8, 1, tzinfo=UTC)  # the composed example of KEEPA.md §7.1
    assert datetime_to_keepa_minute(moment) == 8_195_040
    assert keepa_minute_to_datetime(8_195_040) == moment


def test_last_update_is_an_aware_utc_datetime():
    snapshot = parse_product(make_product(lastUpdate=8_195_040)).snapshot
    assert snapshot.last_update == datetime(2026, 8, 1, tzinfo=UTC)
    assert snapshot.last_update.tzinfo is not None


# --- prices and sentinels ------------------------------------------------------------------------


def test_prices_are_decimal_dollars_and_sentinels_become_none():
    snapshot = parse_product(make_product()).snapshot
    assert snapshot.price("NEW").current == Decimal("21.99")
    assert snapshot.price("NEW").avg90 == Decimal("23.18")
    assert snapshot.price("USED").current == Decimal("14.99")
    assert snapshot.price("AMAZON").current is None  # -1
    assert snapshot.price("AMAZON").avg90 is None
    assert snapshot.price("NEW_FBA").current is None  # -2
    assert snapshot.price("NEW_FBA").avg90 == Decimal("24.00")
    assert snapshot.amazon_on_listing is False


def test_zero_drops_stay_zero_and_minus_one_drops_are_unknown():
    snapshot = parse_product(make_product()).snapshot
    assert snapshot.drops30 == 0
    assert snapshot.drops90 == 8
    stats = make_product()["stats"] | {"salesRankDrops30": -1, "salesRankDrops90": -1}
    snapshot = parse_product(make_product(stats=stats)).snapshot
    assert snapshot.drops30 is None
    assert snapshot.drops90 is None


def test_offer_counts_and_amazon_on_listing():
    stats = make_product()["stats"] | {"current": typed(i0=2599, i11=0, i12=-1)}
    snapshot = parse_product(make_product(stats=stats)).snapshot
    assert snapshot.amazon_on_listing is True
    assert snapshot.price("AMAZON").current == Decimal("25.99")
    assert snapshot.count_new == 0  # a real zero
    assert snapshot.count_used is None


def test_missing_stats_gives_no_prices_but_keeps_the_rest():
    product = make_product()
    del product["stats"]
    snapshot = parse_product(product).snapshot
    assert all(p.current is None and p.avg90 is None for p in snapshot.prices.values())
    assert snapshot.rank_current == 120500  # from salesRanks
    assert snapshot.rank_avg90 is None
    assert snapshot.drops90 is None
    assert snapshot.count_used is None


def test_null_stats_and_short_arrays_are_bounds_checked():
    short = {"current": [-1, 2199], "avg90": [-1], "salesRankDrops90": None}
    snapshot = parse_product(make_product(stats=short, salesRanks=None)).snapshot
    assert snapshot.price("NEW").current == Decimal("21.99")
    assert snapshot.price("USED").current is None
    assert snapshot.price("NEW").avg90 is None
    assert snapshot.rank_current is None
    assert snapshot.count_new is None
    assert snapshot.drops90 is None
    snapshot = parse_product(make_product(stats=None)).snapshot
    assert snapshot.price("NEW").current is None


# --- rank ----------------------------------------------------------------------------------------


def test_rank_comes_from_the_reference_category_first():
    snapshot = parse_product(make_product()).snapshot
    assert snapshot.rank_current == 120500
    assert snapshot.rank_avg90 == 130000


def test_rank_falls_back_to_stats_current_when_the_last_sales_rank_is_minus_one():
    ranks = {"283155": [T0, 150000, T0 + 300, -1]}
    snapshot = parse_product(make_product(salesRanks=ranks)).snapshot
    assert snapshot.rank_current == 120500  # stats.current[3]


def test_rank_falls_back_to_stats_when_there_is_no_reference_series():
    for overrides in (
        {"salesRanks": None},
        {"salesRankReference": -1},
        {"salesRanks": {"3839": [T0, 12]}},
        {"salesRanks": {"283155": [T0]}},
    ):
        assert parse_product(make_product(**overrides)).snapshot.rank_current == 120500


def test_rank_is_none_when_nothing_has_it():
    stats = make_product()["stats"] | {"current": typed(i3=-1), "avg90": typed(i3=-1)}
    snapshot = parse_product(make_product(salesRanks={}, stats=stats)).snapshot
    assert snapshot.rank_current is None
    assert snapshot.rank_avg90 is None


# --- product type, absence -----------------------------------------------------------------------


def test_product_type_other_than_standard_is_not_found_with_the_reason():
    parsed = parse_product(make_product(productType=2))
    assert parsed.found is False
    assert parsed.snapshot is None
    assert "productType 2" in parsed.reason and "EBOOK" in parsed.reason
    assert parse_product(make_product(productType=None)).found is False


def test_absent_product_is_not_found():
    assert parse_product(None).found is False
    assert parse_product({}).reason == "not returned by Keepa"
    assert parse_products({"products": [make_product(), None, "junk"]})[0].found is True
    assert parse_products({}) == []


# --- weight, dimensions, fees, catalogue ---------------------------------------------------------


def test_weight_in_pounds_as_exact_decimal():
    snapshot = parse_product(make_product()).snapshot
    assert snapshot.weight_lb == Decimal(340) / Decimal("453.59237")
    assert round(snapshot.weight_lb, 4) == Decimal("0.7496")


def test_weight_falls_back_to_item_weight_then_none():
    assert parse_product(make_product(packageWeight=-1)).snapshot.weight_lb == Decimal(
        300
    ) / Decimal("453.59237")
    assert parse_product(make_product(packageWeight=0, itemWeight=None)).snapshot.weight_lb is None


def test_dimensions_in_inches_sorted_longest_first():
    product = make_product(packageLength=23, packageWidth=203, packageHeight=133)
    dims = parse_product(product).snapshot.dimensions_in
    assert dims == (
        Decimal(203) / Decimal("25.4"),
        Decimal(133) / Decimal("25.4"),
        Decimal(23) / Decimal("25.4"),
    )
    assert [round(d, 2) for d in dims] == [Decimal("7.99"), Decimal("5.24"), Decimal("0.91")]


def test_dimensions_none_when_any_is_missing_or_not_positive():
    for value in (0, -1, None):
        assert parse_product(make_product(packageHeight=value)).snapshot.dimensions_in is None


def test_pick_and_pack_fee_and_catalogue_fields():
    snapshot = parse_product(make_product(upcList=["012345678905"])).snapshot
    assert snapshot.fba_pick_pack_fee == Decimal("3.98")
    assert snapshot.title == "Practical Data Structures"
    assert snapshot.binding == "Paperback"
    assert snapshot.publication_date == "2019-04-15"
    assert snapshot.ean_list == ("9780306406157", "012345678905")
    assert parse_product(make_product(fbaFees=None)).snapshot.fba_pick_pack_fee is None
    assert (
        parse_product(make_product(fbaFees={"pickAndPackFee": -1})).snapshot.fba_pick_pack_fee
        is None
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (20190415, "2019-04-15"),
        (201904, "2019-04"),
        (2019, "2019"),
        (-1, ""),
        (None, ""),
        (20190400, "2019-04"),
        (20191315, "2019"),
        ("x", ""),
    ],
)
def test_publication_date_formats(value, expected):
    assert publication_date(value) == expected


def test_snapshot_survives_a_dict_round_trip():
    snapshot = parse_product(make_product()).snapshot
    assert type(snapshot).from_dict(json.loads(json.dumps(snapshot.to_dict()))) == snapshot


# --- csv decoding and history --------------------------------------------------------------------


def test_stride_two_series_decode_to_pairs():
    assert decode_series([1, 100, 2, -1, 3, 250, 4], 1) == [(1, 100), (2, -1), (3, 250)]
    assert decode_series(None, 1) == []
    assert decode_series([1, "x"], 1) == []


def test_stride_three_series_give_landed_prices():
    # [t, price, shipping]: shipping -1 counts as 0; a -1 price stays -1 whatever the shipping.
    series = [10, 2199, 399, 20, 2295, 0, 30, 1500, -1, 40, -1, 399, 50, 999]
    for index in (7, 18, 19, 29, 32):
        assert decode_series(series, index) == [(10, 2598), (20, 2295), (30, 1500), (40, -1)]


def test_history_is_compact_oldest_first_in_cents_with_gaps():
    csv = [None] * 36
    csv[2] = [T0 - 600_000, 1800, T0, 1500, T0 + 60, 1400, T0 + 1440 * 2, -1, T0 + 1440 * 3, 1600]
    csv[18] = [T0, 2199, 399, T0 + 1440 * 2, 2295, 0]
    history = compact_history(csv, until=keepa_minute_to_unix(T0 + 1440 * 4), days=365)
    used = history["series"]["USED"]
    since = keepa_minute_to_unix(T0 + 1440 * 4) - 365 * 86400
    # The point before the window is folded into the window start; two points on one day keep
    # the last value of the day; -1 is a gap (None).
    assert used == [
        (since, 1800),
        (keepa_minute_to_unix(T0 + 60), 1400),
        (keepa_minute_to_unix(T0 + 1440 * 2), None),
        (keepa_minute_to_unix(T0 + 1440 * 3), 1600),
    ]
    assert history["series"]["BUY_BOX"] == [
        (keepa_minute_to_unix(T0), 2598),
        (keepa_minute_to_unix(T0 + 1440 * 2), 2295),
    ]
    assert history["unit"] == "cents"
    assert [t for t, _ in used] == sorted(t for t, _ in used)


def test_history_is_empty_when_csv_is_null():
    parsed = parse_product(make_product(csv=None))  # history=0 answers carry "csv": null
    assert parsed.found is True
    assert parsed.history["series"] == {}
    assert compact_history(None)["series"] == {}


def test_history_tolerates_short_and_odd_csv():
    history = compact_history(
        [[T0, 100, T0 + 5], None, "junk"], until=keepa_minute_to_unix(T0 + 10)
    )
    assert history["series"] == {"AMAZON": [(keepa_minute_to_unix(T0), 100)]}


@pytest.mark.skipif(
    not REAL_PRODUCT.exists(), reason="the real Keepa sample is not on this machine"
)
def test_parses_the_real_keepa_product():
    product = json.loads(REAL_PRODUCT.read_text())
    product = product["products"][0] if "products" in product else product
    parsed = parse_product(product)
    assert parsed.found is True
    snapshot = parsed.snapshot
    assert snapshot.asin == "1292025824"
    assert snapshot.rank_current == 575401  # last value of salesRanks["283155"]
    assert snapshot.ean_list == ("9781292025827",)
    assert round(snapshot.weight_lb, 2) == Decimal("2.78")
    assert [round(d, 2) for d in snapshot.dimensions_in] == [
        Decimal("10.83"),
        Decimal("8.50"),
        Decimal("1.14"),
    ]
    assert snapshot.fba_pick_pack_fee == Decimal("6.62")
    assert snapshot.publication_date == "2013-08-15"
    # Requested without stats: no current prices (DOMAIN.md reads them from stats only).
    assert snapshot.price("USED").current is None
    series = parsed.history["series"]
    assert {"NEW", "USED", "SALES"} <= set(series)
    assert len(json.dumps(parsed.history)) < 40_000  # from ~490 KB of Keepa JSON
