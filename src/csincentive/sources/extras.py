"""Optional small inputs of a period folder: attendance, discipline events, manual figures.

Teams keep these by hand (a few hundred rows at most), so they are read eagerly, every row is
validated, and every problem of a file comes back in one :class:`InputError`:

* ``attendance.csv`` — one row per agent: scheduled/worked days, lateness, leave by type…
  (SCHEMES S002-04/08, S004-01..03);
* ``events.csv`` — one row per discipline or reward event (fines, complaints, warnings,
  praise…; S000-12..14, S001-02..09), counted per agent by :func:`per_agent_events`;
* ``inputs.csv`` — manual figures in long form ``agent_id, name, value`` (leader-rated
  execution, tickets, QA deductions…; S002-08), widened by :func:`per_agent_manual`.

Files may be UTF-8 (with or without BOM) or GBK, with English or Chinese headers. Codes:
D4xx attendance, D5xx events, D6xx manual inputs; the shared header codes D102 (no header)
and D105 (two headers mean the same column) come from :mod:`csincentive.sources.period`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

import polars as pl

from csincentive.core.diagnostics import Diagnostic, InputError
from csincentive.core.money import ENGINE, PAY
from csincentive.core.names import ATTENDANCE_NAMES
from csincentive.formula import parse
from csincentive.rules.model import RuleSet, formula_fields
from csincentive.sources.encoding import ensure_utf8
from csincentive.sources.period import (
    _Column,
    _norm,
    _parse_date,
    _read_header,
    _resolve_columns,
    _roster_rows,
    parse_money,
)

NUMBER_SCALE = 10
NUMBER_PATTERN = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
COUNT_PATTERN = re.compile(r"\+?\d+")
TRUE_WORDS = ("是", "yes", "true", "y")
FALSE_WORDS = ("否", "no", "false", "n")

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

MANUAL_REQUIRED = ("agent_id", "name", "value")
MANUAL_ALIASES: dict[str, tuple[str, ...]] = {
    "agent_id": ("工号", "员工编号"),
    "name": ("项目", "指标"),
    "value": ("数值", "分数"),
}
MANUAL_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "agent_id": pl.String,
    "name": pl.String,
    "value": ENGINE,
    "line": pl.Int64,
}


@dataclass(frozen=True)
class _Codes:
    """The diagnostic codes one loader uses (D4xx, D5xx or D6xx)."""

    unknown_column: str
    missing_column: str
    empty: str
    unknown_agent: str


ATTENDANCE_CODES = _Codes("D401", "D402", "D403", "D404")
EVENT_CODES = _Codes("D501", "D502", "D503", "D504")
MANUAL_CODES = _Codes("D601", "D602", "D603", "D604")


# --------------------------------------------------------------------------- shared


class _File:
    """One small CSV being validated: its columns and the problems found so far."""

    def __init__(
        self,
        path: Path,
        work_dir: Path,
        aliases: Mapping[str, Sequence[str]],
        required: Sequence[str],
        codes: _Codes,
    ) -> None:
        self.display = str(path)
        self.codes = codes
        self.readable = ensure_utf8(path, work_dir, display=self.display)
        header = _read_header(self.readable, self.display)
        found, problems, unknown = _resolve_columns(header, aliases, None, self.display)
        self.columns: dict[str, _Column] = found
        self.problems: list[Diagnostic] = problems
        for index, raw in unknown:
            self.problems.append(self._unknown_column(index, raw, aliases))
        for name in required:
            if name not in found:
                self.problems.append(self._missing_column(name, aliases))
        self.fail_if_problems()

    def _unknown_column(
        self, index: int, raw: str, aliases: Mapping[str, Sequence[str]]
    ) -> Diagnostic:
        written = raw.strip()
        accepted = {_norm(a): name for name, names in aliases.items() for a in (name, *names)}
        guess = difflib.get_close_matches(_norm(written), list(accepted), n=1, cutoff=0.6)
        hint = f"did you mean '{accepted[guess[0]]}'? " if guess else ""
        return Diagnostic(
            file=self.display,
            line=1,
            col=index + 1,
            code=self.codes.unknown_column,
            path=written,
            message=f"unknown column '{written}' — {hint}rename or delete it; known columns: "
            f"{', '.join(aliases)}",
        )

    def _missing_column(self, name: str, aliases: Mapping[str, Sequence[str]]) -> Diagnostic:
        also = f" (or one of: {', '.join(aliases[name])})" if aliases.get(name) else ""
        return Diagnostic(
            file=self.display,
            line=1,
            code=self.codes.missing_column,
            path=name,
            message=f"missing required column '{name}'{also} — add it to the header",
        )

    def rows(self) -> Iterable[tuple[int, dict[str, str]]]:
        """(physical line, {canonical: stripped cell}) per non-blank row; absent cells are ''."""
        for line, cells in _roster_rows(self.readable):
            yield (
                line,
                {
                    c.canonical: cells[c.index] if c.index < len(cells) else ""
                    for c in self.columns.values()
                },
            )

    def problem(self, line: int, name: str, code: str, message: str) -> None:
        column = self.columns[name]
        self.problems.append(
            Diagnostic(
                file=self.display,
                line=line,
                col=column.index + 1,
                code=code,
                path=column.written,
                message=message,
            )
        )

    def required(self, line: int, row: Mapping[str, str], names: Iterable[str]) -> bool:
        """Report each empty required cell; True when none is empty."""
        ok = True
        for name in names:
            if not row.get(name):
                self.problem(line, name, self.codes.empty, "required value is empty — fill it in")
                ok = False
        return ok

    def agent(self, line: int, row: Mapping[str, str], agent_ids: Collection[str]) -> str:
        """The row's agent id (without an Excel ="…" wrapper), reported if not on the roster."""
        agent_id = _clean_id(row.get("agent_id", ""))
        if agent_id and agent_id not in agent_ids:
            self.problem(
                line,
                "agent_id",
                self.codes.unknown_agent,
                f"agent '{agent_id}' is not in agents.csv — add them there or remove the row",
            )
        return agent_id

    def duplicate(
        self, line: int, key: object, seen: dict[object, int], name: str, code: str, what: str
    ) -> None:
        """Report ``key`` if an earlier line had it; otherwise remember this line."""
        if key in seen:
            self.problem(
                line,
                name,
                code,
                f"{what} is already on line {seen[key]} — keep one row: merge lines "
                f"{seen[key]} and {line} or delete one of them",
            )
        else:
            seen[key] = line

    def fail_if_problems(self) -> None:
        if self.problems:
            raise InputError(sorted(self.problems, key=lambda d: (d.line or 0, d.col or 0)))


