"""The OpenAPI schema (drf-spectacular) builds, validates and tells the whole contract; /docs
serves Swagger UI from the app's own static files (works offline)."""

import json
import re

import pytest
import yaml
from django.contrib.staticfiles import finders
from django.core.management import call_command

from analyses.filtersets import AnalysisFilterSet

pytestmark = pytest.mark.django_db

PATHS = {
    "/api/v1/auth/token": {"post"},
    "/api/v1/batches": {"get", "post"},
    "/api/v1/batches/{id}": {"get", "delete"},
    "/api/v1/batches/{id}/status": {"patch"},
    "/api/v1/batches/{id}/run": {"post"},
    "/api/v1/batches/{id}/rescore": {"post"},
    "/api/v1/batches/{id}/items": {"get"},
    "/api/v1/batches/{id}/export": {"get"},
    "/api/v1/analyses": {"get", "post"},
    "/api/v1/analyses/{id}": {"get"},
    "/api/v1/configs": {"get", "post"},
    "/api/v1/configs/{id}": {"get", "put", "patch", "delete"},
    "/api/v1/configs/defaults": {"get"},
}


@pytest.fixture(scope="module")
def schema(tmp_path_factory):
    """`manage.py spectacular --validate --fail-on-warn`: any warning or error fails."""
    path = tmp_path_factory.mktemp("schema") / "openapi.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    return yaml.safe_load(path.read_text())


def operations(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def test_schema_documents_every_endpoint_and_nothing_else(schema):
    assert schema["openapi"].startswith("3.")
    assert {path: set(methods) for path, methods in schema["paths"].items()} == PATHS


def test_every_error_answer_is_documented_in_the_one_shape(schema):
    error = schema["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]
    assert error["properties"]["error"]["required"] == ["code", "message"]
    for path, method, operation in operations(schema):
        responses = operation["responses"]
        errors = {code for code in responses if code.startswith(("4", "5"))}
        for code in errors:
            content = responses[code]["content"]
            assert content == {
                "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
            }
        assert {"406", "429"} <= errors, (path, method)
        assert responses["429"]["headers"]["Retry-After"]["required"] is True
        if path != "/api/v1/auth/token":
            assert "401" in errors, (path, method)
        if "{id}" in path:
            assert "404" in errors, (path, method)
        if "requestBody" in operation:
            assert {"400", "413", "415"} <= errors, (path, method)


@pytest.mark.parametrize(
    ("path", "method", "code"),
    [
        ("/api/v1/batches", "post", "413"),
        ("/api/v1/batches/{id}/status", "patch", "409"),
        ("/api/v1/batches/{id}/rescore", "post", "409"),
        ("/api/v1/analyses", "post", "409"),
        ("/api/v1/analyses", "get", "400"),
        ("/api/v1/batches/{id}/export", "get", "400"),
    ],
)
def test_specific_errors_are_documented_where_they_happen(schema, path, method, code):
    assert code in schema["paths"][path][method]["responses"]


def test_lists_are_documented_as_pages(schema):
    for path in ("/api/v1/batches", "/api/v1/analyses", "/api/v1/configs"):
        operation = schema["paths"][path]["get"]
        ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        page = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
        assert set(page["required"]) == {"items", "total", "page", "per_page", "pages"}
        params = {p["name"]: p for p in operation["parameters"]}
        assert params["per_page"]["schema"]["maximum"] == 100
        assert params["page"]["schema"]["minimum"] == 1


def test_batch_creation_is_documented_as_json_items_or_a_multipart_file(schema):
    content = schema["paths"]["/api/v1/batches"]["post"]["requestBody"]["content"]
    assert set(content) == {"application/json", "multipart/form-data"}
    components = schema["components"]["schemas"]
    json_body = components[content["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]]
    file_body = components[content["multipart/form-data"]["schema"]["$ref"].rsplit("/", 1)[1]]
    assert "items" in json_body["required"] and "file" not in json_body["properties"]
    assert "file" in file_body["required"] and "items" not in file_body["properties"]


def test_export_documents_its_file_types_and_the_analyses_filters(schema):
    operation = schema["paths"]["/api/v1/batches/{id}/export"]["get"]
    assert set(operation["responses"]["200"]["content"]) == {
        "text/csv",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
    params = {p["name"]: p["schema"] for p in operation["parameters"]}
    filters = set(AnalysisFilterSet.base_filters) - {"batch"}
    assert set(params) == filters | {"id", "format", "kind"}
    listing = {
        p["name"]: p["schema"] for p in schema["paths"]["/api/v1/analyses"]["get"]["parameters"]
    }
    for name in ("recommendation", "risk_level", "roi_min", "q", "view", "ordering"):
        assert params[name]["type"] == listing[name]["type"], name
    assert params["recommendation"]["items"]["enum"] == ["BUY", "REVIEW", "SKIP"]


def test_the_json_api_accepts_json_bodies_only_except_the_upload(schema):
    for path, method, operation in operations(schema):
        if "requestBody" in operation and (path, method) != ("/api/v1/batches", "post"):
            assert set(operation["requestBody"]["content"]) == {"application/json"}, path


def test_openapi_json_answers_json_to_json_clients(client):
    response = client.get("/openapi.json", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response["Content-Type"].split(";")[0] in OPENAPI_JSON
    assert set(json.loads(response.content)["paths"]) == set(PATHS)


OPENAPI_JSON = ("application/json", "application/vnd.oai.openapi+json")


def test_openapi_json_answers_json_by_default(client):
    response = client.get("/openapi.json")
    assert response["Content-Type"].split(";")[0] in OPENAPI_JSON


def test_docs_serve_swagger_ui_from_the_apps_own_static_files(client):
    response = client.get("/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "SwaggerUIBundle" in html
    assert 'url: "/openapi.json"' in html
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    assert any(a.endswith("swagger-ui.css") for a in assets)
    for asset in assets:
        assert asset.startswith("/static/drf_spectacular_sidecar/"), asset
        assert finders.find(asset.removeprefix("/static/")), f"{asset} is not a static file"
    assert not re.search(r"https?://", html), "the docs page must not load anything remotely"
    for cdn in ("cdn", "unpkg", "jsdelivr", "cloudflare"):
        assert cdn not in html.lower()
