"""payroll.xlsx as HR keeps it: every number a number (money ``#,##0.00`` with negatives in
red, ratios as percentages, counts as integers, times as dates), headers in the month's
language (the shop's labels for the components), a totals row, an autofilter, the header
row and the name columns frozen, column widths from the content, and a print setup
(landscape, one page wide, the header row repeated on every page).

Sheets: the payroll, the lines (up to files.XLSX_LINES), the metrics, the warnings, the
flags, the reconciliation and the orders (up to files.XLSX_ORDERS; files.py decides and
hands the table over). A sheet too long for a workbook is one cell pointing to its CSV.

Speed: xlsxwriter writes cell by cell, so each column is converted once in Polars (floats,
Excel serial dates, text) — all of them before the first cell is written (workbook_cells),
so that the writing is Python alone — and written with one format object per column;
widths are measured in Polars, never by reading the cells back. Excel
holds numbers as binary floats: the exact amounts are in the CSV files. Same inputs →
the same bytes (the creation date is the first day of the month paid)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from csincentive.core.messages import t
from csincentive.core.month import Month
from csincentive.core.names import BUILTIN
from csincentive.month.result import MonthResult
from csincentive.reports.words import column_label, labels, outcome_words, people, role_words

# Number formats by what a column holds. Negatives in red, as a payroll marks deductions.
FORMATS = {
    "money": "#,##0.00;[Red]-#,##0.00",
    "ratio": "0.0%",
    "count": "0",
    "number": "#,##0.####;[Red]-#,##0.####",
    "seconds": "0.0",
    "date": "yyyy-mm-dd hh:mm:ss",
}
UNIT_FORMAT = {"money": "money", "ratio": "ratio", "percent": "ratio", "count": "count"}
UNIT_FORMAT |= {"days": "number", "months": "count", "flag": "count", "seconds": "seconds"}
UNIT_FORMAT |= {"points": "number", "number": "number"}
EXCEL_1970 = 25569  # 1970-01-01 as an Excel serial date (days since 1899-12-30)
SHEETS = {
    "payroll": "sheet.payroll",
    "lines": "sheet.lines",
    "metrics": "sheet.metrics",
    "warnings": "sheet.warnings",
    "flags": "sheet.flags",
    "reconciliation": "sheet.reconciliation",
    "orders": "sheet.orders",
}
MIN_WIDTH, MAX_WIDTH, HEADER_WIDTH = 6, 60, 16  # a longer header wraps
# Characters two columns wide in a spreadsheet (CJK, full-width forms).
WIDE = r"[\p{Han}\p{Hiragana}\p{Katakana}\x{3000}-\x{303F}\x{FF00}-\x{FFEF}]"


@dataclass
class Table:
    """One sheet's content: the frame, each column's kind of cell (a FORMATS key, "text"
    or "flag"), how many columns say who a row is (frozen), and an optional totals row."""

    frame: pl.DataFrame
    kinds: dict[str, str]
    frozen: int = 0
    totals: dict[str, Any] = field(default_factory=dict)


def write_workbook(
    result: MonthResult,
    path: Path,
    *,
    orders: pl.DataFrame | None,
    orders_note: str,
    lines_fit: bool,
) -> None:
    """payroll.xlsx: ``orders`` is the per-order table when it fits the sheet (else
    ``orders_note`` says where it is); ``lines_fit``: the lines sheet is written whole."""
    workbook_cells(result, orders=orders, orders_note=orders_note, lines_fit=lines_fit).write(path)


def workbook_cells(
    result: MonthResult,
    *,
    orders: pl.DataFrame | None,
    orders_note: str,
    lines_fit: bool,
) -> WorkbookCells:
    """What payroll.xlsx holds, every column converted in Polars (write_workbook's
    arguments). The Polars work is done here and the cell by cell writing in
    ``WorkbookCells.write``, so a caller can convert first and write the cells while
    Polars' threads do other work (reports/files.py: the per-order file)."""
    lang = result.language
    year, month = Month.parse(result.period)
    headers = {c: column_label(c, lang) for c in _every_column(result, orders)}
    headers |= labels(result)
    sheets = [_cells("payroll", _payroll(result), headers, lang)]
    if lines_fit:
        sheets.append(_cells("lines", _lines(result), headers, lang))
    else:
        sheets.append(_note("lines", t("sheet.see_lines", lang, count=result.lines.height), lang))
    sheets.append(_cells("metrics", _metrics(result), headers, lang))
    sheets.append(_cells("warnings", _warnings(result), headers, lang))
    sheets.append(_cells("flags", _flags(result), headers, lang))
    sheets.append(_cells("reconciliation", _reconciliation(result), headers, lang))
    if orders is not None:
        sheets.append(_cells("orders", _orders(orders, lang), headers, lang))
    else:
        sheets.append(_note("orders", orders_note, lang))
    title = f"{result.rules.title} {result.period}"
    return WorkbookCells(title, dt.datetime(year, month, 1), sheets)


