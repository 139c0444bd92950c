"""The shared workbook writer (core.xlsx.write_workbook, SPEC §10): what every export's file looks like to a user,
read back with openpyxl as Excel or LibreOffice would see it."""

from __future__ import annotations

import datetime as dt
import io
import re
import tempfile
import warnings
import zipfile
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from core.roles import Role
from core.xlsx import DATE_FORMAT, DATETIME_FORMAT, MONEY_FORMAT, Column, Sheet, open_workbook, write_workbook

LONG_NAME = "一个名字很长很长的工作表" * 4  # 48 characters


def _columns() -> list[Column]:
    return [
        Column("文本", 20),
        Column.date("日期"),
        Column("时间", 16),
        Column.decimal("得分"),
        Column.money("金额"),
        Column("布尔", 8),
        Column("备注", 30),
    ]


def _rows() -> list[tuple]:
    return [
        (
            '=HYPERLINK("http://evil")',
            dt.date(2026, 3, 31),
            dt.datetime(2026, 3, 31, 16, 30, tzinfo=dt.UTC),
            Decimal("92.86"),
            -3000,
            True,
            "普通文字",
        ),
        ("+86 027", None, dt.datetime(2026, 4, 1, 8, 0), 88, Decimal("1500.50"), False, "a\x01b\x0bc\x1fd"),
        ("-3000", "", None, None, None, None, "@SUM(A1)"),
        (Role.TEAM_MEMBER, dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.UTC), 0, 1.5, 0, None, "第一行\n第二行\t制表"),
    ]


def _write(*sheets: Sheet) -> bytes:
    buffer = io.BytesIO()
    write_workbook(sheets, buffer)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def workbook_bytes() -> bytes:
    return _write(
        Sheet(LONG_NAME, _columns(), iter(_rows())),
        Sheet("空表", [Column("编号"), Column("名称", 24)], iter(())),
    )


@pytest.fixture(scope="module")
def workbook(workbook_bytes):
    return load_workbook(io.BytesIO(workbook_bytes))


def _width(ws, index: int) -> float | None:
    """The width Excel shows for a column (1-based), wherever the file groups equal neighbours into one <col>."""
    for dimension in ws.column_dimensions.values():
        if dimension.customWidth and dimension.min <= index <= dimension.max:
            return dimension.width
    return None


def test_the_file_is_a_valid_xlsx_package_that_opens_without_warnings(workbook_bytes) -> None:
    archive = zipfile.ZipFile(io.BytesIO(workbook_bytes))
    assert archive.testzip() is None
    names = set(archive.namelist())
    assert {"[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/styles.xml"} <= names
    content_types = archive.read("[Content_Types].xml").decode()
    assert content_types.count("spreadsheetml.worksheet+xml") == 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_workbook(io.BytesIO(workbook_bytes))
        read_only = load_workbook(io.BytesIO(workbook_bytes), read_only=True)
        assert read_only.sheetnames == [LONG_NAME[:31], "空表"]
        read_only.close()
    # The product's own reader takes its own exports (the catalogue's round trip depends on it).
    assert open_workbook(workbook_bytes).sheetnames == [LONG_NAME[:31], "空表"]


def test_sheet_names_are_cut_to_excels_31_characters(workbook) -> None:
    assert workbook.sheetnames == [LONG_NAME[:31], "空表"]


def test_the_header_is_bold_white_on_dark_blue_centred_and_wrapped(workbook) -> None:
    ws = workbook[LONG_NAME[:31]]
    assert [cell.value for cell in ws[1]] == [column.header for column in _columns()]
    for cell in ws[1]:
        assert cell.font.b
        assert cell.font.color.rgb[-6:] == "FFFFFF"
        assert cell.fill.fill_type == "solid" and cell.fill.fgColor.rgb[-6:] == "1F4E79"
        assert cell.alignment.horizontal == "center" and cell.alignment.vertical == "center"
        assert cell.alignment.wrap_text
    data = ws["A3"]
    assert not data.font.b and data.fill.fill_type is None  # the style is the header's only


def test_every_sheet_freezes_its_header_repeats_it_when_printed_and_filters_its_data(workbook) -> None:
    full, empty = workbook[LONG_NAME[:31]], workbook["空表"]
    assert full.freeze_panes == "A2" and empty.freeze_panes == "A2"
    assert full.print_title_rows == "$1:$1" and empty.print_title_rows == "$1:$1"
    assert full.auto_filter.ref == "A1:G5"  # header and the four data rows, every column
    assert empty.auto_filter.ref == "A1:B1"


