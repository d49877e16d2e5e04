"""What a file is, as the readers of a period folder would take it: its format and
encoding, the sheet and header row of a workbook, which reader's columns its header names
(and which it names that no reader knows), how many rows it has and which months its
dates fall in — ``csincentive inspect``'s answer, without paying a month.

Nothing is paid and no row is checked: a file that would stop a month still gets an
answer, with the header problems a reader would raise (a missing column …) listed."""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import polars as pl

from csincentive.core.diagnostics import Diagnostic, InputError
from csincentive.sources.agent_report import PERIOD, REPORT_FILES, SUMMARY_ROWS
from csincentive.sources.attendance import ATTENDANCE_ALIASES, ATTENDANCE_REQUIRED
from csincentive.sources.chats import CHAT_ALIASES, SESSION_REQUIRED
from csincentive.sources.encoding import cr_only, detect_encoding, ensure_utf8, head_text
from csincentive.sources.events import EVENT_ALIASES, EVENT_REQUIRED
from csincentive.sources.headers import missing_columns, norm, read_header, resolve_columns
from csincentive.sources.items import ITEM_ALIASES, is_item_report
from csincentive.sources.manual import MANUAL_ALIASES, MANUAL_REQUIRED
from csincentive.sources.messages import MESSAGE_REQUIRED, QIANNIU_REQUIRED
from csincentive.sources.orders import ORDER_ALIASES, ORDER_REQUIRED
from csincentive.sources.parsing import DATETIME_FORMATS
from csincentive.sources.report_header import HEADER_ROWS, find_header, read_grid
from csincentive.sources.roster import ROSTER_OPTIONAL, ROSTER_REQUIRED
from csincentive.sources.statutory import STATUTORY_DTYPES, YTD_ALIASES
from csincentive.sources.workbook import (
    WORKBOOK_SUFFIXES,
    column_letter,
    csv_copy,
    is_workbook,
    read_sheet,
)

ROSTER_ALIASES: dict[str, tuple[str, ...]] = {
    name: () for name in (*ROSTER_REQUIRED, *ROSTER_OPTIONAL, *STATUTORY_DTYPES)
}
# Each input a file can be, by the file name the period folder gives it.
KINDS: dict[str, tuple[str, Mapping[str, Sequence[str]]]] = {
    "agents": ("roster", ROSTER_ALIASES),
    "chats": ("chats", CHAT_ALIASES),
    "orders": ("orders", ORDER_ALIASES),
    "attendance": ("attendance", ATTENDANCE_ALIASES),
    "events": ("events", EVENT_ALIASES),
    "inputs": ("manual figures", MANUAL_ALIASES),
    "ytd": ("year so far", YTD_ALIASES),
}
TIME_COLUMNS = ("start_time", "time", "created_at", "paid_at", "date")


@dataclass(frozen=True)
class Mapped:
    """One header cell: where it is, as written, and the column it is read as (None: no
    reader of this kind of file knows it)."""

    column: str  # C (a workbook's column) or 3 (a CSV's)
    header: str
    canonical: str | None


@dataclass
class Inspection:
    """What ``inspect_file`` found."""

    file: str
    format: str  # csv, xlsx, xls, parquet
    kind: str  # roster, chats, orders …, or unknown
    variant: str = ""  # 订单报表, 宝贝报表, session export, message export, 千牛 messages …
    encoding: str | None = None
    line_ends: str | None = None
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)
    header_row: int = 1
    header_rows: int = 1
    rows: int = 0
    orders: int | None = None  # a 宝贝报表's orders (its rows are items)
    first: str | None = None  # the earliest and latest date-time read
    last: str | None = None
    months: list[str] = field(default_factory=list)
    columns: list[Mapped] = field(default_factory=list)
    summary_rows: list[int] = field(default_factory=list)
    problems: list[Diagnostic] = field(default_factory=list)

    @property
    def unknown(self) -> list[str]:
        return [c.header for c in self.columns if c.canonical is None and c.header.strip()]

    def as_dict(self) -> dict[str, object]:
        out = asdict(self)
        out["unknown_columns"] = self.unknown
        out["problems"] = [d.as_dict() for d in self.problems]
        return out


def inspect_file(path: Path, column_map: Mapping[str, str] | None = None) -> Inspection:
    """What ``path`` is and what its readers would read of it. Raises InputError only when
    it cannot be opened at all (no file, not a workbook, no header)."""
    path = Path(path)
    if not path.is_file():
        raise InputError.single(
            str(path), "file not found — give a file of a month's folder", code="D101"
        )
    with tempfile.TemporaryDirectory(prefix="csincentive-inspect-") as work:
        return _inspected(path, Path(work), column_map)


