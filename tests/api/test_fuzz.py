"""Schemathesis against the app's own /openapi.json, in-process (WSGI), deterministic.

Every operation of the schema is fuzzed with a fixed number of examples (derandomized, no
example database), authenticated with a real API token, against a database holding a batch
that really ran. Checks: no server error, and the response conforms to the schema — status
code, content type, headers and body.
"""

import itertools

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.models import ApiToken, BusinessConfig
from tests.batches.conftest import isbns

EXAMPLES = 25
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def _wsgi_app():
    # Django's WSGI handler closes "old" connections around each request; inside a test's
    # transaction that would throw the transaction away. Django's own test client unhooks the
    # same signal handler; so does this app for the length of the run (see `_in_test_transaction`).
    return WSGIHandler()


schema = schemathesis.openapi.from_wsgi("/openapi.json", _wsgi_app())
schema.config.generation.update(max_examples=EXAMPLES, deterministic=True, database="none")


@pytest.fixture
def _in_test_transaction():
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_world(_in_test_transaction, user, password, completed_batch, make_batch):
    """A token and real objects: a completed batch (with analyses and rejected rows), a
    pending one and a configuration, so some examples reach real rows instead of a 404."""
    _, key = ApiToken.generate(user=user, name="fuzz")
    pending = make_batch(3, name="Pending", start=100)
    config = BusinessConfig.objects.create(user=user, name="Fuzz config")
    ids = {
        "batches": itertools.cycle([None, str(completed_batch.pk), str(pending.pk)]),
        "analyses": itertools.cycle([None, str(completed_batch.analyses.first().pk)]),
        "configs": itertools.cycle([None, str(config.pk)]),
        # References inside request bodies.
        "batch_id": itertools.cycle([None, str(completed_batch.pk)]),
        "config": itertools.cycle([None, str(config.pk)]),
        # Every other token request has the right credentials.
        "credentials": itertools.cycle([None, {"email": user.email, "password": password}]),
        # Every other analysis posted names a valid book not yet in the batch.
        "isbn_or_asin": itertools.chain.from_iterable(
            (None, isbn) for isbn in isbns(10_000, start=5_000)
        ),
    }
    return {"key": key, "ids": ids}


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_answers_every_request_within_its_schema(case, fuzz_world):
    # Every other example (in a fixed rhythm) addresses one of the caller's real objects.
    if "id" in (case.path_parameters or {}):
        resource = case.operation.path.split("/")[3]
        real = next(fuzz_world["ids"][resource])
        if real is not None:
            case.path_parameters["id"] = real
    if isinstance(case.body, dict):
        for field in ("batch_id", "config", "isbn_or_asin"):
            if field in case.body:
                real = next(fuzz_world["ids"][field])
                if real is not None:
                    case.body[field] = real
        if "email" in case.body:
            real = next(fuzz_world["ids"]["credentials"])
            if real is not None:
                case.body.update(real)
    case.call_and_validate(
        headers={"Authorization": f"Token {fuzz_world['key']}"},
        checks=CHECKS,
    )
