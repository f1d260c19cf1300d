from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Count, Q, Sum

from arbitragevault.models import TimeStampedModel


class Condition(models.TextChoices):
    USED = "used", "Used"
    NEW = "new", "New"


class BatchStatus(models.TextChoices):
    PENDING = "PENDING", "Pending"
    PROCESSING = "PROCESSING", "Processing"
    COMPLETED = "COMPLETED", "Completed"
    FAILED = "FAILED", "Failed"
    CANCELLED = "CANCELLED", "Cancelled"


TERMINAL_STATUSES = frozenset({BatchStatus.COMPLETED, BatchStatus.FAILED, BatchStatus.CANCELLED})

# DOMAIN.md §12. Terminal states are final; re-run and re-score start a new run (services).
ALLOWED_TRANSITIONS = {
    BatchStatus.PENDING: {BatchStatus.PROCESSING, BatchStatus.CANCELLED},
    BatchStatus.PROCESSING: {BatchStatus.COMPLETED, BatchStatus.FAILED, BatchStatus.CANCELLED},
    BatchStatus.COMPLETED: set(),
    BatchStatus.FAILED: set(),
    BatchStatus.CANCELLED: set(),
}


class RunKind(models.TextChoices):
    RUN = "run", "Analysis run"
    RESCORE = "rescore", "Re-score"


class BatchQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(user=user)

    def with_summary(self):
        """Decision counts, expected profit and capital required, in the same query."""
        return self.annotate(**decision_aggregates("analyses__"))


def decision_aggregates(prefix: str = "") -> dict:
    """BUY / REVIEW / SKIP counts and the BUY list's profit and capital, as aggregate
    expressions over analyses (`prefix` "analyses__" from a batch queryset)."""
    buy = Q(**{f"{prefix}recommendation": "BUY"})
    return {
        "buy_count": Count(f"{prefix}id", filter=buy),
        "review_count": Count(f"{prefix}id", filter=Q(**{f"{prefix}recommendation": "REVIEW"})),
        "skip_count": Count(f"{prefix}id", filter=Q(**{f"{prefix}recommendation": "SKIP"})),
        "expected_profit": Sum(
            models.F(f"{prefix}profit") * models.F(f"{prefix}quantity"), filter=buy
        ),
        "capital_required": Sum(
            models.F(f"{prefix}buy_price") * models.F(f"{prefix}quantity"), filter=buy
        ),
    }


