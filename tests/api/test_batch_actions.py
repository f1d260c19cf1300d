"""A batch's actions: PATCH …/status, POST …/run, POST …/rescore, GET …/items, GET …/export."""

import csv
import io
from collections import Counter
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from analyses.exports import ANALYSIS_COLUMNS, REJECTED_COLUMNS, XLSX_TYPE
from batches.models import Batch, BatchStatus
from tests.api.conftest import error_of
from tests.factories import BatchFactory, BusinessConfigFactory

pytestmark = pytest.mark.django_db


# --- PATCH status -------------------------------------------------------------------------


def test_status_pending_to_cancelled_answers_200(api, make_batch):
    batch = make_batch(2)
    response = api.patch(f"/api/v1/batches/{batch.pk}/status", {"status": "CANCELLED"})
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == BatchStatus.CANCELLED
    assert body["finished_at"] is not None
    assert Batch.objects.get(pk=batch.pk).status == BatchStatus.CANCELLED


def test_status_pending_to_processing_starts_the_run(
    api, make_batch, django_capture_on_commit_callbacks
):
    batch = make_batch(3)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.patch(
            f"/api/v1/batches/{batch.pk}/status", {"status": "PROCESSING"}, format="json"
        )
    assert response.status_code == 200
    assert response.json()["status"] == BatchStatus.PROCESSING
    assert response.json()["started_at"] is not None
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMPLETED  # the queued run went through


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (BatchStatus.PENDING, BatchStatus.PENDING),
        (BatchStatus.PENDING, BatchStatus.COMPLETED),
        (BatchStatus.PENDING, BatchStatus.FAILED),
        (BatchStatus.COMPLETED, BatchStatus.CANCELLED),
        (BatchStatus.COMPLETED, BatchStatus.PROCESSING),
        (BatchStatus.FAILED, BatchStatus.PENDING),
        (BatchStatus.CANCELLED, BatchStatus.PROCESSING),
    ],
)
def test_status_refuses_an_impossible_transition_with_409(api, user, start, target):
    batch = BatchFactory(user=user, status=start)
    response = api.patch(f"/api/v1/batches/{batch.pk}/status", {"status": target}, format="json")
    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "conflict"
    assert start in error["message"]
    assert Batch.objects.get(pk=batch.pk).status == start


def test_status_processing_to_completed_by_hand(api, user):
    batch = BatchFactory(user=user, status=BatchStatus.PROCESSING)
    response = api.patch(f"/api/v1/batches/{batch.pk}/status", {"status": "COMPLETED"})
    assert response.status_code == 200
    assert response.json()["status"] == BatchStatus.COMPLETED


@pytest.mark.parametrize("payload", [{"status": "DONE"}, {"status": ""}, {}, {"status": None}])
def test_status_rejects_an_unknown_or_missing_status_as_400(api, make_batch, payload):
    batch = make_batch(1)
    response = api.patch(f"/api/v1/batches/{batch.pk}/status", payload, format="json")
    assert response.status_code == 400
    assert list(error_of(response)["fields"]) == ["status"]


# --- POST run -----------------------------------------------------------------------------


def test_run_queues_a_pending_batch(api, make_batch, django_capture_on_commit_callbacks):
    batch = make_batch(4)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = api.post(f"/api/v1/batches/{batch.pk}/run")
    assert response.status_code == 202
    assert response.json()["status"] == BatchStatus.PENDING
    assert len(callbacks) == 1
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMPLETED
    assert batch.analyses.exists()


def test_run_refreshes_a_completed_batch(api, completed_batch, django_capture_on_commit_callbacks):
    first_finish = completed_batch.finished_at
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/api/v1/batches/{completed_batch.pk}/run")
    assert response.status_code == 202
    assert response.json()["status"] == BatchStatus.PENDING
    assert response.json()["finished_at"] is None
    completed_batch.refresh_from_db()
    assert completed_batch.status == BatchStatus.COMPLETED
    assert completed_batch.finished_at > first_finish


# --- POST rescore -------------------------------------------------------------------------


def test_rescore_with_a_strict_config_changes_the_decisions_without_tokens(
    api, user, completed_batch, django_capture_on_commit_callbacks
):
    before = Counter(completed_batch.analyses.values_list("recommendation", flat=True))
    assert before["BUY"] > 0
    strict = BusinessConfigFactory(
        user=user, config_data={"thresholds": {"min_roi_pct": 1000, "min_profit": "500"}}
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            f"/api/v1/batches/{completed_batch.pk}/rescore",
            {"config": str(strict.pk)},
            format="json",
        )
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == BatchStatus.PROCESSING
    assert body["config"] == str(strict.pk)
    assert body["strategy_snapshot"]["thresholds"]["min_roi_pct"] == 1000
    after = Counter(completed_batch.analyses.values_list("recommendation", flat=True))
    assert after["BUY"] == 0
    assert sum(after.values()) == sum(before.values())
    detail = api.get(f"/api/v1/batches/{completed_batch.pk}").json()
    assert detail["status"] == BatchStatus.COMPLETED
    assert detail["summary"]["buy"] == 0
    assert detail["tokens_spent"] == completed_batch.tokens_spent  # no Keepa call


