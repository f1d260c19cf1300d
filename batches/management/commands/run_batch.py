from django.core.management.base import BaseCommand

from batches.management.commands._shared import get_batch, run_with_progress
from batches.models import BatchStatus
from batches.services import batch_rerun


class Command(BaseCommand):
    help = (
        "Analyse a batch in this process. Resumes a run a killed worker left behind (only "
        "unfinished items are processed, no duplicates); on a finished batch, starts a new run."
    )

    def add_arguments(self, parser):
        parser.add_argument("batch_id")

    def handle(self, *args, batch_id, **options):
        batch = get_batch(batch_id)
        if batch.status != BatchStatus.PENDING:
            batch = batch_rerun(batch=batch, enqueue=False)
        batch = run_with_progress(batch, self.stderr, label="Analysing")
        self.stdout.write(
            f"Batch {batch.pk}: {batch.status}; {batch.items_processed}/{batch.items_total} "
            "books processed; "
            f"{batch.tokens_spent} tokens spent in all."
        )
        if batch.error_message:
            self.stderr.write(batch.error_message)
