"""Fixtures of the dashboard's view tests: batches analysed by the real pipeline on demo data."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from stdnum import ean

from analyses.market.service import market_service
from batches.services import batch_create, batch_run
from batches.sheets import parse_text


@pytest.fixture(autouse=True)
def _demo_market(settings):
    """Pages run on the built-in demo market data (no Keepa key, no network); passwords hash
    fast (every test logs a user or two in)."""
    settings.MARKET_DATA_SOURCE = "demo"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def isbns(count: int, *, start: int = 0) -> list[str]:
    """Valid, distinct ISBN-13s (978 prefix) with their checksums."""
    out = []
    for n in range(start, start + count):
        body = f"978{n:09d}"
        out.append(body + ean.calc_check_digit(body))
    return out


def sheet_text(count: int, *, start: int = 0, bad_rows: tuple[str, ...] = ()) -> str:
    lines = ["isbn,cost,qty", *(f"{isbn},1.00,1" for isbn in isbns(count, start=start))]
    return "\n".join([*lines, *bad_rows]) + "\n"


BAD_ROWS = ("not-an-isbn,1.00,1", "9780000000000,2.00,1", f"{isbns(1, start=900)[0]},free,1")


@pytest.fixture
def analysed_batch(user):
    """`make(count, owner=…)`: a batch run through the real pipeline (demo market data), with
    three rejected rows after the valid ones: an unreadable identifier, a bad checksum, a bad
    cost."""

    def make(count=12, *, owner=None, start=0, name="Library sale", bad_rows=BAD_ROWS, **kwargs):
        batch = batch_create(
            user=owner or user,
            name=name,
            sheet=parse_text(sheet_text(count, start=start, bad_rows=bad_rows)),
            enqueue=False,
            **kwargs,
        )
        batch_run(batch_id=batch.pk, market=market_service(source="demo"))
        batch.refresh_from_db()
        return batch

    return make


@pytest.fixture
def pending_batch(user):
    def make(count=5, *, owner=None, start=0, name="Waiting"):
        return batch_create(
            user=owner or user,
            name=name,
            sheet=parse_text(sheet_text(count, start=start)),
            enqueue=False,
        )

    return make


@pytest.fixture
def count_queries(client):
    """`count_queries(url)`: the number of queries a GET of `url` runs (after a warm-up GET,
    so one-off work like the session's first read does not blur the comparison)."""

    def count(url: str) -> int:
        assert client.get(url).status_code == 200
        with CaptureQueriesContext(connection) as context:
            response = client.get(url)
        assert response.status_code == 200
        return len(context.captured_queries)

    return count


def text_of(response) -> str:
    """The page's visible text, tags stripped and spaces collapsed (for "content" checks)."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())
