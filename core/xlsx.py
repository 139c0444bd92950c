"""Reading and writing the product's Excel workbooks (SPEC §10).

Reading takes what Excel really produces: numbers stored as text or as floats, trailing spaces, empty trailing rows,
Excel dates or `YYYY-MM-DD` text. Every problem is collected as a `CellError` naming sheet, row and column, so an
import can refuse the whole workbook with every reason at once.

Writing goes through one renderer: an export is a small class with an identifier, a title and a generator of sheets;
`write_workbook` streams it with openpyxl's write-only mode, styles the header, freezes it, sizes the columns, and writes
any text a user typed that starts with `=`, `+`, `-` or `@` as text, never as a formula.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any, ClassVar
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

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


def open_workbook(source: str | bytes | IO[bytes]) -> Any:
    """Open an .xlsx from a path, bytes or a file object; a file that is not a workbook is a clear error."""
    try:
        if isinstance(source, bytes):
            source = io.BytesIO(source)
        return load_workbook(source, data_only=True, read_only=False)
    except Exception as exc:  # openpyxl raises several kinds for a non-xlsx file
        raise WorkbookInvalid(
            [
                CellError(
                    sheet="-", row=None, column=None, message=_("无法读取 Excel 文件(需要 .xlsx 格式):{error}").format(error=exc)
                )
            ]
        ) from exc


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
            return dt.date(year, month, day)
    raise ValueError(_("日期「{value}」无法识别,请填写 Excel 日期或 YYYY-MM-DD").format(value=text))


@dataclass
class SheetRows:
    """The data rows of one sheet, keyed by header; `row` is the Excel row number (data starts at 2)."""

    sheet: str
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)


def read_sheet(ws: Worksheet, columns: Sequence[str], required: Iterable[str], errors: list[CellError]) -> SheetRows:
    """Read a sheet whose row 1 holds `columns` (in any order, extra columns ignored).

    Empty rows are skipped, so empty trailing rows never count. Missing required headers are reported on row 1.
    """
    title = ws.title
    result = SheetRows(sheet=title)
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
    for row_number, values in enumerate(iterator, start=2):
        if values is None or all(cell_text(v) == "" for v in values):
            continue
        record = {name: (values[i] if i < len(values) else None) for name, i in positions.items()}
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
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
HEADER_ALIGNMENT = Alignment(vertical="center", horizontal="center", wrap_text=True)
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
# Excel has no time zones: aware datetimes are written as the company's wall-clock time (SPEC §4).
EXCEL_TIME_ZONE = ZoneInfo("Asia/Shanghai")


def looks_like_formula(value: str) -> bool:
    """Whether text would be taken for a formula by a spreadsheet (it starts with = + - or @)."""
    return value.startswith(FORMULA_PREFIXES)


def _value_cell(ws: Any, value: Any, column: Column) -> Any:
    """What to append for one value: the plain value when it needs nothing, else a styled write-only cell.

    Plain values keep large exports fast; a cell object is made only for formula-like text, dates and formatted numbers.
    """
    if isinstance(value, str):
        if ILLEGAL_CHARACTERS_RE.search(value):
            # Control characters pasted into a text field would make the whole workbook unwritable.
            value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if not looks_like_formula(value):
            return value
        # Text a user typed is never run as a formula: store it as a string with Excel's quote prefix.
        cell = WriteOnlyCell(ws, value=value)
        cell.data_type = "s"
        cell.quotePrefix = True
        return cell
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(EXCEL_TIME_ZONE).replace(tzinfo=None)
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = column.number_format if column.number_format not in (None, DATE_FORMAT) else DATETIME_FORMAT
        return cell
    if isinstance(value, dt.date):
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = column.number_format or DATE_FORMAT
        return cell
    if column.number_format and isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = column.number_format
        return cell
    return value


def write_workbook(sheets: Iterable[Sheet], target: str | IO[bytes]) -> None:
    """Stream sheets into an .xlsx with a bold, frozen, filterable header row (repeated when printed) and sensible widths.

    Rows are consumed one at a time from each sheet's generator (openpyxl write-only mode), so memory stays flat
    however many rows an export has.
    """
    workbook = Workbook(write_only=True)
    for sheet in sheets:
        ws = workbook.create_sheet(title=sheet.name[:31])
        ws.freeze_panes = "A2"
        ws.print_title_rows = "1:1"
        for index, column in enumerate(sheet.columns, start=1):
            ws.column_dimensions[get_column_letter(index)].width = column.width
        header = []
        for column in sheet.columns:
            cell = WriteOnlyCell(ws, value=column.header)
            cell.font = HEADER_FONT
            cell.fill = HEADER_FILL
            cell.alignment = HEADER_ALIGNMENT
            header.append(cell)
        ws.append(header)
        count = 0
        for row in sheet.rows:
            ws.append([_value_cell(ws, value, column) for value, column in zip(row, sheet.columns, strict=False)])
            count += 1
        if sheet.columns:
            ws.auto_filter.ref = f"A1:{get_column_letter(len(sheet.columns))}{count + 1}"
    workbook.save(target)
