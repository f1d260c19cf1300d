"""Management commands, called directly as an operator would."""

import csv
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from accounts.models import ApiToken, BusinessConfig
from analyses.exports import ANALYSIS_COLUMNS
from batches.models import Batch, BatchStatus, ItemStatus
from tests.batches.conftest import isbns

pytestmark = pytest.mark.django_db


@pytest.fixture
def sheet(tmp_path):
    good = isbns(12)
    lines = (
        ["ISBN,Cost,Qty"]
        + [f"{code},1.00,1" for code in good]
        + ["not-a-book,1,1", f"{good[0]},-2,1"]
    )
    path = tmp_path / "thrift haul.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def last_json(text):
    return json.loads(text.strip().splitlines()[-1])


def test_import_batch_json_summary_and_queue(sheet, user):
    out, _ = run("import_batch", str(sheet), "--user", user.email.upper(), "--json")
    summary = last_json(out)
    assert summary["status"] == "PENDING"
    assert (summary["rows_total"], summary["items_valid"], summary["rows_invalid"]) == (14, 12, 2)
    assert summary["errors"] == [
        {
            "line": 14,
            "field": "identifier",
            "message": "line 14: 'not-a-book' is not an ISBN, EAN or ASIN",
        },
        {"line": 15, "field": "cost", "message": "line 15: cost '-2' must not be negative"},
    ]
    batch = Batch.objects.get(pk=summary["batch_id"])
    assert batch.name == "thrift haul" and batch.source_filename == "thrift haul.csv"
    assert batch.user == user


def test_import_batch_run_analyses_in_process(sheet, user):
    config = BusinessConfig.objects.create(user=user, name="Strict", config_data={})
    out, err = run(
        "import_batch",
        str(sheet),
        "--user",
        user.email,
        "--run",
        "--json",
        "--config",
        "Strict",
        "--condition",
        "new",
        "--name",
        "Saturday",
    )
    summary = last_json(out)
    batch = Batch.objects.get(pk=summary["batch_id"])
    assert summary["status"] == BatchStatus.COMPLETED == batch.status
    assert batch.config == config and batch.name == "Saturday" and batch.condition == "new"
    assert batch.items_processed == 12
    assert not batch.items.filter(status=ItemStatus.PENDING).exists()
    assert err == ""  # no progress bar when stderr is not a terminal


def test_import_batch_human_output(sheet, user):
    out, _ = run("import_batch", str(sheet), "--user", user.email)
    assert "12 books to analyse, 2 rejected" in out
    assert "line 14:" in out and "Queued" in out


def test_import_batch_rejects_a_file_that_is_not_a_sheet(tmp_path, user):
    path = tmp_path / "photo.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00binary")
    out = io.StringIO()
    with pytest.raises(CommandError, match="not a CSV or XLSX sheet"):
        call_command("import_batch", str(path), "--user", user.email, "--json", stdout=out)
    summary = last_json(out.getvalue())
    assert summary["batch_id"] is None and summary["errors"][0]["field"] == "file"
    assert not Batch.objects.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--user", "nobody@example.com"], "No user with e-mail"),
        (["--config", "Missing"], "has no configuration named 'Missing'"),
    ],
)
def test_import_batch_argument_errors(sheet, user, args, message):
    base = ["import_batch", str(sheet), "--user", user.email]
    with pytest.raises(CommandError, match=message):
        call_command(*base, *args)


def test_import_batch_over_the_size_limit_creates_nothing(sheet, user, settings):
    settings.SHEET_MAX_BYTES = 10
    with pytest.raises(CommandError, match="the limit is"):
        call_command("import_batch", str(sheet), "--user", user.email)
    assert not Batch.objects.exists()


def _imported(sheet, user):
    out, _ = run("import_batch", str(sheet), "--user", user.email, "--run", "--json")
    return Batch.objects.get(pk=last_json(out)["batch_id"])


def test_run_batch_resumes_a_stalled_batch(sheet, user):
    out, _ = run("import_batch", str(sheet), "--user", user.email, "--json")
    batch = Batch.objects.get(pk=last_json(out)["batch_id"])
    out, _ = run("run_batch", str(batch.pk))
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMPLETED and "12/12 books processed" in out


def test_run_batch_unknown_id():
    with pytest.raises(CommandError, match="not a batch id"):
        call_command("run_batch", "nope")
    with pytest.raises(CommandError, match="No batch with id"):
        call_command("run_batch", "00000000-0000-0000-0000-000000000000")


