"""Deterministic, realistic Keepa book products for the fake server.

Any identifier gives the same product every time: the random stream is seeded from a hash of
(domain, ASIN), and every time in it is anchored to `now` (a Keepa minute the caller pins).
The csv histories are generated first; `stats` is then derived from them (fake/stats.py), so
stats and csv agree the way they do on the real API.

Spread (roughly, per identifier): 4 % not returned at all, 1.5 % productType != 0, used price
$3-$120 long-tailed around $8, new above used, Amazon on the listing ~12 %, sales ranks
log-spread 1k-8M with drops following the rank, 100-2500 g, paperback / hardcover / mass-market /
textbook sizes, and a few products with no used offer, no history (new listings: no averages),
no weight or no dimensions.
"""

from __future__ import annotations

import hashlib
import math
import random
from typing import Any

from stdnum import isbn as stdnum_isbn

from analyses.market.fake.stats import DAY, compute_stats
from analyses.market.wire import (
    AMAZON,
    BUY_BOX_SHIPPING,
    COUNT_NEW,
    COUNT_USED,
    CSV_LENGTH,
    LISTPRICE,
    NEW,
    NEW_FBA,
    SALES,
    USED,
)

BOOKS_ROOT = 283155
SUBCATEGORIES = [
    (1000, "Subjects"),
    (3839, "Programming"),
    (4736, "History"),
    (17, "Literature & Fiction"),
    (75, "Science & Math"),
    (3, "Business & Money"),
    (4, "Children's Books"),
    (173507, "Medical Books"),
    (10777, "Law"),
    (22, "Religion & Spirituality"),
]
_ADJ = [
    "Quiet",
    "Broken",
    "Hidden",
    "Practical",
    "Modern",
    "Complete",
    "Essential",
    "Lost",
    "Silent",
    "Golden",
    "Advanced",
    "Secret",
    "Little",
    "Last",
    "Applied",
    "Wild",
    "Forgotten",
    "Illustrated",
    "Concise",
    "Bright",
]
_NOUN = [
    "Garden",
    "River",
    "Algorithms",
    "Kingdom",
    "Economics",
    "Anatomy",
    "Ocean",
    "Letters",
    "Empire",
    "Chemistry",
    "Mountain",
    "Calculus",
    "Journey",
    "Physics",
    "Harvest",
    "Statistics",
    "Winter",
    "Philosophy",
    "Lighthouse",
    "Law",
]
_FORM = ("A Novel", "An Introduction", "A History", "Fourth Edition", "Workbook", "", "", "")
_FIRST = [
    "Anna",
    "James",
    "Maria",
    "Robert",
    "Linda",
    "David",
    "Susan",
    "Thomas",
    "Karen",
    "Daniel",
    "Ruth",
    "Paul",
]
_LAST = [
    "Hale",
    "Moreno",
    "Fischer",
    "Okafor",
    "Lindqvist",
    "Tanaka",
    "Brennan",
    "Costa",
    "Novak",
    "Abbott",
    "Reyes",
]
_PUBLISHERS = ("Pearson", "Penguin", "Vintage", "Wiley", "Norton", "Oxford University Press")

# (binding, share, length mm, width mm, height range mm, density g/cm3, price factor)
BINDINGS = (
    ("Paperback", 0.42, (203, 229), (133, 152), (12, 35), 0.55, 1.0),
    ("Mass Market Paperback", 0.10, (171, 176), (104, 108), (18, 35), 0.60, 0.7),
    ("Hardcover", 0.30, (235, 245), (155, 165), (22, 48), 0.62, 1.3),
    ("Paperback", 0.18, (270, 285), (210, 220), (15, 50), 0.75, 3.2),  # textbook sizes
)
_BINDING_CUMULATIVE = []
_acc = 0.0
for _entry in BINDINGS:
    _acc += _entry[1]
    _BINDING_CUMULATIVE.append(_acc)

NOT_FOUND_SHARE = 0.04
MAX_SALES_POINTS = 150
OTHER_TYPE_SHARE = 0.015


