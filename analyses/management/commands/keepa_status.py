"""Prints the Keepa token balance from the free /token call (demo mode: the fake's balance)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from analyses.market.errors import KeepaAuthError, KeepaError
from analyses.market.service import SOURCE_DEMO, market_service


class Command(BaseCommand):
    help = "Show the Keepa token balance (tokensLeft, refillRate, refillIn); costs no token."

    def handle(self, *args, **options):
        source = settings.MARKET_DATA_SOURCE
        if source == SOURCE_DEMO:
            self.stdout.write(
                self.style.WARNING(
                    "DEMO MARKET DATA: MARKET_DATA_SOURCE=demo, so prices and ranks come from the "
                    "built-in fake Keepa, not from Amazon. Set KEEPA_API_KEY for real data."
                )
            )
        service = market_service()
        try:
            envelope = service.token_status()
        except KeepaAuthError as exc:
            raise CommandError(f"Keepa rejected the API key: {exc.message}") from None
        except KeepaError as exc:
            raise CommandError(f"Could not read the Keepa token balance: {exc.message}") from None
        where = "fake Keepa (demo)" if source == SOURCE_DEMO else settings.KEEPA_API_URL
        self.stdout.write(f"source:       {source} ({where}), domain {service.domain}")
        self.stdout.write(f"tokensLeft:   {envelope.tokens_left}")
        self.stdout.write(f"refillRate:   {envelope.refill_rate} tokens/min")
        self.stdout.write(f"refillIn:     {envelope.refill_in_ms / 1000:.1f} s")
        if envelope.token_flow_reduction:
            self.stdout.write(f"flowReduction: {envelope.token_flow_reduction} tokens/min")
