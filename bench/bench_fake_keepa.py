"""Throughput of the fake Keepa and of the market layer on top of it; cache hit rate of a sheet.

Run from the repository root:

    .venv/bin/python bench/bench_fake_keepa.py                 # everything, 5,000 products
    .venv/bin/python bench/bench_fake_keepa.py --n 2000 --workers 2 --skip-service

Parts (each prints products/s):
1. generate: generate_product() alone (cold: every identifier new);
2. http: the real KeepaClient + parser against `python -m analyses.market.fake.server` in a
   separate process (100 per call, gzip), cold then warm (the fake's LRU already holds them);
3. in-process: the same through the requests adapter of demo mode (no socket);
4. service: MarketService (demo source) on a throw-away SQLite database — a sheet of
   --sheet lookups with --repeat-share repeated books, in chunks of 100 as the pipeline sends
   them, then the same sheet again: calls, tokens, cache hits.
"""

import argparse
import gc
import os
import platform
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analyses.market.client import KeepaClient  # noqa: E402
from analyses.market.fake import DEFAULT_KEY, FakeKeepa, generate_product, mount_fake  # noqa: E402
from analyses.market.parser import parse_products  # noqa: E402

NOW = 8_400_000  # a Keepa minute (2026-12): pins the generated time lines


def isbn10(n: int) -> str:
    body = f"{n:09d}"
    check = (11 - sum((10 - i) * int(d) for i, d in enumerate(body)) % 11) % 11
    return body + ("X" if check == 10 else str(check))


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:,.0f}/s"


def bench_generate(n: int) -> None:
    ids = [isbn10(i) for i in range(n)]
    start = time.perf_counter()
    products = [generate_product(i, now=NOW) for i in ids]
    elapsed = time.perf_counter() - start
    returned = [p for p in products if p]
    import json

    size = sum(len(json.dumps(p, separators=(",", ":"))) for p in returned) / len(returned)
    print(f"generate        {rate(n, elapsed):>12}   avg product {size / 1024:.1f} KB JSON")


def fetch_all(client: KeepaClient, ids: list[str]) -> tuple[int, float]:
    parsed = 0
    start = time.perf_counter()
    for i in range(0, len(ids), 100):
        response = client.product(asins=ids[i : i + 100])
        parsed += len(parse_products(response.body))
    return parsed, time.perf_counter() - start


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bench_http(n: int, workers: int) -> None:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "analyses.market.fake.server",
            "--port",
            str(port),
            "--refill-rate",
            "10000000",
            "--workers",
            str(workers),
        ],
        cwd=ROOT,
        stderr=subprocess.DEVNULL,
    )
    try:
        client = KeepaClient(DEFAULT_KEY, base_url=f"http://127.0.0.1:{port}")
        for _ in range(100):
            try:
                client.token_status()
                break
            except Exception:  # not listening yet
                time.sleep(0.05)
        ids = [isbn10(i) for i in range(n)]
        for label in ("cold", "warm"):
            parsed, elapsed = fetch_all(client, ids)
            print(
                f"http {label:<10} {rate(n, elapsed):>12}   ({parsed} products parsed, "
                f"{workers} server worker(s))"
            )
    finally:
        process.terminate()
        process.wait(timeout=10)


def bench_in_process(n: int) -> None:
    app = FakeKeepa(refill_rate=10_000_000)
    client = KeepaClient(DEFAULT_KEY, base_url="http://keepa.bench")
    mount_fake(client.session, app, "http://keepa.bench")
    ids = [isbn10(i) for i in range(n)]
    for label in ("cold", "warm"):
        gc.collect()
        parsed, elapsed = fetch_all(client, ids)
        print(f"in-process {label:<4} {rate(n, elapsed):>12}   ({parsed} products parsed)")


def bench_service(sheet: int, repeat_share: float) -> None:
    db = Path(tempfile.mkdtemp()) / "bench-market.sqlite3"
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "arbitragevault.settings")
    os.environ["MARKET_DATA_SOURCE"] = "demo"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from analyses.engine.identifiers import parse_identifier
    from analyses.market.service import market_service

    rng = random.Random(7)
    distinct = int(sheet * (1 - repeat_share))
    books = [isbn10(1_000_000 + i) for i in range(distinct)]
    rows = books + [rng.choice(books) for _ in range(sheet - distinct)]
    rng.shuffle(rows)
    identifiers = [parse_identifier(r) for r in rows]
    service = market_service()
    for run in ("first run", "second run"):
        calls = tokens = hits = lookups = 0
        start = time.perf_counter()
        for i in range(0, len(identifiers), 100):
            chunk = identifiers[i : i + 100]
            result = service.fetch(chunk)
            calls += result.calls
            tokens += result.tokens_consumed
            hits += result.cache_hits
            lookups += len({x.lookup_value for x in chunk})
        elapsed = time.perf_counter() - start
        print(
            f"service {run:<10} {rate(len(rows), elapsed):>9}   rows {len(rows)}, distinct "
            f"{distinct}, lookups {lookups}, calls {calls}, tokens {tokens}, cache hits {hits} "
            f"({hits / lookups:.0%} of lookups)"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--sheet", type=int, default=1000)
    parser.add_argument("--repeat-share", type=float, default=0.3)
    parser.add_argument("--skip-service", action="store_true")
    args = parser.parse_args()
    print(f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs")
    bench_generate(args.n)
    bench_http(args.n, args.workers)
    bench_in_process(args.n)
    if not args.skip_service:
        bench_service(args.sheet, args.repeat_share)


if __name__ == "__main__":
    main()
