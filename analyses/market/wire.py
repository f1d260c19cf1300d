"""Facts about Keepa's wire format shared by the client, the parser and the fake (KEEPA.md §1-§4).

Pure Python, no Django: the fake server and the benchmarks import it without settings.
"""

from datetime import UTC, datetime

# Keepa time: minutes since 2011-01-01T00:00Z (KEEPA.md §4.4).
KEEPA_EPOCH_MINUTE = 21_564_000

# csv / stats indexes (KEEPA.md §4.1), the ones this project names.
AMAZON = 0
NEW = 1
USED = 2
SALES = 3
LISTPRICE = 4
NEW_FBM_SHIPPING = 7
NEW_FBA = 10
COUNT_NEW = 11
COUNT_USED = 12
RATING = 16
COUNT_REVIEWS = 17
BUY_BOX_SHIPPING = 18
TRADE_IN = 30
BUY_BOX_USED_SHIPPING = 32
COUNT_NEW_FBA = 34
COUNT_NEW_FBM = 35
CSV_LENGTH = 36  # as of the Java client v2.04; real answers may be shorter or longer

# Series stored as [t, price, shipping] triplets (isWithShipping in the Java client).
STRIDE3 = frozenset({7, *range(18, 30), 32})
# Series whose values are money (cents); the others are ranks, counts or ratings.
PRICE_INDEXES = frozenset({0, 1, 2, 4, 5, 6, 7, 8, 9, 10, *range(18, 30), 30, 31, 32, 33})

# Valid `domain` ids (KEEPA.md §1.2): 7 is reserved, 0 is reserved.
DOMAINS = frozenset({1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12})

PRODUCT_TYPES = {
    0: "STANDARD",
    1: "DOWNLOADABLE",
    2: "EBOOK",
    3: "UNACCESSIBLE",
    4: "INVALID",
    5: "VARIATION_PARENT",
}

MAX_PER_CALL = 100


def stride(index: int) -> int:
    return 3 if index in STRIDE3 else 2


def keepa_minute_to_unix(minute: int) -> int:
    """Keepa minute -> Unix seconds."""
    return (minute + KEEPA_EPOCH_MINUTE) * 60


def unix_to_keepa_minute(unix_seconds: float) -> int:
    return int(unix_seconds // 60) - KEEPA_EPOCH_MINUTE


def keepa_minute_to_datetime(minute: int) -> datetime:
    return datetime.fromtimestamp(keepa_minute_to_unix(minute), tz=UTC)


def datetime_to_keepa_minute(moment: datetime) -> int:
    return unix_to_keepa_minute(moment.timestamp())
