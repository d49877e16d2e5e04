"""A hand-worked month (examples/part-time/2026-10) under rules/part-time.toml (S002-05).

Every expected figure below is worked by hand from the rule text (S002-05) and the readings
written in the rules file, then from the five CSV files. Parameters: daily_rate 150,
target_reward_amount 200, over_target_step 10%, over_target_step_reward 50,
referral_bonus_amount 300.

Net credited sales (every order has a chat with its buyer earlier the same or previous day):
  P1 小何  o101 500 + o102 450 + o103 300                    = 1250.00   target 1000
  P2 阿宁  o201 600 + o202 400 (chat 10-15, order 10-16)     = 1000.00   target 1000
  P3 小周  o301 600 (b302 chatted, never bought)             =  600.00   target  800
  P4 阿乐  o401 900 − refund 200 + o402 600                  = 1300.00   target 1000
  P5 小唐  o501 400                                          =  400.00   no target (blank)
  P6 阿敏  o601 549.99                                       =  549.99   target  500

base = 150 × worked_days (leave and absence are days not worked):
  P1 20 → 3000.00; P2 18 (2 days personal leave) → 2700.00; P3 15.5 (4.5 days sick)
  → 2325.00; P4 12 (hired 10-17, 12 days scheduled) → 1800.00; P5 10 (2 days absent)
  → 1500.00; P6 20 → 3000.00

attainment = net sales / target; target_reward 200 at ≥ 100%; steps = floor((att − 1) / 10%):
  P1 125%      → 200, 2 steps → 100.00
  P2 100%      → 200 (exactly on target), 0 steps
  P3  75%      → 0
  P4 130%      → 200, 3 steps (exactly 130%) → 150.00
  P5 no target → 400 / 0 = 0 → 0
  P6 109.998%  → 200, 0 steps (just short of 110%)

referral (event referral_hired × 300): P1 1 → 300.00; P3 1 → 300.00

quarter_ranking: October is not a quarter's end → 0 for everyone (December: see the test
at the end of this file).

gross:
  P1 3000 + 200 + 100 + 300 = 3600.00
  P2 2700 + 200             = 2900.00
  P3 2325 + 300             = 2625.00
  P4 1800 + 200 + 150       = 2150.00
  P5 1500                   = 1500.00
  P6 3000 + 200             = 3200.00
"""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from helpers import D, line, moved_month

from csincentive.ledger.store import Ledger
from csincentive.month.compute import compute_month

ROOT = Path(__file__).resolve().parents[2]
MONTH = ROOT / "examples" / "part-time" / "2026-10"
RULES = ROOT / "rules" / "part-time.toml"


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    # An empty ledger: October opens a quarter, so the quarterly ranking reads no earlier month.
    return compute_month(MONTH, RULES, ledger=Ledger(tmp_path_factory.mktemp("ledger")))


def test_payroll_worked_by_hand(result):
    payroll = result.payroll
    assert payroll.columns == [
        "agent_id",
        "name",
        "team",
        "role",
        "base",
        "target_reward",
        "over_target_reward",
        "referral",
        "quarter_ranking",
        "gross",
    ]
    assert payroll["agent_id"].to_list() == ["P1", "P2", "P3", "P4", "P5", "P6"]
    assert payroll["base"].to_list() == D(
        "3000.00", "2700.00", "2325.00", "1800.00", "1500.00", "3000.00"
    )
    assert payroll["target_reward"].to_list() == D(
        "200.00", "200.00", "0.00", "200.00", "0.00", "200.00"
    )
    assert payroll["over_target_reward"].to_list() == D(
        "100.00", "0.00", "0.00", "150.00", "0.00", "0.00"
    )
    assert payroll["referral"].to_list() == D("300.00", "0.00", "300.00", "0.00", "0.00", "0.00")
    assert payroll["gross"].to_list() == D(
        "3600.00", "2900.00", "2625.00", "2150.00", "1500.00", "3200.00"
    )


def test_sales_worked_by_hand(result):
    m = result.metrics
    assert m["sales"].to_list() == D("1250.00", "1000.00", "600.00", "1500.00", "400.00", "549.99")
    assert m["refunds"].to_list() == D("0.00", "0.00", "0.00", "200.00", "0.00", "0.00")
    assert m["net_sales"].to_list() == D(
        "1250.00", "1000.00", "600.00", "1300.00", "400.00", "549.99"
    )
    recon = {r["outcome"]: r["orders"] for r in result.reconciliation.iter_rows(named=True)}
    assert recon == {"credited": 10}


