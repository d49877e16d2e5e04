"""Workbooks (.xlsx, .xls): one sheet read as text cells, the header found below any title
rows, merged cells filled, every cell still named by where it is (``agents.xlsx:工资表!C12``).

Read with fastexcel (Rust calamine, what Polars' ``read_excel`` uses): every cell as text,
dates as ``YYYY-MM-DD HH:MM:SS`` (calamine turns a date-formatted serial into a date), a
formula as the value Excel last computed. What the reader does not give is read from the
sheet's XML (xlsx only): the merged ranges and the cells whose value is an error
(``#DIV/0!``, ``#N/A`` …).

A sheet becomes a CSV copy (:func:`csv_copy`) that every reader of this package reads as
it reads a CSV export: the header on line 1, then each data row on the line whose number is
its row in the sheet (blank lines stand in for the title and header rows, summary rows
汇总/合计 are blanked), so a line number is the sheet's row. :func:`located` turns the
copy's ``file:line:col`` back into the workbook's ``file:sheet!C12``.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import re
import unicodedata
import zipfile
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from xml.etree import ElementTree

import polars as pl

from csincentive.core.diagnostics import Diagnostic, InputError

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls")
HEADER_SEARCH_ROWS = 30  # the header is found among the sheet's first rows
# A row whose first cell says it sums or averages the others: not a person, not an order.
SUMMARY_WORDS = ("汇总", "合计", "总计", "均值", "平均值", "平均", "汇总值", "小计", "总和")
ERROR_VALUES = ("#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!", "#GETTING_DATA")
_CELL = re.compile(r"([A-Z]+)(\d+)")


def column_letter(number: int) -> str:
    """1 → A, 27 → AA."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_number(letters: str) -> int:
    """A → 1, AA → 27."""
    number = 0
    for char in letters:
        number = number * 26 + ord(char) - 64
    return number


@dataclass(frozen=True)
class Sheet:
    """One worksheet as text: ``frame`` holds the data rows (every column String, named by
    the header as written, blank headers as ``column C``), ``rows`` each data row's number
    in the sheet. ``header_row`` is the sheet row of the header (its last row when the
    header takes two rows), ``first_col`` the sheet column of the frame's first column."""

    path: Path
    name: str
    names: tuple[str, ...]  # every sheet of the workbook
    header: tuple[str, ...]
    header_row: int
    header_rows: int
    first_col: int
    frame: pl.DataFrame
    rows: tuple[int, ...]
    summary_rows: tuple[int, ...] = ()  # dropped: 汇总 / 合计 / 均值 …
    errors: tuple[tuple[int, int, str], ...] = ()  # (row, column, #DIV/0! …) of error cells

    def cell(self, row: int, index: int) -> str:
        """The address of the frame's column ``index`` (0-based) in sheet row ``row``."""
        return f"{column_letter(self.first_col + index)}{row}"

    @property
    def display(self) -> str:
        return f"{self.path}:{self.name}"


def is_workbook(path: Path) -> bool:
    return path.suffix.lower() in WORKBOOK_SUFFIXES


def input_file(folder: Path, name: str, *, parquet: bool = False) -> Path:
    """The file of the folder holding the input ``name`` (``agents.csv``): itself, or the
    workbook of that name (``agents.xlsx`` / ``.xls``), or for an export its Parquet file,
    when the folder has that instead. A CSV and a workbook of one input at once is D805:
    which one is meant cannot be guessed. (Neither: the CSV's path, reported missing.)"""
    csv_path = folder / name
    books = [
        csv_path.with_suffix(s) for s in WORKBOOK_SUFFIXES if csv_path.with_suffix(s).is_file()
    ]
    if books and csv_path.is_file() or len(books) > 1:
        both = " and ".join(p.name for p in ([csv_path] if csv_path.is_file() else []) + books)
        message = f"the folder has {both} for one input — keep one of them"
        raise InputError.single(str(folder), message, code="D805")
    if books:
        return books[0]
    if parquet and not csv_path.exists() and csv_path.with_suffix(".parquet").is_file():
        return csv_path.with_suffix(".parquet")
    return csv_path


