import pytest

from analyses.market.service import MarketService
from batches.services import batch_create
from batches.sheets import rows_from_items


@pytest.fixture
def fake_market(keepa_client):
    """The real market service over HTTP to the fake Keepa (switchable faults)."""
    return MarketService(keepa_client, source="keepa", domain=1, ttl_seconds=3600)


@pytest.fixture
def make_batch(user):
    def make(count=5, *, owner=None, start=0, **kwargs):
        items = [{"identifier": isbn, "cost": "1.00"} for isbn in isbns(count, start=start)]
        return batch_create(
            user=owner or user,
            name="Test batch",
            sheet=rows_from_items(items),
            enqueue=kwargs.pop("enqueue", False),
            **kwargs,
        )

    return make


def isbns(count: int, *, start: int = 0) -> list[str]:
    """Valid, distinct ISBN-13s (978 prefix)."""
    from stdnum import ean

    out = []
    for n in range(start, start + count):
        body = f"978{n:09d}"
        out.append(body + ean.calc_check_digit(body))
    return out
