"""Cancel, re-run, re-score, delete — and the message when a transition is not allowed; the
live progress fragment that htmx polls."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from batches.models import Batch, BatchStatus
from tests.dashboard.html import parse
from tests.factories import BatchFactory, BusinessConfigFactory

pytestmark = pytest.mark.django_db


def act(client, batch, action, **data):
    return client.post(reverse("batches:batch_action", args=[batch.pk, action]), data)


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_cancel_stops_a_pending_batch(logged_in_client, pending_batch):
    batch = pending_batch()
    response = act(logged_in_client, batch, "cancel")
    assert response.status_code == 302 and response["Location"] == batch.get_absolute_url()
    batch.refresh_from_db()
    assert batch.status == BatchStatus.CANCELLED and batch.finished_at
    assert messages_of(response) == ["Cancelled: the run stops after the current chunk."]


def test_cancelling_a_finished_batch_explains_why_not(logged_in_client, analysed_batch):
    batch = analysed_batch(2)
    response = act(logged_in_client, batch, "cancel")
    assert response.status_code == 302
    assert messages_of(response) == ["Cannot cancel: the batch is COMPLETED."]
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMPLETED
    page = logged_in_client.get(response["Location"])
    assert b"Cannot cancel: the batch is COMPLETED." in page.content


def test_rerun_analyses_the_batch_again(
    logged_in_client, analysed_batch, django_capture_on_commit_callbacks
):
    batch = analysed_batch(3)
    with django_capture_on_commit_callbacks(execute=True):
        response = act(logged_in_client, batch, "rerun")
    assert messages_of(response) == ["A new run has started."]
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMPLETED  # the immediate task backend ran it
    assert batch.items_processed == batch.items_total == 3


def test_rescore_with_another_config_changes_the_decisions_without_tokens(
    logged_in_client, analysed_batch, user, django_capture_on_commit_callbacks
):
    batch = analysed_batch(12)
    tokens = batch.tokens_spent
    assert batch.analyses.exclude(recommendation="SKIP").exists()
    impossible = BusinessConfigFactory(
        user=user, name="Impossible", config_data={"thresholds": {"min_profit": "9999"}}
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = act(logged_in_client, batch, "rescore", config=impossible.pk)
    assert messages_of(response) == [
        "Re-scoring with Impossible (stored market data, no Keepa tokens)."
    ]
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMPLETED and batch.config == impossible
    assert set(batch.analyses.values_list("recommendation", flat=True)) == {"SKIP"}
    assert batch.tokens_spent == tokens


def test_rescore_while_running_is_refused_with_a_message(logged_in_client, pending_batch):
    batch = pending_batch()
    response = act(logged_in_client, batch, "rescore")
    assert messages_of(response) == ["Cannot re-score: the batch is PENDING."]
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PENDING


def test_rescore_with_an_unknown_config_is_a_message_not_a_500(
    logged_in_client, analysed_batch, other_user
):
    batch = analysed_batch(2)
    theirs = BusinessConfigFactory(user=other_user)
    for value in (theirs.pk, "not-a-uuid"):
        response = act(logged_in_client, batch, "rescore", config=value)
        assert response.status_code == 302
        assert messages_of(response) == ["That configuration does not exist."]
        logged_in_client.get(response["Location"])  # shows (and so consumes) the message
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMPLETED and batch.config is None


def test_rescore_with_a_config_that_no_longer_validates_says_so(
    logged_in_client, analysed_batch, user
):
    batch = analysed_batch(2)
    broken = BusinessConfigFactory(user=user, config_data={"thresholds": {"min_roi_pct": -5}})
    response = act(logged_in_client, batch, "rescore", config=broken.pk)
    [message] = messages_of(response)
    assert message.startswith("Cannot re-score: configuration") and "min_roi_pct" in message


def test_delete_removes_the_batch_and_goes_back_to_the_list(logged_in_client, analysed_batch):
    batch = analysed_batch(2, name="Gone soon")
    response = act(logged_in_client, batch, "delete")
    assert response.status_code == 302 and response["Location"] == reverse("batches:batch_list")
    assert messages_of(response) == ["Batch 'Gone soon' deleted."]
    assert not Batch.objects.filter(pk=batch.pk).exists()


def test_the_delete_button_asks_first(logged_in_client, analysed_batch):
    batch = analysed_batch(1)
    page = parse(logged_in_client.get(batch.get_absolute_url()))
    form = next(f for f in page.find_all("form") if f.attrs["action"].endswith("/delete/"))
    assert "Delete this batch" in form.attrs["data-confirm"]


def test_an_unknown_action_is_a_404_and_a_get_is_refused(logged_in_client, pending_batch):
    batch = pending_batch()
    assert act(logged_in_client, batch, "explode").status_code == 404
    url = reverse("batches:batch_action", args=[batch.pk, "cancel"])
    assert logged_in_client.get(url).status_code == 405
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PENDING


# --- the live progress fragment ---------------------------------------------------------------


def progress(client, batch, **params):
    return client.get(reverse("batches:batch_progress", args=[batch.pk]), params)


def test_the_fragment_keeps_polling_while_the_batch_runs(logged_in_client, user):
    batch = BatchFactory(user=user, status="PROCESSING", items_total=40, items_processed=10)
    response = progress(logged_in_client, batch, was_live=1)
    assert response.status_code == 200
    assert "HX-Refresh" not in response
    page = parse(response)
    live = page.find(id="live")
    assert live.attrs["hx-trigger"] == "every 1s" and live.attrs["hx-swap"] == "outerHTML"
    assert page.find(data_testid="progress-text").text == "25% · 10/40 books"
    assert page.find(role="progressbar").attrs["aria-valuenow"] == "25"
    assert page.find("html") is None  # a fragment, not a page
    assert page.find(class_="stat") is not None  # the summary cards update too


def test_the_fragment_asks_for_a_full_refresh_when_the_run_ends(logged_in_client, user):
    batch = BatchFactory(user=user, status="COMPLETED", items_total=40, items_processed=40)
    response = progress(logged_in_client, batch, was_live=1)
    assert response["HX-Refresh"] == "true"
    assert "hx-get" not in parse(response).find(id="live").attrs  # and stops polling
    # A page opened after the end does not reload itself
    assert "HX-Refresh" not in progress(logged_in_client, batch)


@pytest.mark.parametrize("status", ["FAILED", "CANCELLED"])
def test_a_failed_or_cancelled_run_also_ends_the_polling(logged_in_client, user, status):
    batch = BatchFactory(
        user=user, status=status, items_total=40, items_processed=12, error_message="Keepa said no"
    )
    response = progress(logged_in_client, batch, was_live=1)
    assert response["HX-Refresh"] == "true"
    if status == "FAILED":
        assert b"Keepa said no" in response.content
    else:
        assert "“Finish the run” analyses the rest".encode() in response.content
