"""The API's shared machinery: pagination, one error shape, per-user scoping, the router.

Every list answers `{"items", "total", "page", "per_page", "pages"}`; every 4xx/5xx answers
`{"error": {"code", "message", "fields"?}}`; every viewset sees only its user's objects.
"""

import logging
import math

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404, JsonResponse
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import exceptions, status
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle, UserRateThrottle
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger(__name__)
security_logger = logging.getLogger("django.security.api")


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the resource."
    default_code = "conflict"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The upload is too large."
    default_code = "payload_too_large"


# --- Pagination ---------------------------------------------------------------------------


def _positive_int(request, name: str, default: int, maximum: int | None = None) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    limits = f"between 1 and {maximum}" if maximum else "at least 1"
    try:
        value = int(raw)
    except ValueError:
        raise exceptions.ValidationError({name: [f"must be a whole number {limits}"]}) from None
    if value < 1 or (maximum and value > maximum):
        raise exceptions.ValidationError({name: [f"must be {limits}"]})
    return value


class PagePagination(BasePagination):
    """`?page=` (≥ 1) and `?per_page=` (1–100); a page past the end is empty, not an error."""

    default_per_page = 20
    max_per_page = 100
    deferred_from = 1000  # offset from which a page is read ids first

    def paginate_queryset(self, queryset, request, view=None):
        self.page = _positive_int(request, "page", 1)
        self.per_page = _positive_int(request, "per_page", self.default_per_page, self.max_per_page)
        self.total = queryset.count()
        start = (self.page - 1) * self.per_page
        if start >= self.total:
            return []
        window = queryset[start : start + self.per_page]
        if start < self.deferred_from:
            return list(window)
        # A deep page: the ids come from the sort index alone (no table row is read for the
        # rows skipped by OFFSET), then only the page's rows are loaded.
        ids = list(window.values_list("pk", flat=True))
        rows = {row.pk: row for row in queryset.filter(pk__in=ids)}
        return [rows[pk] for pk in ids if pk in rows]

    def get_paginated_response(self, data):
        return Response(
            {
                "items": data,
                "total": self.total,
                "page": self.page,
                "per_page": self.per_page,
                "pages": math.ceil(self.total / self.per_page) if self.total else 0,
            }
        )

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["items", "total", "page", "per_page", "pages"],
            "properties": {
                "items": schema,
                "total": {"type": "integer", "minimum": 0},
                "page": {"type": "integer", "minimum": 1},
                "per_page": {"type": "integer", "minimum": 1, "maximum": self.max_per_page},
                "pages": {"type": "integer", "minimum": 0},
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": "page",
                "in": "query",
                "required": False,
                "description": "Page number, from 1.",
                "schema": {"type": "integer", "minimum": 1, "default": 1},
            },
            {
                "name": "per_page",
                "in": "query",
                "required": False,
                "description": "Items per page, 1 to 100.",
                "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
            },
        ]


# --- Errors -------------------------------------------------------------------------------

_CODES = {
    400: "invalid",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "throttled",
}


def _flatten(detail) -> dict[str, list[str]]:
    """DRF's nested error detail → {"field.sub": ["message", ...]}."""
    out: dict[str, list[str]] = {}

    def walk(value, path):
        if isinstance(value, dict):
            for key, sub in value.items():
                walk(sub, f"{path}.{key}" if path else str(key))
        elif isinstance(value, list):
            if all(not isinstance(v, dict | list) for v in value):
                out.setdefault(path or "non_field_errors", []).extend(str(v) for v in value)
            else:
                for index, sub in enumerate(value):
                    walk(sub, f"{path}.{index}" if path else str(index))
        else:
            out.setdefault(path or "non_field_errors", []).append(str(value))

    walk(detail, "")
    return out


def error_body(status_code: int, message: str, fields: dict | None = None, code: str = "") -> dict:
    body = {"code": code or _CODES.get(status_code, "error"), "message": message}
    if fields:
        body["fields"] = fields
    return {"error": body}


