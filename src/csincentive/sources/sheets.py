"""A downloaded report as a grid of text cells, row by row as a spreadsheet shows it —
title rows, header rows, data and summary rows alike — from a CSV file (any encoding
sources.encoding reads) or the first sheet of a workbook (.xlsx, .xlsm, .xls).

Workbooks are read by ``read_sheet``, one small function over fastexcel (the calamine
reader behind Polars' ``read_excel(engine="calamine")``), so every sheet of the project can
later be read by one shared workbook reader. Each row keeps where it is: its physical line
in a CSV file, its row number in the sheet; ``Grid.located`` turns a row and a column into
a diagnostic's location, ``file:line:col`` for CSV and ``file:Sheet!C12`` for a workbook.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from csincentive.core.diagnostics import Diagnostic, InputError, Severity
from csincentive.sources.encoding import ensure_utf8

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls")


@dataclass(frozen=True)
class Grid:
    """Every row of a file's first sheet as text ('' for an empty cell), with its line
    (CSV) or sheet row (workbook), and the sheet's name for a workbook."""

    path: Path
    rows: list[list[str]]
    lines: list[int]
    sheet: str | None = None

    @property
    def width(self) -> int:
        return max((len(row) for row in self.rows), default=0)

    def located(
        self, line: int | None, col: int | None = None
    ) -> tuple[str, int | None, int | None]:
        """(file, line, col) of a cell (col 0-based), or of a row when col is None: the
        line and column of a CSV file, or for a workbook ``file:Sheet!C12`` as the file
        (a row at its first column; the whole file when line is None)."""
        if self.sheet is None:
            return str(self.path), line, None if col is None else col + 1
        if line is None:  # the whole file
            return str(self.path), None, None
        return f"{self.path}:{self.sheet}!{column_letters(col or 0)}{line}", None, None

    def diagnostic(
        self,
        message: str,
        code: str,
        line: int | None = None,
        col: int | None = None,
        path: str = "",
        severity: Severity = "error",
    ) -> Diagnostic:
        """A problem at a cell (or row) of the grid."""
        file, at_line, at_col = self.located(line, col)
        return Diagnostic(
            file, message, code=code, line=at_line, col=at_col, path=path, severity=severity
        )

    def frame(self, first: int, columns: list[int]) -> pl.DataFrame:
        """Rows from index ``first`` on as a frame: ``line``, ``first_cell`` (the row's first
        cell with text: where a summary row is named), then ``_c<i>`` for each column index
        asked for; cells are stripped, null when blank."""
        body = self.rows[first:]
        data: dict[str, list[object]] = {
            "line": list(self.lines[first:]),
            "first_cell": [next((c.strip() for c in row if c.strip()), "") for row in body],
        }
        for index in columns:
            data[f"_c{index}"] = [row[index].strip() if index < len(row) else "" for row in body]
        names = ["first_cell", *(f"_c{i}" for i in columns)]
        schema = {"line": pl.Int64, **{name: pl.String for name in names}}
        frame = pl.DataFrame(data, schema=schema)
        return frame.with_columns(pl.when(pl.col(n) != "").then(pl.col(n)).alias(n) for n in names)


def column_letters(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA: a column as a spreadsheet names it."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def read_grid(path: Path, work_dir: Path) -> Grid:
    """The file's rows as text: a CSV file through its UTF-8 reading, a workbook's first
    sheet through read_sheet."""
    if path.suffix.lower() in WORKBOOK_SUFFIXES:
        sheet, frame = read_sheet(path)
        rows = [["" if cell is None else str(cell) for cell in row] for row in frame.rows()]
        return Grid(path, rows, list(range(1, len(rows) + 1)), sheet)
    readable = ensure_utf8(path, work_dir, display=str(path))
    rows, lines = [], []
    with readable.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        try:
            for cells in reader:
                rows.append(cells)
                lines.append(reader.line_num)
        except csv.Error as error:
            message = f"cannot be read as CSV ({error}) — export the report again"
            raise InputError.single(str(path), message, code="D842", line=reader.line_num) from None
    return Grid(path, rows, lines)


def read_sheet(path: Path) -> tuple[str, pl.DataFrame]:
    """The first sheet of a workbook, every cell as text and every row kept (blank rows
    too, so row i of the frame is the sheet's row i + 1), and the sheet's name."""
    import fastexcel  # (late: only a workbook needs it, and it costs start-up time)

    try:
        workbook = fastexcel.read_excel(path)
        name = workbook.sheet_names[0]
        sheet = workbook.load_sheet(0, header_row=None, dtypes="string", skip_rows=0)
        return name, sheet.to_polars()
    except Exception as error:  # fastexcel's errors share no base class but Exception
        reason = str(error).strip().splitlines()[0][:200] if str(error).strip() else "no detail"
        message = (
            f"not a readable workbook ({reason}) — download the report again, or open it in "
            "Excel and save it as .xlsx"
        )
        raise InputError([Diagnostic(str(path), message, code="D842")]) from None
