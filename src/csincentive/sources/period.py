"""Load one month's period folder into canonical, validated Polars frames.

A period folder (``examples/2026-10/``) holds ``agents.csv`` (the roster), ``chats.csv``
(session- or message-level chat export) and ``orders.csv`` (the Taobao 订单报表 export as
downloaded). Problems come back in two tiers:

* file-level problems (missing file or column, unknown roster column, ambiguous chat format…)
  and every roster row problem raise one :class:`InputError` per call, listing everything;
* row-level problems in the big files stay lazy as :class:`ProblemCheck` frames, so the
  pipeline collects them together with its main plan and the files are not read twice
  just to validate them.

Assumption: no field contains an embedded newline, so the row index plus 2 is the physical
line number (header = line 1). Blank lines are kept by the reader as empty rows (which keeps
numbering right) and then dropped.
"""

from __future__ import annotations

import csv
import difflib
import mmap
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Literal

import polars as pl

from csincentive.core.diagnostics import Diagnostic, InputError
from csincentive.core.money import PAY
from csincentive.sources.encoding import ensure_utf8

ChatFormat = Literal["session", "message"]

FILES = {"agents": "agents.csv", "chats": "chats.csv", "orders": "orders.csv"}
ROW_PROBLEM = "row_problem"  # True where a row fails a per-row check (see ProblemCheck)
CHECK_ROWS = 20  # a check shows the first rows only: enough to see the pattern and fix it
DATETIME = pl.Datetime("us")
# The first format is the one the exports use (and Polars has a fast path for it); the
# others are only tried on the rows the first one could not parse.
DATETIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M")
DATETIME_HINT = "YYYY-MM-DD HH:MM:SS"
# Columns read as dates, amounts or seconds: kept as written until parsed (see _raw).
PARSED_COLUMNS = frozenset(
    {"start_time", "end_time", "time", "first_response_s", "avg_response_s"}
    | {"created_at", "paid_at", "paid_amount", "refund_amount"}
)
# Required text columns whose blank cell always stops the run (the empty check): a blank
# cell stays "" instead of becoming null. Turning "" into null costs a pass over tens of
# millions of names, and nothing reads these columns before the checks have passed.
KEYED_COLUMNS = frozenset({"agent", "buyer", "status"})
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d")
# At most two decimals: a Decimal(38, 2) cast would silently truncate 12.345 to 12.34.
MONEY_PATTERN = r"^[+-]?(?:\d+(?:\.\d{0,2})?|\.\d{1,2})$"

ROSTER_REQUIRED = ("agent_id", "name", "team", "role", "grade", "hire_date")
ROSTER_OPTIONAL = ("probation_end", "chat_nick", "leave_date", "target")
ROSTER_ROLES = ("agent", "supervisor")

CHAT_ALIASES: dict[str, tuple[str, ...]] = {
    "agent": ("客服", "客服昵称", "旺旺昵称", "客服账号", "接待客服"),
    "buyer": ("买家", "客户名", "买家昵称", "买家旺旺", "顾客"),
    "start_time": ("开始时间", "接待时间", "会话开始时间"),
    "end_time": ("结束时间", "会话结束时间"),
    "first_response_s": ("首次响应时长", "首响时间(秒)"),
    "avg_response_s": ("平均响应时长",),
    "rating": ("评价", "满意度", "服务评价"),
    "time": ("发送时间", "时间", "消息时间"),
    "sender": ("发送账号", "发送方", "账号类型", "发送者"),
    "content": ("内容", "消息内容"),
}
SESSION_REQUIRED = ("agent", "buyer", "start_time")
SESSION_OPTIONAL = ("end_time", "first_response_s", "avg_response_s", "rating")
MESSAGE_REQUIRED = ("time", "buyer", "agent", "sender")
# Sender values (compared lower-cased) besides "equals the agent/buyer column".
AGENT_SENDERS = ("客服", "卖家", "agent", "seller", "1")
BUYER_SENDERS = ("买家", "buyer", "customer", "0")
SYSTEM_SENDERS = ("系统", "system")  # default [inputs] system_senders


@dataclass(frozen=True)
class MessageRules:
    """What a message-level export's lines mean ([inputs] of the rules file).

    ``system_senders``: sender values (compared lower-cased) whose lines are dropped entirely
    (会话已转接 …). ``auto_reply_patterns``: regular expressions (Rust/Polars syntax) matched
    against ``content``; an agent line that matches is an auto-reply and is dropped too, so
    it is neither an answer nor a message. ``slow_response_s``: a reply gap longer than this
    is a slow response."""

    auto_reply_patterns: tuple[str, ...] = ()
    system_senders: tuple[str, ...] = SYSTEM_SENDERS
    slow_response_s: int = 120


ORDER_ALIASES: dict[str, tuple[str, ...]] = {
    "order_id": ("订单编号",),
    "buyer": ("买家会员名",),
    "created_at": ("订单创建时间",),
    "paid_at": ("订单付款时间",),
    "paid_amount": ("买家实际支付金额",),
    "status": ("订单状态",),
    "refund_amount": ("退款金额",),
}
ORDER_REQUIRED = ("order_id", "buyer", "created_at", "paid_at", "paid_amount", "status")


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


