"""/api/v1/batches: list and filters, create (JSON items, CSV, XLSX), detail, delete."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook

from analyses.models import Analysis
from batches.models import Batch, BatchItem, BatchStatus, ItemStatus
from tests.api.conftest import book_items, error_of
from tests.batches.conftest import isbns
from tests.factories import BatchFactory, BusinessConfigFactory

pytestmark = pytest.mark.django_db


def names(response) -> list[str]:
    return [item["name"] for item in response.json()["items"]]


# --- List --------------------------------------------------------------------------------


@pytest.fixture
def three_batches(user):
    now = timezone.now()
    rows = [
        BatchFactory(user=user, name="Library sale", status=BatchStatus.PENDING),
        BatchFactory(user=user, name="Thrift store", status=BatchStatus.COMPLETED),
        BatchFactory(user=user, name="Estate SALE", status=BatchStatus.CANCELLED),
    ]
    for days, batch in zip((3, 2, 1), rows, strict=True):
        Batch.objects.filter(pk=batch.pk).update(created_at=now - timedelta(days=days))
    return rows


def test_list_shows_newest_first(api, three_batches):
    assert names(api.get("/api/v1/batches")) == ["Estate SALE", "Thrift store", "Library sale"]


def test_list_filters_by_one_status(api, three_batches):
    assert names(api.get("/api/v1/batches", {"status": "COMPLETED"})) == ["Thrift store"]


def test_list_filters_by_several_statuses(api, three_batches):
    response = api.get("/api/v1/batches?status=PENDING&status=CANCELLED")
    assert names(response) == ["Estate SALE", "Library sale"]


def test_list_rejects_an_unknown_status_naming_it(api, three_batches):
    response = api.get("/api/v1/batches", {"status": "DONE"})
    assert response.status_code == 400
    assert list(error_of(response)["fields"]) == ["status"]


def test_list_searches_names_case_insensitively(api, three_batches):
    assert names(api.get("/api/v1/batches", {"q": "sale"})) == ["Estate SALE", "Library sale"]


def test_list_filters_by_creation_range(api, three_batches):
    now = timezone.now()
    after = (now - timedelta(days=2, hours=1)).isoformat()
    before = (now - timedelta(hours=12)).isoformat()
    response = api.get("/api/v1/batches", {"created_after": after, "created_before": before})
    assert names(response) == ["Estate SALE", "Thrift store"]
    response = api.get("/api/v1/batches", {"created_before": after})
    assert names(response) == ["Library sale"]


@pytest.mark.parametrize("name", ["created_after", "created_before"])
def test_list_rejects_a_malformed_date_naming_it(api, name):
    response = api.get("/api/v1/batches", {name: "last tuesday"})
    assert response.status_code == 400
    assert list(error_of(response)["fields"]) == [name]


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("name", ["Estate SALE", "Library sale", "Thrift store"]),
        ("-name", ["Thrift store", "Library sale", "Estate SALE"]),
        ("created_at", ["Library sale", "Thrift store", "Estate SALE"]),
        ("-created_at", ["Estate SALE", "Thrift store", "Library sale"]),
        ("status", ["Estate SALE", "Thrift store", "Library sale"]),
        ("-status", ["Library sale", "Thrift store", "Estate SALE"]),
    ],
)
def test_list_orders_by_each_allowed_field(api, three_batches, ordering, expected):
    assert names(api.get("/api/v1/batches", {"ordering": ordering})) == expected


def test_list_orders_by_items_total(api, user):
    for total, name in ((5, "Five"), (1, "One"), (9, "Nine")):
        BatchFactory(user=user, name=name, items_total=total)
    assert names(api.get("/api/v1/batches", {"ordering": "items_total"})) == [
        "One",
        "Five",
        "Nine",
    ]
    assert names(api.get("/api/v1/batches", {"ordering": "-items_total"})) == [
        "Nine",
        "Five",
        "One",
    ]


@pytest.mark.parametrize("ordering", ["price", "-user", "name,password"])
def test_list_rejects_an_unknown_ordering_naming_it(api, three_batches, ordering):
    response = api.get("/api/v1/batches", {"ordering": ordering})
    assert response.status_code == 400
    error = error_of(response)
    assert list(error["fields"]) == ["ordering"]
    assert "unknown ordering" in error["message"]


# --- Create from JSON ----------------------------------------------------------------------


def test_create_from_items_answers_201_with_the_batch_and_its_row_errors(api, user):
    good = isbns(2)
    items = [
        {"identifier": good[0], "cost": "2.50", "quantity": 3},
        {"identifier": "not-a-book", "cost": "1.00"},
        {"identifier": good[1], "cost": "-4"},
        {"identifier": good[1], "cost": "1.00", "condition": "new"},
    ]
    response = api.post(
        "/api/v1/batches",
        {"name": "Garage sale", "description": "Saturday", "items": items, "run": False},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "Garage sale"
    assert body["description"] == "Saturday"
    assert body["status"] == BatchStatus.PENDING
    assert (body["rows_total"], body["rows_invalid"], body["items_total"]) == (4, 2, 2)
    assert body["row_errors"] == [
        {"line": 2, "field": "identifier", "message": body["row_errors"][0]["message"]},
        {"line": 3, "field": "cost", "message": body["row_errors"][1]["message"]},
    ]
    assert body["row_errors"][0]["message"].startswith("line 2: ")
    assert body["row_errors"][1]["message"].startswith("line 3: ")
    assert body["summary"]["rejected_rows"] == 2
    batch = Batch.objects.get(pk=body["id"])
    assert batch.user == user
    assert batch.items.count() == 4  # every row kept, valid or not
    assert batch.items.get(line_number=1).quantity == 3
    assert batch.items.get(line_number=4).condition == "new"


def test_create_with_run_false_leaves_the_batch_pending(api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = api.post(
            "/api/v1/batches", {"items": book_items(3), "run": False}, format="json"
        )
    assert response.status_code == 201
    assert callbacks == []
    batch = Batch.objects.get(pk=response.json()["id"])
    assert batch.status == BatchStatus.PENDING
    assert not batch.analyses.exists()


def test_create_runs_the_batch_by_default(api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = api.post("/api/v1/batches", {"items": book_items(6)}, format="json")
    assert response.status_code == 201
    assert response.json()["status"] == BatchStatus.PENDING  # queued when it answered
    assert len(callbacks) == 1
    detail = api.get(f"/api/v1/batches/{response.json()['id']}").json()
    assert detail["status"] == BatchStatus.COMPLETED
    assert detail["items_processed"] == detail["items_total"] == 6
    assert detail["progress_percent"] == 100
    assert detail["market_source"] == "demo" and detail["is_demo_data"] is True
    assert detail["strategy_snapshot"]["thresholds"]["min_roi_pct"] == 30
    assert Analysis.objects.filter(batch_id=detail["id"]).count() > 0


def test_create_names_an_unnamed_batch(api):
    response = api.post("/api/v1/batches", {"items": book_items(1), "run": False}, format="json")
    assert response.json()["name"] == "API batch"


def test_create_applies_the_default_condition_to_rows_without_one(api):
    response = api.post(
        "/api/v1/batches",
        {"items": book_items(2), "condition": "new", "run": False},
        format="json",
    )
    assert response.json()["condition"] == "new"
    batch = Batch.objects.get(pk=response.json()["id"])
    assert set(batch.items.values_list("condition", flat=True)) == {"new"}


def test_create_keeps_rows_with_odd_json_values_as_row_errors(api):
    items = [
        {"identifier": {"isbn": "x"}, "cost": [1]},
        {"identifier": 9780134685991, "cost": 3},
        {"identifier": None, "cost": None},
    ]
    response = api.post("/api/v1/batches", {"items": items, "run": False}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["rows_total"] == 3
    assert [e["line"] for e in body["row_errors"]] == [1, 3]


def test_create_with_the_callers_config_records_it(api, user):
    config = BusinessConfigFactory(user=user)
    response = api.post(
        "/api/v1/batches",
        {"items": book_items(1), "config": str(config.pk), "run": False},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["config"] == str(config.pk)


def test_create_refuses_another_users_config_as_invalid(api, other_user):
    config = BusinessConfigFactory(user=other_user)
    response = api.post(
        "/api/v1/batches", {"items": book_items(1), "config": str(config.pk)}, format="json"
    )
    assert response.status_code == 400
    assert list(error_of(response)["fields"]) == ["config"]
    assert not Batch.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "items"),
        ({"name": "Nothing"}, "items"),
        ({"items": []}, "items"),
        ({"items": book_items(1), "file": "books.csv"}, "items"),
        ({"items": [{"identifier": "9780134685991"}]}, "items.0.cost"),
        ({"items": "9780134685991,2.00"}, "items.non_field_errors"),
        ({"items": book_items(1), "condition": "mint"}, "condition"),
        ({"items": book_items(1), "run": "sometimes"}, "run"),
        ({"items": book_items(1), "name": "x" * 201}, "name"),
    ],
)
def test_create_rejects_a_malformed_request_naming_the_field(api, payload, field):
    response = api.post("/api/v1/batches", payload, format="json")
    assert response.status_code == 400
    assert field in error_of(response)["fields"]
    assert not Batch.objects.exists()


def test_create_rejects_a_body_that_is_not_json(api):
    response = api.post("/api/v1/batches", "isbn,cost", content_type="application/json")
    assert response.status_code == 400
    assert "JSON parse error" in error_of(response)["message"]


def test_create_rejects_form_encoded_bodies_as_unsupported(api):
    response = api.post(
        "/api/v1/batches", "name=x", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415
    assert error_of(response)["code"] == "unsupported_media_type"


# --- Create from a file -------------------------------------------------------------------


def _csv_upload(text: str, name: str = "thrift.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def _xlsx_upload(rows: list[list], name: str = "thrift.xlsx") -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(
        name,
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def test_create_from_a_csv_file(api):
    good = isbns(2)
    text = f"ISBN,Cost,Qty\n{good[0]},1.50,2\nnonsense,1.00,1\n{good[1]},$3.00,1\n"
    response = api.post(
        "/api/v1/batches", {"file": _csv_upload(text), "run": "false"}, format="multipart"
    )
    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "thrift.csv"
    assert body["source_filename"] == "thrift.csv"
    assert (body["rows_total"], body["rows_invalid"], body["items_total"]) == (3, 1, 2)
    assert body["row_errors"][0]["line"] == 3
    assert body["row_errors"][0]["field"] == "identifier"
    batch = Batch.objects.get(pk=body["id"])
    assert batch.items.get(line_number=4).buy_price == Decimal("3.00")


def test_create_from_an_xlsx_file(api):
    good = isbns(3)
    rows = [["isbn", "cost", "quantity"], [good[0], 2, 1], [good[1], 4.5, 2], [good[2], -1, 1]]
    response = api.post(
        "/api/v1/batches",
        {"file": _xlsx_upload(rows), "name": "Boxes", "run": "false"},
        format="multipart",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "Boxes"
    assert (body["rows_total"], body["rows_invalid"], body["items_total"]) == (3, 1, 2)
    assert body["row_errors"] == [
        {"line": 4, "field": "cost", "message": body["row_errors"][0]["message"]}
    ]


def test_create_from_a_file_runs_it_by_default(api, django_capture_on_commit_callbacks):
    text = "isbn,cost\n" + "".join(f"{i},2.00\n" for i in isbns(3))
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/v1/batches", {"file": _csv_upload(text)}, format="multipart")
    assert response.status_code == 201
    assert Batch.objects.get(pk=response.json()["id"]).status == BatchStatus.COMPLETED


@pytest.mark.parametrize(
    "content",
    [
        b"\x00\x01\x02\x03binary\x00\x00\x00\x00",
        b"PK\x03\x04 this is not really a workbook",
        b"%PDF-1.7 a document",
        b"title,author\nDune,Herbert\n",
    ],
)
def test_create_rejects_a_file_that_is_not_a_usable_sheet_naming_file(api, content):
    upload = SimpleUploadedFile("books.csv", content, content_type="text/csv")
    response = api.post("/api/v1/batches", {"file": upload}, format="multipart")
    assert response.status_code == 400
    assert list(error_of(response)["fields"]) == ["file"]
    assert not Batch.objects.exists()


def test_create_rejects_an_empty_file_naming_file(api):
    upload = SimpleUploadedFile("books.csv", b"", content_type="text/csv")
    response = api.post("/api/v1/batches", {"file": upload}, format="multipart")
    assert response.status_code == 400
    assert list(error_of(response)["fields"]) == ["file"]


def test_create_rejects_a_file_field_that_is_not_a_file(api):
    response = api.post("/api/v1/batches", {"file": "isbn,cost"}, format="json")
    assert response.status_code == 400
    assert list(error_of(response)["fields"]) == ["file"]


def test_create_rejects_both_a_file_and_items(api):
    response = api.post(
        "/api/v1/batches",
        {"file": _csv_upload("isbn,cost\n9780134685991,1\n"), "items": "[]"},
        format="multipart",
    )
    assert response.status_code == 400
    assert "either items" in error_of(response)["message"]


def test_create_answers_413_for_a_file_over_the_limit(api, settings):
    settings.SHEET_MAX_BYTES = 64
    text = "isbn,cost\n" + "".join(f"{i},2.00\n" for i in isbns(10))
    response = api.post("/api/v1/batches", {"file": _csv_upload(text)}, format="multipart")
    assert response.status_code == 413
    error = error_of(response)
    assert error["code"] == "payload_too_large"
    assert "limit" in error["message"]
    assert not Batch.objects.exists()


# --- Detail and delete --------------------------------------------------------------------


def test_detail_has_a_summary_of_the_run(api, completed_batch):
    body = api.get(f"/api/v1/batches/{completed_batch.pk}").json()
    summary = body["summary"]
    analyses = Analysis.objects.filter(batch=completed_batch)
    buy = analyses.filter(recommendation="BUY")
    assert summary["buy"] == buy.count() > 0
    assert summary["review"] == analyses.filter(recommendation="REVIEW").count()
    assert summary["skip"] == analyses.filter(recommendation="SKIP").count() > 0
    assert summary["not_found"] == completed_batch.items.filter(status="NOT_FOUND").count()
    assert summary["errors"] == 0
    assert summary["rejected_rows"] == 0
    assert Decimal(str(summary["expected_profit"])) == sum(a.profit * a.quantity for a in buy)
    assert Decimal(str(summary["capital_required"])) == sum(a.buy_price * a.quantity for a in buy)
    assert summary["tokens_spent"] == completed_batch.tokens_spent > 0
    assert summary["progress_percent"] == 100
    assert body["status"] == BatchStatus.COMPLETED
    assert body["started_at"] and body["finished_at"]


def test_detail_summary_of_a_pending_batch_is_empty(api, make_batch):
    batch = make_batch(3)
    summary = api.get(f"/api/v1/batches/{batch.pk}").json()["summary"]
    assert summary == {
        "buy": 0,
        "review": 0,
        "skip": 0,
        "not_found": 0,
        "errors": 0,
        "rejected_rows": 0,
        "expected_profit": None,
        "capital_required": None,
        "average_roi_buy": None,
        "tokens_spent": 0,
        "progress_percent": 0,
    }


def test_list_entries_have_no_summary(api, completed_batch):
    item = api.get("/api/v1/batches").json()["items"][0]
    assert item["id"] == str(completed_batch.pk)
    assert "summary" not in item


def test_unknown_batch_is_404(api):
    response = api.get("/api/v1/batches/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"
    assert api.get("/api/v1/batches/not-a-uuid").status_code == 404


def test_delete_removes_the_batch_its_rows_and_analyses(api, completed_batch):
    response = api.delete(f"/api/v1/batches/{completed_batch.pk}")
    assert response.status_code == 204
    assert response.content == b""
    assert api.get(f"/api/v1/batches/{completed_batch.pk}").status_code == 404
    assert not BatchItem.objects.filter(batch_id=completed_batch.pk).exists()
    assert not Analysis.objects.filter(batch_id=completed_batch.pk).exists()


def test_batches_cannot_be_replaced_or_edited_wholesale(api, completed_batch):
    url = f"/api/v1/batches/{completed_batch.pk}"
    assert api.put(url, {"name": "x"}, format="json").status_code == 405
    assert api.patch(url, {"name": "x"}, format="json").status_code == 405
    assert Batch.objects.get(pk=completed_batch.pk).name == completed_batch.name


def test_invalid_items_status_is_kept_for_rejected_rows(api):
    response = api.post(
        "/api/v1/batches",
        {"items": [{"identifier": "junk", "cost": "1"}], "run": False},
        format="json",
    )
    item = BatchItem.objects.get(batch_id=response.json()["id"])
    assert item.status == ItemStatus.INVALID