# ---------------------------------------------------------------------------- the tables


def _every_column(result: MonthResult, orders: pl.DataFrame | None) -> list[str]:
    frames = [result.warnings_frame(), *([orders] if orders is not None else [])]
    return [c for frame in frames for c in frame.columns]


def _payroll(result: MonthResult) -> Table:
    lang = result.language
    frame = _roles(result.payroll, lang)
    kinds = {c: "text" for c in result.person_columns}
    kinds |= {c: "money" for c in result.money_columns}
    totals: dict[str, Any] = {"agent_id": t("term.total", lang), "name": people(frame.height, lang)}
    totals |= {c: result.payroll[c].sum() for c in result.money_columns}
    return Table(frame, kinds, frozen=2, totals=totals)


def _lines(result: MonthResult) -> Table:
    """Each line's amount as a number in its own format (money, a percentage, a count),
    from the text lines.csv shows; a text value (a grade) stays text."""
    lang = result.language
    units = pl.DataFrame(
        {
            "component": [m.id for m in result.lines_meta],
            "_kind": [UNIT_FORMAT.get(m.unit, "text") for m in result.lines_meta],
        }
    )
    frame = result.lines.join(units, on="component", how="left", maintain_order="left")
    text = pl.col("amount")
    number = text.str.strip_suffix("%").cast(pl.Float64, strict=False)
    percent = text.str.ends_with("%")
    frame = frame.with_columns(
        pl.when(pl.col("_kind") == "text").then(text).alias("_text"),
        pl.when(pl.col("_kind") != "text")
        .then(pl.when(percent).then(number / 100).otherwise(number))
        .alias("amount"),
    )
    kinds = {c: "text" for c in frame.columns}
    kinds |= {"pays": "flag", "amount": "by_row", "_kind": "hidden", "_text": "hidden"}
    return Table(_roles(frame, lang), kinds, frozen=2)


def _metrics(result: MonthResult) -> Table:
    frame = _roles(result.metrics, result.language)
    kinds = {c: "text" for c in result.person_columns}
    for column in result.metrics.columns[len(result.person_columns) :]:
        name = BUILTIN.get(column)
        unit = "money" if column == "avg_order_value" else (name.unit if name else "number")
        kinds[column] = UNIT_FORMAT.get(unit, "number")
    return Table(frame, kinds, frozen=2)


def _warnings(result: MonthResult) -> Table:
    frame = result.warnings_frame()
    words = [t(f"severity.{s}", result.language) for s in frame["severity"].to_list()]
    frame = frame.with_columns(pl.Series("severity", words, dtype=pl.String))
    kinds = {c: "text" for c in frame.columns} | {"line": "count", "col": "count"}
    return Table(frame, kinds)


def _flags(result: MonthResult) -> Table:
    frame = _roles(result.flags, result.language)
    return Table(frame, {c: "text" for c in frame.columns}, frozen=2)


def _reconciliation(result: MonthResult) -> Table:
    lang = result.language
    recon = result.reconciliation
    words = [outcome_words(o, lang) for o in recon["outcome"].to_list()]
    frame = recon.with_columns(pl.Series("outcome", words, dtype=pl.String))
    kinds = {"outcome": "text", "orders": "count", "paid_amount": "money", "refund_amount": "money"}
    totals: dict[str, Any] = {"outcome": t("term.total", lang)}
    totals |= {c: recon[c].sum() for c in ("orders", "paid_amount", "refund_amount")}
    return Table(frame, kinds, frozen=1, totals=totals)


def _orders(orders: pl.DataFrame, lang: str) -> Table:
    words = [outcome_words(o, lang) for o in orders["outcome"].cast(pl.String).to_list()]
    orders = orders.with_columns(pl.Series("outcome", words, dtype=pl.String))
    kinds: dict[str, str] = {}
    for column, dtype in orders.schema.items():
        if isinstance(dtype, pl.Datetime):
            kinds[column] = "date"
        elif isinstance(dtype, pl.Decimal):
            kinds[column] = "money"
        elif dtype.is_numeric():
            kinds[column] = "count"
        else:
            kinds[column] = "text"
    return Table(orders, kinds, frozen=1)


