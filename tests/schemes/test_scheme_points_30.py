"""A hand-worked month (examples/points-30/2026-10) under rules/points-30.toml (S001-01..04, 09).

Every expected figure below is worked by hand from the rule text and the rows of the example's
CSV files (agents, chats, orders, attendance, events); see the comments.

Net sales (one chat per buyer, each order within a day of its chat, so each is credited):
  A1 小美 15000.00 · A2 阿杰 12500.00 − refund 500.00 = 12000.00 · A3 晓雨 6000.00 + 3012.35 =
  9012.35 · A4 老王 6033.50 · A5 小林 4500.00 · A6 小周 3000.00 · A7 小陈 1500.00

当月奖金 bonus = 1% of net sales (half-up to the fen):
  150.00, 120.00, 90.1235 → 90.12, 60.335 → 60.34, 45.00, 30.00, 15.00

Points (S001-02 deductions: first occurrence a warning, then per occurrence; S001-04 rewards):
  performance rank by net sales: A1 1st +5 (金牌客服), A2 2nd +3, A3 3rd +1, the rest 0.
  deductions that cost points (warnings excluded): ≤ 2 → +3.

  A1: suggestions 2 → +6; rank +5; 0 deductions → +3            30+5+3+6        = 44
  A2: attitude 2 → −1; not annotated 4 → −3; deep discount 3 → −2×2 = −4; shirking 1 →
      warning 0; deductions 1+3+2 = 6 → no +3; rank +3          30+3−1−3−4      = 25
  A3: major error 1 → −10 (flag 留司查看); attitude 1 → warning; deductions 1 → +3;
      rank +1                                                   30+1−10+3       = 24
  A4: major error 1 → −10; deep discount 2 → −2; not annotated 3 → −2; deductions
      1+1+2 = 4 → no +3; suggestion 1 → +3                      30−10−2−2+3     = 19
  A5: major error 2 → −20; deductions 2 → +3 (exactly 2 still counts); praise reviews 4
      (< 5) → 0                                                 30−20+3         = 13
  A6: praise reviews 5 → +3; major problem reported 1 → +5; +3  30+3+5+3        = 41
  A7: shirking 2 → −1; deductions 1 → +3                        30−1+3          = 32

Score → bonus factor (S001-03) → 积分奖金调整 = bonus × factor (half-up):
  A1 44 → (44−25)×2% = +38% × 150.00 = 57.00
  A2 25 → exactly 25: +0%                    → 0.00
  A3 24 → [20, 25) −10% × 90.12 = −9.012     → −9.01
  A4 19 → [15, 20) −30% × 60.34 = −18.102    → −18.10
  A5 13 → < 15 −100% × 45.00                 → −45.00
  A6 41 → +32% × 30.00                       → 9.60
  A7 32 → +14% × 15.00                       → 2.10

Fines (S001-09, money, deducted):
  A2: missed clock-in 1 without a form + 6 forms − 5 allowed = 1 → 2 × 10 = 20;
      旺旺 offline 3 times → 10; attitude complaints 2 × 5 = 10
  A3: 旷工 1 day × 30 = 30; meal break over 1 × 5 = 5; attitude complaint 1 × 5 = 5
  A4: unapproved shift swap 1 × 20 = 20; 旺旺 offline 2 (< 3) → 0; phone complaints 3 → 5
  A5: 旷工 2 days × 30 = 60; phone complaints 2 (< 3) → 0
  A7: meal break over 2 × 5 = 10

Total (奖金及奖惩合计) = bonus + adjustment − fines:
  A1 150.00+57.00 = 207.00 · A2 120.00−20−10−10 = 80.00 · A3 90.12−9.01−30−5−5 = 41.11 ·
  A4 60.34−18.10−20−5 = 17.24 · A5 45.00−45.00−60 = −60.00 · A6 30.00+9.60 = 39.60 ·
  A7 15.00+2.10−10 = 7.10
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from helpers import D

from csincentive.month.compute import compute_month
from csincentive.rules.loader import check_rules

ROOT = Path(__file__).resolve().parents[2]
MONTH = ROOT / "examples" / "points-30" / "2026-10"
RULES = ROOT / "rules" / "points-30.toml"
AGENTS = ["A1", "A2", "A3", "A4", "A5", "A6", "A7"]


@pytest.fixture(scope="module")
def result():
    return compute_month(MONTH, RULES)


def line_amounts(result, component: str) -> list[str]:
    """The amount column of lines.csv for one component, in agent order."""
    rows = result.lines.filter(pl.col("component") == component).sort("agent_id")
    assert rows["agent_id"].to_list() == AGENTS
    return rows["amount"].to_list()


def explanation(result, agent: str, component: str) -> str:
    rows = result.lines.filter((pl.col("agent_id") == agent) & (pl.col("component") == component))
    return rows["explanation"].item()


def test_rules_file_validates_without_errors():
    _, diagnostics = check_rules(RULES)
    assert diagnostics == []


def test_payroll_worked_by_hand(result):
    payroll = result.payroll
    assert payroll.columns == [
        "agent_id",
        "name",
        "team",
        "role",
        "bonus",
        "bonus_adjustment",
        "missed_clock_in_fine",
        "shift_swap_fine",
        "offline_fine",
        "phone_fine",
        "absence_fine",
        "meal_break_fine",
        "attitude_fine",
        "gross",
    ]
    assert payroll["agent_id"].to_list() == AGENTS
    column = {name: payroll[name].to_list() for name in payroll.columns[4:]}
    assert column["bonus"] == D("150.00", "120.00", "90.12", "60.34", "45.00", "30.00", "15.00")
    assert column["bonus_adjustment"] == D(
        "57.00", "0.00", "-9.01", "-18.10", "-45.00", "9.60", "2.10"
    )
    z = "0.00"
    assert column["missed_clock_in_fine"] == D(z, "-20.00", z, z, z, z, z)
    assert column["shift_swap_fine"] == D(z, z, z, "-20.00", z, z, z)
    assert column["offline_fine"] == D(z, "-10.00", z, z, z, z, z)
    assert column["phone_fine"] == D(z, z, z, "-5.00", z, z, z)
    assert column["absence_fine"] == D(z, z, "-30.00", z, "-60.00", z, z)
    assert column["meal_break_fine"] == D(z, z, "-5.00", z, z, z, "-10.00")
    assert column["attitude_fine"] == D(z, "-10.00", "-5.00", z, z, z, z)
    assert column["gross"] == D("207.00", "80.00", "41.11", "17.24", "-60.00", "39.60", "7.10")


def test_points_worked_by_hand(result):
    assert line_amounts(result, "attitude_points") == ["0", "-1", "0", "0", "0", "0", "0"]
    assert line_amounts(result, "annotation_points") == ["0", "-3", "0", "-2", "0", "0", "0"]
    assert line_amounts(result, "discount_points") == ["0", "-4", "0", "-2", "0", "0", "0"]
    assert line_amounts(result, "shirking_points") == ["0", "0", "0", "0", "0", "0", "-1"]
    assert line_amounts(result, "major_error_points") == ["0", "0", "-10", "-10", "-20", "0", "0"]
    assert line_amounts(result, "deduction_count") == ["0", "6", "1", "4", "2", "0", "1"]
    assert line_amounts(result, "performance_points") == ["5", "3", "1", "0", "0", "0", "0"]
    assert line_amounts(result, "few_deductions_points") == ["3", "0", "3", "0", "3", "3", "3"]
    assert line_amounts(result, "praise_points") == ["0", "0", "0", "0", "0", "3", "0"]
    assert line_amounts(result, "report_points") == ["0", "0", "0", "0", "0", "5", "0"]
    assert line_amounts(result, "suggestion_points") == ["6", "0", "0", "3", "0", "0", "0"]
    # One agent in each band: > 25 (A1, A6, A7), exactly 25 (A2), [20, 25) (A3),
    # [15, 20) (A4), < 15 (A5).
    assert line_amounts(result, "score") == ["44", "25", "24", "19", "13", "41", "32"]
    assert line_amounts(result, "bonus_factor") == [
        "38%",
        "0%",
        "-10%",
        "-30%",
        "-100%",
        "32%",
        "14%",
    ]
    # Points are not pay: none of them is on the payslip.
    points = result.lines.filter(pl.col("component").str.ends_with("_points"))
    assert not points["pays"].any()


def test_lines_sum_to_the_total(result):
    paid = result.lines.filter(pl.col("pays"))
    sums = paid.group_by("agent_id").agg(pl.col("amount").cast(pl.Decimal(38, 2)).sum())
    by_agent = dict(zip(sums["agent_id"], sums["amount"], strict=True))
    assert by_agent == dict(zip(result.payroll["agent_id"], result.payroll["gross"], strict=True))


def test_explanations_read_for_a_payroll_clerk(result):
    assert explanation(result, "A3", "bonus_factor") == (
        "月末积分 24 → [20, 25) 扣当月奖金10% → -10% = -10%"
    )
    assert explanation(result, "A3", "bonus_adjustment") == (
        "当月奖金（个人接单提成） * 积分奖金系数，其中 当月奖金（个人接单提成）=90.12；积分奖金系数=-10% = -9.01"
    )
    assert explanation(result, "A5", "bonus_factor") == (
        "月末积分 13 → < 15 低于15分，奖金报销 → -100% = -100%"
    )
    assert explanation(result, "A2", "discount_points") == (
        "为转化率私自大幅度降价 3 次，前 1 次不罚：2 + 2 = -4"
    )
    assert explanation(result, "A1", "performance_points") == (
        "净销售额 15000.00 → 第 1 名 / 7 人（岗位=客服） = 5"
    )
    assert explanation(result, "A2", "missed_clock_in_fine") == (
        "10 * (缺卡 + max(补卡申请 - 5, 0))，其中 缺卡=1；补卡申请=6 = -20.00"
    )
    assert explanation(result, "A4", "offline_fine") == (
        "if(值班时未登录旺旺（无特别原因） >= 3, 10, 0)，其中 值班时未登录旺旺（无特别原因）=2 = 0.00"
    )


def test_flags_gold_agent_and_probation_watch(result):
    flags = result.flags.select("agent_id", "component", "flag").rows()
    assert flags == [
        ("A1", "gold_agent", "金牌客服（月度绩效第一名，S001-04）"),
        ("A3", "major_error_points", "留司查看（重大错误，S001-02）"),
        ("A4", "major_error_points", "留司查看（重大错误，S001-02）"),
        ("A5", "major_error_points", "留司查看（重大错误，S001-02）"),
    ]


def test_w133_table_with_percent_value_on_points_is_not_a_ratio(tmp_path):
    rules = tmp_path / "points.toml"
    rules.write_text(
        """
[scheme]
id = "t"
name = "t"
valid_from = "2026-01-01"

[components.score]
label = "积分"
kind = "formula"
pay = false
format = "points"
expr = "30"

[components.factor]
label = "系数"
kind = "table"
pay = false
format = "percent"
on = "score"
rows = [{ below = 25, value = "-10%" }, { from = 25, value = 0 }]
""",
        encoding="utf-8",
    )
    _, diagnostics = check_rules(rules)
    assert diagnostics == []
