"""The operator's day in a real browser: log in, upload a sheet, watch the background run
progress live (htmx), read the rejected rows, filter to BUY, export what is shown, open a book
and its chart; create a configuration and an API token. Screenshots of every page go to
tests/e2e/artifacts/."""

import csv
import re

import pytest
from playwright.sync_api import expect
from stdnum import ean

from analyses.market.service import market_service
from batches.models import Batch, BatchStatus
from batches.services import batch_create, batch_run
from batches.sheets import parse_text
from tests.e2e.conftest import log_in
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.e2e

BOOKS = 40
# Every visible form control has an accessible name (a <label>, or aria-label for the few
# that sit in a labelled context).
UNLABELLED_CONTROLS = """() => Array.from(
    document.querySelectorAll('input:not([type=hidden]), select, textarea')
).filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
 .map(el => el.name || el.id || el.outerHTML.slice(0, 60))"""
PERCENT = re.compile(r"^(\d+)%")


def isbns(count: int, *, start: int) -> list[str]:
    out = []
    for n in range(start, start + count):
        body = f"978{n:09d}"
        out.append(body + ean.calc_check_digit(body))
    return out


@pytest.fixture
def operator(db):
    return UserFactory(email="operator@example.com")


def write_sheet(tmp_path) -> tuple:
    """~40 valid ISBN-13s and three bad rows at known lines (the header is line 1)."""
    good = isbns(BOOKS, start=500_000)
    lines = ["isbn,cost,qty"] + [f"{isbn},1.00,1" for isbn in good]
    bad = {
        BOOKS + 2: "not-an-isbn,1.00,1",
        BOOKS + 3: "9780000000000,2.00,1",  # checksum fails
        BOOKS + 4: f"{isbns(1, start=900_000)[0]},free,1",  # not a price
    }
    lines += [bad[line] for line in sorted(bad)]
    path = tmp_path / "library-sale.csv"
    path.write_text("\n".join(lines) + "\n")
    return path, good, bad


def percent(page) -> int:
    text = page.get_by_test_id("progress-text").inner_text()
    return int(PERCENT.match(text).group(1))


def table_isbns(page) -> list[str]:
    return page.locator("#analyses tbody tr").evaluate_all("rows => rows.map(r => r.dataset.isbn)")


