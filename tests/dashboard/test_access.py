"""Every dashboard page needs a login, and shows only the user's own objects (another user's
batch, book, configuration or token is a 404, never a peek)."""

import uuid

import pytest
from django.urls import reverse

from tests.factories import (
    AnalysisFactory,
    ApiTokenFactory,
    BatchFactory,
    BusinessConfigFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ANY = uuid.uuid4()
PAGES = [
    ("batches:batch_list", {}),
    ("batches:batch_create", {}),
    ("batches:batch_detail", {"pk": ANY}),
    ("batches:batch_progress", {"pk": ANY}),
    ("batches:batch_charts", {"pk": ANY}),
    ("batches:batch_export", {"pk": ANY}),
    ("analyses:analysis_detail", {"pk": ANY}),
    ("analyses:lookup", {}),
    ("accounts:config_list", {}),
    ("accounts:config_create", {}),
    ("accounts:config_edit", {"pk": ANY}),
    ("accounts:token_list", {}),
]
ACTIONS = [
    ("batches:batch_action", {"pk": ANY, "action": "cancel"}),
    ("accounts:config_action", {"pk": ANY, "action": "default"}),
    ("accounts:token_revoke", {"pk": ANY}),
]


@pytest.mark.parametrize(("name", "kwargs"), PAGES + ACTIONS)
def test_anonymous_visitors_are_sent_to_the_login_page(client, name, kwargs):
    url = reverse(name, kwargs=kwargs)
    response = client.post(url) if (name, kwargs) in ACTIONS else client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={url}"


def test_the_home_page_is_the_batch_list(logged_in_client):
    response = logged_in_client.get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse("batches:batch_list")


@pytest.fixture
def theirs(other_user):
    """One of everything, belonging to another user."""
    batch = BatchFactory(user=other_user, name="Their secret sale")
    return {
        "batch": batch,
        "analysis": AnalysisFactory(batch=batch, title="Their secret book"),
        "config": BusinessConfigFactory(user=other_user, name="Their secret config"),
        "token": ApiTokenFactory(user=other_user, name="their-secret-token"),
    }


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("batches:batch_detail", "batch"),
        ("batches:batch_progress", "batch"),
        ("batches:batch_charts", "batch"),
        ("batches:batch_export", "batch"),
        ("analyses:analysis_detail", "analysis"),
        ("accounts:config_edit", "config"),
    ],
)
def test_another_users_object_is_a_404(logged_in_client, theirs, name, key):
    response = logged_in_client.get(reverse(name, args=[theirs[key].pk]))
    assert response.status_code == 404
    assert b"secret" not in response.content


@pytest.mark.parametrize(
    ("name", "key", "action"),
    [
        ("batches:batch_action", "batch", "cancel"),
        ("batches:batch_action", "batch", "delete"),
        ("batches:batch_action", "batch", "rerun"),
        ("batches:batch_action", "batch", "rescore"),
        ("accounts:config_action", "config", "default"),
        ("accounts:config_action", "config", "delete"),
        ("accounts:token_revoke", "token", None),
    ],
)
def test_another_users_object_cannot_be_acted_on(logged_in_client, theirs, name, key, action):
    obj = theirs[key]
    args = [obj.pk, action] if action else [obj.pk]
    assert logged_in_client.post(reverse(name, args=args)).status_code == 404
    obj.refresh_from_db()  # still there, unchanged
    if key == "token":
        assert obj.is_active
    if key == "config":
        assert not obj.is_default


def test_lists_never_show_another_users_objects(logged_in_client, theirs, user):
    BatchFactory(user=user, name="My own sale")
    for name in ("batches:batch_list", "accounts:config_list", "accounts:token_list"):
        response = logged_in_client.get(reverse(name))
        assert response.status_code == 200
        assert b"secret" not in response.content, name
    assert b"My own sale" in logged_in_client.get(reverse("batches:batch_list")).content


def test_another_users_config_cannot_be_picked_for_a_batch(logged_in_client, theirs):
    response = logged_in_client.post(
        reverse("batches:batch_create"),
        {"lines": "9780134685991, 2.00", "condition": "used", "config": theirs["config"].pk},
    )
    assert response.status_code == 200
    assert b"Select a valid choice" in response.content


def test_a_404_page_is_friendly(logged_in_client):
    response = logged_in_client.get(reverse("batches:batch_detail", args=[uuid.uuid4()]))
    assert response.status_code == 404
    assert b"belongs to another account" in response.content


def test_the_login_page_logs_in_by_email_and_goes_to_the_batches(client, password):
    user = UserFactory(email="reseller@example.com")
    page = client.get(reverse("accounts:login"))
    assert page.status_code == 200 and b'type="email"' in page.content
    response = client.post(
        reverse("accounts:login"), {"username": "Reseller@Example.com", "password": password}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("batches:batch_list")
    assert client.get(reverse("batches:batch_list")).context["user"] == user


def test_a_wrong_password_says_so_without_a_500(client):
    UserFactory(email="reseller@example.com")
    response = client.post(
        reverse("accounts:login"), {"username": "reseller@example.com", "password": "nope"}
    )
    assert response.status_code == 200
    assert b"do not match" in response.content


def test_logout_is_a_post_and_ends_the_session(logged_in_client):
    response = logged_in_client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert logged_in_client.get(reverse("batches:batch_list")).status_code == 302


def test_the_demo_banner_shows_while_demo_market_data_is_in_use(client, user, settings):
    assert b'data-testid="demo-banner"' in client.get(reverse("accounts:login")).content
    client.force_login(user)
    logged_in_client = client
    page = logged_in_client.get(reverse("batches:batch_list"))
    assert b'data-testid="demo-banner"' in page.content
    settings.MARKET_DATA_SOURCE = "keepa"
    page = logged_in_client.get(reverse("batches:batch_list"))
    assert b'data-testid="demo-banner"' not in page.content
