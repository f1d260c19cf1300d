"""/api/v1/analyses: list with every filter and ordering, retrieve, and the seed's POST."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from analyses.filtersets import ORDERING_FIELDS
from analyses.models import Analysis
from tests.api.conftest import dec, error_of
from tests.factories import AnalysisFactory, BatchFactory

pytestmark = pytest.mark.django_db

NO_MARKET_DATA = {
    "expected_sale_price": None,
    "fees": None,
    "profit": None,
    "roi_percent": None,
    "max_buy_price": None,
    "velocity_score": None,
    "est_monthly_sales": None,
    "balanced_score": None,
    "rank_snapshot": None,
    "offers_count": None,
}


@pytest.fixture
def shelf(user, other_user):
    """Four analyses in one batch (one without any market data), one in a second batch,
    one of another user's. Returns {name: Analysis} plus the two batches."""
    batch, second = BatchFactory(user=user), BatchFactory(user=user)
    now = timezone.now()
    rows = {
        "deep": AnalysisFactory(
            batch=batch,
            isbn_or_asin="9780262035613",
            asin="0262035618",
            title="Deep Learning",
            profit=Decimal("10.00"),
            roi_percent=Decimal("200.00"),
            velocity_score=Decimal("80.00"),
            balanced_score=Decimal("90.00"),
            expected_sale_price=Decimal("30.00"),
            rank_snapshot=5_000,
            recommendation="BUY",
            risk_level="LOW",
        ),
        "cook": AnalysisFactory(
            batch=batch,
            isbn_or_asin="B00COOK123",
            asin="B00COOK123",
            title="Cooking for One",
            profit=Decimal("2.00"),
            roi_percent=Decimal("50.00"),
            velocity_score=Decimal("20.00"),
            balanced_score=Decimal("40.00"),
            expected_sale_price=Decimal("12.00"),
            rank_snapshot=500_000,
            recommendation="REVIEW",
            risk_level="MEDIUM",
        ),
        "sea": AnalysisFactory(
            batch=batch,
            isbn_or_asin="9781400033416",
            asin="1400033411",
            title="The deep sea",
            profit=Decimal("-3.00"),
            roi_percent=Decimal("-60.00"),
            velocity_score=Decimal("5.00"),
            balanced_score=Decimal("10.00"),
            expected_sale_price=Decimal("8.00"),
            rank_snapshot=3_000_000,
            recommendation="SKIP",
            risk_level="HIGH",
        ),
        "unknown": AnalysisFactory(
            batch=batch,
            isbn_or_asin="9780000000002",
            title="Unknown Book",
            recommendation="SKIP",
            risk_level="LOW",
            **NO_MARKET_DATA,
        ),
        "second": AnalysisFactory(batch=second, title="Second batch", recommendation="BUY"),
        "theirs": AnalysisFactory(batch=BatchFactory(user=other_user), title="Not yours"),
    }
    # Distinct creation times: "deep" oldest … "second" newest.
    for minutes, name in enumerate(reversed(["deep", "cook", "sea", "unknown", "second"])):
        Analysis.objects.filter(pk=rows[name].pk).update(
            created_at=now - timedelta(minutes=minutes)
        )
    return {**{k: Analysis.objects.get(pk=v.pk) for k, v in rows.items()}, "batch": batch}


