"""Reading and writing the product's Excel workbooks (SPEC §10).

Reading takes what Excel really produces: numbers stored as text or as floats, trailing spaces, empty trailing rows,
Excel dates or `YYYY-MM-DD` text. Every problem is collected as a `CellError` naming sheet, row and column, so an
import can refuse the whole workbook with every reason at once.

Reading uses openpyxl (read-only mode). Writing goes through one renderer: an export is a small class with an
identifier, a title and a generator of sheets; `write_workbook` streams it with XlsxWriter's constant_memory mode,
styles the header, freezes it, repeats it on printed pages, sizes the columns, filters the data, and writes any text a
user typed that starts with `=`, `+`, `-` or `@` as a quote-prefixed string, never as a formula.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from math import isfinite
from typing import IO, Any, ClassVar
from zoneinfo import ZoneInfo

import xlsxwriter
from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils import range_boundaries
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet.worksheet import Worksheet
from xlsxwriter.utility import xl_col_to_name

from . import workbook_files

FORMULA_PREFIXES = ("=", "+", "-", "@")
MONEY_FORMAT = '"¥"#,##0;[Red]-"¥"#,##0'
DATE_FORMAT = "yyyy-mm-dd"
DECIMAL_FORMAT = "0.00"


@dataclass(frozen=True)
class CellError:
    """One problem in an uploaded workbook, located as a user would look for it."""

    sheet: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        if self.sheet == "-" and self.row is None and not self.column:
            return self.message  # about the file as a whole
        where = _("工作表「{sheet}」").format(sheet=self.sheet)
        if self.row is not None:
            where += _("第 {row} 行").format(row=self.row)
        if self.column:
            where += _("「{column}」列").format(column=self.column)
        return f"{where}:{self.message}"


class WorkbookInvalid(Exception):
    """Raised when a workbook cannot be imported; carries every error found. Nothing has been changed."""

    def __init__(self, errors: Sequence[CellError]):
        self.errors = list(errors)
        super().__init__("\n".join(str(e) for e in self.errors))


DIMENSION = re.compile(rb"<(?:\w+:)?dimension\b[^>]*?\bref=\"([A-Z0-9:$]+)\"")
DIMENSION_HEAD_BYTES = 64 * 1024


def _dimension_from_head(self: ReadOnlyWorksheet) -> None:
    """openpyxl's read-only sheet looks for <dimension> with an XML parser that, when the element is absent, reads the
    whole sheet before giving up (minutes for a compressed bomb). The schema puts <dimension> before <sheetData>, so
    the head of the stream is enough: same result for every valid file, bounded work for any file."""
    with self._get_source() as src:
        head = src.read(DIMENSION_HEAD_BYTES)
    head = head.split(b"sheetData", 1)[0]
    match = DIMENSION.search(head)
    if match is None:
        return
    try:
        bounds = range_boundaries(match.group(1).decode().replace("$", ""))
    except (TypeError, ValueError):
        return
    if all(bound is not None for bound in bounds):
        self._min_column, self._min_row, self._max_column, self._max_row = bounds


ReadOnlyWorksheet._get_size = _dimension_from_head


def open_workbook(source: str | bytes | IO[bytes]) -> Any:
    """Open an .xlsx from a path, bytes or a file object, in streaming (read-only) mode.

    The file is recognised and its declared size checked first (core.workbook_files), so an .xls, CSV, a
    password-protected or truncated file, or a small file that would inflate to millions of rows, is refused with a
    message saying what it is and what to do, before any parsing.
    """
    if isinstance(source, str):
        with open(source, "rb") as file:
            source = file.read()
    if not isinstance(source, bytes):
        source = source.read()
    try:
        workbook_files.identify(source)
        buffer = io.BytesIO(source)
        workbook_files.check_archive(buffer)
    except workbook_files.FileRefused as exc:
        raise WorkbookInvalid([CellError(sheet="-", row=None, column=None, message=str(exc))]) from exc
    try:
        workbook = load_workbook(buffer, data_only=True, read_only=True)
    except Exception as exc:  # openpyxl raises several kinds for a damaged workbook
        raise WorkbookInvalid(
            [
                CellError(
                    sheet="-",
                    row=None,
                    column=None,
                    message=_("工作簿已损坏,无法读取。请在 Excel 中打开并重新保存为 .xlsx 后再上传。({error})").format(
                        error=exc.__class__.__name__
                    ),
                )
            ]
        ) from exc
    return workbook


def cell_text(value: Any) -> str:
    """The text a user meant by a cell: numbers stored as numbers lose a trailing `.0`, text is stripped."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).replace("\u00a0", " ").strip()


