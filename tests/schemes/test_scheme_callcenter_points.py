"""A hand-worked month (examples/callcenter-points/2026-10) under rules/callcenter-points.toml.

Seed 002, 2017客服薪资构成及绩效考核 (S002-07..11). Every expected figure below was worked
by hand from the rule text and the rows of agents.csv, chats.csv, attendance.csv and
inputs.csv — not copied from a run.

  pay          = base + performance pay
  base         = 3000 × worked_days / scheduled_days                              (S002-07)
  performance  = total points × 0.5, 0 when the coefficient is 0 (不发绩效), ≥ 0      (S002-07)
  total points = reception × coefficient + min(execution, 300) + tickets + full attendance
                 + 100 × excellent cases + grade points + extra points − 10 × error tickets
  reception    = 1 × chats.csv sessions + 2 × vip_chats + 2 × phone_calls         (S002-09)
  coefficient  = by ceil(qa_deductions) and track                                 (S002-10)
                 basic: <21 1.2 · [21,31) 1.0 · [31,50) 0.8 · [50,70) 0.6 · ≥70 0 不发绩效
                 vip:   <16 1.5 · [16,21) 1.2 · [21,36) 1.0 · [36,51) 0.8 · ≥51 0 不发绩效
  full att.    = 600 unless sick/personal/annual leave, shift swap, absence, late > 3, or not
                 employed the whole month                                         (S002-08)
  grade points = 初级 50, 中级 100, 高级 200, 试用 0 (the file's defaults; the seed is blank)

October 2026 has 31 days; everyone is scheduled 22 days. 小陈's chat of 09-30 is another
month, so sessions are B1 5, B2 4, B3 3, B4 2, V3 1, everyone else 0.

B1 小陈 basic 中级  reception 5 + 2×120 = 245; qa 18 → 1.2 → 294
   execution 280, tickets 40, full attendance 600 (late 3 is not "more than 3"; a missed
   clock-in is not listed), excellent 1 → 100, grade 100, extra 20, error 2 → −20
   total 294+280+40+600+100+100+20−20 = 1414 → × 0.5 = 707.00; base 22/22 → 3000.00
   gross 3707.00
B2 小刘 basic 初级  reception 4 + 2×80 = 164; qa 25 → [21,31) 1.0 → 164
   execution 320 capped at 300, tickets 35, late 4 → full attendance 0, grade 50
   total 164+300+35+0+0+50 = 549 → 274.50; base 3000.00; gross 3274.50
B3 阿强 basic 高级  reception 3 + 2×200 = 403; qa 70 → ≥70 不发绩效 → coefficient 0 → 0
   execution 250, tickets 50, sick leave 2 → full attendance 0, excellent 2 → 200, grade 200
   total 0+250+50+0+200+200 = 700, but no performance pay at all → 0.00
   base 3000 × 20/22 = 2727.2727… → 2727.27; gross 2727.27
B4 小周 basic 试用, hired 10-12 (20 days employed)  reception 2 + 2×30 = 62; qa 55 →
   [50,70) 0.6 → 37.2; execution 150, tickets 10, full attendance 0 (not the whole month),
   grade 0; total 37.2+150+10 = 197.2 → 98.60
   base 3000 × 14/22 = 1909.0909… → 1909.09; gross 2007.69
V1 小美 vip 中级  reception 2×300 = 600; qa 15 → <16 1.5 → 900
   execution 290, tickets 60, full attendance 600 (an early leave is not listed),
   excellent 3 → 300, grade 100, error 1 → −10
   total 900+290+60+600+300+100−10 = 2240 → 1120.00; base 3000.00; gross 4120.00
V2 阿杰 vip 高级  reception 2×250 = 500; qa 51 → ≥51 不发绩效 → 0
   execution 300 (at the cap), tickets 20, shift swap → full attendance 0, grade 200
   total 0+300+20+0+0+200 = 520, no performance pay → 0.00; base 3000.00; gross 3000.00
V3 晓雨 vip 初级  reception 1 + 2×180 + 2×10 = 381; qa 15.5 → ceil 16 → [16,21) 1.2 → 457.2
   execution 260, tickets 25, personal leave 1 → full attendance 0, grade 50, extra 15,
   error 3 → −30; total 457.2+260+25+0+0+50+15−30 = 777.2 → 388.60
   base 3000 × 21/22 = 2863.6363… → 2863.64; gross 3252.24
V4 小林 vip 初级  reception 2×100 = 200; qa 40 → [36,51) 0.8 → 160
   execution 200, tickets 0, late 2 → full attendance 600, grade 50
   total 160+200+0+600+0+50 = 1010 → 505.00; base 3000.00; gross 3505.00
"""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from helpers import D, line

from csincentive.core.diagnostics import InputError
from csincentive.month.compute import compute_month
from csincentive.rules.loader import check_rules