def _clean_id(text: str) -> str:
    return text.strip().removeprefix("=").strip('"').strip()


def _number(text: str) -> Decimal | None:
    """A decimal number with at most 10 decimals (full-width digits allowed), else None."""
    cleaned = _norm(text).replace(",", "")
    if not NUMBER_PATTERN.fullmatch(cleaned):
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
        return None
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -NUMBER_SCALE:
        return None
    return value


def _did_you_mean(value: str, known: Collection[str]) -> str:
    guess = difflib.get_close_matches(value, sorted(known), n=1, cutoff=0.6)
    if guess:
        return f"did you mean '{guess[0]}'? "
    listed = ", ".join(sorted(known)[:12])
    return f"known: {listed}; " if known else ""


# --------------------------------------------------------------------------- attendance


def load_attendance(path: Path, *, work_dir: Path, agent_ids: set[str]) -> pl.DataFrame:
    """attendance.csv → one row per agent: agent_id + ATTENDANCE_COLUMNS as Decimal(38, 10).

    Optional columns missing from the file are 0 for everyone; blank cells are 0. Sorted by
    agent_id. Every problem (unknown/duplicate agent, bad or negative number, more days
    worked than scheduled) is reported in one InputError.
    """
    f = _File(Path(path), Path(work_dir), ATTENDANCE_ALIASES, ATTENDANCE_REQUIRED, ATTENDANCE_CODES)
    records: list[dict[str, object]] = []
    seen: dict[object, int] = {}
    for line, row in f.rows():
        record: dict[str, object] = {"agent_id": None}
        if f.required(line, row, ["agent_id"]):
            record["agent_id"] = agent_id = f.agent(line, row, agent_ids)
            f.duplicate(line, agent_id, seen, "agent_id", "D405", f"agent '{agent_id}'")
        for name in ATTENDANCE_COLUMNS:
            text = row.get(name, "")
            value = _number(text) if text else Decimal(0)
            if value is None:
                f.problem(
                    line,
                    name,
                    "D406",
                    f"not a number: '{text}' — write a number of days or times like 2 or 0.5 "
                    "(at most 10 decimals), or leave it empty for 0",
                )
            elif value < 0:
                f.problem(
                    line, name, "D407", f"negative value {text} — write 0 or a positive number"
                )
            record[name] = value
        worked, scheduled = record["worked_days"], record["scheduled_days"]
        if isinstance(worked, Decimal) and isinstance(scheduled, Decimal) and worked > scheduled:
            f.problem(
                line,
                "worked_days",
                "D408",
                f"worked days ({worked}) exceed scheduled days ({scheduled}) — correct one of "
                "them; overtime days are not attendance",
            )
        records.append(record)
    f.fail_if_problems()
    data = {name: [r[name] for r in records] for name in ATTENDANCE_SCHEMA}
    return pl.DataFrame(data, schema=ATTENDANCE_SCHEMA).sort("agent_id")


