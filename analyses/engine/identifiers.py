"""Book identifiers (DOMAIN.md §1): normalise, validate, canonicalise, choose the Keepa lookup.

Checksums and conversions come from python-stdnum; this module only decides which rule applies.
"""

import re
from dataclasses import dataclass
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
    lookup_kind: Literal["asin", "code"]  # Keepa parameter
    lookup_value: str


def clean(raw: str) -> str:
    return _STRIP_RE.sub("", str(raw)).upper()


def parse_identifier(raw: str) -> Identifier:
    """Returns the identifier, or raises InvalidIdentifier with a readable reason."""
    text = clean(raw)
    if not text:
        raise InvalidIdentifier("identifier is empty")
    if ASIN_RE.match(text):
        return Identifier(raw, "ASIN", text, "asin", text)
    if ISBN10_RE.match(text):
        _check(isbn.validate, text, "ISBN-10")
        return Identifier(raw, "ISBN10", isbn.to_isbn13(text), "asin", text)
    if text.isdigit() and len(text) == 13:
        if text.startswith("978"):
            _check(ean.validate, text, "ISBN-13")
            return Identifier(raw, "ISBN13", text, "asin", isbn.to_isbn10(text))
        _check(ean.validate, text, "ISBN-13" if text.startswith("979") else "EAN-13")
        kind: Kind = "ISBN13" if text.startswith("979") else "EAN13"
        return Identifier(raw, kind, text, "code", text)
    if text.isdigit() and len(text) == 12:
        _check(ean.validate, text, "UPC")
        return Identifier(raw, "UPC", text, "code", text)
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