def _roles(frame: pl.DataFrame, lang: str) -> pl.DataFrame:
    if "role" not in frame.columns:
        return frame
    roles = [None if r is None else role_words(r, lang) for r in frame["role"].to_list()]
    return frame.with_columns(pl.Series("role", roles, dtype=pl.String))


# ---------------------------------------------------------------------------- the writing


@dataclass
class _Column:
    """One column of a sheet as Python values: its header, width and kind of cell, the
    values (None: no cell), and for the lines' amounts each row's format and text."""

    header: str
    width: int
    kind: str
    values: list[Any]
    units: list[str] | None = None
    texts: list[str | None] | None = None


@dataclass
class _SheetCells:
    """A sheet: its title and columns, or a note (one cell) in place of a long table."""

    title: str
    columns: list[_Column] = field(default_factory=list)
    rows: int = 0
    frozen: int = 0
    totals: list[tuple[str, Any]] | None = None  # (kind, value) per column
    note: str = ""


def _note(name: str, text: str, lang: str) -> _SheetCells:
    return _SheetCells(t(SHEETS[name], lang), note=text)


def _cells(name: str, table: Table, headers: dict[str, str], lang: str) -> _SheetCells:
    """A table's columns converted once each in Polars (floats, Excel serial dates,
    text), in the order they are written."""
    frame = table.frame
    columns = [c for c in frame.columns if table.kinds.get(c) != "hidden"]
    widths = _widths(table, columns, headers)
    out = []
    for column in columns:
        kind = table.kinds.get(column, "text")
        header = headers.get(column, column)
        series = frame[column]
        if kind == "by_row":  # lines' amounts: each row in its own unit's format
            units, texts = frame["_kind"].to_list(), frame["_text"].to_list()
            out.append(_Column(header, widths[column], kind, series.to_list(), units, texts))
        elif kind in ("flag", "text"):
            values = series.to_list() if kind == "flag" else series.cast(pl.String).to_list()
            out.append(_Column(header, widths[column], kind, values))
        else:
            values = _numbers(series, kind).to_list()
            out.append(_Column(header, widths[column], kind, values))
    totals = None
    if table.totals:
        totals = [(table.kinds.get(c, "text"), table.totals.get(c)) for c in columns]
    return _SheetCells(t(SHEETS[name], lang), out, frame.height, table.frozen, totals)


@dataclass
class WorkbookCells:
    """payroll.xlsx ready to be written (workbook_cells): only xlsxwriter is left."""

    title: str
    created: dt.datetime
    sheets: list[_SheetCells]

    def write(self, path: Path) -> None:
        import xlsxwriter  # only when a workbook is written: keeps `--help` fast

        workbook = xlsxwriter.Workbook(
            str(path),
            # in_memory: the sheets' XML is assembled in memory, not in temporary files (a
            # fifth less time for a 2,000-person payroll; the sheets are size-limited).
            {"strings_to_numbers": False, "strings_to_formulas": False, "in_memory": True},
        )
        workbook.set_properties({"title": self.title, "created": self.created})
        book = _Book(workbook)
        for sheet in self.sheets:
            if sheet.note:
                book.note(sheet)
            else:
                book.add(sheet)
        workbook.close()


