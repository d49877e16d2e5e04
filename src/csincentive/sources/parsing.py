"""Careful, lazy parsing of the big exports (chats, orders), with every row's location.

A big export is scanned once: every column as text, then each date, amount or duration
parsed fast over the text as written and carefully (stripped, other formats) only where
the fast parse failed. Row-level problems stay lazy as :class:`ProblemCheck` frames, so
the month collects them together with its main plan and a file is not read twice just
to validate it.

Assumption: no field contains an embedded newline, so the row index plus 2 is the physical
line number (header = line 1). Blank lines are kept by the reader as empty rows (which keeps
numbering right) and then dropped.
"""

from __future__ import annotations

import mmap
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from csincentive.core.diagnostics import Diagnostic, InputError
from csincentive.core.money import PAY
from csincentive.sources.headers import Column

ROW_PROBLEM = "row_problem"  # True where a row fails a per-row check (see ProblemCheck)
CHECK_ROWS = 20  # a check shows the first rows only: enough to see the pattern and fix it
DATETIME = pl.Datetime("us")
# The first format is the one the exports use (and Polars has a fast path for it); the
# others are only tried on the rows the first one could not parse.
DATETIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M")
DATETIME_HINT = "YYYY-MM-DD HH:MM:SS"
# Columns read as dates, amounts or seconds: kept as written until parsed (see raw).
PARSED_COLUMNS = frozenset(
    {"start_time", "end_time", "time", "first_response_s", "avg_response_s"}
    | {"created_at", "paid_at", "paid_amount", "refund_amount"}
)
# Required text columns whose blank cell always stops the run (the empty check): a blank
# cell stays "" instead of becoming null. Turning "" into null costs a pass over tens of
# millions of names, and nothing reads these columns before the checks have passed.
KEYED_COLUMNS = frozenset({"agent", "buyer", "status"})
# At most two decimals: a Decimal(38, 2) cast would silently truncate 12.345 to 12.34.
MONEY_PATTERN = r"^[+-]?(?:\d+(?:\.\d{0,2})?|\.\d{1,2})$"


@dataclass
class ProblemCheck:
    """Rows of one file that fail one rule, as a lazy frame (line, field, value, message).

    ``flag`` is the same rule as a boolean expression over the parsed columns. The loaded
    frame carries the OR of its file's flags as ``row_problem``, so a clean file is proven
    clean in the one scan that reads it, and ``frame`` (a second scan) only runs to name
    the bad rows. A check without a flag (duplicates: not a per-row rule) has a
    ``suspect`` expression instead, evaluated on the loaded frame."""

    file: str
    frame: pl.LazyFrame
    what_to_do: str
    flag: pl.Expr | None = None
    suspect: pl.Expr | None = None
    code: str = "D300"

    def diagnostics(self, rows: pl.DataFrame) -> list[Diagnostic]:
        """The collected ``frame`` as located errors, ``file:line: CODE field: message``,
        and one more saying how many bad rows were not shown (``bad_rows``: every bad
        row of the check, counted before the frame keeps the first CHECK_ROWS)."""
        out = [
            Diagnostic(
                self.file,
                f"{row['message']}: {row['value']!r} — {self.what_to_do}",
                code=self.code,
                line=row["line"],
                path=row["field"],
            )
            for row in rows.sort("line").iter_rows(named=True)
        ]
        total = int(rows["bad_rows"][0]) if rows.height and "bad_rows" in rows.columns else 0
        if total > rows.height:
            message = f"and {total - rows.height:,} more like these — {self.what_to_do}"
            out.append(Diagnostic(self.file, message, code=self.code, path=rows["field"][-1]))
        return out


# --------------------------------------------------------------------------- unreadable

# Polars names the field it could not split off: 'Field `"云杉…` is not properly escaped'.
UNCLOSED_FIELD = re.compile(r"Field `(.*?)` is not properly escaped", re.DOTALL)


def unreadable(files: Mapping[str, Path], error: Exception) -> InputError:
    """The exports could not be split into rows (Polars raised while reading them): which
    file and line when the cause is a quote that is never closed, else which files, with
    the reader's own words. Finding the line scans the file for the field's first line,
    only after the read has failed."""
    found = UNCLOSED_FIELD.search(str(error))
    start = found.group(1).splitlines()[0] if found and found.group(1).strip() else ""
    for name in ("chats", "orders", "agents"):
        path = files.get(name)
        line = line_of(path, start) if path is not None and start else None
        if path is not None and line is not None:
            message = (
                f"a quoted value is never closed: {start[:60]!r} — close the quote (a quote "
                'inside a value is written twice: "") or delete it, and read the file again'
            )
            return InputError.single(str(path), message, code="D108", line=line)
    reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    message = (
        f"could not be read as an export ({reason[:200]}) — open it in Excel and save it as "
        "'CSV UTF-8', or export it again"
    )
    named = [files[name] for name in ("chats", "orders") if name in files]
    return InputError([Diagnostic(str(path), message, code="D108") for path in named])


