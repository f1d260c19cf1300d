"""MarketService: the MarketProduct cache, token accounting, error policy, demo labelling."""

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command

from analyses.engine.identifiers import Identifier, parse_identifier
from analyses.market.errors import KeepaAuthError
from analyses.market.fake.generator import product_state
from analyses.market.fake.testing import PINNED_NOW
from analyses.market.service import MarketService, market_service
from analyses.models import MarketProduct

pytestmark = pytest.mark.django_db

TTL = 3600


def found_isbn10s(count, start=0, state="found"):
    """Valid ISBN-10s (checksum right) whose fake product is in `state`."""
    out = []
    n = start
    while len(out) < count:
        body = f"{n:09d}"
        total = sum((10 - i) * int(d) for i, d in enumerate(body))
        check = (11 - total % 11) % 11
        isbn = body + ("X" if check == 10 else str(check))
        if product_state(1, isbn) == state:
            out.append(isbn)
        n += 1
    return out


def ids(values):
    return [parse_identifier(v) for v in values]


@pytest.fixture
def service(keepa_client):
    return MarketService(keepa_client, source="keepa", domain=1, ttl_seconds=TTL)


def test_second_fetch_is_served_from_the_cache_without_tokens(
    service, fake_keepa, django_assert_num_queries
):
    books = ids(found_isbn10s(5))
    first = service.fetch(books, now=PINNED_NOW)
    assert first.calls == 1
    assert first.tokens_consumed == 5
    assert first.tokens_left == 60_000 - 5
    assert first.cache_hits == 0
    record = first.records[books[0].lookup_value]
    assert record.found and record.snapshot.asin == books[0].lookup_value
    assert record.source == "keepa" and not record.from_cache
    assert MarketProduct.objects.filter(source="keepa").count() == 5

    with django_assert_num_queries(1):
        second = service.fetch(books, now=PINNED_NOW + timedelta(minutes=30))
    assert (second.calls, second.tokens_consumed, second.cache_hits) == (0, 0, 5)
    assert second.tokens_left is None
    cached = second.records[books[0].lookup_value]
    assert cached.from_cache is True
    assert cached.snapshot == record.snapshot
    assert cached.fetched_at == PINNED_NOW
    assert len(fake_keepa.product_calls) == 1


def test_expired_entries_are_fetched_again(service, fake_keepa):
    books = ids(found_isbn10s(3))
    service.fetch(books, now=PINNED_NOW)
    again = service.fetch(books, now=PINNED_NOW + timedelta(seconds=TTL + 1))
    assert again.calls == 1 and again.tokens_consumed == 3 and again.cache_hits == 0
    assert MarketProduct.objects.count() == 3  # upserted, not duplicated
    assert set(MarketProduct.objects.values_list("fetched_at", flat=True)) == {
        PINNED_NOW + timedelta(seconds=TTL + 1)
    }


def test_mixed_hits_and_misses_only_ask_for_the_misses(service, fake_keepa):
    old, new = ids(found_isbn10s(2)), ids(found_isbn10s(2, start=5000))
    service.fetch(old, now=PINNED_NOW)
    result = service.fetch(old + new + old[:1], now=PINNED_NOW)
    assert result.cache_hits == 2 and result.tokens_consumed == 2
    assert fake_keepa.product_calls[-1].params["asin"] == ",".join(i.lookup_value for i in new)


def test_not_found_is_cached_with_its_reason(service, fake_keepa):
    missing = ids(found_isbn10s(1, state="missing"))
    other = ids(found_isbn10s(1, state="other"))
    result = service.fetch(missing + other, now=PINNED_NOW)
    gone = result.records[missing[0].lookup_value]
    assert gone.found is False and gone.snapshot is None
    assert gone.reason == "not returned by Keepa"
    odd = result.records[other[0].lookup_value]
    assert odd.found is False and "productType" in odd.reason
    assert result.tokens_consumed == 1  # only the returned (productType != 0) product costs
    again = service.fetch(missing + other, now=PINNED_NOW)
    assert again.calls == 0 and again.cache_hits == 2
    assert again.records[other[0].lookup_value].reason == odd.reason
    assert MarketProduct.objects.filter(found=False).count() == 2


def test_code_lookups_are_matched_back_through_ean_and_upc(service, fake_keepa):
    codes = ["9791032305690", "9798886451740", "036000291452", "4006381333931"]
    books = ids(found_isbn10s(2)) + ids(codes)
    assert [i.lookup_kind for i in books[2:]] == ["code"] * 4
    result = service.fetch(books, now=PINNED_NOW)
    calls = fake_keepa.product_calls
    assert len(calls) == 2 and "asin" in calls[0].params and "code" in calls[1].params
    assert calls[1].params["code-limit"] == "1"
    for code in codes:
        record = result.records[code]
        if record.found:
            assert code in record.snapshot.ean_list
            assert record.asin.startswith("B0")
    assert any(result.records[c].found for c in codes)


