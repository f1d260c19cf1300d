"""One FilterSet per list: the dashboard's filter form, the API and the exports share them.

`?recommendation=BUY&roi_min=50&ordering=-profit` means the same thing everywhere. Orderings put
empty values last and break ties by id, so pages are stable.
"""

import django_filters as filters
from django import forms
from django.db.models import F, Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from analyses.models import Analysis, Recommendation, RiskLevel

ORDERING_FIELDS = (
    "profit",
    "roi_percent",
    "velocity_score",
    "balanced_score",
    "expected_sale_price",
    "created_at",
)
VIEWS = {  # DOMAIN.md §10
    "profit": "-profit",
    "velocity": "-velocity_score",
    "balanced": "-balanced_score",
}


def order_by_terms(queryset, terms: list[str]):
    """Orders by API-style terms ("-profit"), empty values last, ties broken by id."""
    expressions = []
    for term in terms:
        name = term.lstrip("-")
        # NULLS LAST only where a column can be empty: on a NOT NULL column it would stop
        # PostgreSQL from walking the plain index that serves the order.
        nulls_last = True if queryset.model._meta.get_field(name).null else None
        field = F(name)
        expressions.append(
            field.desc(nulls_last=nulls_last)
            if term.startswith("-")
            else field.asc(nulls_last=nulls_last)
        )
    tie = "-id" if terms and terms[-1].startswith("-") else "id"
    return queryset.order_by(*expressions, tie)


class OrderingField(forms.CharField):
    """Comma-separated field names, each optionally prefixed with '-'."""

    def __init__(self, *args, allowed=(), **kwargs):
        self.allowed = tuple(allowed)
        super().__init__(*args, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return []
        terms = [t.strip() for t in value.split(",") if t.strip()]
        bad = [t for t in terms if t.lstrip("-") not in self.allowed]
        if bad:
            raise forms.ValidationError(
                "unknown ordering %(bad)s; use one of %(allowed)s (prefix '-' for descending)",
                params={"bad": ", ".join(bad), "allowed": ", ".join(self.allowed)},
            )
        return terms


@extend_schema_field(OpenApiTypes.STR)
class OrderingTermsFilter(filters.Filter):
    field_class = OrderingField

    def __init__(self, *args, allowed=(), **kwargs):
        kwargs.setdefault("help_text", f"Comma-separated, '-' for descending: {', '.join(allowed)}")
        super().__init__(*args, allowed=allowed, **kwargs)

    def filter(self, qs, value):
        return order_by_terms(qs, value) if value else qs


class _AnyOfField(filters.fields.MultipleChoiceField):
    def clean(self, value):
        return super().clean([v for v in value or () if v not in ("", None)])


class AnyOfFilter(filters.MultipleChoiceFilter):
    """Rows matching any of the given choices; a blank value (what a form's "Any" sends) means
    no filter, as it does for the number filters. No DISTINCT: no join can duplicate a row
    here, and DISTINCT would cost a sort on big lists."""

    field_class = _AnyOfField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("distinct", False)
        super().__init__(*args, **kwargs)


class AnalysisFilterSet(filters.FilterSet):
    batch = filters.UUIDFilter(field_name="batch_id", help_text="Only this batch.")
    recommendation = AnyOfFilter(choices=Recommendation.choices)
    risk_level = AnyOfFilter(choices=RiskLevel.choices)
    roi_min = filters.NumberFilter(field_name="roi_percent", lookup_expr="gte")
    roi_max = filters.NumberFilter(field_name="roi_percent", lookup_expr="lte")
    profit_min = filters.NumberFilter(field_name="profit", lookup_expr="gte")
    velocity_min = filters.NumberFilter(field_name="velocity_score", lookup_expr="gte")
    rank_max = filters.NumberFilter(field_name="rank_snapshot", lookup_expr="lte")
    q = filters.CharFilter(method="search", help_text="Identifier, ASIN or title contains.")
    view = filters.ChoiceFilter(
        choices=[(k, k.title()) for k in VIEWS],
        method="order_by_view",
        help_text="profit, velocity or balanced (DOMAIN.md §10) when no ordering is given.",
    )
    ordering = OrderingTermsFilter(allowed=ORDERING_FIELDS)

    class Meta:
        model = Analysis
        fields = []

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        compact = value.replace("-", "").replace(" ", "").upper()
        return queryset.filter(
            Q(isbn_or_asin__startswith=compact)
            | Q(asin__startswith=compact)
            | Q(title__icontains=value)
        )

    def order_by_view(self, queryset, name, value):
        if self.form.cleaned_data.get("ordering"):
            return queryset  # an explicit ordering wins
        return order_by_terms(queryset, [VIEWS[value]])

    @property
    def qs(self):
        queryset = super().qs
        data = self.form.cleaned_data if self.is_bound and self.form.is_valid() else {}
        if not data.get("ordering") and not data.get("view"):
            queryset = order_by_terms(queryset, ["-created_at"])
        return queryset