def cell_date(value: Any) -> dt.date:
    """A date from an Excel date cell or `YYYY-MM-DD` (also `YYYY/MM/DD`, `YYYY.MM.DD`) text; ValueError otherwise."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = cell_text(value)
    for separator in ("-", "/", "."):
        parts = text.split(separator)
        if len(parts) == 3 and all(p.strip().isdigit() for p in parts):
            year, month, day = (int(p) for p in parts)
            if not 1 <= month <= 12:
                raise ValueError(_("日期「{value}」的月份 {month} 不存在").format(value=text, month=month))
            try:
                return dt.date(year, month, day)
            except ValueError:  # Python's own message is English ("day is out of range for month")
                raise ValueError(
                    _("日期「{value}」不存在:{year} 年 {month} 月没有 {day} 日").format(
                        value=text, year=year, month=month, day=day
                    )
                ) from None
    raise ValueError(_("日期「{value}」无法识别,请填写 Excel 日期或 YYYY-MM-DD").format(value=text))


@dataclass
class SheetRows:
    """The data rows of one sheet, keyed by header; `row` is the Excel row number (data starts at 2)."""

    sheet: str
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)


def sheet_is_empty(ws: Any) -> bool:
    """Whether a sheet has no value in its first two rows (an empty extra sheet, not an error)."""
    for index, values in enumerate(ws.iter_rows(values_only=True, max_row=2)):
        if any(cell_text(v) != "" for v in values):
            return False
        if index >= 1:
            break
    return True


def _merged_cells(ws: Any) -> list[tuple[str, int, int, int, int]]:
    """The sheet's merged ranges as (ref, first row, last row, first column, last column)."""
    archive = getattr(getattr(ws, "parent", None), "_archive", None)
    member = getattr(ws, "_worksheet_path", None)
    if archive is None or member is None:  # a workbook opened in normal mode keeps its own list
        refs = [str(r) for r in getattr(ws, "merged_cells", None).ranges] if hasattr(ws, "merged_cells") else []
    else:
        refs = workbook_files.merged_ranges(archive, member)
    merged = []
    for ref in refs:
        min_col, min_row, max_col, max_row = range_boundaries(ref)
        if (min_row, min_col) != (max_row, max_col):
            merged.append((ref, min_row, max_row, min_col, max_col))
    return merged