class _Book:
    """One workbook's formats and its sheets."""

    def __init__(self, workbook: Any) -> None:
        self.workbook = workbook
        self.header = workbook.add_format(
            {"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "top"}
        )
        self.formats = {k: workbook.add_format({"num_format": v}) for k, v in FORMATS.items()}
        bold = {"bold": True, "top": 1}
        self.total_formats = {
            k: workbook.add_format({"num_format": v, **bold}) for k, v in FORMATS.items()
        }
        self.total_text = workbook.add_format(bold)

    def note(self, cells: _SheetCells) -> None:
        """A sheet of one cell in place of a table too long for a workbook."""
        sheet = self.workbook.add_worksheet(cells.title)
        sheet.write_string(0, 0, cells.note)
        sheet.set_column(0, 0, min(MAX_WIDTH, len(cells.note) + 2))

    def add(self, cells: _SheetCells) -> None:
        title = cells.title
        sheet = self.workbook.add_worksheet(title)
        for col, column in enumerate(cells.columns):
            sheet.write_string(0, col, column.header, self.header)
            sheet.set_column(col, col, column.width)
            self._column(sheet, col, column)
        rows = cells.rows
        if cells.totals is not None:
            self._totals(sheet, rows + 1, cells.totals)
        last = max(len(cells.columns) - 1, 0)
        sheet.autofilter(0, 0, rows, last)
        sheet.freeze_panes(1, cells.frozen)
        sheet.set_landscape()
        sheet.set_paper(9)  # A4
        sheet.fit_to_pages(1, 0)  # one page wide, as many long as it takes
        sheet.repeat_rows(0)
        sheet.set_header(f"&L{title}&R&P / &N")

    def _column(self, sheet: Any, col: int, column: _Column) -> None:
        # xlsxwriter's undecorated writers: the same checks and cells, without turning "A1"
        # notation into numbers first (half the time of a cell; most cells are written here).
        # They are private: an xlsxwriter without them gets the public ones, the same cells.
        number = getattr(sheet, "_write_number", sheet.write_number)
        text = getattr(sheet, "_write_string", sheet.write_string)
        boolean = getattr(sheet, "_write_boolean", sheet.write_boolean)
        kind = column.kind
        if kind == "by_row":  # lines' amounts: each row in its own unit's format
            assert column.units is not None and column.texts is not None
            formats = self.formats
            rows = zip(column.values, column.units, column.texts, strict=True)
            for row, (value, unit, shown) in enumerate(rows, start=1):
                if value is not None:
                    number(row, col, value, formats[unit])
                elif shown is not None:
                    text(row, col, shown)
        elif kind == "flag":
            for row, value in enumerate(column.values, start=1):
                if value is not None:
                    boolean(row, col, value)
        elif kind == "text":
            for row, value in enumerate(column.values, start=1):
                if value is not None:
                    text(row, col, value)
        else:
            number_format = self.formats[kind]
            for row, value in enumerate(column.values, start=1):
                if value is not None:
                    number(row, col, value, number_format)

    def _totals(self, sheet: Any, row: int, totals: list[tuple[str, Any]]) -> None:
        """The sums (exact, summed before the conversion to floats) in bold under a rule."""
        for col, (kind, value) in enumerate(totals):
            if value is None:
                sheet.write_blank(row, col, None, self.total_text)
            elif kind == "text":
                sheet.write_string(row, col, str(value), self.total_text)
            else:
                sheet.write_number(row, col, float(value), self.total_formats[kind])


def _numbers(series: pl.Series, kind: str) -> pl.Series:
    """A column as Excel numbers: floats, or for times the days since Excel's epoch."""
    if kind == "date":
        micros = series.cast(pl.Datetime("us")).dt.epoch("us")
        return micros / 86_400_000_000 + EXCEL_1970  # Excel's day 25569 is 1970-01-01
    return series.cast(pl.Float64)


def _widths(table: Table, columns: list[str], headers: dict[str, str]) -> dict[str, int]:
    """Each column's width from its content, measured in Polars: text by its characters
    (CJK two wide), numbers by their formatted digits, the header up to HEADER_WIDTH."""
    frame = table.frame
    exprs = []
    for column in columns:
        kind = table.kinds.get(column, "text")
        if kind in ("money", "number", "count", "seconds", "by_row"):
            biggest = pl.col(column).cast(pl.Float64).abs().max().fill_null(0)
            digits = biggest.floor().cast(pl.Int64).cast(pl.String).str.len_chars()
            exprs.append((digits + (digits - 1) // 3 + 4).alias(column))  # , . 2 places −
        elif kind == "date":
            exprs.append(pl.lit(19).alias(column))
        elif kind == "flag":
            exprs.append(pl.lit(6).alias(column))
        else:
            text = pl.col(column).cast(pl.String)
            wide = text.str.count_matches(WIDE).fill_null(0)
            exprs.append((text.str.len_chars() + wide).max().fill_null(0).alias(column))
    measured = frame.select(exprs).row(0, named=True) if exprs and frame.height else {}
    out = {}
    for column in columns:
        header = headers.get(column, column)
        head = min(HEADER_WIDTH, len(header) + sum(1 for ch in header if ord(ch) > 0x2E7F))
        total = table.totals.get(column)
        if total is None:
            shown = 0
        elif isinstance(total, str):
            shown = len(total) + sum(1 for ch in total if ord(ch) > 0x2E7F)
        else:
            shown = len(f"{float(total):,.2f}") + 1
        content = int(measured.get(column) or 0)
        out[column] = max(MIN_WIDTH, min(MAX_WIDTH, max(content, head, shown) + 2))
    return out


__all__ = ["FORMATS", "Table", "WorkbookCells", "workbook_cells", "write_workbook"]
