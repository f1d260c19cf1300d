"""Dashboard pages for batches: thin views over the FilterSets and the batch services."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django.views.generic import DetailView, ListView

from accounts.models import BusinessConfig
from accounts.services import ConfigInvalid
from analyses import charts, exports
from analyses.filtersets import AnalysisFilterSet, order_by_terms
from analyses.models import Recommendation, RiskLevel
from arbitragevault.dashboard import (
    PER_PAGE_CHOICES,
    OwnedMixin,
    get_owned,
    paginate,
)
from batches.filtersets import BatchFilterSet
from batches.models import ANALYSABLE_ITEM_STATUSES, Batch, Condition, ItemStatus
from batches.services import (
    BatchTransitionError,
    batch_cancel,
    batch_create,
    batch_delete,
    batch_rerun,
    batch_rescore_start,
)
from batches.sheets import SheetError, parse_sheet, parse_text

LIVE_STATUSES = ("PENDING", "PROCESSING")


class BatchListView(OwnedMixin, ListView):
    model = Batch
    template_name = "batches/batch_list.html"
    context_object_name = "batches"

    def get_context_data(self, **kwargs):
        filterset = BatchFilterSet(self.request.GET, queryset=self.get_queryset())
        # A bad filter shows its error and no rows, never an unfiltered list that looks filtered.
        if filterset.is_valid():
            batches = filterset.qs
        else:
            batches = order_by_terms(filterset.queryset.none(), ["-created_at"])
        page = paginate(self.request, batches)
        # The summary aggregates only the page's batches (not inside the paginator's COUNT).
        summaries = Batch.objects.filter(pk__in=[b.pk for b in page.object_list]).with_summary()
        by_pk = {b.pk: b for b in summaries.select_related("config")}
        page.object_list = [by_pk[b.pk] for b in page.object_list if b.pk in by_pk]
        return {
            "nav": "batches",
            "filterset": filterset,
            "page_obj": page,
            "batches": page.object_list,
            "statuses": Batch._meta.get_field("status").choices,
            "live": any(batch.status in LIVE_STATUSES for batch in page.object_list),
            "filtered": any(
                self.request.GET.get(key)
                for key in ("q", "status", "created_after", "created_before")
            ),
            "per_page_choices": PER_PAGE_CHOICES,
        }


class BatchForm(forms.Form):
    name = forms.CharField(
        max_length=200,
        required=False,
        help_text="Optional; the file name is used when you leave it empty.",
    )
    file = forms.FileField(
        required=False,
        label="Sheet (CSV or XLSX)",
        help_text="A header row naming an ISBN column and a cost column.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.tsv,.txt,.xlsx"}),
    )
    lines = forms.CharField(
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 8, "placeholder": "9780134685991, 2.00, 1\n0-306-40615-2, 1.50"}
        ),
        label="…or paste lines",
        help_text="One book per line: identifier, cost[, quantity[, condition]].",
    )
    config = forms.ModelChoiceField(
        queryset=BusinessConfig.objects.none(),
        required=False,
        label="Configuration",
        empty_label="My default (or the built-in defaults)",
    )
    condition = forms.ChoiceField(
        choices=Condition.choices,
        initial=Condition.USED,
        help_text="For rows that do not say.",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["config"].queryset = BusinessConfig.objects.for_user(user)

    def clean(self):
        data = super().clean()
        if self.has_error("file"):  # e.g. an empty upload: one message, at the field
            return data
        upload, lines = data.get("file"), (data.get("lines") or "").strip()
        if bool(upload) == bool(lines):
            raise forms.ValidationError("Upload a sheet or paste lines (one of the two).")
        if upload and upload.size > settings.SHEET_MAX_BYTES:
            self.add_error(
                "file",
                f"The file is {upload.size / 1_048_576:.1f} MB; the limit is "
                f"{settings.SHEET_MAX_BYTES / 1_048_576:.0f} MB.",
            )
            return data
        try:
            if upload:
                data["sheet"] = parse_sheet(
                    upload.read(),
                    upload.name,
                    default_condition=data.get("condition", "used"),
                    max_rows=settings.SHEET_MAX_ROWS,
                    max_bytes=settings.SHEET_MAX_BYTES,
                )
            else:
                data["sheet"] = parse_text(
                    lines,
                    default_condition=data.get("condition", "used"),
                    max_rows=settings.SHEET_MAX_ROWS,
                )
        except SheetError as exc:
            message = str(exc)
            self.add_error("file" if upload else "lines", message[:1].upper() + message[1:])
            return data
        sheet = data["sheet"]
        if not upload and not sheet.valid_rows:
            # Typed lines with no book among them: say why here rather than make an empty batch.
            reasons = "; ".join(row.error for row in sheet.invalid_rows[:5])
            self.add_error("lines", f"No line is a book to analyse: {reasons}")
        return data


@login_required
def batch_create_view(request):
    form = BatchForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data.get("file")
        sheet = data["sheet"]
        batch = batch_create(
            user=request.user,
            name=data.get("name") or (upload.name if upload else "Pasted list"),
            sheet=sheet,
            config=data.get("config"),
            condition=data["condition"],
            source_filename=upload.name if upload else "",
        )
        rejected = len(sheet.invalid_rows)
        messages.success(
            request,
            f"{batch.items_total} books accepted"
            + (f", {rejected} rows rejected (listed under Sheet rows)" if rejected else "")
            + ". The analysis runs in the background.",
        )
        return redirect(batch)
    return render(
        request,
        "batches/batch_form.html",
        {
            "form": form,
            "nav": "new",
            "max_rows": settings.SHEET_MAX_ROWS,
            "max_mb": settings.SHEET_MAX_BYTES // 1_048_576,
        },
    )


# The "Sheet rows" tabs of the batch page: every row of the upload, by what became of it.
ROW_TABS = {
    "rejected": ("Rejected", (ItemStatus.INVALID,)),
    "accepted": ("Accepted", ANALYSABLE_ITEM_STATUSES),
    "not_found": ("Not found on Amazon", (ItemStatus.NOT_FOUND,)),
    "errors": ("Lookup errors", (ItemStatus.ERROR,)),
    "merged": ("Merged", (ItemStatus.MERGED,)),
}


def live_context(batch: Batch) -> dict:
    """What the live part of the batch page shows (the page and the htmx fragment share it)."""
    summary = batch.summary()
    return {
        "batch": batch,
        "summary": summary,
        "live": batch.status in LIVE_STATUSES,
        "has_analyses": any(summary[key] for key in ("buy", "review", "skip")),
    }


class BatchDetailView(OwnedMixin, DetailView):
    model = Batch
    template_name = "batches/batch_detail.html"
    context_object_name = "batch"

    def get_queryset(self):
        return super().get_queryset().select_related("config")

    def get_context_data(self, **kwargs):
        batch = self.object
        # The table's query, in the API's vocabulary; Balanced is the view when none is asked.
        params = self.request.GET.copy()
        params.setlist("batch", [str(batch.pk)])
        if not params.get("view") and not params.get("ordering"):
            params["view"] = "balanced"
        filterset = AnalysisFilterSet(params, queryset=batch.analyses.all())
        analyses = filterset.qs if filterset.is_valid() else filterset.queryset.none()
        page = paginate(self.request, analyses)
        # The export repeats the table's query (filters, view or ordering), every page of it.
        export = params.copy()
        for key in ("batch", "page", "rows", "rows_page", "per_page"):
            export.pop(key, None)
        for key, values in list(export.lists()):  # a short link: the form's empty fields go
            if not any(value.strip() for value in values):
                del export[key]
        return {
            **live_context(batch),
            "nav": "batches",
            "filterset": filterset,
            "page_obj": page,
            "analyses": page.object_list,
            "current_view": params.get("view") if not params.get("ordering") else "",
            "ordering": params.get("ordering", ""),
            "export_query": export.urlencode(),
            "filtered": any(
                self.request.GET.get(name)
                for name in filterset.filters
                if name not in ("batch", "view", "ordering")
            ),
            "configs": BusinessConfig.objects.for_user(self.request.user),
            "recommendations": Recommendation.values,
            "risk_levels": RiskLevel.values,
            "per_page_choices": PER_PAGE_CHOICES,
            **self.sheet_rows(batch),
        }

    def sheet_rows(self, batch: Batch) -> dict:
        by_status = {
            row["status"]: row["n"]
            for row in batch.items.order_by().values("status").annotate(n=Count("id"))
        }
        tabs = [
            {"key": key, "label": label, "count": sum(by_status.get(s, 0) for s in statuses)}
            for key, (label, statuses) in ROW_TABS.items()
        ]
        tabs = [tab for tab in tabs if tab["count"] or tab["key"] in ("rejected", "accepted")]
        current = self.request.GET.get("rows")
        if current not in ROW_TABS:
            current = "rejected" if by_status.get(ItemStatus.INVALID) else "accepted"
        items = (
            batch.items.filter(status__in=ROW_TABS[current][1])
            .select_related("analysis")
            .order_by("line_number", "id")
        )
        return {
            "row_tabs": tabs,
            "current_rows": current,
            "rows_page": paginate(self.request, items, per_page=20, param="rows_page"),
        }


@login_required
def batch_progress_view(request, pk):
    """The live part of the page (htmx polls it); asks for a full refresh when the run ends so
    the table and the charts show the results."""
    batch = get_owned(request, Batch, pk=pk)
    response = render(request, "batches/_progress.html", live_context(batch))
    if batch.status not in LIVE_STATUSES and request.GET.get("was_live"):
        response["HX-Refresh"] = "true"
    return response


@login_required
def batch_charts_view(request, pk):
    """Chart data of a batch as JSON (ROI distribution, profit against velocity)."""
    batch = get_owned(request, Batch, pk=pk)
    return JsonResponse(charts.batch_charts(batch))


BATCH_ACTIONS = ("cancel", "rerun", "rescore", "delete")


@require_POST
@login_required
def batch_action_view(request, pk, action):
    if action not in BATCH_ACTIONS:
        raise Http404("No such action.")
    batch = get_owned(request, Batch, pk=pk)
    try:
        if action == "cancel":
            batch_cancel(batch=batch)
            messages.success(request, "Cancelled: the run stops after the current chunk.")
        elif action == "rerun":
            batch_rerun(batch=batch)
            messages.success(request, "A new run has started.")
        elif action == "rescore":
            config = None
            if request.POST.get("config"):
                try:
                    config = BusinessConfig.objects.for_user(request.user).get(
                        pk=request.POST["config"]
                    )
                except (BusinessConfig.DoesNotExist, ValueError, forms.ValidationError):
                    messages.error(request, "That configuration does not exist.")
                    return redirect(batch)
            batch_rescore_start(batch=batch, config=config)
            messages.success(
                request,
                f"Re-scoring with {config.name if config else 'your default settings'} "
                "(stored market data, no Keepa tokens).",
            )
        else:
            name = batch.name
            batch_delete(batch=batch)
            messages.success(request, f"Batch '{name}' deleted.")
            return redirect("batches:batch_list")
    except BatchTransitionError as exc:
        messages.error(request, str(exc))
    except ConfigInvalid as exc:
        messages.error(request, f"Cannot re-score: {exc}.")
    return redirect(batch)


@login_required
def batch_export_view(request, pk):
    """The analyses table exactly as filtered and sorted on the page, or the rejected rows."""
    batch = get_owned(request, Batch, pk=pk)
    try:
        return exports.export_response(batch, request.GET)
    except exports.ExportError as exc:
        messages.error(request, f"Cannot export: {exc}.")
        return redirect(reverse("batches:batch_detail", args=[batch.pk]))
