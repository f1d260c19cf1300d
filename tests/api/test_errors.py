"""One error shape for every 4xx and 5xx — `{"error": {"code", "message", "fields"?}}` — and
per-user throttling (429 with Retry-After)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from analyses.api.views import AnalysisViewSet
from batches.api.views import BatchViewSet
from tests.api.conftest import error_of, token_client
from tests.factories import BatchFactory

pytestmark = pytest.mark.django_db


def _bad_request(api, objects, settings, monkeypatch):
    return api.get("/api/v1/analyses", {"roi_min": "high"})


def _unauthenticated(api, objects, settings, monkeypatch):
    return APIClient().get("/api/v1/batches")


def _not_found(api, objects, settings, monkeypatch):
    return api.get("/api/v1/batches/00000000-0000-0000-0000-000000000000")


def _method_not_allowed(api, objects, settings, monkeypatch):
    return api.delete("/api/v1/analyses")


def _not_acceptable(api, objects, settings, monkeypatch):
    return api.get("/api/v1/batches", HTTP_ACCEPT="text/html")


def _conflict(api, objects, settings, monkeypatch):
    return api.patch(f"/api/v1/batches/{objects['batch'].pk}/status", {"status": "PENDING"})


def _too_large(api, objects, settings, monkeypatch):
    settings.SHEET_MAX_BYTES = 10
    upload = SimpleUploadedFile("big.csv", b"isbn,cost\n9780134685991,1.00\n")
    return api.post("/api/v1/batches", {"file": upload}, format="multipart")


def _unsupported_media_type(api, objects, settings, monkeypatch):
    return api.post("/api/v1/configs", "name=x", content_type="text/plain")


def _throttled(api, objects, settings, monkeypatch):
    settings.API_THROTTLE_RATE = "1/minute"
    api.get("/api/v1/configs")
    return api.get("/api/v1/configs")


def _server_error(api, objects, settings, monkeypatch):
    def explode(self, request, *args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(AnalysisViewSet, "list", explode)
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Token {api.token_key}")
    return client.get("/api/v1/analyses")


ERRORS = [
    (400, "invalid", _bad_request),
    (401, "not_authenticated", _unauthenticated),
    (404, "not_found", _not_found),
    (405, "method_not_allowed", _method_not_allowed),
    (406, "not_acceptable", _not_acceptable),
    (409, "conflict", _conflict),
    (413, "payload_too_large", _too_large),
    (415, "unsupported_media_type", _unsupported_media_type),
    (429, "throttled", _throttled),
    (500, "error", _server_error),
]


@pytest.mark.parametrize(
    ("status", "code", "make"), ERRORS, ids=[str(status) for status, _, _ in ERRORS]
)
def test_every_error_has_the_one_shape(api, user, settings, monkeypatch, status, code, make):
    objects = {"batch": BatchFactory(user=user, status="COMPLETED")}
    response = make(api, objects, settings, monkeypatch)
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    error = error_of(response)
    assert error["code"] == code
    if status == 400:
        assert error["fields"] == {"roi_min": ["Enter a number."]}
    else:
        assert "fields" not in error


def test_a_body_over_the_servers_limit_is_a_413_not_a_crash(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    items = [{"identifier": "9780134685991", "cost": "1.00"}] * 100
    response = api.post("/api/v1/batches", {"items": items})
    assert response.status_code == 413
    assert error_of(response)["code"] == "payload_too_large"
    upload = SimpleUploadedFile("books.csv", b"isbn,cost\n9780134685991,1.00\n")
    response = api.post(
        "/api/v1/batches", {"file": upload, "description": "x" * 2000}, format="multipart"
    )
    assert response.status_code == 413


def test_a_form_with_too_many_fields_is_a_400_not_a_crash(api, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    upload = SimpleUploadedFile("books.csv", b"isbn,cost\n9780134685991,1.00\n")
    fields = {f"extra{n}": "x" for n in range(10)}
    response = api.post("/api/v1/batches", {"file": upload, **fields}, format="multipart")
    assert response.status_code == 400
    assert error_of(response)["message"] == "The request was refused as malformed."


def test_an_unexpected_exception_is_a_500_in_the_one_shape(api, monkeypatch, caplog):
    def explode(self, request, *args, **kwargs):
        raise RuntimeError("database password is hunter2")

    monkeypatch.setattr(AnalysisViewSet, "list", explode)
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Token {api.token_key}")
    response = client.get("/api/v1/analyses")
    assert response.status_code == 500
    error = error_of(response)
    assert error == {
        "code": "error",
        "message": "Something went wrong on our side; it has been logged.",
    }
    assert "hunter2" not in response.content.decode()
    assert any("hunter2" in str(r.exc_info[1]) for r in caplog.records if r.exc_info)


def test_a_crash_outside_the_view_is_a_500_in_the_one_shape(api, monkeypatch):
    def explode(self, request, response, *args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(BatchViewSet, "finalize_response", explode)
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Token {api.token_key}")
    response = client.get("/api/v1/batches")
    assert response.status_code == 500
    assert error_of(response)["code"] == "error"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/nothing-here",
        "/api/v1/batches/",  # no trailing slashes in this API
        "/api/v2/batches",
        "/api/",
        "/api/v1/batches/not-a-uuid/items",
    ],
)
def test_unknown_api_paths_are_404s_in_the_one_shape(api, path):
    response = api.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert error_of(response) == {"code": "not_found", "message": "Not found."}


def test_unknown_paths_outside_the_api_stay_html(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "text/html" in response["Content-Type"]


def test_a_malformed_json_body_is_a_400_in_the_one_shape(api):
    response = api.post("/api/v1/configs", '{"name": ', content_type="application/json")
    assert response.status_code == 400
    assert error_of(response)["message"].startswith("JSON parse error")


def test_validation_messages_name_every_field(api):
    response = api.post("/api/v1/analyses", {"quantity": 0})
    error = error_of(response)
    assert set(error["fields"]) == {"batch_id", "isbn_or_asin", "buy_price", "quantity"}
    for field in error["fields"]:
        assert f"{field}: " in error["message"]


# --- Throttling ---------------------------------------------------------------------------


def test_throttling_answers_429_with_retry_after(api, settings):
    settings.API_THROTTLE_RATE = "3/minute"
    statuses = [api.get("/api/v1/configs").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = api.get("/api/v1/batches")
    assert response.status_code == 429
    retry_after = int(response["Retry-After"])
    assert 0 < retry_after <= 60
    error = error_of(response)
    assert error["code"] == "throttled"
    assert f"{retry_after} seconds" in error["message"]


def test_throttling_is_per_user(api, other_user, settings):
    settings.API_THROTTLE_RATE = "2/minute"
    for _ in range(2):
        api.get("/api/v1/configs")
    assert api.get("/api/v1/configs").status_code == 429
    assert token_client(other_user).get("/api/v1/configs").status_code == 200


def test_anonymous_token_requests_are_throttled_by_address(anon, user, password, settings):
    settings.API_THROTTLE_RATE = "2/minute"
    payload = {"email": user.email, "password": "wrong"}
    statuses = [anon.post("/api/v1/auth/token", payload).status_code for _ in range(3)]
    assert statuses == [400, 400, 429]
    assert int(anon.post("/api/v1/auth/token", payload)["Retry-After"]) > 0


def test_password_attempts_have_a_stricter_rate_of_their_own(anon, api, user, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"auth": "2/minute"},
    }
    payload = {"email": user.email, "password": "guess"}
    statuses = [anon.post("/api/v1/auth/token", payload).status_code for _ in range(3)]
    assert statuses == [400, 400, 429]
    response = anon.post("/api/v1/auth/token", payload)
    assert int(response["Retry-After"]) > 0
    assert error_of(response)["code"] == "throttled"
    assert api.get("/api/v1/configs").status_code == 200  # the rest of the API is unaffected


def test_a_lowered_rate_still_says_when_to_retry(api, settings):
    for _ in range(5):
        api.get("/api/v1/configs")
    settings.API_THROTTLE_RATE = "2/minute"  # five requests on record, two allowed
    response = api.get("/api/v1/configs")
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