def read_sheet(path: Path, sheet: str | None = None, *, known: Collection[str] = ()) -> Sheet:
    """The sheet ``sheet`` (default: the first) of the workbook at ``path`` as text.

    The header is the row among the first HEADER_SEARCH_ROWS that holds the most of the
    ``known`` header names (normalised as in sources.headers), or without them the first
    row of text at least 60% as wide as the widest; a second header row under it is taken
    in when merged cells say the header is grouped (a merged 询单 over 询单人数 and
    付款人数): each column is then named by its lower cell, or by the merged one above
    when it has none. D800 unreadable, D801 no such sheet, D802 empty, D803 no header."""
    display = str(path)
    name, names, grid, first_col = load_grid(path, sheet)
    if grid.width == 0 or grid.height == 0:
        message = (
            f"sheet '{name}' is empty — put the table on it, or name the sheet that has it "
            "with [inputs] sheet"
        )
        raise InputError.single(display, message, code="D802")
    layout = _layout(path, name)
    grid = grid.rename({c: f"_c{i}" for i, c in enumerate(grid.columns)})
    top = _texts(grid.head(HEADER_SEARCH_ROWS + 1))
    at = _header_at(top, known, display, name)
    merges = [m for m in layout.merges if m[2] >= first_col]
    offset = 1  # the sheet row of the grid's row 0
    wanted = {_norm(k) for k in known}
    rows_in_header = _header_rows(top, at, merges, offset, first_col, wanted)
    header = _header_names(top, at, rows_in_header, merges, offset, first_col)
    body = grid.slice(at + rows_in_header)
    body = _filled(body, merges, offset + at + rows_in_header, first_col)
    rows = tuple(range(offset + at + rows_in_header, offset + grid.height))
    body, summary = _without_summaries(body, rows)
    header_row = offset + at + rows_in_header - 1
    body = body.rename(dict(zip(body.columns, _unique(header), strict=True)))
    errors = tuple(e for e in layout.errors if e[0] > header_row)
    return Sheet(path, name, names, tuple(header), header_row, rows_in_header, first_col,
                 body, rows, summary, errors)  # fmt: skip


# --------------------------------------------------------------------------- opening

RESAVE = "open it in Excel and save it again as .xlsx (without a password), or export the CSV"


def load_grid(
    path: Path,
    sheet: str | None = None,
    *,
    code: str = "D800",
    advice: str = RESAVE,
    limit: int | None = None,
) -> tuple[str, tuple[str, ...], pl.DataFrame, int]:
    """The sheet ``sheet`` (default: the first) as it is on the sheet, every cell as text:
    its name, the workbook's sheet names, the grid (row 0 is the sheet's row 1, blank rows
    kept) and the sheet column of the grid's first column (the first one used: 2 when the
    table starts in column B). ``code`` and ``advice`` say what an unreadable file is;
    ``limit`` reads only the sheet's first rows."""
    display = str(path)
    reader = _open(path, display, code, advice)
    names = tuple(reader.sheet_names)
    name = _sheet_name(names, sheet, display)
    # skip_rows=0: the grid starts at the sheet's row 1 (else at its first row with a value).
    loaded = reader.load_sheet(name, header_row=None, dtypes="string", skip_rows=0, n_rows=limit)
    grid = loaded.to_polars()
    used = loaded.available_columns()
    first_col = used[0].absolute_index + 1 if used else 1
    return name, names, grid, first_col


def _open(path: Path, display: str, code: str, advice: str):  # type: ignore[no-untyped-def]
    import fastexcel  # late: only a month with a workbook pays for importing the reader

    try:
        return fastexcel.read_excel(str(path))
    except (fastexcel.FastExcelError, OSError, ValueError) as exc:
        reason = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        message = f"not a readable workbook ({reason}) — {advice}"
        raise InputError.single(display, message, code=code) from None


def _sheet_name(names: Sequence[str], wanted: str | None, display: str) -> str:
    if wanted is None:
        if not names:
            raise InputError.single(display, "the workbook has no sheet", code="D802")
        return names[0]
    if wanted in names:
        return wanted
    for name in names:  # 工资表 matches ' 工资表 ' and full-width spellings
        if _norm(name) == _norm(wanted):
            return name
    listed = "、".join(names)
    message = (
        f"no sheet named '{wanted}' ([inputs] sheet); the workbook has: {listed} — name one "
        "of these, or rename the sheet"
    )
    raise InputError.single(display, message, code="D801", path="inputs.sheet")


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().casefold()


def _texts(frame: pl.DataFrame) -> list[list[str]]:
    """Rows as lists of stripped text ('' for an empty cell)."""
    return [[(cell or "").strip() for cell in row] for row in frame.iter_rows()]


