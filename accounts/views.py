"""Dashboard pages of the account: login, configurations, API tokens."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.forms import ConfigForm, config_differences
from accounts.models import ApiToken, BusinessConfig
from accounts.services import config_save, config_set_default
from arbitragevault.dashboard import PER_PAGE_CHOICES, get_owned, paginate


class EmailLoginForm(AuthenticationForm):
    username = forms.EmailField(
        label="E-mail",
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "This e-mail address and password do not match. Passwords are "
        "case-sensitive.",
    }


@login_required
def config_list_view(request):
    configs = paginate(
        request, BusinessConfig.objects.for_user(request.user).order_by("name", "id")
    )
    for config in configs.object_list:
        config.differences = config_differences(config.config_data)
    return render(
        request,
        "accounts/config_list.html",
        {
            "nav": "configs",
            "page_obj": configs,
            "configs": configs.object_list,
            "defaults": ConfigForm(user=request.user),
            "has_default": BusinessConfig.objects.for_user(request.user)
            .filter(is_default=True)
            .exists(),
            "per_page_choices": PER_PAGE_CHOICES,
        },
    )


@login_required
def config_edit_view(request, pk=None):
    config = None
    if pk is not None:
        config = get_owned(request, BusinessConfig, pk=pk)
    form = ConfigForm(request.POST or None, user=request.user, instance=config)
    if request.method == "POST" and form.is_valid():
        config = config_save(
            user=request.user,
            config=config,
            name=form.cleaned_data["name"],
            config_data=form.cleaned_data["config_data"],
            is_default=form.cleaned_data["is_default"],
        )
        messages.success(request, f"Configuration '{config.name}' saved.")
        return redirect("accounts:config_list")
    return render(
        request, "accounts/config_form.html", {"nav": "configs", "form": form, "config": config}
    )


CONFIG_ACTIONS = ("default", "delete")


@require_POST
@login_required
def config_action_view(request, pk, action):
    if action not in CONFIG_ACTIONS:
        raise Http404("No such action.")
    config = get_owned(request, BusinessConfig, pk=pk)
    if action == "default":
        if config.is_default:
            messages.info(request, f"'{config.name}' is already your default configuration.")
        else:
            config_set_default(config=config)
            messages.success(request, f"'{config.name}' is now your default configuration.")
    else:
        was_default = config.is_default
        config.delete()
        messages.success(
            request,
            f"Configuration '{config.name}' deleted."
            + (
                " The built-in defaults apply until you choose another default."
                if was_default
                else ""
            ),
        )
    return redirect("accounts:config_list")


class TokenForm(forms.Form):
    name = forms.CharField(
        max_length=100, help_text="What the token is for, e.g. 'Zapier' or 'inventory sync'."
    )


# The new key travels from the POST to the page that shows it in a short-lived signed cookie
# (Post/Redirect/Get: a reload never creates a second token), so no clear key is ever stored
# on the server, not even in the session.
NEW_TOKEN_COOKIE = "av_new_token"
NEW_TOKEN_MAX_AGE = 120


@login_required
def token_list_view(request):
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token, key = ApiToken.generate(user=request.user, name=form.cleaned_data["name"])
        messages.success(request, f"Token '{token.name}' created.")
        response = redirect("accounts:token_list")
        response.set_signed_cookie(
            NEW_TOKEN_COOKIE,
            f"{token.pk}:{key}",
            salt=str(request.user.pk),
            max_age=NEW_TOKEN_MAX_AGE,
            path=request.path,
            secure=request.is_secure(),
            httponly=True,
            samesite="Strict",
        )
        return response
    new_token, new_key = _new_token_from(request)
    tokens = paginate(request, ApiToken.objects.for_user(request.user))
    response = render(
        request,
        "accounts/token_list.html",
        {
            "nav": "tokens",
            "form": form,
            "new_key": new_key,
            "new_token": new_token,
            "page_obj": tokens,
            "tokens": tokens.object_list,
            "per_page_choices": PER_PAGE_CHOICES,
        },
    )
    if NEW_TOKEN_COOKIE in request.COOKIES:  # shown once
        response.delete_cookie(NEW_TOKEN_COOKIE, path=request.path, samesite="Strict")
    if new_key:  # the key is in this page only: keep it out of every cache
        response["Cache-Control"] = "no-store"
    return response


def _new_token_from(request) -> tuple[ApiToken | None, str | None]:
    value = request.get_signed_cookie(
        NEW_TOKEN_COOKIE, default=None, salt=str(request.user.pk), max_age=NEW_TOKEN_MAX_AGE
    )
    if not value or ":" not in value:
        return None, None
    pk, key = value.split(":", 1)
    token = ApiToken.objects.for_user(request.user).filter(pk=pk).first()
    if token is None or token.key_hash != ApiToken.hash_key(key):
        return None, None
    return token, key


@require_POST
@login_required
def token_revoke_view(request, pk):
    token = get_owned(request, ApiToken, pk=pk)
    if token.is_active:
        token.revoke()
        messages.success(request, f"Token '{token.name}' revoked: it no longer opens the API.")
    else:
        messages.info(request, f"Token '{token.name}' was already revoked.")
    return redirect("accounts:token_list")