def read_sheet(
    ws: Worksheet,
    columns: Sequence[str],
    required: Iterable[str],
    errors: list[CellError],
    *,
    date_columns: Iterable[str] = (),
) -> SheetRows:
    """Read a sheet whose row 1 holds `columns` (in any order, extra columns ignored), streaming it row by row.

    Empty rows are skipped, so empty trailing rows never count. Missing required headers are reported on row 1.
    A row in a merged range, and an Excel date in a column that is not one of `date_columns` (Excel turned what was
    typed into a date), are reported as such and the row is left out. Past `WORKBOOK_MAX_ROWS` data rows reading stops
    and the workbook is refused.
    """
    title = ws.title
    result = SheetRows(sheet=title)
    if hasattr(ws, "reset_dimensions"):
        ws.reset_dimensions()  # a forged <dimension> must not make every row millions of cells wide
    iterator = ws.iter_rows(values_only=True)
    header = next(iterator, None)
    if header is None:
        errors.append(CellError(title, 1, None, _("缺少表头行")))
        return result
    positions: dict[str, int] = {}
    for index, value in enumerate(header):
        name = cell_text(value)
        if name in columns and name not in positions:
            positions[name] = index
    missing = [c for c in required if c not in positions]
    for column in missing:
        errors.append(CellError(title, 1, column, _("缺少表头「{column}」").format(column=column)))
    if missing:
        return result
    header_by_index = {index + 1: name for name, index in positions.items()}
    dates_allowed = set(date_columns)
    limit = settings.WORKBOOK_MAX_ROWS
    deadline = time.monotonic() + settings.WORKBOOK_MAX_SECONDS
    read: list[tuple[int, dict[str, Any], list[CellError]]] = []
    for row_number, values in enumerate(iterator, start=2):
        if row_number % 500 == 0 and time.monotonic() > deadline:
            raise WorkbookInvalid(
                [
                    CellError(
                        title,
                        row_number,
                        None,
                        _("读取超过 {seconds} 秒的上限,已停止。请删除多余的行和列,或拆分成几个文件分别导入。").format(
                            seconds=f"{settings.WORKBOOK_MAX_SECONDS:g}"
                        ),
                    )
                ]
            )
        if values is None or all(cell_text(v) == "" for v in values):
            continue
        if len(read) >= limit:
            raise WorkbookInvalid(
                [
                    CellError(
                        title,
                        row_number,
                        None,
                        _("超过 {limit} 行数据的上限,已停止读取。请拆分成几个文件分别导入。").format(limit=limit),
                    )
                ]
            )
        record = {name: (values[i] if i < len(values) else None) for name, i in positions.items()}
        row_errors = [
            CellError(
                title,
                row_number,
                name,
                _(
                    "这一列应填写文字,单元格却是日期「{value}」(Excel 把输入识别成了日期)。请把单元格格式设为「文本」后重新输入"
                ).format(value=cell_text(value)),
            )
            for name, value in record.items()
            if name not in dates_allowed and isinstance(value, dt.date)
        ]
        read.append((row_number, record, row_errors))
    # Merged ranges are listed after the rows in the sheet XML, so they are looked up once the rows are in.
    merged = [m for m in _merged_cells(ws) if m[2] >= 2] if read else []
    for row_number, record, row_errors in read:
        for ref, first_row, last_row, first_col, last_col in merged:
            if first_row <= row_number <= last_row:
                names = [header_by_index[c] for c in range(first_col, last_col + 1) if c in header_by_index]
                if names:
                    row_errors.insert(
                        0,
                        CellError(
                            title,
                            row_number,
                            names[0],
                            _("位于合并单元格 {ref} 中。导入需要每一行各自填写,请取消合并并填满每个单元格").format(ref=ref),
                        ),
                    )
        if row_errors:
            errors.extend(row_errors)
            continue
        result.rows.append((row_number, record))
    return result


# ---------------------------------------------------------------------------------------------------------------
# Writing


@dataclass(frozen=True)
class Column:
    """A column of an exported sheet: header, width in characters and number format for its values.

    `Column.money(…)`, `Column.date(…)` and `Column.decimal(…)` give the usual formats (¥ with a red negative, dates as
    Excel dates, two decimals).
    """

    header: str
    width: int = 14
    number_format: str | None = None

    @classmethod
    def money(cls, header: str, width: int = 12) -> Column:
        return cls(header, width, MONEY_FORMAT)

    @classmethod
    def date(cls, header: str, width: int = 12) -> Column:
        return cls(header, width, DATE_FORMAT)

    @classmethod
    def decimal(cls, header: str, width: int = 10) -> Column:
        return cls(header, width, DECIMAL_FORMAT)


