"""Keepa's `stats` object computed from csv series, the way Keepa derives it (KEEPA.md §5, §9).

Input series are decoded points `[(keepa_minute, value), ...]` oldest first (landed prices for
triplet series), value -1 = no offer / no data. Time-weighted means skip the -1 stretches and,
like the official Java client's weighted mean, need at least 7 days of history (else -1) and
shrink the window to the history when the history is shorter.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import Any

from analyses.market.wire import CSV_LENGTH, PRICE_INDEXES, SALES

DAY = 1440  # minutes
MIN_HISTORY = 7 * DAY
AVG_WINDOWS = (("avg30", 30), ("avg90", 90), ("avg180", 180), ("avg365", 365))
DROP_WINDOWS = (30, 90, 180, 365)


def weighted_means(points: list[tuple[int, int]], now: int, days: list[int]) -> list[int]:
    """Time-weighted means of `points` over the last `days[k]` days before `now` (-1 = none)."""
    return window_stats(points, now, days)[0]


def window_stats(
    points: list[tuple[int, int]], now: int, days: list[int]
) -> tuple[list[int], list[int]]:
    """(means, out-of-stock percentages) over the last `days[k]` days before `now`.

    Means skip the -1 stretches and are -1 with less than 7 days of history; the out-of-stock
    share is the part of the window (clamped to the history) spent at -1. One backward pass
    serves every window: they all end at `now`, so they are nested.
    """
    n = len(points)
    k = len(days)
    if n == 0:
        return [-1] * k, [-1] * k
    first = points[0][0]
    order = sorted(range(k), key=lambda j: days[j])  # shortest window (latest start) first
    starts = [max(now - days[j] * DAY, first) for j in order]
    means = [-1] * k
    oos = [-1] * k
    total = weight = gone = 0
    w = 0
    seg_end = now
    for i in range(n - 1, -1, -1):
        t, v = points[i]
        if t >= seg_end:
            continue
        while w < k and t < starts[w]:
            s = starts[w]
            span = seg_end - s if seg_end > s else 0
            if v >= 0:
                tot, wt, out = total + v * span, weight + span, gone
            else:
                tot, wt, out = total, weight, gone + span
            j = order[w]
            means[j] = tot // wt if wt else -1
            oos[j] = out * 100 // (now - s) if now > s else -1
            w += 1
        if w == k:
            break
        if v >= 0:
            total += v * (seg_end - t)
            weight += seg_end - t
        else:
            gone += seg_end - t
        seg_end = t
    while w < k:
        j = order[w]
        means[j] = total // weight if weight else -1
        oos[j] = gone * 100 // (now - starts[w]) if now > starts[w] else -1
        w += 1
    if n < 2 or points[-1][0] - first < MIN_HISTORY:
        means = [-1] * k
    return means, oos


def value_at(points: list[tuple[int, int]], moment: int) -> int:
    """The step value in force at `moment` (-1 before the first point)."""
    value = -1
    for t, v in points:
        if t > moment:
            break
        value = v
    return value


def out_of_stock_percent(points: list[tuple[int, int]], now: int, days: int) -> int:
    """Share (0-100) of the last `days` days with value -1; -1 when there is no history."""
    return window_stats(points, now, [days])[1][0]


def all_extremes(
    points: list[tuple[int, int]], start: int, end: int
) -> tuple[list[int] | None, list[int] | None, list[int] | None, list[int] | None]:
    """All-time (min, max) and (min, max) during [start, end), in one pass."""
    lo = hi = lo_in = hi_in = None
    n = len(points)
    for i in range(n):
        t, v = points[i]
        if t >= end:
            break
        if v < 0:
            continue
        if lo is None or v < lo[1]:
            lo = [t, v]
        if hi is None or v > hi[1]:
            hi = [t, v]
        if t < start:
            if i + 1 < n and points[i + 1][0] <= start:
                continue
            t = start
        if lo_in is None or v < lo_in[1]:
            lo_in = [t, v]
        if hi_in is None or v > hi_in[1]:
            hi_in = [t, v]
    return lo, hi, lo_in, hi_in


def rank_drop_times(points: list[tuple[int, int]]) -> list[int]:
    """Times at which the rank improved (went lower than the last known rank)."""
    times: list[int] = []
    previous = -1
    for t, v in points:
        if v > 0:
            if 0 < v < previous:
                times.append(t)
            previous = v
    return times


def rank_drops(points: list[tuple[int, int]], now: int, days: int) -> int:
    """Rank drops in the last `days` days (-1 when there is no rank history)."""
    if len(points) < 2:
        return -1
    times = rank_drop_times(points)
    return len(times) - bisect_right(times, now - days * DAY)


def compute_stats(
    series: dict[int, list[tuple[int, int]]],
    *,
    now: int,
    interval_days: int,
    length: int = CSV_LENGTH,
) -> dict[str, Any]:
    """The stats object for the series present (index -> points); absent indexes get -1/null."""
    current = [-1] * length
    avg = [-1] * length
    windows = {name: [-1] * length for name, _ in AVG_WINDOWS}
    at_start = [-1] * length
    minimum: list[Any] = [None] * length
    maximum: list[Any] = [None] * length
    min_in: list[Any] = [None] * length
    max_in: list[Any] = [None] * length
    oos30 = [-1] * length
    oos90 = [-1] * length
    oos_in = [-1] * length
    interval_start = now - interval_days * DAY
    day_list = [interval_days, 30, 90, 180, 365]
    for index, points in series.items():
        if not points or index >= length:
            continue
        current[index] = points[-1][1]
        means, oos = window_stats(points, now, day_list)
        avg[index] = means[0]
        for (name, _), mean in zip(AVG_WINDOWS, means[1:], strict=True):
            windows[name][index] = mean
        at_start[index] = value_at(points, interval_start)
        minimum[index], maximum[index], min_in[index], max_in[index] = all_extremes(
            points, interval_start, now + 1
        )
        if index in PRICE_INDEXES:
            oos_in[index], oos30[index], oos90[index] = oos[0], oos[1], oos[2]
    ranks = series.get(SALES) or []
    drop_times = rank_drop_times(ranks)
    drops = {
        d: len(drop_times) - bisect_right(drop_times, now - d * DAY) if len(ranks) >= 2 else -1
        for d in DROP_WINDOWS
    }
    counts = [c for c in (current[11], current[12], current[13], current[14]) if c > 0]
    return {
        "current": current,
        "avg": avg,
        **windows,
        "atIntervalStart": at_start,
        "min": minimum,
        "max": maximum,
        "minInInterval": min_in,
        "maxInInterval": max_in,
        "outOfStockPercentageInInterval": oos_in,
        "outOfStockPercentage30": oos30,
        "outOfStockPercentage90": oos90,
        "totalOfferCount": sum(counts) if counts else 0,
        "lastOffersUpdate": -1,
        "salesRankDrops30": drops[30],
        "salesRankDrops90": drops[90],
        "salesRankDrops180": drops[180],
        "salesRankDrops365": drops[365],
        # Offers-gated fields: present with -2 / null when offers were not requested (§5).
        "buyBoxPrice": -2,
        "buyBoxShipping": -2,
        "buyBoxIsFBA": None,
        "buyBoxIsAmazon": None,
        "buyBoxSellerId": None,
        "lastBuyBoxUpdate": None,
        "offerCountFBA": -2,
        "offerCountFBM": -2,
        "retrievedOfferCount": -2,
        "stockAmazon": -2,
        "stockBuyBox": -2,
    }
