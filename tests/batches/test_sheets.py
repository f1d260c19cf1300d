"""Sheets: every encoding, delimiter, alias, money format, duplicate rule, limit and broken file."""

import codecs
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook

from batches.sheets import SheetError, parse_sheet, parse_text, rows_from_items

ISBN13 = "9780134685991"
ISBN10 = "0134685997"  # the same book
OTHER = "9780306406157"


def csv_bytes(text: str, encoding: str = "utf-8") -> bytes:
    return text.encode(encoding)


def xlsx_bytes(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_reads_a_plain_csv():
    sheet = parse_sheet(csv_bytes(f"isbn,cost,qty,condition\n{ISBN13},2.00,3,new\n"))
    (row,) = sheet.rows
    assert row.is_valid and row.line == 2
    assert row.identifier.canonical == ISBN13
    assert row.cost == Decimal("2.00") and row.quantity == 3 and row.condition == "new"
    assert sheet.delimiter == "," and sheet.encoding == "utf-8"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (codecs.BOM_UTF8 + b"isbn,cost\n9780134685991,2\n", "utf-8-sig"),
        ("isbn,cost\n9780134685991,2\n".encode("utf-16"), "utf-16"),
        ("isbn,cost\n9780134685991,2\n".encode("utf-16-le"), "utf-16-le"),
        (
            "isbn,cost,title\n9780134685991,2,Caf\u00e9 \u2013 na\u00efve\n".encode("cp1252"),
            "windows-1252",
        ),
    ],
)
def test_encodings(data, encoding):
    sheet = parse_sheet(data)
    assert sheet.encoding == encoding
    assert sheet.rows[0].is_valid and sheet.rows[0].cost == Decimal("2.00")


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_delimiters_are_sniffed(delimiter):
    text = delimiter.join(["ISBN", "Cost", "Qty"]) + "\n" + delimiter.join([ISBN13, "4", "2"])
    sheet = parse_sheet(text.encode())
    assert sheet.delimiter == delimiter
    assert sheet.rows[0].cost == Decimal("4.00") and sheet.rows[0].quantity == 2


@pytest.mark.parametrize(
    "header",
    ["isbn", "ISBN13", "isbn10", "ASIN", "ean", "UPC", "code", "Identifier", "ISBN 13", "isbn_13"],
)
def test_identifier_aliases(header):
    assert parse_sheet(f"{header},cost\n{ISBN13},1\n".encode()).rows[0].is_valid


@pytest.mark.parametrize("header", ["cost", "buy_price", "Buy Price", "price", "Unit Cost"])
def test_cost_aliases(header):
    assert parse_sheet(f"isbn,{header}\n{ISBN13},1\n".encode()).rows[0].cost == Decimal("1.00")


@pytest.mark.parametrize("header", ["qty", "Quantity", "QTY"])
def test_quantity_aliases(header):
    assert parse_sheet(f"isbn,cost,{header}\n{ISBN13},1,4\n".encode()).rows[0].quantity == 4


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("4", "4.00"),
        ("4.00", "4.00"),
        ("$4.00", "4.00"),
        ("$ 4.5", "4.50"),
        ('"1,234.50"', "1234.50"),
        ("0", "0.00"),
        ("USD 3.25", "3.25"),
    ],
)
def test_money_formats_in_comma_files(raw, expected):
    sheet = parse_sheet(f"isbn,cost\n{ISBN13},{raw}\n".encode())
    assert sheet.rows[0].cost == Decimal(expected), sheet.rows[0].error


