"""The batch page: summary cards, charts, the analyses table (filters in the API's vocabulary,
Profit / Velocity / Balanced views, sorting, pagination) and its query count."""

from decimal import Decimal

import pytest
from django.urls import reverse

from analyses.models import Analysis
from tests.dashboard.html import parse, table_rows
from tests.factories import AnalysisFactory, BatchFactory

pytestmark = pytest.mark.django_db


def isbns_shown(response) -> list[str]:
    page = parse(response)
    table = page.find("table", id="analyses")
    if table is None:
        return []
    return [row.attrs["data-isbn"] for row in table.find("tbody").find_all("tr")]


def test_summary_cards_add_up_the_buy_list(logged_in_client, analysed_batch):
    batch = analysed_batch(20)
    buys = list(batch.analyses.filter(recommendation="BUY"))
    assert buys, "the demo data should give at least one BUY in 20 books"
    response = logged_in_client.get(batch.get_absolute_url())
    assert response.status_code == 200
    page = parse(response)
    cards = {
        card.find(class_="label").text: card.find(class_="value").text
        for card in page.find_all(class_="stat")
    }
    capital = sum(a.buy_price * a.quantity for a in buys)
    profit = sum(a.profit * a.quantity for a in buys)
    assert cards["Books"] == str(batch.items_total)
    assert cards["BUY"] == str(len(buys))
    assert cards["Capital required"] == f"${capital:,.2f}"
    assert cards["Expected profit"] == f"${profit:,.2f}"
    assert cards["Average ROI"] == f"{(profit * 100 / capital).quantize(Decimal('0.01')):,}%"
    assert cards["Keepa tokens"] == str(batch.tokens_spent)
    assert page.find(data_testid="batch-status").text == "Completed"
    assert page.find(data_testid="progress-text").text.startswith("100%")


def test_the_charts_are_drawn_from_the_charts_json(logged_in_client, analysed_batch):
    batch = analysed_batch(10)
    page = parse(logged_in_client.get(batch.get_absolute_url()))
    assert page.find("canvas", id="roi-chart") is not None
    assert page.find("canvas", id="scatter-chart") is not None
    scripts = " ".join(s.attrs.get("src", "") for s in page.find_all("script"))
    assert "vendor/chartjs/chart-4.6.1.umd.min.js" in scripts  # vendored: no CDN
    assert "http" not in scripts

    data = logged_in_client.get(reverse("batches:batch_charts", args=[batch.pk])).json()
    histogram = data["roi_histogram"]
    assert len(histogram["labels"]) == 7
    counted = sum(sum(counts) for counts in histogram["counts"].values())
    assert counted == batch.analyses.filter(roi_percent__isnull=False).count()
    for decision in ("BUY", "REVIEW", "SKIP"):
        assert (
            sum(histogram["counts"][decision])
            == batch.analyses.filter(recommendation=decision, roi_percent__isnull=False).count()
        )
    points = data["scatter"]["points"]
    assert len(points) == batch.analyses.filter(profit__isnull=False).count()
    assert {"id", "x", "y", "decision", "title"} <= set(points[0])


def test_no_charts_before_there_is_an_analysis(logged_in_client, pending_batch):
    batch = pending_batch()
    response = logged_in_client.get(batch.get_absolute_url())
    assert b"roi-chart" not in response.content
    assert b"chart-4.6.1" not in response.content
    assert b"The books appear here when the analysis finishes" in response.content
    data = logged_in_client.get(reverse("batches:batch_charts", args=[batch.pk])).json()
    assert data["scatter"]["points"] == []


def test_the_table_is_filtered_with_the_apis_parameters(logged_in_client, analysed_batch):
    batch = analysed_batch(30)
    url = batch.get_absolute_url()
    everything = isbns_shown(logged_in_client.get(url, {"per_page": 100}))
    assert len(everything) == batch.analyses.count()

    page = parse(logged_in_client.get(url, {"recommendation": "BUY", "per_page": 100}))
    decisions = [b.text for b in page.find("table", id="analyses").find_all(data_testid="decision")]
    assert decisions and set(decisions) == {"BUY"}
    assert len(decisions) == batch.analyses.filter(recommendation="BUY").count()

    shown = isbns_shown(logged_in_client.get(url, {"roi_min": "100", "per_page": 100}))
    expected = batch.analyses.filter(roi_percent__gte=100)
    assert sorted(shown) == sorted(expected.values_list("isbn_or_asin", flat=True))

    some = batch.analyses.exclude(title="").first()
    shown = isbns_shown(logged_in_client.get(url, {"q": some.isbn_or_asin[:12]}))
    assert some.isbn_or_asin in shown

    shown = isbns_shown(logged_in_client.get(url, {"risk_level": "LOW", "velocity_min": "20"}))
    expected = batch.analyses.filter(risk_level="LOW", velocity_score__gte=20)
    assert sorted(shown) == sorted(expected.values_list("isbn_or_asin", flat=True))


