"""A hand-worked month (examples/warning-ladder/2026-10) under rules/warning-ladder.toml
(S001-05 优秀员工, S001-06 warning ladder, S001-07 dismissal flags).

Every expected figure below is worked by hand from the rule text and the rows of the example's
CSV files (agents, attendance, events, inputs); see the comments.

Warnings issued this month (events.csv): P4 老王 7 oral · P5 小林 3 written · P6 小周 1 oral ·
P7 小陈 1 written (for his 旷工).

Ladder (S001-06: 3 oral = 1 written, 3 written = 1 final; the fine follows the level):
          written_total        final_total          oral_left   written_left   fines
  P4      0 + floor(7/3) = 2   0 + floor(2/3) = 0   7 − 6 = 1   2              10×1 + 50×2 = 110
  P5      3 + 0 = 3            0 + floor(3/3) = 1   0           3 − 3 = 0      200×1       = 200
  P6      0                    0                    1           0              10
  P7      1                    0                    0           1              50

优秀员工 (S001-05): regular, employed all month, no violation (warnings + 旷工 days), no sick or
personal leave, no lateness or early leave, no maternity leave; the eligible person with the
most votes wins 200.
  P1 小美 votes 10 — late once                     → not eligible
  P8 小芳 votes 9  — maternity leave 5 days         → not eligible
  P3 晓雨 votes 8  — hired 2026-09-01, probation to 2026-11-30 → not eligible
  P2 阿杰 votes 7  — annual 1 + marriage 3 days (allowed)     → eligible, place 1 → 200
  P9 小何 votes 3  — bereavement 2 days (not a disqualifier)  → eligible, place 2
  P4 (7 violations), P5 (3), P6 (1), P7 (1 warning + 3 旷工 days = 4) → not eligible

Dismissal flags (S001-07):
  P6: final warning on file from an earlier month + 1 violation → 最后警告后又违纪
  P7: longest 旷工 run 3 days (≥ 3) → 连续旷工; 2 earlier days this year + 3 = 5 (≥ 5) → 累计旷工
  P5: a final warning this month (3 written), nothing left over → no flag

Total (奖惩合计): P1 0 · P2 200 · P3 0 · P4 −110 · P5 −200 · P6 −10 · P7 −50 · P8 0 · P9 0
"""

from __future__ import annotations

import csv
import shutil
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from helpers import D, moved_month

from csincentive.ledger.store import Ledger
from csincentive.month.compute import compute_month
from csincentive.rules.loader import check_rules

ROOT = Path(__file__).resolve().parents[2]
MONTH = ROOT / "examples" / "warning-ladder" / "2026-10"
RULES = ROOT / "rules" / "warning-ladder.toml"
PEOPLE = ["P1", "P2", "P3", "P4", "P5", "P6", "P7", "P8", "P9"]


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    return compute_month(MONTH, RULES, ledger=Ledger(tmp_path_factory.mktemp("ledger")))


def line_amounts(result, component: str) -> list[str]:
    rows = result.lines.filter(pl.col("component") == component).sort("agent_id")
    assert rows["agent_id"].to_list() == PEOPLE
    return rows["amount"].to_list()


def explanation(result, agent: str, component: str) -> str:
    rows = result.lines.filter((pl.col("agent_id") == agent) & (pl.col("component") == component))
    return rows["explanation"].item()


def copy_month(tmp_path: Path) -> Path:
    folder = tmp_path / "2026-10"
    shutil.copytree(MONTH, folder)
    return folder


def set_attendance(folder: Path, agent: str, column: str, value: str) -> None:
    path = folder / "attendance.csv"
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        if row["agent_id"] == agent:
            row[column] = value
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def append(folder: Path, file: str, text: str) -> None:
    with (folder / file).open("a", encoding="utf-8") as f:
        f.write(text)


def test_rules_file_validates_clean():
    _, diagnostics = check_rules(RULES)
    assert diagnostics == []


