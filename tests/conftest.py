import pytest

from tests.factories import DEFAULT_PASSWORD, UserFactory


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):
    """Background tasks run inline in tests (Django's immediate backend)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def password():
    return DEFAULT_PASSWORD


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def other_user(db):
    return UserFactory()


@pytest.fixture
def logged_in_client(client, user):
    client.force_login(user)
    return client


# The fake Keepa on a loopback port, for every test package (see analyses.market.fake.testing).
from analyses.market.fake.testing import (  # noqa: E402, F401
    fake_keepa,
    fake_keepa_server,
    keepa_client,
    recorded_sleep,
)
