"""Chart data, computed in the database where it can be (one query per chart)."""

from django.db.models import Case, CharField, Count, Q, Value, When

# ROI bins (percent): the edges a reseller thinks in.
ROI_BINS = [
    ("< 0%", Q(roi_percent__lt=0)),
    ("0–30%", Q(roi_percent__lt=30)),
    ("30–50%", Q(roi_percent__lt=50)),
    ("50–100%", Q(roi_percent__lt=100)),
    ("100–200%", Q(roi_percent__lt=200)),
    ("200–500%", Q(roi_percent__lt=500)),
    ("≥ 500%", Q(roi_percent__gte=500)),
]
DECISIONS = ("BUY", "REVIEW", "SKIP")
SCATTER_LIMIT = 1500


def batch_charts(batch) -> dict:
    """ROI distribution by decision, and profit against velocity for (a sample of) the books."""
    binned = (
        batch.analyses.filter(roi_percent__isnull=False)
        .annotate(
            bin=Case(
                *[When(condition, then=Value(label)) for label, condition in ROI_BINS],
                output_field=CharField(),
            )
        )
        .values("bin", "recommendation")
        .annotate(n=Count("id"))
        .order_by()
    )
    labels = [label for label, _ in ROI_BINS]
    counts = {d: [0] * len(labels) for d in DECISIONS}
    for row in binned:
        counts[row["recommendation"]][labels.index(row["bin"])] = row["n"]
    with_price = batch.analyses.filter(profit__isnull=False, velocity_score__isnull=False)
    points = list(
        # Ordered by the random UUID primary key: an even sample of a big batch, not its top
        # (a top-N would draw only the fast sellers and mislead).
        with_price.order_by("id").values_list(
            "id", "velocity_score", "profit", "recommendation", "title"
        )[:SCATTER_LIMIT]
    )
    return {
        "roi_histogram": {"labels": labels, "counts": counts},
        "scatter": {
            "points": [
                {"id": str(pk), "x": float(v), "y": float(p), "decision": rec, "title": title[:80]}
                for pk, v, p, rec, title in points
            ],
            "shown": len(points),
            "total": with_price.count() if len(points) == SCATTER_LIMIT else len(points),
        },
    }