def test_partial_chunk_failure_marks_only_that_chunk(service, fake_keepa):
    books = ids(found_isbn10s(150))
    fake_keepa.fail_next(500, count=4)  # the first call fails all 1 + 3 retries
    result = service.fetch(books, now=PINNED_NOW)
    assert len(result.errors) == 100 and len(result.records) == 50
    error = result.errors[books[0].lookup_value]
    assert error.kind == "unavailable" and "HTTP 500" in error.message
    assert result.calls == 2
    retry = service.fetch(books, now=PINNED_NOW)  # errors were not cached: asked again
    assert retry.cache_hits == 50 and len(retry.records) == 150 and not retry.errors


def test_a_rejected_call_is_retried_one_identifier_at_a_time(service, fake_keepa):
    good = ids(found_isbn10s(2))
    bad = Identifier("BAD", "ASIN", "B0BAD!!!!!")  # slips past parsing: Keepa rejects it
    result = service.fetch([good[0], bad, good[1]], now=PINNED_NOW)
    assert set(result.records) == {g.lookup_value for g in good}
    assert result.errors[bad.lookup_value].kind == "rejected"
    assert result.calls == 4  # the batch, then three singles
    assert result.tokens_consumed == 2


def test_rate_limited_stops_asking_and_marks_the_rest(service, fake_keepa):
    fake_keepa.set_tokens(-100_000)
    books = ids(found_isbn10s(150))
    result = service.fetch(books, now=PINNED_NOW)
    assert len(result.errors) == 150
    assert {e.kind for e in result.errors.values()} == {"rate_limited"}
    assert len(fake_keepa.product_calls) == 1


def test_auth_error_propagates(service, fake_keepa):
    fake_keepa.set_bad_key_mode()
    with pytest.raises(KeepaAuthError):
        service.fetch(ids(found_isbn10s(2)), now=PINNED_NOW)
    assert MarketProduct.objects.count() == 0


def test_answers_paid_for_are_saved_before_an_auth_error_stops_the_batch(
    service, fake_keepa, monkeypatch
):
    asins, codes = ids(found_isbn10s(2)), ids(["9791032305690"])
    original = fake_keepa._handle

    def key_revoked_before_the_code_call(path, params, record, started):
        if "code" in params:
            fake_keepa.set_bad_key_mode()
        return original(path, params, record, started)

    monkeypatch.setattr(fake_keepa, "_handle", key_revoked_before_the_code_call)
    with pytest.raises(KeepaAuthError):
        service.fetch(asins + codes, now=PINNED_NOW)
    # The asin call succeeded before the key went bad: its two answers are cached.
    assert set(MarketProduct.objects.values_list("lookup_key", flat=True)) == {
        i.lookup_value for i in asins
    }


def test_history_for_charts_from_the_cache(service):
    book = ids(found_isbn10s(1))
    service.fetch(book, now=PINNED_NOW)

    def history_for(key):
        return MarketProduct.objects.history_for(source=service.source, key=key)

    history = history_for(book[0].lookup_value)
    assert history["unit"] == "cents"
    assert "SALES" in history["series"]
    assert all(
        a[0] <= b[0]
        for a, b in zip(history["series"]["SALES"], history["series"]["SALES"][1:], strict=False)
    )
    assert history_for("B0NOTHERE1") is None
    assert history_for(book[0].lookup_value) == history_for(MarketProduct.objects.get().asin)


def test_token_status(service):
    envelope = service.token_status()
    assert envelope.tokens_consumed == 0 and envelope.refill_rate == 1000


def test_demo_source_is_labelled_demo(settings):
    settings.MARKET_DATA_SOURCE = "demo"
    service = market_service()
    assert service.source == "demo"
    books = ids(found_isbn10s(3))
    result = service.fetch(books, now=PINNED_NOW)
    assert result.is_demo and result.source == "demo"
    assert all(r.source == "demo" and r.is_demo for r in result.records.values())
    assert result.tokens_consumed == 3
    assert set(MarketProduct.objects.values_list("source", flat=True)) == {"demo"}
    # A real Keepa service never reads the demo rows.
    assert not MarketProduct.objects.filter(source="keepa").exists()


def test_keepa_status_in_demo_mode(settings, capsys):
    settings.MARKET_DATA_SOURCE = "demo"
    call_command("keepa_status")
    out = capsys.readouterr().out
    assert "DEMO MARKET DATA" in out
    assert "tokensLeft:" in out and "refillRate:" in out


def test_keepa_status_with_a_bad_key_fails_clearly(settings, fake_keepa_server):
    settings.MARKET_DATA_SOURCE = "keepa"
    settings.KEEPA_API_URL = fake_keepa_server.url
    settings.KEEPA_API_KEY = "not-a-key"
    with pytest.raises(CommandError, match="rejected the API key"):
        call_command("keepa_status")


def test_keepa_status_shows_the_balance(settings, fake_keepa_server, capsys):
    settings.MARKET_DATA_SOURCE = "keepa"
    settings.KEEPA_API_URL = fake_keepa_server.url
    settings.KEEPA_API_KEY = "fake-keepa-key"
    call_command("keepa_status")
    out = capsys.readouterr().out
    assert "tokensLeft:   60000" in out and "DEMO" not in out
