from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from accounts.models import BusinessConfig
from batches.models import Batch


def get_batch(batch_id: str) -> Batch:
    try:
        return Batch.objects.select_related("user").get(pk=batch_id)
    except Batch.DoesNotExist as exc:
        raise CommandError(f"No batch with id {batch_id}.") from exc
    except ValidationError as exc:
        raise CommandError(f"'{batch_id}' is not a batch id.") from exc


def get_config(user, name: str | None) -> BusinessConfig | None:
    if not name:
        return None
    try:
        return BusinessConfig.objects.for_user(user).get(name=name)
    except BusinessConfig.DoesNotExist as exc:
        names = ", ".join(BusinessConfig.objects.for_user(user).values_list("name", flat=True))
        raise CommandError(
            f"{user.email} has no configuration named '{name}'"
            + (f" (they have: {names})." if names else " (they have none).")
        ) from exc


def run_with_progress(batch: Batch, stderr, *, label: str) -> Batch:
    """Runs the batch in this process with a progress bar on a terminal."""
    from batches.management.progress import ProgressBar
    from batches.services import batch_run

    bar = ProgressBar(batch.items_total, label=label, stream=stderr._out)
    batch_run(batch_id=batch.pk, on_progress=lambda b: bar.update(b.items_processed))
    bar.finish()
    batch.refresh_from_db()
    return batch