def titles(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [item["title"] for item in response.json()["items"]]


def in_batch(api, shelf, **params):
    return titles(api.get("/api/v1/analyses", {"batch": str(shelf["batch"].pk), **params}))


# --- List and filters ---------------------------------------------------------------------


def test_list_shows_only_the_callers_analyses_newest_first(api, shelf):
    assert titles(api.get("/api/v1/analyses")) == [
        "Second batch",
        "Unknown Book",
        "The deep sea",
        "Cooking for One",
        "Deep Learning",
    ]


def test_list_items_follow_the_contract(api, shelf):
    item = api.get("/api/v1/analyses", {"q": "Deep Learning"}).json()["items"][0]
    deep = shelf["deep"]
    assert item["id"] == str(deep.pk)
    assert item["batch_id"] == str(deep.batch_id)
    assert item["isbn_or_asin"] == "9780262035613"
    assert dec(item["profit"]) == Decimal("10.00")
    assert dec(item["roi_percent"]) == Decimal("200.00")
    assert item["recommendation"] == "BUY" and item["risk_level"] == "LOW"
    assert item["market_source"] == "demo" and item["is_demo_data"] is True


def test_list_shows_missing_market_data_as_null_not_zero(api, shelf):
    item = api.get("/api/v1/analyses", {"q": "Unknown"}).json()["items"][0]
    assert {key: item[key] for key in NO_MARKET_DATA} == NO_MARKET_DATA


def test_filter_by_batch(api, shelf):
    assert in_batch(api, shelf) == [
        "Unknown Book",
        "The deep sea",
        "Cooking for One",
        "Deep Learning",
    ]


def test_filter_by_one_recommendation(api, shelf):
    assert in_batch(api, shelf, recommendation="SKIP") == ["Unknown Book", "The deep sea"]


def test_filter_by_several_recommendations(api, shelf):
    url = f"/api/v1/analyses?batch={shelf['batch'].pk}&recommendation=BUY&recommendation=REVIEW"
    assert titles(api.get(url)) == ["Cooking for One", "Deep Learning"]


def test_filter_by_risk_levels(api, shelf):
    assert in_batch(api, shelf, risk_level="HIGH") == ["The deep sea"]
    url = f"/api/v1/analyses?batch={shelf['batch'].pk}&risk_level=MEDIUM&risk_level=HIGH"
    assert titles(api.get(url)) == ["The deep sea", "Cooking for One"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"roi_min": "50"}, ["Cooking for One", "Deep Learning"]),
        ({"roi_min": "50.01"}, ["Deep Learning"]),
        ({"roi_max": "50"}, ["The deep sea", "Cooking for One"]),
        ({"roi_min": "-100", "roi_max": "100"}, ["The deep sea", "Cooking for One"]),
        ({"profit_min": "2"}, ["Cooking for One", "Deep Learning"]),
        ({"profit_min": "-5"}, ["The deep sea", "Cooking for One", "Deep Learning"]),
        ({"velocity_min": "20"}, ["Cooking for One", "Deep Learning"]),
        ({"velocity_min": "80.5"}, []),
        ({"rank_max": "500000"}, ["Cooking for One", "Deep Learning"]),
        ({"rank_max": "4999"}, []),
    ],
)
def test_numeric_filters_are_inclusive_and_leave_out_unknown_values(api, shelf, params, expected):
    assert in_batch(api, shelf, **params) == expected


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("978-0-262", ["Deep Learning"]),  # identifier prefix, hyphens ignored
        ("9781400033416", ["The deep sea"]),
        ("b00cook", ["Cooking for One"]),  # ASIN prefix, any case
        ("0262035618", ["Deep Learning"]),  # the ASIN of an ISBN-13 row
        ("DEEP", ["The deep sea", "Deep Learning"]),  # title, any case
        ("for one", ["Cooking for One"]),
        ("nothing like it", []),
        ("   ", ["Unknown Book", "The deep sea", "Cooking for One", "Deep Learning"]),
    ],
)
def test_q_searches_identifier_asin_and_title(api, shelf, q, expected):
    assert in_batch(api, shelf, q=q) == expected


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("batch", "not-a-uuid"),
        ("recommendation", "MAYBE"),
        ("risk_level", "EXTREME"),
        ("roi_min", "a lot"),
        ("roi_max", "1e"),
        ("profit_min", "$5"),
        ("velocity_min", "fast"),
        ("rank_max", "top"),
        ("view", "cheapest"),
        ("ordering", "title"),
        ("ordering", "-profit,user"),
        ("ordering", "100%"),
    ],
)
def test_invalid_filter_values_are_400s_naming_the_parameter(api, shelf, name, value):
    response = api.get("/api/v1/analyses", {name: value})
    assert response.status_code == 400
    error = error_of(response)
    assert list(error["fields"]) == [name]
    assert error["message"].startswith(f"{name}: ")


