"""Sheets in: CSV or XLSX → one `SheetRow` per data row, each valid or carrying its error.

Nothing here touches the database. `parse_sheet` reads a file, `parse_text` reads pasted lines,
`rows_from_items` validates a JSON list; all three share the same row rules and the duplicate
rule of DOMAIN.md §12, so every entry point accepts and rejects exactly the same things.
Whole-file problems (not a sheet, no identifier column, over a limit) raise `SheetError`.
"""

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from analyses.engine.identifiers import Identifier, InvalidIdentifier, parse_identifier

# Header aliases, compared after lower-casing and collapsing spaces/underscores/hyphens.
COLUMN_ALIASES = {
    "identifier": (
        "isbn",
        "isbn13",
        "isbn 13",
        "isbn10",
        "isbn 10",
        "asin",
        "ean",
        "upc",
        "code",
        "identifier",
    ),
    "cost": ("cost", "buy price", "buy_price", "price", "unit cost"),
    "quantity": ("qty", "quantity"),
    "condition": ("condition",),
}
CONDITIONS = {"used": "used", "u": "used", "new": "new", "n": "new", "brand new": "new"}
MAX_COST = Decimal("9999999999.99")
CENT = Decimal("0.01")
MAX_QUANTITY = 100_000
_MONEY_STRIP = re.compile(r"^(?:US\$|USD|\$)\s*|\s*(?:USD|\$)$", re.IGNORECASE)
_SPACES = re.compile(r"[\s_\-]+")


class SheetError(ValueError):
    """The file as a whole cannot be read as a sheet; nothing is created."""


@dataclass(slots=True)
class SheetRow:
    line: int
    raw_identifier: str = ""
    raw_cost: str = ""
    identifier: Identifier | None = None
    cost: Decimal | None = None
    quantity: int = 1
    condition: str = "used"
    error_field: str = ""
    error: str = ""  # a sentence that starts with "line N: "
    merged_into: int | None = None  # line of the earlier row this one was merged into

    @property
    def is_valid(self) -> bool:
        return not self.error and self.merged_into is None

    def reject(self, field_name: str, message: str) -> None:
        if not self.error:
            self.error_field = field_name
            self.error = f"line {self.line}: {message}"


@dataclass(slots=True)
class ParsedSheet:
    rows: list[SheetRow] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # role → header as written
    encoding: str = ""
    delimiter: str = ""

    @property
    def valid_rows(self) -> list[SheetRow]:
        return [r for r in self.rows if r.is_valid]

    @property
    def invalid_rows(self) -> list[SheetRow]:
        return [r for r in self.rows if r.error]


# --------------------------------------------------------------------------------------------
# Entry points


def parse_sheet(
    data: bytes,
    filename: str = "",
    *,
    default_condition: str = "used",
    max_rows: int = 100_000,
    max_bytes: int = 20 * 1024 * 1024,
) -> ParsedSheet:
    """Reads a CSV or XLSX file's bytes; raises SheetError when the file is not a usable sheet."""
    if len(data) > max_bytes:
        raise SheetError(
            f"the file is {len(data) / 1_048_576:.1f} MB; "
            f"the limit is {max_bytes / 1_048_576:.0f} MB"
        )
    if not data.strip():
        raise SheetError("the file is empty")
    if data[:4] == b"PK\x03\x04":
        table, encoding, delimiter = _read_xlsx(data), "xlsx", ""
    elif filename.lower().endswith((".xlsx", ".xlsm")):
        raise SheetError("this file is not a readable XLSX workbook (it is not a ZIP archive)")
    elif data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise SheetError("old Excel .xls files are not supported: save the sheet as .xlsx or CSV")
    else:
        text, encoding = _decode(data)
        delimiter = _sniff_delimiter(text)
        table = _read_csv(text, delimiter)
    sheet = _build(
        table,
        default_condition=default_condition,
        max_rows=max_rows,
        decimal_comma=delimiter == ";",
    )
    sheet.encoding, sheet.delimiter = encoding, delimiter
    return sheet


