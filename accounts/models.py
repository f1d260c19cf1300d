import hashlib
import secrets

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from arbitragevault.models import TimeStampedModel


class UserManager(BaseUserManager):
    """Creates users identified by e-mail; e-mails are stored lower-cased."""

    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        if extra_fields["is_staff"] is not True or extra_fields["is_superuser"] is not True:
            raise ValueError("A superuser must have is_staff=True and is_superuser=True.")
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class User(TimeStampedModel, AbstractBaseUser, PermissionsMixin):
    """A reseller who logs in with an e-mail address (unique whatever its case); no username."""

    email = models.EmailField("e-mail address", max_length=254, unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    is_staff = models.BooleanField(default=False, help_text="Can log into the admin console.")
    is_active = models.BooleanField(default=True)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="user_email_unique_ci",
                violation_error_message="A user with this e-mail address already exists.",
            ),
        ]

    def __str__(self):
        return self.email

    def clean(self):
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()


class BusinessConfigQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(user=user)


class BusinessConfig(TimeStampedModel):
    """A named set of business rules (DOMAIN.md §9) owned by a user; at most one is the default."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="configs")
    name = models.CharField(max_length=100)
    config_data = models.JSONField(default=dict, blank=True)
    is_default = models.BooleanField(default=False)

    objects = BusinessConfigQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = "business configuration"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "name"],
                name="config_name_unique_per_user",
                violation_error_message="You already have a configuration with this name.",
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(is_default=True),
                name="config_one_default_per_user",
                violation_error_message="Only one configuration can be the default.",
            ),
        ]

    def __str__(self):
        return self.name


class ApiTokenQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(user=user)

    def active(self):
        return self.filter(revoked_at__isnull=True)


class ApiToken(TimeStampedModel):
    """An API key for `Authorization: Token <key>`.

    Only its SHA-256 is stored; the key itself is shown once, when it is created.
    """

    PREFIX_LENGTH = 8

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=PREFIX_LENGTH, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "id"]
        verbose_name = "API token"

    def __str__(self):
        return f"{self.prefix}… ({self.name or 'unnamed'})"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def generate(cls, *, user, name: str = "") -> tuple["ApiToken", str]:
        """Creates a token and returns it with its clear key, which is never stored."""
        key = secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user, name=name, key_hash=cls.hash_key(key), prefix=key[: cls.PREFIX_LENGTH]
        )
        return token, key

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at", "updated_at"])
