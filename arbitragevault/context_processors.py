from django.conf import settings


def market(request):
    """Tells every page whether the market data on it is demo data."""
    return {"demo_market_data": settings.MARKET_DATA_SOURCE == "demo"}
