"""Background work through Django's Tasks API (django-tasks; the database backend by default)."""

from django_tasks import task

from batches import services


@task()
def run_batch_task(batch_id: str) -> dict:
    """Analyses a batch's unfinished items; several of these may share one batch."""
    outcome = services.batch_run(batch_id=batch_id)
    return {
        "status": outcome.status,
        "chunks": outcome.chunks,
        "items": outcome.items,
        "tokens": outcome.tokens,
    }


@task()
def rescore_batch_task(batch_id: str) -> dict:
    """Re-scores a batch from its stored market data (no Keepa call)."""
    return {"rescored": services.batch_rescore(batch_id=batch_id)}