def _inspected(path: Path, work: Path, column_map: Mapping[str, str] | None) -> Inspection:
    if path.stem == "agent_report" or _is_report(path, work, column_map):
        return _report(path, work, column_map)
    suffix = path.suffix.lower().lstrip(".")
    found = Inspection(
        str(path), suffix if suffix in ("xlsx", "xlsm", "xls", "parquet") else "csv", "unknown"
    )
    if is_workbook(path):
        sheet = read_sheet(path, known=_all_known())
        copy = csv_copy(sheet, work)
        readable, locate = copy.copy, copy.locate  # a problem at its sheet row
        found.sheet, found.sheets = sheet.name, list(sheet.names)
        found.header_row, found.header_rows = sheet.header_row, sheet.header_rows
        found.summary_rows = list(sheet.summary_rows)
        header = list(sheet.header)
        place = lambda i: sheet.cell(sheet.header_row, i)[: -len(str(sheet.header_row))]  # noqa: E731
    else:
        if path.suffix != ".parquet":
            found.encoding = detect_encoding(path)
            found.line_ends = _line_ends(path)
        readable = ensure_utf8(path, work, display=str(path))
        header = read_header(readable, str(path))
        locate = _as_it_is
        place = lambda i: str(i + 1)  # noqa: E731
    kind, aliases, required = _kind(path, header, column_map)
    resolved = resolve_columns(header, aliases, column_map, str(path))
    found.kind, found.variant = kind, _variant(kind, header, resolved.found)
    found.columns = [
        Mapped(place(i), cell, _canonical(cell, aliases, column_map))
        for i, cell in enumerate(header)
    ]
    problems = resolved.problems + missing_columns(str(path), resolved.found, required, aliases)
    found.problems = [locate(d) for d in problems]
    _count(found, readable, header, {n: c.index for n, c in resolved.found.items()})
    return found


def report_by_content(
    folder: Path, work: Path, column_map: Mapping[str, str] | None = None
) -> Path | None:
    """The one file of ``folder`` that is a per-agent report by its content (生意参谋's
    客服绩效 kept as downloaded, 客服绩效_2026年10月.xlsx), for a month folder with neither
    agent_report.* nor chats or orders; None when none is. Several (D807) stop the month:
    which of them is the month's cannot be guessed. The folder's other inputs, known by
    their names (agents.csv, attendance.xlsx …), and Excel's lock files (~$…) are not
    looked at."""
    # The formats a report is read in by name (not .xlsm): W409 says to rename it so.
    formats = {Path(name).suffix for name in REPORT_FILES}
    candidates = [path for path in _unnamed(folder) if path.suffix.lower() in formats]
    found = [path for path in candidates if _is_report(path, work, column_map)]
    if len(found) > 1:
        names = ", ".join(path.name for path in found)
        message = (
            f"{len(found)} files read as a per-agent report ({names}) and there are no chats "
            "or orders — name the month's agent_report.xlsx (.xls, .csv), or take the others out"
        )
        raise InputError.single(str(folder), message, code="D807")
    return found[0] if found else None


# The inputs a month cannot do without, by the kind of file _kind finds each to be.
REQUIRED_KINDS = {"agents": "roster", "chats": "chats", "orders": "orders"}


def unnamed_inputs(
    folder: Path, work: Path, missing: Sequence[str], column_map: Mapping[str, str] | None = None
) -> dict[str, Path]:
    """For each of the ``missing`` inputs (agents, chats, orders): the one other file of
    ``folder`` whose header is that input's (聊天记录_10月.csv, a chat export kept as
    exported), so the error can say which file to rename. An input two files read as gets
    none: which one is meant cannot be guessed. A per-agent report is not one of them."""
    found: dict[str, list[Path]] = {name: [] for name in missing}
    for path in _unnamed(folder):
        try:
            header = _header(path)
            if _is_report(path, work, column_map):
                continue
        except InputError:  # not readable as any input: nothing to suggest
            continue
        kind = _kind(path, header, column_map)[0]
        for name in missing:
            if REQUIRED_KINDS[name] == kind:
                found[name].append(path)
    return {name: paths[0] for name, paths in found.items() if len(paths) == 1}


