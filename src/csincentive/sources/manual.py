"""inputs.csv: manual figures in long form ``agent_id, name, value`` (leader-rated
execution, tickets, QA deductions…; S002-08), widened by :func:`per_agent_manual`.
Codes D601..D608."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import polars as pl

from csincentive.core.diagnostics import Diagnostic
from csincentive.core.money import ENGINE, exact_frame
from csincentive.sources.headers import norm
from csincentive.sources.small import Codes, SmallFile, did_you_mean, parse_number

TRUE_WORDS = ("是", "yes", "true", "y")
FALSE_WORDS = ("否", "no", "false", "n")
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
MANUAL_CODES = Codes("D601", "D602", "D603", "D604")


def load_manual(
    path: Path, *, work_dir: Path, agent_ids: set[str], known_names: set[str] | None
) -> pl.DataFrame:
    """inputs.csv (agent_id, name, value) → agent_id, name, value (Decimal(38, 10)), line.

    Values are numbers, or 是/否, yes/no, true/false for 1/0. Each (agent_id, name) appears
    once. Sorted by (agent_id, name).
    """
    f = SmallFile(Path(path), Path(work_dir), MANUAL_ALIASES, MANUAL_REQUIRED, MANUAL_CODES)
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
                f"unknown input '{name}' — {did_you_mean(name, known_names)}fix the name or "
                "declare it in the rules file under [inputs] manual = [...]",
            )
        if agent_id and name:
            f.duplicate(
                line, (agent_id, name), seen, "name", "D606", f"'{name}' for agent '{agent_id}'"
            )
        value = _manual_cell(f, line, row["value"])
        records.append({"agent_id": agent_id, "name": name, "value": value, "line": line})
    f.fail_if_problems()
    data = {name: [r[name] for r in records] for name in MANUAL_SCHEMA}
    return exact_frame(data, MANUAL_SCHEMA).sort(["agent_id", "name"])


def _manual_cell(f: SmallFile, line: int, text: str) -> Decimal | None:
    value = manual_value(text) if text else None
    if text and value is None:
        f.problem(
            line,
            "value",
            "D607",
            f"not a number: '{text}' — write a number like 85 or 2.5, or 是/否 (yes/no) for 1/0",
        )
    return value


def manual_value(text: str) -> Decimal | None:
    """A number, or 是/否 (yes/no, true/false) for 1/0; None when it is neither."""
    word = norm(text)
    if word in TRUE_WORDS:
        return Decimal(1)
    if word in FALSE_WORDS:
        return Decimal(0)
    return parse_number(text)


def per_agent_manual(manual: pl.DataFrame, names: list[str]) -> pl.DataFrame:
    """Manual inputs → agent_id + one Decimal(38, 10) column per name (null where the agent
    has no row for it); one row per agent with inputs, sorted by agent_id."""
    columns = [
        pl.col("value").filter(pl.col("name") == name).first().cast(ENGINE).alias(name)
        for name in names
    ]
    return manual.group_by("agent_id").agg(columns).sort("agent_id")


def required_manual(path: Path, wide: pl.DataFrame, required: list[str]) -> list[Diagnostic]:
    """D608 for each person without a row for a name every person needs."""
    out = []
    for name in required:
        for agent in wide.filter(pl.col(name).is_null())["agent_id"].sort().to_list():
            message = f"agent '{agent}' has no '{name}' — add a row '{agent},{name},<value>'"
            out.append(Diagnostic(file=str(path), message=message, code="D608", path=name))
    return out


def no_manual() -> pl.DataFrame:
    """The manual figures of a month whose folder has no inputs.csv: none."""
    return pl.DataFrame(schema=MANUAL_SCHEMA)
