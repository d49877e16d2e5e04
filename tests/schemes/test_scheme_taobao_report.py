"""A month paid from a 赤兔 售前绩效 report (examples/taobao-report/2026-10) under the shipped
rules/taobao-presales.toml, unchanged (S000-01..06). There are no chats and no orders: each
agent's figures are the report's row of their chat_nick. No events.csv: no fines.

The report (agent_report.xlsx, rows 6–12; 汇总 and 均值 below are dropped, 汇总 checked):
  agent  接待  询单  付款  conversion (counts)  销售额     退款      net sales
  S1       40    10     6  60%                  1,200.00      0.00   (supervisor)
  A1      412   180    81  81/180 = 45%        21,350.00  1,350.00  20,000.00
  A2      260   120    42  42/120 = 35%         9,800.00    300.00   9,500.00
  A3      350   150    63  63/150 = 42%         9,000.00   -  (0)    9,000.00
  A4      398   160    80  80/160 = 50%         8,400.00    400.00   8,000.00
  A5      300   130    39  39/130 = 30%         7,999.00      0.00   7,999.00
  A6      280   125    50  50/125 = 40%         5,250.00    250.00   5,000.00
  汇总: 销售额 62,999.00 and 成功退款金额 2,300.00, the sums of the rows above.

base (S000-01): 2500, A2 on probation all October (hired 2026-09-01) 2000.
commission (S000-02) = 1% of net sales: A1 200.00, A2 95.00, A3 90.00, A4 80.00, A5 79.99,
  A6 50.00; the supervisor none (agents only).
conversion_rank (S000-03, agents at ≥ 40%): A4 50% 1st → 150, A1 45% 2nd → 100; A3 42% and
  A6 40% rank 3rd and 4th (no prize); A2 35% and A5 30% are below 40%.
supervisor_commission (S000-04): the team's agents paid 81+42+63+80+39+50 = 355 of
  180+120+150+160+130+125 = 865 inquiring → 41.04% → [40%, 50%) → ×1.4 (S1's own row is
  not an agent's); mean agent commission 594.99 / 6 = 99.165 × 1.4 = 138.831 → 138.83.
target_bonus (S000-06) = rate × (base + commission), attainment = net sales / target:
  A1 20000/20000 = 100% → 15% × 2700 = 405.00;  A2 9500/10000 = 95% → 10% × 2095 = 209.50
  A3 9000/10000 = 90% → 10% × 2590 = 259.00;    A4 8000/10000 = 80% → 5% × 2580 = 129.00
  A5 79.99% → 0.00;  A6 no target → 0.00.
gross: A1 2500+200+100+405 = 3205.00; A2 2000+95+209.50 = 2304.50; A3 2500+90+259 = 2849.00;
  A4 2500+80+150+129 = 2859.00; A5 2500+79.99 = 2579.99; A6 2500+50 = 2550.00;
  S1 2500+138.83 = 2638.83.
"""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from blake3 import blake3
from helpers import ROOT, D, line

from csincentive.ledger.store import Ledger
from csincentive.month.compute import compute_month

MONTH = ROOT / "examples" / "taobao-report" / "2026-10"
RULES = ROOT / "rules" / "taobao-presales.toml"


@pytest.fixture(scope="module")
def result():
    return compute_month(MONTH, RULES)


def test_the_pay_worked_by_hand(result):
    payroll = result.payroll
    assert payroll["agent_id"].to_list() == ["A1", "A2", "A3", "A4", "A5", "A6", "S1"]
    assert payroll["base"].to_list() == D(
        "2500.00", "2000.00", "2500.00", "2500.00", "2500.00", "2500.00", "2500.00"
    )
    assert payroll["commission"].to_list() == D(
        "200.00", "95.00", "90.00", "80.00", "79.99", "50.00", "0.00"
    )
    assert payroll["conversion_rank"].to_list() == D(
        "100.00", "0.00", "0.00", "150.00", "0.00", "0.00", "0.00"
    )
    assert payroll["supervisor_commission"].to_list() == D(
        "0.00", "0.00", "0.00", "0.00", "0.00", "0.00", "138.83"
    )
    assert payroll["target_bonus"].to_list() == D(
        "405.00", "209.50", "259.00", "129.00", "0.00", "0.00", "0.00"
    )
    assert payroll["gross"].to_list() == D(
        "3205.00", "2304.50", "2849.00", "2859.00", "2579.99", "2550.00", "2638.83"
    )


def test_the_figures_are_the_reports(result):
    metrics = result.metrics.filter(pl.col("agent_id") == "A1").row(0, named=True)
    assert metrics["sessions"] == 412  # 接待人数
    assert metrics["inquiring_buyers"] == 180
    assert metrics["paying_buyers"] == 81
    assert metrics["conversion"] == Decimal("0.4500")
    assert metrics["sales"] == Decimal("21350.00")
    assert metrics["net_sales"] == Decimal("20000.00")
    assert metrics["avg_response_s"] == 28.0  # 28秒
    assert metrics["avg_first_response_s"] == 12.0
    assert metrics["slow_responses"] == 4
    assert metrics["orders"] == 0  # the report counts no orders
    assert line(result, "A1", "conversion_rank")["amount"] == "100.00"


def test_the_reconciliation_says_the_figures_came_from_the_report(result):
    assert result.reconciliation.rows(named=True) == [
        {
            "outcome": "reported",
            "accounts": 7,
            "orders": None,
            "paid_amount": Decimal("62999.00"),
            "refund_amount": Decimal("2300.00"),
            "source": "agent_report.xlsx (赤兔 售前绩效)",
        }
    ]
    assert result.orders.height == 0
    assert result.warnings == []


def test_the_ledger_keeps_the_reports_hash(result, tmp_path: Path):
    recorded = Ledger(tmp_path / "ledger").record(result, options={"month": None})
    manifest = json.loads((recorded.folder / "manifest.json").read_text(encoding="utf-8"))
    assert {name: entry["blake3"] for name, entry in manifest["inputs"].items()} == {
        "agents": blake3((MONTH / "agents.csv").read_bytes()).hexdigest(),
        "agent_report": blake3((MONTH / "agent_report.xlsx").read_bytes()).hexdigest(),
    }
    assert manifest["gross"] == "18986.32"  # the gross column above, summed


def test_the_report_saved_as_xls_pays_the_same(result, tmp_path: Path):
    # tests/fixtures/chitu-presales.xls (Excel 97–2003, written by tests/fixtures/make_xls.py)
    # holds the same cells as agent_report.xlsx: the same figures and pay, and the
    # reconciliation names the .xls.
    folder = tmp_path / "2026-10"
    folder.mkdir()
    shutil.copy(MONTH / "agents.csv", folder / "agents.csv")
    shutil.copy(ROOT / "tests" / "fixtures" / "chitu-presales.xls", folder / "agent_report.xls")
    old = compute_month(folder, RULES)
    assert old.payroll.equals(result.payroll)
    assert old.metrics.equals(result.metrics)
    assert old.reconciliation["source"].to_list() == ["agent_report.xls (赤兔 售前绩效)"]
