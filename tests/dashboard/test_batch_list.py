"""The batch list: content, filters in the API's vocabulary, pagination, live refresh, queries."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from batches.models import Batch
from tests.dashboard.html import parse, table_rows
from tests.factories import AnalysisFactory, BatchFactory

pytestmark = pytest.mark.django_db
URL = reverse("batches:batch_list")


def names(response) -> list[str]:
    return [row[0].split(" ")[0] for row in table_rows(parse(response), "batches")]


def test_a_new_user_is_invited_to_upload_a_first_sheet(logged_in_client):
    response = logged_in_client.get(URL)
    assert response.status_code == 200
    assert b"No batches yet" in response.content
    assert reverse("batches:batch_create").encode() in response.content


def test_each_batch_shows_status_progress_decision_counts_profit_and_rejected_rows(
    logged_in_client, user
):
    batch = BatchFactory(
        user=user, name="Thrift", status="COMPLETED", items_total=4, items_processed=4,
        rows_invalid=2, market_source="demo",
    )  # fmt: skip
    AnalysisFactory.create_batch(2, batch=batch, recommendation="BUY", profit="3.50", quantity=2)
    AnalysisFactory(batch=batch, recommendation="REVIEW")
    AnalysisFactory(batch=batch, recommendation="SKIP")
    page = parse(logged_in_client.get(URL))
    [row] = table_rows(page, "batches")
    name, status, progress, buy, review, skip, profit, rejected, _created = row
    assert name.startswith("Thrift") and "DEMO" in name
    assert status == "Completed"
    assert progress == "4/4"
    assert (buy, review, skip) == ("2", "1", "1")
    assert profit == "$14.00"  # 2 books × 2 units × $3.50
    assert rejected == "2"
    bar = page.find(role="progressbar")
    assert bar.attrs["aria-valuenow"] == "100"


def test_filters_use_the_apis_parameters(logged_in_client, user):
    old = BatchFactory(user=user, name="Old estate sale", status="COMPLETED")
    Batch.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=40))
    BatchFactory(user=user, name="Church sale", status="FAILED")
    BatchFactory(user=user, name="Church bazaar", status="COMPLETED")

    assert sorted(names(logged_in_client.get(URL, {"q": "church"}))) == ["Church", "Church"]
    assert names(logged_in_client.get(URL, {"status": "FAILED"})) == ["Church"]
    since = (timezone.now() - timedelta(days=7)).date().isoformat()
    assert "Old" not in names(logged_in_client.get(URL, {"created_after": since}))
    assert names(logged_in_client.get(URL, {"created_before": since})) == ["Old"]
    response = logged_in_client.get(URL, {"q": "nothing like it"})
    assert b"No batch matches these filters" in response.content


def test_the_filter_forms_empty_fields_mean_any(logged_in_client, user):
    BatchFactory(user=user, name="Church sale")
    form = {"q": "", "status": "", "created_after": "", "created_before": ""}
    response = logged_in_client.get(URL, form)
    assert b"not valid" not in response.content
    assert names(response) == ["Church"]


def test_a_bad_filter_shows_its_error_and_no_rows(logged_in_client, user):
    BatchFactory(user=user, name="Church sale")
    response = logged_in_client.get(URL, {"status": "BOGUS"})
    assert response.status_code == 200
    assert b"status" in response.content and b"BOGUS is not one of" in response.content
    assert b"Church sale" not in response.content


def test_newest_first_and_paginated(logged_in_client, user):
    for n in range(30):
        batch = BatchFactory(user=user, name=f"Sale {n:02d}")
        Batch.objects.filter(pk=batch.pk).update(created_at=timezone.now() - timedelta(hours=n))
    first = parse(logged_in_client.get(URL))
    assert [row[0] for row in table_rows(first, "batches")][:2] == ["Sale 00", "Sale 01"]
    assert len(table_rows(first, "batches")) == 25
    assert "1–25 of 30" in first.find("nav", class_="pagination").text
    second = parse(logged_in_client.get(URL, {"page": 2}))
    assert [row[0] for row in table_rows(second, "batches")] == [f"Sale {n}" for n in range(25, 30)]
    bigger = parse(logged_in_client.get(URL, {"per_page": 50}))
    assert len(table_rows(bigger, "batches")) == 30
    past_the_end = logged_in_client.get(URL, {"page": 99})
    assert past_the_end.status_code == 200  # the last page, not an error


def test_the_table_refreshes_itself_only_while_a_batch_runs(logged_in_client, user):
    BatchFactory(user=user, status="COMPLETED")
    page = parse(logged_in_client.get(URL))
    assert "hx-get" not in page.find(id="batch-table").attrs
    BatchFactory(user=user, status="PROCESSING", items_total=10, items_processed=3)
    table = parse(logged_in_client.get(URL)).find(id="batch-table")
    assert table.attrs["hx-trigger"] == "every 2s" and table.attrs["hx-select"] == "#batch-table"


def _batches_with_analyses(user, count: int):
    for n in range(count):
        batch = BatchFactory(user=user, name=f"Sale {n}", status="COMPLETED")
        AnalysisFactory.create_batch(2, batch=batch)


def test_the_query_count_does_not_grow_with_the_rows(logged_in_client, user, count_queries):
    _batches_with_analyses(user, 3)
    with_3 = count_queries(URL)
    _batches_with_analyses(user, 27)
    with_30 = count_queries(URL)
    assert with_30 == with_3


def test_the_query_count_is_pinned(logged_in_client, user, django_assert_max_num_queries):
    _batches_with_analyses(user, 30)
    logged_in_client.get(URL)
    # session, user, COUNT of batches (no join), the page, the page's summaries
    with django_assert_max_num_queries(5):
        assert logged_in_client.get(URL).status_code == 200
