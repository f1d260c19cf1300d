from django.conf import settings
from django.db import models
from django.db.models import Q

from arbitragevault.models import TimeStampedModel


class Recommendation(models.TextChoices):
    BUY = "BUY", "Buy"
    REVIEW = "REVIEW", "Review"
    SKIP = "SKIP", "Skip"


class RiskLevel(models.TextChoices):
    LOW = "LOW", "Low"
    MEDIUM = "MEDIUM", "Medium"
    HIGH = "HIGH", "High"


class MarketSource(models.TextChoices):
    KEEPA = "keepa", "Keepa"
    DEMO = "demo", "Demo data"
    EXTERNAL = "external", "Computed elsewhere"


def money(**kwargs):
    return models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True, **kwargs)


def percent(**kwargs):
    return models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True, **kwargs)


class AnalysisQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(user=user)


class Analysis(TimeStampedModel):
    """The engine's verdict on one book of a batch: economics, speed, risk, decision, reasons.

    Economic fields are NULL when Keepa has no sale price (never fake zeros).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="analyses"
    )
    batch = models.ForeignKey("batches.Batch", on_delete=models.CASCADE, related_name="analyses")
    item = models.OneToOneField(
        "batches.BatchItem",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="analysis",
    )
    isbn_or_asin = models.CharField(max_length=20)
    asin = models.CharField(max_length=10, blank=True)
    title = models.CharField(max_length=500, blank=True)
    condition = models.CharField(max_length=4, default="used")
    quantity = models.PositiveIntegerField(default=1)
    buy_price = models.DecimalField(max_digits=12, decimal_places=2)
    expected_sale_price = money()
    fees = money()
    profit = money()
    roi_percent = percent()
    max_buy_price = money()
    velocity_score = percent()
    est_monthly_sales = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    rank_snapshot = models.PositiveIntegerField(null=True, blank=True)
    offers_count = models.PositiveIntegerField(null=True, blank=True)
    risk_level = models.CharField(max_length=6, choices=RiskLevel.choices, default=RiskLevel.LOW)
    recommendation = models.CharField(max_length=6, choices=Recommendation.choices)
    reasons = models.JSONField(default=list, blank=True)
    balanced_score = percent()
    raw_keepa = models.JSONField(default=dict, blank=True)
    target_price_data = models.JSONField(default=dict, blank=True)
    market_source = models.CharField(
        max_length=10, choices=MarketSource.choices, default=MarketSource.KEEPA
    )
    market_fetched_at = models.DateTimeField(null=True, blank=True)

    objects = AnalysisQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "analyses"
        # The sort indexes of the list views (batch + roi / profit / velocity / balanced, empty
        # values last, ties by id) live in migration 0002: PostgreSQL needs "DESC NULLS LAST"
        # in the index for its ORDER BY, which SQLite cannot declare in an index.
        indexes = [
            # user_id follows batch_id (the same for a whole batch): every list is scoped to
            # its user, and with the column in the index a count is an index-only scan.
            models.Index(fields=["batch", "user", "recommendation"], name="analysis_batch_rec_idx"),
            models.Index(
                fields=["batch", "user", "-created_at", "-id"], name="analysis_batch_created_idx"
            ),
            models.Index(fields=["user", "-created_at", "-id"], name="analysis_user_created_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "isbn_or_asin"],
                name="analysis_unique_book_per_batch",
                violation_error_message="This batch already has an analysis for this book.",
            ),
            models.CheckConstraint(
                condition=Q(velocity_score__isnull=True)
                | (Q(velocity_score__gte=0) & Q(velocity_score__lte=100)),
                name="analysis_velocity_0_100",
                violation_error_message="The velocity score must be between 0 and 100.",
            ),
            models.CheckConstraint(
                condition=Q(recommendation__in=Recommendation.values),
                name="analysis_recommendation_valid",
                violation_error_message="The recommendation must be BUY, REVIEW or SKIP.",
            ),
            models.CheckConstraint(
                condition=Q(risk_level__in=RiskLevel.values),
                name="analysis_risk_level_valid",
                violation_error_message="The risk level must be LOW, MEDIUM or HIGH.",
            ),
            models.CheckConstraint(
                condition=Q(buy_price__gte=0),
                name="analysis_buy_price_not_negative",
                violation_error_message="The buy price must not be negative.",
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=1),
                name="analysis_quantity_positive",
                violation_error_message="The quantity must be at least 1.",
            ),
        ]

    def __str__(self):
        return f"{self.isbn_or_asin} → {self.recommendation}"

    @property
    def is_demo(self) -> bool:
        return self.market_source == MarketSource.DEMO


class MarketProductQuerySet(models.QuerySet):
    def history_for(self, *, source: str, key: str, domain: int = 1) -> dict | None:
        """The cached chart history of a product (by lookup key or ASIN), whatever its age."""
        row = (
            self.filter(source=source, domain=domain, found=True)
            .filter(Q(lookup_key=key) | Q(asin=key))
            .order_by("-fetched_at")
            .only("history")
            .first()
        )
        return row.history if row is not None else None


class MarketProduct(TimeStampedModel):
    """Keepa's answer for one lookup, shared by all users and reused while fresh (MARKET_CACHE_TTL).

    Holds what the engine and the charts need (the parsed snapshot and price/rank history), not
    Keepa's whole multi-hundred-KB answer. `found` is False when Keepa had no such product, so a
    miss is cached too and costs no second token.
    """

    source = models.CharField(max_length=10, choices=MarketSource.choices[:2])
    domain = models.PositiveSmallIntegerField(default=1)
    lookup_key = models.CharField(
        max_length=20, help_text="The ASIN (ISBN-10 for books) or, for code lookups, the EAN/UPC."
    )
    asin = models.CharField(max_length=10, blank=True)
    found = models.BooleanField(default=True)
    snapshot = models.JSONField(default=dict, blank=True)
    history = models.JSONField(default=dict, blank=True)
    fetched_at = models.DateTimeField()

    objects = MarketProductQuerySet.as_manager()

    class Meta:
        ordering = ["-fetched_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "domain", "lookup_key"],
                name="market_product_unique_lookup",
                violation_error_message="This product is already cached.",
            ),
        ]
        indexes = [models.Index(fields=["domain", "asin"], name="market_product_asin_idx")]

    def __str__(self):
        return f"{self.lookup_key} ({self.source}, domain {self.domain})"
