"""Exports: exactly what the table shows (same filters, same order, every page of it)."""

import csv
import io

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from openpyxl import load_workbook

from tests.dashboard.html import parse

pytestmark = pytest.mark.django_db


def shown(client, batch, **params) -> list[str]:
    page = parse(client.get(batch.get_absolute_url(), {"per_page": 100, **params}))
    return [row.attrs["data-isbn"] for row in page.find("table", id="analyses").find_all("tr")[1:]]


def export_href(client, batch, **params) -> str:
    page = parse(client.get(batch.get_absolute_url(), params))
    return page.find("a", data_testid="export-csv").attrs["href"]


def read_csv(response) -> list[dict]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(body)))


def test_the_csv_is_the_table_as_shown(logged_in_client, analysed_batch):
    batch = analysed_batch(30)
    href = export_href(logged_in_client, batch)
    response = logged_in_client.get(href)
    assert response.status_code == 200
    assert (
        response["Content-Disposition"] == 'attachment; filename="library-sale-analyses-demo.csv"'
    )
    rows = read_csv(response)
    assert [r["isbn_or_asin"] for r in rows] == shown(logged_in_client, batch)
    first = batch.analyses.get(isbn_or_asin=rows[0]["isbn_or_asin"])
    assert rows[0]["profit"] == (f"{first.profit:f}" if first.profit is not None else "")
    assert rows[0]["recommendation"] == first.recommendation
    assert rows[0]["market_source"] == "demo"
    assert set(rows[0]) >= {"buy_price", "fees", "roi_percent", "max_buy_price", "reasons"}


@pytest.mark.parametrize(
    "params",
    [
        {"recommendation": "BUY"},
        {"recommendation": "SKIP", "view": "profit"},
        {"roi_min": "50", "ordering": "-velocity_score"},
        {"risk_level": "LOW", "view": "velocity"},
    ],
)
def test_the_pages_filters_and_order_apply_to_the_export(logged_in_client, analysed_batch, params):
    batch = analysed_batch(30)
    href = export_href(logged_in_client, batch, page=2, **params)
    rows = read_csv(logged_in_client.get(href))
    assert [r["isbn_or_asin"] for r in rows] == shown(logged_in_client, batch, **params)
    if "recommendation" in params:
        assert {r["recommendation"] for r in rows} <= {params["recommendation"]}


def test_the_xlsx_holds_the_same_rows(logged_in_client, analysed_batch):
    batch = analysed_batch(10)
    href = export_href(logged_in_client, batch, recommendation="SKIP").replace(
        "format=csv", "format=xlsx"
    )
    response = logged_in_client.get(href)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = list(sheet.values)
    header, body = values[0], values[1:]
    column = header.index("isbn_or_asin")
    assert [row[column] for row in body] == shown(logged_in_client, batch, recommendation="SKIP")


def test_a_bad_export_parameter_goes_back_to_the_page_with_a_message(
    logged_in_client, analysed_batch
):
    batch = analysed_batch(2)
    url = reverse("batches:batch_export", args=[batch.pk])
    for params, fragment in (({"format": "pdf"}, "format"), ({"roi_min": "x"}, "roi_min")):
        response = logged_in_client.get(url, params)
        assert response.status_code == 302 and response["Location"] == batch.get_absolute_url()
        [message] = [str(m) for m in get_messages(response.wsgi_request)]
        assert message.startswith("Cannot export:") and fragment in message
        logged_in_client.get(response["Location"])  # shows (and so consumes) the message
