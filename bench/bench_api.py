"""API latency with 1,000,000 analyses in PostgreSQL: gunicorn on this machine, wrk on loopback.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/av_bench \\
        .venv/bin/python bench/bench_api.py seed --total 1000000 --per-batch 100000
    ... bench/bench_api.py run [--connections 50] [--duration 20] [--workers 4]

`seed` clones the analyses of the largest completed batch (run bench_pipeline.py first) with
INSERT … SELECT … generate_series until the bench user owns --total analyses, in batches of
--per-batch rows, then ANALYZEs. `run` starts gunicorn (production settings, DEBUG off), creates an
API token and runs wrk against page 1 and a deep page of one batch's analyses, printing wrk's
figures and one JSON line per URL. Needs `wrk` (Debian package) on the PATH.
"""

import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "bench-only-" + "k" * 50,
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "SECURE_SSL_REDIRECT": "false",
    "SECURE_HSTS_SECONDS": "0",
    "LOG_LEVEL": "WARNING",
    "API_THROTTLE_RATE": "100000000/minute",
}


def setup_django() -> None:
    os.environ.update({k: v for k, v in BENCH_ENV.items() if k not in os.environ})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "arbitragevault.settings")
    import django

    django.setup()


def cmd_seed(args) -> None:
    setup_django()
    from django.db import connection
    from django.db.models import Count

    from batches.models import Batch

    source = (
        Batch.objects.filter(status="COMPLETED")
        .annotate(n=Count("analyses"))
        .filter(n__gt=0)
        .order_by("-n")
        .first()
    )
    if source is None:
        raise SystemExit("no completed batch to clone: run bench_pipeline.py run first")
    user = source.user
    have = user.analyses.count()
    columns = [
        f.column
        for f in source.analyses.model._meta.concrete_fields
        if f.column not in ("id", "batch_id", "isbn_or_asin", "item_id")
    ]
    cols = ", ".join(columns)
    made = 0
    while have < args.total:
        size = min(args.per_batch, args.total - have)
        clone = Batch.objects.create(
            user=user,
            name=f"bench clone {Batch.objects.count()}",
            status="COMPLETED",
            market_source=source.market_source,
            items_total=0,
        )
        source_count = source.analyses.count()
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                INSERT INTO analyses_analysis (id, batch_id, isbn_or_asin, item_id, {cols})
                SELECT gen_random_uuid(), %s, lpad(src.n::text, 13, '0'), NULL,
                       {", ".join("src." + c for c in columns)}
                FROM (
                    SELECT a.*, row_number() OVER () AS n
                    FROM analyses_analysis a CROSS JOIN generate_series(1, %s) AS copies
                    WHERE a.batch_id = %s
                    LIMIT %s
                ) AS src
                """,
                [clone.pk, -(-size // source_count), source.pk, size],
            )
        have += size
        made += size
        print(json.dumps({"seeded_batch": str(clone.pk), "rows": size, "user_total": have}))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE analyses_analysis")
    print(json.dumps({"seeded": made, "user_total": have}))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def parse_wrk(text: str) -> dict:
    def latency(label):
        match = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
        if not match:
            return None
        value, unit = float(match.group(1)), match.group(2)
        return round(value / 1000 if unit == "us" else value * 1000 if unit == "s" else value, 2)

    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    return {
        "requests_per_second": float(rps.group(1)) if rps else None,
        "p50_ms": latency("50"),
        "p90_ms": latency("90"),
        "p99_ms": latency("99"),
        "non_2xx": int(errors.group(1)) if errors else 0,
    }


def cmd_run(args) -> None:
    setup_django()
    from django.db.models import Count

    from accounts.models import ApiToken
    from batches.models import Batch

    batch = Batch.objects.annotate(n=Count("analyses")).order_by("-n").first()
    if batch is None or batch.n == 0:
        raise SystemExit("no analyses: run `seed` first")
    total = batch.user.analyses.count()
    _, key = ApiToken.generate(user=batch.user, name="bench")
    port = free_port()
    env = {**os.environ, **BENCH_ENV}
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "arbitragevault.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.2)
        pages = -(-batch.n // 20)
        urls = {
            "page 1": f"/api/v1/analyses?batch={batch.pk}&page=1",
            "deep page": f"/api/v1/analyses?batch={batch.pk}&page={max(1, pages * 9 // 10)}",
            "page 1, balanced view, BUY only": (
                f"/api/v1/analyses?batch={batch.pk}&recommendation=BUY&view=balanced&page=1"
            ),
        }
        for label, path in urls.items():
            url = f"http://127.0.0.1:{port}{path}"
            subprocess.run(
                ["curl", "-sf", "-o", "/dev/null", "-H", f"Authorization: Token {key}", url],
                check=True,
            )  # warm up and fail early on an error
            out = subprocess.run(
                [
                    "wrk",
                    "-t2",
                    f"-c{args.connections}",
                    f"-d{args.duration}s",
                    "--latency",
                    "-H",
                    f"Authorization: Token {key}",
                    url,
                ],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            if args.verbose:
                print(out)
            print(
                json.dumps(
                    {
                        "url": label,
                        "path": path,
                        "batch_analyses": batch.n,
                        "analyses_in_database": total,
                        "connections": args.connections,
                        "gunicorn_workers": args.workers,
                        **parse_wrk(out),
                    }
                )
            )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    seed = sub.add_parser("seed")
    seed.add_argument("--total", type=int, default=1_000_000)
    seed.add_argument("--per-batch", type=int, default=100_000)
    run = sub.add_parser("run")
    run.add_argument("--connections", type=int, default=50)
    run.add_argument("--duration", type=int, default=20)
    run.add_argument("--workers", type=int, default=4)
    run.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    {"seed": cmd_seed, "run": cmd_run}[args.command](args)


if __name__ == "__main__":
    main()
