"""Dashboard pages for batches: thin views over the FilterSets and the batch services."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django.views.generic import DetailView, ListView

from accounts.models import BusinessConfig
from accounts.services import ConfigInvalid
from analyses import charts, exports
from analyses.filtersets import AnalysisFilterSet
from arbitragevault.dashboard import OwnedMixin, paginate
from batches.filtersets import BatchFilterSet
from batches.models import Batch, Condition
from batches.services import (
    BatchTransitionError,
    batch_cancel,
    batch_create,
    batch_rerun,
    batch_rescore_start,
)
from batches.sheets import SheetError, parse_sheet, parse_text


class BatchListView(OwnedMixin, ListView):
    model = Batch
    template_name = "batches/batch_list.html"
    context_object_name = "batches"

    def get_queryset(self):
        return super().get_queryset().select_related("config").with_summary()

    def get_context_data(self, **kwargs):
        filterset = BatchFilterSet(self.request.GET or None, queryset=self.get_queryset())
        page = paginate(self.request, filterset.qs if filterset.is_valid() else filterset.queryset)
        return {
            "nav": "batches",
            "filterset": filterset,
            "page_obj": page,
            "batches": page.object_list,
            "statuses": Batch._meta.get_field("status").choices,
        }


class BatchForm(forms.Form):
    name = forms.CharField(max_length=200, required=False)
    file = forms.FileField(
        required=False, help_text="CSV or XLSX with a header row naming an ISBN and a cost column."
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
            self.add_error("file" if upload else "lines", str(exc))
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
            + (f", {rejected} rows rejected (listed below)" if rejected else "")
            + ". Analysis has started.",
        )
        return redirect(batch)
    return render(request, "batches/batch_form.html", {"form": form, "nav": "new"})


class BatchDetailView(OwnedMixin, DetailView):
    model = Batch
    template_name = "batches/batch_detail.html"
    context_object_name = "batch"

    def get_queryset(self):
        return super().get_queryset().select_related("config")

    def get_context_data(self, **kwargs):
        batch = self.object
        params = self.request.GET.copy()
        params.setlist("batch", [str(batch.pk)])
        params.setdefault("view", "balanced")
        filterset = AnalysisFilterSet(params, queryset=batch.analyses.all())
        analyses = filterset.qs if filterset.is_valid() else filterset.queryset.none()
        page = paginate(self.request, analyses)
        rejected = batch.items.rejected().order_by("line_number")
        query = self.request.GET.copy()
        query.pop("page", None)
        return {
            "batch": batch,
            "nav": "batches",
            "summary": batch.summary(),
            "filterset": filterset,
            "page_obj": page,
            "analyses": page.object_list,
            "current_view": params.get("view") if not params.get("ordering") else "",
            "ordering": params.get("ordering", ""),
            "export_query": query.urlencode(),
            "rejected_page": paginate(self.request, rejected, per_page=20, param="rejected_page"),
            "configs": BusinessConfig.objects.for_user(self.request.user),
            "live": batch.status in ("PENDING", "PROCESSING"),
            "recommendations": ["BUY", "REVIEW", "SKIP"],
            "risk_levels": ["LOW", "MEDIUM", "HIGH"],
        }


@login_required
def batch_progress_view(request, pk):
    """The live progress fragment (htmx polls it); asks for a full refresh when the run ends."""
    batch = get_object_or_404(Batch.objects.for_user(request.user), pk=pk)
    response = render(
        request,
        "batches/_progress.html",
        {"batch": batch, "summary": batch.summary(), "live": not batch.is_terminal},
    )
    if batch.is_terminal and request.GET.get("was_live"):
        response["HX-Refresh"] = "true"
    return response


@login_required
def batch_charts_view(request, pk):
    """Chart data of a batch as JSON (ROI distribution, profit against velocity)."""
    batch = get_object_or_404(Batch.objects.for_user(request.user), pk=pk)
    return JsonResponse(charts.batch_charts(batch))


@require_POST
@login_required
def batch_action_view(request, pk, action):
    batch = get_object_or_404(Batch.objects.for_user(request.user), pk=pk)
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
                config = get_object_or_404(
                    BusinessConfig.objects.for_user(request.user), pk=request.POST["config"]
                )
            batch_rescore_start(batch=batch, config=config)
            messages.success(
                request,
                f"Re-scoring with {config.name if config else 'your default settings'} "
                "(stored market data, no Keepa tokens).",
            )
        elif action == "delete":
            name = batch.name
            batch.delete()
            messages.success(request, f"Batch '{name}' deleted.")
            return redirect("batches:batch_list")
        else:
            return HttpResponse(status=404)
    except (BatchTransitionError, ConfigInvalid) as exc:
        messages.error(request, str(exc))
    return redirect(batch)


@login_required
def batch_export_view(request, pk):
    """The analyses table exactly as filtered and sorted on the page, or the rejected rows."""
    batch = get_object_or_404(Batch.objects.for_user(request.user), pk=pk)
    try:
        return exports.export_response(batch, request.GET)
    except exports.ExportError as exc:
        messages.error(request, str(exc))
        return redirect(reverse("batches:batch_detail", args=[batch.pk]))
