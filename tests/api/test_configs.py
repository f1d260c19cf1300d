"""/api/v1/configs: named business configurations, validated by the engine's schema."""

import pytest

from accounts.models import BusinessConfig
from analyses.engine import DEFAULT_CONFIG
from tests.api.conftest import error_of
from tests.factories import BusinessConfigFactory

pytestmark = pytest.mark.django_db


def create(api, **fields):
    return api.post("/api/v1/configs", {"name": "Strict", **fields})


def test_create_answers_201_with_the_effective_configuration(api, user):
    response = create(api, config_data={"thresholds": {"min_roi_pct": 80}})
    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "Strict"
    assert body["config_data"] == {"thresholds": {"min_roi_pct": 80}}
    assert body["is_default"] is False
    effective = body["effective"]
    assert effective["thresholds"]["min_roi_pct"] == 80
    assert effective["fees"]["referral_pct"] == DEFAULT_CONFIG["fees"]["referral_pct"]
    assert set(effective) == set(DEFAULT_CONFIG)
    assert BusinessConfig.objects.get(pk=body["id"]).user == user


def test_create_without_config_data_is_the_defaults(api):
    body = create(api).json()
    assert body["config_data"] == {}
    assert body["effective"]["thresholds"]["min_profit"] == "3.00"


def test_list_shows_the_callers_configs_by_name(api, user, other_user):
    for name in ("Zeta", "alpha", "Beta"):
        BusinessConfigFactory(user=user, name=name)
    BusinessConfigFactory(user=other_user, name="Not mine")
    body = api.get("/api/v1/configs").json()
    assert [c["name"] for c in body["items"]] == ["Beta", "Zeta", "alpha"]
    assert body["total"] == 3
    assert all("effective" in c for c in body["items"])


def test_retrieve_update_and_delete(api, user):
    config = BusinessConfigFactory(user=user, name="Loose")
    url = f"/api/v1/configs/{config.pk}"
    assert api.get(url).json()["name"] == "Loose"

    response = api.put(url, {"name": "Looser", "config_data": {"thresholds": {"min_profit": 1}}})
    assert response.status_code == 200
    assert response.json()["name"] == "Looser"
    assert response.json()["effective"]["thresholds"]["min_profit"] == "1.00"

    response = api.patch(url, {"config_data": {"price": {"mode": "avg90"}}})
    assert response.status_code == 200
    assert response.json()["name"] == "Looser"
    assert response.json()["config_data"] == {"price": {"mode": "avg90"}}

    assert api.delete(url).status_code == 204
    assert api.get(url).status_code == 404
    assert not BusinessConfig.objects.filter(pk=config.pk).exists()


def test_put_requires_the_name(api, user):
    config = BusinessConfigFactory(user=user)
    response = api.put(f"/api/v1/configs/{config.pk}", {"config_data": {}})
    assert response.status_code == 400
    assert list(error_of(response)["fields"]) == ["name"]


def test_defaults_are_the_engines_built_in_configuration(api):
    response = api.get("/api/v1/configs/defaults")
    assert response.status_code == 200
    assert response.json() == DEFAULT_CONFIG


@pytest.mark.parametrize(
    ("config_data", "fields"),
    [
        ({"thresholds": {"min_roi_pct": -5}}, ["config_data.thresholds.min_roi_pct"]),
        ({"thresholds": {"min_roi_pct": 1001}}, ["config_data.thresholds.min_roi_pct"]),
        ({"thresholds": {"min_profit": "-1"}}, ["config_data.thresholds.min_profit"]),
        ({"fees": {"referral_pct": "lots"}}, ["config_data.fees.referral_pct"]),
        ({"bogus": 1}, ["config_data.bogus"]),
        ({"thresholds": {"nope": 1}}, ["config_data.thresholds.nope"]),
        ({"thresholds": 5}, ["config_data.thresholds"]),
        (
            {"thresholds": {"min_roi_pct": -1}, "extra": True},
            ["config_data.thresholds.min_roi_pct", "config_data.extra"],
        ),
        ([1, 2], ["config_data"]),
        ("strict", ["config_data"]),
        (None, ["config_data"]),
    ],
)
def test_invalid_config_data_is_400_naming_each_setting_by_its_dotted_path(
    api, config_data, fields
):
    response = create(api, config_data=config_data)
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid"
    assert sorted(error["fields"]) == sorted(fields)
    assert all(error["fields"][f] for f in fields)
    assert not BusinessConfig.objects.exists()


