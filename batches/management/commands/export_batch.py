import sys

from django.core.management.base import BaseCommand, CommandError

from analyses.exports import (
    ANALYSIS_COLUMNS,
    REJECTED_COLUMNS,
    ExportError,
    analyses_csv,
    analyses_for_export,
    analysis_rows,
    iter_csv,
    rejected_rows,
    write_xlsx,
)
from batches.management.commands._shared import get_batch


class Command(BaseCommand):
    help = (
        "Export a batch's analyses (or, with --rejected, its rejected rows) as CSV or XLSX. "
        "CSV goes to standard output unless --output is given. Filters use the API's names, "
        "e.g. --filter recommendation=BUY --filter roi_min=50."
    )

    def add_arguments(self, parser):
        parser.add_argument("batch_id")
        parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
        parser.add_argument("--output", help="File to write (required for xlsx on a terminal).")
        parser.add_argument("--rejected", action="store_true", help="Export the rejected rows.")
        parser.add_argument(
            "--filter",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="An analyses filter, as in the API (repeatable).",
        )

    def handle(self, *args, batch_id, **options):
        batch = get_batch(batch_id)
        if options["rejected"]:
            header, rows = REJECTED_COLUMNS, rejected_rows(batch)
            chunks = iter_csv(header, rows)
        else:
            analyses = self._analyses(batch, options["filter"])
            header, rows = ANALYSIS_COLUMNS, analysis_rows(analyses)
            chunks = analyses_csv(analyses)
        output = options["output"]
        if options["format"] == "xlsx":
            if not output and sys.stdout.isatty():
                raise CommandError("XLSX is binary: give --output PATH or redirect the output.")
            target = open(output, "wb") if output else sys.stdout.buffer  # noqa: SIM115
            try:
                write_xlsx(header, rows, target, title=batch.name)
            finally:
                if output:
                    target.close()
            return
        target = open(output, "wb") if output else sys.stdout.buffer  # noqa: SIM115
        try:
            for chunk in chunks:
                target.write(chunk)
            target.flush()
        finally:
            if output:
                target.close()

    def _analyses(self, batch, filters):
        from django.http import QueryDict

        params = QueryDict(mutable=True)
        for item in filters:
            name, sep, value = item.partition("=")
            if not sep:
                raise CommandError(f"--filter {item}: write it as NAME=VALUE.")
            params.appendlist(name.strip(), value.strip())
        try:
            return analyses_for_export(batch, params)
        except ExportError as exc:
            raise CommandError(f"Invalid filter {exc}") from exc