# --- Ordering -----------------------------------------------------------------------------


def _values(response, field):
    return [item[field] for item in response.json()["items"]]


@pytest.mark.parametrize("field", ORDERING_FIELDS)
@pytest.mark.parametrize("descending", [False, True], ids=["asc", "desc"])
def test_every_ordering_field_sorts_with_empty_values_last(api, shelf, field, descending):
    ordering = f"-{field}" if descending else field
    values = _values(
        api.get("/api/v1/analyses", {"batch": str(shelf["batch"].pk), "ordering": ordering}),
        field,
    )
    known = [v for v in values if v is not None]
    nulls = [v for v in values if v is None]
    assert len(values) == 4
    assert values == known + nulls  # NULLs last in both directions
    if field != "created_at":
        assert len(nulls) == 1
        known = [Decimal(str(v)) for v in known]
    assert known == sorted(known, reverse=descending)


def test_ordering_by_several_fields(api, user):
    batch = BatchFactory(user=user)
    for title, profit, roi in (("A", 5, 10), ("B", 5, 30), ("C", 9, 1)):
        AnalysisFactory(batch=batch, title=title, profit=profit, roi_percent=roi)
    response = api.get("/api/v1/analyses", {"ordering": "-profit,-roi_percent"})
    assert titles(response) == ["C", "B", "A"]
    response = api.get("/api/v1/analyses", {"ordering": "profit,roi_percent"})
    assert titles(response) == ["A", "B", "C"]


@pytest.mark.parametrize(
    ("view", "field"),
    [("profit", "profit"), ("velocity", "velocity_score"), ("balanced", "balanced_score")],
)
def test_views_order_by_their_score_best_first(api, shelf, view, field):
    response = api.get("/api/v1/analyses", {"batch": str(shelf["batch"].pk), "view": view})
    assert titles(response) == titles(
        api.get("/api/v1/analyses", {"batch": str(shelf["batch"].pk), "ordering": f"-{field}"})
    )
    values = _values(response, field)
    assert values[-1] is None
    assert [Decimal(str(v)) for v in values[:-1]] == sorted(
        (Decimal(str(v)) for v in values[:-1]), reverse=True
    )


def test_an_explicit_ordering_wins_over_the_view(api, shelf):
    response = api.get(
        "/api/v1/analyses",
        {"batch": str(shelf["batch"].pk), "view": "profit", "ordering": "velocity_score"},
    )
    assert titles(response) == ["The deep sea", "Cooking for One", "Deep Learning", "Unknown Book"]


# --- Retrieve -----------------------------------------------------------------------------


