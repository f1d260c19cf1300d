"""Dashboard pages of the account: login, configurations, API tokens."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.forms import ConfigForm
from accounts.models import ApiToken, BusinessConfig
from accounts.services import config_set_default
from arbitragevault.dashboard import paginate


class EmailLoginForm(AuthenticationForm):
    username = forms.EmailField(
        label="E-mail", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )


@login_required
def config_list_view(request):
    from analyses.engine import validate_config

    configs = paginate(
        request, BusinessConfig.objects.for_user(request.user).order_by("name", "id")
    )
    return render(
        request,
        "accounts/config_list.html",
        {
            "nav": "configs",
            "page_obj": configs,
            "configs": configs.object_list,
            "defaults": ConfigForm(user=request.user),
            "effective_defaults": validate_config({}),
        },
    )


@login_required
def config_edit_view(request, pk=None):
    config = None
    if pk is not None:
        config = get_object_or_404(BusinessConfig.objects.for_user(request.user), pk=pk)
    form = ConfigForm(request.POST or None, user=request.user, instance=config)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            config = config or BusinessConfig(user=request.user)
            config.name = form.cleaned_data["name"]
            config.config_data = form.cleaned_data["config_data"]
            if not form.cleaned_data["is_default"]:
                config.is_default = False
            config.save()
            if form.cleaned_data["is_default"]:
                config_set_default(config=config)
        messages.success(request, f"Configuration '{config.name}' saved.")
        return redirect("accounts:config_list")
    return render(
        request, "accounts/config_form.html", {"nav": "configs", "form": form, "config": config}
    )


@require_POST
@login_required
def config_action_view(request, pk, action):
    config = get_object_or_404(BusinessConfig.objects.for_user(request.user), pk=pk)
    if action == "default":
        config_set_default(config=config)
        messages.success(request, f"'{config.name}' is now your default configuration.")
    elif action == "delete":
        config.delete()
        messages.success(request, f"Configuration '{config.name}' deleted.")
    return redirect("accounts:config_list")


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What the token is for, e.g. 'Zapier'.")


@login_required
def token_list_view(request):
    form = TokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        token, new_key = ApiToken.generate(user=request.user, name=form.cleaned_data["name"])
        messages.success(request, f"Token '{token.name}' created. Copy it now: it is shown once.")
        form = TokenForm()
    tokens = paginate(request, ApiToken.objects.for_user(request.user))
    return render(
        request,
        "accounts/token_list.html",
        {
            "nav": "tokens",
            "form": form,
            "new_key": new_key,
            "page_obj": tokens,
            "tokens": tokens.object_list,
        },
    )


@require_POST
@login_required
def token_revoke_view(request, pk):
    token = get_object_or_404(ApiToken.objects.for_user(request.user), pk=pk)
    token.revoke()
    messages.success(request, f"Token '{token.name}' revoked.")
    return redirect("accounts:token_list")
