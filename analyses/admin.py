from django.contrib import admin

from analyses.models import Analysis, MarketProduct


@admin.register(Analysis)
class AnalysisAdmin(admin.ModelAdmin):
    list_display = (
        "isbn_or_asin",
        "title",
        "recommendation",
        "buy_price",
        "expected_sale_price",
        "profit",
        "roi_percent",
        "velocity_score",
        "risk_level",
        "market_source",
        "batch",
        "user",
    )
    list_filter = ("recommendation", "risk_level", "condition", "market_source")
    search_fields = ("isbn_or_asin", "asin", "title", "batch__name", "user__email")
    list_select_related = ("batch", "user")
    raw_id_fields = ("batch", "user", "item")
    readonly_fields = ("created_at", "updated_at", "market_fetched_at")
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        # The owner and the batch of a stored analysis cannot drift apart.
        fields = super().get_readonly_fields(request, obj)
        return (*fields, "user", "batch", "item") if obj is not None else fields


@admin.register(MarketProduct)
class MarketProductAdmin(admin.ModelAdmin):
    list_display = ("lookup_key", "asin", "source", "domain", "found", "fetched_at")
    list_filter = ("source", "found", "domain")
    search_fields = ("lookup_key", "asin")
    readonly_fields = ("created_at", "updated_at", "fetched_at")
    show_full_result_count = False
