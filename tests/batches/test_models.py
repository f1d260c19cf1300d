from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from batches.models import Batch, BatchItem, BatchStatus, ItemStatus
from tests.factories import BatchFactory, BatchItemFactory

pytestmark = pytest.mark.django_db


def _rejects(**changes):
    def apply(obj):
        for key, value in changes.items():
            setattr(obj, key, value)
        with pytest.raises(IntegrityError), transaction.atomic():
            obj.save()

    return apply


def test_batch_status_must_be_known():
    _rejects(status="DONE")(BatchFactory())


@pytest.mark.parametrize(("total", "processed"), [(5, 6), (0, 1)])
def test_batch_processed_stays_within_total(total, processed):
    _rejects(items_total=total, items_processed=processed)(BatchFactory())


def test_batch_condition_must_be_used_or_new():
    _rejects(condition="mint")(BatchFactory())


def test_batch_transitions_follow_the_domain():
    batch = BatchFactory()
    assert batch.can_transition_to(BatchStatus.PROCESSING)
    assert batch.can_transition_to(BatchStatus.CANCELLED)
    assert not batch.can_transition_to(BatchStatus.COMPLETED)
    batch.status = BatchStatus.COMPLETED
    assert not any(batch.can_transition_to(s) for s in BatchStatus.values)


def test_progress_percent():
    assert BatchFactory.build(items_total=8, items_processed=2).progress_percent == 25
    assert BatchFactory.build(items_total=0, status="COMPLETED").progress_percent == 100


@pytest.mark.parametrize(
    "changes",
    [
        {"status": "LOST"},
        {"buy_price": Decimal("-0.01")},
        {"quantity": 0},
        {"isbn_or_asin": None},  # a PENDING item needs its canonical identifier
    ],
)
def test_item_constraints(changes):
    _rejects(**changes)(BatchItemFactory())


def test_invalid_row_may_lack_identifier_and_price():
    item = BatchItemFactory(status=ItemStatus.INVALID, isbn_or_asin=None, buy_price=None)
    assert item.pk


def test_one_item_per_book_per_batch_except_rejected_rows():
    item = BatchItemFactory(isbn_or_asin="9780134685991")
    with pytest.raises(IntegrityError), transaction.atomic():
        BatchItemFactory(batch=item.batch, isbn_or_asin="9780134685991")
    BatchItemFactory(batch=item.batch, isbn_or_asin="9780134685991", status=ItemStatus.INVALID)
    BatchItemFactory(isbn_or_asin="9780134685991")  # another batch
    assert BatchItem.objects.count() == 3


def test_batches_are_scoped_to_their_user():
    mine = BatchFactory()
    BatchFactory()
    assert list(Batch.objects.for_user(mine.user)) == [mine]