def line_of(path: Path, text: str) -> int | None:
    """The line of ``path`` on which ``text`` first appears (as UTF-8 or GB18030), if it
    does: memory-mapped, so a multi-gigabyte export is searched at disk speed."""
    try:
        with (
            path.open("rb") as handle,
            mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data,
        ):
            for encoding in ("utf-8", "gb18030"):
                try:
                    offset = data.find(text.encode(encoding))
                except UnicodeEncodeError:
                    continue
                if offset >= 0:
                    return data[:offset].count(b"\n") + 1
    except (OSError, ValueError):  # unreadable, or empty (mmap refuses a 0-byte file)
        return None
    return None


# --------------------------------------------------------------------------- scanning


def parsed(name: str) -> str:
    """The column holding ``name``'s parsed value (see with_parsed)."""
    return f"{name}__parsed"


def scan(path: Path, header: Sequence[str], columns: Iterable[Column]) -> pl.LazyFrame:
    """One lazy scan: every column Utf8, select right away so only needed columns are parsed.

    Columns are renamed by position, which sidesteps trailing spaces and duplicate names in
    the export's header. Blank cells become null; blank lines are dropped here.
    """
    columns = list(columns)
    if path.suffix == ".parquet":
        lf = _scan_parquet(path, header)
    else:
        lf = pl.scan_csv(
            path,
            infer_schema=False,
            new_columns=[f"_c{i}" for i in range(len(header))],
            row_index_name="line",
            row_index_offset=2,  # first data row is physical line 2 (header = line 1)
            truncate_ragged_lines=True,  # exports end rows with stray commas; select by name
        )
    # A blank line reads as a row of nulls (and still counts as a line). Testing the raw
    # cells keeps the filter from stripping every column when only some are needed.
    blank = ~pl.any_horizontal(pl.col(f"_c{c.index}").is_not_null() for c in columns)
    cells = (_raw(c) if c.canonical in PARSED_COLUMNS else _cell(c) for c in columns)
    return lf.filter(~blank).select(pl.col("line").cast(pl.Int64), *cells)


def _scan_parquet(path: Path, header: Sequence[str]) -> pl.LazyFrame:
    """A Parquet export read like a CSV one: every column as text, so the same parsing and
    the same checks apply. `line` is the row number as if the file had a header line, so a
    problem on row 1 reads as line 2, as it would in the CSV the file came from."""
    schema = pl.read_parquet_schema(path)
    text = [_as_text(name, schema[name]).alias(f"_c{i}") for i, name in enumerate(header)]
    return pl.scan_parquet(path).with_row_index("line", offset=2).select(pl.col("line"), *text)


def _as_text(name: str, dtype: pl.DataType) -> pl.Expr:
    """A typed Parquet column as the text a CSV export would hold."""
    if isinstance(dtype, pl.Datetime):
        return pl.col(name).dt.to_string("%Y-%m-%d %H:%M:%S")
    if isinstance(dtype, pl.Date):
        return pl.col(name).dt.to_string("%Y-%m-%d")
    return pl.col(name).cast(pl.String)


def _cell(column: Column) -> pl.Expr:
    """A cell as text without surrounding spaces; blank (or spaces only) is null, or ""
    in a keyed column (see KEYED_COLUMNS)."""
    text = pl.col(f"_c{column.index}").str.strip_chars()
    if column.canonical in KEYED_COLUMNS:
        return text.alias(column.canonical)
    return pl.when(text.str.len_bytes() > 0).then(text).alias(column.canonical)


def _raw(column: Column) -> pl.Expr:
    """A cell of a parsed column as written (empty is null): its parser tries the text as
    it is first and strips only what fails (see with_parsed), so a clean file never
    pays for stripping every date and number."""
    return pl.col(f"_c{column.index}").alias(column.canonical)


def _failed(name: str) -> pl.Expr:
    """The stripped text of the cells of a parsed column whose fast parse failed, else null."""
    return pl.when(pl.col(parsed(name)).is_null()).then(pl.col(name)).str.strip_chars()


