from django.contrib import admin
from django.db.models import Subquery
from django.urls import reverse
from django.utils.html import format_html

from batches.models import Batch, BatchItem


class BatchItemInline(admin.TabularInline):
    """The first rows of the sheet; a batch can hold 100,000, so the rest is one click away."""

    model = BatchItem
    LIMIT = 50
    fields = (
        "line_number",
        "raw_identifier",
        "isbn_or_asin",
        "buy_price",
        "quantity",
        "condition",
        "status",
        "error_message",
    )
    readonly_fields = fields
    can_delete = False
    extra = 0
    max_num = 0
    show_change_link = True
    ordering = ("line_number",)

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        batch_id = request.resolver_match.kwargs.get("object_id")
        first = BatchItem.objects.filter(batch_id=batch_id).order_by("line_number")
        return qs.filter(pk__in=Subquery(first.values("pk")[: self.LIMIT]))


@admin.register(Batch)
class BatchAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "user",
        "status",
        "progress",
        "rows_total",
        "rows_invalid",
        "tokens_spent",
        "market_source",
        "created_at",
    )
    list_filter = ("status", "market_source", "condition")
    search_fields = ("name", "description", "user__email", "source_filename")
    list_select_related = ("user",)
    raw_id_fields = ("user", "config")
    date_hierarchy = "created_at"
    readonly_fields = (
        "created_at",
        "updated_at",
        "started_at",
        "finished_at",
        "items_total",
        "items_processed",
        "rows_total",
        "rows_invalid",
        "tokens_spent",
        "tokens_left",
        "market_source",
        "strategy_snapshot",
        "all_items",
    )
    inlines = [BatchItemInline]

    def get_readonly_fields(self, request, obj=None):
        # Status moves through the services (DOMAIN.md §12), and the owner cannot change:
        # every analysis of the batch carries it, and the lists are scoped by it.
        fields = super().get_readonly_fields(request, obj)
        return (*fields, "status", "user", "config") if obj is not None else fields

    @admin.display(description="progress")
    def progress(self, obj):
        return f"{obj.items_processed}/{obj.items_total}"

    @admin.display(description="sheet rows")
    def all_items(self, obj):
        url = reverse("admin:batches_batchitem_changelist") + f"?batch__id__exact={obj.pk}"
        return format_html('<a href="{}">All rows of this batch</a>', url)


@admin.register(BatchItem)
class BatchItemAdmin(admin.ModelAdmin):
    list_display = (
        "line_number",
        "raw_identifier",
        "isbn_or_asin",
        "buy_price",
        "quantity",
        "condition",
        "status",
        "batch",
        "error_message",
    )
    list_filter = ("status", "condition")
    search_fields = ("raw_identifier", "isbn_or_asin", "batch__name")
    list_select_related = ("batch",)
    raw_id_fields = ("batch",)
    readonly_fields = ("created_at", "updated_at", "claimed_until")
    ordering = ("batch", "line_number")
