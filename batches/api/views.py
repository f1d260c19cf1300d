from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response

from accounts.services import ConfigInvalid
from analyses import exports
from analyses.filtersets import ORDERING_FIELDS, VIEWS
from analyses.models import Recommendation, RiskLevel
from arbitragevault.api import Conflict, FilterBackend, PayloadTooLarge, UserScopedMixin
from batches.api.serializers import (
    BatchCreatedSerializer,
    BatchCreateFromFileSerializer,
    BatchCreateFromItemsSerializer,
    BatchDetailSerializer,
    BatchItemSerializer,
    BatchRescoreSerializer,
    BatchSerializer,
    BatchStatusSerializer,
)
from batches.filtersets import BatchFilterSet, BatchItemFilterSet
from batches.models import Batch, ItemStatus
from batches.services import (
    BatchTransitionError,
    batch_create,
    batch_delete,
    batch_rerun,
    batch_rescore_start,
    batch_set_status,
)
from batches.sheets import SheetError, parse_sheet, rows_from_items

_AS_IN_ANALYSES = "As in GET /api/v1/analyses."
# The analyses list's filters (AnalysisFilterSet), which the export applies to its rows.
ANALYSIS_FILTER_PARAMETERS = [
    OpenApiParameter("recommendation", str, many=True, enum=Recommendation.values),
    OpenApiParameter("risk_level", str, many=True, enum=RiskLevel.values),
    *[
        OpenApiParameter(name, float, description=_AS_IN_ANALYSES)
        for name in ("roi_min", "roi_max", "profit_min", "velocity_min", "rank_max")
    ],
    OpenApiParameter("q", str, description="Identifier, ASIN or title contains."),
    OpenApiParameter("view", str, enum=list(VIEWS), description=_AS_IN_ANALYSES),
    OpenApiParameter(
        "ordering",
        str,
        description=f"Comma-separated, '-' for descending: {', '.join(ORDERING_FIELDS)}.",
    ),
]


