"""Dashboard pages for single books: the receipt of an analysis, and the quick lookup."""

from decimal import Decimal

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.generic import DetailView

from accounts.models import BusinessConfig
from accounts.services import ConfigInvalid
from analyses.models import Analysis, MarketProduct
from analyses.receipts import receipt
from analyses.services import MAX_LOOKUP, lookup_books
from arbitragevault.dashboard import OwnedMixin
from batches.models import Condition


class AnalysisDetailView(OwnedMixin, DetailView):
    """The book page: economics as a receipt, the decision in words, the Keepa-style chart."""

    model = Analysis
    template_name = "analyses/analysis_detail.html"
    context_object_name = "analysis"

    def get_queryset(self):
        return super().get_queryset().select_related("batch", "item")

    def get_context_data(self, **kwargs):
        analysis = self.object
        history = None
        if analysis.asin and analysis.market_source in ("keepa", "demo"):
            history = MarketProduct.objects.history_for(
                source=analysis.market_source,
                key=analysis.asin,
                domain=(analysis.raw_keepa or {}).get("domain", 1),
            )
        return {
            **super().get_context_data(**kwargs),
            "nav": "batches",
            "receipt": receipt(analysis.target_price_data),
            "history": history if history and history.get("series") else None,
        }


class LookupForm(forms.Form):
    identifiers = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "9780134685991\n0-306-40615-2"}),
        help_text=f"Up to {MAX_LOOKUP} ISBNs, EANs or ASINs, one per line or separated by commas.",
    )
    cost = forms.DecimalField(
        min_value=Decimal("0"),
        max_digits=12,
        decimal_places=2,
        initial=Decimal("1.00"),
        help_text="What you would pay per book ($).",
    )
    condition = forms.ChoiceField(choices=Condition.choices, initial=Condition.USED)
    config = forms.ModelChoiceField(
        queryset=BusinessConfig.objects.none(),
        required=False,
        empty_label="My default (or the built-in defaults)",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["config"].queryset = BusinessConfig.objects.for_user(user)


@login_required
def lookup_view(request):
    form = LookupForm(request.GET or None, user=request.user)
    lines = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            lines = lookup_books(
                user=request.user,
                text=data["identifiers"],
                cost=data["cost"],
                condition=data["condition"],
                config=data["config"],
            )
        except ConfigInvalid as exc:
            form.add_error("config", str(exc))
        else:
            for line in lines:
                line.receipt = receipt(line.result.explanation()) if line.result else {}
    return render(request, "analyses/lookup.html", {"nav": "lookup", "form": form, "lines": lines})
