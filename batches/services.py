"""Batch services: every write that touches more than one row goes through here.

Views, the API, the admin and the commands call these; none re-implements a step. The data flow
(ARCHITECTURE.md): sheet rows → `batch_create` → task → `batch_run` in chunks of ≤ 100 items:
market data (cache first, then Keepa) → engine → bulk upsert of analyses → progress.
"""

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from accounts.models import BusinessConfig
from accounts.services import ConfigInvalid, config_resolve
from analyses.models import Analysis, MarketSource
from arbitragevault.bulk import bulk_insert, bulk_update, bulk_upsert
from batches.models import Batch, BatchItem, BatchStatus, ItemStatus, RunKind
from batches.sheets import ParsedSheet

logger = logging.getLogger(__name__)


class BatchTransitionError(Exception):
    """The batch cannot go from its status to the one asked for (the API answers 409)."""

    def __init__(self, batch: Batch, target: str, action: str = ""):
        self.batch, self.target = batch, target
        what = action or f"move to {target}"
        super().__init__(f"Cannot {what}: the batch is {batch.status}.")


# --------------------------------------------------------------------------------------------
# Create


@transaction.atomic
def batch_create(
    *,
    user,
    name: str,
    sheet: ParsedSheet,
    description: str = "",
    config: BusinessConfig | None = None,
    condition: str = "used",
    source_filename: str = "",
    enqueue: bool = True,
) -> Batch:
    """Creates the batch and one item per sheet row (valid, merged or rejected) in one go."""
    batch = Batch.objects.create(
        user=user,
        name=name.strip()[:200] or "Untitled batch",
        description=description,
        config=config,
        condition=condition,
        source_filename=source_filename[:255],
        rows_total=len(sheet.rows),
        rows_invalid=len(sheet.invalid_rows),
        items_total=len(sheet.valid_rows),
    )
    items = []
    for row in sheet.rows:
        if row.merged_into is not None:
            status, message = (
                ItemStatus.MERGED,
                (
                    f"line {row.line}: same book and cost as line {row.merged_into}; "
                    "its quantity was added there"
                ),
            )
        elif row.error:
            status, message = ItemStatus.INVALID, row.error
        else:
            status, message = ItemStatus.PENDING, ""
        items.append(
            {
                "batch_id": batch.pk,
                "line_number": row.line,
                "raw_identifier": row.raw_identifier,
                "raw_cost": row.raw_cost,
                "isbn_or_asin": row.identifier.canonical if row.identifier else None,
                "buy_price": row.cost,
                "quantity": row.quantity,
                "condition": row.condition,
                "status": status,
                "error_field": row.error_field,
                "error_message": message,
            }
        )
    bulk_insert(BatchItem, items)
    if enqueue:
        transaction.on_commit(lambda: batch_enqueue(batch=batch))
    return batch


# --------------------------------------------------------------------------------------------
# Run, resume, cancel, re-run


