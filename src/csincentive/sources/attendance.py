"""attendance.csv: one row per agent — scheduled and worked days, lateness, leave by type
(SCHEMES S002-04/08, S004-01..03). Codes D401..D410."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import polars as pl

from csincentive.core.money import ENGINE
from csincentive.sources.small import Codes, SmallFile, parse_number

ATTENDANCE_COLUMNS: tuple[str, ...] = (
    "scheduled_days",
    "worked_days",
    "late",
    "early_leave",
    "absent",
    "leave_personal",
    "leave_sick",
    "leave_annual",
    "leave_marriage",
    "leave_bereavement",
    "leave_maternity",
    "shift_swap",
    "missed_clock_in",
)
ATTENDANCE_REQUIRED = ("agent_id", "scheduled_days", "worked_days")
ATTENDANCE_ALIASES: dict[str, tuple[str, ...]] = {
    "agent_id": ("工号", "员工编号"),
    "scheduled_days": ("应出勤天数", "应出勤"),
    "worked_days": ("实际出勤天数", "实出勤", "出勤天数"),
    "late": ("迟到", "迟到次数"),
    "early_leave": ("早退", "早退次数"),
    "absent": ("旷工", "旷工天数"),
    "leave_personal": ("事假",),
    "leave_sick": ("病假",),
    "leave_annual": ("年假",),
    "leave_marriage": ("婚假",),
    "leave_bereavement": ("丧假",),
    "leave_maternity": ("产假",),
    "shift_swap": ("调班", "换班"),
    "missed_clock_in": ("缺卡", "漏打卡"),
}
ATTENDANCE_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "agent_id": pl.String,
    **{name: ENGINE for name in ATTENDANCE_COLUMNS},
}
ATTENDANCE_CODES = Codes("D401", "D402", "D403", "D404")


def load_attendance(path: Path, *, work_dir: Path, agent_ids: set[str]) -> pl.DataFrame:
    """attendance.csv → one row per agent: agent_id + ATTENDANCE_COLUMNS as Decimal(38, 10).

    Optional columns missing from the file are 0 for everyone; blank cells are 0. Sorted by
    agent_id. Every problem (unknown/duplicate agent, bad or negative number, more days
    worked than scheduled) is reported in one InputError.
    """
    f = SmallFile(
        Path(path), Path(work_dir), ATTENDANCE_ALIASES, ATTENDANCE_REQUIRED, ATTENDANCE_CODES
    )
    records: list[dict[str, object]] = []
    seen: dict[object, int] = {}
    for line, row in f.rows():
        record: dict[str, object] = {"agent_id": None}
        if f.required(line, row, ["agent_id"]):
            record["agent_id"] = agent_id = f.agent(line, row, agent_ids)
            f.duplicate(line, agent_id, seen, "agent_id", "D405", f"agent '{agent_id}'")
        for name in ATTENDANCE_COLUMNS:
            record[name] = _days(f, line, name, row.get(name, ""))
        _check_worked(f, line, record)
        records.append(record)
    f.fail_if_problems()
    data = {name: [r[name] for r in records] for name in ATTENDANCE_SCHEMA}
    return pl.DataFrame(data, schema=ATTENDANCE_SCHEMA).sort("agent_id")


def _days(f: SmallFile, line: int, name: str, text: str) -> Decimal | None:
    """A count of days or times: blank is 0; not a number or negative is reported."""
    value = parse_number(text) if text else Decimal(0)
    if value is None:
        f.problem(
            line,
            name,
            "D406",
            f"not a number: '{text}' — write a number of days or times like 2 or 0.5 "
            "(at most 10 decimals), or leave it empty for 0",
        )
    elif value < 0:
        f.problem(line, name, "D407", f"negative value {text} — write 0 or a positive number")
    return value


def _check_worked(f: SmallFile, line: int, record: dict[str, object]) -> None:
    worked, scheduled = record["worked_days"], record["scheduled_days"]
    if isinstance(worked, Decimal) and isinstance(scheduled, Decimal) and worked > scheduled:
        f.problem(
            line,
            "worked_days",
            "D408",
            f"worked days ({worked}) exceed scheduled days ({scheduled}) — correct one of "
            "them; overtime days are not attendance",
        )


def attendance_rate() -> pl.Expr:
    """worked_days / scheduled_days, 0 for a person scheduled no days."""
    worked, scheduled = pl.col("worked_days"), pl.col("scheduled_days")
    safe = pl.when(scheduled == 0).then(pl.lit(1, dtype=ENGINE)).otherwise(scheduled)
    rate = pl.when(scheduled == 0).then(pl.lit(0, dtype=ENGINE)).otherwise(worked / safe)
    return rate.cast(ENGINE).alias("attendance_rate")
