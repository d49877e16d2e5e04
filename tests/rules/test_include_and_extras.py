"""Rules files that include and extend others, and the optional period inputs
(attendance.csv, events.csv, inputs.csv) as the pipeline uses them."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from csincentive.core.diagnostics import InputError
from csincentive.month.compute import compute_month
from csincentive.rules.loader import check_rules

ROOT = Path(__file__).resolve().parents[2]
MONTH = ROOT / "tests" / "months" / "2026-10"

SHARED = """
[params]
snack_fine = 10

[events.snacks]
label = "零食"
rule = "S000-12"

[components.snacks_fine]
label = "零食罚款"
rule = "S000-12"
kind = "ladder"
count = "snacks"
free = 1
amounts = [10]
deduct = true
"""

MAIN = """
include = ["shared.toml"]

[scheme]
id = "t"
name = "测试"
valid_from = "2026-01-01"

[params]
snack_fine = 20

[components.base]
label = "底薪"
kind = "formula"
expr = "1000"
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_include_adds_and_the_including_file_overrides(tmp_path: Path):
    write(tmp_path, "shared.toml", SHARED)
    main = write(tmp_path, "main.toml", MAIN)
    rules, diagnostics = check_rules(main)
    assert diagnostics == []
    assert rules is not None
    assert list(rules.components) == ["snacks_fine", "base"]
    assert rules.params["snack_fine"] == Decimal(20)  # the including file wins
    assert list(rules.events) == ["snacks"]


def test_included_roster_fields_keep_their_types(tmp_path: Path):
    # The shared file declares si_base as money; the including file adds education (the
    # old list form: text) and gets both, each with its type, the included one first.
    shared = '[inputs]\nroster_fields = [{ name = "si_base", type = "money" }]\n'
    write(tmp_path, "shared.toml", shared + SHARED)
    main = write(
        tmp_path,
        "main.toml",
        MAIN.replace("[scheme]", '[inputs]\nroster_fields = ["education"]\n\n[scheme]'),
    )
    rules, diagnostics = check_rules(main)
    assert diagnostics == []
    assert rules is not None
    assert rules.inputs.roster_fields == {"si_base": "money", "education": "text"}
    assert list(rules.inputs.roster_fields) == ["si_base", "education"]


def test_a_roster_field_type_that_does_not_exist(tmp_path: Path):
    bad = '[inputs]\nroster_fields = [{ name = "si_base", type = "moeny" }]\n'
    main = write(tmp_path, "main.toml", MAIN.replace('include = ["shared.toml"]\n', bad))
    [d] = check_rules(main)[1]
    assert d.render() == (
        f'{main}:3:1: E103 inputs.roster_fields: "moeny" is not allowed here; write '
        "'text', 'number' or 'money'"
    )


def test_errors_in_an_included_file_point_into_it(tmp_path: Path):
    write(tmp_path, "shared.toml", SHARED.replace('count = "snacks"', 'count = "snack"'))
    main = write(tmp_path, "main.toml", MAIN)
    _, diagnostics = check_rules(main)
    rendered = [d.render() for d in diagnostics]
    # SHARED's line 13 is `count = "snack"`; the name starts at column 10.
    assert rendered == [
        f"{tmp_path / 'shared.toml'}:13:10: E110 components.snacks_fine.count: "
        "unknown name 'snack'; did you mean 'snacks'?"
    ]


def test_include_cycle_and_missing_file(tmp_path: Path):
    write(tmp_path, "shared.toml", 'include = ["main.toml"]\n' + SHARED)
    main = write(tmp_path, "main.toml", MAIN)
    codes = sorted(d.code for d in check_rules(main)[1])
    assert codes == ["E106"]
    (tmp_path / "shared.toml").unlink()
    [missing] = check_rules(main)[1]
    assert missing.code == "E001" and missing.file.endswith("shared.toml")


def test_a_file_to_run_needs_a_scheme(tmp_path: Path):
    shared = write(tmp_path, "shared.toml", SHARED)
    [d] = check_rules(shared)[1]
    assert d.render() == (
        f"{shared}:1:1: E102 scheme: required table [scheme] is missing; "
        "add it with id, name and valid_from"
    )


