"""Every object is its owner's: another user's id is a 404 (never a 403, never data), lists
never show another user's objects, and another user's objects cannot be referenced."""

import json
import uuid

import pytest

from accounts.models import BusinessConfig
from analyses.models import Analysis
from batches.models import Batch, BatchStatus
from tests.api.conftest import OBJECT_ENDPOINTS, call, error_of, fill

pytestmark = pytest.mark.django_db


def _unchanged(objects) -> None:
    batch = Batch.objects.get(pk=objects["batch"].pk)
    assert batch.status == BatchStatus.COMPLETED
    assert batch.config_id is None
    assert Analysis.objects.filter(batch=batch).count() == objects["batch"].analyses.count() > 0
    config = BusinessConfig.objects.get(pk=objects["config"].pk)
    assert (config.name, config.is_default) == ("Mine", True)


@pytest.mark.parametrize(
    ("method", "path", "body"), OBJECT_ENDPOINTS, ids=[f"{m} {p}" for m, p, _ in OBJECT_ENDPOINTS]
)
def test_another_users_object_is_not_found(other_api, owned_objects, method, path, body):
    response = call(other_api, method, fill(path, owned_objects), fill(body, owned_objects))
    assert response.status_code == 404
    assert error_of(response) == {"code": "not_found", "message": "Not found."}
    _unchanged(owned_objects)


@pytest.mark.parametrize(
    ("method", "path", "body"), OBJECT_ENDPOINTS, ids=[f"{m} {p}" for m, p, _ in OBJECT_ENDPOINTS]
)
def test_another_users_object_answers_exactly_like_a_missing_one(
    other_api, owned_objects, method, path, body
):
    missing = {name: type(obj)(pk=uuid.uuid4()) for name, obj in owned_objects.items()}
    theirs = call(other_api, method, fill(path, owned_objects), fill(body, owned_objects))
    absent = call(other_api, method, fill(path, missing), fill(body, missing))
    assert (theirs.status_code, theirs.json()) == (absent.status_code, absent.json())


def test_lists_never_show_another_users_objects(other_api, owned_objects):
    for path in ("/api/v1/batches", "/api/v1/analyses", "/api/v1/configs"):
        body = other_api.get(path).json()
        assert (body["total"], body["items"]) == (0, []), path
    batch_id = str(owned_objects["batch"].pk)
    assert other_api.get("/api/v1/analyses", {"batch": batch_id}).json()["total"] == 0
    assert other_api.get("/api/v1/analyses", {"q": "978"}).json()["total"] == 0


def test_lists_show_each_user_their_own(api, other_api, owned_objects, make_batch, other_user):
    theirs = make_batch(2, owner=other_user, name="Theirs")
    mine = api.get("/api/v1/batches").json()
    assert [b["id"] for b in mine["items"]] == [str(owned_objects["batch"].pk)]
    other = other_api.get("/api/v1/batches").json()
    assert [b["id"] for b in other["items"]] == [str(theirs.pk)]
    text = json.dumps(other)
    assert str(owned_objects["batch"].pk) not in text


def test_another_users_batch_cannot_receive_analyses(other_api, owned_objects):
    theirs = other_api.post(
        "/api/v1/analyses",
        {
            "batch_id": str(owned_objects["batch"].pk),
            "isbn_or_asin": "9780262033848",
            "buy_price": "1.00",
        },
    )
    assert theirs.status_code == 400
    assert list(error_of(theirs)["fields"]) == ["batch_id"]
    assert not Analysis.objects.filter(isbn_or_asin="9780262033848").exists()


def test_another_users_config_cannot_be_used_for_a_new_batch(other_api, owned_objects):
    response = other_api.post(
        "/api/v1/batches",
        {
            "items": [{"identifier": "9780134685991", "cost": "1"}],
            "config": str(owned_objects["config"].pk),
        },
    )
    assert response.status_code == 400
    assert list(error_of(response)["fields"]) == ["config"]
    assert Batch.objects.count() == 1


def test_another_users_config_cannot_be_used_to_rescore(
    other_api, other_user, owned_objects, make_batch
):
    own = make_batch(2, owner=other_user)
    Batch.objects.filter(pk=own.pk).update(status=BatchStatus.COMPLETED)
    response = other_api.post(
        f"/api/v1/batches/{own.pk}/rescore", {"config": str(owned_objects["config"].pk)}
    )
    assert response.status_code == 400
    assert list(error_of(response)["fields"]) == ["config"]
    assert Batch.objects.get(pk=own.pk).status == BatchStatus.COMPLETED
