"""Authentication: API tokens (created by POST /api/v1/auth/token, hashed, revocable) and the
browser's session (with CSRF on writes). Anonymous callers get 401 everywhere."""

import secrets

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import ApiToken, BusinessConfig
from batches.models import Batch
from tests.api.conftest import LIST_ENDPOINTS, OBJECT_ENDPOINTS, call, error_of, fill
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


# --- POST /api/v1/auth/token ---------------------------------------------------------------


def test_token_is_created_for_the_right_password_and_shown_once(anon, user, password):
    response = anon.post(
        "/api/v1/auth/token", {"email": user.email, "password": password, "name": "Zapier"}
    )
    assert response.status_code == 201
    body = response.json()
    key = body["token"]
    assert len(key) >= 40
    assert body["prefix"] == key[:8]
    assert body["name"] == "Zapier"
    stored = ApiToken.objects.get(pk=body["id"])
    assert stored.user == user
    assert stored.key_hash == ApiToken.hash_key(key) != key  # only the hash is kept
    assert key not in str(ApiToken.objects.filter(pk=stored.pk).values().first())


def test_token_works_for_the_api(anon, user, password):
    key = anon.post("/api/v1/auth/token", {"email": user.email, "password": password}).json()[
        "token"
    ]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.get("/api/v1/configs")
    assert response.status_code == 200
    assert ApiToken.objects.get(key_hash=ApiToken.hash_key(key)).last_used_at is not None


def test_token_email_is_case_insensitive(anon, user, password):
    response = anon.post("/api/v1/auth/token", {"email": user.email.upper(), "password": password})
    assert response.status_code == 201
    assert response.json()["name"] == "API"


@pytest.mark.parametrize(
    "credentials",
    [
        {"password": "wrong password"},
        {"email": "nobody@example.com"},
    ],
)
def test_token_refused_for_wrong_credentials(anon, user, password, credentials):
    payload = {"email": user.email, "password": password, **credentials}
    response = anon.post("/api/v1/auth/token", payload)
    assert response.status_code == 400
    error = error_of(response)
    assert error["message"] == "e-mail or password is wrong"
    assert not ApiToken.objects.exists()


def test_token_refused_for_a_disabled_user(anon, password):
    user = UserFactory(is_active=False)
    response = anon.post("/api/v1/auth/token", {"email": user.email, "password": password})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_token_request_names_missing_fields(anon):
    response = anon.post("/api/v1/auth/token", {"email": "not an email"})
    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == {"email", "password"}


# --- Token authentication -------------------------------------------------------------------


def test_revoked_token_is_refused_with_401(api, user):
    ApiToken.objects.get(key_hash=ApiToken.hash_key(api.token_key)).revoke()
    response = api.get("/api/v1/batches")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    error = error_of(response)
    assert error["code"] == "not_authenticated"
    assert "revoked" in error["message"]


def test_token_of_a_disabled_user_is_refused(api, user):
    user.is_active = False
    user.save()
    response = api.get("/api/v1/batches")
    assert response.status_code == 401
    assert "disabled" in error_of(response)["message"]


@pytest.mark.parametrize(
    "header",
    [
        "Token not-a-real-key",
        "Token",
        "Token two words",
        "token lowercase-keyword-unknown-key",
        "Token clé-non-ascii",
    ],
)
def test_bad_token_headers_are_401(user, header):
    client = APIClient()
    response = client.get("/api/v1/batches", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert error_of(response)["code"] == "not_authenticated"


def test_other_authorization_schemes_count_as_anonymous(user):
    response = APIClient().get("/api/v1/batches", HTTP_AUTHORIZATION="Bearer abc")
    assert response.status_code == 401
    assert error_of(response)["code"] == "not_authenticated"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    OBJECT_ENDPOINTS + LIST_ENDPOINTS,
    ids=[f"{m} {p}" for m, p, _ in OBJECT_ENDPOINTS + LIST_ENDPOINTS],
)
def test_anonymous_callers_get_401_on_every_endpoint(anon, owned_objects, method, path, body):
    response = call(anon, method, fill(path, owned_objects), fill(body, owned_objects))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert error_of(response)["code"] == "not_authenticated"
    assert BusinessConfig.objects.get(pk=owned_objects["config"].pk).name == "Mine"


# --- Session authentication (the browser) and CSRF -----------------------------------------


@pytest.fixture
def session(user):
    """A logged-in browser that sends CSRF tokens only when told to."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def _with_csrf(client) -> dict:
    secret = secrets.token_hex(16)  # 32 characters, as Django's CSRF cookie holds
    client.cookies["csrftoken"] = secret
    return {"HTTP_X_CSRFTOKEN": secret}


def test_session_can_read(session, completed_batch):
    response = session.get("/api/v1/batches")
    assert response.status_code == 200
    assert response.json()["total"] == 1


def test_session_write_without_csrf_token_is_refused_with_403(session):
    response = session.post("/api/v1/configs", {"name": "Sneaky"}, content_type="application/json")
    assert response.status_code == 403
    error = error_of(response)
    assert error["code"] == "permission_denied"
    assert "CSRF" in error["message"]
    assert not BusinessConfig.objects.exists()


def test_session_delete_without_csrf_token_is_refused(session, completed_batch):
    response = session.delete(f"/api/v1/batches/{completed_batch.pk}")
    assert response.status_code == 403
    assert error_of(response)["code"] == "permission_denied"
    assert Batch.objects.filter(pk=completed_batch.pk).exists()


def test_session_write_with_csrf_token_is_accepted(session):
    response = session.post(
        "/api/v1/configs",
        {"name": "Mine"},
        content_type="application/json",
        **_with_csrf(session),
    )
    assert response.status_code == 201


def test_token_clients_are_not_csrf_checked(user):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)  # a session cookie too: the token still decides, without CSRF
    _, key = ApiToken.generate(user=user)
    response = client.post(
        "/api/v1/configs", {"name": "Mine"}, format="json", HTTP_AUTHORIZATION=f"Token {key}"
    )
    assert response.status_code == 201


def test_token_endpoint_needs_no_csrf_token(user, password):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/api/v1/auth/token",
        {"email": user.email, "password": password},
        content_type="application/json",
    )
    assert response.status_code == 201
