from rest_framework import serializers

from accounts.models import BusinessConfig
from batches.models import Batch, BatchItem, BatchStatus, Condition

MONEY = {"max_digits": 14, "decimal_places": 2, "coerce_to_string": False}


class BatchSerializer(serializers.ModelSerializer):
    config = serializers.UUIDField(source="config_id", read_only=True, allow_null=True)
    progress_percent = serializers.IntegerField(read_only=True)
    is_demo_data = serializers.BooleanField(source="is_demo", read_only=True)

    class Meta:
        model = Batch
        fields = [
            "id", "name", "description", "status", "condition", "config", "items_total",
            "items_processed", "progress_percent", "rows_total", "rows_invalid",
            "tokens_spent", "tokens_left", "market_source", "is_demo_data", "source_filename",
            "error_message", "started_at", "finished_at", "strategy_snapshot", "created_at",
            "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class BatchSummarySerializer(serializers.Serializer):
    buy = serializers.IntegerField()
    review = serializers.IntegerField()
    skip = serializers.IntegerField()
    not_found = serializers.IntegerField()
    errors = serializers.IntegerField()
    rejected_rows = serializers.IntegerField()
    expected_profit = serializers.DecimalField(**MONEY, allow_null=True)
    capital_required = serializers.DecimalField(**MONEY, allow_null=True)
    average_roi_buy = serializers.DecimalField(
        max_digits=8, decimal_places=2, coerce_to_string=False, allow_null=True
    )
    tokens_spent = serializers.IntegerField()
    progress_percent = serializers.IntegerField()


class BatchDetailSerializer(BatchSerializer):
    summary = serializers.SerializerMethodField()

    class Meta(BatchSerializer.Meta):
        fields = [*BatchSerializer.Meta.fields, "summary"]
        read_only_fields = fields

    def get_summary(self, batch) -> BatchSummarySerializer:
        return BatchSummarySerializer(batch.summary()).data


class RowErrorSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    field = serializers.CharField()
    message = serializers.CharField()


class BatchCreatedSerializer(BatchDetailSerializer):
    row_errors = serializers.SerializerMethodField()

    class Meta(BatchDetailSerializer.Meta):
        fields = [*BatchDetailSerializer.Meta.fields, "row_errors"]
        read_only_fields = fields

    def get_row_errors(self, batch) -> RowErrorSerializer(many=True):
        return [
            {"line": row.line, "field": row.error_field, "message": row.error}
            for row in self.context.get("invalid_rows", [])
        ]


class BatchItemInputSerializer(serializers.Serializer):
    # Loose on purpose: each item is validated by the sheet rules, which name line and field.
    # Null is a blank cell: the row is kept, rejected with its line (DOMAIN.md §12).
    identifier = serializers.JSONField(allow_null=True)
    cost = serializers.JSONField(allow_null=True)
    quantity = serializers.JSONField(required=False, allow_null=True)
    condition = serializers.JSONField(required=False, allow_null=True)


class _ConfigField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return BusinessConfig.objects.for_user(self.context["request"].user)


class BatchCreateFieldsSerializer(serializers.Serializer):
    """What a new batch may say besides its books."""

    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    config = _ConfigField(required=False, allow_null=True, pk_field=serializers.UUIDField())
    condition = serializers.ChoiceField(choices=Condition.choices, default=Condition.USED)
    run = serializers.BooleanField(default=True)


class BatchCreateFromItemsSerializer(BatchCreateFieldsSerializer):
    """JSON: the books as a list (each row checked by the sheet rules, kept if invalid)."""

    items = BatchItemInputSerializer(many=True)


class BatchCreateFromFileSerializer(BatchCreateFieldsSerializer):
    """Multipart form: the books as a CSV or XLSX sheet in `file`."""

    file = serializers.FileField()


class BatchStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=BatchStatus.choices)


class BatchRescoreSerializer(serializers.Serializer):
    config = _ConfigField(required=False, allow_null=True, pk_field=serializers.UUIDField())


class BatchItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = BatchItem
        fields = [
            "id", "line_number", "raw_identifier", "raw_cost", "isbn_or_asin", "buy_price",
            "quantity", "condition", "status", "error_field", "error_message",
        ]  # fmt: skip
        read_only_fields = fields