def test_each_column_has_the_width_it_was_given(workbook) -> None:
    ws = workbook[LONG_NAME[:31]]
    assert [_width(ws, index) for index in range(1, 8)] == [column.width for column in _columns()]
    assert _width(workbook["空表"], 1) == 14 and _width(workbook["空表"], 2) == 24
    assert _width(ws, 8) is None  # no column past the last one is sized


def test_text_that_looks_like_a_formula_is_a_quote_prefixed_string_never_a_formula(workbook, workbook_bytes) -> None:
    ws = workbook[LONG_NAME[:31]]
    for ref, text in (("A2", '=HYPERLINK("http://evil")'), ("A3", "+86 027"), ("A4", "-3000"), ("G4", "@SUM(A1)")):
        cell = ws[ref]
        assert cell.data_type == "s" and cell.value == text and cell.quotePrefix, ref
    assert not ws["G2"].quotePrefix  # ordinary text has no prefix
    sheet_xml = zipfile.ZipFile(io.BytesIO(workbook_bytes)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml


def test_dates_and_times_are_excel_dates_in_shanghai_wall_clock_time(workbook) -> None:
    ws = workbook[LONG_NAME[:31]]
    day, utc_moment, naive_moment, in_date_column = ws["B2"], ws["C2"], ws["C3"], ws["B5"]
    assert day.is_date and day.value == dt.datetime(2026, 3, 31) and day.number_format == DATE_FORMAT
    # 16:30 UTC is 00:30 the next day in Shanghai; the file holds no time zone.
    assert utc_moment.is_date and utc_moment.value == dt.datetime(2026, 4, 1, 0, 30)
    assert utc_moment.number_format == DATETIME_FORMAT
    assert naive_moment.value == dt.datetime(2026, 4, 1, 8, 0) and naive_moment.number_format == DATETIME_FORMAT
    # A datetime in a date column still shows its time.
    assert in_date_column.value == dt.datetime(2026, 1, 2, 11, 4) and in_date_column.number_format == DATETIME_FORMAT


def test_numbers_are_numbers_with_their_columns_format_and_booleans_are_booleans(workbook) -> None:
    ws = workbook[LONG_NAME[:31]]
    score, money = ws["D2"], ws["E2"]
    assert score.data_type == "n" and score.value == pytest.approx(92.86) and score.number_format == "0.00"
    assert money.data_type == "n" and money.value == -3000 and money.number_format == MONEY_FORMAT
    assert ws["D3"].value == 88 and ws["D3"].number_format == "0.00"
    assert ws["E3"].value == pytest.approx(1500.5) and ws["E3"].number_format == MONEY_FORMAT
    assert ws["C5"].value == 0 and ws["C5"].data_type == "n" and ws["C5"].number_format == "General"
    assert ws["F2"].data_type == "b" and ws["F2"].value is True and ws["F3"].value is False


def test_empty_values_are_empty_cells_and_control_characters_are_dropped(workbook) -> None:
    ws = workbook[LONG_NAME[:31]]
    assert ws["B3"].value is None  # None
    assert ws["B4"].value is None and ws["C4"].value is None  # "" and None
    assert ws["G3"].value == "abcd"
    assert ws["G5"].value == "第一行\n第二行\t制表"  # line breaks and tabs are text, kept
    assert ws["A5"].value == "team_member" and ws["A5"].data_type == "s"  # a choice is its text


def test_rows_beyond_the_columns_are_cut_and_short_rows_leave_cells_empty() -> None:
    ws = load_workbook(io.BytesIO(_write(Sheet("表", [Column("A"), Column("B")], iter([("1", "2", "3"), ("x",)])))))["表"]
    assert [tuple(cell.value for cell in row) for row in ws.iter_rows()] == [("A", "B"), ("1", "2"), ("x", None)]
    assert ws.max_column == 2


def test_a_failing_export_leaves_no_file_and_no_scratch_files(tmp_path, monkeypatch) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))

    def rows():
        yield ("1",)
        raise RuntimeError("the database went away")

    target = tmp_path / "out.xlsx"
    with pytest.raises(RuntimeError, match="went away"):
        write_workbook([Sheet("表", [Column("A")], rows())], str(target))
    assert not target.exists()
    assert list(scratch.iterdir()) == []
    write_workbook([Sheet("表", [Column("A")], iter([("1",)]))], str(target))
    assert load_workbook(target)["表"]["A2"].value == "1" and list(scratch.iterdir()) == []


def test_a_value_of_another_type_is_refused() -> None:
    with pytest.raises(TypeError, match="cannot write"):
        _write(Sheet("表", [Column("A")], iter([(object(),)])))


# The writer puts plain rows straight into XlsxWriter's row stream (its per-cell calls were most of an export's time):
# the file must be the one XlsxWriter's own per-cell calls write, byte for byte, whatever the rows hold.


