"""The admin is an operator console: every model lists, searches, adds and edits, without N+1."""

import pytest
from django.urls import reverse

from tests.factories import (
    AnalysisFactory,
    ApiTokenFactory,
    BatchFactory,
    BatchItemFactory,
    BusinessConfigFactory,
    MarketProductFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

FACTORIES = {
    "accounts_user": UserFactory,
    "accounts_businessconfig": BusinessConfigFactory,
    "accounts_apitoken": ApiTokenFactory,
    "batches_batch": BatchFactory,
    "batches_batchitem": BatchItemFactory,
    "analyses_analysis": AnalysisFactory,
    "analyses_marketproduct": MarketProductFactory,
}


@pytest.fixture
def staff_client(client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    return client


@pytest.mark.parametrize("model", FACTORIES)
def test_changelist_and_search_without_n_plus_one(
    staff_client, model, django_assert_max_num_queries
):
    FACTORIES[model].create_batch(3)
    url = reverse(f"admin:{model}_changelist")
    with django_assert_max_num_queries(12):
        response = staff_client.get(url)
    assert response.status_code == 200
    FACTORIES[model].create_batch(10)
    with django_assert_max_num_queries(12):
        assert staff_client.get(url).status_code == 200
    assert staff_client.get(url, {"q": "example"}).status_code == 200


@pytest.mark.parametrize("model", FACTORIES)
def test_change_page_opens(staff_client, model):
    obj = FACTORIES[model]()
    response = staff_client.get(reverse(f"admin:{model}_change", args=[obj.pk]))
    assert response.status_code == 200


@pytest.mark.parametrize("model", [m for m in FACTORIES if m != "accounts_apitoken"])
def test_add_page_opens(staff_client, model):
    assert staff_client.get(reverse(f"admin:{model}_add")).status_code == 200


def test_batch_page_shows_its_items_inline(staff_client):
    item = BatchItemFactory(raw_identifier="0-13-468599-7")
    response = staff_client.get(reverse("admin:batches_batch_change", args=[item.batch.pk]))
    assert b"0-13-468599-7" in response.content


def test_add_user_in_admin(staff_client):
    response = staff_client.post(
        reverse("admin:accounts_user_add"),
        {
            "email": "New@Example.com",
            "password1": "a-long-pass-123",
            "password2": "a-long-pass-123",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.content
    from accounts.models import User

    assert User.objects.filter(email="new@example.com").exists()


def test_config_admin_rejects_an_invalid_config_naming_the_field(staff_client):
    owner = UserFactory()
    response = staff_client.post(
        reverse("admin:accounts_businessconfig_add"),
        {"user": owner.pk, "name": "Bad", "config_data": '{"thresholds": {"min_roi_pct": -5}}'},
    )
    assert response.status_code == 200
    assert b"thresholds.min_roi_pct" in response.content


def test_config_admin_saves_a_valid_partial_config(staff_client):
    owner = UserFactory()
    response = staff_client.post(
        reverse("admin:accounts_businessconfig_add"),
        {"user": owner.pk, "name": "Strict", "config_data": '{"thresholds": {"min_roi_pct": 50}}'},
    )
    assert response.status_code == 302
    assert owner.configs.get().config_data == {"thresholds": {"min_roi_pct": 50}}
