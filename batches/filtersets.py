import django_filters as filters

from analyses.filtersets import AnyOfFilter, OrderingTermsFilter, order_by_terms
from batches.models import Batch, BatchItem, BatchStatus, ItemStatus


class BatchFilterSet(filters.FilterSet):
    status = AnyOfFilter(choices=BatchStatus.choices)
    q = filters.CharFilter(field_name="name", lookup_expr="icontains", help_text="Name contains.")
    created_after = filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    ordering = OrderingTermsFilter(allowed=("created_at", "name", "status", "items_total"))

    class Meta:
        model = Batch
        fields = []

    @property
    def qs(self):
        queryset = super().qs
        data = self.form.cleaned_data if self.is_bound and self.form.is_valid() else {}
        return queryset if data.get("ordering") else order_by_terms(queryset, ["-created_at"])


class BatchItemFilterSet(filters.FilterSet):
    status = AnyOfFilter(choices=ItemStatus.choices)

    class Meta:
        model = BatchItem
        fields = []

    @property
    def qs(self):
        return super().qs.order_by("line_number", "id")