# --------------------------------------------------------------------------- the XML


@dataclass(frozen=True)
class _Layout:
    merges: tuple[tuple[int, int, int, int], ...] = ()  # (top, bottom, left, right), 1-based
    errors: tuple[tuple[int, int, str], ...] = ()


_MERGE = re.compile(rb'<mergeCell ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')
_ERROR = re.compile(
    rb'<c r="([A-Z]+)(\d+)"[^>]*?\bt="e"[^>]*>(?:<f[^>]*/>|<f[^>]*>.*?</f>)?<v>([^<]*)</v>'
)
_NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "p": "http://schemas.openxmlformats.org/package/2006/relationships",
}


def _layout(path: Path, sheet: str) -> _Layout:
    """The sheet's merged ranges and its error cells, from the XML of an .xlsx (an .xls
    gives neither)."""
    if path.suffix.lower() == ".xls":
        return _Layout()
    try:
        with zipfile.ZipFile(path) as archive:
            data = archive.read(_sheet_part(archive, sheet))
    except (KeyError, OSError, zipfile.BadZipFile, ElementTree.ParseError):
        return _Layout()
    # A plain search first: most sheets have neither, and the patterns would try every cell.
    merges = tuple(
        (int(m[2]), int(m[4]), column_number(m[1].decode()), column_number(m[3].decode()))
        for m in (_MERGE.finditer(data) if b"<mergeCell " in data else ())
    )
    errors = tuple(
        (int(m[2]), column_number(m[1].decode()), m[3].decode())
        for m in (_ERROR.finditer(data) if b't="e"' in data else ())
    )
    return _Layout(merges, errors)


def _sheet_part(archive: zipfile.ZipFile, sheet: str) -> str:
    book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels.findall("p:Relationship", _NS)}
    for node in book.iterfind("m:sheets/m:sheet", _NS):
        if node.get("name") == sheet:
            target = targets[node.get(f"{{{_NS['r']}}}id")]
            return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    raise KeyError(sheet)


# --------------------------------------------------------------------------- the header


def _header_at(top: list[list[str]], known: Collection[str], display: str, name: str) -> int:
    """The index (in ``top``) of the header row."""
    wanted = {_norm(k) for k in known}
    if wanted:
        hits = [sum(_norm(c) in wanted for c in row if c) for row in top]
        if max(hits, default=0) > 0:
            return hits.index(max(hits))
    widths = [sum(1 for c in row if c) for row in top]
    widest = max(widths, default=0)
    for index, row in enumerate(top):
        cells = [c for c in row if c]
        textual = all(not _looks_numeric(c) for c in cells)
        if len(cells) >= 2 and textual and len(cells) >= 0.6 * widest:
            return index
    message = (
        f"no header row found in the first {HEADER_SEARCH_ROWS} rows of sheet '{name}' — the "
        "table needs a row naming its columns"
    )
    raise InputError.single(display, message, code="D803")


def _looks_numeric(text: str) -> bool:
    return bool(re.fullmatch(r"[-+]?[\d,.]+%?|\d{4}-\d{2}-\d{2}.*", text))


def _header_rows(
    top: list[list[str]],
    at: int,
    merges: Sequence[tuple[int, int, int, int]],
    offset: int,
    first_col: int,
    known: Collection[str] = (),
) -> int:
    """2 when merged cells make a grouped header (one spans the header row and the row
    under it, or a merged cell of the header row stands over cells of text), else 1."""
    row = offset + at
    if at + 1 >= len(top):
        return 1
    below = top[at + 1]
    for top_row, bottom, left, right in merges:
        if top_row != row:
            continue
        if bottom > row:
            return 2
        under = [below[c - first_col] for c in range(left, right + 1) if c - first_col < len(below)]
        textual = any(under) and all(not _looks_numeric(u) for u in under if u)
        # A row of people under a merged header cell is text too: with the reader's names
        # known, the row under it must name one of its columns to be a header.
        named = not known or any(_norm(u) in known for u in below if u)
        if right > left and textual and named:
            return 2
    return 1


