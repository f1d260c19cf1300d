"""Every list answers `{items, total, page, per_page, pages}`; `page` ≥ 1, `per_page` 1–100;
bad values are 400s naming the parameter; a page past the end is empty; ties never split."""

import math

import pytest
from django.utils import timezone

from analyses.models import Analysis
from batches.models import Batch, BatchItem
from tests.api.conftest import error_of
from tests.factories import (
    AnalysisFactory,
    BatchFactory,
    BatchItemFactory,
    BusinessConfigFactory,
)

pytestmark = pytest.mark.django_db

LISTS = ["batches", "analyses", "configs", "items"]


@pytest.fixture
def make_rows(user):
    """`make_rows(kind, n)` → (url, ids of the n rows made), all the user's."""
    holder = {}

    def batch():
        if "batch" not in holder:
            holder["batch"] = BatchFactory(user=user)
        return holder["batch"]

    def make(kind, count):
        if kind == "batches":
            rows = BatchFactory.create_batch(count, user=user)
            return "/api/v1/batches", [r.pk for r in rows]
        if kind == "analyses":
            rows = AnalysisFactory.create_batch(count, batch=batch())
            return "/api/v1/analyses", [r.pk for r in rows]
        if kind == "configs":
            rows = BusinessConfigFactory.create_batch(count, user=user)
            return "/api/v1/configs", [r.pk for r in rows]
        rows = BatchItemFactory.create_batch(count, batch=batch())
        return f"/api/v1/batches/{batch().pk}/items", [r.pk for r in rows]

    return make


@pytest.mark.parametrize("kind", LISTS)
def test_list_defaults_to_page_1_of_20(api, make_rows, kind):
    url, ids = make_rows(kind, 25)
    body = api.get(url).json()
    assert set(body) == {"items", "total", "page", "per_page", "pages"}
    assert (body["total"], body["page"], body["per_page"], body["pages"]) == (25, 1, 20, 2)
    assert len(body["items"]) == 20
    assert {item["id"] for item in body["items"]} <= {str(i) for i in ids}


@pytest.mark.parametrize("kind", LISTS)
def test_last_page_holds_the_remainder(api, make_rows, kind):
    url, _ = make_rows(kind, 25)
    body = api.get(url, {"page": 3, "per_page": 10}).json()
    assert (body["total"], body["page"], body["per_page"], body["pages"]) == (25, 3, 10, 3)
    assert len(body["items"]) == 5


@pytest.mark.parametrize("kind", LISTS)
def test_page_past_the_end_is_empty_with_correct_totals(api, make_rows, kind):
    url, _ = make_rows(kind, 3)
    response = api.get(url, {"page": 99, "per_page": 2})
    assert response.status_code == 200
    assert response.json() == {"items": [], "total": 3, "page": 99, "per_page": 2, "pages": 2}


@pytest.mark.parametrize("kind", LISTS)
def test_empty_list_has_no_pages(api, make_rows, kind):
    url, _ = make_rows(kind, 0)
    assert api.get(url).json() == {"items": [], "total": 0, "page": 1, "per_page": 20, "pages": 0}


@pytest.mark.parametrize("kind", LISTS)
@pytest.mark.parametrize("per_page", [1, 100])
def test_per_page_accepts_its_bounds(api, make_rows, kind, per_page):
    url, _ = make_rows(kind, 3)
    body = api.get(url, {"per_page": per_page}).json()
    assert body["per_page"] == per_page
    assert len(body["items"]) == min(per_page, 3)
    assert body["pages"] == math.ceil(3 / per_page)


@pytest.mark.parametrize("kind", LISTS)
@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("per_page", "0"),
        ("per_page", "101"),
        ("per_page", "-5"),
        ("per_page", "x"),
        ("per_page", "2.5"),
        ("page", "0"),
        ("page", "-1"),
        ("page", "x"),
    ],
)
def test_invalid_page_parameters_are_400s_naming_the_parameter(api, make_rows, kind, name, value):
    url, _ = make_rows(kind, 1)
    response = api.get(url, {name: value})
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid"
    assert list(error["fields"]) == [name]
    assert name in error["message"]


def _walk_pages(api, url, params, per_page=7):
    seen, page = [], 1
    while True:
        body = api.get(url, {**params, "page": page, "per_page": per_page}).json()
        if not body["items"]:
            return seen, body
        seen.extend(item["id"] for item in body["items"])
        page += 1


@pytest.mark.parametrize(
    ("kind", "params"),
    [
        ("batches", {}),
        ("batches", {"ordering": "name"}),
        ("batches", {"ordering": "-status"}),
        ("analyses", {}),
        ("analyses", {"ordering": "-profit"}),
        ("analyses", {"ordering": "roi_percent"}),
        ("analyses", {"view": "balanced"}),
        ("configs", {}),
        ("items", {}),
    ],
)
def test_ties_are_broken_by_id_so_no_row_is_on_two_pages_or_missing(api, make_rows, kind, params):
    url, ids = make_rows(kind, 25)
    # Every row equal on every sort key: only the id can order them.
    same_moment = timezone.now()
    model = {"batches": Batch, "analyses": Analysis, "items": BatchItem}.get(kind)
    if model is not None:
        model.objects.filter(pk__in=ids).update(created_at=same_moment)
    if kind == "batches":
        Batch.objects.filter(pk__in=ids).update(name="Same name")
    if kind == "items":
        BatchItem.objects.filter(pk__in=ids).update(line_number=7)
    seen, last = _walk_pages(api, url, params)
    assert len(seen) == len(set(seen)) == 25
    assert set(seen) == {str(i) for i in ids}
    assert last["pages"] == 4
    # The same request gives the same order every time.
    assert _walk_pages(api, url, params)[0] == seen
