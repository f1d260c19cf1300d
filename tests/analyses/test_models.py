from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from analyses.models import Analysis
from tests.factories import AnalysisFactory, MarketProductFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "changes",
    [
        {"velocity_score": Decimal("100.01")},
        {"velocity_score": Decimal("-1")},
        {"recommendation": "MAYBE"},
        {"risk_level": "HUGE"},
        {"buy_price": Decimal("-1")},
        {"quantity": 0},
    ],
)
def test_analysis_constraints(changes):
    analysis = AnalysisFactory()
    for key, value in changes.items():
        setattr(analysis, key, value)
    with pytest.raises(IntegrityError), transaction.atomic():
        analysis.save()


def test_one_analysis_per_book_per_batch():
    analysis = AnalysisFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        AnalysisFactory(batch=analysis.batch, isbn_or_asin=analysis.isbn_or_asin)


def test_economics_may_be_empty_when_keepa_has_no_price():
    analysis = AnalysisFactory(
        expected_sale_price=None,
        fees=None,
        profit=None,
        roi_percent=None,
        max_buy_price=None,
        balanced_score=None,
        recommendation="SKIP",
    )
    analysis.refresh_from_db()
    assert analysis.profit is None and analysis.roi_percent is None


def test_money_keeps_cents_exactly():
    analysis = AnalysisFactory(profit=Decimal("1234567890.12"))
    assert Analysis.objects.get(pk=analysis.pk).profit == Decimal("1234567890.12")


def test_market_product_unique_per_source_domain_and_lookup():
    product = MarketProductFactory(lookup_key="0134685997")
    MarketProductFactory(lookup_key="0134685997", source="keepa")
    with pytest.raises(IntegrityError), transaction.atomic():
        MarketProductFactory(lookup_key="0134685997", source=product.source)
