from django.contrib import admin
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from accounts.api.views import BusinessConfigViewSet, TokenCreateView
from analyses.api.views import AnalysisViewSet
from arbitragevault import health
from arbitragevault.api import json_404
from batches.api.views import BatchViewSet

router = SimpleRouter(trailing_slash=False)
router.register("batches", BatchViewSet, basename="batch")
router.register("analyses", AnalysisViewSet, basename="analysis")
router.register("configs", BusinessConfigViewSet, basename="config")

api_v1 = [
    path("auth/token", TokenCreateView.as_view(), name="auth_token"),
    *router.urls,
    # Anything else under /api/ is a 404 in the API's error shape, DEBUG or not.
    re_path(r"^.*$", csrf_exempt(json_404), name="not_found"),
]

urlpatterns = [
    path("health", health.health, name="health"),
    path("health/ready", health.ready, name="health_ready"),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("openapi.json", SpectacularJSONAPIView.as_view(), name="openapi"),
    path("docs", SpectacularSwaggerView.as_view(url_name="openapi"), name="docs"),
    path("admin/", admin.site.urls),
    path("", include("accounts.urls")),
    path("", include("batches.urls")),
    path("", include("analyses.urls")),
]

handler404 = "arbitragevault.views.page_not_found"
handler500 = "arbitragevault.views.server_error"
