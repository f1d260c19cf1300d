from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.models import BusinessConfig, User
from batches.management.commands._shared import run_with_progress
from batches.services import batch_create
from batches.sheets import parse_sheet

DEMO_EMAIL = "demo@arbitragevault.local"
DEMO_PASSWORD = "demo-reseller-2026"
DEMO_BATCH = "Demo: library sale (sample sheet)"
SAMPLE_SHEET = Path(settings.BASE_DIR) / "sample_data" / "demo-library-sale.csv"


class Command(BaseCommand):
    help = (
        "Create the demo user (printed), a stricter sample configuration and a finished demo "
        "batch analysed with DEMO market data. For a local machine: refuses with real Keepa "
        "data or with DEBUG off unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true")
        parser.add_argument(
            "--url", default="http://127.0.0.1:8000/", help="Where the app will be served."
        )

    def handle(self, *args, force=False, url="http://127.0.0.1:8000/", **options):
        if not force and (not settings.DEBUG or settings.MARKET_DATA_SOURCE != "demo"):
            raise CommandError(
                "demo_setup is for a local demo (DEBUG on, MARKET_DATA_SOURCE=demo); "
                "use --force to run it anyway."
            )
        user = User.objects.filter(email=DEMO_EMAIL).first()
        if user is None:
            user = User.objects.create_superuser(email=DEMO_EMAIL, password=DEMO_PASSWORD)
            user.full_name = "Demo Reseller"
            user.save(update_fields=["full_name"])
        else:
            user.set_password(DEMO_PASSWORD)  # so the printed password always works
            user.save(update_fields=["password"])
        BusinessConfig.objects.get_or_create(
            user=user,
            name="Strict: 50% ROI, $5 profit",
            defaults={"config_data": {"thresholds": {"min_roi_pct": 50, "min_profit": "5.00"}}},
        )
        batch = user.batches.filter(name=DEMO_BATCH).first()
        if batch is None:
            sheet = parse_sheet(SAMPLE_SHEET.read_bytes(), SAMPLE_SHEET.name)
            batch = batch_create(
                user=user,
                name=DEMO_BATCH,
                description="A sample thrift-store sheet, messy rows included, analysed with "
                "demo market data (not real Amazon prices).",
                sheet=sheet,
                source_filename=SAMPLE_SHEET.name,
                enqueue=False,
            )
            batch = run_with_progress(batch, self.stderr, label="Analysing the demo sheet")
        line = "-" * 64
        self.stdout.write(
            f"{line}\nArbitrageVault demo (DEMO market data, not real Amazon prices)\n"
            f"  Log in at {url} with\n"
            f"    e-mail:   {DEMO_EMAIL}\n    password: {DEMO_PASSWORD}\n"
            f"  Admin console: {url.rstrip('/')}/admin/ (same login)\n"
            f"  Demo batch: {batch.name} — {batch.status}, {batch.items_total} books\n{line}"
        )
