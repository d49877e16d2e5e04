"""Both at once: a per-agent report beside chats.csv and orders.csv. The month is paid on
the figures made from the raw exports; each figure the report also writes is compared,
agent by agent, and a difference beyond ``[inputs] report_tolerance`` (default 2%) is a
warning naming the agent and the figure — "A1 小美: our 询单人数 132, 赤兔 129" — so a shop
sees where its attribution differs from the tool it knows (W406). A person with chats or
orders who has no row in the report is W407.

The tolerance is relative for counts, amounts and durations (|ours − theirs| above 2% of
theirs) and in points for rates (conversion 34.1% against 37.0% is 2.9 points). A figure
the raw exports cannot make is not compared: answer ratio, slow responses and message
counts need a message-level chats.csv, satisfaction a rating column, response times their
columns. Report rows of accounts not in the roster are not compared (the chats' own
accounts are checked as for any month). Everything is one frame per figure; only the
differences become messages.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import polars as pl

from csincentive.core.diagnostics import Diagnostic
from csincentive.sources.agent_report import AgentReport
from csincentive.sources.chats import ChatFormat
from csincentive.sources.report_header import BY_NAME

MESSAGE_LEVEL = ("answer_ratio", "slow_responses", "agent_messages", "buyer_messages")
POINTS = ("rate", "ratio")  # compared in points, not relative to the report's figure


def comparable(report: AgentReport, people: pl.DataFrame, chat_format: ChatFormat) -> list[str]:
    """The figures the report writes that the raw exports make too."""
    out = []
    for name in report.columns:
        if chat_format == "session" and name in MESSAGE_LEVEL:
            continue
        if name == "satisfaction" and not int(people["rated_sessions"].sum()):
            continue
        if people[name].null_count() == people.height:  # e.g. no response times in chats
            continue
        out.append(name)
    return out


def report_differences(
    report: AgentReport,
    rows: pl.DataFrame,
    people: pl.DataFrame,
    chat_format: ChatFormat,
    tolerance: Decimal,
) -> list[Diagnostic]:
    """W406 for each roster person's figure that differs from the report's beyond the
    tolerance, in the report's row order; W407 for a person with chats or orders and no
    row. ``rows`` are report_figures.report_rows of the report; ``people`` the month's
    per-person figures."""
    theirs = rows.filter(pl.col("agent_key").is_not_null())
    joined = people.join(
        theirs.rename({n: f"{n}__theirs" for n in theirs.columns if n != "agent_key"}),
        left_on="agent_id",
        right_on="agent_key",
        how="inner",
    ).sort("line__theirs")
    tol = float(tolerance)
    parts = [_beyond(joined, name, tol) for name in comparable(report, people, chat_format)]
    found = pl.concat(parts).sort("line", "order") if parts else pl.DataFrame()
    out = [_difference(report, row, tolerance) for row in found.iter_rows(named=True)]
    return out + _without_rows(report, people, theirs)


def _beyond(joined: pl.DataFrame, name: str, tol: float) -> pl.DataFrame:
    """The people whose ``name`` differs beyond the tolerance: agent_id, name, line, the
    figure, ours and theirs (as floats, for the test and the message)."""
    kind = BY_NAME[name].kind
    ours = pl.col(name).cast(pl.Float64)
    theirs = pl.col(f"{name}__theirs").cast(pl.Float64)
    if kind in ("count", "money"):  # a '-' in the report: none, so 0
        theirs = theirs.fill_null(0)
    gap = (ours - theirs).abs()
    limit = pl.lit(tol) if kind in POINTS else theirs.abs() * tol
    order = list(BY_NAME).index(name)
    return joined.filter((gap > limit + 1e-9).fill_null(False)).select(
        "agent_id",
        "name",
        pl.col("line__theirs").alias("line"),
        pl.lit(order).alias("order"),
        pl.lit(name).alias("figure"),
        ours.alias("ours"),
        theirs.alias("theirs"),
    )


def _difference(report: AgentReport, row: dict[str, Any], tolerance: Decimal) -> Diagnostic:
    figure, ours, theirs = row["figure"], row["ours"], row["theirs"]
    kind = BY_NAME[figure].kind
    label = report.label(figure)
    if kind in POINTS:
        gap = f"{abs(ours - theirs) * 100:.1f} points apart"
    else:
        share = f", {abs(ours - theirs) / abs(theirs):.1%}" if theirs else ""
        gap = f"{_shown(kind, abs(ours - theirs))} {'more' if ours > theirs else 'fewer'}{share}"
        if kind == "money":
            gap = gap.replace("fewer", "less")
    message = (
        f"{row['agent_id']} {row['name']}: our {label} {_shown(kind, ours)}, {report.short} "
        f"{_shown(kind, theirs)} ({gap}) — beyond [inputs] report_tolerance = "
        f"{_percent(tolerance)}; the pay is made from chats.csv and orders.csv (docs/inputs.md, "
        "'A report beside chats and orders', says why the two may count differently)"
    )
    return report.problem(message, "W406", row["line"], figure, "warning")


def _without_rows(
    report: AgentReport, people: pl.DataFrame, theirs: pl.DataFrame
) -> list[Diagnostic]:
    """W407 for each person with chats or orders the report has no row of."""
    missing = people.filter(
        ((pl.col("sessions") > 0) | (pl.col("orders") > 0))
        & ~pl.col("agent_id").is_in(theirs["agent_key"].implode())
    )
    out = []
    for row in missing.iter_rows(named=True):
        message = (
            f"{row['agent_id']} {row['name']} has no row in {report.file.name}, but chats.csv "
            f"and orders.csv give them {_count(row['sessions'], 'session')} and "
            f"{_count(row['orders'], 'order')} — "
            "check the report covers every agent (a filter on a group?) and their chat_nick"
        )
        out.append(report.problem(message, "W407", severity="warning"))
    return out


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}" + ("" if number == 1 else "s")


def _shown(kind: str, value: float) -> str:
    if kind == "count":
        return f"{value:,.0f}"
    if kind == "money":
        return f"{value:,.2f}"
    if kind == "seconds":
        return f"{value:,.1f} s"
    if kind == "rate":
        return f"{value:.2%}"
    return f"{value:.2f}"


def _percent(value: Decimal) -> str:
    return f"{(value * 100).normalize():f}%"