def seed_for(domain: int, asin: str) -> int:
    digest = hashlib.blake2b(f"{domain}:{asin}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def resolve(identifier: str, kind: str) -> tuple[str, list[str], list[str]]:
    """(asin, eanList, upcList) of the product an `asin` or `code` lookup finds."""
    value = identifier.strip().upper()
    if kind == "asin":
        if len(value) == 10 and value[:9].isdigit():  # an ISBN-10: its EAN is the ISBN-13
            try:
                return value, [stdnum_isbn.to_isbn13(value)], []
            except Exception:
                return value, [], []
        return value, [], []
    if len(value) == 13 and value.startswith("978"):
        try:
            return stdnum_isbn.to_isbn10(value), [value], []
        except Exception:
            pass
    digest = hashlib.blake2b(f"code:{value}".encode(), digest_size=8).digest()
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    number = int.from_bytes(digest, "big")
    tail = "".join(alphabet[(number >> (5 * i)) % 36] for i in range(8))
    asin = "B0" + tail
    if len(value) == 12:
        return asin, [], [value]
    return asin, [value], []


def product_state(domain: int, asin: str) -> str:
    """ "found", "missing" (not returned) or "other" (productType != 0) for this ASIN."""
    u = (seed_for(domain, asin) >> 11) / float(1 << 53)
    if u < NOT_FOUND_SHARE:
        return "missing"
    if u < NOT_FOUND_SHARE + OTHER_TYPE_SHARE:
        return "other"
    return "found"


def generate_product(
    identifier: str,
    *,
    kind: str = "asin",
    domain: int = 1,
    now: int,
    days: int = 365,
    history: bool = True,
    stats_days: int | None = 180,
    offers: bool = False,
    buybox: bool = False,
) -> dict[str, Any] | None:
    """The product object Keepa would return, or None when no product is returned.

    `now` is the Keepa minute the product's timeline ends at; `days` <= 0 means no trimming.
    """
    asin, eans, upcs = resolve(identifier, kind)
    state = product_state(domain, asin)
    if state == "missing":
        return None
    rng = random.Random(seed_for(domain, asin))
    rng.random()  # the first draw decided the state
    if state == "other":
        product_type = rng.choice((2, 2, 4, 5, 1, 3))
        return {
            "productType": product_type,
            "asin": asin,
            "domainId": domain,
            "title": None if product_type in (3, 4) else _title(rng),
            "eanList": eans or None,
            "upcList": upcs or None,
            "lastUpdate": now - rng.randint(5, 600),
            "csv": None,
            "stats": None,
        }
    return _book(rng, asin, eans, upcs, domain, now, days, history, stats_days, offers, buybox)


def _book(
    rng: random.Random,
    asin: str,
    eans: list[str],
    upcs: list[str],
    domain: int,
    now: int,
    days: int,
    history: bool,
    stats_days: int | None,
    offers: bool,
    buybox: bool,
) -> dict[str, Any]:
    r = rng.random
    # --- catalogue -------------------------------------------------------------------------
    pick = r()
    b = next(i for i, c in enumerate(_BINDING_CUMULATIVE) if pick <= c or i == len(BINDINGS) - 1)
    binding, _, length_r, width_r, height_r, density, price_factor = BINDINGS[b]
    length = rng.randint(*length_r)
    width = rng.randint(*width_r)
    height = rng.randint(*height_r)
    grams = int(length * width * height / 1000 * density * rng.uniform(0.85, 1.15))
    grams = max(100, min(2500, grams))
    pkg = [length + rng.randint(0, 12), width + rng.randint(0, 8), height + rng.randint(0, 6)]
    pkg_weight = grams + rng.randint(10, 60)
    item_weight = grams
    quirk = r()
    if quirk < 0.03:  # no package weight: item weight only
        pkg_weight = -1
    elif quirk < 0.045:  # no weight at all
        pkg_weight, item_weight = 0, -1
    elif quirk < 0.085:  # one package dimension unknown
        pkg[rng.randrange(3)] = 0
    year = rng.randint(1975, 2025)
    pub_kind = r()
    if pub_kind < 0.8:
        publication = year * 10000 + rng.randint(1, 12) * 100 + rng.randint(1, 28)
    elif pub_kind < 0.93:
        publication = year * 100 + rng.randint(1, 12)
    else:
        publication = year
    sub_id, sub_name = SUBCATEGORIES[rng.randrange(len(SUBCATEGORIES))]

    # --- market fundamentals ---------------------------------------------------------------
    rank = int(10 ** rng.triangular(3.0, 6.9, 6.0))
    monthly = _monthly_sales(rank) * rng.uniform(0.6, 1.4)
    used_cents = int(min(12000, max(300, rng.lognormvariate(math.log(800), 0.75) * price_factor)))
    new_cents = int(min(25000, used_cents * rng.uniform(1.15, 2.3) + rng.randint(150, 600)))
    amazon_on = r() < 0.12
    amazon_cents = int(new_cents * rng.uniform(1.0, 1.2)) if amazon_on else -1
    if amazon_on:
        new_cents = min(new_cents, amazon_cents)
    popularity = 1 + 60 / (1 + rank / 60000)
    used_offers = max(1, int(rng.lognormvariate(math.log(3 + popularity), 0.6)))
    new_offers = max(1, int(rng.lognormvariate(math.log(2 + popularity / 2), 0.6)))
    no_used = r() < 0.07  # nobody sells it used right now
    if no_used:
        used_offers = 0

    # --- time line -------------------------------------------------------------------------
    window = 365 * DAY
    start = now - window
    if r() < 0.04:  # a new listing: a few days of history, so Keepa has no averages yet
        tracking_since = now - rng.randint(1, 6) * DAY
    else:
        tracking_since = start - rng.randint(30, 4000) * DAY
    first = max(tracking_since, start)
    last_update = now - rng.randint(5, 720)
    span = max(last_update - first, 2)

    series: dict[int, list[tuple[int, int]]] = {}
    # Rank points are capped (150 sales a year, drops90 up to ~37): enough for any decision,
    # and it keeps a product a few KB so the fake stays fast.
    sales_year = min(MAX_SALES_POINTS, _poisson(rng, 12 * monthly * span / window))
    series[SALES] = _rank_path(rng, tracking_since, first, last_update, rank, sales_year)
    changes = min(60, 6 + sales_year // 4)
    series[USED] = _price_path(
        rng,
        tracking_since,
        first,
        last_update,
        used_cents,
        changes,
        0.14,
        oos=0.05 if used_offers < 4 else 0.0,
        end_value=-1 if no_used else used_cents,
    )
    if no_used and r() < 0.4:
        del series[USED]  # never had a used offer in Keepa's memory
    series[NEW] = _price_path(
        rng,
        tracking_since,
        first,
        last_update,
        new_cents,
        max(4, changes // 2),
        0.08,
        oos=0.02,
        end_value=new_cents,
    )
    if amazon_on:
        series[AMAZON] = _price_path(
            rng, tracking_since, first, last_update, amazon_cents, 4, 0.04, 0.0, amazon_cents
        )
    elif r() < 0.35:  # Amazon sold it once, not any more
        gone = rng.randint(first, last_update)
        series[AMAZON] = [(tracking_since, int(new_cents * 1.1)), (gone, -1)]
    if r() < 0.7:
        list_cents = int(new_cents * rng.uniform(1.2, 1.8)) // 100 * 100 + 99
        series[LISTPRICE] = [(tracking_since, list_cents)]
    series[COUNT_USED] = _count_path(
        rng, tracking_since, first, last_update, used_offers, 3 + changes // 3
    )
    series[COUNT_NEW] = _count_path(
        rng, tracking_since, first, last_update, new_offers, 2 + changes // 4
    )
    if offers:
        fba = int(new_cents * rng.uniform(1.0, 1.3))
        series[NEW_FBA] = _price_path(
            rng, tracking_since, first, last_update, fba, 4, 0.06, 0.1, fba
        )
    triplets: list[int] | None = None
    if offers or buybox:
        triplets = []
        bb_points = _price_path(
            rng, tracking_since, first, last_update, new_cents, 6, 0.06, 0.05, new_cents
        )
        for t, v in bb_points:
            ship = 0 if v < 0 or r() < 0.6 else 399
            triplets += (t, v, ship)
        series[BUY_BOX_SHIPPING] = [
            (
                triplets[i],
                triplets[i + 1] + max(triplets[i + 2], 0)
                if triplets[i + 1] >= 0
                else triplets[i + 1],
            )
            for i in range(0, len(triplets), 3)
        ]

    # --- wire objects ----------------------------------------------------------------------
    stats = compute_stats(series, now=last_update, interval_days=stats_days) if stats_days else None
    cutoff = now - days * DAY if days and days > 0 else None
    csv: list[Any] | None = None
    sales_ranks: dict[str, list[int]] | None = None
    if history:
        csv = [None] * CSV_LENGTH
        for index, points in series.items():
            if index == BUY_BOX_SHIPPING and triplets is not None:
                csv[index] = _trim_flat(triplets, 3, cutoff)
            else:
                csv[index] = _flatten(points, cutoff)
        # Like the real answer, salesRanks[reference] is a shorter, more recent copy of csv[3].
        ranks = _flatten(series[SALES], last_update - 30 * DAY)
        sub_rank = max(1, rank // rng.randint(20, 400))
        sales_ranks = {
            str(BOOKS_ROOT): ranks,
            str(sub_id): [tracking_since, sub_rank * 2, last_update - DAY, sub_rank],
        }
    return {
        "productType": 0,
        "asin": asin,
        "domainId": domain,
        "title": _title(rng),
        "trackingSince": tracking_since,
        "listedSince": tracking_since - rng.randint(0, 500) * DAY,
        "lastUpdate": last_update,
        "lastPriceChange": max(p[-1][0] for p in series.values()),
        "lastRatingUpdate": last_update,
        "images": [{"l": f"{asin}L.jpg", "lH": 1500, "lW": 1000, "m": f"{asin}M.jpg"}],
        "rootCategory": BOOKS_ROOT,
        "categories": [sub_id],
        "categoryTree": [
            {"catId": BOOKS_ROOT, "name": "Books"},
            {"catId": sub_id, "name": sub_name},
        ],
        "parentAsin": None,
        "eanList": eans or None,
        "upcList": upcs or None,
        "manufacturer": _PUBLISHERS[rng.randrange(len(_PUBLISHERS))],
        "brand": None,
        "productGroup": "Book",
        "binding": binding,
        "type": "ABIS_BOOK",
        "numberOfItems": 1,
        "numberOfPages": int(height * rng.uniform(9, 14)),
        "publicationDate": publication,
        "releaseDate": -1,
        "contributors": [[f"{rng.choice(_FIRST)} {rng.choice(_LAST)}", "author"]],
        "languages": [["English", "Published"]],
        "packageLength": pkg[0],
        "packageWidth": pkg[1],
        "packageHeight": pkg[2],
        "packageWeight": pkg_weight,
        "packageQuantity": 1,
        "itemLength": length,
        "itemWidth": width,
        "itemHeight": height,
        "itemWeight": item_weight,
        "availabilityAmazon": 0 if amazon_on else -1,
        "isAdultProduct": False,
        "isEligibleForTradeIn": r() < 0.2,
        "newPriceIsMAP": False,
        "hasReviews": True,
        "fbaFees": (
            {"lastUpdate": last_update - DAY, "pickAndPackFee": _pick_pack(pkg_weight, grams)}
            if r() < 0.65 and pkg_weight > 0
            else None
        ),
        "referralFeePercentage": 15.0,
        "referralFeePercent": 15,
        "variableClosingFee": 180,
        "salesRankReference": BOOKS_ROOT,
        "salesRankReferenceHistory": [tracking_since, BOOKS_ROOT] if history else None,
        "salesRanks": sales_ranks,
        "offers": None,
        "liveOffersOrder": None,
        "offersSuccessful": False,
        "csv": csv,
        **({"stats": stats} if stats is not None else {}),
    }


# --- series ----------------------------------------------------------------------------------


def _monthly_sales(rank: int) -> float:
    # A smooth version of DOMAIN.md §6's rank table: ~30 a month at 50k, ~1 at 2M.
    if rank <= 50_000:
        return min(400.0, 30 * (50_000 / rank) ** 0.5)
    return 30 * (50_000 / rank) ** 0.85


def _poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    if mean > 30:
        return max(0, int(rng.gauss(mean, math.sqrt(mean)) + 0.5))
    limit, k, p = math.exp(-mean), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def _rank_path(
    rng: random.Random, since: int, first: int, end: int, rank: int, sales: int
) -> list[tuple[int, int]]:
    """Rank climbs (worsens) between sales and drops at each sale; ends near `rank`.

    Times are strictly increasing, so every sale is one counted rank drop.
    """
    r = rng.random
    level = int(rank * (1.3 + r()))
    points = [(since, level)]
    if end - first < 2:
        return points
    fortnight = 14 * DAY
    previous = max(first, since)
    for t in _times(r, first, end, sales):
        gap = t - previous
        if gap <= 3:
            continue  # two sales within minutes: Keepa sees one drop
        if gap > fortnight:  # slow seller: the rank keeps sliding between sales
            steps = min(4, gap // fortnight)
            half = gap // 2
            for step in range(1, steps + 1):
                level = int(level * (1.05 + 0.1 * r()))
                points.append((previous + step * half // (steps + 1), level))
        peak = int(rank * (1.1 + r()))
        points.append((t - 1 - gap // 3, peak if peak > level else level))
        level = int(rank * (0.35 + 0.5 * r())) or 1
        points.append((t, level))
        previous = t
    if end > previous + 3 * DAY:
        points.append((end - (end - previous) // 4, min(int(rank * 1.15), 9_999_999)))
    return points


def _price_path(
    rng: random.Random,
    since: int,
    first: int,
    end: int,
    base: int,
    changes: int,
    vol: float,
    oos: float,
    end_value: int,
) -> list[tuple[int, int]]:
    """A step path of `changes` price moves around `base`, ending at `end_value`."""
    gauss = rng.gauss
    r = rng.random
    anchor = base if base > 0 else 1000
    points = [(since, int(anchor * math.exp(gauss(0, vol * 2))))]
    if end - first < 2:
        points[0] = (since, end_value)
        return points
    times = _times(r, first, end, changes)
    for t in times:
        value = -1 if oos and r() < oos else max(100, int(anchor * math.exp(gauss(0, vol))))
        if t > points[-1][0]:
            points.append((t, value))
    if points[-1][1] != end_value:
        t = min(end, points[-1][0] + max(1, (end - points[-1][0]) // 2))
        if t > points[-1][0]:
            points.append((t, end_value))
        else:
            points[-1] = (points[-1][0], end_value)
    return points


def _count_path(
    rng: random.Random, since: int, first: int, end: int, current: int, changes: int
) -> list[tuple[int, int]]:
    points = [(since, max(0, current + rng.randint(-2, 4)))]
    if end - first >= 2:
        for t in _times(rng.random, first, end, changes):
            if t > points[-1][0]:
                points.append((t, max(0, current + int(rng.random() * 7) - 3)))
    if points[-1][1] != current:
        t = points[-1][0] + 1 if points[-1][0] < end else points[-1][0]
        if t > points[-1][0]:
            points.append((t, current))
        else:
            points[-1] = (t, current)
    return points


def _times(r: Any, first: int, end: int, count: int) -> list[int]:
    """`count` sorted random minutes in (first, end]."""
    span = end - first
    return sorted([first + 1 + int(r() * span) for _ in range(count)])


def _flatten(points: list[tuple[int, int]], cutoff: int | None) -> list[int]:
    """Flat [t, v, ...], trimmed to the window (the last point before it is kept, as Keepa does)."""
    if cutoff is not None and len(points) > 1 and points[1][0] <= cutoff:
        keep_from = 0
        for i, (t, _) in enumerate(points):
            if t <= cutoff:
                keep_from = i
            else:
                break
        points = points[keep_from:]
    return [x for point in points for x in point]


def _trim_flat(flat: list[int], step: int, cutoff: int | None) -> list[int]:
    if cutoff is None:
        return flat
    keep_from = 0
    for i in range(0, len(flat), step):
        if flat[i] <= cutoff:
            keep_from = i
        else:
            break
    return flat[keep_from:]


def _title(rng: random.Random) -> str:
    title = f"The {rng.choice(_ADJ)} {rng.choice(_NOUN)}"
    form = rng.choice(_FORM)
    return f"{title}: {form}" if form else title


def _pick_pack(pkg_weight: int, grams: int) -> int:
    weight = pkg_weight if pkg_weight > 0 else grams
    return 306 + (weight // 113) * 15  # a plausible schedule in cents; not the real card