@pytest.fixture
def month(tmp_path: Path) -> Path:
    copy = tmp_path / "2026-10"
    shutil.copytree(MONTH, copy)
    return copy


RULES_WITH_EXTRAS = """
[scheme]
id = "t"
name = "测试"
valid_from = "2026-01-01"

[inputs]
manual = ["execution"]
manual_required = ["execution"]
ignore_accounts = ["云杉:临时工"]  # tests/months/2026-10's temp, not on the roster

[events.snacks]
label = "零食"

[components.full_attendance]
label = "全勤奖"
kind = "formula"
expr = "if(late <= 3 and leave_sick == 0, 600, 0)"

[components.execution_points]
label = "执行力"
kind = "formula"
expr = "execution"
pay = false
format = "points"

[components.snacks_fine]
label = "零食罚款"
kind = "ladder"
count = "snacks"
free = 1
amounts = [10]
deduct = true
"""

ATTENDANCE = "agent_id,scheduled_days,worked_days,late,leave_sick\n" + "".join(
    f"{a},22,22,{late},{sick}\n"
    for a, late, sick in [
        ("S1", 0, 0),
        ("A1", 3, 0),
        ("A2", 4, 0),
        ("A3", 0, 1),
        ("A4", 0, 0),
        ("A5", 0, 0),
    ]
)


def test_extras_feed_the_rules(month: Path, tmp_path: Path):
    rules = write(tmp_path, "r.toml", RULES_WITH_EXTRAS)
    write(month, "attendance.csv", ATTENDANCE)
    write(
        month,
        "events.csv",
        "agent_id,date,event,count\nA1,2026-10-03,snacks,1\nA1,2026-10-09,snacks,2\n",
    )
    write(
        month,
        "inputs.csv",
        "agent_id,name,value\n"
        + "".join(
            f"{a},execution,{v}\n"
            for a, v in [("S1", 250), ("A1", 280), ("A2", 300), ("A3", 120), ("A4", 0), ("A5", 90)]
        ),
    )
    result = compute_month(month, rules)
    payroll = result.payroll.sort("agent_id")
    # Full attendance: A2 has 4 lates, A3 a sick day → 0; others 600.
    assert payroll["full_attendance"].to_list() == [
        Decimal(v) for v in ["600.00", "0.00", "0.00", "600.00", "600.00", "600.00"]
    ]
    # A1: 3 snacks, the first a warning → 2 × 10 = −20.
    assert payroll["snacks_fine"].to_list() == [
        Decimal(v) for v in ["-20.00", "0.00", "0.00", "0.00", "0.00", "0.00"]
    ]
    assert "execution_points" not in payroll.columns  # points are not pay
    assert set(result.input_files) >= {"attendance", "events", "manual"}


def test_missing_attendance_file_and_required_manual(month: Path, tmp_path: Path):
    rules = write(tmp_path, "r.toml", RULES_WITH_EXTRAS)
    write(month, "inputs.csv", "agent_id,name,value\nA1,execution,280\n")
    with pytest.raises(InputError) as caught:
        compute_month(month, rules)
    rendered = [d.render() for d in caught.value.diagnostics]
    assert rendered[0] == (
        f"{month / 'attendance.csv'}: D409 file not found — the rules use attendance "
        f"(late, leave_sick); put attendance.csv in {month}"
    )
    assert (
        f"{month / 'inputs.csv'}: D608 execution: agent 'A2' has no 'execution' — add a row 'A2,execution,<value>'"
        in rendered
    )
    assert len(rendered) == 1 + 5  # every person without an execution score


def test_every_roster_person_needs_an_attendance_row(month: Path, tmp_path: Path):
    rules = write(
        tmp_path, "r.toml", RULES_WITH_EXTRAS.replace('manual_required = ["execution"]', "")
    )
    write(month, "attendance.csv", "\n".join(ATTENDANCE.splitlines()[:-1]) + "\n")  # no A5
    with pytest.raises(InputError) as caught:
        compute_month(month, rules)
    assert [d.render() for d in caught.value.diagnostics] == [
        f"{month / 'attendance.csv'}: D410 agent_id: agent 'A5' has no row — add their "
        "attendance (scheduled and worked days)"
    ]
