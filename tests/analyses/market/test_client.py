"""KeepaClient against the fake Keepa over real loopback HTTP (sleeps are recorded, not slept)."""

import pytest

from analyses.market.client import KeepaClient
from analyses.market.errors import (
    KeepaAuthError,
    KeepaError,
    KeepaMalformed,
    KeepaRateLimited,
    KeepaRequestError,
    KeepaUnavailable,
)
from analyses.market.fake.generator import product_state

ASINS = ["0134685997", "0306406152", "0596007124", "1292025824"]


def isbn10s(count, start=0):
    """Syntactically valid ISBN-10-like ASINs (the fake does not check the checksum)."""
    return [f"{start + i:09d}X" for i in range(count)]


def test_product_sends_the_agreed_parameters_and_never_offers(keepa_client, fake_keepa):
    keepa_client.product(asins=ASINS)
    keepa_client.product(codes=["9791032305690"])
    asin_call, code_call = fake_keepa.product_calls
    assert asin_call.params == {
        "domain": "1",
        "asin": ",".join(ASINS),
        "stats": "180",
        "history": "1",
        "days": "365",
    }
    assert code_call.params["code"] == "9791032305690"
    assert code_call.params["code-limit"] == "1"
    for call in (asin_call, code_call):
        assert "offers" not in call.params and "buybox" not in call.params
        assert call.headers["User-Agent"].startswith("ArbitrageVault/")


def test_gzip_is_asked_for_and_used(keepa_client, fake_keepa):
    response = keepa_client.product(asins=ASINS)
    assert fake_keepa.product_calls[0].headers["Accept-Encoding"] == "gzip"
    assert response.content_encoding == "gzip"
    assert response.products  # decoded transparently


def test_token_envelope_is_recorded_per_call(keepa_client, fake_keepa):
    before = keepa_client.token_status()
    assert before.tokens_consumed == 0
    assert before.envelope.refill_rate == 1000
    response = keepa_client.product(asins=ASINS)
    returned = len(response.products)
    assert returned == sum(product_state(1, a) != "missing" for a in ASINS)
    assert response.tokens_consumed == returned
    assert response.envelope.tokens_consumed == returned
    assert response.envelope.tokens_left == before.envelope.tokens_left - returned
    assert 0 < response.envelope.refill_in_ms <= 60_000
    assert response.envelope.timestamp_ms > 1_700_000_000_000
    assert response.attempts == 1
    assert keepa_client.tokens_consumed == returned
    after = keepa_client.token_status()
    assert after.tokens_consumed == 0  # /token is free
    assert after.envelope.tokens_left == response.envelope.tokens_left


def test_more_than_100_identifiers_are_chunked(keepa_client, fake_keepa):
    responses = list(keepa_client.product_chunks(asins=isbn10s(250)))
    assert len(responses) == 3
    sizes = [len(call.params["asin"].split(",")) for call in fake_keepa.product_calls]
    assert sizes == [100, 100, 50]
    assert sum(r.tokens_consumed for r in responses) == sum(len(r.products) for r in responses)
    with pytest.raises(ValueError, match="at most 100"):
        keepa_client.product(asins=isbn10s(101))
    with pytest.raises(ValueError):
        keepa_client.product(asins=["0134685997"], codes=["9791032305690"])


def test_429_waits_as_told_then_succeeds(keepa_client, fake_keepa, recorded_sleep):
    fake_keepa.fail_next(429, tokens_left=0, refill_in_ms=1500)
    response = keepa_client.product(asins=ASINS)
    assert response.attempts == 2
    assert recorded_sleep.calls == [pytest.approx(1.6)]  # refillIn + 100 ms


def test_429_with_a_deficit_waits_for_the_deficit_too(keepa_client, fake_keepa, recorded_sleep):
    fake_keepa.fail_next(429, tokens_left=-50, refill_in_ms=2000)
    keepa_client.product(asins=ASINS)
    # refillIn + |tokensLeft| / refillRate minutes (KEEPA.md §2.1): 2.1 s + 50/1000 * 60 s
    assert recorded_sleep.calls == [pytest.approx(2.1 + 3.0)]


def test_429_gives_up_after_the_bounded_wait(keepa_client, fake_keepa, recorded_sleep):
    fake_keepa.fail_next(429, count=10, tokens_left=0, refill_in_ms=50_000)
    with pytest.raises(KeepaRateLimited, match="no tokens") as caught:
        keepa_client.product(asins=ASINS)
    assert recorded_sleep.total <= 120  # max_token_wait of the fixture
    assert len(recorded_sleep.calls) == 2
    assert caught.value.envelope.refill_in_ms == 50_000