def _unnamed(folder: Path) -> list[Path]:
    """The folder's workbooks and CSV files not named as one of its inputs (agents.csv,
    attendance.xlsx …), without Excel's lock files (~$…)."""
    return [
        path
        for path in sorted(folder.iterdir())
        if path.is_file()
        and path.suffix.lower() in (*WORKBOOK_SUFFIXES, ".csv")
        and path.stem.lower() not in KINDS
        and path.stem.lower() != "agent_report"
        and not path.name.startswith(("~$", "."))
    ]


def _header(path: Path) -> list[str]:
    """A file's header as its reader finds it: a workbook's header row, a CSV's first line
    (read from the file's first megabyte: it is only looked at)."""
    if is_workbook(path):
        return list(read_sheet(path, known=_all_known()).header)
    with head_text(path) as text:
        return next(csv.reader(text), [])


def _is_report(path: Path, work: Path, column_map: Mapping[str, str] | None) -> bool:
    """Whether the file is a per-agent report by its content, whatever its name (赤兔's
    售前绩效 saved as chitu-presales.xls): the report's own reader finds a report's header
    in its first rows (report_header.find_header: an account column beside figures), and
    that header names more columns as a report's than any other input's reader would —
    a chat export's 客服 and 首次响应时长 are a report's headers too, its 买家 and 开始时间
    are not. A header naming one figure twice (D831) is a report's, shown with its error."""
    if path.suffix.lower() == ".parquet":
        return False
    try:
        grid = read_grid(path, work, limit=HEADER_ROWS)
        header = find_header(grid, column_map)
    except InputError as error:
        return any(d.code == "D831" for d in error.diagnostics)
    cells = [cell for index in header.rows for cell in grid.rows[index] if cell.strip()]
    other = max(
        len(resolve_columns(cells, aliases, column_map, str(path)).found)
        for _, aliases in KINDS.values()
    )
    return 1 + len(header.figures) > other


def _as_it_is(diagnostic: Diagnostic) -> Diagnostic:
    return diagnostic


def _all_known() -> list[str]:
    names: list[str] = []
    for _, aliases in KINDS.values():
        names += [*aliases, *(a for alias in aliases.values() for a in alias)]
    return [*names, *ITEM_ALIASES["sub_order_id"]]


def _line_ends(path: Path) -> str:
    with path.open("rb") as handle:
        head = handle.read(1 << 20)
    if cr_only(path):
        return "CR"
    return "CRLF" if b"\r\n" in head else "LF"


def _kind(
    path: Path, header: Sequence[str], column_map: Mapping[str, str] | None
) -> tuple[str, Mapping[str, Sequence[str]], Sequence[str]]:
    """The input the file is: by its name in a period folder, else by the reader whose
    columns its header names most."""
    required = {
        "roster": ROSTER_REQUIRED,
        "chats": SESSION_REQUIRED,
        "orders": ORDER_REQUIRED,
        "attendance": ATTENDANCE_REQUIRED,
        "events": EVENT_REQUIRED,
        "manual figures": MANUAL_REQUIRED,
        "year so far": ("agent_id",),
    }
    kind, aliases = KINDS.get(path.stem, (None, None))
    if kind is None or aliases is None:
        scores = {
            k: len(resolve_columns(header, a, column_map, str(path)).found)
            for k, a in KINDS.values()
        }
        best = max(scores, key=lambda k: scores[k])
        if scores[best] == 0:
            return "unknown", {}, ()
        kind, aliases = best, dict(KINDS.values())[best]
    if kind == "orders" and is_item_report(list(header)):
        return kind, ITEM_ALIASES, (*ORDER_REQUIRED, "sub_order_id")
    if kind == "chats":
        found = resolve_columns(header, aliases, column_map, str(path)).found
        if "start_time" not in found and ({"time", "sender", "account"} & set(found)):
            qianniu = "agent" not in found and "account" in found
            return kind, aliases, QIANNIU_REQUIRED if qianniu else MESSAGE_REQUIRED
    return kind, aliases, required[kind]


def _variant(kind: str, header: Sequence[str], found: Mapping[str, object]) -> str:
    if kind == "orders":
        if "sub_order_id" in found:
            return "宝贝报表: items added up to orders"
        written = {norm(h) for h in header}
        if "订单编号" in written:
            later = {"支付单号", "主订单编号", "打款商家金额"} & written
            return "订单报表 (later header)" if later else "订单报表"
        return "canonical columns"
    if kind == "chats":
        if "start_time" in found:
            return "sessions"
        return "千牛 messages, no agent column" if "agent" not in found else "messages"
    return ""


