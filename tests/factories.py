"""One factory per model (factory_boy)."""

from decimal import Decimal

import factory
from django.utils import timezone

from accounts.models import ApiToken, BusinessConfig, User
from analyses.models import Analysis, MarketProduct
from batches.models import Batch, BatchItem

DEFAULT_PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"reseller{n}@example.com")
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class BusinessConfigFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BusinessConfig

    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Config {n}")
    config_data = factory.LazyFunction(dict)
    is_default = False


class ApiTokenFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ApiToken

    user = factory.SubFactory(UserFactory)
    name = "integration"
    key_hash = factory.Sequence(lambda n: ApiToken.hash_key(f"test-key-{n}"))
    prefix = factory.Sequence(lambda n: f"test{n:04d}"[:8])


class BatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Batch

    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Library sale {n}")


class BatchItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BatchItem

    batch = factory.SubFactory(BatchFactory)
    line_number = factory.Sequence(lambda n: n + 2)
    raw_identifier = "9780134685991"
    raw_cost = "2.00"
    isbn_or_asin = factory.Sequence(lambda n: f"978{n:010d}")
    buy_price = Decimal("2.00")


class AnalysisFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Analysis

    batch = factory.SubFactory(BatchFactory)
    user = factory.SelfAttribute("batch.user")
    isbn_or_asin = factory.Sequence(lambda n: f"978{n:010d}")
    asin = factory.Sequence(lambda n: f"{n:010d}")
    title = factory.Sequence(lambda n: f"A Book About Things, Volume {n}")
    buy_price = Decimal("2.00")
    expected_sale_price = Decimal("14.99")
    fees = Decimal("9.38")
    profit = Decimal("3.61")
    roi_percent = Decimal("180.50")
    max_buy_price = Decimal("2.61")
    velocity_score = Decimal("37.84")
    est_monthly_sales = Decimal("2.67")
    rank_snapshot = 120500
    offers_count = 17
    risk_level = "LOW"
    recommendation = "BUY"
    reasons = factory.LazyFunction(list)
    balanced_score = Decimal("75.14")
    market_source = "demo"
    market_fetched_at = factory.LazyFunction(timezone.now)


class MarketProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MarketProduct

    source = "demo"
    domain = 1
    lookup_key = factory.Sequence(lambda n: f"{n:010d}")
    asin = factory.SelfAttribute("lookup_key")
    snapshot = factory.LazyFunction(dict)
    history = factory.LazyFunction(dict)
    fetched_at = factory.LazyFunction(timezone.now)
