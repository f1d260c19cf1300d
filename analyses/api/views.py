from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from analyses.api.serializers import AnalysisCreateSerializer, AnalysisSerializer
from analyses.filtersets import AnalysisFilterSet
from analyses.models import Analysis
from arbitragevault.api import FilterBackend, UserScopedMixin


@extend_schema_view(
    # The filter takes any number (e.g. 1.5e5), as the other numeric filters do.
    list=extend_schema(parameters=[OpenApiParameter("rank_max", float)]),
)
class AnalysisViewSet(
    UserScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Analyses of the caller's batches; filters and orderings are the dashboard's."""

    queryset = Analysis.objects.all()
    serializer_class = AnalysisSerializer
    filter_backends = [FilterBackend]
    filterset_class = AnalysisFilterSet

    @extend_schema(request=AnalysisCreateSerializer, responses={201: AnalysisSerializer})
    def create(self, request, *args, **kwargs):
        serializer = AnalysisCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        analysis = serializer.save()
        return Response(AnalysisSerializer(analysis).data, status=status.HTTP_201_CREATED)
