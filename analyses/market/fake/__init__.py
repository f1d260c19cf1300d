"""A fake Keepa that speaks the real wire format: for tests, benchmarks and demo mode.

- `generate_product()` — deterministic, realistic book products (fake/generator.py);
- `FakeKeepa` — the WSGI app with token bucket and failure switches (fake/app.py);
- `FakeKeepaServer` / `running_fake_keepa()` — over real loopback HTTP (fake/server.py);
- `FakeKeepaAdapter` / `demo_fake()` — in-process, mounted on a requests session (fake/adapter.py).
"""

from analyses.market.fake.adapter import (
    DEMO_BASE_URL,
    DEMO_KEY,
    FakeKeepaAdapter,
    demo_fake,
    mount_fake,
)
from analyses.market.fake.app import DEFAULT_KEY, FakeKeepa
from analyses.market.fake.generator import generate_product
from analyses.market.fake.server import FakeKeepaServer, running_fake_keepa

__all__ = [
    "DEFAULT_KEY",
    "DEMO_BASE_URL",
    "DEMO_KEY",
    "FakeKeepa",
    "FakeKeepaAdapter",
    "FakeKeepaServer",
    "demo_fake",
    "generate_product",
    "mount_fake",
    "running_fake_keepa",
]
