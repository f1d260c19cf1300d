"""New batch: upload a CSV or XLSX or paste lines; bad sheets are errors at the field, never a
500; after the upload the batch page lists the accepted and the rejected rows."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from batches.models import Batch, BatchStatus, ItemStatus
from tests.dashboard.conftest import isbns, sheet_text
from tests.dashboard.html import field_errors, parse, table_rows
from tests.factories import BusinessConfigFactory

pytestmark = pytest.mark.django_db
URL = reverse("batches:batch_create")


def upload(client, filename: str, content: bytes, **data):
    return client.post(
        URL, {"file": SimpleUploadedFile(filename, content), "condition": "used", **data}
    )


def test_the_form_explains_the_sheet_and_offers_the_users_configs(logged_in_client, user):
    BusinessConfigFactory(user=user, name="Strict")
    response = logged_in_client.get(URL)
    assert response.status_code == 200
    page = parse(response)
    assert page.find("input", type="file", name="file") is not None
    assert page.find("textarea", name="lines") is not None
    config_options = [o.text for o in page.find("select", name="config").find_all("option")]
    assert config_options == ["My default (or the built-in defaults)", "Strict"]
    conditions = [
        o.attrs["value"] for o in page.find("select", name="condition").find_all("option")
    ]
    assert conditions == ["used", "new"]
    assert b"What the sheet needs" in response.content


def test_a_csv_upload_creates_the_batch_and_shows_accepted_and_rejected_rows(
    logged_in_client, user, django_capture_on_commit_callbacks
):
    content = sheet_text(4, bad_rows=("nonsense,1.00,1", f"{isbns(1, start=50)[0]},abc,1"))
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = upload(logged_in_client, "thrift.csv", content.encode(), name="")
    batch = Batch.objects.get(user=user)
    assert response.status_code == 302 and response["Location"] == batch.get_absolute_url()
    assert len(queued) == 1  # the background run is queued once the upload is committed
    assert (batch.name, batch.source_filename, batch.status) == (
        "thrift.csv",
        "thrift.csv",
        BatchStatus.PENDING,
    )
    assert (batch.items_total, batch.rows_invalid) == (4, 2)

    detail = logged_in_client.get(response["Location"])
    assert b"4 books accepted, 2 rows rejected" in detail.content
    page = parse(detail)
    rejected = table_rows(page, "rejected-rows")
    assert [row[0] for row in rejected] == ["6", "7"]  # line numbers (the header is line 1)
    assert "not an ISBN, EAN or ASIN" in rejected[0][5]
    assert "price" in rejected[1][5].lower() or "cost" in rejected[1][5].lower()
    accepted = parse(logged_in_client.get(response["Location"], {"rows": "accepted"}))
    rows = table_rows(accepted, "sheet-rows")
    assert [row[0] for row in rows] == ["2", "3", "4", "5"]
    assert all("Pending" in row[4] for row in rows)


def test_pasted_lines_use_the_chosen_config_and_condition(logged_in_client, user):
    config = BusinessConfigFactory(user=user, name="Strict")
    lines = "\n".join(f"{isbn}, 2.00" for isbn in isbns(3))
    response = logged_in_client.post(
        URL, {"lines": lines, "condition": "new", "config": config.pk, "name": "Garage"}
    )
    assert response.status_code == 302
    batch = Batch.objects.get(user=user)
    assert (batch.name, batch.config, batch.condition, batch.items_total) == (
        "Garage",
        config,
        "new",
        3,
    )
    assert set(batch.items.values_list("condition", flat=True)) == {"new"}


def test_an_xlsx_upload_works_too(logged_in_client, user):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["ISBN", "Cost", "Qty"])
    for isbn in isbns(3):
        sheet.append([isbn, 1.5, 2])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = upload(logged_in_client, "haul.xlsx", buffer.getvalue())
    assert response.status_code == 302
    batch = Batch.objects.get(user=user)
    assert batch.items_total == 3
    assert set(batch.items.values_list("quantity", flat=True)) == {2}


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("scan.pdf", b"%PDF-1.4 not a sheet", "not a CSV or XLSX"),
        ("broken.xlsx", b"PK\x03\x04 not really a zip", "XLSX"),
        ("noise.csv", bytes(range(256)) * 8, "not a CSV or XLSX"),
        ("header-only.csv", b"isbn,cost\n", "no rows"),
        ("no-isbn.csv", b"title,cost\nSome book,2.00\n", "no identifier column"),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64, ".xls"),
        ("empty.csv", b"", "empty"),
    ],
)
def test_an_unreadable_sheet_is_an_error_at_the_file_field(
    logged_in_client, user, name, content, message
):
    response = upload(logged_in_client, name, content)
    assert response.status_code == 200
    errors = field_errors(parse(response), "file")
    assert errors and message.lower() in " ".join(errors).lower(), errors
    assert not Batch.objects.exists()


def test_a_file_over_the_limit_is_refused_at_the_field(logged_in_client, settings):
    settings.SHEET_MAX_BYTES = 1024
    response = upload(logged_in_client, "big.csv", sheet_text(200).encode())
    assert response.status_code == 200
    [error] = field_errors(parse(response), "file")
    assert "the limit is" in error and "MB" in error
    assert not Batch.objects.exists()


def test_a_sheet_with_too_many_rows_is_refused(logged_in_client, settings):
    settings.SHEET_MAX_ROWS = 5
    response = upload(logged_in_client, "long.csv", sheet_text(8).encode())
    assert response.status_code == 200
    assert field_errors(parse(response), "file")
    assert not Batch.objects.exists()


def test_nothing_or_both_sources_ask_for_exactly_one(logged_in_client):
    response = logged_in_client.post(URL, {"condition": "used", "lines": "   "})
    assert b"Upload a sheet or paste lines (one of the two)." in response.content
    response = upload(logged_in_client, "a.csv", sheet_text(1).encode(), lines="9780134685991,1")
    assert b"Upload a sheet or paste lines (one of the two)." in response.content
    assert not Batch.objects.exists()


def test_pasted_lines_that_cannot_be_read_are_an_error_at_the_lines_field(logged_in_client):
    response = logged_in_client.post(URL, {"condition": "used", "lines": "bad"})
    assert response.status_code == 200
    assert field_errors(parse(response), "lines")
    assert not Batch.objects.exists()


def test_rejected_rows_are_listed_with_their_line_and_reason(logged_in_client, analysed_batch):
    batch = analysed_batch(5)
    page = parse(logged_in_client.get(batch.get_absolute_url()))
    tab = page.find(data_testid="rows-rejected")
    assert "Rejected 3" in tab.text and "active" in tab.classes
    rows = table_rows(page, "rejected-rows")
    assert [row[0] for row in rows] == ["7", "8", "9"]
    reasons = [row[5] for row in rows]
    assert "not an ISBN, EAN or ASIN" in reasons[0]
    assert "checksum" in reasons[1]
    assert "not a price" in reasons[2] or "cost" in reasons[2].lower()
    assert not any(reason.startswith("line ") for reason in reasons)  # the Line column says it
    # …and downloadable as they are
    export = logged_in_client.get(
        reverse("batches:batch_export", args=[batch.pk]), {"kind": "rejected", "format": "csv"}
    )
    body = b"".join(export.streaming_content).decode("utf-8-sig")
    assert body.splitlines()[0] == "line,identifier,cost,field,error"
    assert len(body.splitlines()) == 4


def test_the_accepted_tab_links_each_analysed_row_to_its_book(logged_in_client, analysed_batch):
    batch = analysed_batch(5)
    page = parse(logged_in_client.get(batch.get_absolute_url(), {"rows": "accepted"}))
    rows = table_rows(page, "sheet-rows")
    assert [row[0] for row in rows] == ["2", "3", "4", "5", "6"]
    done = batch.items.filter(status=ItemStatus.DONE).count()
    links = [
        a for a in page.find("table", id="sheet-rows").find_all("a") if "/books/" in a.attrs["href"]
    ]
    assert len(links) == done > 0
