"""End-to-end batch benchmarks on PostgreSQL with the fake Keepa over loopback HTTP.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/av_bench \\
        .venv/bin/python bench/bench_pipeline.py run --rows 10000      # import_batch --run
    ... bench/bench_pipeline.py import --rows 100000                   # import alone
    ... bench/bench_pipeline.py rescore --rows 100000                  # re-score a stored batch

`run` starts `python -m analyses.market.fake.server` on a free port (unless --keepa-url is
given), points KEEPA_API_URL at it and runs `manage.py import_batch PATH --run` twice: once with
an empty market cache (every book asked from the fake over HTTP), once more (every book from the
shared MarketProduct cache, no token). Each run uses a fresh sheet seed so the cold run is cold.
Figures are printed as one JSON line per measurement.
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_fake(port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "analyses.market.fake.server",
            "--port",
            str(port),
            "--refill-rate",
            "1000000",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the fake Keepa did not start")


def setup_django(keepa_url: str | None) -> None:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        print(
            "warning: DATABASE_URL is not PostgreSQL; the targets are for PostgreSQL",
            file=sys.stderr,
        )
    if keepa_url:
        os.environ.update(
            MARKET_DATA_SOURCE="keepa", KEEPA_API_KEY="fake-keepa-key", KEEPA_API_URL=keepa_url
        )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "arbitragevault.settings")
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 40)
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def bench_user():
    from accounts.models import User

    user, _ = User.objects.get_or_create(email="bench@example.com")
    return user


def make_sheet(rows: int, seed: int) -> Path:
    from bench.make_sheet import main as write_sheet

    path = Path(tempfile.mkdtemp()) / f"sheet-{rows}-{seed}.csv"
    write_sheet(["--rows", str(rows), "--seed", str(seed), "--out", str(path)])
    return path


def report(name: str, **figures) -> None:
    print(json.dumps({"measure": name, **figures}))


def cmd_run(args) -> None:
    fake = None
    url = args.keepa_url
    if not url:
        port = free_port()
        fake = start_fake(port)
        url = f"http://127.0.0.1:{port}"
    try:
        setup_django(url)
        from io import StringIO

        from django.core.management import call_command

        from batches.models import Batch

        user = bench_user()
        seed = int(time.time())
        path = make_sheet(args.rows, seed)
        for label in ("cold cache (every book from the fake Keepa over HTTP)", "warm cache"):
            out = StringIO()
            started = time.perf_counter()
            call_command(
                "import_batch", str(path), "--user", user.email, "--run", "--json", stdout=out
            )
            elapsed = time.perf_counter() - started
            summary = json.loads(out.getvalue().strip().splitlines()[-1])
            batch = Batch.objects.get(pk=summary["batch_id"])
            report(
                "import_batch --run",
                rows=args.rows,
                cache=label,
                seconds=round(elapsed, 2),
                items_per_second=round(batch.items_total / elapsed),
                status=batch.status,
                items=batch.items_total,
                tokens=batch.tokens_spent,
            )
    finally:
        if fake is not None:
            fake.terminate()


def cmd_import(args) -> None:
    setup_django(None)
    from batches.services import batch_create
    from batches.sheets import parse_sheet

    path = make_sheet(args.rows, 7)
    data = path.read_bytes()
    user = bench_user()
    for attempt in range(args.repeat):
        started = time.perf_counter()
        sheet = parse_sheet(data, max_rows=args.rows)
        parsed = time.perf_counter()
        batch = batch_create(user=user, name=f"import {attempt}", sheet=sheet, enqueue=False)
        done = time.perf_counter()
        report(
            "import alone (parse + create)",
            rows=args.rows,
            bytes=len(data),
            parse_seconds=round(parsed - started, 2),
            create_seconds=round(done - parsed, 2),
            seconds=round(done - started, 2),
            items=batch.items_total,
        )


def cmd_rescore(args) -> None:
    """Re-scores the largest COMPLETED batch with at least --rows analyses (make one with
    `run --rows N` first), once with the same configuration and once with a stricter one."""
    setup_django(None)
    from django.db.models import Count

    from accounts.models import BusinessConfig
    from batches.models import Batch
    from batches.services import batch_rescore, batch_rescore_start

    batch = (
        Batch.objects.filter(status="COMPLETED")
        .annotate(n=Count("analyses"))
        .filter(n__gte=args.rows)
        .order_by("-n")
        .first()
    )
    if batch is None:
        raise SystemExit(
            f"no completed batch with {args.rows} analyses: run `run --rows {args.rows}`"
        )
    strict, _ = BusinessConfig.objects.get_or_create(
        user=batch.user,
        name="bench strict",
        defaults={"config_data": {"thresholds": {"min_roi_pct": 80}}},
    )
    for config in (None, strict):
        batch_rescore_start(batch=batch, config=config, enqueue=False)
        started = time.perf_counter()
        count = batch_rescore(batch_id=batch.pk)
        elapsed = time.perf_counter() - started
        batch.refresh_from_db()
        report(
            "re-score",
            analyses=count,
            config=config.name if config else "default",
            seconds=round(elapsed, 2),
            analyses_per_second=round(count / elapsed),
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run")
    run.add_argument("--rows", type=int, default=10_000)
    run.add_argument("--keepa-url", help="Use an already running fake Keepa.")
    imp = sub.add_parser("import")
    imp.add_argument("--rows", type=int, default=100_000)
    imp.add_argument("--repeat", type=int, default=3)
    rescore = sub.add_parser("rescore")
    rescore.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    {"run": cmd_run, "import": cmd_import, "rescore": cmd_rescore}[args.command](args)


if __name__ == "__main__":
    main()
