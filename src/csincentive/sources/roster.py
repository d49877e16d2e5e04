"""agents.csv, the roster: one row per person paid, read eagerly with every row checked.

Columns are a closed set — the built-in ones plus the extra fields a rules file declares
under ``[inputs] roster_fields`` — so an unknown header is a typo until proven otherwise.
An extra field holds text (the default), a number or money; a cell that is not what its
field declares is reported at its file:line, like a bad ``target``. Codes: D104 unknown
column, D201 empty required value, D202 role, D203 date, D204/D205 repeated id or chat
nick, D206 not an amount, D207 no agents, D208 not a number, D209 leave_date before
hire_date, D110 a row cut short; W201 a person not employed in the month paid.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Mapping, Sequence
from decimal import Decimal
from pathlib import Path

import polars as pl

from csincentive.core.diagnostics import Diagnostic, InputError
from csincentive.core.money import ENGINE, PAY, exact_frame
from csincentive.core.month import Month
from csincentive.core.names import RosterFieldType
from csincentive.sources.encoding import ensure_utf8
from csincentive.sources.headers import (
    Column,
    cells_by_name,
    missing_columns,
    norm,
    read_header,
    resolve_columns,
)
from csincentive.sources.small import (
    csv_rows,
    parse_date,
    parse_money,
    parse_number,
    short_row,
    width_of,
)
from csincentive.sources.statutory import STATUTORY_DTYPES, statutory_cell

ROSTER_REQUIRED = ("agent_id", "name", "team", "role", "grade", "hire_date")
ROSTER_OPTIONAL = ("probation_end", "chat_nick", "leave_date", "target")
ROSTER_ROLES = ("agent", "supervisor")
ROSTER_DATES = ("hire_date", "probation_end", "leave_date")

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
# How each type of extra field is held: money exactly like target, numbers at the
# engine's scale, so a formula reads them with no rounding of its own.
FIELD_DTYPES: dict[RosterFieldType, pl.DataType | type[pl.DataType]] = {
    "text": pl.String,
    "number": ENGINE,
    "money": PAY,
}

ExtraFields = Mapping[str, RosterFieldType] | Sequence[str]


def load_roster(
    path: Path,
    *,
    work_dir: Path,
    column_map: Mapping[str, str] | None = None,
    extra_fields: ExtraFields = (),
    statutory: bool = False,
) -> pl.DataFrame:
    """agents.csv → eager, typed roster; every bad row is reported in one InputError.

    `extra_fields` are the columns a rules file needs (e.g. education, si_base), each
    required: name → "text", "number" or "money" (a plain list of names is all text).
    `statutory` (the rules' [statutory] is on): the optional net-pay columns are known too
    (sources/statutory.py), each typed, absent ones empty."""
    fields = _field_types(extra_fields)
    optional = STATUTORY_DTYPES if statutory else {}
    display = str(path)
    readable = ensure_utf8(path, work_dir, display=display)
    header = read_header(readable, display)
    columns = roster_columns(header, column_map, display, fields, optional)
    width = width_of(header)
    records: list[dict[str, object]] = []
    problems: list[Diagnostic] = []
    for line, cells in csv_rows(readable):
        row = cells_by_name(cells, columns.values())
        record, row_problems = check_roster_row(display, line, row, columns, fields, optional)
        records.append({**record, "line": line})
        problems += row_problems + short_row(display, line, cells, header, width)
    problems += _repeated(display, records, columns.get("agent_id"), "D204")
    problems += _repeated(display, records, columns.get("chat_nick"), "D205")
    if not records:
        problems.append(
            Diagnostic(
                file=display, line=2, code="D207", message="no agents — add one row per agent"
            )
        )
    if problems:
        raise InputError(sorted(problems, key=lambda d: (d.line or 0, d.col or 0)))
    schema = {
        **ROSTER_SCHEMA,
        **{name: FIELD_DTYPES[kind] for name, kind in fields.items()},
        **optional,
    }
    data = {name: [record.get(name) for record in records] for name in schema}
    return exact_frame(data, schema)


def _field_types(extra_fields: ExtraFields) -> dict[str, RosterFieldType]:
    if isinstance(extra_fields, Mapping):
        return dict(extra_fields)
    return dict.fromkeys(extra_fields, "text")


def roster_columns(
    header: Sequence[str],
    column_map: Mapping[str, str] | None,
    display: str,
    extra_fields: Mapping[str, RosterFieldType],
    optional: Collection[str] = (),
) -> dict[str, Column]:
    """Roster columns are a closed set (plus the fields a rules file declares under
    [inputs] roster_fields, and the net-pay columns when [statutory] is on): unknown ones
    are typos until proven otherwise."""
    names = (*ROSTER_REQUIRED, *ROSTER_OPTIONAL, *extra_fields, *optional)
    known: dict[str, tuple[str, ...]] = {name: () for name in names}
    resolved = resolve_columns(header, known, column_map, display)
    problems = resolved.problems
    for index, raw in resolved.unknown:
        guess = difflib.get_close_matches(norm(raw), list(known), n=1, cutoff=0.6)
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
    problems += missing_columns(display, resolved.found, (*ROSTER_REQUIRED, *extra_fields), known)
    if problems:
        raise InputError(problems)
    return resolved.found


class _RowProblems:
    """The problems of one roster row, each at its line and column."""

    def __init__(self, display: str, line: int, columns: Mapping[str, Column]) -> None:
        self.display, self.line, self.columns = display, line, columns
        self.found: list[Diagnostic] = []

    def add(self, name: str, code: str, message: str) -> None:
        column = self.columns[name]
        self.found.append(
            Diagnostic(
                file=self.display,
                line=self.line,
                col=column.index + 1,
                code=code,
                path=column.written,
                message=message,
            )
        )


def check_roster_row(
    display: str,
    line: int,
    row: dict[str, str],
    columns: Mapping[str, Column],
    extra_fields: Mapping[str, RosterFieldType],
    optional: Collection[str] = (),
) -> tuple[dict[str, object], list[Diagnostic]]:
    """Parse one roster row; return the typed values and every problem in it."""
    problems = _RowProblems(display, line, columns)
    out: dict[str, object] = {name: row.get(name) or None for name in columns}
    extra = (n for n in columns if n not in ROSTER_SCHEMA and n not in optional)
    for name in (*ROSTER_REQUIRED, *extra):
        if not row.get(name):
            problems.add(name, "D201", "required value is empty — fill it in")
    role = (row.get("role") or "").lower()
    out["role"] = role or None
    if role and role not in ROSTER_ROLES:
        problems.add("role", "D202", f"unknown role '{row['role']}' — write agent or supervisor")
    for name in ROSTER_DATES:
        text = row.get(name)
        out[name] = parse_date(text) if text else None
        if text and out[name] is None:
            problems.add(name, "D203", f"not a date: '{text}' — write it as YYYY-MM-DD")
    hired, left = out["hire_date"], out.get("leave_date")
    if hired is not None and left is not None and left < hired:  # type: ignore[operator]
        problems.add(
            "leave_date",
            "D209",
            f"leave_date {left} is before hire_date {hired} — correct one of them (days "
            "employed would be 0 and every prorated line nothing)",
        )
    for name, kind in {"target": "money", **extra_fields}.items():
        if kind != "text" and row.get(name):
            out[name] = _typed_cell(problems, name, kind, row[name])
    for name in (n for n in optional if n in columns):
        out[name], code, message = statutory_cell(name, row.get(name, ""))
        if code is not None and message is not None:
            problems.add(name, code, message)
    return out, problems.found


def employment_warnings(
    roster: pl.DataFrame, display: str, month: Month, active: Collection[str]
) -> list[Diagnostic]:
    """W201 for each ``active`` person (chats or credited orders in ``month``) whom the
    roster says was not employed in it: hired after its last day, or left before its
    first. Their prorated lines pay nothing while their chats and orders still count —
    right for a trainee or an early leave_date, wrong when a date is a typo; the shop
    decides, so it is a warning kept with the month. Someone not employed and without
    activity (a roster kept for several months) is paid nothing, rightly, without a word."""
    first, last = month.first_day, month.last_day
    outside = roster.filter(
        pl.col("agent_id").is_in(list(active))
        & ((pl.col("hire_date") > last) | (pl.col("leave_date") < first).fill_null(False))
    )
    out = []
    for row in outside.select("agent_id", "hire_date", "leave_date", "line").iter_rows():
        agent_id, hired, left, line = row
        field, date = ("hire_date", hired) if hired > last else ("leave_date", left)
        when = "was hired after" if field == "hire_date" else "left before"
        message = (
            f"{agent_id} has chats or orders in {month} but {when} it ({field} {date}): "
            "their prorated lines pay nothing while their sales still count — correct the "
            "date, or check whose account the chats are"
        )
        out.append(
            Diagnostic(display, message, code="W201", line=line, path=field, severity="warning")
        )
    return out


def _typed_cell(problems: _RowProblems, name: str, kind: str, text: str) -> Decimal | None:
    """A money or number cell as a Decimal; reported (and None) when it is not one."""
    if kind == "money":
        amount = parse_money(text)
        if amount is None:
            problems.add(name, "D206", f"not an amount: '{text}' — write it like 12000.00")
        return amount
    number = parse_number(text)
    if number is None:
        problems.add(
            name,
            "D208",
            f"not a number: '{text}' — write a number like 3 or 0.25 (at most 10 decimals)",
        )
    return number


def _repeated(
    display: str, records: Sequence[dict[str, object]], column: Column | None, code: str
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
        line = int(record["line"])  # type: ignore[call-overload]
        if value in first_line:
            problems.append(
                Diagnostic(
                    file=display,
                    line=line,
                    col=column.index + 1,
                    code=code,
                    path=column.written,
                    message=f"'{value}' is already on line {first_line[value]} — each "
                    "value must appear once; delete or fix one of the rows",
                )
            )
        else:
            first_line[value] = line
    return problems