def test_over_target_steps(result):
    steps = result.lines.filter(pl.col("component") == "over_target_steps")
    assert steps["amount"].to_list() == ["2", "0", "0", "3", "0", "0"]
    assert not steps["pays"].any()


def test_lines_sum_to_gross(result):
    lines = result.lines.filter(pl.col("pays"))
    sums = lines.group_by("agent_id").agg(pl.col("amount").cast(pl.Decimal(38, 2)).sum())
    by_agent = dict(zip(sums["agent_id"], sums["amount"], strict=True))
    assert by_agent == dict(zip(result.payroll["agent_id"], result.payroll["gross"], strict=True))
    assert result.flags.is_empty()


def test_explanations_read_for_a_clerk(result):
    assert line(result, "P3", "base")["explanation"] == (
        "daily_rate * 实际出勤天数，其中 daily_rate=150；实际出勤天数=15.5 = 2325.00"
    )
    assert line(result, "P1", "attainment")["explanation"] == (
        "净销售额 / 业绩目标，其中 净销售额=1250.00；业绩目标=1000.00 = 125%"
    )
    assert line(result, "P2", "target_reward")["explanation"] == (
        "业绩目标完成率 100% → ≥ 100% → 200 = 200.00"
    )
    assert line(result, "P3", "target_reward")["explanation"] == (
        "业绩目标完成率 75% → 无匹配行 → 默认值 → 0 = 0.00"
    )
    assert line(result, "P1", "over_target_steps")["explanation"] == (
        "if(业绩目标完成率 > 1, floor((业绩目标完成率 - 1) / over_target_step), 0)，其中 业绩目标完成率=125%；over_target_step=10% = 2"
    )
    assert line(result, "P4", "over_target_reward")["explanation"] == (
        "超额档数 * over_target_step_reward，其中 超额档数=3；over_target_step_reward=50 = 150.00"
    )
    assert line(result, "P1", "referral")["explanation"] == (
        "推荐新员工录用 * referral_bonus_amount，其中 推荐新员工录用=1；referral_bonus_amount=300 = 300.00"
    )


def test_full_timer_in_the_roster_gets_no_part_time_pay(tmp_path):
    folder = tmp_path / "2026-10"
    shutil.copytree(MONTH, folder)
    with (folder / "agents.csv").open("a", encoding="utf-8") as f:
        f.write("F1,老陈,兼职组,agent,中级,2024-01-01,,云杉:老陈,,3000.00\n")
    with (folder / "attendance.csv").open("a", encoding="utf-8") as f:
        f.write("F1,22,22,0,0,0,0,0\n")
    result = compute_month(folder, RULES, ledger=Ledger(tmp_path / "ledger"))
    row = result.payroll.filter(pl.col("agent_id") == "F1").row(0, named=True)
    assert [row[c] for c in ("base", "target_reward", "over_target_reward", "referral")] == D(
        "0.00", "0.00", "0.00", "0.00"
    )
    assert row["gross"] == Decimal("0.00")
    assert result.lines.filter(pl.col("agent_id") == "F1").is_empty()


def test_attainment_just_under_a_step_does_not_read_as_the_step(result):
    attainment = line(result, "P6", "attainment")
    steps = line(result, "P6", "over_target_steps")
    # 549.99 / 500 = 109.998%: shown truncated as 109.9%, never as the 110% it has not reached.
    assert attainment["amount"] == "109.9%"
    assert "业绩目标完成率=109.9%" in steps["explanation"]  # attainment's label


def test_quarter_ranking_in_december(tmp_path):
    # The same month three times (dates moved): quarter net sales P4 3 × 1300 = 3900,
    # P1 3750, P2 3000, P3 1800, P6 1649.97, P5 1200 → the top three get 300 each.
    ledger = Ledger(tmp_path / "ledger")
    result = None
    for month in (10, 11, 12):
        result = compute_month(moved_month(MONTH, tmp_path, month), RULES, ledger=ledger)
        ledger.record(result)
    assert result is not None
    assert result.payroll.sort("agent_id")["quarter_ranking"].to_list() == D(
        "300.00", "300.00", "0.00", "300.00", "0.00", "0.00"
    )