@dataclass
class Period:
    folder: Path
    year: int
    month: int
    roster: pl.DataFrame
    chats: pl.LazyFrame
    chat_format: ChatFormat
    orders: pl.LazyFrame
    checks: list[ProblemCheck] = field(default_factory=list)
    files: dict[str, Path] = field(default_factory=dict)


@dataclass(frozen=True)
class _Column:
    """A canonical column found in a file: where it is and how its header was written."""

    canonical: str
    index: int
    written: str


# --------------------------------------------------------------------------- headers


def _norm(name: str) -> str:
    """Header matching ignores case, surrounding spaces and full-width punctuation (（秒）)."""
    return unicodedata.normalize("NFKC", name).strip().casefold()


def _read_header(path: Path, display: str) -> list[str]:
    """The header row as written (BOM removed), reading only the first line of the file;
    for a Parquet file its column names."""
    if path.suffix == ".parquet":
        try:
            return list(pl.read_parquet_schema(path))
        except (OSError, pl.exceptions.PolarsError) as exc:
            message = f"not a readable Parquet file: {exc}"
            raise InputError.single(display, message, code="D102") from None
    with path.open(encoding="utf-8-sig", newline="") as handle:
        header = next(csv.reader(handle), [])
    if not any(cell.strip() for cell in header):
        raise InputError.single(
            display,
            "no header row — the first line must name the columns",
            code="D102",
            line=1,
        )
    return header


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
        line = _line_of(path, start) if path is not None and start else None
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


def _line_of(path: Path, text: str) -> int | None:
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


def _lookup(
    aliases: Mapping[str, Sequence[str]], column_map: Mapping[str, str] | None
) -> dict[str, str]:
    """Normalised header → canonical name; caller's column_map wins over built-in aliases."""
    table = {_norm(alias): canonical for canonical, names in aliases.items() for alias in names}
    table.update({_norm(canonical): canonical for canonical in aliases})
    for source, canonical in (column_map or {}).items():
        if canonical in aliases:  # one map serves all three files; ignore other files' names
            table[_norm(source)] = canonical
    return table


def _resolve_columns(
    header: Sequence[str],
    aliases: Mapping[str, Sequence[str]],
    column_map: Mapping[str, str] | None,
    display: str,
) -> tuple[dict[str, _Column], list[Diagnostic], list[tuple[int, str]]]:
    """Map header cells to canonical columns; also return duplicates and unknown cells."""
    table = _lookup(aliases, column_map)
    found: dict[str, _Column] = {}
    problems: list[Diagnostic] = []
    unknown: list[tuple[int, str]] = []
    for index, raw in enumerate(header):
        canonical = table.get(_norm(raw))
        if canonical is None:
            unknown.append((index, raw))
        elif canonical in found:
            first = found[canonical]
            problems.append(
                Diagnostic(
                    file=display,
                    line=1,
                    col=index + 1,
                    code="D105",
                    path=raw.strip(),
                    message=f"column {index + 1} '{raw.strip()}' and column {first.index + 1} "
                    f"'{first.written}' both mean '{canonical}' — delete one of them",
                )
            )
        else:
            found[canonical] = _Column(canonical, index, raw.strip())
    return found, problems, unknown


def _missing(
    display: str,
    found: Mapping[str, _Column],
    required: Iterable[str],
    aliases: Mapping[str, Sequence[str]],
) -> list[Diagnostic]:
    problems = []
    for canonical in required:
        if canonical in found:
            continue
        accepted = ", ".join(aliases.get(canonical, ()))
        also = f" (or one of: {accepted})" if accepted else ""
        problems.append(
            Diagnostic(
                file=display,
                line=1,
                code="D103",
                path=canonical,
                message=f"missing required column '{canonical}'{also} — add it, or map your "
                f"header to it with column_map={{'your header': '{canonical}'}}",
            )
        )
    return problems


# --------------------------------------------------------------------------- lazy parsing


def _parsed(name: str) -> str:
    return f"{name}__parsed"


def _scan(path: Path, header: Sequence[str], columns: Iterable[_Column]) -> pl.LazyFrame:
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


def _cell(column: _Column) -> pl.Expr:
    """A cell as text without surrounding spaces; blank (or spaces only) is null, or ""
    in a keyed column (see KEYED_COLUMNS)."""
    text = pl.col(f"_c{column.index}").str.strip_chars()
    if column.canonical in KEYED_COLUMNS:
        return text.alias(column.canonical)
    return pl.when(text.str.len_bytes() > 0).then(text).alias(column.canonical)


def _raw(column: _Column) -> pl.Expr:
    """A cell of a parsed column as written (empty is null): its parser tries the text as
    it is first and strips only what fails (see _with_parsed), so a clean file never
    pays for stripping every date and number."""
    return pl.col(f"_c{column.index}").alias(column.canonical)


def _failed(name: str) -> pl.Expr:
    """The stripped text of the cells of a parsed column whose fast parse failed, else null."""
    return pl.when(pl.col(_parsed(name)).is_null()).then(pl.col(name)).str.strip_chars()