def _header_names(
    top: list[list[str]],
    at: int,
    rows: int,
    merges: Sequence[tuple[int, int, int, int]],
    offset: int,
    first_col: int,
) -> list[str]:
    """Each column's name: its (lower) header cell, else the merged cell over it, else
    ``column C``; a lower name met under two groups is prefixed by its group."""
    upper = _merged_row(top[at], offset + at, merges, first_col)
    if rows == 1:
        names = upper
    else:
        lower = top[at + 1] + [""] * (len(upper) - len(top[at + 1]))
        counts: dict[str, int] = {}
        for name in lower:
            counts[name] = counts.get(name, 0) + (1 if name else 0)
        names = [
            (f"{up}{low}" if counts[low] > 1 and up else low) if low else up
            for up, low in zip(upper, lower, strict=False)
        ]
    return [name or f"column {column_letter(first_col + i)}" for i, name in enumerate(names)]


def _unique(names: Sequence[str]) -> list[str]:
    """Names made unique for the frame (a second 备注 is '备注 (2)'); the CSV copy keeps
    them as written, so a reader still sees two columns meaning one thing (D105)."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out


def _merged_row(
    cells: list[str], row: int, merges: Sequence[tuple[int, int, int, int]], first_col: int
) -> list[str]:
    out = list(cells)
    for top_row, bottom, left, right in merges:
        if top_row <= row <= bottom:
            value = out[left - first_col] if 0 <= left - first_col < len(out) else ""
            for col in range(left, right + 1):
                if 0 <= col - first_col < len(out) and not out[col - first_col]:
                    out[col - first_col] = value
    return out


# --------------------------------------------------------------------------- the body


def _filled(
    body: pl.DataFrame, merges: Sequence[tuple[int, int, int, int]], first: int, first_col: int
) -> pl.DataFrame:
    """Each merged range of the data rows (a team merged over its people) gives its value
    to every cell it covers."""
    columns = body.columns
    fills: dict[str, list[tuple[int, int, int]]] = {}
    for top_row, bottom, left, right in merges:
        if bottom < first:
            continue
        source = left - first_col
        for col in range(left, right + 1):
            index = col - first_col
            if 0 <= index < len(columns):
                fills.setdefault(columns[index], []).append(
                    (max(top_row, first) - first, bottom - first, source)
                )
    if not fills:
        return body
    row = pl.int_range(pl.len())
    values = {}
    for name, ranges in fills.items():
        expr = pl.col(name)
        for start, end, source in ranges:
            origin = body.get_column(columns[source])[start] if start < body.height else None
            if origin is not None:
                expr = pl.when(row.is_between(start, end)).then(pl.lit(origin)).otherwise(expr)
        values[name] = expr
    return body.with_columns(**values)


def _without_summaries(
    body: pl.DataFrame, rows: tuple[int, ...]
) -> tuple[pl.DataFrame, tuple[int, ...]]:
    """Summary rows (the first cell 汇总, 合计, 均值 …) blanked: kept as empty rows so the
    lines after them keep their numbers, and listed."""
    first = pl.coalesce(pl.col(c).str.strip_chars().replace("", None) for c in body.columns)
    word = first.str.replace_all(r"[\s:：]", "")
    summary = word.is_in(list(SUMMARY_WORDS)).fill_null(False)
    flags = body.select(summary.alias("s"))["s"]
    if not flags.any():
        return body, ()
    dropped = tuple(r for r, f in zip(rows, flags, strict=True) if f)
    blank = {c: pl.when(summary).then(None).otherwise(pl.col(c)) for c in body.columns}
    return body.with_columns(**blank), dropped


# --------------------------------------------------------------------------- the copy


@dataclass(frozen=True)
class SheetCopy:
    """A sheet written as a CSV copy that the readers read: ``copy`` holds its header on
    line 1 and each data row on the line of its sheet row."""

    sheet: Sheet
    copy: Path

    def locate(self, diagnostic: Diagnostic) -> Diagnostic:
        """A diagnostic of the copy (or of the workbook, at a row) at the sheet's cell."""
        if diagnostic.file not in (str(self.copy), str(self.sheet.path)) or diagnostic.sheet:
            return diagnostic
        line, col = diagnostic.line, diagnostic.col
        if line == 1:
            line = self.sheet.header_row
        if col is None and diagnostic.path:
            written = [h.strip() for h in self.sheet.header]
            if diagnostic.path.strip() in written:
                col = written.index(diagnostic.path.strip()) + 1
        column = None if col is None else self.sheet.first_col + col - 1
        return replace(
            diagnostic, file=str(self.sheet.path), sheet=self.sheet.name, line=line, col=column
        )