class Batch(TimeStampedModel):
    """One uploaded sheet (or list of items) and the state of its analysis run."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="batches"
    )
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    status = models.CharField(
        max_length=12, choices=BatchStatus.choices, default=BatchStatus.PENDING
    )
    condition = models.CharField(
        max_length=4,
        choices=Condition.choices,
        default=Condition.USED,
        help_text="Condition for rows that do not give one.",
    )
    config = models.ForeignKey(
        "accounts.BusinessConfig",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="batches",
    )
    strategy_snapshot = models.JSONField(
        default=dict, blank=True, help_text="The full effective configuration of the last run."
    )
    analysis_date = models.DateField(
        null=True, blank=True, help_text="The date the run analyses as of (storage season)."
    )
    run_kind = models.CharField(
        max_length=8,
        choices=RunKind.choices,
        default=RunKind.RUN,
        help_text="What PROCESSING is doing: looking books up, or re-scoring stored data.",
    )
    items_total = models.PositiveIntegerField(default=0)
    items_processed = models.PositiveIntegerField(default=0)
    rows_total = models.PositiveIntegerField(default=0, help_text="Sheet rows, valid or not.")
    rows_invalid = models.PositiveIntegerField(default=0)
    tokens_spent = models.PositiveIntegerField(default=0)
    tokens_left = models.IntegerField(null=True, blank=True)
    market_source = models.CharField(max_length=10, blank=True)
    source_filename = models.CharField(max_length=255, blank=True)
    error_message = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = BatchQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "batches"
        indexes = [
            models.Index(fields=["user", "-created_at"], name="batch_user_created_idx"),
            models.Index(fields=["status"], name="batch_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=BatchStatus.values),
                name="batch_status_valid",
                violation_error_message="Unknown batch status.",
            ),
            models.CheckConstraint(
                condition=Q(items_processed__gte=0)
                & Q(items_processed__lte=models.F("items_total")),
                name="batch_processed_within_total",
                violation_error_message="Processed items must be between 0 and the item total.",
            ),
            models.CheckConstraint(
                condition=Q(run_kind__in=RunKind.values),
                name="batch_run_kind_valid",
                violation_error_message="Unknown kind of run.",
            ),
            models.CheckConstraint(
                condition=Q(condition__in=Condition.values),
                name="batch_condition_valid",
                violation_error_message="Condition must be used or new.",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("batches:batch_detail", args=[self.pk])

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES

    @property
    def is_demo(self) -> bool:
        return self.market_source == "demo"

    @property
    def progress_percent(self) -> int:
        if not self.items_total:
            return 100 if self.is_terminal else 0
        return int(self.items_processed * 100 / self.items_total)

    def can_transition_to(self, status: str) -> bool:
        return status in ALLOWED_TRANSITIONS[BatchStatus(self.status)]

    def summary(self) -> dict:
        """Counts by decision and outcome; profit, capital and ROI of the BUY list (2 queries)."""
        totals = self.analyses.order_by().aggregate(**decision_aggregates())
        analyses = {
            "buy": totals["buy_count"],
            "review": totals["review_count"],
            "skip": totals["skip_count"],
            "expected_profit": totals["expected_profit"],
            "capital_required": totals["capital_required"],
        }
        cent = Decimal("0.01")
        for key in ("expected_profit", "capital_required"):
            if analyses[key] is not None:
                analyses[key] = Decimal(analyses[key]).quantize(cent)
        # Capital-weighted: what the whole BUY list returns on what it costs.
        capital, profit = analyses["capital_required"], analyses["expected_profit"]
        analyses["average_roi_buy"] = (
            (profit * 100 / capital).quantize(cent) if capital and profit is not None else None
        )
        items = self.items.order_by().aggregate(
            not_found=Count("id", filter=Q(status=ItemStatus.NOT_FOUND)),
            errors=Count("id", filter=Q(status=ItemStatus.ERROR)),
        )
        return {
            **analyses,
            **items,
            "rejected_rows": self.rows_invalid,
            "tokens_spent": self.tokens_spent,
            "progress_percent": self.progress_percent,
        }


class ItemStatus(models.TextChoices):
    PENDING = "PENDING", "Pending"
    DONE = "DONE", "Done"
    NOT_FOUND = "NOT_FOUND", "Not found on Amazon"
    INVALID = "INVALID", "Invalid row"
    ERROR = "ERROR", "Error"
    MERGED = "MERGED", "Merged into an earlier row"


# Items that are analysed (or wait to be); INVALID and MERGED rows are kept only as a record.
ANALYSABLE_ITEM_STATUSES = (
    ItemStatus.PENDING,
    ItemStatus.DONE,
    ItemStatus.NOT_FOUND,
    ItemStatus.ERROR,
)


class BatchItemQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(batch__user=user)

    def analysable(self):
        return self.filter(status__in=ANALYSABLE_ITEM_STATUSES)

    def rejected(self):
        return self.filter(status=ItemStatus.INVALID)


class BatchItem(TimeStampedModel):
    """One sheet row, valid or not, so nothing a user uploads is lost."""

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="items")
    line_number = models.PositiveIntegerField()
    raw_identifier = models.CharField(max_length=200, blank=True)
    raw_cost = models.CharField(max_length=100, blank=True)
    isbn_or_asin = models.CharField(max_length=20, null=True, blank=True)
    buy_price = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    quantity = models.PositiveIntegerField(default=1)
    condition = models.CharField(max_length=4, choices=Condition.choices, default=Condition.USED)
    status = models.CharField(max_length=10, choices=ItemStatus.choices, default=ItemStatus.PENDING)
    error_field = models.CharField(max_length=30, blank=True)
    error_message = models.TextField(blank=True)
    claimed_until = models.DateTimeField(
        null=True, blank=True, help_text="A worker holds this item until then (chunk lease)."
    )

    objects = BatchItemQuerySet.as_manager()

    class Meta:
        ordering = ["batch", "line_number", "id"]
        indexes = [
            models.Index(fields=["batch", "line_number"], name="item_batch_line_idx"),
            models.Index(fields=["batch", "status", "line_number"], name="item_batch_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ItemStatus.values),
                name="item_status_valid",
                violation_error_message="Unknown item status.",
            ),
            models.CheckConstraint(
                condition=Q(buy_price__isnull=True) | Q(buy_price__gte=0),
                name="item_buy_price_not_negative",
                violation_error_message="The buy price must not be negative.",
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=1),
                name="item_quantity_positive",
                violation_error_message="The quantity must be at least 1.",
            ),
            models.CheckConstraint(
                condition=Q(status="INVALID") | Q(status="MERGED") | Q(isbn_or_asin__isnull=False),
                name="item_valid_has_identifier",
                violation_error_message="An item to analyse needs a canonical identifier.",
            ),
            models.UniqueConstraint(
                fields=["batch", "isbn_or_asin"],
                condition=Q(status__in=ANALYSABLE_ITEM_STATUSES),
                name="item_unique_book_per_batch",
                violation_error_message="This book is already in the batch.",
            ),
        ]

    def __str__(self):
        return f"line {self.line_number}: {self.raw_identifier}"
