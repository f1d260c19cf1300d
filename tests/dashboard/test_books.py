"""The book page (the receipt, the decision, the history chart, the listing links) and the
quick lookup (the same receipt without a batch)."""

import json
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from analyses.receipts import receipt
from tests.dashboard.conftest import isbns
from tests.dashboard.html import field_errors, parse, table_rows
from tests.factories import AnalysisFactory, BatchFactory, BusinessConfigFactory

pytestmark = pytest.mark.django_db

FEE_LINES = [
    "Referral fee",
    "Closing fee (media)",
    "FBA fulfilment",
    "Inbound placement",
    "Inbound freight",
    "Prep and label",
    "Storage",
]


def receipt_lines(page) -> dict[str, tuple[str, str]]:
    """label → (how it was computed, amount)."""
    lines = {}
    for row in page.find("table", data_testid="receipt").find_all("tr"):
        label_cell, amount_cell = row.find_all("td")
        label = label_cell.find("span", class_="what").text
        lines[label] = (label_cell.find("span", class_="how").text, amount_cell.text)
    return lines


def money(value) -> str:
    return f"{'−' if value < 0 else ''}${abs(value):,.2f}"


def test_the_book_page_is_a_receipt_with_every_fee_line(logged_in_client, analysed_batch):
    batch = analysed_batch(12)
    analysis = batch.analyses.filter(profit__gt=0).first()  # net > 0: a real max buy price
    response = logged_in_client.get(reverse("analyses:analysis_detail", args=[analysis.pk]))
    assert response.status_code == 200
    page = parse(response)
    lines = receipt_lines(page)
    fees = analysis.target_price_data["fees"]["lines"]
    assert list(lines) == ["Sale price", *FEE_LINES, "Fees", "Your cost", "Profit per unit"]
    assert lines["Sale price"][1] == money(analysis.expected_sale_price)
    assert "price" in lines["Sale price"][0]  # which series, which mode
    assert lines["Referral fee"] == (
        f"15% of {money(analysis.expected_sale_price)}",
        money(-Decimal(fees["referral"]["amount"])),
    )
    assert "fuel surcharge" in lines["FBA fulfilment"][0]
    assert "/lb ×" in lines["Inbound freight"][0]
    assert "ft³" in lines["Storage"][0]
    assert lines["Fees"][1] == money(-analysis.fees)
    assert lines["Your cost"][1] == money(-analysis.buy_price)
    assert lines["Profit per unit"][1] == money(analysis.profit)
    text = page.text
    assert "Max buy price" in text and "rounded down" in text
    assert page.find(data_testid="decision").text == analysis.recommendation


def test_every_reason_of_the_decision_is_in_words(logged_in_client, analysed_batch):
    batch = analysed_batch(20)
    analysis = next(a for a in batch.analyses.all() if len(a.reasons) >= 1)
    page = parse(logged_in_client.get(reverse("analyses:analysis_detail", args=[analysis.pk])))
    listed = [li.text for li in page.find("ul", data_testid="reasons").find_all("li")]
    assert listed == [f"{r['message']} {r['code']}" for r in analysis.reasons]


def test_a_buy_says_it_meets_every_threshold(logged_in_client, analysed_batch):
    batch = analysed_batch(20)
    analysis = batch.analyses.filter(recommendation="BUY").first()
    page = logged_in_client.get(reverse("analyses:analysis_detail", args=[analysis.pk]))
    assert b"Meets every threshold" in page.content


def test_the_history_chart_and_the_listing_links(logged_in_client, analysed_batch):
    batch = analysed_batch(6)
    analysis = batch.analyses.exclude(asin="").first()
    response = logged_in_client.get(reverse("analyses:analysis_detail", args=[analysis.pk]))
    page = parse(response)
    assert page.find("canvas", id="history-chart") is not None
    history = json.loads(page.find("script", id="history-data").text)
    assert history["series"] and history["until"]
    assert "SALES" in history["series"] or "USED" in history["series"]
    amazon = page.find("a", data_testid="amazon-link").attrs
    keepa = page.find("a", data_testid="keepa-link").attrs
    assert amazon["href"] == f"https://www.amazon.com/dp/{analysis.asin}"
    assert keepa["href"] == f"https://keepa.com/#!product/1-{analysis.asin}"
    assert amazon["target"] == "_blank" and "noopener" in amazon["rel"]
    assert "DEMO DATA" in page.find("h1").text


def test_without_cached_history_the_page_says_so(logged_in_client, user):
    analysis = AnalysisFactory(batch=BatchFactory(user=user), asin="0306406152")
    response = logged_in_client.get(reverse("analyses:analysis_detail", args=[analysis.pk]))
    assert response.status_code == 200
    assert b"No price history is cached" in response.content
    assert b"history-chart" not in response.content


