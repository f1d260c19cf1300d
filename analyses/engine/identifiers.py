"""Book identifiers (DOMAIN.md §1): normalise, validate, canonicalise, choose the Keepa lookup.

Checksums and conversions come from python-stdnum; this module only decides which rule applies.
"""

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from stdnum import ean, isbn
from stdnum.exceptions import ValidationError

ASIN_RE = re.compile(r"^B0[A-Z0-9]{8}$")
ISBN10_RE = re.compile(r"^\d{9}[\dX]$")
_STRIP_RE = re.compile(r"[\s\-\u2010-\u2015]+")

Kind = Literal["ISBN10", "ISBN13", "EAN13", "UPC", "ASIN"]


class InvalidIdentifier(ValueError):
    """The text is not a usable book identifier; the message says why, for a person."""


@dataclass(frozen=True, slots=True)
class Identifier:
    raw: str
    kind: Kind
    canonical: str  # stored as `isbn_or_asin`

    @property
    def lookup_kind(self) -> Literal["asin", "code"]:
        """The Keepa parameter: `asin` for ASINs and 978 books (ASIN = ISBN-10), else `code`."""
        if self.kind == "ASIN" or self.canonical.startswith("978"):
            return "asin"
        return "code"

    @property
    def lookup_value(self) -> str:
        # Computed on demand: converting to ISBN-10 costs more than validating, and a sheet
        # of 100,000 rows only needs it later, a chunk at a time, when Keepa is asked.
        if self.lookup_kind == "asin" and self.kind != "ASIN":
            return _isbn10(self.canonical)
        return self.canonical


@lru_cache(maxsize=65_536)
def _isbn10(isbn13: str) -> str:
    return isbn.to_isbn10(isbn13)


def clean(raw: str) -> str:
    return _STRIP_RE.sub("", str(raw)).upper()


def parse_identifier(raw: str) -> Identifier:
    """Returns the identifier, or raises InvalidIdentifier with a readable reason."""
    text = clean(raw)
    if not text:
        raise InvalidIdentifier("identifier is empty")
    if ASIN_RE.match(text):
        return Identifier(raw, "ASIN", text)
    if ISBN10_RE.match(text):
        _check(isbn.validate, text, "ISBN-10")
        body = "978" + text[:9]
        return Identifier(raw, "ISBN10", body + ean.calc_check_digit(body))
    if text.isdigit() and len(text) in (12, 13):
        # The EAN-13 / UPC-A check digit, by python-stdnum, without re-cleaning the digits
        # (that cleaning is most of the cost on a 100,000-row sheet).
        label = "UPC" if len(text) == 12 else "ISBN-13" if text[:3] in ("978", "979") else "EAN-13"
        if ean.calc_check_digit(text[:-1]) != text[-1]:
            raise InvalidIdentifier(f"{label} '{text}': checksum does not match")
        if len(text) == 12:
            return Identifier(raw, "UPC", text)
        return Identifier(raw, "EAN13" if label == "EAN-13" else "ISBN13", text)
    if re.fullmatch(r"\d(\.\d+)?E\+?\d+", text):
        raise InvalidIdentifier(
            f"'{raw}' is a number a spreadsheet shortened; "
            "format the column as text and export again"
        )
    if text.isdigit() and len(text) == 9:
        raise InvalidIdentifier(
            f"'{raw}' has 9 digits: if it is an ISBN-10 that lost its leading zero, write 0{text}"
        )
    raise InvalidIdentifier(f"'{raw}' is not an ISBN, EAN or ASIN")


def _check(validate, text: str, label: str) -> None:
    try:
        validate(text)
    except ValidationError as exc:
        raise InvalidIdentifier(f"{label} '{text}': checksum does not match") from exc