def parse_text(
    text: str, *, default_condition: str = "used", max_rows: int = 100_000
) -> ParsedSheet:
    """Pasted lines `identifier, cost[, qty[, condition]]`, with or without a header line."""
    if not text.strip():
        raise SheetError("nothing to read: paste one book per line")
    delimiter = _sniff_delimiter(text)
    sheet = _build(
        _read_csv(text, delimiter),
        default_condition=default_condition,
        max_rows=max_rows,
        decimal_comma=delimiter == ";",
        pasted=True,
    )
    sheet.encoding, sheet.delimiter = "text", delimiter
    return sheet


def rows_from_items(
    items: Iterable[dict], *, default_condition: str = "used", max_rows: int = 100_000
) -> ParsedSheet:
    """A JSON list `[{identifier, cost, quantity?, condition?}]`; line N is the N-th item."""
    sheet = ParsedSheet(columns={k: k for k in COLUMN_ALIASES}, encoding="json")
    for index, item in enumerate(items, start=1):
        if index > max_rows:
            raise SheetError(f"more than {max_rows:,} items")
        if not isinstance(item, dict):
            row = SheetRow(line=index)
            row.reject("row", "each item must be an object with identifier and cost")
            sheet.rows.append(row)
            continue
        sheet.rows.append(
            _row(
                index,
                item.get("identifier"),
                item.get("cost"),
                item.get("quantity"),
                item.get("condition"),
                default_condition=default_condition,
                decimal_comma=False,
            )
        )
    if not sheet.rows:
        raise SheetError("no items")
    _apply_duplicate_rule(sheet.rows)
    return sheet


