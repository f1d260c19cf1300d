"""The fake Keepa: deterministic realistic products, stats derived from csv, wire checks."""

import gzip
import json
import statistics

import pytest
import requests

from analyses.market.client import KeepaClient
from analyses.market.errors import KeepaUnavailable
from analyses.market.fake import DEFAULT_KEY, FakeKeepa, generate_product, mount_fake
from analyses.market.fake.generator import product_state, resolve
from analyses.market.parser import decode_series, parse_product
from analyses.market.wire import SALES, datetime_to_keepa_minute

NOW = 8_400_000
IDS = [f"{i:09d}X" for i in range(1500)]


@pytest.fixture(scope="module")
def products():
    return [generate_product(i, now=NOW) for i in IDS]


def test_same_identifier_same_product():
    assert generate_product("0134685997", now=NOW) == generate_product("0134685997", now=NOW)
    assert generate_product("0134685997", now=NOW) != generate_product("0596007124", now=NOW)


def test_time_line_is_anchored_to_now():
    early = generate_product("0134685997", now=NOW)
    late = generate_product("0134685997", now=NOW + 1440)
    assert late["lastUpdate"] - early["lastUpdate"] == 1440
    assert early["lastUpdate"] <= NOW
    assert late["title"] == early["title"]


def test_realistic_spread(products):
    returned = [p for p in products if p is not None]
    books = [p for p in returned if p["productType"] == 0]
    missing = 1 - len(returned) / len(products)
    assert 0.02 <= missing <= 0.06
    assert 0.003 <= (len(returned) - len(books)) / len(products) <= 0.03
    snapshots = [parse_product(p).snapshot for p in books]
    used = [float(s.price("USED").current) for s in snapshots if s.price("USED").current]
    assert min(used) >= 3 and max(used) <= 120
    assert statistics.median(used) < 15  # many cheap books, a long tail
    assert 0.03 <= 1 - len(used) / len(snapshots) <= 0.12  # some without a used offer
    for s in snapshots:
        new, old = s.price("NEW").current, s.price("USED").current
        if new and old and not s.amazon_on_listing:
            assert new > old
    amazon = sum(s.amazon_on_listing for s in snapshots) / len(snapshots)
    assert 0.08 <= amazon <= 0.16
    ranks = [s.rank_current for s in snapshots if s.rank_current]
    assert min(ranks) >= 300 and max(ranks) <= 10_000_000
    assert sum(r < 100_000 for r in ranks) > 0.1 * len(ranks)
    assert sum(r > 1_000_000 for r in ranks) > 0.2 * len(ranks)
    weights = [p["packageWeight"] for p in books if p["packageWeight"] > 0]
    assert min(weights) >= 100 and max(weights) <= 2600
    assert any(s.weight_lb is None for s in snapshots)
    assert any(s.dimensions_in is None for s in snapshots)
    assert any(s.price("USED").avg90 is None and s.price("USED").current for s in snapshots)
    # drops follow the rank: fast sellers drop more often than slow ones
    fast = [s.drops90 for s in snapshots if s.drops90 is not None and s.rank_current < 50_000]
    slow = [s.drops90 for s in snapshots if s.drops90 is not None and s.rank_current > 2_000_000]
    assert statistics.mean(fast) > 5 * max(statistics.mean(slow), 0.1)


def _reference_mean(points, now, days):
    """Straightforward time-weighted mean of the non -1 values over the window."""
    if len(points) < 2 or points[-1][0] - points[0][0] < 7 * 1440:
        return -1
    start = max(now - days * 1440, points[0][0])
    num = den = 0
    for (t, v), nxt in zip(points, [*points[1:], (now, None)], strict=True):
        a, b = max(t, start), min(nxt[0], now)
        if b > a and v >= 0:
            num += v * (b - a)
            den += b - a
    return num // den if den else -1


def test_stats_are_derived_from_the_csv(products):
    books = [p for p in products if p is not None and p["productType"] == 0][:300]
    for product in books:
        stats, csv, now = product["stats"], product["csv"], product["lastUpdate"]
        for index, series in enumerate(csv):
            points = decode_series(series, index)
            if not points:
                assert stats["current"][index] == -1
                continue
            assert stats["current"][index] == points[-1][1]
            for name, days in (("avg30", 30), ("avg90", 90), ("avg180", 180), ("avg365", 365)):
                assert stats[name][index] == _reference_mean(points, now, days), (name, index)
            valid = [v for _, v in points if v >= 0]
            if valid:
                assert stats["min"][index][1] == min(valid)
                assert stats["max"][index][1] == max(valid)
        ranks = decode_series(csv[SALES], SALES)
        drops = 0
        last = None
        for t, v in ranks:
            if v > 0:
                if last is not None and v < last and t > now - 90 * 1440:
                    drops += 1
                last = v
        assert stats["salesRankDrops90"] == (drops if len(ranks) >= 2 else -1)