def test_unknown_settings_are_rejected_by_name(api):
    error = error_of(create(api, config_data={"thresholds": {"min_roi": 30}}))
    assert error["fields"] == {"config_data.thresholds.min_roi": ["unknown setting"]}


def test_invalid_config_data_is_rejected_on_update_too(api, user):
    config = BusinessConfigFactory(user=user, config_data={"thresholds": {"min_roi_pct": 40}})
    response = api.patch(
        f"/api/v1/configs/{config.pk}", {"config_data": {"velocity": {"saturation": -3}}}
    )
    assert response.status_code == 400
    assert list(error_of(response)["fields"]) == ["config_data.velocity.saturation"]
    config.refresh_from_db()
    assert config.config_data == {"thresholds": {"min_roi_pct": 40}}


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
def test_invalid_names_are_rejected(api, name):
    response = create(api, name=name)
    assert response.status_code == 400
    assert list(error_of(response)["fields"]) == ["name"]


def test_names_are_unique_per_user(api, user, other_user):
    BusinessConfigFactory(user=other_user, name="Strict")  # another user's: no clash
    assert create(api).status_code == 201
    response = create(api)
    assert response.status_code == 400
    error = error_of(response)
    assert list(error["fields"]) == ["name"]
    assert "already have a configuration" in error["message"]
    assert BusinessConfig.objects.filter(user=user).count() == 1


def test_renaming_onto_another_config_is_refused_but_keeping_the_name_is_fine(api, user):
    BusinessConfigFactory(user=user, name="Taken")
    config = BusinessConfigFactory(user=user, name="Mine")
    url = f"/api/v1/configs/{config.pk}"
    assert api.patch(url, {"name": "Taken"}).status_code == 400
    assert api.put(url, {"name": "Mine", "config_data": {}}).status_code == 200
    assert api.patch(url, {"name": "  Renamed  "}).json()["name"] == "Renamed"


def _defaults(user) -> list[str]:
    return list(
        BusinessConfig.objects.filter(user=user, is_default=True).values_list("name", flat=True)
    )


def test_one_default_per_user_the_newest_wins(api, user, other_user):
    theirs = BusinessConfigFactory(user=other_user, is_default=True)
    first = create(api, name="First", is_default=True).json()
    assert first["is_default"] is True
    second = create(api, name="Second", is_default=True).json()
    assert second["is_default"] is True
    assert _defaults(user) == ["Second"]
    assert api.get(f"/api/v1/configs/{first['id']}").json()["is_default"] is False
    theirs.refresh_from_db()
    assert theirs.is_default is True  # another user's default is theirs


def test_making_a_config_the_default_by_update_unsets_the_old_one(api, user):
    old = BusinessConfigFactory(user=user, name="Old", is_default=True)
    new = BusinessConfigFactory(user=user, name="New")
    response = api.patch(f"/api/v1/configs/{new.pk}", {"is_default": True})
    assert response.status_code == 200 and response.json()["is_default"] is True
    assert _defaults(user) == ["New"]
    old.refresh_from_db()
    assert old.is_default is False


def test_a_default_can_be_unset(api, user):
    config = BusinessConfigFactory(user=user, is_default=True)
    response = api.patch(f"/api/v1/configs/{config.pk}", {"is_default": False})
    assert response.json()["is_default"] is False
    assert _defaults(user) == []


def test_deleting_a_config_keeps_the_batches_that_used_it(api, user, make_batch):
    config = BusinessConfigFactory(user=user)
    batch = make_batch(1, config=config)
    assert api.delete(f"/api/v1/configs/{config.pk}").status_code == 204
    batch.refresh_from_db()
    assert batch.config is None