def test_payroll_worked_by_hand(result):
    payroll = result.payroll
    assert payroll.columns == [
        "agent_id",
        "name",
        "team",
        "role",
        "oral_fine",
        "written_fine",
        "final_fine",
        "excellent_employee",
        "gross",
    ]
    assert payroll["agent_id"].to_list() == PEOPLE
    z = "0.00"
    assert payroll["oral_fine"].to_list() == D(z, z, z, "-10.00", z, "-10.00", z, z, z)
    assert payroll["written_fine"].to_list() == D(z, z, z, "-100.00", z, z, "-50.00", z, z)
    assert payroll["final_fine"].to_list() == D(z, z, z, z, "-200.00", z, z, z, z)
    assert payroll["excellent_employee"].to_list() == D(z, "200.00", z, z, z, z, z, z, z)
    assert payroll["gross"].to_list() == D(
        z, "200.00", z, "-110.00", "-200.00", "-10.00", "-50.00", z, z
    )


def test_ladder_conversion_worked_by_hand(result):
    # P4: 7 oral warnings = 2 written + 1 oral; P5: 3 written = 1 final.
    assert line_amounts(result, "written_total") == ["0", "0", "0", "2", "3", "0", "1", "0", "0"]
    assert line_amounts(result, "final_total") == ["0", "0", "0", "0", "1", "0", "0", "0", "0"]
    assert line_amounts(result, "oral_left") == ["0", "0", "0", "1", "0", "1", "0", "0", "0"]
    assert line_amounts(result, "written_left") == ["0", "0", "0", "2", "0", "0", "1", "0", "0"]
    assert explanation(result, "P4", "written_total") == (
        "书面警告 + floor(口头警告 / 3)，其中 书面警告=0；口头警告=7 = 2"
    )
    assert explanation(result, "P4", "written_fine") == (
        "50 * 书面警告（折算后剩余），其中 书面警告（折算后剩余）=2 = -100.00"
    )
    assert explanation(result, "P5", "final_fine") == (
        "200 * 最后警告（含书面折算），其中 最后警告（含书面折算）=1 = -200.00"
    )


def test_excellent_employee_eligibility_worked_by_hand(result):
    assert line_amounts(result, "violations") == ["0", "0", "0", "7", "3", "1", "4", "0", "0"]
    assert line_amounts(result, "excellent_eligible") == [
        "0",
        "1",
        "0",
        "0",
        "0",
        "0",
        "0",
        "0",
        "1",
    ]
    assert explanation(result, "P2", "excellent_employee") == (
        "votes 7（9 人 → 1 个名额）：符合条件，第 1 位 = 200.00"
    )
    assert explanation(result, "P1", "excellent_employee") == (
        "votes 10（9 人 → 1 个名额）：不符合条件（优秀员工评选资格 == 1 且 votes > 0） = 0.00"
    )


def test_dismissal_flags(result):
    assert result.flags.select("agent_id", "component", "rule", "flag").rows() == [
        ("P6", "after_final_warning", "S001-07", "辞退审查：最后警告后又违纪（S001-07）"),
        ("P7", "absent_streak", "S001-07", "辞退审查：连续旷工3天以上（S001-07）"),
        ("P7", "absent_this_year", "S001-07", "辞退审查：一年内累计旷工5天（S001-07）"),
    ]


@pytest.mark.parametrize(
    ("column", "disqualifies"),
    [
        ("late", True),
        ("early_leave", True),
        ("leave_sick", True),
        ("leave_personal", True),
        ("leave_maternity", True),
        ("absent", True),
        ("leave_annual", False),
        ("leave_marriage", False),
        ("leave_bereavement", False),
    ],
)
def test_each_attendance_condition_of_the_award(tmp_path, column, disqualifies):
    # P2 (7 votes) wins unless the change disqualifies him; then P9 (3 votes) wins.
    folder = copy_month(tmp_path)
    set_attendance(folder, "P2", column, "1")
    award = (
        compute_month(folder, RULES, ledger=Ledger(tmp_path / "ledger"))
        .payroll["excellent_employee"]
        .to_list()
    )
    winner = PEOPLE[award.index(Decimal("200.00"))]
    assert award.count(Decimal("200.00")) == 1
    assert winner == ("P9" if disqualifies else "P2")


