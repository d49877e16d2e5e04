"""Writing a month's results: payroll.csv, lines.csv, metrics.csv (UTF-8 with BOM so Excel
shows Chinese), reconciliation.csv and payroll.xlsx.

month.publish writes them into a staging folder and moves them in together with the ledger
record. Same inputs → byte-identical files (the xlsx carries a fixed
creation date: the first day of the month paid)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from csincentive.month.result import MonthResult

XLSX_LINES = 20_000  # above this many pay lines payroll.xlsx points to lines.csv instead
OUTPUT_FILES = (
    "payroll.csv",
    "lines.csv",
    "metrics.csv",
    "reconciliation.csv",
    "flags.csv",
    "payroll.xlsx",
)


@dataclass(frozen=True)
class PayrollFiles:
    """A month's payroll files, for month.publish (or write them anywhere with write())."""

    result: MonthResult
    names: tuple[str, ...] = OUTPUT_FILES

    def write(self, folder: Path) -> None:
        result = self.result
        _csv(result.payroll, folder / "payroll.csv")
        _csv(result.lines, folder / "lines.csv")
        _csv(result.metrics, folder / "metrics.csv")
        _csv(result.reconciliation, folder / "reconciliation.csv")
        _csv(result.flags, folder / "flags.csv")
        write_xlsx(result, folder / "payroll.xlsx")


def payroll_files(result: MonthResult) -> PayrollFiles:
    return PayrollFiles(result)


def _csv(frame: pl.DataFrame, path: Path) -> None:
    frame.write_csv(path, include_bom=True, line_terminator="\r\n")


def write_xlsx(result: MonthResult, path: Path) -> None:
    import xlsxwriter

    year, month = (int(part) for part in result.period.split("-"))
    workbook = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    workbook.set_properties(
        {
            "title": f"{result.rules.title} {result.period}",
            "created": dt.datetime(year, month, 1),
        }
    )
    money = workbook.add_format({"num_format": "#,##0.00"})
    header = workbook.add_format(
        {"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True}
    )
    labels = {line.id: f"{line.label}\n{line.id}" for line in result.lines_meta}
    labels.update({t.id: f"{t.label}\n{t.id}" for t in result.rules.totals})
    payroll_money = frozenset(result.money_columns)
    _sheet(workbook, "payroll 工资表", result.payroll, header, money, labels, payroll_money)
    if result.lines.height <= XLSX_LINES:
        _sheet(workbook, "lines 明细", result.lines, header, money, {}, frozenset())
    else:  # every line is in lines.csv; a sheet this long is slow to write and to read
        note = workbook.add_worksheet("lines 明细")
        note.write_string(0, 0, f"{result.lines.height} lines: see lines.csv beside this file")
    _sheet(workbook, "metrics 指标", result.metrics, header, money, {}, frozenset())
    workbook.close()


def _sheet(  # type: ignore[no-untyped-def]
    workbook,
    name: str,
    frame: pl.DataFrame,
    header,
    money,
    labels: dict[str, str],
    money_columns: frozenset[str],
) -> None:
    """One sheet, a column at a time; the money columns as numbers with two places. Excel
    holds numbers as binary floats: the exact amounts are in the CSV files."""
    sheet = workbook.add_worksheet(name)
    for col, column in enumerate(frame.columns):
        series = frame[column]
        sheet.write_string(0, col, labels.get(column, column), header)
        sheet.set_column(col, col, _width(series, labels.get(column, column)))
        number_format = money if column in money_columns else None
        if series.dtype.is_numeric() or isinstance(series.dtype, pl.Decimal):
            write = sheet.write_number
            values = series.cast(pl.Float64).to_list()
            for row, value in enumerate(values, start=1):
                if value is not None:
                    write(row, col, value, number_format)
        else:
            write = sheet.write_string
            for row, value in enumerate(series.cast(pl.String).to_list(), start=1):
                if value is not None:
                    write(row, col, value)
    sheet.freeze_panes(1, 0)


def _width(series: pl.Series, title: str) -> int:
    longest = series.cast(pl.String).str.len_chars().max()
    return max(10, min(60, max(int(longest or 0), len(title.split("\n")[-1])) + 2))
