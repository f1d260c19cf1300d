"""Batch runs: chunks, progress, cancel, resume, faults, bad key, tokens, re-run, re-score."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import BusinessConfig
from analyses.models import Analysis
from batches import services
from batches.models import Batch, BatchItem, BatchStatus, ItemStatus
from batches.services import BatchTransitionError
from batches.sheets import parse_sheet
from tests.batches.conftest import isbns
from tests.factories import BatchFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _small_chunks(settings):
    settings.BATCH_CHUNK_SIZE = 10


def test_create_keeps_every_row_valid_merged_or_rejected(user):
    good = isbns(2)
    text = f"isbn,cost,qty\n{good[0]},1,1\nnonsense,1,1\n{good[1]},-3,1\n{good[0]},1,2\n"
    batch = services.batch_create(
        user=user, name="Thrift", sheet=parse_sheet(text.encode()), enqueue=False
    )
    assert (batch.rows_total, batch.items_total, batch.rows_invalid) == (4, 1, 2)
    rows = {i.line_number: i for i in batch.items.all()}
    assert rows[2].status == ItemStatus.PENDING and rows[2].quantity == 3
    assert rows[3].status == ItemStatus.INVALID and "not an ISBN" in rows[3].error_message
    assert rows[4].error_field == "cost" and rows[4].buy_price is None
    assert rows[5].status == ItemStatus.MERGED and "line 2" in rows[5].error_message
    assert batch.status == BatchStatus.PENDING


def test_run_works_in_chunks_and_progress_moves(make_batch, fake_market, fake_keepa):
    batch = make_batch(35)
    seen = []
    outcome = services.batch_run(
        batch_id=batch.pk, market=fake_market, on_progress=lambda b: seen.append(b.items_processed)
    )
    assert seen == [10, 20, 30, 35]
    assert outcome.status == BatchStatus.COMPLETED and outcome.chunks == 4
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMPLETED
    assert batch.started_at and batch.finished_at and batch.items_processed == 35
    assert len(fake_keepa.product_calls) == 4  # ≤ 10 identifiers a call here (chunk size)
    statuses = set(batch.items.values_list("status", flat=True))
    assert statuses <= {ItemStatus.DONE, ItemStatus.NOT_FOUND}
    assert batch.analyses.count() == batch.items.filter(status=ItemStatus.DONE).count()
    assert batch.tokens_spent == outcome.tokens > 0
    assert batch.tokens_left is not None
    assert batch.market_source == "keepa"


def test_run_freezes_the_effective_config(make_batch, fake_market, user):
    config = BusinessConfig.objects.create(
        user=user, name="Strict", config_data={"thresholds": {"min_roi_pct": 80}}
    )
    batch = make_batch(3, config=config)
    services.batch_run(batch_id=batch.pk, market=fake_market)
    batch.refresh_from_db()
    assert batch.strategy_snapshot["thresholds"]["min_roi_pct"] == 80
    assert batch.strategy_snapshot["fees"]["referral_pct"] == 15  # defaults merged in


def test_user_default_config_applies_when_the_batch_names_none(make_batch, fake_market, user):
    BusinessConfig.objects.create(
        user=user, name="Mine", is_default=True, config_data={"thresholds": {"min_profit": "7"}}
    )
    batch = make_batch(2)
    services.batch_run(batch_id=batch.pk, market=fake_market)
    batch.refresh_from_db()
    assert batch.strategy_snapshot["thresholds"]["min_profit"] == "7.00"


def test_analyses_hold_the_engine_result_and_its_explanation(make_batch, fake_market):
    batch = make_batch(10)
    services.batch_run(batch_id=batch.pk, market=fake_market)
    analysis = batch.analyses.exclude(profit=None).first()
    assert analysis.user_id == batch.user_id and analysis.item.batch_id == batch.pk
    assert analysis.profit == (analysis.expected_sale_price - analysis.fees - analysis.buy_price)
    assert analysis.target_price_data["fees"]["total"] == str(analysis.fees)
    assert analysis.raw_keepa["asin"] == analysis.asin
    assert analysis.market_fetched_at is not None


def test_cancel_stops_after_the_current_chunk(make_batch, fake_market):
    batch = make_batch(35)

    def cancel_once(current):
        if current.items_processed == 10:
            services.batch_cancel(batch=current)

    outcome = services.batch_run(batch_id=batch.pk, market=fake_market, on_progress=cancel_once)
    batch.refresh_from_db()
    assert outcome.status == BatchStatus.CANCELLED == batch.status
    assert batch.items_processed == 10 and batch.finished_at
    assert batch.items.filter(status=ItemStatus.PENDING).count() == 25
    assert not batch.items.filter(claimed_until__isnull=False).exists()


def test_a_killed_worker_is_resumed_without_duplicates(make_batch, fake_market):
    batch = make_batch(30)
    calls = {"n": 0}
    real_fetch = fake_market.fetch

    def crash_on_second_chunk(identifiers, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise SystemExit("worker killed")  # not an Exception: nothing is cleaned up
        return real_fetch(identifiers, **kwargs)

    fake_market.fetch = crash_on_second_chunk
    with pytest.raises(SystemExit):
        services.batch_run(batch_id=batch.pk, market=fake_market)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PROCESSING and batch.items_processed == 10
    stuck = batch.items.filter(status=ItemStatus.PENDING, claimed_until__gt=timezone.now())
    assert stuck.count() == 10  # the dead worker's lease

    fake_market.fetch = real_fetch
    services.batch_rerun(batch=batch, enqueue=False)  # "run it again"
    services.batch_run(batch_id=batch.pk, market=fake_market)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMPLETED and batch.items_processed == 30
    done = batch.items.filter(status=ItemStatus.DONE).count()
    assert batch.analyses.count() == done
    assert batch.analyses.values("isbn_or_asin").distinct().count() == done


def test_an_expired_lease_is_taken_over_and_progress_is_not_counted_twice(make_batch, fake_market):
    batch = make_batch(10)
    services._start_run(batch.pk, market_source="keepa")
    first = services._claim_chunk(batch.pk)
    assert services._claim_chunk(batch.pk) == []  # leased
    BatchItem.objects.filter(pk__in=[i.pk for i in first]).update(
        claimed_until=timezone.now() - timedelta(seconds=1)
    )
    second = services._claim_chunk(batch.pk)
    assert {i.pk for i in second} == {i.pk for i in first}
    config = services._engine_config(Batch.objects.get(pk=batch.pk).strategy_snapshot)
    today = timezone.localdate()
    services._process_chunk(batch, first, fake_market, config, today)
    services._process_chunk(batch, second, fake_market, config, today)  # the slow worker ends
    batch.refresh_from_db()
    assert batch.items_processed == 10


def test_chunks_claimed_by_two_workers_are_disjoint(make_batch):
    batch = make_batch(25)
    services._start_run(batch.pk, market_source="demo")
    a, b, c = (services._claim_chunk(batch.pk) for _ in range(3))
    ids = [i.pk for i in a + b + c]
    assert len(ids) == len(set(ids)) == 25


def test_keepa_faults_mark_items_error_and_the_batch_completes(make_batch, fake_market, fake_keepa):
    batch = make_batch(20)
    fake_keepa.fail_next(500, 4)  # the first chunk's call fails on all 4 tries
    services.batch_run(batch_id=batch.pk, market=fake_market)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMPLETED
    errors = batch.items.filter(status=ItemStatus.ERROR)
    assert errors.count() == 10
    assert errors.first().error_message.startswith("market data unavailable")
    assert batch.summary()["errors"] == 10
    # A re-run retries the errors only.
    fake_keepa.reset()
    services.batch_rerun(batch=batch, enqueue=False)
    services.batch_run(batch_id=batch.pk, market=fake_market)
    assert not batch.items.filter(status=ItemStatus.ERROR).exists()


def test_a_rejected_key_fails_the_batch_with_a_clear_message(make_batch, fake_market, fake_keepa):
    batch = make_batch(15)
    fake_keepa.set_bad_key_mode(True)
    outcome = services.batch_run(batch_id=batch.pk, market=fake_market)
    batch.refresh_from_db()
    assert outcome.status == BatchStatus.FAILED == batch.status
    assert "KEEPA_API_KEY" in batch.error_message and batch.finished_at
    assert batch.items.filter(status=ItemStatus.PENDING, claimed_until=None).count() == 15


def test_an_invalid_stored_config_fails_the_batch(make_batch, user):
    config = BusinessConfig.objects.create(
        user=user, name="Broken", config_data={"thresholds": {"min_roi_pct": "lots"}}
    )
    batch = make_batch(2, config=config)
    services.batch_run(batch_id=batch.pk, market=NoMarket())
    batch.refresh_from_db()
    assert batch.status == BatchStatus.FAILED
    assert "configuration 'Broken' is invalid" in batch.error_message


def test_rescore_changes_decisions_without_any_keepa_call(
    make_batch, fake_market, fake_keepa, user
):
    batch = make_batch(20)
    services.batch_run(batch_id=batch.pk, market=fake_market)
    calls_before = len(fake_keepa.product_calls)
    tokens_before = Batch.objects.get(pk=batch.pk).tokens_spent
    before = dict(batch.analyses.values_list("isbn_or_asin", "recommendation"))
    assert "BUY" in before.values() or "REVIEW" in before.values()
    impossible = BusinessConfig.objects.create(
        user=user, name="Impossible", config_data={"thresholds": {"min_profit": "100000"}}
    )
    batch = Batch.objects.get(pk=batch.pk)
    services.batch_rescore_start(batch=batch, config=impossible, enqueue=False)
    assert Batch.objects.get(pk=batch.pk).status == BatchStatus.PROCESSING
    count = services.batch_rescore(batch_id=batch.pk)
    batch.refresh_from_db()
    assert count == len(before)
    assert set(batch.analyses.values_list("recommendation", flat=True)) == {"SKIP"}
    assert all(
        any(r["code"] == "profit_below_min" for r in reasons) or not profit
        for reasons, profit in batch.analyses.values_list("reasons", "profit")
    )
    assert len(fake_keepa.product_calls) == calls_before
    assert batch.tokens_spent == tokens_before
    assert batch.status == BatchStatus.COMPLETED and batch.config == impossible
    assert batch.strategy_snapshot["thresholds"]["min_profit"] == "100000.00"


def test_rescore_with_the_same_config_reproduces_the_numbers(make_batch, fake_market):
    batch = make_batch(10)
    services.batch_run(batch_id=batch.pk, market=fake_market)
    fields = ["isbn_or_asin", "fees", "profit", "roi_percent", "velocity_score", "recommendation"]
    before = sorted(batch.analyses.values_list(*fields))
    services.batch_rescore_start(batch=Batch.objects.get(pk=batch.pk), config=None, enqueue=False)
    services.batch_rescore(batch_id=batch.pk)
    assert sorted(batch.analyses.values_list(*fields)) == before


@pytest.mark.parametrize(
    "status",
    [BatchStatus.PENDING, BatchStatus.PROCESSING, BatchStatus.CANCELLED, BatchStatus.FAILED],
)
def test_rescore_needs_a_completed_batch(status):
    # A cancelled or failed batch still has books never analysed: re-scoring it would mark
    # it COMPLETED with those books left behind. It is finished with a re-run first.
    batch = BatchFactory(status=status)
    with pytest.raises(BatchTransitionError, match="Cannot re-score"):
        services.batch_rescore_start(batch=batch, config=None, enqueue=False)


@pytest.mark.parametrize(
    ("start", "target", "allowed"),
    [
        (BatchStatus.PENDING, BatchStatus.CANCELLED, True),
        (BatchStatus.PENDING, BatchStatus.COMPLETED, False),
        (BatchStatus.PROCESSING, BatchStatus.COMPLETED, True),
        (BatchStatus.PROCESSING, BatchStatus.FAILED, True),
        (BatchStatus.PROCESSING, BatchStatus.CANCELLED, True),
        (BatchStatus.COMPLETED, BatchStatus.CANCELLED, False),
        (BatchStatus.FAILED, BatchStatus.PROCESSING, False),
        (BatchStatus.CANCELLED, BatchStatus.PENDING, False),
        (BatchStatus.COMPLETED, BatchStatus.COMPLETED, False),
    ],
)
def test_status_transitions_follow_domain_12(start, target, allowed):
    batch = BatchFactory(status=start)
    if allowed:
        batch = services.batch_set_status(batch=batch, status=target)
        assert batch.status == target and batch.finished_at is not None
    else:
        with pytest.raises(BatchTransitionError):
            services.batch_set_status(batch=batch, status=target)
        batch.refresh_from_db()
        assert batch.status == start


def test_pending_to_processing_by_status_starts_the_run(
    make_batch, django_capture_on_commit_callbacks
):
    batch = make_batch(3)
    with django_capture_on_commit_callbacks(execute=True):
        answered = services.batch_set_status(batch=batch, status=BatchStatus.PROCESSING)
    assert answered.status == BatchStatus.PROCESSING and answered.started_at
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMPLETED  # the immediate task backend ran it


def test_rerun_of_a_completed_batch_refreshes_every_book(make_batch, fake_market):
    batch = make_batch(5)
    services.batch_run(batch_id=batch.pk, market=fake_market)
    first_ids = set(batch.analyses.values_list("id", flat=True))
    services.batch_rerun(batch=Batch.objects.get(pk=batch.pk), enqueue=False)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PENDING and batch.items_processed == 5
    services.batch_run(batch_id=batch.pk, market=fake_market)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMPLETED and batch.items_processed == 5
    assert set(batch.analyses.values_list("id", flat=True)) == first_ids  # upserted in place


def test_creating_a_batch_queues_its_run(user, monkeypatch, django_capture_on_commit_callbacks):
    sheet = parse_sheet(f"isbn,cost\n{isbns(1)[0]},1\n".encode())
    queued = []
    monkeypatch.setattr(services, "batch_enqueue", lambda *, batch: queued.append(batch.pk))
    with django_capture_on_commit_callbacks(execute=True):
        batch = services.batch_create(user=user, name="Q", sheet=sheet)
    assert queued == [batch.pk]


def test_the_queued_task_runs_the_batch_in_the_background(user, django_capture_on_commit_callbacks):
    sheet = parse_sheet(f"isbn,cost\n{isbns(1)[0]},1\n".encode())
    with django_capture_on_commit_callbacks(execute=True):
        batch = services.batch_create(user=user, name="Q", sheet=sheet)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMPLETED and batch.market_source == "demo"


def test_a_batch_without_valid_rows_completes_at_once(user):
    batch = services.batch_create(
        user=user, name="Junk", sheet=parse_sheet(b"isbn,cost\nnope,1\n"), enqueue=False
    )
    outcome = services.batch_run(batch_id=batch.pk, market=NoMarket())
    assert outcome.status == BatchStatus.COMPLETED


def test_a_deleted_batch_stops_the_run(make_batch, fake_market):
    batch = make_batch(25)

    def delete(current):
        Batch.objects.filter(pk=current.pk).delete()

    outcome = services.batch_run(batch_id=batch.pk, market=fake_market, on_progress=delete)
    assert outcome.status == "DELETED"
    assert not Analysis.objects.exists()


def test_summary_counts_and_money(make_batch, fake_market):
    batch = make_batch(20)
    services.batch_run(batch_id=batch.pk, market=fake_market)
    summary = Batch.objects.get(pk=batch.pk).summary()
    buys = list(
        batch.analyses.filter(recommendation="BUY").values_list("profit", "buy_price", "quantity")
    )
    assert summary["buy"] == len(buys)
    assert summary["buy"] + summary["review"] + summary["skip"] == batch.analyses.count()
    if buys:
        assert summary["expected_profit"] == sum(p * q for p, _, q in buys)
        assert summary["capital_required"] == sum(c * q for _, c, q in buys)
    assert summary["progress_percent"] == 100
    assert isinstance(summary["tokens_spent"], int)
    assert Decimal(0) <= Decimal(summary["progress_percent"])


class NoMarket:
    """A market that must not be asked."""

    source = "keepa"

    def fetch(self, identifiers, **kwargs):
        raise AssertionError("no market lookup expected")


def test_a_run_cannot_hijack_a_rescore_in_progress(make_batch, fake_market):
    batch = make_batch(5)
    services.batch_run(batch_id=batch.pk, market=fake_market)
    batch = services.batch_rescore_start(
        batch=Batch.objects.get(pk=batch.pk), config=None, enqueue=False
    )
    with pytest.raises(BatchTransitionError, match="re-scored"):
        services.batch_rerun(batch=batch, enqueue=False)
    outcome = services.batch_run(batch_id=batch.pk, market=NoMarket())  # a queued run task
    assert outcome.status == BatchStatus.PROCESSING
    assert Batch.objects.get(pk=batch.pk).status == BatchStatus.PROCESSING  # not "completed"
    services.batch_rescore(batch_id=batch.pk)
    assert Batch.objects.get(pk=batch.pk).status == BatchStatus.COMPLETED


def test_a_failing_rescore_fails_the_batch_with_a_message(make_batch, fake_market, monkeypatch):
    batch = make_batch(3)
    services.batch_run(batch_id=batch.pk, market=fake_market)
    services.batch_rescore_start(batch=Batch.objects.get(pk=batch.pk), config=None, enqueue=False)
    monkeypatch.setattr(services, "_rescore", lambda *a: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        services.batch_rescore(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.FAILED and "re-score failed" in batch.error_message


def test_an_unexpected_chunk_error_fails_the_batch_instead_of_leaving_it_processing(
    make_batch, fake_market
):
    batch = make_batch(15)

    def explode(identifiers, **kwargs):
        raise RuntimeError("boom")

    fake_market.fetch = explode
    with pytest.raises(RuntimeError):
        services.batch_run(batch_id=batch.pk, market=fake_market)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.FAILED and "re-run" in batch.error_message
    assert not batch.items.filter(claimed_until__isnull=False).exists()


def test_finishing_a_cancelled_run_keeps_its_configuration_and_date(make_batch, fake_market, user):
    config = BusinessConfig.objects.create(
        user=user, name="First", config_data={"thresholds": {"min_roi_pct": 40}}
    )
    batch = make_batch(30, config=config)

    def cancel_once(current):
        if current.items_processed == 10:
            services.batch_cancel(batch=current)

    services.batch_run(batch_id=batch.pk, market=fake_market, on_progress=cancel_once)
    first = Batch.objects.get(pk=batch.pk)
    config.config_data = {"thresholds": {"min_roi_pct": 90}}  # edited in between
    config.save()
    Batch.objects.filter(pk=batch.pk).update(analysis_date=first.analysis_date - timedelta(days=40))
    services.batch_rerun(batch=first, enqueue=False)
    services.batch_run(batch_id=batch.pk, market=fake_market)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMPLETED
    assert batch.strategy_snapshot["thresholds"]["min_roi_pct"] == 40
    assert batch.analysis_date == first.analysis_date - timedelta(days=40)
    # The books of the resumed part were analysed as of the run's (frozen) date.
    dates = list(batch.analyses.values_list("target_price_data__as_of", flat=True))
    resumed = batch.items.filter(line_number__gt=10, status=ItemStatus.DONE).count()
    assert dates.count(batch.analysis_date.isoformat()) == resumed > 0
    # A re-run of the completed batch starts afresh: today's rules.
    services.batch_rerun(batch=batch, enqueue=False)
    services.batch_run(batch_id=batch.pk, market=fake_market)
    batch.refresh_from_db()
    assert batch.strategy_snapshot["thresholds"]["min_roi_pct"] == 90


def test_a_chunk_from_the_cache_keeps_the_known_token_balance(make_batch, fake_market):
    batch = make_batch(5)
    services.batch_run(batch_id=batch.pk, market=fake_market)
    balance = Batch.objects.get(pk=batch.pk).tokens_left
    assert balance is not None
    services.batch_rerun(batch=Batch.objects.get(pk=batch.pk), enqueue=False)
    services.batch_run(batch_id=batch.pk, market=fake_market)  # every book from the cache
    assert Batch.objects.get(pk=batch.pk).tokens_left == balance
