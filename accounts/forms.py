from decimal import Decimal, InvalidOperation

from django import forms

from accounts.models import BusinessConfig


def clean_config_data(data):
    """Validates a (partial) configuration with the engine's schema; errors name the field."""
    from analyses.engine import ConfigError, validate_config

    try:
        validate_config(data)
    except ConfigError as exc:
        raise forms.ValidationError(
            [f"{path}: {message}" for path, message in exc.errors.items()]
        ) from exc
    return data


class BusinessConfigAdminForm(forms.ModelForm):
    class Meta:
        model = BusinessConfig
        fields = ("user", "name", "is_default", "config_data")
        help_texts = {
            "config_data": "Only the settings that differ from the built-in defaults, as JSON.",
        }

    def clean_config_data(self):
        return clean_config_data(self.cleaned_data.get("config_data") or {})


# --- the dashboard's configuration form: one field per setting, errors at the field ----------

_CHOICES = {
    "condition": ("used", "new"),
    "price.mode": ("conservative", "current", "avg90"),
    "fees.fba_fee_source": ("rate_card", "keepa_first"),
}
_LABELS = {
    "condition": "Default condition",
    "price.basis_used": "Price series for used books, in order",
    "price.basis_new": "Price series for new books, in order",
    "price.mode": "Price mode",
    "fees.referral_pct": "Referral fee (%)",
    "fees.closing_fee": "Closing fee, media ($)",
    "fees.fba_fee_source": "FBA fee source",
    "fees.rate_card": "FBA rate card",
    "fees.fuel_surcharge_pct": "Fuel and logistics surcharge (%)",
    "fees.inbound_placement": "Inbound placement ($)",
    "fees.inbound_freight_per_lb": "Inbound freight ($ per lb)",
    "fees.prep_label": "Prep and label ($)",
    "fees.storage_months": "Months of storage",
    "fees.storage_rate_jan_sep": "Storage, Jan–Sep ($ per ft³ per month)",
    "fees.storage_rate_oct_dec": "Storage, Oct–Dec ($ per ft³ per month)",
    "fees.default_weight_lb": "Weight when Keepa has none (lb)",
    "fees.default_dimensions_in": "Size when Keepa has none (in, L, W, H)",
    "thresholds.min_roi_pct": "Minimum ROI (%)",
    "thresholds.min_profit": "Minimum profit ($)",
    "thresholds.min_velocity": "Minimum velocity (0–100)",
    "thresholds.max_rank": "Maximum sales rank",
    "thresholds.max_offers": "Offers above which competition is high",
    "thresholds.price_drop_pct": "Price drop that flags a falling price (%)",
    "velocity.saturation": "Sales a month that count as full speed",
    "velocity.rank_table": "Sales a month by rank (one 'rank: sales' per line)",
}
GROUPS = (
    ("Sale price", ("condition", "price.")),
    ("Fees", ("fees.",)),
    ("Decision thresholds", ("thresholds.",)),
    ("Velocity", ("velocity.",)),
)


def _leaves(config: dict, prefix: str = ""):
    for key, value in config.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from _leaves(value, f"{path}.")
        else:
            yield path, value


