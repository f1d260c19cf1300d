"""Fixtures for the REST API tests: token clients for two users, batches that really ran."""

from decimal import Decimal

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts.models import ApiToken
from analyses.market.service import market_service
from batches.services import batch_create, batch_run
from batches.sheets import rows_from_items
from tests.batches.conftest import isbns

# Costs cycle so a demo run gives a mix of BUY, REVIEW and SKIP.
COSTS = ("1.00", "3.00", "8.00")


@pytest.fixture(autouse=True)
def _api_settings(settings):
    """Demo market data whatever the environment says; a fast password hasher (users are made
    by the hundred); a throttle rate no test reaches by accident; the throttle's history (in
    the cache) forgotten before and after each test."""
    settings.MARKET_DATA_SOURCE = "demo"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.API_THROTTLE_RATE = "10000/minute"
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"auth": "10000/minute"},
    }
    cache.clear()
    yield
    cache.clear()


def token_client(user) -> APIClient:
    """A client that authenticates the way integrations do: `Authorization: Token <key>`."""
    _, key = ApiToken.generate(user=user, name="tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    client.token_key = key
    return client


@pytest.fixture
def api(user):
    """The first user's token client."""
    return token_client(user)


@pytest.fixture
def other_api(other_user):
    """A second user's token client (isolation tests)."""
    return token_client(other_user)


@pytest.fixture
def anon():
    return APIClient()


def book_items(count: int, *, start: int = 0) -> list[dict]:
    return [
        {"identifier": isbn, "cost": COSTS[n % len(COSTS)]}
        for n, isbn in enumerate(isbns(count, start=start))
    ]


@pytest.fixture
def make_batch(user):
    """A batch made by the service (not run unless `run=True`: then with demo market data)."""

    def make(count=5, *, owner=None, run=False, start=0, name="Library sale", **kwargs):
        batch = batch_create(
            user=owner or user,
            name=name,
            sheet=rows_from_items(book_items(count, start=start)),
            enqueue=False,
            **kwargs,
        )
        if run:
            batch_run(batch_id=batch.pk, market=market_service(source="demo"))
            batch.refresh_from_db()
        return batch

    return make


@pytest.fixture
def completed_batch(make_batch):
    """Thirty books analysed with demo data: BUY, REVIEW and SKIP rows, two not found."""
    return make_batch(30, run=True)


def dec(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def error_of(response) -> dict:
    """The `error` object of the API's one error shape (asserting the shape on the way)."""
    body = response.json()
    assert set(body) == {"error"}, body
    assert {"code", "message"} <= set(body["error"]) <= {"code", "message", "fields"}, body
    assert isinstance(body["error"]["code"], str) and body["error"]["code"]
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]


# Every operation of the API on one of the first user's objects: (method, path, body).
# `{batch}`, `{analysis}` and `{config}` are filled in with real ids (`owned_objects`).
OBJECT_ENDPOINTS = [
    ("get", "/api/v1/batches/{batch}", None),
    ("delete", "/api/v1/batches/{batch}", None),
    ("patch", "/api/v1/batches/{batch}/status", {"status": "CANCELLED"}),
    ("post", "/api/v1/batches/{batch}/run", None),
    ("post", "/api/v1/batches/{batch}/rescore", {}),
    ("get", "/api/v1/batches/{batch}/items", None),
    ("get", "/api/v1/batches/{batch}/export", None),
    ("get", "/api/v1/batches/{batch}/export?format=xlsx", None),
    ("get", "/api/v1/batches/{batch}/export?kind=rejected", None),
    ("get", "/api/v1/analyses/{analysis}", None),
    ("get", "/api/v1/configs/{config}", None),
    ("put", "/api/v1/configs/{config}", {"name": "Taken over", "config_data": {}}),
    ("patch", "/api/v1/configs/{config}", {"is_default": False}),
    ("delete", "/api/v1/configs/{config}", None),
]
LIST_ENDPOINTS = [
    ("get", "/api/v1/batches", None),
    ("post", "/api/v1/batches", {"items": [{"identifier": "9780134685991", "cost": "1"}]}),
    ("get", "/api/v1/analyses", None),
    ("post", "/api/v1/analyses", {"batch_id": "{batch}", "isbn_or_asin": "9780262033848"}),
    ("get", "/api/v1/configs", None),
    ("post", "/api/v1/configs", {"name": "New"}),
    ("get", "/api/v1/configs/defaults", None),
]


@pytest.fixture
def owned_objects(user, completed_batch):
    """The first user's completed batch, one of its analyses and a default configuration."""
    from tests.factories import BusinessConfigFactory

    config = BusinessConfigFactory(user=user, name="Mine", is_default=True)
    return {
        "batch": completed_batch,
        "analysis": completed_batch.analyses.order_by("id").first(),
        "config": config,
    }


def fill(template, objects):
    """An endpoint's path or body with the owned objects' ids filled in."""
    ids = {name: str(obj.pk) for name, obj in objects.items()}
    if template is None:
        return None
    if isinstance(template, str):
        return template.format(**ids)
    return {k: fill(v, objects) if isinstance(v, str) else v for k, v in template.items()}


def call(client, method, path, body=None, **extra):
    if method == "get":
        return client.get(path, **extra)
    return getattr(client, method)(path, body, format="json", **extra)