@pytest.mark.parametrize(
    ("raw", "expected"), [("4,00", "4.00"), ("1.234,50", "1234.50"), ("4", "4.00")]
)
def test_decimal_comma_in_semicolon_files(raw, expected):
    sheet = parse_sheet(f"isbn;cost\n{ISBN13};{raw}\n".encode())
    assert sheet.rows[0].cost == Decimal(expected)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("-2", "line 2: cost '-2' must not be negative"),
        ("abc", "line 2: cost 'abc' is not a price"),
        ("4.999", "line 2: cost '4.999' has more than 2 decimals"),
        ("", "line 2: the cost is missing"),
        ("1e400", "line 2: cost '1e400' is not a price"),
    ],
)
def test_bad_costs_are_rejected_with_their_line(raw, message):
    (row,) = parse_sheet(f"isbn,cost\n{ISBN13},{raw}\n".encode()).rows
    assert not row.is_valid and row.error == message and row.error_field == "cost"


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("9780134685992", "checksum does not match"),
        ("hello", "is not an ISBN, EAN or ASIN"),
        ("", "the identifier is missing"),
        ("9.78013E+12", "spreadsheet shortened"),
    ],
)
def test_bad_identifiers_are_rejected(raw, fragment):
    (row,) = parse_sheet(f"isbn,cost\n{raw},1\n".encode()).rows
    assert row.error.startswith("line 2: ") and fragment in row.error
    assert row.error_field == "identifier"


@pytest.mark.parametrize(
    ("qty", "message"),
    [("0", "must be at least 1"), ("1.5", "not a whole number"), ("x", "not a whole number")],
)
def test_bad_quantities(qty, message):
    (row,) = parse_sheet(f"isbn,cost,qty\n{ISBN13},1,{qty}\n".encode()).rows
    assert message in row.error and row.error_field == "quantity"


def test_conditions_and_default():
    text = f"isbn,cost,condition\n{ISBN13},1,Used - Good\n{OTHER},1,NEW\nB08N5WRWNW,1,\n"
    rows = parse_sheet(text.encode(), default_condition="new").rows
    assert [r.condition for r in rows] == ["used", "new", "new"]
    (bad,) = parse_sheet(f"isbn,cost,condition\n{ISBN13},1,mint\n".encode()).rows
    assert bad.error == "line 2: condition 'mint' must be used or new"


def test_blank_lines_are_skipped_and_lines_keep_their_numbers():
    text = f"isbn,cost\n\n{ISBN13},1\n ,  \n{OTHER},2\n"
    rows = parse_sheet(text.encode()).rows
    assert [r.line for r in rows] == [3, 5]


def test_every_row_is_kept_valid_or_not():
    text = "isbn,cost\n" + "\n".join([f"{ISBN13},1", "junk,1", f"{OTHER},-1", "B08N5WRWNW,3"])
    sheet = parse_sheet(text.encode())
    assert len(sheet.rows) == 4
    assert [r.line for r in sheet.valid_rows] == [2, 5]
    assert [r.line for r in sheet.invalid_rows] == [3, 4]


def test_same_book_same_cost_merges_quantities():
    text = f"isbn,cost,qty\n{ISBN13},2.00,1\n{ISBN10},2,2\n{OTHER},1,1\n"
    sheet = parse_sheet(text.encode())
    first, merged, other = sheet.rows
    assert first.quantity == 3 and first.is_valid
    assert merged.merged_into == 2 and not merged.is_valid and not merged.error
    assert other.is_valid


def test_same_book_other_cost_rejects_the_later_row_with_the_first_line():
    text = f"isbn,cost\n{ISBN13},2.00\n{ISBN10},3.00\n"
    first, later = parse_sheet(text.encode()).rows
    assert first.is_valid and first.quantity == 1
    assert later.error == (
        f"line 3: {ISBN13} is already on line 2 with cost 2.00; a book can have only one cost "
        "in a batch"
    )


def test_xlsx_with_numeric_cells():
    data = xlsx_bytes(
        [
            ["ISBN", "Buy Price", "Qty"],
            [9780134685991, 4.1, 2],
            [None, None, None],
            ["0-306-40615-2", "$1.50", None],
            [9780134685991.0, 4.1, 1],
        ]
    )
    sheet = parse_sheet(data, "list.xlsx")
    assert sheet.encoding == "xlsx"
    first, second, dup = sheet.rows
    assert first.identifier.canonical == ISBN13 and first.cost == Decimal("4.10")
    assert first.quantity == 3 and dup.merged_into == 2
    assert second.line == 4 and second.cost == Decimal("1.50")


