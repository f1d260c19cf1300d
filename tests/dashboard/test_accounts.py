"""Configurations (list, create, edit with errors at the field, set default, delete, the
built-in defaults) and API tokens (created and shown once, listed, revoked)."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from accounts.models import ApiToken, BusinessConfig
from tests.dashboard.html import field_errors, parse, table_rows
from tests.factories import ApiTokenFactory, BusinessConfigFactory

pytestmark = pytest.mark.django_db
CONFIGS = reverse("accounts:config_list")
NEW_CONFIG = reverse("accounts:config_create")
TOKENS = reverse("accounts:token_list")


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def form_data(client, url) -> dict:
    """Every field of the config form as the page fills it in (what a browser would post)."""
    page = parse(client.get(url))
    form = page.find("form", id="config-form")
    data = {}
    for field in form.find_all("input"):
        if field.attrs.get("type") == "checkbox":
            if "checked" in field.attrs:
                data[field.attrs["name"]] = "on"
        elif field.attrs.get("name"):
            data[field.attrs["name"]] = field.attrs.get("value", "")
    for area in form.find_all("textarea"):
        data[area.attrs["name"]] = area.raw_text.strip("\n")
    for select in form.find_all("select"):
        chosen = select.find("option", selected="") or select.find("option")
        data[select.attrs["name"]] = chosen.attrs["value"]
    return data


def test_the_list_shows_the_users_configs_and_the_built_in_defaults(logged_in_client, user):
    BusinessConfigFactory(user=user, name="Strict", is_default=True,
                          config_data={"thresholds": {"min_roi_pct": 50}})  # fmt: skip
    BusinessConfigFactory(user=user, name="Loose")
    response = logged_in_client.get(CONFIGS)
    assert response.status_code == 200
    page = parse(response)
    rows = table_rows(page, "configs")
    assert [row[0] for row in rows] == ["Loose", "Strict DEFAULT"]
    assert rows[1][1] == "Minimum ROI (%): 50"
    assert "None: the same as the built-in defaults." in rows[0][1]
    defaults = page.find("h2", id="defaults")
    assert defaults is not None and "Referral fee (%) 15" in page.text
    assert "Minimum profit ($) 3.00" in page.text


def test_an_empty_list_says_the_built_in_defaults_apply(logged_in_client):
    response = logged_in_client.get(CONFIGS)
    assert b"No configuration yet." in response.content
    assert b"Built-in defaults" in response.content


def test_create_stores_only_what_differs_from_the_defaults(logged_in_client, user):
    data = form_data(logged_in_client, NEW_CONFIG)
    assert data["thresholds.min_roi_pct"] == "30" and data["fees.referral_pct"] == "15"
    data.update({"name": "Strict", "thresholds.min_roi_pct": "50", "is_default": "on"})
    response = logged_in_client.post(NEW_CONFIG, data)
    assert response.status_code == 302 and response["Location"] == CONFIGS
    config = BusinessConfig.objects.get(user=user)
    assert config.name == "Strict" and config.is_default
    assert config.config_data == {"thresholds": {"min_roi_pct": 50}}
    assert messages_of(response) == ["Configuration 'Strict' saved."]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("thresholds.min_roi_pct", "5000", "between 0 and 1000"),
        ("fees.closing_fee", "-1", "0 or more"),
        ("thresholds.min_velocity", "fast", "number"),
        ("velocity.rank_table", "50000: 30\nlots: 2", "whole number"),
    ],
)
def test_a_bad_value_shows_its_error_at_that_field(logged_in_client, user, field, value, message):
    data = {**form_data(logged_in_client, NEW_CONFIG), "name": "Broken", field: value}
    response = logged_in_client.post(NEW_CONFIG, data)
    assert response.status_code == 200
    page = parse(response)
    errors = field_errors(page, field)
    assert errors and message in errors[0].lower(), errors
    assert "has-error" in page.find(data_field=field).classes
    others = [b for b in page.find_all(class_="has-error") if b.attrs.get("data-field") != field]
    assert others == []  # only that field is marked
    assert "Some settings are not valid" in page.text
    assert not BusinessConfig.objects.exists()
    # what was typed is kept
    kept = page.find(data_field=field)
    typed = (
        kept.find("textarea").raw_text
        if kept.find("textarea")
        else kept.find("input").attrs["value"]
    )
    assert typed.strip() == value


def test_a_duplicate_name_is_an_error_at_the_name(logged_in_client, user):
    BusinessConfigFactory(user=user, name="Strict")
    data = {**form_data(logged_in_client, NEW_CONFIG), "name": "Strict"}
    response = logged_in_client.post(NEW_CONFIG, data)
    assert field_errors(parse(response), "name") == [
        "You already have a configuration with this name."
    ]


def test_edit_starts_from_the_stored_values_and_marks_what_changed(logged_in_client, user):
    config = BusinessConfigFactory(
        user=user, name="Strict", config_data={"thresholds": {"min_profit": "5.00"}}
    )
    url = reverse("accounts:config_edit", args=[config.pk])
    page = parse(logged_in_client.get(url))
    block = page.find(data_field="thresholds.min_profit")
    assert block.find("input").attrs["value"] == "5.00"
    assert "changed" in block.classes
    assert "changed" not in page.find(data_field="thresholds.min_roi_pct").classes
    data = {**form_data(logged_in_client, url), "fees.referral_pct": "12"}
    response = logged_in_client.post(url, data)
    assert response.status_code == 302
    config.refresh_from_db()
    assert config.config_data == {
        "fees": {"referral_pct": 12},
        "thresholds": {"min_profit": "5.00"},
    }


def test_set_default_moves_the_default(logged_in_client, user):
    first = BusinessConfigFactory(user=user, name="First", is_default=True)
    second = BusinessConfigFactory(user=user, name="Second")
    response = logged_in_client.post(reverse("accounts:config_action", args=[second.pk, "default"]))
    assert response.status_code == 302
    assert messages_of(response) == ["'Second' is now your default configuration."]
    first.refresh_from_db()
    second.refresh_from_db()
    assert second.is_default and not first.is_default
    again = logged_in_client.post(reverse("accounts:config_action", args=[second.pk, "default"]))
    assert "already your default" in messages_of(again)[-1]


def test_delete_a_config(logged_in_client, user):
    config = BusinessConfigFactory(user=user, name="Old", is_default=True)
    response = logged_in_client.post(reverse("accounts:config_action", args=[config.pk, "delete"]))
    assert response.status_code == 302
    assert not BusinessConfig.objects.exists()
    assert "built-in defaults apply" in messages_of(response)[0]


def test_an_unknown_config_action_is_a_404(logged_in_client, user):
    config = BusinessConfigFactory(user=user)
    url = reverse("accounts:config_action", args=[config.pk, "explode"])
    assert logged_in_client.post(url).status_code == 404
    assert (
        logged_in_client.get(
            reverse("accounts:config_action", args=[config.pk, "delete"])
        ).status_code
        == 405
    )
    assert BusinessConfig.objects.filter(pk=config.pk).exists()


def test_the_config_list_query_count_does_not_grow(logged_in_client, user, count_queries):
    BusinessConfigFactory.create_batch(3, user=user)
    with_3 = count_queries(CONFIGS)
    BusinessConfigFactory.create_batch(22, user=user)
    assert count_queries(CONFIGS) == with_3 <= 5


# --- API tokens ---------------------------------------------------------------------------------


def test_a_new_token_is_shown_once_and_opens_the_api(logged_in_client, client, user):
    response = logged_in_client.post(TOKENS, {"name": "Zapier"})
    # Post/Redirect/Get: reloading the page never creates a second token
    assert response.status_code == 302 and response["Location"] == TOKENS
    assert response.cookies["av_new_token"]["httponly"]
    page = logged_in_client.get(TOKENS)
    assert page["Cache-Control"] == "no-store"
    key = parse(page).find(data_testid="new-token").text
    token = ApiToken.objects.get(user=user)
    assert token.name == "Zapier" and token.key_hash == ApiToken.hash_key(key)
    assert token.prefix == key[:8]
    assert key not in str(logged_in_client.session.items())  # never stored on the server
    listed = table_rows(parse(page), "tokens")
    assert listed[0][:2] == ["Zapier", f"{key[:8]}…"] and "ACTIVE" in listed[0][4]
    # shown once: the next visit does not show it again
    assert key.encode() not in logged_in_client.get(TOKENS).content
    assert ApiToken.objects.count() == 1
    api = client.get("/api/v1/batches", HTTP_AUTHORIZATION=f"Token {key}")
    assert api.status_code == 200


def test_a_new_tokens_cookie_is_useless_to_another_user(logged_in_client, other_user):
    logged_in_client.post(TOKENS, {"name": "Zapier"})
    cookie = logged_in_client.cookies["av_new_token"].value
    logged_in_client.force_login(other_user)
    logged_in_client.cookies["av_new_token"] = cookie
    page = parse(logged_in_client.get(TOKENS))
    assert page.find(data_testid="new-token") is None


def test_a_token_needs_a_name(logged_in_client):
    response = logged_in_client.post(TOKENS, {"name": ""})
    assert response.status_code == 200
    assert b"This field is required." in response.content
    assert not ApiToken.objects.exists()


def test_revoke_a_token(logged_in_client, user):
    token = ApiTokenFactory(user=user, name="Old script")
    url = reverse("accounts:token_revoke", args=[token.pk])
    response = logged_in_client.post(url)
    assert response.status_code == 302 and response["Location"] == TOKENS
    token.refresh_from_db()
    assert not token.is_active
    assert messages_of(response) == ["Token 'Old script' revoked: it no longer opens the API."]
    rows = table_rows(parse(logged_in_client.get(TOKENS)), "tokens")
    assert "REVOKED" in rows[0][4] and rows[0][5] == ""  # no second Revoke button
    again = logged_in_client.post(url)
    assert messages_of(again)[-1] == "Token 'Old script' was already revoked."
    assert logged_in_client.get(url).status_code == 405


def test_the_token_list_query_count_does_not_grow(logged_in_client, user, count_queries):
    ApiTokenFactory.create_batch(3, user=user)
    with_3 = count_queries(TOKENS)
    ApiTokenFactory.create_batch(27, user=user)
    assert count_queries(TOKENS) == with_3 <= 4