def _canonical(
    cell: str, aliases: Mapping[str, Sequence[str]], column_map: Mapping[str, str] | None
) -> str | None:
    table = {norm(a): name for name, names in aliases.items() for a in (name, *names)}
    table.update({norm(k): v for k, v in (column_map or {}).items() if v in aliases})
    return table.get(norm(cell))


def _count(found: Inspection, readable: Path, header: Sequence[str], at: Mapping[str, int]) -> None:
    """Rows (blank ones not counted), a 宝贝报表's orders, the date-times' span."""
    if readable.suffix == ".parquet":
        frame = pl.read_parquet(readable).select(pl.all().cast(pl.String))
    else:
        frame = pl.read_csv(
            readable, infer_schema=False, has_header=True, truncate_ragged_lines=True,
            new_columns=[f"_c{i}" for i in range(len(header))],
        )  # fmt: skip
    cells = frame.select(pl.all().str.strip_chars().replace("", None))
    rows = cells.filter(pl.any_horizontal(pl.all().is_not_null()))
    found.rows = rows.height
    if "sub_order_id" in at and "order_id" in at:
        found.orders = (
            rows.get_column(rows.columns[at["order_id"]]).str.strip_chars('="').n_unique()
        )
    times = [rows.columns[at[n]] for n in TIME_COLUMNS if n in at]
    if not times or not rows.height:
        return
    formats = (*DATETIME_FORMATS, "%Y-%m-%d", "%Y/%m/%d")
    parsed = (
        pl.concat_list(
            pl.coalesce(pl.col(c).str.strptime(pl.Datetime("us"), f, strict=False) for f in formats)
            for c in times
        )
        .explode()
        .drop_nulls()
    )
    span = rows.select(
        parsed.min().alias("first"),
        parsed.max().alias("last"),
        parsed.dt.strftime("%Y-%m").unique().sort().implode().alias("months"),
    )
    first, last, months = span.row(0)
    if first is not None:
        found.first, found.last = str(first), str(last)
        found.months = list(months)


def _report(path: Path, work: Path, column_map: Mapping[str, str] | None) -> Inspection:
    """A per-agent report (agent_report.xlsx, or any file _is_report finds one): described
    as its own reader finds it (sources.report_header) — the tool that wrote it, the header
    rows, each figure's column, the period in its title, the summary rows it leaves out."""
    grid = read_grid(path, work)
    header = find_header(grid, column_map)
    suffix = path.suffix.lower().lstrip(".")
    found = Inspection(str(path), suffix, "agent report", header.tool, sheet=grid.sheet)
    if grid.sheet is None:
        found.encoding, found.line_ends = detect_encoding(path), _line_ends(path)
    found.header_row, found.header_rows = grid.lines[header.rows[-1]], len(header.rows)
    place = (lambda i: column_letter(i + 1)) if grid.sheet else (lambda i: str(i + 1))  # noqa: E731
    written = {header.account[0]: header.account[1]}
    written |= {i: text for i, text in header.figures.values()}
    read = {header.account[0]: "agent"} | {i: name for name, (i, _) in header.figures.items()}
    rows = [grid.rows[i] for i in header.rows]
    for index in range(max(len(row) for row in rows)):
        cells = [row[index].strip() for row in rows if index < len(row) and row[index].strip()]
        text = written.get(index, cells[-1] if cells else "")
        if text or index in read:
            found.columns.append(Mapped(place(index), text, read.get(index)))
    for index in range(header.first_data_row, len(grid.rows)):
        row = grid.rows[index]
        first = next((c.strip() for c in row if c.strip()), "")
        account = row[header.account[0]].strip() if header.account[0] < len(row) else ""
        if first in SUMMARY_ROWS or account in SUMMARY_ROWS:
            found.summary_rows.append(grid.lines[index])
        elif account:
            found.rows += 1
    title = " ".join(cell for row in grid.rows[: header.rows[0]] for cell in row)
    period = PERIOD.search(title)
    if period:
        y1, m1, d1, y2, m2, d2 = (int(n) for n in period.groups())
        found.first, found.last = f"{y1}-{m1:02d}-{d1:02d}", f"{y2}-{m2:02d}-{d2:02d}"
        found.months = sorted({f"{y1}-{m1:02d}", f"{y2}-{m2:02d}"})
    return found