@dataclass
class Sheet:
    """One sheet of an export: its name, its columns and a generator of rows (never held in memory whole)."""

    name: str
    columns: Sequence[Column]
    rows: Iterable[Sequence[Any]]


class Export:
    """Base of every workbook the product writes. Subclasses set identifier/title and yield their sheets.

    ``identifier`` is the export's stable name in the registry (``register_export``): the commands and the download
    views find an export by it. ``file_stem`` names one file (e.g. the quarter and version it holds).
    """

    identifier: ClassVar[str] = ""
    title = ""
    file_stem = ""

    @classmethod
    def build(cls, *, year: int | None = None, quarter: Any = None) -> Export:
        """The export for a period, from the parameters a command or a download gives (a year, a quarter)."""
        return cls()

    def sheets(self) -> Iterator[Sheet]:
        raise NotImplementedError

    def filename(self) -> str:
        return f"{self.file_stem or self.identifier}.xlsx"

    def write(self, target: str | IO[bytes]) -> None:
        write_workbook(self.sheets(), target)

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        self.write(buffer)
        return buffer.getvalue()


class UnknownExport(LookupError):
    """No export is registered under the identifier."""


_exports: dict[str, type[Export]] = {}


def register_export(export: type[Export]) -> type[Export]:
    """Add an app's export under its identifier (from the app's AppConfig.ready); one class per identifier."""
    if not export.identifier:
        raise ValueError(f"{export.__name__} has no identifier")
    known = _exports.get(export.identifier)
    if known is not None and known is not export:
        raise ValueError(f"export identifier {export.identifier!r} is taken by {known.__name__}")
    _exports[export.identifier] = export
    return export


def export_for(identifier: str) -> type[Export]:
    """The export class registered under the identifier, or UnknownExport."""
    try:
        return _exports[identifier]
    except KeyError:
        raise UnknownExport(identifier) from None


def export_identifiers() -> list[str]:
    return sorted(_exports)


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER_STYLE = {
    "bold": True,
    "font_color": "#FFFFFF",
    "pattern": 1,  # solid
    "bg_color": "#1F4E79",
    "align": "center",
    "valign": "vcenter",
    "text_wrap": True,
}
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
# Excel has no time zones: aware datetimes are written as the company's wall-clock time (SPEC §4).
EXCEL_TIME_ZONE = ZoneInfo("Asia/Shanghai")
# The control characters XML 1.0 cannot hold (openpyxl's ILLEGAL_CHARACTERS_RE): pasted into a text field, they would
# make the workbook unreadable, so they are dropped.
ILLEGAL_CHARACTERS = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
# A column `width` counts characters of the default font (Calibri 11, 7 pixels a digit), the unit of the <col> width
# Excel reads. XlsxWriter's set_column() adds Excel's 5-pixel cell padding on top; widths are given in pixels so the
# file says exactly `width`.
PIXELS_PER_CHARACTER = 7


def looks_like_formula(value: str) -> bool:
    """Whether text would be taken for a formula by a spreadsheet (it starts with = + - or @)."""
    return value.startswith(FORMULA_PREFIXES)


@dataclass(frozen=True)
class _ColumnFormats:
    """The cell formats of one column's values, made once per sheet: numbers, dates and datetimes."""

    number: Any
    date: Any
    datetime: Any


def _column_formats(column: Column, formats: dict[str, Any], workbook: Any) -> _ColumnFormats:
    def get(number_format: str | None) -> Any:
        if number_format is None:
            return None
        if number_format not in formats:
            formats[number_format] = workbook.add_format({"num_format": number_format})
        return formats[number_format]

    datetime_format = column.number_format if column.number_format not in (None, DATE_FORMAT) else DATETIME_FORMAT
    return _ColumnFormats(
        number=get(column.number_format), date=get(column.number_format or DATE_FORMAT), datetime=get(datetime_format)
    )


