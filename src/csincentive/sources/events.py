"""events.csv: one row per discipline or reward event (fines, complaints, warnings,
praise…; S000-12..14, S001-02..09), counted per agent by :func:`per_agent_events`.
Codes D501..D509."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import polars as pl

from csincentive.core.money import PAY
from csincentive.core.month import Month
from csincentive.sources.headers import norm
from csincentive.sources.small import Codes, SmallFile, did_you_mean, parse_date, parse_money

COUNT_PATTERN = re.compile(r"\+?\d+")
EVENT_REQUIRED = ("agent_id", "date", "event")
EVENT_ALIASES: dict[str, tuple[str, ...]] = {
    "agent_id": ("工号", "员工编号"),
    "date": ("日期",),
    "event": ("事件", "类型"),
    "count": ("次数",),
    "amount": ("金额",),
    "note": ("备注", "说明"),
}
EVENT_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "agent_id": pl.String,
    "date": pl.Date,
    "event": pl.String,
    "count": pl.Int64,
    "amount": PAY,
    "note": pl.String,
    "line": pl.Int64,
}
EVENT_CODES = Codes("D501", "D502", "D503", "D504")


def load_events(
    path: Path,
    *,
    work_dir: Path,
    agent_ids: set[str],
    known_events: set[str] | None,
    year: int,
    month: int,
) -> pl.DataFrame:
    """events.csv → one row per event of the month, sorted by (agent_id, date, line).

    Columns: agent_id, date (Date), event, count (Int64, default 1), amount (Decimal(38, 2),
    null when blank), note, line. With ``known_events`` given, every event must be one of
    them.
    """
    f = SmallFile(Path(path), Path(work_dir), EVENT_ALIASES, EVENT_REQUIRED, EVENT_CODES)
    records: list[dict[str, object]] = []
    for line, row in f.rows():
        f.required(line, row, EVENT_REQUIRED)
        agent_id = f.agent(line, row, agent_ids)
        day = _event_day(f, line, row["date"], year, month)
        event = row["event"]
        if event and known_events is not None and event not in known_events:
            f.problem(
                line,
                "event",
                "D507",
                f"unknown event '{event}' — {did_you_mean(event, known_events)}fix the name "
                "or declare it in the rules file under [events]",
            )
        records.append(
            {
                "agent_id": agent_id or None,
                "date": day,
                "event": event or None,
                "count": _event_count(f, line, row.get("count", "")),
                "amount": _event_amount(f, line, row.get("amount", "")),
                "note": row.get("note") or None,
                "line": line,
            }
        )
    f.fail_if_problems()
    data = {name: [r[name] for r in records] for name in EVENT_SCHEMA}
    return pl.DataFrame(data, schema=EVENT_SCHEMA).sort(["agent_id", "date", "line"])


def _event_day(f: SmallFile, line: int, text: str, year: int, month: int) -> object:
    day = parse_date(text) if text else None
    if text and day is None:
        f.problem(line, "date", "D505", f"not a date: '{text}' — write it as YYYY-MM-DD")
    elif day is not None and (day.year, day.month) != (year, month):
        f.problem(
            line,
            "date",
            "D506",
            f"{day.isoformat()} is not in {Month(year, month)} — events of other months "
            "belong in that month's folder",
        )
    return day


def _event_count(f: SmallFile, line: int, text: str) -> int | None:
    if not text:
        return 1
    cleaned = norm(text)
    if COUNT_PATTERN.fullmatch(cleaned) and int(cleaned) > 0:
        return int(cleaned)
    f.problem(
        line,
        "count",
        "D508",
        f"not a count: '{text}' — write a whole number of times ≥ 1, or leave it empty for 1",
    )
    return None


def _event_amount(f: SmallFile, line: int, text: str) -> Decimal | None:
    if not text:
        return None
    amount = parse_money(text)
    if amount is None:
        f.problem(
            line,
            "amount",
            "D509",
            f"not an amount: '{text}' — write it like 30 or 30.00 (at most 2 decimals), or "
            "leave it empty",
        )
    return amount


def per_agent_events(events: pl.DataFrame, names: list[str]) -> pl.DataFrame:
    """Events → one row per agent with events: ``<event>`` = Σ count, ``<event>_amount`` = Σ
    amount (0 when the agent has none), for each event in ``names``; sorted by agent_id."""
    zero_money = pl.lit(0, dtype=PAY)
    sums: list[pl.Expr] = []
    for name in names:
        mine = pl.col("event") == name
        sums.append(pl.col("count").filter(mine).sum().cast(pl.Int64).alias(name))
        sums.append(
            pl.col("amount")
            .filter(mine)
            .sum()
            .cast(PAY)
            .fill_null(zero_money)
            .alias(f"{name}_amount")
        )
    return events.group_by("agent_id").agg(sums).sort("agent_id")


def no_events() -> pl.DataFrame:
    """The events of a month whose folder has no events.csv: none."""
    return pl.DataFrame(schema=EVENT_SCHEMA)