# --------------------------------------------------------------------------- events


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
    f = _File(Path(path), Path(work_dir), EVENT_ALIASES, EVENT_REQUIRED, EVENT_CODES)
    period = f"{year:04d}-{month:02d}"
    records: list[dict[str, object]] = []
    for line, row in f.rows():
        f.required(line, row, EVENT_REQUIRED)
        agent_id = f.agent(line, row, agent_ids)
        text = row["date"]
        day = _parse_date(text) if text else None
        if text and day is None:
            f.problem(line, "date", "D505", f"not a date: '{text}' — write it as YYYY-MM-DD")
        elif day is not None and (day.year, day.month) != (year, month):
            f.problem(
                line,
                "date",
                "D506",
                f"{day.isoformat()} is not in {period} — events of other months belong in "
                "that month's folder",
            )
        event = row["event"]
        if event and known_events is not None and event not in known_events:
            f.problem(
                line,
                "event",
                "D507",
                f"unknown event '{event}' — {_did_you_mean(event, known_events)}fix the name "
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


def _event_count(f: _File, line: int, text: str) -> int | None:
    if not text:
        return 1
    cleaned = _norm(text)
    if COUNT_PATTERN.fullmatch(cleaned) and int(cleaned) > 0:
        return int(cleaned)
    f.problem(
        line,
        "count",
        "D508",
        f"not a count: '{text}' — write a whole number of times ≥ 1, or leave it empty for 1",
    )
    return None


def _event_amount(f: _File, line: int, text: str) -> Decimal | None:
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


# --------------------------------------------------------------------------- manual inputs


def load_manual(
    path: Path, *, work_dir: Path, agent_ids: set[str], known_names: set[str] | None
) -> pl.DataFrame:
    """inputs.csv (agent_id, name, value) → agent_id, name, value (Decimal(38, 10)), line.

    Values are numbers, or 是/否, yes/no, true/false for 1/0. Each (agent_id, name) appears
    once. Sorted by (agent_id, name).
    """
    f = _File(Path(path), Path(work_dir), MANUAL_ALIASES, MANUAL_REQUIRED, MANUAL_CODES)
    records: list[dict[str, object]] = []
    seen: dict[object, int] = {}
    for line, row in f.rows():
        f.required(line, row, MANUAL_REQUIRED)
        agent_id = f.agent(line, row, agent_ids)
        name = row["name"]
        if name and known_names is not None and name not in known_names:
            f.problem(
                line,
                "name",
                "D605",
                f"unknown input '{name}' — {_did_you_mean(name, known_names)}fix the name or "
                "declare it in the rules file under [inputs] manual = [...]",
            )
        if agent_id and name:
            f.duplicate(
                line, (agent_id, name), seen, "name", "D606", f"'{name}' for agent '{agent_id}'"
            )
        text = row["value"]
        value = _manual_value(text) if text else None
        if text and value is None:
            f.problem(
                line,
                "value",
                "D607",
                f"not a number: '{text}' — write a number like 85 or 2.5, or 是/否 (yes/no) "
                "for 1/0",
            )
        records.append({"agent_id": agent_id, "name": name, "value": value, "line": line})
    f.fail_if_problems()
    data = {name: [r[name] for r in records] for name in MANUAL_SCHEMA}
    return pl.DataFrame(data, schema=MANUAL_SCHEMA).sort(["agent_id", "name"])


def _manual_value(text: str) -> Decimal | None:
    word = _norm(text)
    if word in TRUE_WORDS:
        return Decimal(1)
    if word in FALSE_WORDS:
        return Decimal(0)
    return _number(text)


def per_agent_manual(manual: pl.DataFrame, names: list[str]) -> pl.DataFrame:
    """Manual inputs → agent_id + one Decimal(38, 10) column per name (null where the agent
    has no row for it); one row per agent with inputs, sorted by agent_id."""
    columns = [
        pl.col("value").filter(pl.col("name") == name).first().cast(ENGINE).alias(name)
        for name in names
    ]
    return manual.group_by("agent_id").agg(columns).sort("agent_id")


__all__ = [
    "ATTENDANCE_COLUMNS",
    "load_attendance",
    "load_events",
    "load_manual",
    "per_agent_events",
    "per_agent_manual",
]


# --------------------------------------------------------------------------- per agent

EXTRA_FILES = {"attendance": "attendance.csv", "events": "events.csv", "manual": "inputs.csv"}


@dataclass
class Extras:
    """The optional inputs a rule set needs, one row per roster person."""

    frame: pl.DataFrame  # agent_id + attendance, event and manual columns
    files: dict[str, Path]  # logical name → file read


def load_extras(
    folder: Path,
    rules: RuleSet,
    roster: pl.DataFrame,
    *,
    year: int,
    month: int,
    work_dir: Path,
) -> Extras:
    """Read attendance.csv, events.csv and inputs.csv as far as the rules use them and
    widen them to one row per roster person. A file the rules need but the folder lacks is
    an error; events and manual figures an agent has no row for count as 0 (except the
    names in [inputs] manual_required)."""
    agent_ids = set(roster["agent_id"].to_list())
    frame = roster.select("agent_id")
    files: dict[str, Path] = {}
    problems: list[Diagnostic] = []
    used = _names_used(rules)
    paths = {name: folder / file for name, file in EXTRA_FILES.items()}

    def attempt(load: Callable[[], pl.DataFrame]) -> pl.DataFrame | None:
        try:
            return load()
        except InputError as exc:
            problems.extend(exc.diagnostics)
            return None

    if used & ATTENDANCE_NAMES:
        if not paths["attendance"].is_file():
            problems.append(_missing_file(paths["attendance"], sorted(used & ATTENDANCE_NAMES)))
        else:
            files["attendance"] = paths["attendance"]
            table = attempt(
                lambda: load_attendance(paths["attendance"], work_dir=work_dir, agent_ids=agent_ids)
            )
            if table is not None:
                problems += _unlisted(paths["attendance"], agent_ids, table, "attendance")
                frame = frame.join(table, on="agent_id", how="left").with_columns(
                    _attendance_rate()
                )
    if rules.events:
        names = list(rules.events)
        events: pl.DataFrame | None = _empty_events()
        if paths["events"].is_file():
            files["events"] = paths["events"]
            events = attempt(
                lambda: load_events(
                    paths["events"],
                    work_dir=work_dir,
                    agent_ids=agent_ids,
                    known_events=set(names),
                    year=year,
                    month=month,
                )
            )
        if events is not None:
            counts = per_agent_events(events, names)
            frame = frame.join(counts, on="agent_id", how="left").with_columns(
                *[pl.col(n).fill_null(0) for n in names],
                *[pl.col(f"{n}_amount").fill_null(pl.lit(0, dtype=PAY)) for n in names],
            )
    if rules.inputs.manual:
        names = list(rules.inputs.manual)
        manual: pl.DataFrame | None = _empty_manual()
        if paths["manual"].is_file():
            files["manual"] = paths["manual"]
            manual = attempt(
                lambda: load_manual(
                    paths["manual"], work_dir=work_dir, agent_ids=agent_ids, known_names=set(names)
                )
            )
        if manual is not None:
            wide = roster.select("agent_id").join(
                per_agent_manual(manual, names), on="agent_id", how="left"
            )
            problems += _required_manual(paths["manual"], wide, rules.inputs.manual_required)
            frame = frame.join(wide, on="agent_id", how="left").with_columns(
                pl.col(n).fill_null(pl.lit(0, dtype=ENGINE)) for n in names
            )
    if problems:
        raise InputError(problems)
    return Extras(frame=frame, files=files)


def _names_used(rules: RuleSet) -> set[str]:
    used: set[str] = set()
    for component in rules.components.values():
        for text in formula_fields(component).values():
            used |= parse(text).names
        if component.prorate == "worked_days":
            used |= {"worked_days", "scheduled_days"}
    return used


def _missing_file(path: Path, names: list[str]) -> Diagnostic:
    shown = ", ".join(names[:5]) + (" …" if len(names) > 5 else "")
    message = (
        f"file not found — the rules use attendance ({shown}); put {path.name} in {path.parent}"
    )
    return Diagnostic(file=str(path), message=message, code="D409")


def _unlisted(path: Path, agent_ids: set[str], table: pl.DataFrame, what: str) -> list[Diagnostic]:
    """Every roster person needs an attendance row: a missing one is not zero days."""
    missing = sorted(agent_ids - set(table["agent_id"].to_list()))
    return [
        Diagnostic(
            file=str(path),
            code="D410",
            path="agent_id",
            message=f"agent '{agent}' has no row — add their {what} (scheduled and worked days)",
        )
        for agent in missing
    ]


def _required_manual(path: Path, wide: pl.DataFrame, required: list[str]) -> list[Diagnostic]:
    out = []
    for name in required:
        for agent in wide.filter(pl.col(name).is_null())["agent_id"].sort().to_list():
            message = f"agent '{agent}' has no '{name}' — add a row '{agent},{name},<value>'"
            out.append(Diagnostic(file=str(path), message=message, code="D608", path=name))
    return out


def _attendance_rate() -> pl.Expr:
    worked, scheduled = pl.col("worked_days"), pl.col("scheduled_days")
    safe = pl.when(scheduled == 0).then(pl.lit(1, dtype=ENGINE)).otherwise(scheduled)
    rate = pl.when(scheduled == 0).then(pl.lit(0, dtype=ENGINE)).otherwise(worked / safe)
    return rate.cast(ENGINE).alias("attendance_rate")


def _empty_events() -> pl.DataFrame:
    return pl.DataFrame(schema=EVENT_SCHEMA)


def _empty_manual() -> pl.DataFrame:
    return pl.DataFrame(
        schema={"agent_id": pl.String, "name": pl.String, "value": ENGINE, "line": pl.Int64}
    )
