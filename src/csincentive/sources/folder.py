"""A period folder (``examples/2026-10/``) → :class:`MonthInputs`, in one call.

The folder holds ``agents.csv`` (the roster), the exports the per-agent figures are made
from — ``chats.csv`` and ``orders.csv`` (the Taobao 订单报表 as downloaded), read by
:class:`ChatsAndOrders`, or a per-agent report ``agent_report.xlsx`` (赤兔 / 生意参谋), read
by :class:`FromReport`; with both, the figures are made from the chats and orders and the
report is read beside them to be compared — and the optional small files the rules use
(attendance, events, manual figures). Problems come back in two tiers:

* file-level problems (missing file or column, unknown roster column, ambiguous chat
  format…) and every roster row problem raise one :class:`InputError` listing everything;
* row-level problems in the big exports stay lazy as :class:`ProblemCheck` frames, so the
  month collects them together with its main plan and the files are not read twice just
  to validate them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

import polars as pl

from csincentive.core.diagnostics import Diagnostic, InputError
from csincentive.core.month import Month
from csincentive.core.names import RosterFieldType
from csincentive.sources.agent_report import AgentReport, read_agent_report, report_path
from csincentive.sources.chats import CHAT_ALIASES, ChatFormat, load_chat_sessions
from csincentive.sources.detect import report_by_content, unnamed_inputs
from csincentive.sources.extras import NO_EXTRAS, Extras, ExtrasWanted, read_extras
from csincentive.sources.message_parts import ChatSessions
from csincentive.sources.messages import MessageRules
from csincentive.sources.orders import MAX_AMOUNT, ORDER_ALIASES, load_orders
from csincentive.sources.parsing import ProblemCheck
from csincentive.sources.roster import ROSTER_OPTIONAL, ROSTER_REQUIRED, load_roster
from csincentive.sources.statutory import STATUTORY_DTYPES
from csincentive.sources.workbook import SheetCopy, Workbooks, input_file, located, relocated

FILES = {"agents": "agents.csv", "chats": "chats.csv", "orders": "orders.csv"}
WHAT = {"agents": "a roster", "chats": "a chat export", "orders": "an order export"}
# The per-agent figures made from orders (an orders.csv with only its header makes them 0);
# every other figure but late_refunds (earlier months' orders) is made from chats, and so
# are these, since an order counts only when it is credited to a chat.
ORDER_FIGURES = frozenset(
    {"paying_buyers", "orders", "conversion", "sales", "refunds", "net_sales"}
    | {"refund_rate", "avg_order_value", "late_refunds"}
)

T = TypeVar("T")


@dataclass(frozen=True)
class Reading:
    """How to read a period folder: the rules file's [inputs] (header mappings, the extra
    roster fields and their types, how a message-level chat export becomes sessions, the
    largest amount an order may have)."""

    column_map: Mapping[str, str] = field(default_factory=dict)
    session_gap_minutes: int = 10
    roster_fields: Mapping[str, RosterFieldType] = field(default_factory=dict)
    message_rules: MessageRules = MessageRules()
    max_amount: Decimal = MAX_AMOUNT
    statutory: bool = False  # [statutory] is on: agents.csv may hold the net-pay columns
    # [inputs] sheet: the sheet of every workbook, or one per file ({ agents = "工资表" })
    sheet: str | Mapping[str, str] | None = None

    def known(self, name: str) -> list[str]:
        """The headers the reader of input ``name`` knows (to find a workbook's header)."""
        tables = {"chats": CHAT_ALIASES, "orders": ORDER_ALIASES}
        if name == "agents":
            names = [*ROSTER_REQUIRED, *ROSTER_OPTIONAL, *self.roster_fields, *STATUTORY_DTYPES]
        else:
            table = tables.get(name, {})
            names = [*table, *(a for aliases in table.values() for a in aliases)]
        return [*names, *self.column_map]


@dataclass
class ChatsAndOrders:
    """The per-agent figures' source when they are made from the raw exports: the chat
    sessions and the order report, both lazy with their row checks. The month credits
    each order to a chat (attribution) and counts per agent from both. A per-agent report
    in the folder as well is ``report``: the month compares its figures with its own."""

    chats: ChatSessions
    chat_format: ChatFormat
    orders: pl.LazyFrame
    checks: list[ProblemCheck] = field(default_factory=list)
    files: dict[str, Path] = field(default_factory=dict)  # chats, orders
    report: AgentReport | None = None


@dataclass
class FromReport:
    """The per-agent figures' source when a per-agent report (赤兔 售前绩效, 生意参谋
    客服绩效 / 客服销售) is the month's only export: each agent's figures as the report
    gives them, no orders to credit."""

    report: AgentReport

    @property
    def files(self) -> dict[str, Path]:
        return {"agent_report": self.report.file}


# Every kind of source the per-agent figures can come from.
PerAgentSource = ChatsAndOrders | FromReport


@dataclass
class MonthInputs:
    """Everything one month is paid from: the roster, the per-agent figures' source, the
    optional small files, and which files were read (for the ledger's hashes)."""

    folder: Path
    month: Month
    roster: pl.DataFrame
    roster_file: Path
    figures: PerAgentSource
    extras: Extras
    # The workbooks read, each as the CSV copy its reader read (by logical name), and what
    # reading them found to say (W400: summary rows left out).
    workbooks: dict[str, SheetCopy] = field(default_factory=dict)
    notes: list[Diagnostic] = field(default_factory=list)

    def located(self, diagnostics: Sequence[Diagnostic]) -> list[Diagnostic]:
        """Diagnostics of a workbook's rows at their sheet cells (agents.xlsx:工资表!C12)."""
        return located(diagnostics, self.workbooks)

    @property
    def exports(self) -> dict[str, Path]:
        """The roster and the exports the per-agent figures are read from."""
        return {"agents": self.roster_file, **self.figures.files}

    @property
    def files(self) -> dict[str, Path]:
        """Every file read, by logical name: roster, exports, a report compared with them,
        then the small files."""
        figures, beside = self.figures, {}
        if isinstance(figures, ChatsAndOrders) and figures.report is not None:
            beside = {"agent_report": figures.report.file}
        return {**self.exports, **beside, **self.extras.files}


def read_month(
    folder: Path,
    reading: Reading = Reading(),
    *,
    work_dir: Path,
    month: tuple[int, int] | None = None,
    extras_wanted: Callable[[Month], ExtrasWanted] = lambda month: NO_EXTRAS,
) -> MonthInputs:
    """Read a period folder: roster eagerly, the exports lazily with their row checks,
    then the small files the rules in force use.

    All file-level problems of the roster and the exports are gathered into one
    InputError, so one run shows everything that must be fixed before the month can be
    computed. ``extras_wanted`` is asked once the month is known: which version of the
    rules is in force, and so which small files are read, depends on it."""
    folder, work_dir = Path(folder), Path(work_dir)
    files = _input_files(folder)
    report = report_path(folder)
    # No exports and no agent_report.*: a report kept under the name it was downloaded as.
    by_content = report is None and not any(files[n].is_file() for n in ("chats", "orders"))
    if by_content:
        report = report_by_content(folder, work_dir, reading.column_map)
    when = _month_and_files(
        folder, files, month, report, _renames(folder, files, report, reading, work_dir)
    )
    books = Workbooks(work_dir / "sheets", reading.sheet)
    with relocated(books.copies):
        problems: list[Diagnostic] = []
        readable = _gathered(problems, lambda: _readable(books, files, reading))
        if readable is None:
            raise InputError(problems)
        roster = _gathered(problems, lambda: _roster(readable["agents"], reading, work_dir))
        figures = _gathered(problems, lambda: _figures(readable, report, when, reading, work_dir))
        if problems or roster is None or figures is None:
            raise InputError(problems)
        if isinstance(figures, ChatsAndOrders):  # the workbooks, not the copies read
            figures.files = {"chats": files["chats"], "orders": files["orders"]}
        wanted = extras_wanted(when)
        if isinstance(figures, FromReport):
            empty = figures.report.missing(wanted.figures)
        else:
            empty = header_only(readable, wanted.figures)
        if empty:
            raise InputError(empty)
        extras = read_extras(
            folder, wanted, roster, year=when.year, month=when.month, work_dir=work_dir,
            workbooks=books,
        )  # fmt: skip
    inputs = MonthInputs(folder, when, roster, files["agents"], figures, extras)
    inputs.workbooks, inputs.notes = books.copies, books.summaries()
    if by_content and isinstance(figures, FromReport):
        inputs.notes.append(_found_by_content(figures.report))
    return inputs


def _found_by_content(report: AgentReport) -> Diagnostic:
    """W409: the month was paid from a report recognised by its header, not its name."""
    named = f"agent_report{report.file.suffix.lower()}"
    message = (
        f"read as the month's per-agent report ({report.tool}), known by its header: the "
        f"folder has no chats, orders or agent_report.* — rename it {named} to say so, or "
        "take it out if it is not this month's report"
    )
    return Diagnostic(str(report.file), message, code="W409", severity="warning")


def _input_files(folder: Path) -> dict[str, Path]:
    """Each required input's file (agents, chats, orders): CSV, workbook or Parquet."""
    if not folder.is_dir():
        message = "no such folder — give the month's folder (agents.csv, chats.csv, orders.csv)"
        raise InputError.single(str(folder), message, code="D101")
    return {
        logical: input_file(folder, name, parquet=logical != "agents")
        for logical, name in FILES.items()
    }


def _readable(books: Workbooks, files: Mapping[str, Path], reading: Reading) -> dict[str, Path]:
    """The file each reader reads: the CSV or Parquet file itself, a workbook's CSV copy."""
    problems: list[Diagnostic] = []
    out: dict[str, Path] = {}
    for name, path in files.items():
        got = _gathered(problems, lambda: books.readable(name, path, reading.known(name)))  # noqa: B023
        if got is not None:
            out[name] = got
    if problems:
        raise InputError(problems)
    return out


def header_only(files: Mapping[str, Path], figures: Sequence[str]) -> list[Diagnostic]:
    """D109 for an export with only its header when the rules read figures made from it:
    each would be 0 for everyone, which is what a failed or wrongly filtered export looks
    like. A scheme that reads none (no sales, no chats) ships such a file on purpose."""
    used = {"chats": [n for n in figures if n != "late_refunds"]}
    used["orders"] = [n for n in figures if n in ORDER_FIGURES]
    out = []
    for name in ("chats", "orders"):
        if used[name] and not has_rows(files[name]):
            shown = ", ".join(used[name][:4]) + (" …" if len(used[name]) > 4 else "")
            message = (
                f"has only its header, but the rules read figures made from it ({shown}), "
                f"which would be 0 for everyone — export the month's {name} again"
            )
            out.append(Diagnostic(str(files[name]), message, code="D109", line=1))
    return out


def has_rows(path: Path) -> bool:
    """Anything after the header: a Parquet file's row count (from its footer), or for a
    CSV a byte other than a blank, a comma or a quote after its first line — read from
    the first megabyte only, as a header is never that long."""
    if path.suffix == ".parquet":
        return bool(pl.scan_parquet(path).select(pl.len()).collect().item())
    with path.open("rb") as handle:
        head = handle.read(1 << 20)
        if handle.read(1):
            return True
    rest = re.split(rb"\r\n|\r|\n", head, maxsplit=1)[1:]
    return bool(rest and rest[0].strip(b' \t\r\n,"'))


def _gathered(problems: list[Diagnostic], read: Callable[[], T]) -> T | None:
    """``read()``, or None with its problems added to ``problems``."""
    try:
        return read()
    except InputError as exc:
        problems.extend(exc.diagnostics)
        return None


def _renames(
    folder: Path, files: Mapping[str, Path], report: Path | None, reading: Reading, work_dir: Path
) -> dict[str, Path]:
    """For each required input the folder lacks (the exports only without a report): the
    file there whose header is that input's, kept under another name (detect.unnamed_inputs)."""
    missing = [
        name
        for name, path in files.items()
        if not path.is_file() and (name == "agents" or report is None)
    ]
    return unnamed_inputs(folder, work_dir, missing, reading.column_map) if missing else {}


def _month_and_files(
    folder: Path,
    files: Mapping[str, Path],
    month: tuple[int, int] | None,
    report: Path | None,
    renames: Mapping[str, Path],
) -> Month:
    """The month paid, once the folder and its files are known to be there: the roster,
    and chats + orders unless a per-agent report stands in for both. A missing file that
    another file of the folder is, by its header, is named in the error (``renames``)."""
    if not folder.is_dir():
        message = "no such folder — give the month's folder (agents.csv, chats.csv, orders.csv)"
        raise InputError.single(str(folder), message, code="D101")
    problems: list[Diagnostic] = []
    when = _gathered(problems, lambda: period_month(folder, month))
    exports = [files["chats"], files["orders"]]
    there = [path.is_file() for path in exports]
    for name in FILES:
        path = files[name]
        if path.is_file() or (report is not None and not any(there)):
            continue
        message = f"file not found — put {path.name} in {folder}"
        if name in renames:
            found = renames[name]
            message = (
                f"file not found — {found.name} has the header of {WHAT[name]}: rename it "
                f"{path.stem}{found.suffix.lower()} (or put {path.name} in {folder})"
            )
        if report is not None:
            given = exports[there.index(True)].name
            message = (
                f"file not found — put {path.name} beside {given} to compare them with "
                f"{report.name}, or take {given} out to pay from {report.name} alone"
            )
        problems.append(Diagnostic(file=str(path), code="D101", message=message))
    if problems or when is None:
        raise InputError(problems)
    return when


def _roster(path: Path, reading: Reading, work_dir: Path) -> pl.DataFrame:
    return load_roster(
        path,
        work_dir=work_dir,
        column_map=reading.column_map,
        extra_fields=reading.roster_fields,
        statutory=reading.statutory,
    )


def _figures(
    files: Mapping[str, Path],
    report: Path | None,
    month: Month,
    reading: Reading,
    work_dir: Path,
) -> PerAgentSource:
    """The per-agent figures' source: the report alone, or chats + orders (with the report
    beside them, when the folder has one), every file's problems gathered together."""
    problems: list[Diagnostic] = []
    read = None
    if report is not None:
        read = _gathered(
            problems,
            lambda: read_agent_report(
                report, month, work_dir=work_dir, column_map=reading.column_map
            ),
        )
        if not files["chats"].is_file():
            if read is None:
                raise InputError(problems)
            return FromReport(read)
    raw = _gathered(problems, lambda: _chats_and_orders(files, reading, work_dir))
    if problems or raw is None:
        raise InputError(problems)
    raw.report = read
    return raw


def _chats_and_orders(
    files: Mapping[str, Path], reading: Reading, work_dir: Path
) -> ChatsAndOrders:
    """Both exports, each file's problems gathered with the other's."""
    problems: list[Diagnostic] = []
    chats = _gathered(
        problems,
        lambda: load_chat_sessions(
            files["chats"],
            work_dir=work_dir,
            column_map=reading.column_map,
            session_gap_minutes=reading.session_gap_minutes,
            message_rules=reading.message_rules,
        ),
    )
    orders = _gathered(
        problems,
        lambda: load_orders(
            files["orders"],
            work_dir=work_dir,
            column_map=reading.column_map,
            max_amount=reading.max_amount,
        ),
    )
    if problems or chats is None or orders is None:
        raise InputError(problems)
    (chat_frame, chat_format, chat_checks), (order_frame, order_checks) = chats, orders
    return ChatsAndOrders(
        chats=chat_frame,
        chat_format=chat_format,
        orders=order_frame,
        checks=[*chat_checks, *order_checks],
        files={"chats": files["chats"], "orders": files["orders"]},
    )


def period_month(folder: Path, month: tuple[int, int] | None) -> Month:
    """The month from the ``month=`` argument, else from a folder named YYYY-MM."""
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
    return Month(year, mon)