def test_upload_watch_progress_filter_export_and_open_a_book(
    page, shot, operator, background_worker, tmp_path
):
    sheet, _, bad = write_sheet(tmp_path)
    page.goto("/login/")
    shot(page, "login")
    log_in(page, operator.email, DEFAULT_PASSWORD)
    shot(page, "batches-empty")

    # --- upload -------------------------------------------------------------------------------
    page.get_by_role("link", name="New batch", exact=True).click()
    page.wait_for_url("**/batches/new/")
    page.get_by_label("Name", exact=True).fill("Library sale")
    page.get_by_label("Sheet (CSV or XLSX)").set_input_files(str(sheet))
    page.get_by_label("Condition").select_option("used")
    shot(page, "batch-new")
    page.get_by_role("button", name="Create and analyse").click()
    page.wait_for_url(re.compile(r"/batches/[0-9a-f-]{36}/$"))
    expect(page.get_by_text(f"{BOOKS} books accepted, 3 rows rejected")).to_be_visible()
    assert page.get_by_test_id("batch-status").inner_text() == "Pending"
    assert percent(page) == 0
    # The rejected rows, with their line numbers and reasons, before the run even starts
    rejected = page.locator("#rejected-rows tbody tr")
    assert rejected.count() == 3
    lines = [int(x) for x in rejected.locator("td:first-child").all_inner_texts()]
    assert lines == sorted(bad)
    reasons = rejected.locator("td:last-child").all_inner_texts()
    assert "not an ISBN, EAN or ASIN" in reasons[0]
    assert "checksum" in reasons[1]
    assert "not a price" in reasons[2]
    shot(page, "batch-pending")

    # --- the worker starts; htmx polling moves the progress in this same document ----------
    progress_polls = []
    page.on("request", lambda r: progress_polls.append(r.url) if "/progress/" in r.url else None)
    page.evaluate("window.__sameDocument = true")
    background_worker.start()
    try:
        page.wait_for_function(
            """() => {
                const text = document.querySelector('[data-testid=progress-text]').textContent;
                const pct = parseInt(text, 10);
                return window.__sameDocument === true && pct > 0 && pct < 100;
            }""",
            timeout=20_000,
        )
    except Exception:
        pytest.fail(f"no intermediate progress seen; failed tasks: {background_worker.failures()}")
    assert page.get_by_test_id("batch-status").inner_text() == "Processing"
    middle = percent(page)
    assert 0 < middle < 100
    shot(page, "batch-processing")

    # When the run ends the fragment asks htmx for a full refresh (HX-Refresh), which shows the
    # table and the charts.
    page.wait_for_function(
        "() => window.__sameDocument === undefined"
        " && document.querySelector('[data-testid=batch-status]').textContent === 'Completed'",
        timeout=30_000,
    )
    background_worker.join()
    assert percent(page) == 100
    assert len(progress_polls) >= 2, progress_polls
    batch = Batch.objects.get(user=operator)
    assert batch.status == BatchStatus.COMPLETED and batch.items_processed == BOOKS
    page.wait_for_function(
        "() => ['roi-chart', 'scatter-chart'].every(id => "
        "window.Chart && Chart.getChart(document.getElementById(id)) !== undefined)"
    )
    shot(page, "batch-completed")

    # --- filter to BUY ----------------------------------------------------------------------
    buy_count = batch.analyses.filter(recommendation="BUY").count()
    assert buy_count > 0, "this sheet gives a few BUYs on the demo data"
    page.get_by_label("Decision", exact=True).select_option("BUY")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"recommendation=BUY"))
    decisions = page.locator("#analyses tbody [data-testid=decision]").all_inner_texts()
    assert decisions == ["BUY"] * min(buy_count, 25)
    shown = table_isbns(page)
    shot(page, "batch-filtered-buy")

    # --- export exactly what is shown -----------------------------------------------------------
    with page.expect_download() as download_info:
        page.get_by_test_id("export-csv").click()
    download = download_info.value
    assert download.suggested_filename == "library-sale-analyses-demo.csv"
    with open(download.path(), encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == buy_count
    assert {row["recommendation"] for row in rows} == {"BUY"}
    assert [row["isbn_or_asin"] for row in rows][: len(shown)] == shown
    first_row = page.locator("#analyses tbody tr").first
    cells = first_row.locator("td").all_inner_texts()
    assert cells[3] == f"${rows[0]['buy_price']}"  # cost column
    assert cells[6] == f"${float(rows[0]['profit']):,.2f}"  # profit column (positive for a BUY)

    # --- open a book: the receipt, the reasons, the Keepa-style chart -------------------------
    title = first_row.locator("a.title")
    title.click()
    page.wait_for_url(re.compile(r"/books/[0-9a-f-]{36}/$"))
    assert page.get_by_test_id("decision").first.inner_text() == "BUY"
    receipt = page.get_by_test_id("receipt")
    for line in ("Sale price", "Referral fee", "FBA fulfilment", "Storage", "Profit per unit"):
        assert receipt.get_by_text(line, exact=True).count() == 1, line
    assert "amazon.com/dp/" in page.get_by_test_id("amazon-link").get_attribute("href")
    assert "keepa.com/#!product/1-" in page.get_by_test_id("keepa-link").get_attribute("href")
    page.wait_for_function(
        "() => window.Chart && Chart.getChart(document.getElementById('history-chart'))"
        " !== undefined"
    )
    datasets = page.evaluate(
        "Chart.getChart(document.getElementById('history-chart')).data.datasets.map(d => d.label)"
    )
    assert "Sales rank" in datasets and len(datasets) >= 2
    shot(page, "book")


def test_configuration_and_api_token_in_the_browser(page, shot, operator):
    log_in(page, operator.email, DEFAULT_PASSWORD)
    page.get_by_role("link", name="Configurations").click()
    page.wait_for_url("**/configs/")
    expect(page.get_by_text("No configuration yet.")).to_be_visible()
    shot(page, "configs-empty")

    page.get_by_role("link", name="+ New configuration").click()
    page.wait_for_url("**/configs/new/")
    page.locator("#id_name").fill("Strict: 50% ROI")
    page.get_by_label("Minimum ROI (%)").fill("5000")
    page.get_by_role("button", name="Save configuration").click()
    field = page.locator('[data-field="thresholds.min_roi_pct"]')
    assert "Must be between 0 and 1000" in field.locator(".errorlist").inner_text()
    assert page.locator(".has-error").count() == 1
    field.scroll_into_view_if_needed()
    shot(page, "config-error")

    page.get_by_label("Minimum ROI (%)").fill("50")
    page.get_by_label("Use as my default").check()
    page.get_by_role("button", name="Save configuration").click()
    page.wait_for_url("**/configs/")
    row = page.locator("#configs tbody tr").first
    assert "Strict: 50% ROI" in row.inner_text() and "DEFAULT" in row.inner_text()
    assert "Minimum ROI (%): 50" in row.inner_text()
    shot(page, "configs")

    page.get_by_role("link", name="API tokens").click()
    page.wait_for_url("**/tokens/")
    page.get_by_label("Name").fill("Zapier")
    page.get_by_role("button", name="Create token").click()
    key = page.get_by_test_id("new-token").inner_text()
    assert len(key) >= 40
    shot(page, "token-created")
    # The key works against the API, and is never shown again
    api = page.request.get("/api/v1/batches", headers={"Authorization": f"Token {key}"})
    assert api.status == 200 and api.json()["total"] == 0
    page.reload()
    assert page.get_by_test_id("new-token").count() == 0
    assert key not in page.content()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Revoke Zapier").click()
    # Same URL before and after: wait for the page to say so, not for a navigation
    expect(page.get_by_text("Token 'Zapier' revoked")).to_be_visible()
    expect(page.locator("#tokens tbody tr").first).to_contain_text("REVOKED")
    revoked = page.request.get("/api/v1/batches", headers={"Authorization": f"Token {key}"})
    assert revoked.status == 401
    shot(page, "tokens")


@pytest.fixture
def finished_batch(operator, demo_settings):
    sheet = "isbn,cost\n" + "\n".join(f"{i},1.00" for i in isbns(30, start=1000)) + "\nbad,1\n"
    batch = batch_create(user=operator, name="Estate sale", sheet=parse_text(sheet), enqueue=False)
    batch_run(batch_id=batch.pk, market=market_service(source="demo"))
    return batch


def test_every_page_fits_a_phone_and_a_laptop(browser, live_server, shot, operator, finished_batch):
    book = finished_batch.analyses.exclude(asin="").order_by("-balanced_score").first()
    lookup_lines = "\n".join([*isbns(2, start=1000), "nonsense"])
    pages = {
        "batches": "/batches/",
        "batch": finished_batch.get_absolute_url(),
        "book": f"/books/{book.pk}/",
        "lookup": "/lookup/",
        "new": "/batches/new/",
        "configs": "/configs/",
        "tokens": "/tokens/",
    }
    for width, suffix in ((1280, ""), (390, "-phone")):
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": width, "height": 900}
        )
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda error, errors=errors: errors.append(str(error)))
        page.goto("/login/")
        if suffix:
            shot(page, f"login{suffix}")
        log_in(page, operator.email, DEFAULT_PASSWORD)
        for name, url in pages.items():
            page.goto(url)
            if name == "lookup":  # a lookup is a POST: fill the form and submit it
                page.fill("textarea[name=identifiers]", lookup_lines)
                page.fill("input[name=cost]", "1.00")
                page.click("main form button[type=submit]")
            page.wait_for_load_state("networkidle")
            overflow = page.evaluate("document.documentElement.scrollWidth")
            assert overflow <= width, f"{name} is {overflow}px wide at {width}px"
            unlabelled = page.evaluate(UNLABELLED_CONTROLS)
            assert unlabelled == [], f"{name}: form controls without a label: {unlabelled}"
            if name in ("batch", "book"):
                canvas = "roi-chart" if name == "batch" else "history-chart"
                page.wait_for_function(
                    f"() => Chart.getChart(document.getElementById('{canvas}')) !== undefined"
                )
            if name in ("lookup",) or suffix:
                shot(page, f"{name}{suffix}")
        assert not errors, errors
        context.close()