def _write_value(ws: Any, row: int, col: int, value: Any, formats: _ColumnFormats, quoted: Any) -> None:
    """Write one value (zero-based row and column) with its column's format.

    Text a user typed is only ever a string: formula-like text gets Excel's quote prefix and is never a formula.
    """
    if isinstance(value, str):
        if type(value) is not str:  # a TextChoices member, a SafeString: the text itself
            value = str(value)
        if ILLEGAL_CHARACTERS.search(value):
            value = ILLEGAL_CHARACTERS.sub("", value)
        if value:  # empty text is an empty cell
            ws.write_string(row, col, value, quoted if looks_like_formula(value) else None)
    elif isinstance(value, bool):
        ws.write_boolean(row, col, value)
    elif isinstance(value, int | float | Decimal):
        ws.write_number(row, col, value, formats.number)
    elif isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(EXCEL_TIME_ZONE).replace(tzinfo=None)
        ws.write_datetime(row, col, value, formats.datetime)
    elif isinstance(value, dt.date):
        ws.write_datetime(row, col, value, formats.date)
    else:
        raise TypeError(f"cannot write {type(value).__name__} {value!r} to a workbook")


# XlsxWriter's in-line text (constant_memory) leaves alone text that is printable, has no `&`, `<` or `>` to escape,
# no `_x` (it would escape a literal `_xHHHH_`), no leading or trailing space (it would mark the cell xml:space) and
# fewer than half Excel's 32,767 UTF-16 units (it measures only longer text): such a cell is written as XlsxWriter
# writes it. Text that starts like a formula takes the quote-prefix format. A row's texts are checked at once, joined
# by spaces: a text that starts with a space or a formula sign, or ends with a space, shows as a space followed by
# one of those or as a space at the end (inner " -" or "  " send a row to XlsxWriter's calls too, which is only
# slower).
PLAIN_TEXT_MAX = 16383
NOT_PLAIN_TEXTS = re.compile(r"[&<>]|_x|^[ =+\-@]| [ =+\-@]| $")