def test_company_pick_wins_when_eligible(tmp_path):
    folder = copy_month(tmp_path)
    append(folder, "inputs.csv", "P9,excellent_pick,是\n")
    award = (
        compute_month(folder, RULES, ledger=Ledger(tmp_path / "ledger"))
        .payroll["excellent_employee"]
        .to_list()
    )
    assert award == D("0.00", "0.00", *["0.00"] * 6, "200.00")


def test_company_pick_of_an_ineligible_person_is_ignored(tmp_path):
    folder = copy_month(tmp_path)
    append(folder, "inputs.csv", "P1,excellent_pick,是\n")
    award = (
        compute_month(folder, RULES, ledger=Ledger(tmp_path / "ledger"))
        .payroll["excellent_employee"]
        .to_list()
    )
    assert award == D("0.00", "200.00", *["0.00"] * 7)


def test_nine_orals_make_a_final_and_a_final_with_leftovers_is_flagged(tmp_path):
    # P4: 9 oral = 3 written = 1 final → 200, nothing left. P5: 3 written + 1 oral → final 200 +
    # oral 10, and the oral may have come after the final → review flag.
    folder = copy_month(tmp_path)
    append(
        folder,
        "events.csv",
        "P4,2026-10-28,oral_warning,2,,\nP5,2026-10-29,oral_warning,1,,\n",
    )
    month = compute_month(folder, RULES, ledger=Ledger(tmp_path / "ledger"))
    payroll = month.payroll
    assert payroll["oral_fine"].to_list()[3:5] == D("0.00", "-10.00")
    assert payroll["written_fine"].to_list()[3:5] == D("0.00", "0.00")
    assert payroll["final_fine"].to_list()[3:5] == D("-200.00", "-200.00")
    flagged = month.flags.filter(pl.col("component") == "final_this_month")
    assert flagged["agent_id"].to_list() == ["P5"]


def test_flag_when_may_read_its_own_component(tmp_path):
    rules = tmp_path / "self_flag.toml"
    rules.write_text(
        """
[scheme]
id = "t"
name = "t"
valid_from = "2026-01-01"

[components.violations]
label = "本月违规次数"
kind = "formula"
pay = false
format = "number"
expr = "sessions"
flag_when = "violations >= 1"
flag = "review"
""",
        encoding="utf-8",
    )
    _, diagnostics = check_rules(rules)
    assert diagnostics == []


def test_yearly_absence_adds_the_ledgers_months(tmp_path):
    # S001-07 "一年内累计旷工五天": October (recorded) P7 3 days + 2 before the ledger = 5.
    # November: P7 absent 1 more day → 2 + 3 + 1 = 6 ≥ 5 → flagged again; P6 had none.
    ledger = Ledger(tmp_path / "ledger")
    ledger.record(compute_month(MONTH, RULES, ledger=ledger))
    november = moved_month(MONTH, tmp_path, 11)
    attendance = november / "attendance.csv"
    attendance.write_text(
        attendance.read_text(encoding="utf-8").replace("P7,22,19,0,0,3,", "P7,22,21,0,0,1,"),
        "utf-8",
    )
    result = compute_month(november, RULES, ledger=ledger)
    p7 = result.values.filter(pl.col("agent_id") == "P7")
    assert p7["absent_this_year"][0] == Decimal(6)
    assert result.lines.filter(
        (pl.col("agent_id") == "P7") & (pl.col("component") == "absent_this_year")
    )["explanation"][0] == (
        "absent_days_before_ledger + year_sum(旷工)，其中 absent_days_before_ledger=2；year_sum(旷工)=4 = 6"
    )