def test_code_lookups_return_products_carrying_the_code():
    for code in ("9791032305690", "9780306406157", "012345678905", "4006381333931"):
        product = None
        for candidate in (code,):
            product = generate_product(candidate, kind="code", now=NOW)
        if product is None:  # this code maps to a "not found" product
            continue
        assert code in (product.get("eanList") or []) + (product.get("upcList") or [])
    asin, eans, _ = resolve("9780306406157", "code")
    assert asin == "0306406152" and eans == ["9780306406157"]
    assert resolve("0306406152", "asin") == ("0306406152", ["9780306406157"], [])
    # an ISBN-10 lookup and its ISBN-13 code lookup find the same product
    assert generate_product("0306406152", now=NOW) == generate_product(
        "9780306406157", kind="code", now=NOW
    )


def test_history_zero_gives_csv_null():
    asin = next(a for a in IDS if product_state(1, a) == "found")
    product = generate_product(asin, now=NOW, history=False)
    assert product["csv"] is None
    assert product["stats"]["current"][SALES] > 0


# --- wire ----------------------------------------------------------------------------------------


def get(server, path, **params):
    return requests.get(f"{server.url}{path}", params={"key": DEFAULT_KEY, **params}, timeout=5)


@pytest.mark.parametrize("path", ["/product", "/product/"])
def test_product_route_with_and_without_slash(fake_keepa_server, path):
    response = get(fake_keepa_server, path, domain=1, asin="0134685997,0306406152", stats=180)
    body = response.json()
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert {
        "timestamp",
        "tokensLeft",
        "refillIn",
        "refillRate",
        "tokenFlowReduction",
        "tokensConsumed",
        "processingTimeInMs",
        "products",
    } <= set(body)
    assert body["tokensConsumed"] == len(body["products"])


@pytest.mark.parametrize("path", ["/token", "/token/"])
def test_token_route_is_free(fake_keepa_server, path):
    body = get(fake_keepa_server, path).json()
    assert body["tokensConsumed"] == 0
    assert body["tokensLeft"] == 60 * body["refillRate"]  # a full bucket


def test_no_gzip_unless_accepted(fake_keepa_server):
    response = requests.get(
        f"{fake_keepa_server.url}/token",
        params={"key": DEFAULT_KEY},
        headers={"Accept-Encoding": "identity"},
        timeout=5,
    )
    assert "Content-Encoding" not in response.headers
    assert json.loads(response.content)["refillRate"] == 1000


def test_wire_rejections(fake_keepa_server):
    assert get(fake_keepa_server, "/product", domain=7, asin="0134685997").status_code == 400
    assert get(fake_keepa_server, "/product", domain=1).status_code == 400
    both = get(fake_keepa_server, "/product", domain=1, asin="0134685997", code="9780306406157")
    assert both.status_code == 400
    many = get(fake_keepa_server, "/product", domain=1, asin=",".join(IDS[:101]))
    assert many.status_code == 400
    assert many.json()["error"]["type"] == "invalidParameter"
    bad = get(fake_keepa_server, "/product", domain=1, asin="XXXX")
    assert bad.status_code == 200 and "error" in bad.json() and "products" not in bad.json()
    assert get(fake_keepa_server, "/query", domain=1).status_code == 404


def test_bad_key_gets_the_zero_envelope(fake_keepa_server):
    response = requests.get(f"{fake_keepa_server.url}/token", params={"key": "nope"}, timeout=5)
    body = response.json()
    assert response.status_code == 400
    assert body["error"]["type"] == "invalidParameter"
    assert body["tokensLeft"] == body["refillRate"] == body["refillIn"] == 0


def test_token_bucket_refills_per_minute_up_to_the_cap():
    clock = [0.0]
    app = FakeKeepa(refill_rate=10, tokens=5, clock=lambda: clock[0])
    assert app.bucket.tokens == 5
    app.bucket.spend(20)
    assert app.bucket.tokens == -15
    clock[0] = 61
    assert app.bucket.tokens == -5
    assert app.bucket.refill_in_ms() == 59_000
    clock[0] = 3600 * 3
    assert app.bucket.tokens == 600  # 60 x refillRate


def test_pinned_now_accepts_a_datetime(fake_keepa):
    from analyses.market.fake.testing import PINNED_NOW

    assert fake_keepa.now_minute() == datetime_to_keepa_minute(PINNED_NOW)


# --- in-process (demo mode transport) ------------------------------------------------------------


def test_in_process_adapter_speaks_the_same_wire_format():
    app = FakeKeepa(refill_rate=100)
    client = KeepaClient(DEFAULT_KEY, base_url="http://keepa.test", sleep=lambda s: None)
    mount_fake(client.session, app, "http://keepa.test")
    response = client.product(asins=["0134685997", "0306406152"])
    assert response.content_encoding == "gzip"
    assert response.tokens_consumed == len(response.products)
    assert app.product_calls[0].params["stats"] == "180"
    app.timeout_next(5)
    client.max_retries = 1
    with pytest.raises(KeepaUnavailable, match="timed out"):
        client.product(asins=["0134685997"])


def test_served_bytes_are_gzip(fake_keepa_server):
    raw = requests.get(
        f"{fake_keepa_server.url}/token", params={"key": DEFAULT_KEY}, stream=True, timeout=5
    ).raw.read(decode_content=False)
    assert json.loads(gzip.decompress(raw))["tokensConsumed"] == 0