class _RowWriter:
    """Writes a sheet's data rows as XlsxWriter's constant_memory mode writes them, one string per row.

    XlsxWriter spends most of an export's time on its per-cell calls (argument checks, a cell tuple, escaping
    regexes per cell). A row whose every value is plain — text as above, an int, a finite float, or empty — is
    written here as the very XML XlsxWriter would write for it (same cell references, inline strings, number text
    and style indexes); any other row goes through XlsxWriter's own calls. XlsxWriter numbers the styles in the order
    cells first use them, when it writes a row out (the sheet's last rows when the workbook closes): a number whose
    column's style has no number yet sends its row through XlsxWriter's calls too, so the numbering is XlsxWriter's.
    tests/core/test_xlsx_writer.py checks the file is the one XlsxWriter's own calls write, byte for byte.
    """

    def __init__(self, ws: Any, plans: Sequence[_ColumnFormats], quoted: Any):
        self.ws = ws
        self.plans = plans
        self.quoted = quoted
        self.width = len(plans)
        self.letters = [xl_col_to_name(index) for index in range(self.width)]
        # ` s="N"` (or nothing) for a number in each column, once the column's style has its number.
        self.number_styles: list[str | None] = [None if plan.number is not None else "" for plan in plans]
        # XlsxWriter's <row> tag for a row with no settings of its own (height, format, outline) holds its number only.
        self.bare_rows = not ws.row_info and ws.default_row_height == ws.original_row_height and ws.excel_version != 2010

    def _number_style(self, index: int) -> str | None:
        xf_index = self.plans[index].number.xf_index
        if xf_index is not None:
            self.number_styles[index] = f' s="{xf_index}"'
        return self.number_styles[index]

    def write(self, row: int, values: Sequence[Any]) -> None:
        """Write one data row (zero-based row number)."""
        cells = []
        texts = []
        first = last = -1
        letters, number_styles, suffix = self.letters, self.number_styles, str(row + 1)
        for index, value in enumerate(values):
            if index == self.width:
                break
            kind = type(value)
            if kind is str:
                if not value:  # empty text is an empty cell
                    continue
                texts.append(value)
                cells.append(f'<c r="{letters[index]}{suffix}" t="inlineStr"><is><t>{value}</t></is></c>')
            elif kind is int or (kind is float and isfinite(value)):
                style = number_styles[index]
                if style is None:
                    style = self._number_style(index)
                    if style is None:
                        self._write_with_xlsxwriter(row, values)
                        return
                cells.append(f'<c r="{letters[index]}{suffix}"{style}><v>{value:.16G}</v></c>')
            elif value is None:
                continue
            else:
                self._write_with_xlsxwriter(row, values)
                return
            if first < 0:
                first = index
            last = index
        if first < 0:
            return  # nothing to write: XlsxWriter writes no row either
        if texts:
            joined = " ".join(texts)
            if not joined.isprintable() or len(joined) > PLAIN_TEXT_MAX or NOT_PLAIN_TEXTS.search(joined):
                self._write_with_xlsxwriter(row, values)
                return
        ws = self.ws
        if row > ws.previous_row:  # as XlsxWriter's own calls do: first write out the row it holds
            ws._write_single_row(row)
        ws._check_dimensions(row, first)
        ws._check_dimensions(row, last)
        if self.bare_rows:
            ws.fh.write(f'<row r="{suffix}">{"".join(cells)}</row>')
        else:
            ws._write_row(row, None)
            ws.fh.write("".join(cells))
            ws._xml_end_tag("row")

    def _write_with_xlsxwriter(self, row: int, values: Sequence[Any]) -> None:
        ws, quoted = self.ws, self.quoted
        for index, (value, plan) in enumerate(zip(values, self.plans, strict=False)):
            kind = type(value)
            if kind is str and value.isprintable():  # no control character to drop
                if value:  # empty text is an empty cell
                    ws.write_string(row, index, value, quoted if value.startswith(FORMULA_PREFIXES) else None)
            elif kind is int or kind is float:
                ws.write_number(row, index, value, plan.number)
            elif value is not None:
                _write_value(ws, row, index, value, plan, quoted)


def write_workbook(sheets: Iterable[Sheet], target: str | IO[bytes]) -> None:
    """Stream sheets into an .xlsx with a bold, frozen, filterable header row (repeated when printed) and sensible widths.

    XlsxWriter in constant_memory mode: each sheet's rows are taken one at a time from its generator and each row is
    written out as the next one starts, so memory stays flat however many rows an export has. Its scratch files live
    in a directory of their own, removed when the workbook is written or fails; nothing is written to `target` unless
    every row was.
    """
    with tempfile.TemporaryDirectory(prefix="tp-xlsx-") as scratch:
        workbook = xlsxwriter.Workbook(
            target,
            {"constant_memory": True, "tmpdir": scratch, "strings_to_formulas": False, "strings_to_urls": False},
        )
        header_format = workbook.add_format(HEADER_STYLE)
        quoted = workbook.add_format({"quote_prefix": True})
        formats: dict[str, Any] = {}
        for sheet in sheets:
            ws = workbook.add_worksheet(sheet.name[:31])
            ws.freeze_panes(1, 0)
            ws.repeat_rows(0)
            plans = [_column_formats(column, formats, workbook) for column in sheet.columns]
            for index, column in enumerate(sheet.columns):
                ws.set_column_pixels(index, index, column.width * PIXELS_PER_CHARACTER)
                ws.write_string(0, index, column.header, header_format)
            count = 0
            write = _RowWriter(ws, plans, quoted).write
            for count, row in enumerate(sheet.rows, start=1):
                write(count, row)
            if sheet.columns:
                ws.autofilter(0, 0, count, len(sheet.columns) - 1)
        workbook.close()