def test_an_analysis_computed_elsewhere_shows_its_figures_without_a_receipt(logged_in_client, user):
    analysis = AnalysisFactory(
        batch=BatchFactory(user=user), market_source="external", target_price_data={}
    )
    response = logged_in_client.get(reverse("analyses:analysis_detail", args=[analysis.pk]))
    assert response.status_code == 200
    assert b"computed outside ArbitrageVault" in response.content
    assert b"No sale price" not in response.content
    assert b"$3.61" in response.content


def test_the_receipt_explains_a_zero_max_buy_price_in_words():
    explanation = {
        "fees": {"lines": {}, "total": "12.00"},
        "economics": {
            "net": "-1.92",
            "cost": "2.00",
            "profit": "-3.92",
            "max_buy_price": "0.00",
            "max_buy_candidates": {"net_minus_min_profit": "-4.92"},
        },
        "thresholds": {"min_profit": "3.00", "min_roi_pct": 30},
    }
    how = receipt(explanation)["max_buy_how"]
    assert how == "the sale price minus the fees is −$1.92: no price you pay leaves a profit"
    assert "$-" not in how


# --- quick lookup -------------------------------------------------------------------------------

LOOKUP = reverse("analyses:lookup")


def test_the_lookup_form(logged_in_client):
    response = logged_in_client.get(LOOKUP)
    assert response.status_code == 200
    page = parse(response)
    for name in ("identifiers", "cost", "condition", "config"):
        assert page.find(data_field=name) is not None
    assert "Your cost ($)" in page.find(data_field="cost").text


def test_a_few_identifiers_give_receipts_and_clear_errors(logged_in_client):
    good = isbns(3, start=1000)
    text = "\n".join([good[0], "0-306-40615-2", "not-a-book", good[1]])
    response = logged_in_client.post(
        LOOKUP, {"identifiers": text, "cost": "1.50", "condition": "used"}
    )
    assert response.status_code == 200
    page = parse(response)
    summary = table_rows(page, "lookup-summary")
    assert len(summary) == 4
    assert "'not-a-book' is not an ISBN, EAN or ASIN" in summary[2][1]
    sections = page.find_all("section", class_="lookup-result")
    assert [s.attrs["id"] for s in sections] == ["book-1", "book-2", "book-3", "book-4"]
    receipts = page.find_all("table", data_testid="receipt")
    errors = [e.text for e in page.find_all(data_testid="lookup-error")]
    assert len(receipts) + len(errors) == 4
    assert "'not-a-book' is not an ISBN, EAN or ASIN" in errors
    assert receipts, "the demo market should know at least one of these books"
    assert re.search(r"Your cost\s*from the sheet\s*−\$1\.50", page.text)


def test_too_many_identifiers_is_an_error_at_the_field(logged_in_client):
    text = ",".join(isbns(21))
    response = logged_in_client.post(
        LOOKUP, {"identifiers": text, "cost": "1", "condition": "used"}
    )
    [error] = field_errors(parse(response), "identifiers")
    assert error.startswith("21 identifiers: look up at most 20")


def test_a_bad_cost_or_someone_elses_config_is_an_error_at_the_field(logged_in_client, other_user):
    response = logged_in_client.post(
        LOOKUP, {"identifiers": "9780134685991", "cost": "-1", "condition": "used"}
    )
    assert field_errors(parse(response), "cost")
    theirs = BusinessConfigFactory(user=other_user)
    response = logged_in_client.post(
        LOOKUP,
        {"identifiers": "9780134685991", "cost": "1", "condition": "used", "config": theirs.pk},
    )
    assert field_errors(parse(response), "config")


def test_a_lookup_spends_tokens_so_only_a_post_runs_it(logged_in_client, monkeypatch):
    from analyses import views

    monkeypatch.setattr(views, "lookup_books", lambda **kw: pytest.fail("no lookup on a GET"))
    response = logged_in_client.get(LOOKUP, {"identifiers": "9780134685991", "cost": "1"})
    assert response.status_code == 200  # the empty form, no lookup


def test_lookup_uses_the_chosen_configuration(logged_in_client, user):
    strict = BusinessConfigFactory(
        user=user, name="Impossible", config_data={"thresholds": {"min_profit": "9999"}}
    )
    params = {"identifiers": ",".join(isbns(5, start=1000)), "cost": "0.10", "condition": "used"}
    page = parse(logged_in_client.post(LOOKUP, {**params, "config": strict.pk}))
    decisions = {b.text for b in page.find_all(data_testid="decision")}
    assert decisions == {"SKIP"}


def test_the_book_page_query_count_is_pinned(
    logged_in_client, analysed_batch, django_assert_max_num_queries
):
    batch = analysed_batch(3)
    url = reverse("analyses:analysis_detail", args=[batch.analyses.exclude(asin="").first().pk])
    logged_in_client.get(url)
    with django_assert_max_num_queries(4):  # session, user, the analysis with its batch, history
        assert logged_in_client.get(url).status_code == 200
