"""Behaviour first found broken while testing the dashboard, in code the dashboard shares."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.dashboard.html import field_errors, parse

pytestmark = pytest.mark.django_db


def test_an_empty_multiple_choice_filter_means_any_in_the_api_and_the_export(
    logged_in_client, analysed_batch
):
    batch = analysed_batch(3)
    export = logged_in_client.get(
        reverse("batches:batch_export", args=[batch.pk]), {"format": "csv", "risk_level": ""}
    )
    api = logged_in_client.get("/api/v1/analyses", {"risk_level": "", "roi_min": ""})
    batches = logged_in_client.get("/api/v1/batches", {"status": ""})
    assert (export.status_code, api.status_code, batches.status_code) == (200, 200, 200)


def test_a_corrupt_xlsx_file_is_called_a_corrupt_workbook(logged_in_client):
    response = logged_in_client.post(
        reverse("batches:batch_create"),
        {"file": SimpleUploadedFile("haul.xlsx", b"not a zip at all"), "condition": "used"},
    )
    [error] = field_errors(parse(response), "file")
    assert "XLSX" in error
