from decimal import Decimal

from rest_framework import serializers

from analyses.engine.identifiers import InvalidIdentifier, parse_identifier
from analyses.models import Analysis, Recommendation, RiskLevel
from analyses.services import AnalysisDuplicate, analysis_create_external
from arbitragevault.api import Conflict
from batches.models import Batch, Condition

MONEY = {"max_digits": 12, "decimal_places": 2, "coerce_to_string": False}
PERCENT = {"max_digits": 6, "decimal_places": 2, "coerce_to_string": False}


class ReasonSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()


class AnalysisSerializer(serializers.ModelSerializer):
    """An analysis as the seed's contract has it, plus the engine's decision and reasons."""

    batch_id = serializers.UUIDField(read_only=True)
    buy_price = serializers.DecimalField(**MONEY)
    fees = serializers.DecimalField(**MONEY, allow_null=True)
    expected_sale_price = serializers.DecimalField(**MONEY, allow_null=True)
    profit = serializers.DecimalField(**MONEY, allow_null=True)
    roi_percent = serializers.DecimalField(**PERCENT, allow_null=True)
    max_buy_price = serializers.DecimalField(**MONEY, allow_null=True)
    velocity_score = serializers.DecimalField(**PERCENT, allow_null=True)
    est_monthly_sales = serializers.DecimalField(
        max_digits=8, decimal_places=2, coerce_to_string=False, allow_null=True
    )
    balanced_score = serializers.DecimalField(**PERCENT, allow_null=True)
    reasons = ReasonSerializer(many=True)
    is_demo_data = serializers.BooleanField(source="is_demo", read_only=True)

    class Meta:
        model = Analysis
        fields = [
            "id", "batch_id", "isbn_or_asin", "asin", "title", "condition", "quantity",
            "buy_price", "expected_sale_price", "fees", "profit", "roi_percent",
            "max_buy_price", "velocity_score", "est_monthly_sales", "rank_snapshot",
            "offers_count", "risk_level", "recommendation", "reasons", "balanced_score",
            "market_source", "is_demo_data", "market_fetched_at", "raw_keepa",
            "target_price_data", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class AnalysisCreateSerializer(serializers.ModelSerializer):
    """An analysis computed elsewhere (the seed's POST): validated, stored as `external`."""

    batch_id = serializers.PrimaryKeyRelatedField(
        source="batch", queryset=Batch.objects.none(), pk_field=serializers.UUIDField()
    )
    isbn_or_asin = serializers.CharField(max_length=40)
    buy_price = serializers.DecimalField(**MONEY, min_value=Decimal("0"))
    fees = serializers.DecimalField(
        **MONEY, allow_null=True, required=False, min_value=Decimal("0")
    )
    expected_sale_price = serializers.DecimalField(
        **MONEY, allow_null=True, required=False, min_value=Decimal("0")
    )
    profit = serializers.DecimalField(**MONEY, allow_null=True, required=False)
    roi_percent = serializers.DecimalField(**PERCENT, allow_null=True, required=False)
    max_buy_price = serializers.DecimalField(
        **MONEY, allow_null=True, required=False, min_value=Decimal("0")
    )
    velocity_score = serializers.DecimalField(
        **PERCENT,
        allow_null=True,
        required=False,
        min_value=Decimal("0"),
        max_value=Decimal("100"),
    )
    est_monthly_sales = serializers.DecimalField(
        max_digits=8,
        decimal_places=2,
        coerce_to_string=False,
        allow_null=True,
        required=False,
        min_value=Decimal("0"),
    )
    balanced_score = serializers.DecimalField(**PERCENT, allow_null=True, required=False)
    rank_snapshot = serializers.IntegerField(
        allow_null=True, required=False, min_value=0, max_value=2_147_483_647
    )
    offers_count = serializers.IntegerField(
        allow_null=True, required=False, min_value=0, max_value=2_147_483_647
    )
    quantity = serializers.IntegerField(required=False, min_value=1, max_value=100_000)
    condition = serializers.ChoiceField(choices=Condition.choices, required=False)
    recommendation = serializers.ChoiceField(choices=Recommendation.choices, required=False)
    risk_level = serializers.ChoiceField(choices=RiskLevel.choices, required=False)
    reasons = ReasonSerializer(many=True, required=False)
    raw_keepa = serializers.DictField(required=False)
    target_price_data = serializers.DictField(required=False)

    class Meta:
        model = Analysis
        fields = [
            "batch_id", "isbn_or_asin", "asin", "title", "condition", "quantity", "buy_price",
            "expected_sale_price", "fees", "profit", "roi_percent", "max_buy_price",
            "velocity_score", "est_monthly_sales", "rank_snapshot", "offers_count",
            "risk_level", "recommendation", "reasons", "balanced_score", "raw_keepa",
            "target_price_data",
        ]  # fmt: skip
        extra_kwargs = {"asin": {"required": False}, "title": {"required": False}}
        # A duplicate (batch, identifier) is a conflict (409, in `create`), not invalid input.
        validators: list = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["batch_id"].queryset = Batch.objects.for_user(request.user)

    def validate_isbn_or_asin(self, value):
        try:
            return parse_identifier(value).canonical
        except InvalidIdentifier as exc:
            raise serializers.ValidationError(str(exc)) from exc

    def create(self, validated_data):
        try:
            return analysis_create_external(
                batch=validated_data.pop("batch"),
                fields=validated_data,
            )
        except AnalysisDuplicate as exc:
            raise Conflict(str(exc)) from exc
