"""Writing a month's results: payroll.csv, lines.csv, metrics.csv (UTF-8 with BOM so Excel
shows Chinese), reconciliation.csv, flags.csv, warnings.csv, attribution.csv (one row per
order: who it was credited to and why) and payroll.xlsx. docs/outputs.md describes each.

month.publish writes them into a staging folder and moves them in together with the ledger
record. Same inputs → byte-identical files (the xlsx carries a fixed
creation date: the first day of the month paid).

Every CSV goes through ``write_csv``, which neutralises text cells a spreadsheet would run
as a formula (CSV injection); the workbook keeps the real text as string cells."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from csincentive.core.messages import t
from csincentive.ledger.disk import write_table
from csincentive.month.result import MonthResult
from csincentive.reports.net_files import NET_FILES, write_net_files
from csincentive.reports.payslip_files import PAYSLIP_FILES, write_payslips
from csincentive.reports.workbook import WorkbookCells, workbook_cells

XLSX_LINES = 20_000  # above this many pay lines payroll.xlsx points to lines.csv instead
# ... and above this many orders to attribution.csv: a workbook is written cell by cell, and
# 20,000 orders of 12 columns took 2 s on a 2-core machine, more than the rest of a month
# that size. (The workbook itself is reports/workbook.py.)
XLSX_ORDERS = 10_000
OUTPUT_FILES = (
    "payroll.csv",
    "lines.csv",
    "metrics.csv",
    "reconciliation.csv",
    "flags.csv",
    "warnings.csv",
    "attribution.csv",
    "payroll.xlsx",
)
# A text cell starting with one of these is run as a formula by Excel, WPS or LibreOffice
# (OWASP, "CSV Injection"): =, +, -, @, tab and carriage return.
FORMULA_START = r"^[=+\-@\t\r]"
# ... unless it is a plain number or percentage, as the amount columns write them as text
# ("-50.00" in lines.csv, "44.4%"): a spreadsheet reads those as the number they are,
# never as a formula, so they stay exactly as written.
PLAIN_NUMBER = r"^[+-]?(\d+(\.\d*)?|\.\d+)%?$"
FORMULA_GUARD = "'"
EXPORT_TIME = "%Y-%m-%d %H:%M:%S"  # times as the exports write them (they have no fractions)
# A worksheet holds 1,048,576 rows: a month with more orders than that cannot be opened in a
# spreadsheet as a CSV anyway, and writing millions of rows of text costs more than the rest
# of publishing the month (2M orders: 1.3 s of CSV against 0.15 s of Parquet). Such a month's
# per-order file is attribution.parquet: the same columns, for Polars, DuckDB or pandas.
SPREADSHEET_ROWS = 1_048_576


@dataclass(frozen=True)
class PayrollFiles:
    """A month's payroll files, for month.publish (or write them anywhere with write())."""

    result: MonthResult

    @property
    def orders_file(self) -> str:
        """attribution.csv, or attribution.parquet above a spreadsheet's rows."""
        fits = self.result.orders.height < SPREADSHEET_ROWS  # (a row for the header)
        return "attribution.csv" if fits else "attribution.parquet"

    @property
    def names(self) -> tuple[str, ...]:
        names = tuple(self.orders_file if n == "attribution.csv" else n for n in OUTPUT_FILES)
        names += NET_FILES if self.result.net is not None else ()
        return names + (PAYSLIP_FILES if self.result.rules.outputs.payslips else ())

    @property
    def retired(self) -> tuple[str, ...]:
        """The per-order file this month does not write: a rerun whose orders crossed a
        spreadsheet's rows removes the other one, so out/ holds one run's files only."""
        other = {"attribution.csv": "attribution.parquet", "attribution.parquet": "attribution.csv"}
        return (other[self.orders_file],)

    @property
    def ledger_tables(self) -> dict[str, str]:
        """attribution.parquet is the ledger's orders table as the ledger writes it, so the
        ledger copies it instead of encoding two million orders a second time."""
        return {"orders": self.orders_file} if self.orders_file.endswith(".parquet") else {}

    def write(self, folder: Path) -> None:
        # The per-order file (millions of orders at a contact centre) is most of the
        # writing; Polars writes it outside the GIL on a thread of its own while the
        # workbook's cells are written here. What else needs Polars is done before it
        # starts: a small query queued behind the per-order file's encoding on Polars'
        # threads waits for most of it (2M orders: the CSVs waited a second, and the
        # workbook's cells were written only then).
        result = self.result
        self._write_csvs(folder)
        cells = xlsx_cells(result)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="csincentive-orders") as pool:
            orders = pool.submit(self._write_attribution, folder / self.orders_file)
            write_xlsx(result, folder / "payroll.xlsx", cells)
            if result.net is not None:  # cost.csv, bank.csv, iit-filing.csv/.xlsx
                write_net_files(result, folder, write_csv)
            if result.rules.outputs.payslips:  # [outputs] payslips = true
                write_payslips(result, folder)
            orders.result()

    def _write_attribution(self, path: Path) -> None:
        if path.suffix == ".csv":
            write_csv(attribution(self.result), path, datetime_format=EXPORT_TIME)
        else:  # Parquet keeps the types: nothing there is run as a formula
            write_table(attribution(self.result, for_tools=True), path)

    def _write_csvs(self, folder: Path) -> None:
        result = self.result
        write_csv(result.payroll, folder / "payroll.csv")
        write_csv(result.lines, folder / "lines.csv")
        write_csv(result.metrics, folder / "metrics.csv")
        write_csv(result.reconciliation, folder / "reconciliation.csv")
        write_csv(result.flags, folder / "flags.csv")
        write_csv(result.warnings_frame(), folder / "warnings.csv")


