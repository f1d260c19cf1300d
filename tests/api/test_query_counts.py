"""Query counts pinned on the list endpoints: a constant that does not grow with the rows.

Each endpoint is measured with 3 rows, then with 33: the count must be the same and within
the pinned maximum (token lookup + count + page, and what the endpoint itself needs).
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import AnalysisFactory, BatchFactory, BatchItemFactory, BusinessConfigFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def batch(user):
    return BatchFactory(user=user, market_source="demo")


def _add(kind, user, batch, count):
    if kind == "batches":
        BatchFactory.create_batch(count, user=user)
    elif kind == "configs":
        BusinessConfigFactory.create_batch(count, user=user)
    elif kind == "items":
        BatchItemFactory.create_batch(count, batch=batch)
    else:
        AnalysisFactory.create_batch(count, batch=batch, recommendation="BUY")


def _count_queries(api, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = api.get(url)
        assert response.status_code == 200
        if response.streaming:
            b"".join(response.streaming_content)
    return len(queries)


# (name, kind of rows added, url, pinned maximum)
ENDPOINTS = [
    ("batches", "batches", "/api/v1/batches", 3),
    ("batches filtered", "batches", "/api/v1/batches?status=PENDING&q=sale&ordering=name", 3),
    ("analyses", "analyses", "/api/v1/analyses", 3),
    (
        "analyses filtered",
        "analyses",
        "/api/v1/analyses?batch={batch}&recommendation=BUY&roi_min=10&view=balanced",
        3,
    ),
    ("configs", "configs", "/api/v1/configs", 3),
    ("items", "items", "/api/v1/batches/{batch}/items", 4),
    ("batch detail", "analyses", "/api/v1/batches/{batch}", 4),
    ("export csv", "analyses", "/api/v1/batches/{batch}/export", 3),
    ("export xlsx", "analyses", "/api/v1/batches/{batch}/export?format=xlsx", 3),
]


@pytest.mark.parametrize(
    ("kind", "url", "pinned"), [e[1:] for e in ENDPOINTS], ids=[e[0] for e in ENDPOINTS]
)
def test_queries_do_not_grow_with_the_rows(
    api, user, batch, kind, url, pinned, django_assert_max_num_queries
):
    url = url.format(batch=batch.pk)
    api.get("/api/v1/configs/defaults")  # the token's "last used" write happens once, here
    _add(kind, user, batch, 3)
    with django_assert_max_num_queries(pinned):
        few = _count_queries(api, url)
    _add(kind, user, batch, 30)
    with django_assert_max_num_queries(pinned):
        many = _count_queries(api, url)
    assert few == many