def exception_handler(exc, context):
    """Every error the API raises, in one shape."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):
        # Django refuses a body over DATA_UPLOAD_MAX_MEMORY_SIZE when DRF first reads it.
        exc = PayloadTooLarge("The request body is larger than the server accepts.")
    elif isinstance(exc, SuspiciousOperation):
        # Outside DRF, Django answers these 400 (e.g. too many form fields); so does the API.
        security_logger.warning("API request refused: %s", exc)
        exc = exceptions.ParseError("The request was refused as malformed.")
    response = drf_exception_handler(exc, context)
    if response is None:
        logger.exception("API error", exc_info=exc)
        return Response(
            error_body(500, "Something went wrong on our side; it has been logged."),
            status=500,
        )
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        message = "; ".join(
            f"{k}: {' '.join(v)}" if k != "non_field_errors" else " ".join(v)
            for k, v in fields.items()
        )
        response.data = error_body(response.status_code, message or "Invalid request.", fields)
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = getattr(exc, "default_code", "") if response.status_code not in _CODES else ""
        response.data = error_body(response.status_code, str(detail), code=code)
    return response


def json_404(request, exception=None):
    return JsonResponse(error_body(404, "Not found."), status=404)


def json_500(request):
    return JsonResponse(
        error_body(500, "Something went wrong on our side; it has been logged."), status=500
    )


# --- Schema -------------------------------------------------------------------------------

ERROR_SCHEMA = {
    "type": "object",
    "description": "The one error shape of every 4xx and 5xx answer.",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string", "description": "invalid, not_found, conflict, …"},
                "message": {"type": "string", "description": "A sentence a person can act on."},
                "fields": {
                    "type": "object",
                    "description": "Each invalid field or parameter (dotted path) and what is "
                    "wrong with it.",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
            },
            "required": ["code", "message"],
            "additionalProperties": False,
        }
    },
    "required": ["error"],
    "additionalProperties": False,
}
_ERROR_DESCRIPTIONS = {
    "400": "Invalid body or query parameter; `error.fields` names each one.",
    "401": "No credentials, or an invalid or revoked token.",
    "403": "Refused (e.g. a session-authenticated write without its CSRF token).",
    "404": "No such object among yours.",
    "406": "The Accept header asks for a type this endpoint cannot produce.",
    "409": "The request conflicts with the object's current state.",
    "413": "The upload (or the request body) is larger than the limit.",
    "415": "The request body's content type is not accepted here.",
    "429": "Too many requests; retry after the number of seconds in `Retry-After`.",
}
# Errors only some operations give, by operation id.
_EXTRA_ERRORS = {
    "api_v1_batches_status_partial_update": ("409",),
    "api_v1_batches_rescore_create": ("409",),
    "api_v1_analyses_create": ("409",),
}
_WRITES = ("post", "put", "patch", "delete")
_RETRY_AFTER = {
    "schema": {"type": "integer", "minimum": 0},
    "required": True,
    "description": "Seconds to wait before the next request.",
}


def require_bodies_with_required_fields(result, generator, request, public):
    """drf-spectacular post-processing hook: a request body given as a plain schema (PATCH
    …/status: drf-spectacular makes every PATCH serializer partial) is required when its
    schema has required properties."""
    for methods in result.get("paths", {}).values():
        for operation in methods.values():
            body = operation.get("requestBody")
            if body and any(c.get("schema", {}).get("required") for c in body["content"].values()):
                body["required"] = True
    return result


def add_error_responses(result, generator, request, public):
    """drf-spectacular post-processing hook: documents the errors each operation can answer,
    all in the one error shape, so clients (and the fuzz run) know every status they may see.
    (A hook rather than an AutoSchema subclass: DRF imports this module while its views load.)
    """
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    ref = {"$ref": "#/components/schemas/Error"}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            codes = {"406", "429"}
            has_query = any(p.get("in") == "query" for p in operation.get("parameters", []))
            if "requestBody" in operation:
                codes |= {"400", "413", "415"}
            elif has_query:
                codes.add("400")
            if {} not in operation.get("security", [{}]):  # credentials required
                codes.add("401")
                if method in _WRITES:
                    codes.add("403")
            if "{" in path:
                codes.add("404")
            codes.update(_EXTRA_ERRORS.get(operation.get("operationId"), ()))
            responses = operation.setdefault("responses", {})
            for code in sorted(codes):
                answer = {
                    "content": {"application/json": {"schema": ref}},
                    "description": _ERROR_DESCRIPTIONS[code],
                }
                if code == "429":
                    answer["headers"] = {"Retry-After": _RETRY_AFTER}
                responses.setdefault(code, answer)
    return result


# --- Filtering ----------------------------------------------------------------------------


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, but a filter's error message is never %-formatted twice.

    django-filter's `translate_validation` applies `message % params` even when a message has
    no params, so an error that quotes the user's input (`?ordering=100%`) crashed with a 500.
    The form's own error list formats each message once, the way Django does.
    """

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        if not filterset.is_valid():
            raise exceptions.ValidationError(
                {field: list(errors) for field, errors in filterset.errors.items()}
            )
        return filterset.qs


# --- Scoping and throttling ----------------------------------------------------------------


class UserScopedMixin:
    """Every object is its owner's: the queryset is filtered once here, for every viewset, so
    another user's id is simply not found (404), never forbidden (403)."""

    def get_queryset(self):
        queryset = super().get_queryset()
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return queryset.none()
        return queryset.for_user(self.request.user)


class _RetryAfterMixin:
    def wait(self):
        """Seconds until the next request is allowed, always a number so a 429 always says
        `Retry-After` (DRF gives up when more requests are on record than the rate allows,
        e.g. after the rate was lowered)."""
        wait = super().wait()
        if wait is None and self.history:
            # Allowed again once the num_requests-th most recent request leaves the window.
            oldest_in_the_way = self.history[min(self.num_requests, len(self.history)) - 1]
            wait = max(self.duration - (self.now - oldest_in_the_way), 1)
        return wait


class UserThrottle(_RetryAfterMixin, UserRateThrottle):
    """Per-user request rate (setting API_THROTTLE_RATE); anonymous callers by IP."""

    def get_rate(self):
        from django.conf import settings

        return settings.API_THROTTLE_RATE


class ScopedThrottle(_RetryAfterMixin, ScopedRateThrottle):
    """A stricter rate for views with a `throttle_scope` (e.g. password attempts at
    POST /api/v1/auth/token), from REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]. Read at each
    request: DRF's own class keeps the rates it saw at import."""

    def get_rate(self):
        from rest_framework.settings import api_settings

        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