def payroll_files(result: MonthResult) -> PayrollFiles:
    return PayrollFiles(result)


def write_csv(
    frame: pl.DataFrame, path: Path, *, null_value: str = "", datetime_format: str | None = None
) -> None:
    """The one way we write a CSV: UTF-8 with a BOM, CRLF, formula-like text neutralised."""
    neutralised(frame).write_csv(
        path,
        include_bom=True,
        line_terminator="\r\n",
        null_value=null_value,
        datetime_format=datetime_format,
    )


def neutralised(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame with a leading ' on every text cell that starts like a formula and is not
    a plain number (OWASP's advice against CSV injection), as vectorised expressions.

    Only text columns are looked at (numbers, Decimals and dates are never touched), and
    only those with a cell that starts like a formula are rewritten: one cheap anchored
    scan per column first, since at millions of orders ids and names almost never do. An
    Enum column (outcome, agent_id) is judged by its categories, not its rows."""
    schema = frame.schema
    scanned = [n for n, t in schema.items() if t == pl.String or isinstance(t, pl.Categorical)]
    starts = frame.select(_text(name).str.contains(FORMULA_START).any() for name in scanned)
    risky = [name for name in scanned if starts.get_column(name).item()]
    risky += [
        name
        for name, dtype in schema.items()
        if isinstance(dtype, pl.Enum) and _any_formula_like(dtype.categories)
    ]
    return frame.with_columns(_guard(name) for name in risky) if risky else frame


def _text(name: str) -> pl.Expr:
    return pl.col(name).cast(pl.String)


def _formula_like(text: pl.Expr) -> pl.Expr:
    return text.str.contains(FORMULA_START) & ~text.str.contains(PLAIN_NUMBER)


def _guard(name: str) -> pl.Expr:
    text = _text(name)
    return pl.when(_formula_like(text)).then(FORMULA_GUARD + text).otherwise(text).alias(name)


def _any_formula_like(values: pl.Series) -> bool:
    return bool(values.to_frame("v").select(_formula_like(pl.col("v")).any()).item())


def attribution(result: MonthResult, *, for_tools: bool = False) -> pl.DataFrame:
    """Every order with its outcome, the agent it was credited to and the chat that won:
    the month's per-order table (month.orders, the one the ledger keeps).

    attribution.csv: sorted by order id (then the times), not by the export's line — the
    same orders give the same file however the export lists them (the line itself would
    move with the rows) — and without the line and the attribution key. ``for_tools``
    (attribution.parquet, above a spreadsheet's rows): the table as it is, in the export's
    order — a tool sorts as it likes, and sorting millions of orders here would hold the
    whole table twice."""
    table = result.per_order
    if for_tools:
        return table
    shown = table.drop("line", "agent_key")
    return shown.sort("order_id", "created_at", "paid_at", nulls_last=True, maintain_order=True)


def write_xlsx(result: MonthResult, path: Path, cells: WorkbookCells | None = None) -> None:
    """payroll.xlsx (reports/workbook.py), from ``cells`` when they were converted before
    (xlsx_cells)."""
    (cells or xlsx_cells(result)).write(path)


def xlsx_cells(result: MonthResult) -> WorkbookCells:
    """payroll.xlsx's cells: the orders sheet up to XLSX_ORDERS orders and the lines sheet
    up to XLSX_LINES lines; beyond, a cell points to the CSV file."""
    lang = result.language
    orders = None
    note = ""
    if result.orders.height <= XLSX_ORDERS:  # (only then is the table made a second time)
        orders = attribution(result)
    else:
        file = payroll_files(result).orders_file
        note = t("sheet.see_orders", lang, count=result.orders.height, file=file)
    lines_fit = result.lines.height <= XLSX_LINES
    return workbook_cells(result, orders=orders, orders_note=note, lines_fit=lines_fit)