def blank(name: str) -> pl.Expr:
    """The cell is empty or only spaces. Parsed columns hold their text unstripped; only
    the cells their parser failed on are looked at again."""
    if name in KEYED_COLUMNS:
        return pl.col(name).is_null() | (pl.col(name).str.len_bytes() == 0)
    if name not in PARSED_COLUMNS:
        return pl.col(name).is_null()
    return pl.col(name).is_null() | (_failed(name).str.len_bytes() == 0).fill_null(False)


def invalid(name: str) -> pl.Expr:
    """A parsed column's cell has text its parser cannot read."""
    return ~blank(name) & pl.col(parsed(name)).is_null()


# --------------------------------------------------------------------------- parsers


@dataclass(frozen=True)
class Parser:
    """How a column's text becomes a value: ``fast`` over the text as written, ``careful``
    over the stripped text of the cells ``fast`` could not read. Both give null for text
    they cannot read."""

    fast: Callable[[pl.Expr], pl.Expr]
    careful: Callable[[pl.Expr], pl.Expr]


def with_parsed(lf: pl.LazyFrame, parsers: Mapping[str, Parser]) -> pl.LazyFrame:
    """Add ``<name>__parsed`` for each parsed column; bad or blank cells become null.

    The fast parse runs over every cell; the careful one only sees the cells it failed on
    (the others are masked to null first), which keeps its cost near zero on a clean file.
    The masked text is a column of its own: written inside the careful parse, the masking
    was computed again for each thing it tries (four date formats), which cost a fifth of
    the time spent reading the orders."""

    def retry(name: str) -> str:
        return f"{name}__retry"

    failed = {n: pl.when(pl.col(parsed(n)).is_null()).then(pl.col(n)) for n in parsers}
    return (
        lf.with_columns(parser.fast(pl.col(n)).alias(parsed(n)) for n, parser in parsers.items())
        .with_columns(text.str.strip_chars().alias(retry(n)) for n, text in failed.items())
        .with_columns(
            pl.coalesce(pl.col(parsed(n)), parser.careful(pl.col(retry(n)))).alias(parsed(n))
            for n, parser in parsers.items()
        )
        .drop(retry(n) for n in parsers)
    )


def _datetime(text: pl.Expr, formats: Sequence[str] = DATETIME_FORMATS) -> pl.Expr:
    return pl.coalesce(text.str.strptime(DATETIME, f, strict=False, cache=False) for f in formats)


def _cleaned_money(text: pl.Expr) -> pl.Expr:
    """Strips ="…", quotes, thousands commas and ¥ before reading the amount."""
    cleaned = (
        text.str.strip_prefix("=")
        .str.strip_chars('"')
        .str.replace_all(",", "", literal=True)
        .str.strip_chars("¥￥ ")
    )
    return _amount(cleaned)


def _amount(text: pl.Expr) -> pl.Expr:
    # At most two decimals: the Decimal(38, 2) cast alone would truncate 12.345 to 12.34.
    return pl.when(text.str.contains(MONEY_PATTERN)).then(text).cast(PAY, strict=False)


def _number(text: pl.Expr) -> pl.Expr:
    return text.cast(pl.Float64, strict=False)


def _seconds(text: pl.Expr) -> pl.Expr:
    """Tolerates a trailing 秒/s unit ("15秒")."""
    return _number(text.str.strip_suffix("秒").str.strip_suffix("s").str.strip_chars())


# Dates in the exports' own format first (the others only where it fails); amounts as
# plain numbers first (128.00), cleaned only where that fails; durations in seconds.
DATETIME_PARSER = Parser(fast=lambda text: _datetime(text, DATETIME_FORMATS[:1]), careful=_datetime)
MONEY_PARSER = Parser(fast=_amount, careful=_cleaned_money)
SECONDS_PARSER = Parser(fast=_number, careful=_seconds)


def id_expr(name: str) -> pl.Expr:
    """Ids exported as ="4100123…" (so Excel keeps the digits) lose the wrapper: one pass
    takes '=', quotes and spaces off both ends (no order id begins or ends with them)."""
    return pl.col(name).str.strip_chars('=" \t')


def optional(
    found: Mapping[str, Column], name: str, dtype: pl.DataType | type[pl.DataType]
) -> pl.Expr:
    """The parsed column when the file has it, else a typed null column of the same name."""
    if name in found:
        return pl.col(parsed(name)).alias(name)
    return pl.lit(None, dtype=dtype).alias(name)


# --------------------------------------------------------------------------- checks


