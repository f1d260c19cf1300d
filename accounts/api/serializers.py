from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import BusinessConfig


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": True,
        "description": "Only what differs from GET /api/v1/configs/defaults; DOMAIN.md §9.",
    }
)
class ConfigDataField(serializers.JSONField):
    """A configuration: a JSON object, checked by the engine's schema (`validate_config`)."""


class BusinessConfigSerializer(serializers.ModelSerializer):
    """A named configuration: `config_data` holds only what differs from the defaults;
    `effective` is the full configuration a run would use."""

    config_data = ConfigDataField(required=False)
    effective = serializers.SerializerMethodField()

    class Meta:
        model = BusinessConfig
        fields = [
            "id",
            "name",
            "config_data",
            "is_default",
            "effective",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "effective", "created_at", "updated_at"]

    def validate_name(self, value):
        value = value.strip()
        if not value:
            raise serializers.ValidationError("must not be blank")
        user = self.context["request"].user
        clash = BusinessConfig.objects.for_user(user).filter(name=value)
        if self.instance is not None:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise serializers.ValidationError("you already have a configuration with this name")
        return value

    def validate_config_data(self, value):
        from analyses.engine import ConfigError, validate_config
        from analyses.engine.config import NON_FIELD

        try:
            validate_config(value)
        except ConfigError as exc:
            # Errors keyed by the setting's dotted path (`config_data.thresholds.min_roi_pct`);
            # one about the whole configuration is the field's own.
            whole = exc.errors.pop(NON_FIELD, None)
            raise serializers.ValidationError([whole] if whole else exc.errors) from exc
        return value

    def get_effective(self, config) -> dict:
        from analyses.engine import ConfigError, validate_config

        try:
            return validate_config(config.config_data)
        except ConfigError:
            return {}


class TokenRequestSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})
    name = serializers.CharField(required=False, allow_blank=True, max_length=100)

    def validate(self, attrs):
        user = authenticate(
            self.context["request"], username=attrs["email"], password=attrs["password"]
        )
        if user is None:
            raise serializers.ValidationError("e-mail or password is wrong")
        attrs["user"] = user
        return attrs


class TokenCreatedSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    token = serializers.CharField(help_text="Shown once: keep it; only its hash is stored.")
    prefix = serializers.CharField()
    created_at = serializers.DateTimeField()
