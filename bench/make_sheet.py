"""Writes a realistic book sheet: valid ISBNs (some as ISBN-10, some hyphenated), and with
--messy the things real sheets contain (bad checksums, blank lines, duplicates, odd prices).

    python bench/make_sheet.py --rows 10000 --out /tmp/sheet-10k.csv [--messy] [--seed 7]
    python bench/make_sheet.py --rows 300 --messy --repeat 0.04 \
        --out sample_data/demo-library-sale.csv
"""

import argparse
import csv
import random
import sys

from stdnum import ean, isbn

TITLES = [
    "Organic Chemistry",
    "The Art of Fiction",
    "Calculus: Early Transcendentals",
    "A History of Rome",
    "Field Guide to Birds",
    "Intro to Psychology",
    "Cookbook",
    "Poems",
    "Microeconomics",
    "Nursing Fundamentals",
    "World Atlas",
    "Mystery Novel",
]


def random_isbn13(rng: random.Random, prefix: str = "978") -> str:
    body = prefix + "".join(rng.choice("0123456789") for _ in range(9))
    return body + ean.calc_check_digit(body)


def rows(count: int, *, messy: bool, repeat: float, seed: int):
    rng = random.Random(seed)
    seen: list[tuple[str, str, str]] = []
    for _ in range(count):
        if seen and rng.random() < repeat:
            code, cost, condition = rng.choice(seen)  # the same book and cost again: merges
            yield [code, rng.choice(TITLES), cost, 1, condition]
            continue
        code = random_isbn13(rng)
        style = rng.random()
        if style < 0.25:
            code = isbn.to_isbn10(code)
        elif style < 0.35:
            code = isbn.format(code)  # hyphenated
        cost = f"{rng.choice([0.25, 0.5, 1, 1, 2, 2, 3, 4, 5, 8, 12, 20]):.2f}"
        if messy and rng.random() < 0.1:
            cost = rng.choice([f"${cost}", cost.rstrip("0").rstrip("."), f" {cost} "])
        qty = rng.choice([1, 1, 1, 1, 2, 3])
        condition = rng.choice(["", "", "", "used", "Used - Good", "new"])
        row = [code, rng.choice(TITLES), cost, qty, condition]
        if messy and rng.random() < 0.06:
            broken = rng.randrange(6)
            if broken == 0:
                row[0] = code[:-1] + str((int(code[-1]) + 1) % 10 if code[-1].isdigit() else 0)
            elif broken == 1:
                row[2] = rng.choice(["n/a", "-2", "free?", ""])
            elif broken == 2:
                row[0] = rng.choice(["see notes", "9.78013E+12", "12345"])
            elif broken == 3:
                row[3] = rng.choice(["0", "two", "1.5"])
            elif broken == 4 and seen:
                row[0] = seen[0][0]
                row[2] = f"{float(seen[0][1]) + 1:.2f}"  # same book, another cost: rejected
            else:
                row[4] = "like new-ish"
        else:
            seen.append((code, cost, condition))
        yield row
        if messy and rng.random() < 0.02:
            yield ["", "", "", "", ""]  # blank line


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--out", default="-")
    parser.add_argument("--messy", action="store_true")
    parser.add_argument("--repeat", type=float, default=0.0, help="Share of repeated books.")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    out = sys.stdout if args.out == "-" else open(args.out, "w", newline="")  # noqa: SIM115
    writer = csv.writer(out)
    writer.writerow(["ISBN", "Title", "Cost", "Qty", "Condition"])
    for row in rows(args.rows, messy=args.messy, repeat=args.repeat, seed=args.seed):
        writer.writerow(row)
    if out is not sys.stdout:
        out.close()


if __name__ == "__main__":
    main()
