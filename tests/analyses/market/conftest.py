from analyses.market.fake.testing import (  # noqa: F401 - fixtures
    fake_keepa,
    fake_keepa_server,
    keepa_client,
    recorded_sleep,
)