class ExportNegotiation(DefaultContentNegotiation):
    """An export's file type comes from `?format=`, whatever the Accept header says (a client
    asking for text/csv must not get a 406); its errors answer JSON like every other."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class BatchViewSet(
    UserScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """The caller's batches: create from a sheet or a list, follow, run, re-score, export."""

    queryset = Batch.objects.all()
    serializer_class = BatchSerializer
    filter_backends = [FilterBackend]
    filterset_class = BatchFilterSet
    parser_classes = [JSONParser, MultiPartParser]

    def get_serializer_class(self):
        return BatchDetailSerializer if self.action == "retrieve" else BatchSerializer

    @extend_schema(
        request={
            "application/json": BatchCreateFromItemsSerializer,
            "multipart/form-data": BatchCreateFromFileSerializer,
        },
        responses={201: BatchCreatedSerializer},
        description="Create a batch from JSON `items` or a multipart `file` (CSV or XLSX). "
        "Invalid rows are kept and listed in `row_errors`; processing is queued unless "
        "`run` is false.",
    )
    def create(self, request, *args, **kwargs):
        upload = request.FILES.get("file")
        if upload is not None and upload.size > settings.SHEET_MAX_BYTES:
            raise PayloadTooLarge(
                f"The file is {upload.size / 1_048_576:.1f} MB; the limit is "
                f"{settings.SHEET_MAX_BYTES / 1_048_576:.0f} MB."
            )
        given = set(request.data.keys()) if hasattr(request.data, "keys") else set()
        if ("items" in given) == ("file" in given):
            raise exceptions.ValidationError(
                {"items": ["give either items (JSON) or a file (multipart), not both or neither"]}
            )
        serializer_class = (
            BatchCreateFromFileSerializer if "file" in given else BatchCreateFromItemsSerializer
        )
        serializer = serializer_class(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            if "file" in data:
                sheet = parse_sheet(
                    data["file"].read(),
                    data["file"].name,
                    default_condition=data["condition"],
                    max_rows=settings.SHEET_MAX_ROWS,
                    max_bytes=settings.SHEET_MAX_BYTES,
                )
            else:
                sheet = rows_from_items(
                    request.data.get("items") or [],
                    default_condition=data["condition"],
                    max_rows=settings.SHEET_MAX_ROWS,
                )
        except SheetError as exc:
            field = "file" if "file" in data else "items"
            raise exceptions.ValidationError({field: [str(exc)]}) from exc
        name = data.get("name") or (data["file"].name if "file" in data else "API batch")
        batch = batch_create(
            user=request.user,
            name=name,
            sheet=sheet,
            description=data.get("description", ""),
            config=data.get("config"),
            condition=data["condition"],
            source_filename=data["file"].name if "file" in data else "",
            enqueue=data["run"],
        )
        body = BatchCreatedSerializer(batch, context={"invalid_rows": sheet.invalid_rows}).data
        return Response(body, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        batch_delete(batch=instance)

    @extend_schema(
        # A plain schema: drf-spectacular would make the serializer partial, as for any PATCH,
        # but `status` is required here.
        request={
            "application/json": {
                "type": "object",
                "properties": {"status": {"$ref": "#/components/schemas/BatchStatusEnum"}},
                "required": ["status"],
            }
        },
        responses={200: BatchSerializer},
    )
    @action(detail=True, methods=["patch"], url_path="status", parser_classes=[JSONParser])
    def set_status(self, request, pk=None):
        """Move the batch along DOMAIN.md §12; an impossible transition answers 409."""
        batch = self.get_object()
        serializer = BatchStatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            batch = batch_set_status(batch=batch, status=serializer.validated_data["status"])
        except BatchTransitionError as exc:
            raise Conflict(str(exc)) from exc
        return Response(BatchSerializer(batch).data)

    @extend_schema(request=None, responses={202: BatchSerializer})
    @action(detail=True, methods=["post"])
    def run(self, request, pk=None):
        """Queue a run: starts a pending batch, resumes a stalled one, re-runs a finished one."""
        batch = batch_rerun(batch=self.get_object())
        return Response(BatchSerializer(batch).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=BatchRescoreSerializer, responses={202: BatchSerializer})
    @action(detail=True, methods=["post"], parser_classes=[JSONParser])
    def rescore(self, request, pk=None):
        """Recompute every analysis of a COMPLETED batch from its stored market data with a
        configuration: `config` omitted = the batch's own, null = your default. No Keepa call."""
        batch = self.get_object()
        serializer = BatchRescoreSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        # Omitted: the batch's own configuration; null: the user's default (else built-ins).
        config = serializer.validated_data.get("config", batch.config)
        try:
            batch = batch_rescore_start(batch=batch, config=config)
        except BatchTransitionError as exc:
            raise Conflict(str(exc)) from exc
        except ConfigInvalid as exc:
            raise exceptions.ValidationError({"config": [str(exc)]}) from exc
        return Response(BatchSerializer(batch).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "status", str, many=True, enum=ItemStatus.values, description="Item status."
            ),
        ],
        responses={200: BatchItemSerializer(many=True)},
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def items(self, request, pk=None):
        """Every row of the sheet, rejected ones with their line numbers and errors."""
        batch = self.get_object()
        filterset = BatchItemFilterSet(request.query_params, queryset=batch.items.all())
        if not filterset.is_valid():
            raise exceptions.ValidationError(filterset.errors)
        page = self.paginate_queryset(filterset.qs)
        return self.get_paginated_response(BatchItemSerializer(page, many=True).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("format", str, enum=["csv", "xlsx"], description="Default csv."),
            OpenApiParameter(
                "kind", str, enum=["analyses", "rejected"], description="Default analyses."
            ),
            *ANALYSIS_FILTER_PARAMETERS,
        ],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY),
            (200, exports.XLSX_TYPE): OpenApiResponse(OpenApiTypes.BINARY),
        },
    )
    @action(
        detail=True,
        methods=["get"],
        filter_backends=[],
        pagination_class=None,
        content_negotiation_class=ExportNegotiation,
    )
    def export(self, request, pk=None):
        """The analyses exactly as filtered and ordered (the analyses list's parameters), or
        the rejected rows; CSV streamed, XLSX built in a temporary file."""
        batch = self.get_object()
        try:
            return exports.export_response(batch, request.query_params)
        except exports.ExportError as exc:
            raise exceptions.ValidationError({exc.field: [exc.message]}) from exc