def _as_text(path: str, value) -> str:
    if path == "velocity.rank_table":
        return "\n".join(f"{rank}: {sales}" for rank, sales in value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _from_text(path: str, text: str, default):
    """The form's text back to the JSON the schema validates (which reports any problem)."""
    text = text.strip()
    if path == "velocity.rank_table":
        rows = []
        for line in filter(None, (raw.strip() for raw in text.splitlines())):
            rank, _, sales = line.replace(",", "").partition(":")
            rows.append([rank.strip(), sales.strip()])
        return rows
    if isinstance(default, list):
        return [part.strip() for part in text.split(",") if part.strip()]
    return text


def _differs(value, default_text: str) -> bool:
    """Whether a field's text says something else than the default's (spacing aside)."""

    def norm(text):
        words = str(text if text is not None else "").replace(",", " ").replace(":", " ").split()
        out = []
        for word in words:
            try:
                out.append(Decimal(word).normalize())
            except InvalidOperation:
                out.append(word)
        return out

    return norm(value) != norm(default_text)


def config_differences(config_data: dict) -> list[tuple[str, str]]:
    """The settings a stored configuration changes, as (label, value) for the list page."""
    return [
        (_LABELS.get(path, path), _as_text(path, value).replace("\n", "; "))
        for path, value in _leaves(config_data or {})
    ]


def _set(config: dict, path: str, value) -> None:
    *groups, name = path.split(".")
    for group in groups:
        config = config.setdefault(group, {})
    config[name] = value


class ConfigForm(forms.Form):
    """Every setting of DOMAIN.md §9 as its own field, pre-filled with the effective value;
    only the settings that differ from the built-in defaults are stored."""

    name = forms.CharField(max_length=100, help_text="e.g. 'Strict: 50% ROI' — unique among yours.")
    is_default = forms.BooleanField(
        required=False,
        label="Use as my default",
        help_text="New batches and lookups use it unless you pick another.",
    )

    def __init__(self, *args, user, instance: BusinessConfig | None = None, **kwargs):
        from analyses.engine import rate_card_choices, validate_config

        self.user, self.instance = user, instance
        self.defaults = validate_config({})
        effective = self.defaults
        if instance is not None:
            try:
                effective = validate_config(instance.config_data)
            except ValueError:
                effective = self.defaults
        initial = {
            "name": instance.name if instance else "",
            "is_default": bool(instance and instance.is_default),
        }
        super().__init__(*args, initial=initial, **kwargs)
        choices = {path: [(c, c) for c in values] for path, values in _CHOICES.items()}
        choices["fees.rate_card"] = rate_card_choices()  # (id, title) of every card shipped
        values, default_values = dict(_leaves(effective)), dict(_leaves(self.defaults))
        for path in default_values:
            if path in choices:
                field = forms.ChoiceField(choices=choices[path])
            elif path == "velocity.rank_table":
                field = forms.CharField(widget=forms.Textarea(attrs={"rows": 9}))
            else:
                field = forms.CharField()
            field.label = _LABELS.get(path, path)
            field.help_text = "Default: " + _as_text(path, default_values[path]).replace("\n", "; ")
            field.initial = _as_text(path, values[path])
            self.fields[path] = field

    def grouped_fields(self):
        """(title, [{"field": bound field, "changed": differs from the built-in default,
        "wide": takes a whole row}]) for the page, group by group."""
        defaults = dict(_leaves(self.defaults))
        groups = []
        for title, prefixes in GROUPS:
            rows = []
            for name in self.fields:
                if not name.startswith(prefixes):
                    continue
                field = self[name]
                default_text = _as_text(name, defaults[name])
                rows.append(
                    {
                        "field": field,
                        "changed": _differs(field.value(), default_text),
                        "wide": isinstance(field.field.widget, forms.Textarea),
                    }
                )
            groups.append((title, rows))
        return groups

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        clash = BusinessConfig.objects.for_user(self.user).filter(name=name)
        if self.instance is not None:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError("You already have a configuration with this name.")
        return name

    def clean(self):
        from analyses.engine import DEFAULT_CONFIG, ConfigError, validate_config

        data = super().clean()
        full: dict = {}
        for path, default in _leaves(DEFAULT_CONFIG):
            if path in data:
                _set(full, path, _from_text(path, data[path], default))
        try:
            effective = validate_config(full)
        except ConfigError as exc:
            for path, message in exc.errors.items():
                field = next(
                    (f for f in self.fields if path == f or path.startswith(f"{f}[")), None
                )
                self.add_error(field, message if field else f"{path}: {message}")
            return data
        defaults = dict(_leaves(self.defaults))
        partial: dict = {}
        for path, value in _leaves(effective):
            if value != defaults[path]:
                _set(partial, path, value)
        data["config_data"] = partial
        return data
