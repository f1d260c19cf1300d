import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from batches.management.commands._shared import get_config, run_with_progress
from batches.services import batch_create
from batches.sheets import SheetError, parse_sheet


class Command(BaseCommand):
    help = (
        "Import a CSV or XLSX sheet of books (identifier, cost[, qty, condition]) as a new "
        "batch for a user. Rejected rows are kept with their line numbers and errors."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The CSV or XLSX file.")
        parser.add_argument("--user", required=True, help="E-mail of the batch's owner.")
        parser.add_argument("--name", help="Batch name (default: the file name).")
        parser.add_argument("--config", help="Name of one of the user's configurations.")
        parser.add_argument(
            "--condition",
            choices=["used", "new"],
            default="used",
            help="Condition of rows that do not give one (default: used).",
        )
        parser.add_argument(
            "--run",
            action="store_true",
            help="Analyse the batch in this process before returning (default: queue it).",
        )
        parser.add_argument(
            "--json", action="store_true", help="Print one JSON summary as the last line."
        )

    def handle(self, *args, **options):
        as_json = options["json"]
        path = Path(options["path"])
        try:
            user = User.objects.get_by_natural_key(options["user"])
        except User.DoesNotExist as exc:
            raise CommandError(f"No user with e-mail {options['user']}.") from exc
        config = get_config(user, options["config"])
        try:
            if not path.is_file():
                raise SheetError(f"{path} is not a file")
            if path.stat().st_size > settings.SHEET_MAX_BYTES:
                raise SheetError(
                    f"the file is {path.stat().st_size / 1_048_576:.1f} MB; the limit is "
                    f"{settings.SHEET_MAX_BYTES / 1_048_576:.0f} MB"
                )
            sheet = parse_sheet(
                path.read_bytes(),
                path.name,
                default_condition=options["condition"],
                max_rows=settings.SHEET_MAX_ROWS,
                max_bytes=settings.SHEET_MAX_BYTES,
            )
        except SheetError as exc:
            if as_json:
                self.stdout.write(
                    json.dumps(
                        {
                            "batch_id": None,
                            "status": "REJECTED",
                            "rows_total": 0,
                            "items_valid": 0,
                            "rows_invalid": 0,
                            "errors": [{"line": None, "field": "file", "message": str(exc)}],
                        }
                    )
                )
            raise CommandError(f"{path.name}: {exc}") from exc

        batch = batch_create(
            user=user,
            name=options["name"] or path.stem,
            sheet=sheet,
            config=config,
            condition=options["condition"],
            source_filename=path.name,
            enqueue=not options["run"],
        )
        if not as_json:
            self.stdout.write(
                f"Batch {batch.pk} '{batch.name}': {batch.rows_total} rows, "
                f"{batch.items_total} books to analyse, {batch.rows_invalid} rejected."
            )
            for row in sheet.invalid_rows[:20]:
                self.stdout.write(f"  {row.error}")
            if len(sheet.invalid_rows) > 20:
                self.stdout.write(f"  … and {len(sheet.invalid_rows) - 20} more rejected rows")
        if options["run"]:
            batch = run_with_progress(batch, self.stderr, label="Analysing")
            if not as_json:
                self.stdout.write(f"Status: {batch.status}. Tokens spent: {batch.tokens_spent}.")
                if batch.error_message:
                    self.stdout.write(batch.error_message)
        elif not as_json:
            self.stdout.write("Queued: a worker (manage.py db_worker) will analyse it.")
        if as_json:
            self.stdout.write(
                json.dumps(
                    {
                        "batch_id": str(batch.pk),
                        "status": batch.status,
                        "rows_total": batch.rows_total,
                        "items_valid": batch.items_total,
                        "rows_invalid": batch.rows_invalid,
                        "errors": [
                            {"line": r.line, "field": r.error_field, "message": r.error}
                            for r in sheet.invalid_rows
                        ],
                    }
                )
            )