def test_rescore_batch_with_another_config(sheet, user):
    batch = _imported(sheet, user)
    BusinessConfig.objects.create(
        user=user, name="Never", config_data={"thresholds": {"min_profit": "99999"}}
    )
    out, _ = run("rescore_batch", str(batch.pk), "--config", "Never")
    assert "Re-scored" in out and "BUY 0" in out
    assert set(batch.analyses.values_list("recommendation", flat=True)) == {"SKIP"}


def test_rescore_batch_refuses_a_pending_batch(sheet, user):
    out, _ = run("import_batch", str(sheet), "--user", user.email, "--json")
    with pytest.raises(CommandError, match="Cannot re-score"):
        call_command("rescore_batch", last_json(out)["batch_id"])


def test_export_batch_csv_to_stdout_and_filters(sheet, user, capsysbinary):
    batch = _imported(sheet, user)
    call_command("export_batch", str(batch.pk))
    text = capsysbinary.readouterr().out.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0].keys()) == ANALYSIS_COLUMNS
    assert len(rows) == batch.analyses.count()
    assert {r["market_source"] for r in rows} == {"demo"}
    call_command("export_batch", str(batch.pk), "--filter", "recommendation=SKIP")
    skip_rows = list(csv.DictReader(io.StringIO(capsysbinary.readouterr().out.decode("utf-8-sig"))))
    assert {r["recommendation"] for r in skip_rows} <= {"SKIP"}
    assert len(skip_rows) == batch.analyses.filter(recommendation="SKIP").count()


def test_export_batch_xlsx_and_rejected_rows(sheet, user, tmp_path):
    batch = _imported(sheet, user)
    target = tmp_path / "out.xlsx"
    call_command("export_batch", str(batch.pk), "--format", "xlsx", "--output", str(target))
    rows = list(load_workbook(target, read_only=True).active.iter_rows(values_only=True))
    assert list(rows[0]) == ANALYSIS_COLUMNS and len(rows) == batch.analyses.count() + 1
    rejected = tmp_path / "rejected.csv"
    call_command("export_batch", str(batch.pk), "--rejected", "--output", str(rejected))
    lines = list(csv.reader(io.StringIO(rejected.read_text("utf-8-sig"))))
    assert lines[0] == ["line", "identifier", "cost", "field", "error"]
    assert [row[0] for row in lines[1:]] == ["14", "15"]


def test_export_batch_rejects_a_bad_filter(sheet, user):
    batch = _imported(sheet, user)
    with pytest.raises(CommandError, match="roi_min"):
        call_command("export_batch", str(batch.pk), "--filter", "roi_min=lots")
    with pytest.raises(CommandError, match="NAME=VALUE"):
        call_command("export_batch", str(batch.pk), "--filter", "recommendation")


def test_create_api_token_prints_a_working_key(user):
    out, err = run("create_api_token", user.email, "--name", "cron")
    key = out.strip()
    token = ApiToken.objects.get(user=user)
    assert token.name == "cron" and token.key_hash == ApiToken.hash_key(key)
    assert "shown once" in err


def test_demo_setup_is_idempotent_and_labelled(settings):
    settings.DEBUG, settings.MARKET_DATA_SOURCE = True, "demo"
    out, _ = run("demo_setup")
    assert "demo@arbitragevault.local" in out and "DEMO market data" in out
    run("demo_setup")
    batch = Batch.objects.get()
    assert batch.status == BatchStatus.COMPLETED and batch.is_demo
    assert batch.rows_invalid > 0 and batch.analyses.exists()
    assert batch.user.check_password("demo-reseller-2026")


def test_demo_setup_refuses_real_data_without_force(settings):
    settings.MARKET_DATA_SOURCE = "keepa"
    with pytest.raises(CommandError, match="--force"):
        call_command("demo_setup")


def test_commands_have_help():
    for name in (
        "import_batch",
        "run_batch",
        "rescore_batch",
        "export_batch",
        "create_api_token",
        "demo_setup",
        "keepa_status",
    ):
        with pytest.raises(SystemExit):
            call_command(name, "--help", stdout=io.StringIO())


def test_export_batch_honours_a_view(sheet, user, capsysbinary):
    batch = _imported(sheet, user)
    call_command("export_batch", str(batch.pk), "--filter", "view=velocity")
    rows = list(csv.DictReader(io.StringIO(capsysbinary.readouterr().out.decode("utf-8-sig"))))
    velocities = [float(r["velocity_score"]) for r in rows if r["velocity_score"]]
    assert velocities == sorted(velocities, reverse=True)
