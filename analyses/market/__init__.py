"""Market data from Keepa: client, parser, fake Keepa, and the cache-first service.

- `analyses.market.client` — KeepaClient (requests; no Django), KeepaResponse, TokenEnvelope;
- `analyses.market.errors` — KeepaError and its subclasses;
- `analyses.market.parser` — Keepa product JSON -> MarketSnapshot + compact chart history;
- `analyses.market.fake` — a fake Keepa (generator, WSGI app, HTTP server, in-process adapter);
- `analyses.market.service` — market_service(), MarketService.fetch() -> FetchResult (Django).

This package root imports nothing from Django, so the client, parser and fake run without settings.
"""