def test_xlsx_formula_float_noise_is_rounded_to_the_cent():
    (row,) = parse_sheet(xlsx_bytes([["isbn", "cost"], [ISBN13, 1.1 * 4]])).rows
    assert row.cost == Decimal("4.40")


def test_headerless_sheet_is_read_as_identifier_cost_qty():
    sheet = parse_sheet(f"{ISBN13},2.5,2\n{OTHER},1\n".encode())
    assert [r.line for r in sheet.valid_rows] == [1, 2]
    assert sheet.rows[0].quantity == 2


def test_several_identifier_columns_take_the_first_filled():
    text = f"isbn13,isbn10,cost\n,{ISBN10},1\n{OTHER},,2\n"
    rows = parse_sheet(text.encode()).rows
    assert [r.identifier.canonical for r in rows] == [ISBN13, OTHER]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the file is empty"),
        (b"title,author\nDune,Herbert\n", "no identifier column"),
        (b"isbn,title\n9780134685991,Dune\n", "no cost column"),
        (b"isbn,cost\n", "a header but no rows"),
        (b"%PDF-1.7 binary\x00\x01", "not a CSV or XLSX sheet"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not a CSV or XLSX sheet"),
        (b"PK\x03\x04garbage-zip", "not a readable XLSX workbook"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "old Excel .xls"),
    ],
)
def test_files_that_are_not_sheets_get_a_clear_error(data, message):
    with pytest.raises(SheetError, match=message):
        parse_sheet(data)


def test_row_limit_creates_nothing():
    text = "isbn,cost\n" + f"{ISBN13},1\n" * 11
    with pytest.raises(SheetError, match="more than 10 rows"):
        parse_sheet(text.encode(), max_rows=10)


def test_size_limit():
    with pytest.raises(SheetError, match="the limit is 1 MB"):
        parse_sheet(b"isbn,cost\n" + b"x" * 1_100_000, max_bytes=1_048_576)


def test_pasted_lines():
    sheet = parse_text(f"{ISBN13}, 2.00, 2\n\n{OTHER}\t1\nnope, 1\n")
    assert [r.line for r in sheet.valid_rows] == [1]
    assert sheet.rows[1].error  # the tab line is one field when commas delimit
    assert "not an ISBN" in sheet.rows[2].error


def test_json_items_share_the_row_rules():
    sheet = rows_from_items(
        [
            {"identifier": ISBN13, "cost": "2.00"},
            {"identifier": ISBN10, "cost": 2, "quantity": 2},
            {"identifier": OTHER, "cost": -1},
            {"identifier": "B08N5WRWNW", "cost": 1.25, "condition": "new"},
            "not an object",
        ]
    )
    assert sheet.rows[0].quantity == 3 and sheet.rows[1].merged_into == 1
    assert sheet.rows[2].error == "line 3: cost '-1' must not be negative"
    assert sheet.rows[3].condition == "new" and sheet.rows[3].cost == Decimal("1.25")
    assert sheet.rows[4].error_field == "row"


def test_merged_quantities_stay_within_the_limit():
    text = f"isbn,cost,qty\n{ISBN13},1,60000\n{ISBN10},1,60000\n"
    first, later = parse_sheet(text.encode()).rows
    assert first.quantity == 60000 and first.is_valid
    assert later.error == "line 3: merged with line 2, the quantity would pass 100,000"


def test_a_pasted_line_that_is_no_book_gets_its_own_error():
    (row,) = parse_text("see notes, 2.00").rows
    assert row.error == "line 1: 'see notes' is not an ISBN, EAN or ASIN"