ROOT = Path(__file__).resolve().parents[2]
MONTH = ROOT / "examples" / "callcenter-points" / "2026-10"
RULES = ROOT / "rules" / "callcenter-points.toml"
AGENTS = ["B1", "B2", "B3", "B4", "V1", "V2", "V3", "V4"]


@pytest.fixture(scope="module")
def result():
    return compute_month(MONTH, RULES)


def column(result, component: str) -> list[str]:
    """The shown amounts of one (intermediate) line for every agent, in agent_id order."""
    return result.lines.filter(pl.col("component") == component)["amount"].to_list()


def copy_month(tmp_path: Path) -> Path:
    folder = tmp_path / "2026-10"
    shutil.copytree(MONTH, folder)
    return folder


def test_payroll_worked_by_hand(result):
    payroll = result.payroll
    assert payroll.columns == [
        "agent_id",
        "name",
        "team",
        "role",
        "base",
        "performance_pay",
        "gross",
    ]
    assert payroll["agent_id"].to_list() == AGENTS
    assert payroll["base"].to_list() == D(
        "3000.00", "3000.00", "2727.27", "1909.09", "3000.00", "3000.00", "2863.64", "3000.00"
    )
    assert payroll["performance_pay"].to_list() == D(
        "707.00", "274.50", "0.00", "98.60", "1120.00", "0.00", "388.60", "505.00"
    )
    assert payroll["gross"].to_list() == D(
        "3707.00", "3274.50", "2727.27", "2007.69", "4120.00", "3000.00", "3252.24", "3505.00"
    )


def test_points_worked_by_hand(result):
    assert column(result, "reception_points") == [
        "245", "164", "403", "62", "600", "500", "381", "200"
    ]  # fmt: skip
    assert column(result, "qa_points") == ["18", "25", "70", "55", "15", "51", "16", "40"]
    assert column(result, "qa_coefficient") == ["1.2", "1", "0", "0.6", "1.5", "0", "1.2", "0.8"]
    assert column(result, "reception_score") == [
        "294", "164", "0", "37.2", "900", "0", "457.2", "160"
    ]  # fmt: skip
    assert column(result, "execution_score") == [
        "280", "300", "250", "150", "290", "300", "260", "200"
    ]  # fmt: skip
    assert column(result, "full_attendance") == ["600", "0", "0", "0", "600", "0", "0", "600"]
    assert column(result, "grade_score") == ["100", "50", "200", "0", "100", "200", "50", "50"]
    assert column(result, "error_ticket_deduction") == [
        "-20", "0", "0", "0", "-10", "0", "-30", "0"
    ]  # fmt: skip
    assert column(result, "total_points") == [
        "1414", "549", "700", "197.2", "2240", "520", "777.2", "1010"
    ]  # fmt: skip


def test_lines_sum_to_gross(result):
    lines = result.lines.filter(pl.col("pays"))
    sums = lines.group_by("agent_id").agg(pl.col("amount").cast(pl.Decimal(38, 2)).sum())
    by_agent = dict(zip(sums["agent_id"], sums["amount"], strict=True))
    assert by_agent == dict(zip(result.payroll["agent_id"], result.payroll["gross"], strict=True))
    assert result.flags.height == 0


def test_explanations_read_for_the_clerk(result):
    # Proration by worked / scheduled days (S002-07).
    assert line(result, "B3", "base")["explanation"] == (
        "base_monthly，其中 base_monthly=3000 × 出勤 20/22 天 = 2727.27"
    )
    # No performance pay: the coefficient line says why, the pay line is 0 (S002-10).
    assert line(result, "B3", "qa_coefficient_basic")["explanation"] == (
        "质检扣分 70 → ≥ 70 不发绩效 → ×0 = 0"
    )
    assert line(result, "V2", "qa_coefficient_vip")["explanation"] == (
        "质检扣分 51 → ≥ 51 不发绩效 → ×0 = 0"
    )
    assert line(result, "V2", "performance_pay")["explanation"] == ("0：条件不满足（系数 > 0）")
    # A fractional deduction is rounded up into the worse band.
    assert line(result, "V3", "qa_points")["explanation"] == (
        "ceil(qa_deductions)，其中 qa_deductions=15.5 = 16"
    )
    assert line(result, "V3", "qa_coefficient_vip")["explanation"] == (
        "质检扣分 16 → [16, 21) → ×1.2 = 1.2"
    )
    # The other track's table does not apply.
    assert line(result, "V3", "qa_coefficient_basic")["explanation"] == (
        '0：条件不满足（track == "basic"）'
    )
    # Execution above 300 is capped (S002-08).
    assert line(result, "B2", "execution_score")["explanation"] == (
        "execution，其中 execution=320；封顶 300 = 300"
    )
    # Full attendance: 4 late log-ins lose it, 3 keep it.
    condition = (
        "if(病假 + 事假 + 年假 + 私自调班 + 旷工 == 0 且 迟到 <= "
        "late_logins_allowed 且 在职天数 == 当月天数, full_attendance_points, 0)"
        "，其中 病假=0；事假=0；年假=0；私自调班=0；旷工=0；"
    )
    rest = "；late_logins_allowed=3；在职天数=31；当月天数=31；full_attendance_points=600"
    assert line(result, "B2", "full_attendance")["explanation"] == (
        condition + "迟到=4" + rest + " = 0"
    )
    assert line(result, "B1", "full_attendance")["explanation"] == (
        condition + "迟到=3" + rest + " = 600"
    )
    assert line(result, "V1", "error_ticket_deduction")["explanation"] == (
        "error_tickets * error_ticket_points，其中 error_tickets=1；error_ticket_points=10 = -10"
    )
    assert line(result, "V1", "performance_pay")["explanation"] == (
        "总绩效分数 * yuan_per_point，其中 总绩效分数=2240；yuan_per_point=0.5 = 1120.00"
    )


