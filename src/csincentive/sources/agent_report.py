"""``agent_report.xlsx`` (or ``.xls``, ``.csv``): a per-agent report — 赤兔 售前绩效,
生意参谋 客服绩效 or 客服销售 — as the month's source of each agent's figures, read as
downloaded (docs/inputs.md, "Per-agent reports").

Its rows become one row per account with the month's figure names (sessions,
inquiring_buyers, paying_buyers, conversion, sales, refunds …, see report_header.FIGURES),
so every rules file runs on a report unchanged. On the way:

* title rows and one- or two-row headers are found (report_header);
* summary rows (汇总, 合计, 均值, 平均值, 全店汇总值, 同行同层均值 …) are dropped, and a
  sum row (汇总/汇总值/合计/总计) checks the agents' rows: their amounts and order counts
  must add up to it, or rows are missing (D839);
* a period in the title (统计时间 2026-10-01 至 2026-10-31) must be the month paid (D838);
* a figure still being counted (延迟统计 …) stops the month: download it later (D832);
* every cell is read by its column's kind (report_values), each problem at its cell
  (D833 unreadable, D834 negative, D835 a rate written 45.2 for 45.2%); an account twice
  (D836) or a row of figures without an account (D837) is an error;
* conversion is worked out again from the counts when both are there (the report rounds
  it to hundredths of a percent), else taken as written; refunds are sales − net sales
  when only 净销售额 is given.

Every check runs over whole columns in Polars; only the problems found become messages.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from csincentive.core.diagnostics import Diagnostic, InputError, Severity
from csincentive.core.money import ENGINE, PAY, exact
from csincentive.core.month import Month
from csincentive.sources.parsing import CHECK_ROWS
from csincentive.sources.report_header import ACCOUNT, BY_NAME, Grid, Header, find_header, read_grid
from csincentive.sources.report_values import (
    WHAT,
    Kind,
    bare_rate_above_one,
    cleaned,
    not_final,
    parse,
)

REPORT_FILES = ("agent_report.xlsx", "agent_report.xls", "agent_report.csv")
# A summary row is named in its account cell or its first cell; a sum row checks the rows.
SUM_ROWS = ("汇总", "汇总值", "合计", "总计")
SUMMARY_ROWS = (
    *SUM_ROWS,
    *("均值", "平均值", "平均", "全店汇总值", "全店平均值", "店铺汇总", "全店"),
    *("同行同层优秀", "同行同层均值"),
)
# Summed exactly over the agents, as each order is credited to one of them. (Buyer counts
# are not: a buyer two agents served is one buyer of the shop.)
SUMMED = ("orders", "sales", "refunds", "net_sales")
DAY = r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?"
PERIOD = re.compile(DAY + r"\s*(?:至|到|~|～|-|—|－)\s*" + DAY)
# Figures the month makes from two others the report has.
DERIVED = {
    "conversion": ("paying_buyers", "inquiring_buyers"),
    "net_sales": ("sales", "refunds"),
    "refunds": ("sales", "net_sales"),
    "sales": ("net_sales", "refunds"),
    "refund_rate": ("sales", "refunds"),
    "avg_order_value": ("sales", "orders"),
}


@dataclass(frozen=True)
class AgentReport:
    """A per-agent report, read and checked. ``rows``: ``line``, ``account`` and a column
    per figure the report gives or the month makes from it (see DERIVED), in the report's
    order. ``columns``: each figure the report writes → its header as written and its
    column (``account`` the same of the account's); ``tool`` the report's name (赤兔
    售前绩效 …) and ``short`` the tool's (赤兔)."""

    file: Path
    rows: pl.DataFrame
    columns: dict[str, tuple[str, int]]
    account: tuple[str, int]
    tool: str
    short: str
    grid: Grid

    @property
    def figures(self) -> set[str]:
        """The month's figures this report gives: written, or made from others, and
        late_refunds (which come from the ledger's months, 0 in a report's month)."""
        given = set(self.columns) | {"late_refunds"}
        changed = True
        while changed:
            made = {n for n, (a, b) in DERIVED.items() if a in given and b in given} - given
            given |= made
            changed = bool(made)
        return given

    def label(self, figure: str) -> str:
        """The figure as the report writes it, else as the tool's first header names it."""
        if figure == ACCOUNT:
            return self.account[0]
        if figure in self.columns:
            return self.columns[figure][0]
        return BY_NAME[figure].headers[0] if figure in BY_NAME else figure

    def problem(
        self,
        message: str,
        code: str,
        line: int | None = None,
        figure: str | None = None,
        severity: Severity = "error",
    ) -> Diagnostic:
        """A problem at a row of the report, at the figure's column when it has one."""
        where = {**self.columns, ACCOUNT: self.account}
        column = where[figure][1] if figure in where else None
        path = self.label(figure) if figure else ""
        return self.grid.diagnostic(message, code, line, column, path, severity)

    def missing(self, wanted: Iterable[str]) -> list[Diagnostic]:
        """D841 when the rules read figures the report does not have: each would be 0."""
        lacking = [name for name in wanted if name not in self.figures]
        if not lacking:
            return []
        shown = "; ".join(_needs(name) for name in lacking)
        message = (
            f"the rules read figures this {self.tool} report does not have — {shown} — "
            "download the report with those columns, or pay from chats.csv and orders.csv"
        )
        return [Diagnostic(str(self.file), message, code="D841")]


def _needs(name: str) -> str:
    """A figure the report lacks and the headers that would give it: "net_sales (净销售额,
    or 销售额 and 成功退款金额)"."""
    ways = [" / ".join(BY_NAME[name].headers)] if name in BY_NAME else []
    if name in DERIVED:
        one, other = DERIVED[name]
        ways.append(f"{BY_NAME[one].headers[0]} and {BY_NAME[other].headers[0]}")
    return f"{name} ({', or '.join(ways) or 'no report gives it'})"


def report_path(folder: Path) -> Path | None:
    """The folder's per-agent report, if it has one. Two of them (agent_report.xlsx and
    agent_report.csv) is D805: which one is meant cannot be guessed."""
    found = [folder / n for n in REPORT_FILES if (folder / n).is_file()]
    if len(found) > 1:
        both = " and ".join(p.name for p in found)
        message = f"the folder has {both} for one input — keep one of them"
        raise InputError.single(str(folder), message, code="D805")
    return found[0] if found else None


def read_agent_report(
    path: Path, month: Month, *, work_dir: Path, column_map: Mapping[str, str] | None = None
) -> AgentReport:
    """The report at ``path`` for ``month``, with every problem found in one InputError."""
    grid = read_grid(path, work_dir)
    header = find_header(grid, column_map)
    columns = {name: (written, index) for name, (index, written) in header.figures.items()}
    account = (header.account[1], header.account[0])
    report = AgentReport(path, pl.DataFrame(), columns, account, header.tool, header.short, grid)
    figures = list(columns)
    body = grid.frame(header.first_data_row, header.columns).rename(
        {f"_c{header.account[0]}": ACCOUNT, **{f"_c{i}": n for n, (_, i) in columns.items()}}
    )
    body = body.filter(pl.any_horizontal(pl.col(figures).is_not_null()))  # not a note or blank
    named = pl.col(ACCOUNT).is_in(SUMMARY_ROWS) | pl.col("first_cell").is_in(SUMMARY_ROWS)
    summing = pl.col(ACCOUNT).is_in(SUM_ROWS) | pl.col("first_cell").is_in(SUM_ROWS)
    rows, summaries = body.filter(~named.fill_null(False)), body.filter(summing.fill_null(False))
    problems = _period(report, header, month)
    late = _not_final(report, body, figures)
    if late:  # nothing else of the report can be judged yet
        raise InputError(problems + late)
    values, bad = _values(report, rows)
    sums, bad_sums = _values(report, summaries)
    problems += bad + bad_sums + _accounts(report, values)
    if not problems and values.height == 0:
        message = "has no agent rows under its header — download the report again"
        problems.append(Diagnostic(str(path), message, code="D840"))
    if not problems:
        problems += _sum_check(report, values, sums)
    if problems:
        raise InputError(problems)
    made = _derived(values.drop("first_cell"), set(figures))
    return AgentReport(path, made, columns, account, header.tool, header.short, grid)


# --------------------------------------------------------------------------- checks


def _period(report: AgentReport, header: Header, month: Month) -> list[Diagnostic]:
    """D838 when the title's period (2026-10-01 至 2026-10-31) is not the month paid."""
    for index, row in enumerate(report.grid.rows[: header.rows[0]]):
        found = PERIOD.search(" ".join(row))
        if found is None:
            continue
        numbers = [int(n) for n in found.groups()]
        try:
            start, end = date(*numbers[:3]), date(*numbers[3:])
        except ValueError:  # not a day after all
            continue
        if (start, end) == (month.first_day, month.last_day):
            return []
        message = (
            f"the report covers {start} – {end}, but the month paid is {month} — download "
            f"it for {month.first_day} – {month.last_day}: the whole month, nothing else"
        )
        return [report.grid.diagnostic(message, "D838", report.grid.lines[index])]
    return []


def _long(
    frame: pl.DataFrame, figures: Iterable[str], value: Callable[[str], pl.Expr]
) -> pl.DataFrame:
    """One row per cell: line, figure, text (the cell as read) and value (``value(name)``,
    as text), the figures in the report's order."""
    parts = [
        frame.select(
            "line",
            pl.lit(name).alias("figure"),
            pl.col(f"{name}__text").alias("text"),
            value(name).cast(pl.String).alias("value"),
        )
        for name in figures
    ]
    schema = {"line": pl.Int64, "figure": pl.String, "text": pl.String, "value": pl.String}
    return pl.concat([pl.DataFrame(schema=schema), *parts])


def _not_final(report: AgentReport, body: pl.DataFrame, figures: list[str]) -> list[Diagnostic]:
    """D832 at each cell whose figure is still being counted (延迟统计 …)."""
    text = body.with_columns(pl.col(n).alias(f"{n}__text") for n in figures)
    cells = _long(text, figures, lambda n: not_final(pl.col(n)))
    what = (
        "is not counted yet (赤兔 and 生意参谋 count payments up to 7–8 days after the day) — "
        "download the report again once the month is final, after the 8th of the next month"
    )
    return _cell_problems(report, cells.filter(pl.col("value") == "true"), "D832", what)


def _values(report: AgentReport, rows: pl.DataFrame) -> tuple[pl.DataFrame, list[Diagnostic]]:
    """Each figure's cells read by its kind, with line, first_cell and account; and
    D833 (unreadable), D834 (negative), D835 (a bare rate above 1) at their cells."""
    kinds: dict[str, Kind] = {name: BY_NAME[name].kind for name in report.columns}
    text = rows.with_columns(
        *(pl.col(n).alias(f"{n}__text") for n in kinds),
        *(cleaned(pl.col(n)).alias(n) for n in kinds),
    )
    values = text.with_columns(
        parse(kind, pl.col(n)).alias(f"{n}__value") for n, kind in kinds.items()
    )

    def problem(name: str) -> pl.Expr:
        value, written = pl.col(f"{name}__value"), pl.col(name)
        bare = bare_rate_above_one(written) if kinds[name] == "rate" else pl.lit(False)
        return (
            pl.when(written.is_not_null() & value.is_null())
            .then(pl.lit("D833"))
            .when(value < 0)
            .then(pl.lit("D834"))
            .when(bare)
            .then(pl.lit("D835"))
        )

    cells = _long(values, kinds, problem).filter(pl.col("value").is_not_null())
    problems = []
    for code, say in (
        ("D833", "cannot be read"),
        ("D834", "is below 0 — a count, an amount or a duration is never negative"),
        ("D835", "is not a rate — a rate above 100% is written with its % (45.2%), or as 0.452"),
    ):
        problems += _cell_problems(report, cells.filter(pl.col("value") == code), code, say)
    out = values.select(
        "line",
        "first_cell",
        pl.col(ACCOUNT).str.strip_chars(),
        *(pl.col(f"{n}__value").alias(n) for n in kinds),
    )
    return out, problems


def _cell_problems(
    report: AgentReport, cells: pl.DataFrame, code: str, say: str
) -> list[Diagnostic]:
    """The first CHECK_ROWS cells as located errors, then how many more there are."""
    out = []
    for row in cells.head(CHECK_ROWS).iter_rows(named=True):
        figure = row["figure"]
        what = f" ({WHAT[BY_NAME[figure].kind]})" if code == "D833" else ""
        message = f"'{row['text']}' {say}{what}"
        out.append(report.problem(message, code, row["line"], figure))
    if cells.height > CHECK_ROWS:
        more = f"and {cells.height - CHECK_ROWS:,} more cells like these — {say}"
        out.append(Diagnostic(str(report.file), more, code=code))
    return out


def _accounts(report: AgentReport, values: pl.DataFrame) -> list[Diagnostic]:
    """D837 for a row of figures without an account; D836 for an account on two rows."""
    out = []
    for line in values.filter(pl.col(ACCOUNT).is_null())["line"].head(CHECK_ROWS):
        message = "a row of figures without an account — fill in whose row it is, or delete it"
        out.append(report.problem(message, "D837", line, ACCOUNT))
    twice = (
        values.filter(pl.col(ACCOUNT).is_not_null())
        .group_by(ACCOUNT, maintain_order=True)
        .agg(pl.col("line"))
        .filter(pl.col("line").list.len() > 1)
    )
    for account, lines in twice.head(CHECK_ROWS).iter_rows():
        shown = ", ".join(str(n) for n in lines)
        message = (
            f"'{account}' has {len(lines)} rows (lines {shown}) — one row per agent: download "
            "the report for the whole month at once; daily rows cannot be added up (a buyer "
            "who inquired on two days would count twice)"
        )
        out.append(report.problem(message, "D836", lines[1], ACCOUNT))
    return out


def _sum_check(report: AgentReport, values: pl.DataFrame, sums: pl.DataFrame) -> list[Diagnostic]:
    """D839 where a sum row's amount or order count is not what the agents' rows add up
    to: rows are missing (a second page, a filter) or a row was edited."""
    summed = [name for name in SUMMED if name in report.columns]
    if not summed or sums.height == 0:
        return []
    totals = values.select(pl.col(summed).sum()).row(0, named=True)
    out = []
    for row in sums.iter_rows(named=True):
        for name in summed:
            said, added = row[name], totals[name]
            if said is None or said == added:
                continue
            message = (
                f"the {row['first_cell']} row says {said}, but the agents' rows add up to "
                f"{added} — rows are missing (a second page, a filter on the agents) or were "
                "edited: download the report again with every agent on one page"
            )
            out.append(report.problem(message, "D839", row["line"], name))
    return out


# --------------------------------------------------------------------------- figures


def _derived(values: pl.DataFrame, written: set[str]) -> pl.DataFrame:
    """The figures the month makes from others: conversion from the counts (when the row
    has both), else as written; refunds = sales − net sales, or sales = net sales +
    refunds, when the report writes only two of the three."""
    made = []
    counts = {"paying_buyers", "inquiring_buyers"} <= written
    if counts:
        paying, asked = (
            pl.col("paying_buyers").cast(ENGINE),
            pl.col("inquiring_buyers").cast(ENGINE),
        )
        zero = exact(0)
        ratio = pl.when(asked == 0).then(zero).otherwise(paying / asked).cast(ENGINE)
        both = pl.col("paying_buyers").is_not_null() & pl.col("inquiring_buyers").is_not_null()
        reported = pl.col("conversion") if "conversion" in written else pl.lit(None, ENGINE)
        made.append(pl.when(both).then(ratio).otherwise(reported).cast(ENGINE).alias("conversion"))
    if "refunds" not in written and {"sales", "net_sales"} <= written:
        made.append((pl.col("sales") - pl.col("net_sales")).cast(PAY).alias("refunds"))
    if "sales" not in written and {"net_sales", "refunds"} <= written:
        made.append((pl.col("net_sales") + pl.col("refunds")).cast(PAY).alias("sales"))
    return values.with_columns(made)
