import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction

from accounts.models import ApiToken, BusinessConfig, User
from tests.factories import BusinessConfigFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_create_user_logs_in_by_email_whatever_its_case(client):
    User.objects.create_user(email="Ann@Example.COM", password="s3cret-pass-phrase")
    assert User.objects.get().email == "ann@example.com"
    assert client.login(username="ANN@example.com", password="s3cret-pass-phrase")


def test_email_is_unique_case_insensitively():
    User.objects.create_user(email="ann@example.com", password="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="ANN@example.com")


def test_create_superuser_sets_staff_flags():
    admin = User.objects.create_superuser(email="boss@example.com", password="pw-long-enough-1")
    assert admin.is_staff and admin.is_superuser
    with pytest.raises(ValueError):
        User.objects.create_superuser(email="x@example.com", password="p", is_staff=False)


def test_create_user_requires_an_email():
    with pytest.raises(ValueError):
        User.objects.create_user(email="", password="p")


def test_createsuperuser_runs_non_interactively(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-admin-password-42")
    call_command("createsuperuser", "--noinput", "--email", "root@example.com")
    user = User.objects.get(email="root@example.com")
    assert user.is_superuser and user.check_password("a-long-admin-password-42")


def test_config_name_is_unique_per_user_only():
    config = BusinessConfigFactory(name="Thrift")
    BusinessConfigFactory(name="Thrift")  # another user may reuse the name
    with pytest.raises(IntegrityError), transaction.atomic():
        BusinessConfig.objects.create(user=config.user, name="Thrift")


def test_only_one_default_config_per_user():
    user = UserFactory()
    BusinessConfigFactory(user=user, is_default=True)
    BusinessConfigFactory(user=user, is_default=False)
    BusinessConfigFactory(is_default=True)  # someone else's default is fine
    with pytest.raises(IntegrityError), transaction.atomic():
        BusinessConfigFactory(user=user, is_default=True)


def test_api_token_stores_only_a_hash_and_can_be_revoked():
    user = UserFactory()
    token, key = ApiToken.generate(user=user, name="zapier")
    assert key not in (token.key_hash, token.prefix) and len(key) >= 40
    assert token.key_hash == ApiToken.hash_key(key)
    assert key.startswith(token.prefix)
    assert token.is_active
    token.revoke()
    token.refresh_from_db()
    assert not token.is_active
    with pytest.raises(IntegrityError), transaction.atomic():
        ApiToken.objects.create(user=user, key_hash=token.key_hash, prefix="dup")
