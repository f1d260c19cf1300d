"""pytest fixtures for the fake Keepa, importable by any test package's conftest.py:

    from analyses.market.fake.testing import (  # noqa: F401
        fake_keepa, fake_keepa_server, keepa_client, recorded_sleep,
    )

`fake_keepa_server` runs a FakeKeepa on a free loopback port for one test (pinned clock, fast
refill, no real sleeping in the client); `fake_keepa` is its app (the switches);
`keepa_client` is a KeepaClient pointed at it with short timeouts and a recorded fake sleep.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from analyses.market.client import KeepaClient
from analyses.market.fake.app import DEFAULT_KEY
from analyses.market.fake.server import FakeKeepaServer

PINNED_NOW = datetime(2026, 11, 23, tzinfo=UTC)


class RecordedSleep:
    """A sleep() that only remembers what it was asked to wait."""

    def __init__(self):
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)

    @property
    def total(self) -> float:
        return sum(self.calls)


@pytest.fixture
def fake_keepa_server():
    with FakeKeepaServer(refill_rate=1000, now=PINNED_NOW) as server:
        yield server


@pytest.fixture
def fake_keepa(fake_keepa_server):
    return fake_keepa_server.app


@pytest.fixture
def recorded_sleep():
    return RecordedSleep()


@pytest.fixture
def keepa_client(fake_keepa_server, recorded_sleep):
    client = KeepaClient(
        DEFAULT_KEY,
        base_url=fake_keepa_server.url,
        timeout=(1.0, 0.5),
        max_retries=3,
        max_token_wait=120,
        sleep=recorded_sleep,
        rng=lambda: 0.5,
    )
    yield client
    client.close()
