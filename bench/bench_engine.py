"""Throughput of the analysis engine: `analyze` alone, on varied deterministic snapshots.

Run from the repository root:

    .venv/bin/python bench/bench_engine.py            # 100,000 analyses, 3 rounds
    .venv/bin/python bench/bench_engine.py --n 20000 --rounds 1 --explain

Building the snapshots is not timed; parsing the configuration is timed separately (a batch
parses it once). `--explain` also times `Result.explanation()`, which the batch calls per row.
"""

import argparse
import platform
import random
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analyses.engine import ItemInput, analyze, parse_config
from analyses.engine.snapshot import MarketSnapshot, SeriesPrice

GRAMS_PER_POUND = Decimal("453.59237")
MM_PER_INCH = Decimal("25.4")


def cents(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randint(low, high)) / 100


def maybe(rng: random.Random, share: float, value):
    return value if rng.random() < share else None


def build_case(rng: random.Random) -> tuple[MarketSnapshot, ItemInput]:
    """A book as Keepa might describe it: most data present, some of it missing."""
    prices = {}
    for series, share in (("USED", 0.85), ("NEW", 0.7), ("NEW_FBA", 0.4), ("AMAZON", 0.15)):
        if rng.random() < share:
            current = cents(rng, 300, 15_000)
            prices[series] = SeriesPrice(maybe(rng, 0.95, current), maybe(rng, 0.85, current))
    lengths = sorted((rng.randint(100, 400) for _ in range(3)), reverse=True)
    lengths[2] = rng.randint(5, 60)
    snapshot = MarketSnapshot(
        asin=f"B0{rng.randrange(10**8):08d}",
        prices=prices,
        rank_current=maybe(rng, 0.95, rng.randint(1, 8_000_000)),
        rank_avg90=maybe(rng, 0.9, rng.randint(1, 8_000_000)),
        drops30=maybe(rng, 0.6, rng.randint(0, 60)),
        drops90=maybe(rng, 0.6, rng.randint(0, 200)),
        count_new=maybe(rng, 0.9, rng.randint(0, 80)),
        count_used=maybe(rng, 0.9, rng.randint(0, 80)),
        amazon_on_listing="AMAZON" in prices,
        weight_lb=maybe(rng, 0.93, Decimal(rng.randint(50, 3_000)) / GRAMS_PER_POUND),
        dimensions_in=maybe(rng, 0.93, tuple(Decimal(length) / MM_PER_INCH for length in lengths)),
        fba_pick_pack_fee=maybe(rng, 0.5, cents(rng, 250, 900)),
    )
    condition = "new" if rng.random() < 0.2 else "used"
    return snapshot, ItemInput(cents(rng, 0, 3_000), condition)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="analyses per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20260115)
    parser.add_argument("--explain", action="store_true", help="also time explanation()")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    cases = [build_case(rng) for _ in range(args.n)]
    as_of = date(2026, 11, 23)

    started = time.perf_counter()
    for _ in range(1000):
        config = parse_config({"thresholds": {"min_roi_pct": 35}})
    parse_us = (time.perf_counter() - started) * 1000

    print(f"Python {platform.python_version()} on {platform.machine()}, {args.n:,} cases")
    print(f"parse_config: {parse_us:.1f} us per call (once per batch)")
    tally: dict[str, int] = {}
    best = 0.0
    # Streamed, as a batch run consumes them: each result is dropped once counted.
    for round_number in range(1, args.rounds + 1):
        tally.clear()
        started = time.perf_counter()
        for snapshot, item in cases:
            recommendation = analyze(snapshot, item, config, as_of).recommendation
            tally[recommendation] = tally.get(recommendation, 0) + 1
        elapsed = time.perf_counter() - started
        best = max(best, args.n / elapsed)
        print(f"streamed, round {round_number}: {elapsed:.3f} s, {args.n / elapsed:,.0f} /s")
    print(f"best streamed: {best:,.0f} analyses/s ({1e6 / best:.1f} us each); {tally}")
    # Kept: every Result stays alive, so the cyclic GC keeps rescanning a growing heap.
    started = time.perf_counter()
    results = [analyze(snapshot, item, config, as_of) for snapshot, item in cases]
    elapsed = time.perf_counter() - started
    print(f"all {args.n:,} results kept in a list: {args.n / elapsed:,.0f} analyses/s")
    if args.explain:
        started = time.perf_counter()
        for result in results:
            result.explanation()
        elapsed = time.perf_counter() - started
        print(f"explanation(): {args.n / elapsed:,.0f} per second")


if __name__ == "__main__":
    main()
