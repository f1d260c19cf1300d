from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.serializers import (
    BusinessConfigSerializer,
    TokenCreatedSerializer,
    TokenRequestSerializer,
)
from accounts.models import ApiToken, BusinessConfig
from accounts.services import config_save
from arbitragevault.api import ScopedThrottle, UserScopedMixin, UserThrottle


class BusinessConfigViewSet(UserScopedMixin, viewsets.ModelViewSet):
    """The caller's named business configurations, validated by the engine's schema."""

    queryset = BusinessConfig.objects.all()
    serializer_class = BusinessConfigSerializer

    def get_queryset(self):
        return super().get_queryset().order_by("name", "id")

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = config_save(
            user=self.request.user,
            name=data["name"],
            config_data=data.get("config_data", {}),
            is_default=bool(data.get("is_default")),
        )

    def perform_update(self, serializer):
        data = serializer.validated_data
        serializer.instance = config_save(
            user=self.request.user,
            config=serializer.instance,
            name=data.get("name"),
            config_data=data.get("config_data"),
            is_default=data.get("is_default"),
        )

    @extend_schema(responses={200: dict})
    @action(detail=False, methods=["get"])
    def defaults(self, request):
        """The built-in defaults: what applies where a configuration says nothing."""
        from analyses.engine import DEFAULT_CONFIG

        return Response(DEFAULT_CONFIG)


class TokenCreateView(APIView):
    """Trade an e-mail and password for an API token (shown once)."""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    # Password guessing: a stricter rate per address than the API's (REST_FRAMEWORK rates).
    throttle_classes = [UserThrottle, ScopedThrottle]
    throttle_scope = "auth"

    @extend_schema(request=TokenRequestSerializer, responses={201: TokenCreatedSerializer})
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        token, key = ApiToken.generate(
            user=serializer.validated_data["user"],
            name=serializer.validated_data.get("name") or "API",
        )
        body = {
            "id": token.pk,
            "name": token.name,
            "token": key,
            "prefix": token.prefix,
            "created_at": token.created_at,
        }
        return Response(TokenCreatedSerializer(body).data, status=status.HTTP_201_CREATED)
