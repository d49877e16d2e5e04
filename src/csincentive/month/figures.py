"""The month's per-agent figures from chats + orders: the exports parsed once (and kept
between runs), then every order credited to a chat.

Two stages, each one Polars plan collected once:

* parse — each export read in one streaming pass with its row checks, keeping per session
  only what attribution needs and summing the rest per account (before, in and after the
  month). A repeat run of the same files and month starts from the frames the first run
  kept (sources/cache.py).
* attribute — the month's chat figures and attribution, the two passes over the big
  frames.

What the pay stages read of the result is :class:`AgentFigures`; a per-agent report (赤兔,
生意参谋) gives the same without orders to credit (month.report_figures), and one beside the
raw exports is compared with them (month.report_compare). ``month_figures`` makes the
figures from whichever source the folder has.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import polars as pl

from csincentive.core.diagnostics import Diagnostic, InputError, errors_only
from csincentive.core.month import Month
from csincentive.month.accounts import NOTHING_IGNORED, IgnoredAccounts, account_diagnostics
from csincentive.month.attribution import attribute_orders, buyer_key, resolve_accounts
from csincentive.month.metrics import (
    added_sums,
    chat_sums,
    month_chat_metrics,
    reconciliation,
    sales_metrics,
    unknown_agents,
)
from csincentive.month.report_compare import report_differences
from csincentive.month.report_figures import report_figures, report_rows
from csincentive.rules.model import Attribution, RuleSet
from csincentive.sources.agent_report import AgentReport
from csincentive.sources.cache import parsed_cache
from csincentive.sources.chats import ChatFormat
from csincentive.sources.folder import ChatsAndOrders, FromReport, MonthInputs
from csincentive.sources.parsing import ROW_PROBLEM, ProblemCheck, unreadable

if TYPE_CHECKING:
    from csincentive.ledger.store import Ledger

# Chats are held as what attribution and distinct buyers need: the account (an Enum code,
# see resolve_accounts), the buyer only as a 64-bit hash (buyer_key) and the start. Every
# other per-session figure is summed per account as the export is read
# (metrics.chat_sums), so tens of millions of sessions cost 20 bytes each in memory.
CHAT_COLUMNS = ["agent_key", "buyer_key", "start_time"]
# Orders keep only what attribution, metrics, the ledger and the per-order file read (the
# buyer as written and the status only for the per-order file: the ledger leaves them out).
ORDER_INPUT_COLUMNS = [
    "order_id",
    "buyer",
    "buyer_key",
    "status",
    "created_at",
    "paid_at",
    "paid_amount",
    "refund_amount",
    "line",
]


class AgentFigures(Protocol):
    """What the pay stages read of the month's per-agent figures, whatever source they
    were made from."""

    @property
    def chat_stats(self) -> pl.DataFrame:
        """Per agent_key: sessions, inquiring_buyers, response times, messages …"""
        ...

    @property
    def orders(self) -> pl.DataFrame:
        """Every order with its outcome and agent_key, in file order (none from a report)."""
        ...

    def sales_stats(self) -> pl.LazyFrame:
        """Per agent_key: orders, paying_buyers, sales, refunds."""
        ...

    def audit_plans(self) -> tuple[pl.LazyFrame, pl.LazyFrame]:
        """(reconciliation, unknown accounts): collected together with the pay."""
        ...

    def warnings(
        self, reconciled: pl.DataFrame, unknown: pl.DataFrame, people: pl.DataFrame
    ) -> list[Diagnostic]:
        """What to tell the user about these figures, once the audits are collected and
        ``people`` (every person's figures) computed. Raises InputError when they cannot
        be paid as they are (an account not in the roster won orders: D301, D843)."""
        ...


def month_figures(
    inputs: MonthInputs,
    rules: RuleSet,
    rules_file: Path,
    progress: Callable[[str], None],
    *,
    recording: Ledger | None = None,
) -> AgentFigures:
    """The month's per-agent figures under ``rules`` from the folder's source: a per-agent
    report as it is, or chats + orders parsed (see parse_exports) and attributed, with a
    report beside them compared within [inputs] report_tolerance. The ledger the month is
    about to be recorded in, if any, starts hashing the inputs once they are read."""
    listed = tuple(rules.inputs.ignore_accounts)
    ignoring = IgnoredAccounts(listed, rules_file, rules.files)
    read = (lambda: recording.hash_early(list(inputs.files.values()))) if recording else None
    if isinstance(inputs.figures, FromReport):
        if read is not None:
            read()
        return report_figures(inputs.figures.report, inputs.roster, ignoring)
    # What parsing depends on: not ignore_accounts (attribution) nor report_tolerance (the
    # comparison with a report), so the rerun that follows a D301 finds the exports parsed.
    exclude = {"ignore_accounts", "report_tolerance"}
    settings = f"{rules.inputs.model_dump_json(exclude=exclude)} {inputs.month}"
    parsed = parse_exports(inputs, settings, progress)
    if read is not None:
        read()
    tolerance = rules.inputs.report_tolerance
    return attribute(parsed, inputs, rules.attribution, progress, ignoring, tolerance)


# --------------------------------------------------------------------------- parse


@dataclass(frozen=True)
class ParsedExports:
    """The exports parsed with every row validated: the chats (CHAT_COLUMNS), their sums
    per account and relative month (metrics.chat_sums), the orders (ORDER_INPUT_COLUMNS)
    in file order."""

    chats: pl.DataFrame
    sums: pl.DataFrame
    orders: pl.DataFrame


def parse_exports(
    inputs: MonthInputs, settings: str, progress: Callable[[str], None]
) -> ParsedExports:
    """The parsed exports, from the cache when this month was read before with these
    ``settings``; else read (telling ``progress``) and kept for the next run."""
    cache = parsed_cache(inputs.exports, settings)
    required = {
        "chats": CHAT_COLUMNS,
        "sums": ["agent_key", "relative_month"],
        "orders": ORDER_INPUT_COLUMNS,
    }
    cached = cache.load(required) if cache is not None else None
    if cached is not None:
        return ParsedExports(*cached)
    progress(f"reading {_sizes(inputs.exports)} …")
    parsed = read_exports(inputs)
    if cache is not None:
        cache.save_in_background(parsed.chats, parsed.sums, parsed.orders)
    return parsed


def read_exports(inputs: MonthInputs) -> ParsedExports:
    """The chats, their sums per account and the orders, parsed with every row validated,
    in one read of each file."""
    source, files, (year, month) = _raw(inputs), inputs.exports, inputs.month

    # Accounts are few and chats many: the account is read as a categorical (a 32-bit
    # code per chat) and resolved to its agent once per account (resolve_accounts).
    def chats_and_sums(sessions: pl.LazyFrame) -> list[pl.LazyFrame]:
        sessions = sessions.with_columns(pl.col("agent").cast(pl.Categorical), buyer_key())
        chats = sessions.select("agent", "buyer_key", "start_time")
        return [chats, chat_sums(sessions, year, month, account="agent")]

    status = pl.col("status").cast(pl.Categorical)  # a few words, millions of orders
    orders = source.orders.with_columns(buyer_key(), status).select(
        *ORDER_INPUT_COLUMNS, *_flag(source.orders)
    )
    try:
        (chats_df, sums_df), (orders_df,) = source.chats.collect(chats_and_sums, [orders])
    except pl.exceptions.PolarsError as error:  # e.g. a quote never closed
        raise unreadable(files, error) from None
    if source.chats.parts > 1:  # each part's sums, added up (integers: exactly)
        sums_df = added_sums(sums_df, account="agent")
    read = {n: inputs.workbooks[n].copy if n in inputs.workbooks else files[n] for n in files}
    _check_rows(source.checks, read, {"chats": sums_df, "orders": orders_df})
    if not orders_df["line"].is_sorted():  # what the engine read in parallel, in file order
        orders_df = orders_df.sort("line")
    sums_df = sums_df.drop(ROW_PROBLEM, strict=False)
    try:
        chats_df, sums_df = resolve_accounts([chats_df, sums_df], inputs.roster)
    except ValueError as error:  # more accounts than attribution's sort key can rank
        message = f"{error} — split the export by shop or by team and pay each on its own"
        raise InputError.single(str(files["chats"]), message, code="D302") from None
    sums_df = sums_df.sort("agent_key", "relative_month")
    return ParsedExports(chats_df, sums_df, orders_df.drop(ROW_PROBLEM, strict=False))


def _raw(inputs: MonthInputs) -> ChatsAndOrders:
    if not isinstance(inputs.figures, ChatsAndOrders):  # month_figures reads reports itself
        raise TypeError("the month's figures come from a report, not from chats and orders")
    return inputs.figures


def _sizes(files: dict[str, Path]) -> str:
    """ "chats.csv (1.8 GB) and orders.csv (804 MB)": what a long read is reading."""

    def size(path: Path) -> str:
        octets = path.stat().st_size
        if octets >= 1e9:
            return f"{octets / 1e9:.1f} GB"
        return f"{octets / 1e6:.0f} MB" if octets >= 1e6 else f"{max(octets / 1e3, 1):.0f} kB"

    named = [files[name] for name in ("chats", "orders") if name in files]
    return " and ".join(f"{path.name} ({size(path)})" for path in named) or "the exports"


def _flag(frame: pl.LazyFrame) -> list[str]:
    return [ROW_PROBLEM] if ROW_PROBLEM in frame.collect_schema() else []


def _check_rows(
    checks: list[ProblemCheck], files: dict[str, Path], loaded: dict[str, pl.DataFrame]
) -> None:
    """Run the detailed row checks only where the loaded frames say something is wrong
    (or where a check has no per-row flag), then raise with every bad row found. ``files``
    are the files the checks were made on (a workbook's CSV copy)."""
    suspect = []
    for check in checks:
        frame = next(df for name, df in loaded.items() if check.file == str(files[name]))
        if check.flag is not None and ROW_PROBLEM in frame.columns:
            if frame[ROW_PROBLEM].any():
                suspect.append(check)
        elif check.suspect is not None:
            if frame.select(check.suspect).item():
                suspect.append(check)
        else:
            suspect.append(check)
    if suspect:
        _raise_on_problems(suspect, pl.collect_all([c.frame for c in suspect]))


def _raise_on_problems(checks: list[ProblemCheck], frames: list[pl.DataFrame]) -> None:
    diagnostics: list[Diagnostic] = []
    for check, rows in zip(checks, frames, strict=True):
        diagnostics += check.diagnostics(rows)
    if diagnostics:
        raise InputError(diagnostics)


# --------------------------------------------------------------------------- attribute


@dataclass(frozen=True)
class Attributed:
    """The per-agent figures made from chats + orders (an AgentFigures): the month's chat
    figures per account, every order with what became of it, and the chats' sums (for
    the accounts not in the roster, checked against the roster and the accounts the
    rules ignore)."""

    chat_stats: pl.DataFrame
    orders: pl.DataFrame
    sums: pl.DataFrame
    month: Month
    files: dict[str, Path]
    roster: pl.DataFrame
    ignoring: IgnoredAccounts
    chat_format: ChatFormat = "session"
    report: AgentReport | None = None  # beside the exports: compared with their figures
    tolerance: Decimal = Decimal("0.02")

    def sales_stats(self) -> pl.LazyFrame:
        return sales_metrics(self.orders.lazy())

    def audit_plans(self) -> tuple[pl.LazyFrame, pl.LazyFrame]:
        orders = self.orders.lazy()
        return reconciliation(orders), unknown_agents(self.sums.lazy(), orders)

    def warnings(
        self, reconciled: pl.DataFrame, unknown: pl.DataFrame, people: pl.DataFrame
    ) -> list[Diagnostic]:
        chats_file = str(self.files.get("chats", "chats.csv"))
        accounts = account_diagnostics(unknown, self.roster, chats_file, self.ignoring)
        if errors_only(accounts):  # with the accounts' warnings: a mistyped ignore explains one
            raise InputError(sorted(accounts, key=lambda d: d.severity != "error"))
        empty = _empty_month_warnings(self.files, self.month, self.sums, reconciled)
        if self.report is None:
            return accounts + empty
        rows = report_rows(self.report, self.roster, self.ignoring.accounts)
        compared = report_differences(self.report, rows, people, self.chat_format, self.tolerance)
        return accounts + empty + compared


def attribute(
    parsed: ParsedExports,
    inputs: MonthInputs,
    settings: Attribution,
    progress: Callable[[str], None],
    ignoring: IgnoredAccounts = NOTHING_IGNORED,
    tolerance: Decimal = Decimal("0.02"),
) -> Attributed:
    """The month's chat figures, and every order credited to a chat or not (attribution);
    orders won by an account ``ignoring`` lists are ignored_account. A report beside the
    exports is compared with them within ``tolerance`` (report_compare)."""
    year, month = inputs.month
    progress(f"attributing {parsed.orders.height:,} orders to {parsed.chats.height:,} chats …")
    chats = parsed.chats.lazy()
    chat_stats = month_chat_metrics(
        parsed.sums.lazy(), chats.rename({"buyer_key": "buyer"}), year, month
    ).collect()
    orders = attribute_orders(
        parsed.orders.lazy(),
        chats,
        year=year,
        month=month,
        window_days=settings.window_days,
        judge_by=settings.judge_by,
        ignored=ignoring.keys,
    ).collect()
    source = _raw(inputs)
    return Attributed(
        chat_stats,
        orders,
        parsed.sums,
        inputs.month,
        inputs.exports,
        inputs.roster,
        ignoring,
        source.chat_format,
        source.report,
        tolerance,
    )


def _empty_month_warnings(
    files: dict[str, Path], month: Month, sums: pl.DataFrame, reconciled: pl.DataFrame
) -> list[Diagnostic]:
    """Exports with rows, none of them in the month paid: most likely the wrong export or
    the wrong --month, and every payslip would be short without a word. (An export with
    no rows at all is left alone: a scheme without sales ships an empty orders.csv.)"""
    check = "check that the export covers the month paid, or pay the month it covers (--month)"
    out = []
    sessions = int(sums["sessions"].sum())
    if sessions and not int(sums.filter(pl.col("relative_month") == 0)["sessions"].sum()):
        message = f"none of its {sessions:,} sessions starts in {month} — {check}"
        out.append(_warning(files, "chats", message, "W302"))
    counts = dict(zip(reconciled["outcome"], reconciled["orders"], strict=True))
    in_month = sum(
        counts.get(o, 0) for o in ("credited", "ignored_account", "silent", "outside_window")
    )
    if counts.get("other_month", 0) and not in_month:
        message = f"none of its {counts['other_month']:,} paid orders falls in {month} — {check}"
        out.append(_warning(files, "orders", message, "W303"))
    return out


def _warning(files: dict[str, Path], name: str, message: str, code: str) -> Diagnostic:
    path = str(files.get(name, f"{name}.csv"))
    return Diagnostic(path, message, code=code, severity="warning")