def cell_check(
    display: str,
    base: pl.LazyFrame,
    columns: Sequence[Column],
    is_bad: Callable[[str], pl.Expr],
    message: str,
    what_to_do: str,
    code: str = "D300",
    *,
    flag_of: Callable[[str], pl.Expr] | None = None,
) -> ProblemCheck:
    """Rows where ``is_bad(column)`` holds, one output row per bad cell, in one pass.

    Bad cells are flagged side by side, rows without any are dropped before unpivoting, so
    a clean file costs one filter and the (rare) bad rows are reshaped to long form.
    ``flag_of`` is the per-row flag of a column when it is not the parse-failure test
    (_suspect): a rule over parsed values (negative, above a ceiling) is its own flag.
    """
    flagged = [
        pl.when(is_bad(c.canonical)).then(pl.col(c.canonical).fill_null("")).alias(c.written)
        for c in columns
    ]
    frame = (
        base.select(pl.col("line").alias("__line"), *flagged)
        .filter(pl.any_horizontal(pl.col(c.written).is_not_null() for c in columns))
        .unpivot(index="__line", variable_name="field", value_name="value")
        .filter(pl.col("value").is_not_null())
        .select(
            pl.col("__line").alias("line"),
            pl.col("field").cast(pl.String),
            pl.col("value").cast(pl.String),
            pl.lit(message, dtype=pl.String).alias("message"),
        )
    )
    flags = flag_of or (lambda name: _suspect(is_bad, name))
    flag = pl.any_horizontal(flags(c.canonical).fill_null(False) for c in columns)
    return ProblemCheck(display, first_rows(frame), what_to_do, flag=flag, code=code)


def row_check(
    display: str,
    base: pl.LazyFrame,
    bad: pl.Expr,
    shown: Column,
    value: pl.Expr,
    message: str | pl.Expr,
    what_to_do: str,
    code: str,
    *,
    flag: pl.Expr | None = None,
) -> ProblemCheck:
    """Rows where ``bad`` (a rule over several parsed columns of a row: refund above the
    payment …) holds, each shown at the ``shown`` column with ``value`` as its text and
    ``message`` (text, or an expression naming the row's other values). ``bad`` is the
    per-row flag unless a cheaper ``flag`` that holds wherever ``bad`` does is given."""
    said = pl.lit(message, dtype=pl.String) if isinstance(message, str) else message
    frame = base.filter(bad.fill_null(False)).select(
        pl.col("line"),
        pl.lit(shown.written, dtype=pl.String).alias("field"),
        value.cast(pl.String).fill_null("").alias("value"),
        said.cast(pl.String).alias("message"),
    )
    row_flag = (bad if flag is None else flag).fill_null(False)
    return ProblemCheck(display, first_rows(frame), what_to_do, flag=row_flag, code=code)


def first_rows(frame: pl.LazyFrame) -> pl.LazyFrame:
    """A check's first CHECK_ROWS bad rows in line order, each carrying how many bad rows
    there are in all (``bad_rows``), so the report can say "and N more". Only run when a
    file's flags say it has bad rows, so the count costs nothing on a clean file."""
    return (
        frame.with_columns(pl.len().cast(pl.Int64).alias("bad_rows"))
        .sort(["line", "field"])
        .head(CHECK_ROWS)
    )


def _suspect(is_bad: Callable[[str], pl.Expr], name: str) -> pl.Expr:
    """The per-row flag of a check: ``is_bad`` itself, or for a parsed column a cheaper
    test that holds wherever ``is_bad`` does — the parse failed on a cell with text. It
    needs no string work on the cells that parsed; a cell of spaces (blank, not bad) is
    flagged too, which only sends a file to the detailed checks, which then pass it."""
    if name not in PARSED_COLUMNS:
        return is_bad(name)
    failed = pl.col(parsed(name)).is_null()
    return failed if is_bad is blank else pl.col(name).is_not_null() & failed


def row_problem(checks: Sequence[ProblemCheck]) -> pl.Expr:
    """The OR of every per-row check of a file (see ProblemCheck)."""
    flags = [c.flag for c in checks if c.flag is not None]
    return pl.any_horizontal(flags).fill_null(False).alias(ROW_PROBLEM)


def empty_check(display: str, base: pl.LazyFrame, columns: Sequence[Column]) -> ProblemCheck:
    return cell_check(
        display,
        base,
        columns,
        blank,
        "required value is empty",
        "fill in the value or delete the row",
    )


def datetime_check(display: str, base: pl.LazyFrame, columns: Sequence[Column]) -> ProblemCheck:
    return cell_check(
        display,
        base,
        columns,
        invalid,
        f"not a date-time ({DATETIME_HINT})",
        f"fix the date ({DATETIME_HINT}) or delete the row",
    )
