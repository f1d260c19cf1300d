import time

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count

from accounts.services import ConfigInvalid
from batches.management.commands._shared import get_batch, get_config
from batches.services import BatchTransitionError, batch_rescore, batch_rescore_start


class Command(BaseCommand):
    help = (
        "Re-score a finished batch from its stored market data with another configuration "
        "(default: the batch's own, else the user's default). No Keepa call, no token."
    )

    def add_arguments(self, parser):
        parser.add_argument("batch_id")
        parser.add_argument("--config", help="Name of one of the batch owner's configurations.")

    def handle(self, *args, batch_id, config=None, **options):
        batch = get_batch(batch_id)
        chosen = get_config(batch.user, config) if config else batch.config
        try:
            batch_rescore_start(batch=batch, config=chosen, enqueue=False)
        except (BatchTransitionError, ConfigInvalid) as exc:
            raise CommandError(str(exc)) from exc
        started = time.monotonic()
        count = batch_rescore(batch_id=batch.pk)
        elapsed = time.monotonic() - started
        batch.refresh_from_db()
        counts = dict(
            batch.analyses.order_by().values_list("recommendation").annotate(n=Count("id"))
        )
        self.stdout.write(
            f"Re-scored {count:,} analyses in {elapsed:.2f} s with "
            f"'{chosen.name if chosen else 'the default settings'}' — "
            + ", ".join(f"{k} {counts.get(k, 0)}" for k in ("BUY", "REVIEW", "SKIP"))
        )