def test_rescore_without_a_config_uses_the_defaults(api, completed_batch):
    response = api.post(f"/api/v1/batches/{completed_batch.pk}/rescore", {}, format="json")
    assert response.status_code == 202
    assert response.json()["config"] is None


def test_rescore_of_a_pending_batch_is_a_409(api, make_batch):
    batch = make_batch(2)
    response = api.post(f"/api/v1/batches/{batch.pk}/rescore", {}, format="json")
    assert response.status_code == 409
    assert error_of(response)["code"] == "conflict"
    assert Batch.objects.get(pk=batch.pk).status == BatchStatus.PENDING


def test_rescore_refuses_another_users_config_as_invalid(api, other_user, completed_batch):
    theirs = BusinessConfigFactory(user=other_user)
    response = api.post(
        f"/api/v1/batches/{completed_batch.pk}/rescore", {"config": str(theirs.pk)}, format="json"
    )
    assert response.status_code == 400
    assert list(error_of(response)["fields"]) == ["config"]
    assert Batch.objects.get(pk=completed_batch.pk).status == BatchStatus.COMPLETED


def test_rescore_refuses_a_stored_config_that_no_longer_validates(api, user, completed_batch):
    broken = BusinessConfigFactory(user=user, config_data={"thresholds": {"min_roi_pct": -1}})
    response = api.post(
        f"/api/v1/batches/{completed_batch.pk}/rescore", {"config": str(broken.pk)}, format="json"
    )
    assert response.status_code == 400
    error = error_of(response)
    assert list(error["fields"]) == ["config"]
    assert "min_roi_pct" in error["message"]


# --- GET items ----------------------------------------------------------------------------


@pytest.fixture
def batch_with_rejects(api):
    """Six sheet rows: three valid, two rejected (lines 2 and 5), one merged into line 1."""
    items = [
        {"identifier": "9780134685991", "cost": "2.00"},
        {"identifier": "nonsense", "cost": "1.00"},
        {"identifier": "9780262033848", "cost": "3.00"},
        {"identifier": "9780134685991", "cost": "2.00"},
        {"identifier": "9781491950357", "cost": "free"},
        {"identifier": "9781491950357", "cost": "4.00"},
    ]
    response = api.post("/api/v1/batches", {"items": items, "run": False}, format="json")
    return Batch.objects.get(pk=response.json()["id"])


def test_items_lists_every_sheet_row_in_line_order(api, batch_with_rejects):
    body = api.get(f"/api/v1/batches/{batch_with_rejects.pk}/items").json()
    assert body["total"] == 6
    assert [i["line_number"] for i in body["items"]] == [1, 2, 3, 4, 5, 6]
    statuses = [i["status"] for i in body["items"]]
    assert statuses == ["PENDING", "INVALID", "PENDING", "MERGED", "INVALID", "PENDING"]


def test_items_rejected_rows_carry_their_line_field_and_message(api, batch_with_rejects):
    body = api.get(f"/api/v1/batches/{batch_with_rejects.pk}/items", {"status": "INVALID"}).json()
    assert body["total"] == 2
    first, second = body["items"]
    assert (first["line_number"], first["raw_identifier"], first["error_field"]) == (
        2,
        "nonsense",
        "identifier",
    )
    assert first["error_message"].startswith("line 2: ")
    assert (second["line_number"], second["raw_cost"], second["error_field"]) == (5, "free", "cost")
    assert second["error_message"].startswith("line 5: ")
    assert first["isbn_or_asin"] is None and second["buy_price"] is None


def test_items_filter_by_several_statuses(api, batch_with_rejects):
    url = f"/api/v1/batches/{batch_with_rejects.pk}/items?status=MERGED&status=PENDING"
    body = api.get(url).json()
    assert [i["line_number"] for i in body["items"]] == [1, 3, 4, 6]


def test_items_rejects_an_unknown_status_naming_it(api, batch_with_rejects):
    response = api.get(f"/api/v1/batches/{batch_with_rejects.pk}/items", {"status": "LOST"})
    assert response.status_code == 400
    assert list(error_of(response)["fields"]) == ["status"]


def test_items_after_a_run_say_what_became_of_each_book(api, completed_batch):
    body = api.get(f"/api/v1/batches/{completed_batch.pk}/items", {"per_page": 100}).json()
    assert body["total"] == 30
    assert Counter(i["status"] for i in body["items"]) == Counter(
        completed_batch.items.values_list("status", flat=True)
    )
    assert {i["status"] for i in body["items"]} == {"DONE", "NOT_FOUND"}


# --- GET export ---------------------------------------------------------------------------