# --------------------------------------------------------------------------------------------
# Reading files


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16"
    head = data[:4000]
    # UTF-16 without a BOM: every other byte of ASCII text is NUL.
    if head.count(b"\x00") > len(head) // 4:
        if head[1::2].count(0) > head[0::2].count(0):
            return data.decode("utf-16-le", errors="replace"), "utf-16-le"
        return data.decode("utf-16-be", errors="replace"), "utf-16-be"
    if b"\x00" in head:
        raise SheetError("this is not a CSV or XLSX sheet (it looks like a binary file)")
    if head.startswith((b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8")):
        raise SheetError("this is not a CSV or XLSX sheet")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "windows-1252"


def _sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first non-blank lines most consistently: , ; or tab."""
    lines = [line for line in text.splitlines()[:20] if line.strip()][:10]
    if not lines:
        return ","
    best, best_score = ",", (0, 0)
    for delimiter in ("\t", ";", ","):
        counts = [len(next(csv.reader([line], delimiter=delimiter))) - 1 for line in lines]
        header = counts[0]
        consistent = sum(1 for c in counts if c == header)
        score = (header, consistent) if header else (0, 0)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _read_csv(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    while True:
        line = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise SheetError(f"line {line}: the CSV cannot be read ({exc})") from exc
        yield line, record


def _read_xlsx(data: bytes) -> Iterator[tuple[int, list]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise SheetError("this file is not a readable XLSX workbook") from exc
    except Exception as exc:  # openpyxl raises assorted errors on damaged files
        raise SheetError("this file is not a readable XLSX workbook") from exc
    sheet = workbook.worksheets[0] if workbook.worksheets else None
    if sheet is None:
        raise SheetError("the workbook has no sheet")

    def rows():
        try:
            for line, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                yield line, list(values)
        finally:
            workbook.close()

    return rows()


# --------------------------------------------------------------------------------------------
# Rows


def _normalise_header(text) -> str:
    return _SPACES.sub(" ", str(text or "").strip().lower().lstrip("\ufeff")).strip()


_ALIAS_LOOKUP = {
    _normalise_header(alias): role for role, aliases in COLUMN_ALIASES.items() for alias in aliases
}


def _map_header(cells: list) -> dict[str, list[int]] | None:
    roles: dict[str, list[int]] = {}
    for index, cell in enumerate(cells):
        role = _ALIAS_LOOKUP.get(_normalise_header(cell))
        if role:
            roles.setdefault(role, []).append(index)
    return roles if "identifier" in roles else None


def _looks_like_identifier(cell) -> bool:
    try:
        parse_identifier(_cell_text(cell))
    except InvalidIdentifier:
        return False
    return True


def _build(
    table, *, default_condition: str, max_rows: int, decimal_comma: bool, pasted: bool = False
) -> ParsedSheet:
    """`pasted`: lines typed by hand have no header unless they name one; every line is a
    book, and a line that is not one gets its own error (not a "no identifier column")."""
    sheet = ParsedSheet()
    columns: dict[str, list[int]] | None = None
    for line, cells in table:
        if not any(_cell_text(c) for c in cells):
            continue  # blank lines are skipped
        if columns is None:
            columns = _map_header(cells)
            if columns is not None:
                if "cost" not in columns:
                    raise SheetError(
                        f"line {line}: no cost column. The header must name one of "
                        + ", ".join(COLUMN_ALIASES["cost"])
                    )
                sheet.columns = {role: str(cells[idx[0]]).strip() for role, idx in columns.items()}
                continue
            if pasted or _looks_like_identifier(cells[0]):
                # No header, but the first cell is a book: identifier, cost, qty, condition.
                columns = {"identifier": [0], "cost": [1], "quantity": [2], "condition": [3]}
                sheet.columns = {role: f"column {idx[0] + 1}" for role, idx in columns.items()}
            else:
                found = ", ".join(f"'{_cell_text(c)}'" for c in cells if _cell_text(c)) or "nothing"
                raise SheetError(
                    f"line {line}: no identifier column. The header must name one of "
                    f"{', '.join(COLUMN_ALIASES['identifier'])} (found {found})"
                )
        if len(sheet.rows) >= max_rows:
            raise SheetError(
                f"the sheet has more than {max_rows:,} rows; split it into smaller sheets"
            )
        identifier = next(
            (cells[i] for i in columns["identifier"] if i < len(cells) and _cell_text(cells[i])),
            None,
        )
        sheet.rows.append(
            _row(
                line,
                identifier,
                _pick(cells, columns, "cost"),
                _pick(cells, columns, "quantity"),
                _pick(cells, columns, "condition"),
                default_condition=default_condition,
                decimal_comma=decimal_comma,
            )
        )
    if columns is None:
        raise SheetError("the file is empty")
    if not sheet.rows:
        raise SheetError("the sheet has a header but no rows")
    _apply_duplicate_rule(sheet.rows)
    return sheet


def _pick(cells: list, columns: dict[str, list[int]], role: str):
    indexes = columns.get(role)
    if not indexes or indexes[0] >= len(cells):
        return None
    return cells[indexes[0]]


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))  # spreadsheets store ISBNs as floats
    return str(value).strip()


def _row(
    line, identifier, cost, quantity, condition, *, default_condition, decimal_comma
) -> SheetRow:
    row = SheetRow(
        line=line,
        raw_identifier=_cell_text(identifier)[:200],
        raw_cost=_cell_text(cost)[:100],
        condition=default_condition,
    )
    if not row.raw_identifier:
        row.reject("identifier", "the identifier is missing")
    else:
        try:
            row.identifier = parse_identifier(row.raw_identifier)
        except InvalidIdentifier as exc:
            row.reject("identifier", str(exc))
    row.cost = _parse_cost(row, cost, decimal_comma)
    row.quantity = _parse_quantity(row, quantity)
    row.condition = _parse_condition(row, condition, default_condition)
    return row


def _parse_cost(row: SheetRow, value, decimal_comma: bool) -> Decimal | None:
    if isinstance(value, bool | datetime | date):
        row.reject("cost", f"cost '{row.raw_cost}' is not a price")
        return None
    if isinstance(value, int | float | Decimal):
        amount = Decimal(str(value))
    elif not row.raw_cost:
        row.reject("cost", "the cost is missing")
        return None
    else:
        amount = _parse_money_text(row.raw_cost, decimal_comma)
    if amount is None or not amount.is_finite():
        row.reject("cost", f"cost '{row.raw_cost}' is not a price")
        return None
    if amount < 0:
        row.reject("cost", f"cost '{row.raw_cost}' must not be negative")
        return None
    if amount > MAX_COST:
        row.reject("cost", f"cost '{row.raw_cost}' is too large")
        return None
    cents = amount.quantize(CENT)
    if isinstance(value, float) and abs(amount - cents) < Decimal("1e-6"):
        return cents  # float noise from a spreadsheet formula, e.g. 4.4000000000000004
    if amount != cents:
        row.reject("cost", f"cost '{row.raw_cost}' has more than 2 decimals")
        return None
    return cents


_PLAIN_MONEY = re.compile(r"\d{1,12}(\.\d{1,2})?")


def _parse_money_text(text: str, decimal_comma: bool) -> Decimal | None:
    if _PLAIN_MONEY.fullmatch(text):  # the common case: 4 or 4.00
        return Decimal(text)
    text = _MONEY_STRIP.sub("", text.replace("\u00a0", " ").strip()).strip().replace(" ", "")
    negative = text.startswith("-") or (text.startswith("(") and text.endswith(")"))
    text = text.strip("()").lstrip("-+")
    if not re.fullmatch(r"[\d.,]+", text or "x"):
        return None
    if "," in text and "." in text:
        decimal_sep = "," if text.rfind(",") > text.rfind(".") else "."
    elif "," in text:
        decimals = len(text) - text.rfind(",") - 1
        decimal_sep = "," if decimal_comma or (text.count(",") == 1 and decimals != 3) else "."
    else:
        decimal_sep = "."
    thousands = "." if decimal_sep == "," else ","
    whole, _, frac = text.replace(thousands, "").rpartition(decimal_sep)
    number = f"{whole}.{frac}" if _ else frac
    if number.count(".") > 1 or not re.fullmatch(r"\d*\.?\d*", number) or number in (".", ""):
        return None
    try:
        amount = Decimal(number)
    except InvalidOperation:
        return None
    return -amount if negative else amount


def _parse_quantity(row: SheetRow, value) -> int:
    text = _cell_text(value)
    if not text:
        return 1
    try:
        number = Decimal(text)
    except InvalidOperation:
        row.reject("quantity", f"quantity '{text}' is not a whole number")
        return 1
    if number != number.to_integral_value():
        row.reject("quantity", f"quantity '{text}' is not a whole number")
        return 1
    if number < 1:
        row.reject("quantity", f"quantity '{text}' must be at least 1")
        return 1
    if number > MAX_QUANTITY:
        row.reject("quantity", f"quantity '{text}' is more than {MAX_QUANTITY:,}")
        return 1
    return int(number)


def _parse_condition(row: SheetRow, value, default_condition: str) -> str:
    text = _cell_text(value).lower()
    if not text:
        return default_condition
    key = _SPACES.sub(" ", text)
    if key in CONDITIONS:
        return CONDITIONS[key]
    if key.startswith("used"):  # "Used - Very Good" and friends
        return "used"
    if key.startswith("new"):
        return "new"
    row.reject("condition", f"condition '{_cell_text(value)}' must be used or new")
    return default_condition


def _apply_duplicate_rule(rows: list[SheetRow]) -> None:
    """DOMAIN.md §12: same book and cost merge (quantities add); a different cost is rejected."""
    first: dict[str, SheetRow] = {}
    for row in rows:
        if row.error or row.identifier is None:
            continue
        earlier = first.get(row.identifier.canonical)
        if earlier is None:
            first[row.identifier.canonical] = row
        elif earlier.cost == row.cost and earlier.condition == row.condition:
            if earlier.quantity + row.quantity > MAX_QUANTITY:
                row.reject(
                    "quantity",
                    f"merged with line {earlier.line}, the quantity would pass {MAX_QUANTITY:,}",
                )
                continue
            earlier.quantity += row.quantity
            row.merged_into = earlier.line
        elif earlier.cost != row.cost:
            row.reject(
                "cost",
                f"{row.identifier.canonical} is already on line {earlier.line} with cost "
                f"{earlier.cost}; a book can have only one cost in a batch",
            )
        else:
            row.reject(
                "condition",
                f"{row.identifier.canonical} is already on line {earlier.line} as "
                f"{earlier.condition}; a book can have only one condition in a batch",
            )