def _blank(name: str) -> pl.Expr:
    """The cell is empty or only spaces. Parsed columns hold their text unstripped; only
    the cells their parser failed on are looked at again."""
    if name in KEYED_COLUMNS:
        return pl.col(name).is_null() | (pl.col(name).str.len_bytes() == 0)
    if name not in PARSED_COLUMNS:
        return pl.col(name).is_null()
    return pl.col(name).is_null() | (_failed(name).str.len_bytes() == 0).fill_null(False)


def _invalid(name: str) -> pl.Expr:
    """A parsed column's cell has text its parser cannot read."""
    return ~_blank(name) & pl.col(_parsed(name)).is_null()


@dataclass(frozen=True)
class _Parser:
    """How a column's text becomes a value: ``fast`` over the text as written, ``careful``
    over the stripped text of the cells ``fast`` could not read. Both give null for text
    they cannot read."""

    fast: Callable[[pl.Expr], pl.Expr]
    careful: Callable[[pl.Expr], pl.Expr]


def _with_parsed(lf: pl.LazyFrame, parsers: Mapping[str, _Parser]) -> pl.LazyFrame:
    """Add ``<name>__parsed`` for each parsed column; bad or blank cells become null.

    The fast parse runs over every cell; the careful one only sees the cells it failed on
    (the others are masked to null first), which keeps its cost near zero on a clean file.
    The masked text is a column of its own: written inside the careful parse, the masking
    was computed again for each thing it tries (four date formats), which cost a fifth of
    the time spent reading the orders."""

    def retry(name: str) -> str:
        return f"{name}__retry"

    failed = {n: pl.when(pl.col(_parsed(n)).is_null()).then(pl.col(n)) for n in parsers}
    return (
        lf.with_columns(parser.fast(pl.col(n)).alias(_parsed(n)) for n, parser in parsers.items())
        .with_columns(text.str.strip_chars().alias(retry(n)) for n, text in failed.items())
        .with_columns(
            pl.coalesce(pl.col(_parsed(n)), parser.careful(pl.col(retry(n)))).alias(_parsed(n))
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
DATETIME_PARSER = _Parser(
    fast=lambda text: _datetime(text, DATETIME_FORMATS[:1]), careful=_datetime
)
MONEY_PARSER = _Parser(fast=_amount, careful=_cleaned_money)
SECONDS_PARSER = _Parser(fast=_number, careful=_seconds)


def _id_expr(name: str) -> pl.Expr:
    """Ids exported as ="4100123…" (so Excel keeps the digits) lose the wrapper: one pass
    takes '=', quotes and spaces off both ends (no order id begins or ends with them)."""
    return pl.col(name).str.strip_chars('=" \t')


def _optional(
    found: Mapping[str, _Column], name: str, dtype: pl.DataType | type[pl.DataType]
) -> pl.Expr:
    """The parsed column when the file has it, else a typed null column of the same name."""
    if name in found:
        return pl.col(_parsed(name)).alias(name)
    return pl.lit(None, dtype=dtype).alias(name)


# --------------------------------------------------------------------------- checks


def _cell_check(
    display: str,
    base: pl.LazyFrame,
    columns: Sequence[_Column],
    is_bad: Callable[[str], pl.Expr],
    message: str,
    what_to_do: str,
) -> ProblemCheck:
    """Rows where ``is_bad(column)`` holds, one output row per bad cell, in one pass.

    Bad cells are flagged side by side, rows without any are dropped before unpivoting, so
    a clean file costs one filter and the (rare) bad rows are reshaped to long form.
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
        .sort(["line", "field"])
        .head(CHECK_ROWS)
    )
    flag = pl.any_horizontal(_suspect(is_bad, c.canonical) for c in columns)
    return ProblemCheck(file=display, frame=frame, what_to_do=what_to_do, flag=flag)


def _suspect(is_bad: Callable[[str], pl.Expr], name: str) -> pl.Expr:
    """The per-row flag of a check: ``is_bad`` itself, or for a parsed column a cheaper
    test that holds wherever ``is_bad`` does — the parse failed on a cell with text. It
    needs no string work on the cells that parsed; a cell of spaces (blank, not bad) is
    flagged too, which only sends a file to the detailed checks, which then pass it."""
    if name not in PARSED_COLUMNS:
        return is_bad(name)
    failed = pl.col(_parsed(name)).is_null()
    return failed if is_bad is _blank else pl.col(name).is_not_null() & failed


def _row_problem(checks: Sequence[ProblemCheck]) -> pl.Expr:
    """The OR of every per-row check of a file (see ProblemCheck)."""
    flags = [c.flag for c in checks if c.flag is not None]
    return pl.any_horizontal(flags).fill_null(False).alias(ROW_PROBLEM)


def _empty_check(display: str, base: pl.LazyFrame, columns: Sequence[_Column]) -> ProblemCheck:
    return _cell_check(
        display,
        base,
        columns,
        _blank,
        "required value is empty",
        "fill in the value or delete the row",
    )


def _datetime_check(display: str, base: pl.LazyFrame, columns: Sequence[_Column]) -> ProblemCheck:
    return _cell_check(
        display,
        base,
        columns,
        _invalid,
        f"not a date-time ({DATETIME_HINT})",
        f"fix the date ({DATETIME_HINT}) or delete the row",
    )


def _duplicate_order_check(display: str, base: pl.LazyFrame, column: _Column) -> ProblemCheck:
    """Every row of a repeated order id, each naming all the lines the id appears on."""
    key = _parsed("order_id")
    dupes = base.select("line", "order_id", key).filter(
        pl.col(key).is_not_null() & pl.col(key).is_duplicated()
    )
    lines = dupes.group_by(key).agg(
        pl.col("line").sort().cast(pl.String).str.join(", ").alias("__lines")
    )
    frame = (
        dupes.join(lines, on=key)
        .select(
            "line",
            pl.lit(column.written, dtype=pl.String).alias("field"),
            pl.col("order_id").alias("value"),
            (pl.lit("order id appears more than once: lines ") + pl.col("__lines")).alias(
                "message"
            ),
        )
        .sort("line")
        .head(CHECK_ROWS)
    )
    return ProblemCheck(
        file=display,
        frame=frame,
        what_to_do="delete the repeated rows (an order must appear once) or re-export the month",
        # Hashes first: a repeated hash is rare, and then the exact check names the rows.
        # Counting distinct hashes is several times faster than marking duplicated ones.
        suspect=pl.col("order_id").drop_nulls().hash(seed=0).n_unique()
        < pl.col("order_id").drop_nulls().len(),
    )


# --------------------------------------------------------------------------- roster


def _parse_date(text: str) -> date | None:
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def parse_money(text: str) -> Decimal | None:
    """Money cell → Decimal with 2 places, or None if it is not an amount (roster, small)."""
    cleaned = text.strip().removeprefix("=").strip('"').replace(",", "").strip("¥￥ ")
    if not re.fullmatch(MONEY_PATTERN, cleaned):
        return None
    try:
        return Decimal(cleaned).quantize(Decimal("0.01"))
    except InvalidOperation:
        return None


def _roster_header(
    header: Sequence[str],
    column_map: Mapping[str, str] | None,
    display: str,
    extra_fields: Sequence[str] = (),
) -> dict[str, _Column]:
    """Roster columns are a closed set (plus the text fields a rules file declares under
    [inputs] roster_fields): unknown ones are typos until proven otherwise."""
    known = {name: () for name in (*ROSTER_REQUIRED, *ROSTER_OPTIONAL, *extra_fields)}
    found, problems, unknown = _resolve_columns(header, known, column_map, display)
    for index, raw in unknown:
        guess = difflib.get_close_matches(_norm(raw), list(known), n=1, cutoff=0.6)
        hint = f"did you mean '{guess[0]}'? " if guess else ""
        problems.append(
            Diagnostic(
                file=display,
                line=1,
                col=index + 1,
                code="D104",
                path=raw.strip(),
                message=f"unknown column '{raw.strip()}' — {hint}known columns: {', '.join(known)}",
            )
        )
    problems += _missing(display, found, (*ROSTER_REQUIRED, *extra_fields), known)
    if problems:
        raise InputError(problems)
    return found


def _roster_rows(path: Path) -> Iterable[tuple[int, list[str]]]:
    """(physical line, cells) for each non-blank data row."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        next(reader, None)
        for cells in reader:
            if any(cell.strip() for cell in cells):
                yield reader.line_num, [cell.strip() for cell in cells]


def _check_roster_row(
    display: str, line: int, row: dict[str, str], columns: Mapping[str, _Column]
) -> tuple[dict[str, object], list[Diagnostic]]:
    """Parse one roster row; return the typed values and every problem in it."""
    problems: list[Diagnostic] = []

    def problem(name: str, code: str, message: str) -> None:
        problems.append(
            Diagnostic(
                file=display,
                line=line,
                col=columns[name].index + 1,
                code=code,
                path=columns[name].written,
                message=message,
            )
        )

    out: dict[str, object] = {name: row.get(name) or None for name in columns}
    for name in (*ROSTER_REQUIRED, *(n for n in columns if n not in ROSTER_SCHEMA)):
        if not row.get(name):
            problem(name, "D201", "required value is empty — fill it in")
    role = (row.get("role") or "").lower()
    out["role"] = role or None
    if role and role not in ROSTER_ROLES:
        problem("role", "D202", f"unknown role '{row['role']}' — write agent or supervisor")
    for name in ("hire_date", "probation_end", "leave_date"):
        text = row.get(name)
        out[name] = _parse_date(text) if text else None
        if text and out[name] is None:
            problem(name, "D203", f"not a date: '{text}' — write it as YYYY-MM-DD")
    text = row.get("target")
    out["target"] = parse_money(text) if text else None
    if text and out["target"] is None:
        problem("target", "D206", f"not an amount: '{text}' — write it like 12000.00")
    return out, problems


def _duplicates(
    display: str, records: Sequence[dict[str, object]], column: _Column | None, code: str
) -> list[Diagnostic]:
    """A repeated value in a column that must be unique, reported on each later line."""
    if column is None:
        return []
    first_line: dict[object, int] = {}
    problems = []
    for record in records:
        value = record[column.canonical]
        if value is None:
            continue
        if value in first_line:
            problems.append(
                Diagnostic(
                    file=display,
                    line=int(record["line"]),  # type: ignore[call-overload]
                    col=column.index + 1,
                    code=code,
                    path=column.written,
                    message=f"'{value}' is already on line {first_line[value]} — each "
                    "value must appear once; delete or fix one of the rows",
                )
            )
        else:
            first_line[value] = int(record["line"])  # type: ignore[call-overload]
    return problems


ROSTER_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "agent_id": pl.String,
    "name": pl.String,
    "team": pl.String,
    "role": pl.String,
    "grade": pl.String,
    "hire_date": pl.Date,
    "probation_end": pl.Date,
    "chat_nick": pl.String,
    "leave_date": pl.Date,
    "target": PAY,
    "line": pl.Int64,
}


def load_roster(
    path: Path,
    *,
    work_dir: Path,
    column_map: Mapping[str, str] | None = None,
    extra_fields: Sequence[str] = (),
) -> pl.DataFrame:
    """agents.csv → eager, typed roster; every bad row is reported in one InputError.
    `extra_fields` are text columns a rules file needs (e.g. education), required."""
    display = str(path)
    readable = ensure_utf8(path, work_dir, display=display)
    header = _read_header(readable, display)
    columns = _roster_header(header, column_map, display, extra_fields)
    records: list[dict[str, object]] = []
    problems: list[Diagnostic] = []
    for line, cells in _roster_rows(readable):
        row = {
            c.canonical: cells[c.index] if c.index < len(cells) else "" for c in columns.values()
        }
        record, row_problems = _check_roster_row(display, line, row, columns)
        records.append({**record, "line": line})
        problems += row_problems
    problems += _duplicates(display, records, columns.get("agent_id"), "D204")
    problems += _duplicates(display, records, columns.get("chat_nick"), "D205")
    if not records:
        problems.append(
            Diagnostic(
                file=display, line=2, code="D207", message="no agents — add one row per agent"
            )
        )
    if problems:
        raise InputError(sorted(problems, key=lambda d: (d.line or 0, d.col or 0)))
    schema = {**ROSTER_SCHEMA, **{name: pl.String for name in extra_fields}}
    data = {name: [record.get(name) for record in records] for name in schema}
    return pl.DataFrame(data, schema=schema)


# --------------------------------------------------------------------------- chats


def _chat_format(found: Mapping[str, _Column], display: str) -> ChatFormat:
    """Session export if it has start_time, message export if it has time + sender."""
    session = "start_time" in found
    message = "time" in found or "sender" in found
    if session and message:
        raise InputError.single(
            display,
            "has both session columns (start_time) and message columns (time/sender) — keep "
            "one kind, or remap with column_map",
            code="D106",
            line=1,
            path="start_time",
        )
    return "message" if message else "session"


def load_chats(
    path: Path,
    *,
    work_dir: Path,
    column_map: Mapping[str, str] | None = None,
    session_gap_minutes: int = 10,
    message_rules: MessageRules | None = None,
) -> tuple[pl.LazyFrame, ChatFormat, list[ProblemCheck]]:
    """chats.csv → lazy session-level frame, its detected format and its row checks.

    A message-level export becomes sessions here (see sessions_from_messages), following
    ``message_rules``; a session-level export ignores them."""
    display = str(path)
    readable = ensure_utf8(path, work_dir, display=display)
    header = _read_header(readable, display)
    found, problems, _ = _resolve_columns(header, CHAT_ALIASES, column_map, display)
    chat_format = _chat_format(found, display)
    required = SESSION_REQUIRED if chat_format == "session" else MESSAGE_REQUIRED
    problems += _missing(display, found, required, CHAT_ALIASES)
    rules = message_rules or MessageRules()
    if chat_format == "message" and rules.auto_reply_patterns and "content" not in found:
        problems += _missing_content(display)
    if problems:
        raise InputError(problems)
    if chat_format == "session":
        wanted = [found[n] for n in (*SESSION_REQUIRED, *SESSION_OPTIONAL) if n in found]
        base = _session_base(_scan(readable, header, wanted), found)
        checks = _session_checks(display, base, found)
        return _session_frame(base, found, _row_problem(checks)), chat_format, checks
    required_columns = [found[n] for n in MESSAGE_REQUIRED]
    # Only the columns the rules need: content is read only to recognise auto-replies.
    wanted = required_columns + ([found["content"]] if rules.auto_reply_patterns else [])
    base = _with_parsed(_scan(readable, header, wanted), {"time": DATETIME_PARSER})
    checks = _message_checks(display, base, found, required_columns, rules)
    sessions = sessions_from_messages(
        base, session_gap_minutes, rules=rules, row_problem=_row_problem(checks)
    )
    return sessions, chat_format, checks


def _missing_content(display: str) -> list[Diagnostic]:
    accepted = ", ".join(CHAT_ALIASES["content"])
    message = (
        f"missing column 'content' (or one of: {accepted}) — the rules' auto_reply_patterns "
        "are matched against it; export the message text or remove auto_reply_patterns"
    )
    return [Diagnostic(file=display, line=1, code="D103", path="content", message=message)]


def _message_checks(
    display: str,
    base: pl.LazyFrame,
    found: Mapping[str, _Column],
    required: Sequence[_Column],
    rules: MessageRules,
) -> list[ProblemCheck]:
    senders = ", ".join(rules.system_senders) or "none"
    return [
        _empty_check(display, base, required),
        _datetime_check(display, base, [found["time"]]),
        _cell_check(
            display,
            base,
            [found["sender"]],
            lambda name: (
                pl.col(name).is_not_null() & ~(_is_agent() | _is_buyer() | _is_system(rules))
            ),
            "sender is neither the agent, the buyer nor a system sender",
            "write 客服 or 买家 (or the agent's / buyer's account name) as the sender, or "
            f"add it to [inputs] system_senders (now: {senders})",
        ),
    ]


def _session_base(lf: pl.LazyFrame, found: Mapping[str, _Column]) -> pl.LazyFrame:
    parsers = {n: DATETIME_PARSER for n in ("start_time", "end_time") if n in found}
    parsers |= {n: SECONDS_PARSER for n in ("first_response_s", "avg_response_s") if n in found}
    return _with_parsed(lf, parsers)


def _session_frame(
    base: pl.LazyFrame, found: Mapping[str, _Column], row_problem: pl.Expr
) -> pl.LazyFrame:
    rating = pl.col("rating") if "rating" in found else pl.lit(None, dtype=pl.String)
    return base.select(
        "agent",
        "buyer",
        pl.col(_parsed("start_time")).alias("start_time"),
        _optional(found, "end_time", DATETIME),
        _optional(found, "first_response_s", pl.Float64),
        _optional(found, "avg_response_s", pl.Float64),
        rating.alias("rating"),
        "line",
        row_problem,
    )


def _session_checks(
    display: str, base: pl.LazyFrame, found: Mapping[str, _Column]
) -> list[ProblemCheck]:
    checks = [
        _empty_check(display, base, [found[n] for n in SESSION_REQUIRED]),
        # end_time is kept for whoever reads it but checked by nothing: pay never uses a
        # session's end, and validating it would parse it for every row of every month.
        _datetime_check(display, base, [found["start_time"]]),
    ]
    durations = [found[n] for n in ("first_response_s", "avg_response_s") if n in found]
    if durations:  # optional columns: no check at all when the export has neither
        checks.append(
            _cell_check(
                display,
                base,
                durations,
                _invalid,
                "not a number of seconds",
                "write the duration in seconds, e.g. 15 or 15.5, or leave it empty",
            )
        )
    return checks


def _is_agent() -> pl.Expr:
    sender = pl.col("sender")
    return sender.str.to_lowercase().is_in(AGENT_SENDERS) | (sender == pl.col("agent"))


def _is_buyer() -> pl.Expr:
    sender = pl.col("sender")
    return sender.str.to_lowercase().is_in(BUYER_SENDERS) | (sender == pl.col("buyer"))


def _is_system(rules: MessageRules) -> pl.Expr:
    lowered = [s.strip().lower() for s in rules.system_senders]
    return pl.col("sender").str.to_lowercase().is_in(lowered)


def _message_kinds(rules: MessageRules) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """(agent answer, buyer message, excluded) for each line, never null.

    A system sender wins over everything (its lines are dropped); an agent line matching an
    auto-reply pattern is excluded; a line that is both the agent's and the buyer's (a
    sender written like both) counts as the agent's, as before."""
    system = _is_system(rules).fill_null(False)
    agent = ~system & _is_agent().fill_null(False)
    buyer = ~system & ~agent & _is_buyer().fill_null(False)
    auto = pl.lit(False)
    if rules.auto_reply_patterns:
        pattern = "|".join(f"(?:{p})" for p in rules.auto_reply_patterns)
        auto = agent & pl.col("content").str.contains(pattern).fill_null(False)
    return agent & ~auto, buyer, system | auto


def sessions_from_messages(
    messages: pl.LazyFrame,
    gap_minutes: int = 10,
    *,
    rules: MessageRules | None = None,
    row_problem: pl.Expr | None = None,
) -> pl.LazyFrame:
    """Message rows (line, agent, buyer, sender, time__parsed[, content]) → session rows.

    Lines of system senders and auto-replies are dropped first (``rules``); what is left is
    sorted once by (agent, buyer) as an integer pair key, time, line, so file order breaks
    ties. A session starts at a pair's first line or after a silence ≥ ``gap_minutes``.

    A reply is an agent line after one or more buyer lines of the same session; its gap is
    measured from the *first* of those buyer lines (how long the buyer waited, as 千牛 counts
    it). Per session: first_response_s (the first reply's gap), avg_response_s (the mean
    gap), replies, slow_responses (gaps > rules.slow_response_s), agent_messages,
    buyer_messages. Everything is shifts, cumulative sums and one group_by over the sorted
    frame: no Python per row, one lazy plan.

    ``row_problem`` (the OR of the file's per-row checks, see ProblemCheck) is carried as
    the session's ``row_problem``; flagged lines are never dropped, so a bad file always
    shows at least one flagged session and its checks run."""
    if gap_minutes <= 0:
        raise ValueError("session_gap_minutes must be positive")
    rules = rules or MessageRules()
    answer, buyer_line, excluded = _message_kinds(rules)
    bad = (row_problem if row_problem is not None else pl.lit(False)).fill_null(False)
    to_us = 1_000_000
    lf = (
        messages.with_columns(bad.alias("__bad"))
        .filter(~excluded | pl.col("__bad"))
        .select(
            pl.col("line").cast(pl.UInt32),  # 4 bytes a line: tens of millions are held twice
            pl.col("agent").cast(pl.Categorical),
            pl.col("buyer").cast(pl.Categorical),
            pl.col(_parsed("time")).cast(pl.Int64).alias("__t"),  # µs since the epoch
            answer.alias("__a"),
            buyer_line.alias("__b"),
            "__bad",
        )
        .with_columns(_pair_key().alias("__pair"))
    )
    lf = _sorted_when_collected(lf, ["__pair", "__t", "line"])
    t, a, b, new = pl.col("__t"), pl.col("__a"), pl.col("__b"), pl.col("__new")
    same = (pl.col("__pair") == pl.col("__pair").shift(1)) & (
        t - t.shift(1) < gap_minutes * 60 * to_us
    )
    # The first buyer line of a run (the session's start, or right after an agent line)
    # starts the wait; an agent line ends it (-1: nobody waiting). Forward-filled, the row
    # before an agent line holds when the buyer started waiting.
    first_of_run = b & (new | a.shift(1).fill_null(False))
    waiting = pl.when(first_of_run).then(t).when(a | new).then(pl.lit(-1, dtype=pl.Int64))
    since = pl.col("__waiting").shift(1)
    lf = (
        lf.with_columns(__new=~same.fill_null(False))
        .with_columns(__session=new.cast(pl.UInt32).cum_sum(), __waiting=waiting.forward_fill())
        .with_columns(__reply=pl.when(a & ~new & (since >= 0)).then(t - since))
    )
    reply = pl.col("__reply")
    sessions = lf.group_by("__session").agg(
        pl.col("agent").first(),
        pl.col("buyer").first(),
        t.min().alias("start_time"),
        t.max().alias("end_time"),
        reply.drop_nulls().first().alias("first_response_s"),
        reply.mean().alias("avg_response_s"),
        pl.col("line").first(),
        a.sum().alias("agent_messages"),
        b.sum().alias("buyer_messages"),
        reply.count().alias("replies"),
        (reply > rules.slow_response_s * to_us).sum().alias("slow_responses"),
        pl.col("__bad").any().alias(ROW_PROBLEM),
    )
    counts = ("agent_messages", "buyer_messages", "replies", "slow_responses")
    return sessions.select(
        pl.col("agent").cast(pl.String),
        pl.col("buyer").cast(pl.String),
        pl.col("start_time").cast(DATETIME),
        pl.col("end_time").cast(DATETIME),
        (pl.col("first_response_s") / to_us).cast(pl.Float64),
        (pl.col("avg_response_s") / to_us).cast(pl.Float64),
        pl.lit(None, dtype=pl.String).alias("rating"),
        pl.col("line").cast(pl.Int64),
        *(pl.col(c).cast(pl.Int64) for c in counts),
        ROW_PROBLEM,
    )


def _sorted_when_collected(lf: pl.LazyFrame, by: list[str]) -> pl.LazyFrame:
    """``lf`` sorted by ``by`` (nulls first), still lazy, but sorted as a whole frame
    rather than by the streaming engine, whose sort on several keys takes four times as
    long (50M message lines: about 15 s of a 44 s month)."""
    return lf.map_batches(lambda frame: frame.sort(by, nulls_last=False), streamable=False)


def _pair_key() -> pl.Expr:
    """(agent, buyer) as one UInt64: the categorical codes side by side. Sorting on it is
    much cheaper than on two strings; the codes' order is arbitrary but only groups pairs."""
    agent = pl.col("agent").to_physical().cast(pl.UInt64)
    buyer = pl.col("buyer").to_physical().cast(pl.UInt64)
    return agent * (1 << 32) + buyer


# --------------------------------------------------------------------------- orders


def load_orders(
    path: Path, *, work_dir: Path, column_map: Mapping[str, str] | None = None
) -> tuple[pl.LazyFrame, list[ProblemCheck]]:
    """orders.csv (Taobao ExportOrderList or canonical English) → lazy orders + row checks."""
    display = str(path)
    readable = ensure_utf8(path, work_dir, display=display)
    header = _read_header(readable, display)
    found, problems, _ = _resolve_columns(header, ORDER_ALIASES, column_map, display)
    problems += _missing(display, found, ORDER_REQUIRED, ORDER_ALIASES)
    if problems:
        raise InputError(problems)
    wanted = [found[n] for n in ORDER_ALIASES if n in found]
    money = [n for n in ("paid_amount", "refund_amount") if n in found]
    parsers = {n: DATETIME_PARSER for n in ("created_at", "paid_at")}
    parsers |= {n: MONEY_PARSER for n in money}
    base = _with_parsed(_scan(readable, header, wanted), parsers)
    base = base.with_columns(_id_expr("order_id").alias(_parsed("order_id")))
    refund = (
        pl.col(_parsed("refund_amount")).fill_null(pl.lit(0, dtype=PAY))
        if "refund_amount" in found
        else pl.lit(0, dtype=PAY)
    )
    required = [found[n] for n in ("order_id", "buyer", "created_at", "paid_amount", "status")]
    checks = [
        _empty_check(display, base, required),
        _datetime_check(display, base, [found["created_at"], found["paid_at"]]),
        _cell_check(
            display,
            base,
            [found[n] for n in money],
            _invalid,
            "not an amount of money (at most 2 decimals)",
            "write the amount like 128.00 or re-export the order report",
        ),
        _duplicate_order_check(display, base, found["order_id"]),
    ]
    orders = base.select(
        pl.col(_parsed("order_id")).alias("order_id"),
        "buyer",
        pl.col(_parsed("created_at")).alias("created_at"),
        pl.col(_parsed("paid_at")).alias("paid_at"),
        pl.col(_parsed("paid_amount")).alias("paid_amount"),
        "status",
        refund.alias("refund_amount"),
        "line",
        _row_problem(checks),
    )
    return orders, checks


# --------------------------------------------------------------------------- period


def _export(folder: Path, name: str) -> Path:
    """chats.csv, or chats.parquet when the folder has that instead (orders likewise):
    a team that keeps its exports in Parquet need not write them back to CSV."""
    csv_path = folder / name
    parquet = csv_path.with_suffix(".parquet")
    if not csv_path.exists() and name != "agents.csv" and parquet.is_file():
        return parquet
    return csv_path


def _period_month(folder: Path, month: tuple[int, int] | None) -> tuple[int, int]:
    """(year, month) from the ``month=`` argument, else from a folder named YYYY-MM."""
    if month is not None:
        year, mon = month
    else:
        match = re.fullmatch(r"(\d{4})-(\d{2})", folder.name)
        if match is None:
            raise InputError.single(
                str(folder),
                "the folder name is not a month (YYYY-MM) — rename it like 2026-10 or pass "
                "the month explicitly (--month 2026-10)",
                code="D100",
            )
        year, mon = int(match[1]), int(match[2])
    if not 1 <= mon <= 12:
        raise InputError.single(
            str(folder), f"month {mon} is not 1–12 — use YYYY-MM like 2026-10", code="D100"
        )
    return year, mon


def load_period(
    folder: Path,
    *,
    work_dir: Path,
    column_map: dict[str, str] | None = None,
    month: tuple[int, int] | None = None,
    session_gap_minutes: int = 10,
    roster_fields: Sequence[str] = (),
    message_rules: MessageRules | None = None,
) -> Period:
    """Read a period folder: roster eagerly, chats and orders lazily with their row checks.

    All file-level problems of all three files are gathered into one InputError, so one run
    shows everything that must be fixed before the month can be computed.
    """
    folder, work_dir = Path(folder), Path(work_dir)
    if not folder.is_dir():
        message = "no such folder — give the month's folder (agents.csv, chats.csv, orders.csv)"
        raise InputError.single(str(folder), message, code="D101")
    problems: list[Diagnostic] = []
    files = {logical: _export(folder, name) for logical, name in FILES.items()}
    try:
        year, mon = _period_month(folder, month)
    except InputError as exc:
        problems += exc.diagnostics
    for path in files.values():
        if not path.is_file():
            problems.append(
                Diagnostic(
                    file=str(path),
                    code="D101",
                    message=f"file not found — put {path.name} in {folder}",
                )
            )
    if problems:
        raise InputError(problems)

    roster: pl.DataFrame | None = None
    chats: tuple[pl.LazyFrame, ChatFormat, list[ProblemCheck]] | None = None
    orders: tuple[pl.LazyFrame, list[ProblemCheck]] | None = None
    try:
        roster = load_roster(
            files["agents"], work_dir=work_dir, column_map=column_map, extra_fields=roster_fields
        )
    except InputError as exc:
        problems += exc.diagnostics
    try:
        chats = load_chats(
            files["chats"],
            work_dir=work_dir,
            column_map=column_map,
            session_gap_minutes=session_gap_minutes,
            message_rules=message_rules,
        )
    except InputError as exc:
        problems += exc.diagnostics
    try:
        orders = load_orders(files["orders"], work_dir=work_dir, column_map=column_map)
    except InputError as exc:
        problems += exc.diagnostics
    if problems or roster is None or chats is None or orders is None:
        raise InputError(problems)
    chat_frame, chat_format, chat_checks = chats
    order_frame, order_checks = orders
    return Period(
        folder=folder,
        year=year,
        month=mon,
        roster=roster,
        chats=chat_frame,
        chat_format=chat_format,
        orders=order_frame,
        checks=[*chat_checks, *order_checks],
        files=files,
    )