def read_csv(response) -> list[dict]:
    assert response.status_code == 200, response
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.streaming
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_export_csv_streams_every_analysis(api, completed_batch):
    response = api.get(f"/api/v1/batches/{completed_batch.pk}/export")
    assert (
        (response["Content-Disposition"]) == 'attachment; filename="library-sale-analyses-demo.csv"'
    )
    rows = read_csv(response)
    assert len(rows) == completed_batch.analyses.count()
    assert list(rows[0]) == ANALYSIS_COLUMNS
    assert {r["isbn_or_asin"] for r in rows} == set(
        completed_batch.analyses.values_list("isbn_or_asin", flat=True)
    )
    assert {r["market_source"] for r in rows} == {"demo"}
    # Default order: BUY, then REVIEW, then SKIP.
    order = {"BUY": 0, "REVIEW": 1, "SKIP": 2}
    ranks = [order[r["recommendation"]] for r in rows]
    assert ranks == sorted(ranks)


def test_export_applies_the_numeric_and_text_filters(api, completed_batch):
    url = f"/api/v1/batches/{completed_batch.pk}/export"
    rows = read_csv(api.get(url, {"roi_min": "0", "q": "978"}))
    assert rows and all(Decimal(r["roi_percent"]) >= 0 for r in rows)
    expected = completed_batch.analyses.filter(roi_percent__gte=0).count()
    assert len(rows) == expected
    assert read_csv(api.get(url, {"profit_min": "100000"})) == []


def test_export_applies_the_recommendation_filter(api, completed_batch):
    rows = read_csv(api.get(f"/api/v1/batches/{completed_batch.pk}/export?recommendation=BUY"))
    assert rows
    assert {r["recommendation"] for r in rows} == {"BUY"}
    assert len(rows) == completed_batch.analyses.filter(recommendation="BUY").count()


def test_export_applies_the_risk_filter_with_an_ordering(api, completed_batch):
    url = f"/api/v1/batches/{completed_batch.pk}/export?risk_level=LOW&risk_level=MEDIUM"
    rows = read_csv(api.get(url + "&ordering=-profit"))
    assert {r["risk_level"] for r in rows} <= {"LOW", "MEDIUM"}
    assert len(rows) == completed_batch.analyses.exclude(risk_level="HIGH").count()
    profits = [Decimal(r["profit"]) for r in rows]
    assert profits == sorted(profits, reverse=True)


def test_export_honours_the_ordering(api, completed_batch):
    rows = read_csv(api.get(f"/api/v1/batches/{completed_batch.pk}/export?ordering=-profit"))
    profits = [Decimal(r["profit"]) for r in rows]
    assert profits == sorted(profits, reverse=True)
    rows = read_csv(api.get(f"/api/v1/batches/{completed_batch.pk}/export?ordering=velocity_score"))
    velocities = [Decimal(r["velocity_score"]) for r in rows]
    assert velocities == sorted(velocities)


def test_export_xlsx_opens_as_a_workbook(api, completed_batch):
    response = api.get(f"/api/v1/batches/{completed_batch.pk}/export", {"format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_TYPE
    assert "library-sale-analyses-demo.xlsx" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert list(rows[0]) == ANALYSIS_COLUMNS
    assert len(rows) - 1 == completed_batch.analyses.count()


def test_export_xlsx_applies_the_filters_too(api, completed_batch):
    response = api.get(
        f"/api/v1/batches/{completed_batch.pk}/export",
        {"format": "xlsx", "recommendation": "SKIP"},
    )
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    at = ANALYSIS_COLUMNS.index("recommendation")
    assert {row[at] for row in rows[1:]} == {"SKIP"}
    assert len(rows) - 1 == completed_batch.analyses.filter(recommendation="SKIP").count()


def test_export_rejected_rows(api, batch_with_rejects):
    response = api.get(f"/api/v1/batches/{batch_with_rejects.pk}/export", {"kind": "rejected"})
    rows = read_csv(response)
    assert list(rows[0]) == REJECTED_COLUMNS
    assert [(r["line"], r["field"]) for r in rows] == [("2", "identifier"), ("5", "cost")]
    assert rows[0]["identifier"] == "nonsense"
    assert rows[1]["error"].startswith("line 5: ")


def test_export_answers_whatever_the_accept_header(api, completed_batch):
    url = f"/api/v1/batches/{completed_batch.pk}/export"
    assert read_csv(api.get(url, HTTP_ACCEPT="text/csv"))
    response = api.get(url, {"format": "xlsx"}, HTTP_ACCEPT=XLSX_TYPE)
    assert response.status_code == 200 and response["Content-Type"] == XLSX_TYPE


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"format": "pdf"}, "format"),
        ({"kind": "everything"}, "kind"),
        ({"recommendation": "MAYBE"}, "recommendation"),
        ({"roi_min": "lots"}, "roi_min"),
        ({"ordering": "title"}, "ordering"),
        ({"view": "fastest"}, "view"),
    ],
)
def test_export_rejects_bad_parameters_in_the_error_shape(api, completed_batch, params, field):
    response = api.get(
        f"/api/v1/batches/{completed_batch.pk}/export", params, HTTP_ACCEPT="text/csv"
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    error = error_of(response)
    assert list(error["fields"]) == [field]