def test_real_empty_bucket_answers_429(keepa_client, fake_keepa, recorded_sleep):
    fake_keepa.set_tokens(-5000)  # deficit: 5 minutes at 1000/min, above no bound of 120 s
    with pytest.raises(KeepaRateLimited):
        keepa_client.product(asins=ASINS)
    assert recorded_sleep.calls == []
    assert keepa_client.token_status().envelope.tokens_left == -5000  # /token still answers


def test_500s_are_retried_with_backoff_then_succeed(keepa_client, fake_keepa, recorded_sleep):
    fake_keepa.fail_next(500, count=2)
    response = keepa_client.product(asins=ASINS)
    assert response.attempts == 3
    # equal jitter with rng=0.5: ceiling 0.5 then 1.0 -> 0.375, 0.75
    assert recorded_sleep.calls == [pytest.approx(0.375), pytest.approx(0.75)]


def test_500_forever_is_unavailable(keepa_client, fake_keepa, recorded_sleep):
    fake_keepa.fail_next(500, count=100)
    with pytest.raises(KeepaUnavailable, match="HTTP 500"):
        keepa_client.product(asins=ASINS)
    assert len(fake_keepa.product_calls) == 4  # 1 + max_retries
    assert len(recorded_sleep.calls) == 3


def test_a_timeout_is_retried(keepa_client, fake_keepa, recorded_sleep):
    fake_keepa.timeout_next(1, seconds=1.5)  # longer than the client's 0.5 s read timeout
    response = keepa_client.product(asins=ASINS)
    assert response.attempts == 2
    assert len(recorded_sleep.calls) == 1


def test_timeouts_that_persist_are_unavailable(fake_keepa_server, fake_keepa, recorded_sleep):
    client = KeepaClient(
        "fake-keepa-key",
        base_url=fake_keepa_server.url,
        timeout=(1, 0.3),
        max_retries=1,
        sleep=recorded_sleep,
    )
    fake_keepa.timeout_next(2, seconds=1.0)
    with pytest.raises(KeepaUnavailable, match="timed out") as caught:
        client.product(asins=ASINS)
    assert "fake-keepa-key" not in str(caught.value)  # the key never leaks into messages


def test_connection_refused_is_unavailable(recorded_sleep):
    client = KeepaClient(
        "k", base_url="http://127.0.0.1:9", timeout=(0.5, 0.5), max_retries=2, sleep=recorded_sleep
    )
    with pytest.raises(KeepaUnavailable, match="connection failed"):
        client.token_status()
    assert len(recorded_sleep.calls) == 2


def test_malformed_json_is_malformed(keepa_client, fake_keepa):
    fake_keepa.malformed_next()
    with pytest.raises(KeepaMalformed):
        keepa_client.product(asins=ASINS)


def test_error_inside_http_200_is_an_error(keepa_client, fake_keepa):
    with pytest.raises(KeepaRequestError, match="invalidParameter") as caught:
        keepa_client.product(asins=["0134685997", "NOT-AN-ASIN"])
    assert caught.value.status == 200
    assert caught.value.envelope.refill_rate == 1000  # a real envelope: not a key problem


def test_200_without_products_is_malformed(keepa_client, monkeypatch, fake_keepa):
    # Answer /product with a bare envelope, as a broken proxy or a changed API might.
    original = fake_keepa._product

    def no_products(params, record, started):
        status, body, _ = original(params, record, started)
        return status, {k: v for k, v in body.items() if k != "products"}, None

    monkeypatch.setattr(fake_keepa, "_product", no_products)
    with pytest.raises(KeepaMalformed, match="products"):
        keepa_client.product(asins=ASINS)


@pytest.mark.parametrize("status", [400, 402])
def test_bad_key_is_an_auth_error(keepa_client, fake_keepa, status):
    fake_keepa.set_bad_key_mode(status=status)
    with pytest.raises(KeepaAuthError, match="key") as caught:
        keepa_client.token_status()
    assert caught.value.status == status
    assert isinstance(caught.value, KeepaError)


def test_unknown_key_is_an_auth_error(fake_keepa_server, recorded_sleep):
    client = KeepaClient("wrong", base_url=fake_keepa_server.url, sleep=recorded_sleep)
    with pytest.raises(KeepaAuthError, match="invalidParameter"):
        client.product(asins=ASINS)
    assert recorded_sleep.calls == []  # never retried


def test_invalid_domain_is_a_request_error_not_an_auth_error(keepa_client):
    with pytest.raises(KeepaRequestError) as caught:
        keepa_client.product(asins=ASINS, domain=7)
    assert caught.value.status == 400
    with pytest.raises(ValueError):
        KeepaClient("k", domain=7)
