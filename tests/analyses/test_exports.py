import csv
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from analyses import exports
from analyses.models import Analysis
from tests.factories import AnalysisFactory, BatchFactory

pytestmark = pytest.mark.django_db


def test_csv_streams_in_chunks_with_plain_decimals():
    batch = BatchFactory(name="Spring Sale", market_source="demo")
    AnalysisFactory.create_batch(1200, batch=batch)
    chunks = list(
        exports.iter_csv(exports.ANALYSIS_COLUMNS, exports.analysis_rows(batch.analyses.all()))
    )
    assert len(chunks) >= 3  # streamed, not built in one piece
    rows = list(csv.DictReader(io.StringIO(b"".join(chunks).decode("utf-8-sig"))))
    assert len(rows) == 1200
    assert rows[0]["profit"] == "3.61" and rows[0]["roi_percent"] == "180.50"
    assert exports.filename_for(batch, "analyses", "csv") == "spring-sale-analyses-demo.csv"


def test_empty_values_stay_empty_and_reasons_are_codes():
    AnalysisFactory(
        profit=None,
        roi_percent=None,
        expected_sale_price=None,
        recommendation="SKIP",
        reasons=[
            {"code": "no_price", "message": "No price"},
            {"code": "rank_unknown", "message": "x"},
        ],
    )
    (row,) = exports.analysis_rows(Analysis.objects.all())
    record = dict(zip(exports.ANALYSIS_COLUMNS, row, strict=True))
    assert record["profit"] is None and record["reasons"] == "no_price;rank_unknown"


def test_titles_never_become_spreadsheet_formulas():
    AnalysisFactory(title='=HYPERLINK("http://evil")')
    (row,) = exports.analysis_rows(Analysis.objects.all())
    assert row[exports.ANALYSIS_COLUMNS.index("title")].startswith("'=")


def test_xlsx_has_numbers_not_text():
    AnalysisFactory()
    spool = exports.xlsx_file(
        exports.ANALYSIS_COLUMNS,
        exports.analysis_rows(Analysis.objects.all()),
        title="A very long batch name that Excel would refuse as a title",
    )
    rows = list(load_workbook(spool, read_only=True).active.iter_rows(values_only=True))
    record = dict(zip(rows[0], rows[1], strict=True))
    assert Decimal(str(record["profit"])) == Decimal("3.61") and isinstance(
        record["rank_snapshot"], int
    )


def test_default_export_order_puts_buy_first_then_profit():
    batch = BatchFactory()
    AnalysisFactory(batch=batch, recommendation="SKIP", profit=Decimal("50"))
    AnalysisFactory(batch=batch, recommendation="BUY", profit=Decimal("4"))
    AnalysisFactory(batch=batch, recommendation="BUY", profit=Decimal("9"))
    AnalysisFactory(batch=batch, recommendation="REVIEW", profit=None)
    ordered = exports.default_export_order(batch.analyses.all())
    assert [(a.recommendation, a.profit) for a in ordered] == [
        ("BUY", Decimal("9.00")),
        ("BUY", Decimal("4.00")),
        ("REVIEW", None),
        ("SKIP", Decimal("50.00")),
    ]


def test_bad_export_parameters_name_the_field():
    batch = BatchFactory()
    with pytest.raises(exports.ExportError) as error:
        exports.export_response(batch, _params(format="pdf"))
    assert error.value.field == "format"
    with pytest.raises(exports.ExportError) as error:
        exports.export_response(batch, _params(roi_min="high"))
    assert error.value.field == "roi_min"


def _params(**values):
    from django.http import QueryDict

    query = QueryDict(mutable=True)
    query.update(values)
    return query


def test_the_database_csv_matches_the_python_csv():
    """On PostgreSQL the CSV is written by COPY; it must read back exactly like the Python one."""
    batch = BatchFactory()
    AnalysisFactory(batch=batch, title='=cmd|" /C calc"!A0, "quoted", comma')
    AnalysisFactory(batch=batch, title="", profit=None, roi_percent=None, reasons=[])
    AnalysisFactory(
        batch=batch,
        reasons=[{"code": "roi_below_min", "message": "m"}, {"code": "risk_high", "message": "n"}],
    )
    queryset = exports.default_export_order(batch.analyses.all())
    database = b"".join(exports.analyses_csv(queryset)).decode("utf-8-sig")
    python = b"".join(exports.iter_csv(exports.ANALYSIS_COLUMNS, exports.analysis_rows(queryset)))
    assert list(csv.reader(io.StringIO(database))) == list(
        csv.reader(io.StringIO(python.decode("utf-8-sig")))
    )


def test_a_filter_that_matches_nothing_exports_the_header_alone():
    batch = BatchFactory()
    AnalysisFactory(batch=batch)
    body = b"".join(exports.analyses_csv(batch.analyses.filter(rank_snapshot__lte=-1)))
    assert list(csv.reader(io.StringIO(body.decode("utf-8-sig")))) == [exports.ANALYSIS_COLUMNS]


def test_xlsx_survives_the_demo_batch_name_and_control_characters():
    AnalysisFactory(title="Bad\x07title")
    spool = exports.xlsx_file(
        exports.ANALYSIS_COLUMNS,
        exports.analysis_rows(Analysis.objects.all()),
        title="Demo: library sale (sample sheet) [2/3]?*",
    )
    workbook = load_workbook(spool, read_only=True)
    assert workbook.sheetnames == ["Demo  library sale (sample shee"]
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[1][exports.ANALYSIS_COLUMNS.index("title")] == "Badtitle"