def csv_copy(sheet: Sheet, work_dir: Path) -> SheetCopy:
    """The sheet as a UTF-8 CSV in ``work_dir``: the header, blank lines down to the first
    data row, then one line per sheet row (a line break inside a cell becomes a space)."""
    work_dir.mkdir(parents=True, exist_ok=True)
    stat = sheet.path.stat()
    key = f"{sheet.path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{sheet.name}"
    target = work_dir / f"{sheet.path.stem}-{hashlib.sha1(key.encode()).hexdigest()[:12]}.csv"
    first = sheet.rows[0] if sheet.rows else sheet.header_row + 1
    flat = sheet.frame.select(
        pl.col(c).str.replace_all(r"[\r\n]+", " ").alias(f"_c{i}")
        for i, c in enumerate(sheet.frame.columns)
    )
    with target.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerow(
            [h.replace("\n", " ") for h in sheet.header]
        )
        handle.write("\n" * (first - 2))
        flat.write_csv(handle, include_header=False, line_terminator="\n", null_value="")
    return SheetCopy(sheet, target)


def located(diagnostics: Sequence[Diagnostic], copies: Mapping[str, SheetCopy]) -> list[Diagnostic]:
    """Each diagnostic of a workbook's copy at its sheet cell (the others as they are)."""
    out = []
    for diagnostic in diagnostics:
        for copy in copies.values():
            diagnostic = copy.locate(diagnostic)
        out.append(diagnostic)
    return out


@contextlib.contextmanager
def relocated(copies: Mapping[str, SheetCopy]) -> Iterator[None]:
    """Within the block, an InputError's diagnostics are put at their sheet cells."""
    try:
        yield
    except InputError as error:
        if not copies:
            raise
        raise InputError(located(error.diagnostics, copies)) from None


def error_cells(copy: SheetCopy, known: Collection[str]) -> list[Diagnostic]:
    """D804 for each error value (#DIV/0!, #N/A …) in a column the reader uses: a formula
    that failed in Excel has no value to pay from."""
    wanted = {_norm(k) for k in known}
    sheet, out = copy.sheet, []
    for row, col, text in sheet.errors:
        index = col - sheet.first_col
        if not 0 <= index < len(sheet.header) or _norm(sheet.header[index]) not in wanted:
            continue
        message = (
            f"the cell holds the error {text} (a formula that failed in Excel) — correct the "
            "formula or type the value, and save the workbook again"
        )
        out.append(
            Diagnostic(
                str(sheet.path),
                message,
                code="D804",
                line=row,
                col=col,
                path=sheet.header[index],
                sheet=sheet.name,
            )  # fmt: skip
        )
    return out


@dataclass
class Workbooks:
    """The workbooks of a period folder read so far, each as its CSV copy (by logical
    name), and the sheet each is read from: ``[inputs] sheet``, one name for every
    workbook or a table by file (``{ agents = "工资表" }``), else the first sheet."""

    work_dir: Path
    sheet: str | Mapping[str, str] | None = None
    copies: dict[str, SheetCopy] = field(default_factory=dict)

    def readable(self, name: str, path: Path, known: Collection[str]) -> Path:
        """The file a reader reads for ``path``: itself, or a workbook's CSV copy (D804
        for its error cells in the columns ``known``)."""
        if not is_workbook(path):
            return path
        wanted = self.sheet.get(path.stem) if isinstance(self.sheet, Mapping) else self.sheet
        sheet = read_sheet(path, wanted, known=known)
        copy = csv_copy(sheet, self.work_dir)
        self.copies[name] = copy
        problems = error_cells(copy, known)
        if problems:
            raise InputError(problems)
        return copy.copy

    def summaries(self) -> list[Diagnostic]:
        """W400 for each workbook whose summary rows were dropped."""
        out = []
        for copy in self.copies.values():
            rows = copy.sheet.summary_rows
            if rows:
                shown = ", ".join(str(r) for r in rows[:8]) + (" …" if len(rows) > 8 else "")
                message = (
                    f"{len(rows)} summary row(s) (汇总/合计/均值 …) left out: row {shown} — "
                    "they sum or average the rows above, and are not a person or an order"
                )
                out.append(
                    Diagnostic(
                        str(copy.sheet.path),
                        message,
                        code="W400",
                        line=rows[0],
                        sheet=copy.sheet.name,
                        severity="warning",
                    )  # fmt: skip
                )
        return out
