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
from analyses.services import MAX_LOOKUP, lookup_books, split_identifiers
from arbitragevault.dashboard import OwnedMixin
from batches.models import Condition

# Keepa's domain ids (KEEPA.md) → the Amazon site of a listing.
AMAZON_HOSTS = {
    1: "www.amazon.com",
    2: "www.amazon.co.uk",
    3: "www.amazon.de",
    4: "www.amazon.fr",
    5: "www.amazon.co.jp",
    6: "www.amazon.ca",
    8: "www.amazon.it",
    9: "www.amazon.es",
    10: "www.amazon.in",
    11: "www.amazon.com.mx",
}


def listing_urls(asin: str, domain: int = 1) -> dict:
    """The Amazon and Keepa pages of an ASIN on a Keepa domain."""
    host = AMAZON_HOSTS.get(domain, AMAZON_HOSTS[1])
    return {
        "amazon_url": f"https://{host}/dp/{asin}",
        "keepa_url": f"https://keepa.com/#!product/{domain}-{asin}",
    }


def history_days(history: dict) -> int | None:
    """How many days the cached history covers (its oldest point to its end)."""
    times = [point[0] for points in history.get("series", {}).values() for point in points[:1]]
    until = history.get("until")
    if not times or not until:
        return None
    return max(0, round((until - min(times)) / 86_400))


class AnalysisDetailView(OwnedMixin, DetailView):
    """The book page: economics as a receipt, the decision in words, the Keepa-style chart."""

    model = Analysis
    template_name = "analyses/analysis_detail.html"
    context_object_name = "analysis"

    def get_queryset(self):
        return super().get_queryset().select_related("batch", "item")

    def get_context_data(self, **kwargs):
        analysis = self.object
        domain = (analysis.raw_keepa or {}).get("domain") or 1
        history = None
        if analysis.asin and analysis.market_source in ("keepa", "demo"):
            history = MarketProduct.objects.history_for(
                source=analysis.market_source, key=analysis.asin, domain=domain
            )
        history = history if history and history.get("series") else None
        return {
            **super().get_context_data(**kwargs),
            "nav": "batches",
            # Computed elsewhere (the API's POST): its JSON is the sender's, not a receipt.
            "receipt": (
                {} if analysis.market_source == "external" else receipt(analysis.target_price_data)
            ),
            "history": history,
            "history_days": history_days(history) if history else None,
            **(listing_urls(analysis.asin, domain) if analysis.asin else {}),
        }


class LookupForm(forms.Form):
    identifiers = forms.CharField(
        label="ISBNs, EANs or ASINs",
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "9780134685991\n0-306-40615-2"}),
        help_text=f"Up to {MAX_LOOKUP}, one per line or separated by commas.",
    )
    cost = forms.DecimalField(
        label="Your cost ($)",
        min_value=Decimal("0"),
        max_digits=12,
        decimal_places=2,
        initial=Decimal("1.00"),
        help_text="What you would pay per book.",
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "inputmode": "decimal"}),
    )
    condition = forms.ChoiceField(choices=Condition.choices, initial=Condition.USED)
    config = forms.ModelChoiceField(
        queryset=BusinessConfig.objects.none(),
        required=False,
        label="Configuration",
        empty_label="My default (or the built-in defaults)",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["config"].queryset = BusinessConfig.objects.for_user(user)

    def clean_identifiers(self):
        text = self.cleaned_data["identifiers"]
        count = len(split_identifiers(text))
        if count > MAX_LOOKUP:
            raise forms.ValidationError(
                f"{count} identifiers: look up at most {MAX_LOOKUP} at a time, "
                "or upload them as a batch."
            )
        return text


@login_required
def lookup_view(request):
    # A POST (with its CSRF token): a lookup can spend Keepa tokens and fills the shared cache,
    # so a link or a cross-site navigation must not trigger one.
    form = LookupForm(request.POST or None, user=request.user)
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
            for number, line in enumerate(lines, start=1):
                line.anchor = f"book-{number}"
                line.receipt = receipt(line.result.explanation()) if line.result else {}
                if line.record is not None and line.record.asin:
                    line.urls = listing_urls(line.record.asin, line.record.domain)
    return render(
        request,
        "analyses/lookup.html",
        {
            "nav": "lookup",
            "form": form,
            "lines": lines,
            "found": [line for line in lines or () if line.result],
        },
    )