def test_the_filter_forms_empty_fields_mean_any(logged_in_client, analysed_batch):
    """A browser submits every field of the form; `risk_level=` is "any", not an error."""
    batch = analysed_batch(12)
    form = {
        "recommendation": "SKIP", "risk_level": "", "roi_min": "", "roi_max": "",
        "profit_min": "", "velocity_min": "", "rank_max": "", "q": "",
    }  # fmt: skip
    response = logged_in_client.get(batch.get_absolute_url(), {**form, "per_page": 100})
    assert b"These filters are not valid" not in response.content
    expected = batch.analyses.filter(recommendation="SKIP").values_list("isbn_or_asin", flat=True)
    assert sorted(isbns_shown(response)) == sorted(expected)
    href = parse(response).find("a", data_testid="export-csv").attrs["href"]
    assert "risk_level" not in href and "recommendation=SKIP" in href


def test_a_bad_filter_shows_its_error_and_no_book(logged_in_client, analysed_batch):
    batch = analysed_batch(5)
    response = logged_in_client.get(batch.get_absolute_url(), {"roi_min": "lots"})
    assert response.status_code == 200
    assert b"These filters are not valid" in response.content
    assert b"roi_min" in response.content
    assert isbns_shown(response) == []
    response = logged_in_client.get(batch.get_absolute_url(), {"ordering": "-title"})
    assert b"unknown ordering -title" in response.content


def test_views_sort_by_profit_velocity_or_balanced_score(logged_in_client, user):
    batch = BatchFactory(user=user, status="COMPLETED")
    a = AnalysisFactory(batch=batch, profit="9.00", velocity_score="10", balanced_score="50")
    b = AnalysisFactory(batch=batch, profit="1.00", velocity_score="90", balanced_score="70")
    c = AnalysisFactory(batch=batch, profit="5.00", velocity_score="50", balanced_score="90")
    d = AnalysisFactory(batch=batch, profit=None, velocity_score="0", balanced_score=None)
    url = batch.get_absolute_url()
    ids = lambda r: isbns_shown(r)  # noqa: E731
    order = {x.isbn_or_asin: name for x, name in ((a, "a"), (b, "b"), (c, "c"), (d, "d"))}
    as_names = lambda r: [order[i] for i in ids(r)]  # noqa: E731

    default = logged_in_client.get(url)
    assert as_names(default) == ["c", "b", "a", "d"]  # Balanced unless asked otherwise
    assert parse(default).find(
        "a", class_="active", title="0.6 × ROI (capped at 100) + 0.4 × velocity"
    )
    assert as_names(logged_in_client.get(url, {"view": "profit"})) == ["a", "c", "b", "d"]
    assert as_names(logged_in_client.get(url, {"view": "velocity"})) == ["b", "c", "a", "d"]
    # A column header sorts (empty values last), and wins over the view
    assert as_names(logged_in_client.get(url, {"ordering": "profit"})) == ["b", "c", "a", "d"]
    assert as_names(logged_in_client.get(url, {"ordering": "-profit"})) == ["a", "c", "b", "d"]
    # The filter form keeps the view even when its hidden fields come back empty
    assert as_names(logged_in_client.get(url, {"view": "", "ordering": "", "q": ""})) == [
        "c",
        "b",
        "a",
        "d",
    ]


def test_sort_links_toggle_and_say_so_to_screen_readers(logged_in_client, analysed_batch):
    batch = analysed_batch(3)
    page = parse(logged_in_client.get(batch.get_absolute_url(), {"ordering": "-profit"}))
    header = next(th for th in page.find_all("th") if th.text.startswith("Profit"))
    assert header.attrs["aria-sort"] == "descending"
    assert header.find("a").attrs["href"].startswith("?ordering=profit")


def test_the_table_is_paginated_and_keeps_its_filters(logged_in_client, user):
    batch = BatchFactory(user=user, status="COMPLETED")
    AnalysisFactory.create_batch(30, batch=batch, recommendation="BUY")
    AnalysisFactory.create_batch(3, batch=batch, recommendation="SKIP")
    url = batch.get_absolute_url()
    first = logged_in_client.get(url, {"recommendation": "BUY"})
    assert len(isbns_shown(first)) == 25
    pagination = parse(first).find("nav", class_="pagination")
    assert "1–25 of 30" in pagination.text
    next_link = pagination.find("a", rel="next").attrs["href"]
    assert "recommendation=BUY" in next_link and "page=2" in next_link
    second = logged_in_client.get(url + next_link.split("#")[0])
    assert len(isbns_shown(second)) == 5
    assert not set(isbns_shown(first)) & set(isbns_shown(second))