def test_retrieve_one_analysis(api, shelf):
    deep = shelf["deep"]
    response = api.get(f"/api/v1/analyses/{deep.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == str(deep.pk)
    assert body["title"] == "Deep Learning"
    assert body["reasons"] == []
    assert isinstance(body["raw_keepa"], dict) and isinstance(body["target_price_data"], dict)


def test_retrieve_an_unknown_analysis_is_404(api, shelf):
    response = api.get("/api/v1/analyses/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_analyses_are_read_only_once_stored(api, shelf):
    url = f"/api/v1/analyses/{shelf['deep'].pk}"
    assert api.patch(url, {"profit": 1}).status_code == 405
    assert api.put(url, {"profit": 1}).status_code == 405
    assert api.delete(url).status_code == 405
    assert Analysis.objects.get(pk=shelf["deep"].pk).profit == Decimal("10.00")


# --- POST (the seed's contract) -----------------------------------------------------------


@pytest.fixture
def batch(user):
    return BatchFactory(user=user)


def post(api, batch, **fields):
    payload = {"batch_id": str(batch.pk), "isbn_or_asin": "0-13-468599-7", "buy_price": "2.00"}
    return api.post("/api/v1/analyses", {**payload, **fields})


def test_post_stores_an_external_analysis(api, user, batch):
    response = post(
        api,
        batch,
        title="Effective Java",
        expected_sale_price="24.99",
        fees="9.10",
        profit="13.89",
        roi_percent="694.50",
        velocity_score="61.5",
        rank_snapshot=12000,
        recommendation="BUY",
        risk_level="LOW",
        reasons=[{"code": "roi", "message": "ROI above 30%"}],
        raw_keepa={"source": "elsewhere"},
    )
    assert response.status_code == 201
    body = response.json()
    assert body["isbn_or_asin"] == "9780134685991"  # ISBN-10 canonicalised to ISBN-13
    assert body["market_source"] == "external" and body["is_demo_data"] is False
    assert body["batch_id"] == str(batch.pk)
    assert body["recommendation"] == "BUY"
    assert body["reasons"] == [{"code": "roi", "message": "ROI above 30%"}]
    assert dec(body["profit"]) == Decimal("13.89")
    stored = Analysis.objects.get(pk=body["id"])
    assert stored.user == user
    assert stored.raw_keepa == {"source": "elsewhere"}
    assert api.get(f"/api/v1/analyses/{body['id']}").status_code == 200


def test_post_without_a_decision_asks_for_review(api, batch):
    body = post(api, batch).json()
    assert body["recommendation"] == "REVIEW"
    assert [r["code"] for r in body["reasons"]] == ["external"]
    assert body["profit"] is None and body["velocity_score"] is None


def test_post_of_a_book_already_in_the_batch_is_a_409(api, batch):
    assert post(api, batch).status_code == 201
    # The same book, written as its ISBN-13: the same canonical identifier.
    response = post(api, batch, isbn_or_asin="978-0-13-468599-1")
    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "conflict"
    assert "9780134685991" in error["message"]
    assert Analysis.objects.filter(batch=batch).count() == 1


def test_post_of_the_same_book_in_another_batch_is_fine(api, user, batch):
    assert post(api, batch).status_code == 201
    assert post(api, BatchFactory(user=user)).status_code == 201


def test_post_to_another_users_batch_is_invalid(api, other_user):
    response = post(api, BatchFactory(user=other_user))
    assert response.status_code == 400
    assert list(error_of(response)["fields"]) == ["batch_id"]
    assert not Analysis.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"velocity_score": "101"}, "velocity_score"),
        ({"velocity_score": "-1"}, "velocity_score"),
        ({"isbn_or_asin": "not a book"}, "isbn_or_asin"),
        ({"isbn_or_asin": "9780134685990"}, "isbn_or_asin"),  # bad check digit
        ({"buy_price": "-1"}, "buy_price"),
        ({"buy_price": None}, "buy_price"),
        ({"quantity": 0}, "quantity"),
        ({"recommendation": "MAYBE"}, "recommendation"),
        ({"risk_level": "NONE"}, "risk_level"),
        ({"roi_percent": "100000"}, "roi_percent"),
        ({"rank_snapshot": -1}, "rank_snapshot"),
        ({"raw_keepa": [1, 2]}, "raw_keepa"),
        ({"reasons": [{"code": "x"}]}, "reasons.0.message"),
        ({"batch_id": "nope"}, "batch_id"),
    ],
)
def test_post_rejects_invalid_values_naming_the_field(api, batch, fields, field):
    response = post(api, batch, **fields)
    assert response.status_code == 400
    assert field in error_of(response)["fields"]
    assert not Analysis.objects.exists()


def test_post_requires_batch_identifier_and_buy_price(api):
    response = api.post("/api/v1/analyses", {})
    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == {"batch_id", "isbn_or_asin", "buy_price"}