def test_unknown_track_gets_no_performance_pay_and_a_flag(tmp_path):
    folder = copy_month(tmp_path)
    agents = folder / "agents.csv"
    text = agents.read_text(encoding="utf-8").replace("智齿:小林,,,vip", "智齿:小林,,,VIP")
    agents.write_text(text, encoding="utf-8")
    result = compute_month(folder, RULES)
    assert result.flags.select("agent_id", "component", "flag").to_dicts() == [
        {
            "agent_id": "V4",
            "component": "qa_coefficient",
            "flag": "track 不是 basic/vip：系数为0、不发绩效，请核对 agents.csv",
        }
    ]
    assert result.payroll["performance_pay"].to_list()[-1] == Decimal("0.00")


def test_negative_points_pay_no_negative_performance(tmp_path):
    # Reading of S002-07: 200 error tickets (−2000) would make B4's points 197.2 − 2000 =
    # −1802.8 → −901.40; performance pay is floored at 0 instead of eating into base pay.
    folder = copy_month(tmp_path)
    inputs = folder / "inputs.csv"
    inputs.write_text(inputs.read_text(encoding="utf-8") + "B4,error_tickets,200\n", "utf-8")
    result = compute_month(folder, RULES)
    payroll = dict(zip(result.payroll["agent_id"], result.payroll["performance_pay"], strict=True))
    assert payroll["B4"] == Decimal("0.00")
    assert line(result, "B4", "performance_pay")["explanation"] == (
        "总绩效分数 * yuan_per_point，其中 总绩效分数=-1802.8；yuan_per_point=0.5；保底 0 = 0.00"
    )


def test_qa_deductions_are_required_for_everyone(tmp_path):
    folder = copy_month(tmp_path)
    inputs = folder / "inputs.csv"
    text = inputs.read_text(encoding="utf-8").replace("V4,qa_deductions,40\n", "")
    inputs.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as raised:
        compute_month(folder, RULES)
    assert "V4" in str(raised.value) and "qa_deductions" in str(raised.value)


def test_rules_file_is_clean():
    rules, diagnostics = check_rules(RULES)
    assert rules is not None and diagnostics == []


# ------------------------------------------------------------------ gaps in the engine

GAP_ROSTER = (
    "agent_id,name,team,role,grade,hire_date,probation_end,chat_nick,leave_date,target\n"
    "A1,甲,一组,agent,初级,2025-01-01,,,,\n"
)


def test_gap_pay_line_with_when_keeps_fen_dtype(tmp_path):
    folder = tmp_path / "2026-10"
    folder.mkdir()
    (folder / "agents.csv").write_text(GAP_ROSTER, encoding="utf-8")
    (folder / "chats.csv").write_text("agent,buyer,start_time\n", encoding="utf-8")
    (folder / "orders.csv").write_text(
        "order_id,buyer,created_at,paid_at,paid_amount,status,refund_amount\n", encoding="utf-8"
    )
    rules = tmp_path / "when.toml"
    rules.write_text(
        '[scheme]\nid = "t"\nname = "t"\nvalid_from = "2026-01-01"\n'
        '[components.gated]\nlabel = "gated"\nkind = "formula"\nexpr = "100"\n'
        "when = 'grade == \"初级\"'\n"
        '[total]\nid = "gross"\nlabel = "gross"\n',
        encoding="utf-8",
    )
    payroll = compute_month(folder, rules).payroll
    assert payroll.schema["gated"] == pl.Decimal(38, 2)


def test_gap_match_case_names_a_parameter(tmp_path):
    rules = tmp_path / "match.toml"
    rules.write_text(
        '[scheme]\nid = "t"\nname = "t"\nvalid_from = "2026-01-01"\n'
        "[params]\ngrade_points_senior = 200\n"
        '[components.grade_score]\nlabel = "g"\nkind = "match"\non = "grade"\n'
        'cases = { "高级" = "grade_points_senior" }\ndefault = 0\n'
        '[total]\nid = "gross"\nlabel = "gross"\n',
        encoding="utf-8",
    )
    checked, diagnostics = check_rules(rules)
    assert checked is not None and diagnostics == []