def test_the_export_buttons_carry_the_tables_query(logged_in_client, analysed_batch):
    batch = analysed_batch(4)
    page = parse(
        logged_in_client.get(batch.get_absolute_url(), {"recommendation": "SKIP", "page": "1"})
    )
    href = page.find("a", data_testid="export-csv").attrs["href"]
    assert href.startswith(reverse("batches:batch_export", args=[batch.pk]))
    assert "recommendation=SKIP" in href and "view=balanced" in href and "format=csv" in href
    assert "page=" not in href
    assert "format=xlsx" in page.find("a", data_testid="export-xlsx").attrs["href"]


def test_not_found_books_are_listed_under_their_own_tab(logged_in_client, analysed_batch):
    batch = analysed_batch(30)
    missing = batch.items.filter(status="NOT_FOUND").order_by("line_number")
    assert missing, "the demo data knows most books, not all: a few of these 30 are missing"
    page = parse(logged_in_client.get(batch.get_absolute_url(), {"rows": "not_found"}))
    rows = table_rows(page, "sheet-rows")
    assert [row[0] for row in rows] == [str(item.line_number) for item in missing]
    assert all("Not found on Amazon" in row[4] for row in rows)


def test_a_running_batch_polls_for_progress_and_offers_cancel(logged_in_client, pending_batch):
    batch = pending_batch()
    page = parse(logged_in_client.get(batch.get_absolute_url()))
    live = page.find(id="live")
    assert (
        live.attrs["hx-get"] == reverse("batches:batch_progress", args=[batch.pk]) + "?was_live=1"
    )
    assert live.attrs["hx-trigger"] == "every 1s"
    assert "Waiting for a worker" in live.text
    forms = [f.attrs["action"] for f in page.find_all("form")]
    assert reverse("batches:batch_action", args=[batch.pk, "cancel"]) in forms
    assert reverse("batches:batch_action", args=[batch.pk, "rescore"]) not in forms


def test_a_finished_batch_offers_rerun_and_rescore_with_the_users_configs(
    logged_in_client, analysed_batch, user
):
    from tests.factories import BusinessConfigFactory

    BusinessConfigFactory(user=user, name="Strict")
    batch = analysed_batch(3)
    page = parse(logged_in_client.get(batch.get_absolute_url()))
    assert "hx-get" not in page.find(id="live").attrs
    forms = [f.attrs["action"] for f in page.find_all("form")]
    for action in ("rerun", "rescore", "delete"):
        assert reverse("batches:batch_action", args=[batch.pk, action]) in forms
    options = [o.text for o in page.find("select", id="rescore-config").find_all("option")]
    assert options == ["My default configuration", "Strict"]


def _grow(user, batch, count):
    from tests.factories import BatchItemFactory

    for _ in range(count):
        item = BatchItemFactory(batch=batch, status="DONE")
        AnalysisFactory(batch=batch, item=item, reasons=[{"code": "x", "message": "why"}])
        BatchItemFactory(batch=batch, status="INVALID", error_message="line 9: bad")


def test_the_query_count_does_not_grow_with_the_rows(logged_in_client, user, count_queries):
    batch = BatchFactory(user=user, status="COMPLETED")
    _grow(user, batch, 3)
    url = batch.get_absolute_url()
    with_3 = count_queries(url)
    accepted_3 = count_queries(url + "?rows=accepted")
    _grow(user, batch, 27)
    assert count_queries(url) == with_3
    assert count_queries(url + "?rows=accepted") == accepted_3


def test_the_query_count_is_pinned(logged_in_client, user, django_assert_max_num_queries):
    batch = BatchFactory(user=user, status="COMPLETED")
    _grow(user, batch, 30)
    url = batch.get_absolute_url()
    logged_in_client.get(url)
    # session, user, batch, 2 for the summary, analyses count + page, row counts by status,
    # sheet rows count + page, configs for re-score
    with django_assert_max_num_queries(11):
        assert logged_in_client.get(url).status_code == 200
    with django_assert_max_num_queries(11):
        assert logged_in_client.get(url, {"rows": "accepted"}).status_code == 200


def test_the_progress_fragment_query_count_is_pinned(
    logged_in_client, user, django_assert_max_num_queries
):
    batch = BatchFactory(user=user, status="PROCESSING", items_total=60, items_processed=30)
    _grow(user, batch, 30)
    url = reverse("batches:batch_progress", args=[batch.pk])
    logged_in_client.get(url)
    with django_assert_max_num_queries(5):  # session, user, batch, 2 for the summary
        assert logged_in_client.get(url).status_code == 200


def test_analyses_do_not_leak_between_batches(logged_in_client, analysed_batch):
    mine = analysed_batch(3, name="Mine")
    other = analysed_batch(3, start=100, name="Other")
    shown = isbns_shown(logged_in_client.get(mine.get_absolute_url()))
    assert sorted(shown) == sorted(mine.analyses.values_list("isbn_or_asin", flat=True))
    assert not set(shown) & set(other.analyses.values_list("isbn_or_asin", flat=True))
    assert Analysis.objects.count() == mine.analyses.count() + other.analyses.count()