def batch_enqueue(*, batch: Batch) -> None:
    """Queues background runs; several tasks may share one batch, each claiming its own chunks."""
    from batches.tasks import run_batch_task

    chunks = -(-batch.items_total // settings.BATCH_CHUNK_SIZE) or 1
    tasks = max(1, min(settings.BATCH_PARALLEL_TASKS, chunks))
    for _ in range(tasks):
        run_batch_task.enqueue(str(batch.pk))


@dataclass
class RunOutcome:
    status: str
    chunks: int = 0
    items: int = 0
    tokens: int = 0


def batch_run(
    *,
    batch_id,
    on_progress: Callable[[Batch], None] | None = None,
    market=None,
) -> RunOutcome:
    """Processes the batch's unfinished items chunk by chunk until none is left.

    Safe to call again after a crash (only PENDING items are taken; a chunk's analyses, item
    outcomes and progress are written in one transaction) and from several workers at once
    (chunks are claimed with a lease, SELECT … FOR UPDATE SKIP LOCKED on PostgreSQL).
    """
    if market is None:
        from analyses.market.service import market_service

        market = market_service()
    batch = _start_run(batch_id, market_source=market.source)
    if batch is None:
        current = Batch.objects.filter(pk=batch_id).values_list("status", flat=True).first()
        return RunOutcome(status=current or "DELETED")
    as_of = batch.analysis_date
    config = _engine_config(batch.strategy_snapshot)
    outcome = RunOutcome(status=batch.status)
    while True:
        state = Batch.objects.filter(pk=batch.pk).values_list("status", "run_kind").first()
        if state != (BatchStatus.PROCESSING, RunKind.RUN):  # cancelled, failed, re-scoring…
            outcome.status = state[0] if state else "DELETED"
            return outcome
        items = _claim_chunk(batch.pk)
        if not items:
            outcome.status = _finish_if_done(batch.pk)
            return outcome
        try:
            written, tokens = _process_chunk(batch, items, market, config, as_of)
        except _BatchFailure as failure:
            batch_fail(batch_id=batch.pk, message=str(failure))
            _release(items)
            outcome.status = BatchStatus.FAILED
            return outcome
        except Exception as exc:
            # Nobody would pick the batch up again: say so, rather than poll forever.
            _release(items)
            logger.exception("batch %s: a chunk failed", batch.pk)
            batch_fail(
                batch_id=batch.pk,
                message=f"A chunk failed unexpectedly ({exc.__class__.__name__}); the books "
                "not analysed yet are kept: re-run the batch to retry them.",
            )
            raise
        outcome.chunks += 1
        outcome.items += written
        outcome.tokens += tokens
        if on_progress is not None:
            on_progress(Batch.objects.get(pk=batch.pk))


class _BatchFailure(Exception):
    """Stops the whole batch (e.g. Keepa rejected the API key)."""


def _start_run(batch_id, *, market_source: str) -> Batch | None:
    """PENDING → PROCESSING, or join the run in progress.

    A new run freezes the effective configuration and the analysis date; a resumed one
    (a snapshot is already frozen: re-run after a cancel or a failure) keeps both, so every
    book of the batch is judged by the same rules on the same date.
    """
    with transaction.atomic():
        batch = Batch.objects.select_for_update().filter(pk=batch_id).first()
        if batch is None:
            return None
        if batch.status == BatchStatus.PROCESSING:
            return batch if batch.run_kind == RunKind.RUN else None
        if batch.status != BatchStatus.PENDING:
            return None
        now = timezone.now()
        batch.status = BatchStatus.PROCESSING
        batch.run_kind = RunKind.RUN
        batch.started_at = now
        batch.finished_at = None
        batch.error_message = ""
        batch.market_source = market_source
        if not batch.strategy_snapshot:
            try:
                _, batch.strategy_snapshot = config_resolve(user=batch.user, config=batch.config)
            except ConfigInvalid as exc:
                batch.status = BatchStatus.FAILED
                batch.error_message = str(exc)
                batch.finished_at = now
                batch.save()
                return None
            batch.analysis_date = timezone.localdate(now)
        batch.items_processed = batch.items.analysable().exclude(status=ItemStatus.PENDING).count()
        batch.save()
        return batch


def _engine_config(effective: dict):
    from analyses.engine import parse_config

    return parse_config(effective)


def _claim_chunk(batch_pk) -> list[BatchItem]:
    now = timezone.now()
    with transaction.atomic():
        candidates = (
            BatchItem.objects.filter(batch_id=batch_pk, status=ItemStatus.PENDING)
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
            .order_by("line_number")
            .select_for_update(skip_locked=True)
        )
        items = list(candidates[: settings.BATCH_CHUNK_SIZE])
        if items:
            lease = now + timedelta(seconds=settings.BATCH_CHUNK_LEASE_SECONDS)
            BatchItem.objects.filter(pk__in=[i.pk for i in items]).update(claimed_until=lease)
    return items


def _release(items: list[BatchItem]) -> None:
    BatchItem.objects.filter(pk__in=[i.pk for i in items], status=ItemStatus.PENDING).update(
        claimed_until=None
    )


def _finish_if_done(batch_pk) -> str:
    with transaction.atomic():
        if BatchItem.objects.filter(batch_id=batch_pk, status=ItemStatus.PENDING).exists():
            # Another worker still holds a chunk; it will finish the batch.
            return BatchStatus.PROCESSING
        Batch.objects.filter(
            pk=batch_pk, status=BatchStatus.PROCESSING, run_kind=RunKind.RUN
        ).update(
            status=BatchStatus.COMPLETED, finished_at=timezone.now(), updated_at=timezone.now()
        )
    return Batch.objects.filter(pk=batch_pk).values_list("status", flat=True).first()


def _process_chunk(batch: Batch, items: list[BatchItem], market, config, as_of: date):
    """Market data → engine → one transaction writing analyses, item outcomes and progress."""
    from analyses.engine import ItemInput, analyze
    from analyses.engine.identifiers import parse_identifier
    from analyses.market.errors import KeepaAuthError

    # The canonical identifier determines the lookup (an ISBN-10 row is stored as its ISBN-13).
    identifiers = [parse_identifier(item.isbn_or_asin) for item in items]
    try:
        fetched = market.fetch(identifiers)
    except KeepaAuthError as exc:
        raise _BatchFailure(f"Keepa refused the request: {exc}. Check KEEPA_API_KEY.") from exc

    now = timezone.now()
    analyses: list[dict] = []
    outcomes: dict[tuple[str, str], list] = defaultdict(list)
    for item, identifier in zip(items, identifiers, strict=True):
        key = identifier.lookup_value
        error = fetched.errors.get(key)
        record = fetched.records.get(key)
        if error is not None or record is None:
            message = error.message if error else "no answer from the market data source"
            outcomes[(ItemStatus.ERROR, f"market data unavailable: {message}")].append(item.pk)
            continue
        if record.snapshot is None:
            outcomes[(ItemStatus.NOT_FOUND, record.reason or "not found on Amazon")].append(item.pk)
            continue
        item_input = ItemInput(
            cost=item.buy_price, condition=item.condition, quantity=item.quantity
        )
        result = analyze(record.snapshot, item_input, config, as_of)
        analyses.append(
            analysis_row(
                result,
                batch=batch,
                item_id=item.pk,
                isbn_or_asin=item.isbn_or_asin,
                item_input=item_input,
                snapshot=record.snapshot,
                raw=record.snapshot.to_dict(),
                source=record.source,
                fetched_at=record.fetched_at,
                now=now,
            )
        )
        outcomes[(ItemStatus.DONE, "")].append(item.pk)

    with transaction.atomic():
        if not Batch.objects.filter(pk=batch.pk).exists():
            return 0, fetched.tokens_consumed
        _upsert_analyses(analyses)
        failed = [
            pk for (status, _), pks in outcomes.items() if status != ItemStatus.DONE for pk in pks
        ]
        if failed:  # a re-run must not leave an old verdict beside a new failure
            Analysis.objects.filter(item_id__in=failed).delete()
        # One UPDATE for the chunk. Only items still PENDING count: if another worker finished
        # this chunk too (an expired lease), progress is not counted twice.
        whens = [(Q(pk__in=pks), status, message) for (status, message), pks in outcomes.items()]
        finished = BatchItem.objects.filter(
            pk__in=[i.pk for i in items], status=ItemStatus.PENDING
        ).update(
            status=Case(*[When(q, then=Value(status)) for q, status, _ in whens]),
            error_message=Case(*[When(q, then=Value(message)) for q, _, message in whens]),
            claimed_until=None,
            updated_at=now,
        )
        Batch.objects.filter(pk=batch.pk).update(
            items_processed=F("items_processed") + finished,
            tokens_spent=F("tokens_spent") + fetched.tokens_consumed,
            # A chunk served from the cache did not ask Keepa: keep the last known balance.
            tokens_left=F("tokens_left") if fetched.tokens_left is None else fetched.tokens_left,
            updated_at=now,
        )
    return len(items), fetched.tokens_consumed


def result_columns(result) -> dict:
    """The Analysis columns an engine Result fills: what a run writes and a re-score rewrites."""
    return {
        "condition": result.condition,
        "expected_sale_price": result.expected_sale_price,
        "fees": result.fees,
        "profit": result.profit,
        "roi_percent": result.roi_percent,
        "max_buy_price": result.max_buy_price,
        "velocity_score": result.velocity_score,
        "est_monthly_sales": result.est_monthly_sales,
        "rank_snapshot": result.rank_snapshot,
        "offers_count": result.offers_count,
        "risk_level": result.risk_level,
        "recommendation": result.recommendation,
        "reasons": result.reason_dicts(),
        "balanced_score": result.balanced_score,
        "target_price_data": result.explanation(),
    }


# What a re-score rewrites; identity, market data and cost stay as they are.
RESCORE_FIELDS = [
    "condition", "expected_sale_price", "fees", "profit", "roi_percent", "max_buy_price",
    "velocity_score", "est_monthly_sales", "rank_snapshot", "offers_count", "risk_level",
    "recommendation", "reasons", "balanced_score", "target_price_data", "updated_at",
]  # fmt: skip
# What a run's upsert rewrites on a book already analysed (a re-run): also its market data.
ANALYSIS_RESULT_FIELDS = [
    "asin", "title", "quantity", "buy_price", "raw_keepa", "market_source", "market_fetched_at",
    "item", *RESCORE_FIELDS,
]  # fmt: skip


def analysis_row(
    result, *, batch, item_id, isbn_or_asin, item_input, snapshot, raw, source, fetched_at, now
) -> dict:
    """An Analysis row (field attname → value) holding an engine Result, for `bulk_upsert`."""
    return {
        "user_id": batch.user_id,
        "batch_id": batch.pk,
        "item_id": item_id,
        "isbn_or_asin": isbn_or_asin,
        "asin": snapshot.asin[:10],
        "title": (snapshot.title or "")[:500],
        "quantity": item_input.quantity,
        "buy_price": item_input.cost,
        **result_columns(result),
        "raw_keepa": raw,
        "market_source": source,
        "market_fetched_at": fetched_at,
        "created_at": now,
        "updated_at": now,
    }


def _upsert_analyses(rows: list[dict]) -> None:
    bulk_upsert(
        Analysis,
        rows,
        unique_fields=["batch", "isbn_or_asin"],
        update_fields=ANALYSIS_RESULT_FIELDS,
    )


def batch_fail(*, batch_id, message: str) -> None:
    """PROCESSING → FAILED with a message a person can act on."""
    Batch.objects.filter(pk=batch_id, status=BatchStatus.PROCESSING).update(
        status=BatchStatus.FAILED,
        error_message=message,
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )
    BatchItem.objects.filter(batch_id=batch_id, status=ItemStatus.PENDING).update(
        claimed_until=None
    )


def batch_cancel(*, batch: Batch) -> Batch:
    """PENDING or PROCESSING → CANCELLED; a running worker stops after its current chunk."""
    updated = Batch.objects.filter(
        pk=batch.pk, status__in=[BatchStatus.PENDING, BatchStatus.PROCESSING]
    ).update(status=BatchStatus.CANCELLED, finished_at=timezone.now(), updated_at=timezone.now())
    batch.refresh_from_db()
    if not updated:
        raise BatchTransitionError(batch, BatchStatus.CANCELLED, "cancel")
    return batch


@transaction.atomic
def batch_rerun(*, batch: Batch, enqueue: bool = True) -> Batch:
    """Starts another run. PENDING: queue it. PROCESSING: resume (a crashed worker's items).
    FAILED or CANCELLED: finish what is left and retry errors. COMPLETED: refresh every book."""
    batch = Batch.objects.select_for_update().get(pk=batch.pk)
    if batch.status == BatchStatus.PROCESSING and batch.run_kind == RunKind.RESCORE:
        raise BatchTransitionError(batch, BatchStatus.PROCESSING, "re-run while it is re-scored")
    if batch.status in (BatchStatus.FAILED, BatchStatus.CANCELLED, BatchStatus.COMPLETED):
        items = batch.items.analysable()
        if batch.status == BatchStatus.COMPLETED:
            # A fresh run: today's configuration and date, every book again.
            batch.strategy_snapshot = {}
        else:
            # Finishing the run: the remaining books under the rules the others were judged by.
            items = items.filter(status__in=[ItemStatus.PENDING, ItemStatus.ERROR])
        items.update(status=ItemStatus.PENDING, error_message="", claimed_until=None)
        batch.status = BatchStatus.PENDING
        batch.error_message = ""
        batch.finished_at = None
        batch.save(
            update_fields=[
                "status",
                "error_message",
                "finished_at",
                "strategy_snapshot",
                "updated_at",
            ]
        )
    elif batch.status == BatchStatus.PROCESSING:
        # Resume: whoever held these items is gone (or will skip them: claims are re-checked).
        batch.items.filter(status=ItemStatus.PENDING).update(claimed_until=None)
    if enqueue:
        transaction.on_commit(lambda: batch_enqueue(batch=batch))
    return batch


def batch_set_status(*, batch: Batch, status: str) -> Batch:
    """The status transitions of DOMAIN.md §12, for the API's PATCH …/status."""
    if status == batch.status or not batch.can_transition_to(status):
        raise BatchTransitionError(batch, status)
    if status == BatchStatus.CANCELLED:
        return batch_cancel(batch=batch)
    if status == BatchStatus.PROCESSING:
        # Enter PROCESSING now (config frozen, started_at set); a worker picks the chunks up.
        started = _start_run(batch.pk, market_source=settings.MARKET_DATA_SOURCE)
        if started is not None:
            transaction.on_commit(lambda: batch_enqueue(batch=started))
        batch.refresh_from_db()
        return batch
    if status == BatchStatus.FAILED:
        batch_fail(batch_id=batch.pk, message="Marked as failed through the API.")
        batch.refresh_from_db()
        return batch
    # PROCESSING → COMPLETED by hand (e.g. an integration that analyses elsewhere).
    updated = Batch.objects.filter(pk=batch.pk, status=batch.status).update(
        status=status, finished_at=timezone.now(), updated_at=timezone.now()
    )
    batch.refresh_from_db()
    if not updated:
        raise BatchTransitionError(batch, status)
    return batch


# --------------------------------------------------------------------------------------------
# Re-score


def batch_rescore_start(*, batch: Batch, config: BusinessConfig | None, enqueue: bool = True):
    """Validates and starts a re-score of a COMPLETED batch with `config` (None: the user's
    default, else the built-in defaults): a new run that reads stored market data only. The
    work happens in `batch_rescore`. A cancelled or failed batch is re-run first, so that no
    re-score passes books that were never analysed as finished."""
    if batch.status != BatchStatus.COMPLETED:
        raise BatchTransitionError(batch, BatchStatus.PROCESSING, "re-score")
    _, effective = config_resolve(user=batch.user, config=config)
    updated = Batch.objects.filter(pk=batch.pk, status=BatchStatus.COMPLETED).update(
        status=BatchStatus.PROCESSING,
        run_kind=RunKind.RESCORE,
        config=config,
        strategy_snapshot=effective,
        started_at=timezone.now(),
        finished_at=None,
        error_message="",
        updated_at=timezone.now(),
    )
    batch.refresh_from_db()
    if not updated:
        raise BatchTransitionError(batch, BatchStatus.PROCESSING, "re-score")
    if enqueue:
        from batches.tasks import rescore_batch_task

        transaction.on_commit(lambda: rescore_batch_task.enqueue(str(batch.pk)))
    return batch


def batch_rescore(*, batch_id, chunk_size: int = 2000) -> int:
    """Recomputes every analysis of a batch from its stored market snapshot with the batch's
    (new) frozen configuration: no Keepa call, no token. Returns the number re-scored."""

    batch = Batch.objects.get(pk=batch_id)
    try:
        done = _rescore(batch, chunk_size)
    except Exception as exc:
        logger.exception("batch %s: re-score failed", batch.pk)
        batch_fail(
            batch_id=batch.pk,
            message=f"The re-score failed ({exc.__class__.__name__}); re-score again to retry.",
        )
        raise
    Batch.objects.filter(
        pk=batch.pk, status=BatchStatus.PROCESSING, run_kind=RunKind.RESCORE
    ).update(status=BatchStatus.COMPLETED, finished_at=timezone.now(), updated_at=timezone.now())
    return done


def _rescore(batch: Batch, chunk_size: int) -> int:
    from analyses.engine import ItemInput, analyze
    from analyses.engine.snapshot import MarketSnapshot
    from analyses.market.client import chunked

    config = _engine_config(batch.strategy_snapshot)
    # The date of the original run: the same storage season, so only the rules change.
    as_of = batch.analysis_date or timezone.localdate(batch.started_at)
    now = timezone.now()
    rows = (
        Analysis.objects.filter(batch_id=batch.pk)
        .exclude(market_source=MarketSource.EXTERNAL)
        .values_list("pk", "buy_price", "condition", "quantity", "raw_keepa")
        .iterator(chunk_size=chunk_size)  # one streamed query (a server-side cursor)
    )
    done = 0
    for chunk in chunked(rows, chunk_size):
        updates = []
        for pk, cost, condition, quantity, raw in chunk:
            item = ItemInput(cost=cost, condition=condition, quantity=quantity)
            result = analyze(MarketSnapshot.from_dict(raw), item, config, as_of)
            updates.append({"id": pk, **result_columns(result), "updated_at": now})
        with transaction.atomic():
            bulk_update(Analysis, updates, fields=RESCORE_FIELDS)
        done += len(updates)
    return done


def batch_delete(*, batch: Batch) -> None:
    """Deletes a batch with its items and analyses (a running worker notices and stops)."""
    batch.delete()