def _reference_write(sheets: list[Sheet]) -> bytes:
    """write_workbook as it was before plain rows were written in one piece: XlsxWriter's per-cell calls only."""
    import xlsxwriter

    from core.xlsx import FORMULA_PREFIXES, HEADER_STYLE, PIXELS_PER_CHARACTER, _column_formats, _write_value

    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory() as scratch:
        workbook = xlsxwriter.Workbook(
            buffer, {"constant_memory": True, "tmpdir": scratch, "strings_to_formulas": False, "strings_to_urls": False}
        )
        header_format = workbook.add_format(HEADER_STYLE)
        quoted = workbook.add_format({"quote_prefix": True})
        formats: dict = {}
        for sheet in sheets:
            ws = workbook.add_worksheet(sheet.name[:31])
            ws.freeze_panes(1, 0)
            ws.repeat_rows(0)
            plans = [_column_formats(column, formats, workbook) for column in sheet.columns]
            for index, column in enumerate(sheet.columns):
                ws.set_column_pixels(index, index, column.width * PIXELS_PER_CHARACTER)
                ws.write_string(0, index, column.header, header_format)
            count = 0
            for count, row in enumerate(sheet.rows, start=1):
                for index, (value, plan) in enumerate(zip(row, plans, strict=False)):
                    kind = type(value)
                    if kind is str and value.isprintable():
                        if value:
                            ws.write_string(count, index, value, quoted if value.startswith(FORMULA_PREFIXES) else None)
                    elif kind is int or kind is float:
                        ws.write_number(count, index, value, plan.number)
                    elif value is not None:
                        _write_value(ws, count, index, value, plan, quoted)
            if sheet.columns:
                ws.autofilter(0, 0, count, len(sheet.columns) - 1)
        workbook.close()
    return buffer.getvalue()


def _parts(workbook_bytes: bytes) -> dict[str, bytes]:
    archive = zipfile.ZipFile(io.BytesIO(workbook_bytes))
    parts = {name: archive.read(name) for name in archive.namelist()}
    parts["docProps/core.xml"] = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"(when)", parts["docProps/core.xml"])
    return parts


MIXED_ROWS = [
    ("2026Q1、2026Q2", "员工00001", 2026, -3000, 1.5),  # plain: written in one piece
    ("=SUM(A1)", "plain", 0, None, None),  # formula-like text: XlsxWriter's calls, quote prefix
    (" leading", "trailing ", 10**17, 3000, 0.1 + 0.2),
    ("_x0041_ stays literal", 'a & b < c > d "quoted"', -1, 0, 1e-7),
    ("x" * 16383, "y" * 16384, 1, 2, 3.0),  # at and past the length XlsxWriter measures
    ("a\x01b", "第一行\n第二行\t制表", None, Decimal("92.86"), Decimal("1500.50")),
    ("", None, True, dt.date(2026, 3, 31), dt.datetime(2026, 3, 31, 16, 30, tzinfo=dt.UTC)),
    (Role.TEAM_MEMBER, "\u3000全角空格", 7, -7, float(2**53)),
    (None, None, None, None, None),  # nothing to write
    ("+86", "-3000", "@x", "normal", "more", "cut off beyond the columns"),
    ("short",),
    ("", "", 5),
]


@pytest.mark.parametrize(
    "rows",
    [
        MIXED_ROWS,
        list(reversed(MIXED_ROWS)),  # the formats are first used in another order
        [(f"C{i:05d}", f"员工{i:05d}", "营销", "项目总监", 2026, "B-", "2026Q1、2026Q2", "连续两个季度") for i in range(300)],
        # The decimal column's first number is in the sheet's last row, which XlsxWriter writes out when the workbook
        # closes: after the second sheet's money style has its number.
        [("a", "b"), ("c", "d", 92)],
        [],
    ],
    ids=["mixed", "mixed-reversed", "caps-like", "first-number-in-the-last-row", "empty"],
)
def test_the_file_is_byte_for_byte_the_one_xlsxwriters_own_calls_write(rows) -> None:
    def sheets() -> list[Sheet]:
        columns = [Column("文本", 20), Column("更多", 12), Column.decimal("得分"), Column.money("金额"), Column.date("日期")]
        return [
            Sheet("第一张", columns, iter(rows)),
            Sheet("第二张", [Column("编号"), Column.money("金额")], iter([(str(i), i * 1000) for i in range(-3, 4)])),
            Sheet("空表", [Column("编号")], iter(())),
        ]

    assert _parts(_write(*sheets())) == _parts(_reference_write(sheets()))
