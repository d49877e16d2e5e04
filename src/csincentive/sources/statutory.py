"""The statutory data of a month, read when the rules turn net pay on ([statutory]): the
optional agents.csv columns (``STATUTORY_ROSTER``: declared bases and rate, the tax method,
flags, and the PII the bank and filing files need) and ytd.csv, the year so far before the
month for a person whose earlier months this year are not in the ledger.

Codes: D700 a base that is not an amount, D701 a rate that is not a rate, D702 a choice
not offered, D703 a flag that is not yes/no; ytd.csv D710 unknown column, D711 missing
column, D712 empty value, D713 agent not in the roster, D714 an agent twice, D715 not an
amount or count, D716 more months counted than the year has had."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import polars as pl

from csincentive.core.money import ENGINE, exact_frame
from csincentive.core.month import Month
from csincentive.core.names import STATUTORY_CHOICES, STATUTORY_ROSTER, YTD_COLUMNS
from csincentive.sources.headers import norm
from csincentive.sources.small import Codes, SmallFile, parse_money, parse_number

YES = ("yes", "y", "是", "true", "1")
NO = ("no", "n", "否", "false", "0")
# How each statutory roster column is held in the roster frame.
_HELD: dict[str, pl.DataType | type[pl.DataType]] = {
    "money": ENGINE,
    "rate": ENGINE,
    "flag": pl.Boolean,
}
STATUTORY_DTYPES: dict[str, pl.DataType | type[pl.DataType]] = {
    name: _HELD.get(kind, pl.String) for name, kind in STATUTORY_ROSTER.items()
}
YTD_ALIASES: dict[str, tuple[str, ...]] = {
    "agent_id": ("工号",),
    "months_counted": ("累计月份", "已任职月份"),
    "income": ("累计收入额", "累计收入"),
    "exempt_income": ("累计免税收入",),
    "social_insurance": ("累计专项扣除",),
    "special_deductions": ("累计专项附加扣除",),
    "other_deductions": ("累计其他扣除",),
    "tax_withheld": ("累计已预缴税额", "累计已扣缴税额"),
}
YTD_CODES = Codes("D710", "D711", "D712", "D713")
YTD_FILE = "ytd.csv"
YTD_REQUIRED = ("agent_id", *YTD_COLUMNS)  # every column: the year so far, whole


def statutory_cell(name: str, text: str) -> tuple[object, str | None, str | None]:
    """(value, code, message) of one statutory agents.csv cell: the typed value, or None
    with the problem's code and what to write. A blank cell is None without a problem
    (each column's default is the policy's, see statutory/)."""
    kind = STATUTORY_ROSTER[name]
    if not text or kind == "pii":
        return (text or None), None, None
    if kind == "money":
        amount = parse_money(text)
        if amount is None or amount < 0:
            return None, "D700", f"not an amount: '{text}' — write the base like 8000.00"
        return amount, None, None
    if kind == "rate":
        rate = _rate(text)
        if rate is None:
            return None, "D701", f"not a rate: '{text}' — write it like 7% or 0.07"
        return rate, None, None
    if kind == "flag":
        word = norm(text)
        if word in YES or word in NO:
            return word in YES, None, None
        return None, "D703", f"'{text}' is not yes or no — write yes, no, or leave it blank"
    choices = STATUTORY_CHOICES[name]
    word = norm(text)
    if word not in choices:
        return None, "D702", f"'{text}' is not one of {', '.join(choices)} — write one of them"
    return word, None, None


def _rate(text: str) -> Decimal | None:
    cleaned = text.strip()
    percent = cleaned.endswith("%")
    number = parse_number(cleaned.removesuffix("%").strip())
    if number is None:
        return None
    rate = number / 100 if percent else number
    return rate if 0 <= rate <= 1 else None


# ------------------------------------------------------------------------------- ytd.csv

YTD_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "agent_id": pl.String,
    **{f"ytd_{n}": pl.Int64 if n == "months_counted" else ENGINE for n in YTD_COLUMNS},
    "ytd_line": pl.Int64,
}


def load_ytd(path: Path, *, work_dir: Path, agent_ids: set[str], month: Month) -> pl.DataFrame:
    """ytd.csv → agent_id, ytd_<column> (every column required, amounts ≥ 0, months a
    whole number of at most the months before this one), ytd_line; one row per agent."""
    required = YTD_REQUIRED
    f = SmallFile(Path(path), Path(work_dir), YTD_ALIASES, required, YTD_CODES)
    records: list[dict[str, object]] = []
    seen: dict[object, int] = {}
    for line, row in f.rows():
        f.required(line, row, required)
        agent_id = f.agent(line, row, agent_ids)
        if agent_id:
            f.duplicate(line, agent_id, seen, "agent_id", "D714", f"agent '{agent_id}'")
        record: dict[str, object] = {"agent_id": agent_id, "ytd_line": line}
        for name in YTD_COLUMNS:
            record[f"ytd_{name}"] = _ytd_cell(f, line, name, row.get(name, ""), month)
        records.append(record)
    f.fail_if_problems()
    data = {name: [r.get(name) for r in records] for name in YTD_SCHEMA}
    return exact_frame(data, YTD_SCHEMA).sort("agent_id")


def _ytd_cell(f: SmallFile, line: int, name: str, text: str, month: Month) -> object:
    if not text:
        return None
    if name == "months_counted":
        number = parse_number(text)
        if number is None or number != int(number) or number < 0:
            f.problem(line, name, "D715", f"not a count of months: '{text}' — write 0 to 11")
            return None
        if number > month.month - 1:
            message = (
                f"{int(number)} months counted before {month}, which has {month.month - 1}"
                " earlier months this year — count only this year's months before it"
            )
            f.problem(line, name, "D716", message)
        return int(number)
    amount = parse_money(text)
    if amount is None or amount < 0:
        f.problem(line, name, "D715", f"not an amount: '{text}' — write it like 12000.00")
    return amount
