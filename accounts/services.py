from django.db import transaction

from accounts.models import BusinessConfig


class ConfigInvalid(ValueError):
    """A stored configuration no longer passes the engine's schema."""


def config_resolve(
    *, user, config: BusinessConfig | None = None
) -> tuple[BusinessConfig | None, dict]:
    """The configuration a run uses (the given one, else the user's default, else the built-in
    defaults) and its full effective JSON, validated by the engine's schema."""
    from analyses.engine import ConfigError, validate_config

    if config is None:
        config = BusinessConfig.objects.for_user(user).filter(is_default=True).first()
    try:
        effective = validate_config(config.config_data if config else {})
    except ConfigError as exc:
        raise ConfigInvalid(f"configuration '{config.name}' is invalid: {exc}") from exc
    return config, effective


@transaction.atomic
def config_set_default(*, config: BusinessConfig) -> BusinessConfig:
    """Makes `config` its owner's only default."""
    BusinessConfig.objects.for_user(config.user).filter(is_default=True).exclude(
        pk=config.pk
    ).update(is_default=False)
    if not config.is_default:
        config.is_default = True
        config.save(update_fields=["is_default", "updated_at"])
    return config


@transaction.atomic
def config_save(
    *,
    user,
    config: BusinessConfig | None = None,
    name: str | None = None,
    config_data: dict | None = None,
    is_default: bool | None = None,
) -> BusinessConfig:
    """Creates or updates a configuration; `is_default=True` makes it the user's only default,
    False unsets it, None leaves it as it is. Values are validated by the caller's form or
    serializer (the engine's schema)."""
    config = config or BusinessConfig(user=user, is_default=False)
    if name is not None:
        config.name = name
    if config_data is not None:
        config.config_data = config_data
    if is_default is False:
        config.is_default = False
    config.save()
    if is_default:
        config_set_default(config=config)
    return config
