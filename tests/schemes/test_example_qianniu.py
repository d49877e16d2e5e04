"""The 千牛 per-message example month (examples/qianniu/2026-10) paid under
rules/taobao-presales.toml (S000-01..04, S000-06; no events.csv, so no S000-12..14 fines).

chats.csv is 千牛's own per-message export (客户名, 消息序号, 发送时间, 发送内容, 发送账号,
账号类型): no agent column, so a buyer's line is the chat of the agent who answers it next.
Worked by hand from the rows:

Roster (售前一组, October = 31 days, everyone regular): S1 林主管 supervisor; A1 小美 target
10000, A2 阿杰 10000, A3 小雨 5000.

Sessions (one per agent and buyer; no silence of 10 minutes inside one):
  A1 小美  b11, b12, b13, b3 (b3's lines 1-2)                       4 sessions, 4 buyers
  A2 阿杰  b21, b22, b3 (lines 3, 5, 6: line 3 is answered by 阿杰 after the
           transfer, line 4 会话已转交给… is a system line and dropped)     3 sessions, 3 buyers
  A3 小雨  b31 (line 3 …撤回了一条消息 dropped), b32, b33, b34, b35       5 sessions, 5 buyers
  b9 wrote twice and no agent ever answered: nobody's chat.
Agent lines (answers): A1 2+1+1+1 = 5, A2 1+1+1 = 3, A3 2+1+1+1+1 = 6 (the 撤回 not counted).
Buyer lines: A1 2+1+1+1 = 5, A2 1+1+2 = 4, A3 1+1+1+1+1 = 5.

Orders (each an hour after its chat, same day → within the 2-day window, judged by creation):
  b11 6000 → A1;  b12 3000 → A1;  b13 unpaid (等待买家付款) → nobody;
  b21 4000, refund 500 → A2;  b31 5200 → A3;  b9 1000 → silent (no chat);
  b3 2500 created 10-12 11:00 → the latest chat started at or before it is 阿杰's (10:01:00,
  after 小美's at 10:00:00) → A2: the transfer moves the sale.
  agent  inquiring  paying  conversion  net sales
  A1     4          2       50%         9000.00
  A2     3          2       66.67%      6000.00  (4000 − 500 + 2500)
  A3     5          1       20%         5200.00

base (S000-01): 2500 each (regular all month; the supervisor_base 2500).
commission (S000-02) 1% of net sales: A1 90.00, A2 60.00, A3 52.00.
conversion_rank (S000-03, ≥ 40%): A2 66.67% 1st → 150; A1 50% 2nd → 100; A3 20% → 0.
supervisor_commission (S000-04): team paying 2+2+1 = 5 / inquiring 4+3+5 = 12 = 41.67% →
  [40%, 50%) → ×1.4; mean agent commission (90 + 60 + 52) / 3 = 67.333… × 1.4 = 94.266… →
  94.27.
target_bonus (S000-06), rate × (base + commission):
  A1 9000/10000 = 90%  → 10% × 2590.00 = 259.00
  A2 6000/10000 = 60%  → below 80% → 0.00
  A3 5200/5000  = 104% → 15% × 2552.00 = 382.80
gross: A1 2500 + 90 + 100 + 259 = 2949.00; A2 2500 + 60 + 150 = 2710.00;
       A3 2500 + 52 + 382.80 = 2934.80; S1 2500 + 94.27 = 2594.27.
"""

from __future__ import annotations

import polars as pl
import pytest
from helpers import ROOT, D

from csincentive import compute_month

MONTH = ROOT / "examples" / "qianniu" / "2026-10"
RULES = ROOT / "rules" / "taobao-presales.toml"


@pytest.fixture(scope="module")
def result():  # type: ignore[no-untyped-def]
    return compute_month(MONTH, RULES)


def line(result, agent_id: str, component: str) -> dict:  # type: ignore[no-untyped-def,type-arg]
    rows = result.lines.filter(
        (pl.col("agent_id") == agent_id) & (pl.col("component") == component)
    )
    assert rows.height == 1, (agent_id, component)
    return rows.row(0, named=True)


def test_sessions_and_orders_worked_by_hand(result) -> None:  # type: ignore[no-untyped-def]
    m = result.metrics.sort("agent_id")
    assert m["agent_id"].to_list() == ["A1", "A2", "A3", "S1"]
    assert m["sessions"].to_list() == [4, 3, 5, 0]
    assert m["inquiring_buyers"].to_list() == [4, 3, 5, 0]
    assert m["paying_buyers"].to_list() == [2, 2, 1, 0]
    assert m["agent_messages"].to_list() == [5, 3, 6, 0]
    assert m["buyer_messages"].to_list() == [5, 4, 5, 0]
    assert m["net_sales"].to_list() == D("9000.00", "6000.00", "5200.00", "0.00")
    assert result.reconciliation.select("outcome", "orders").rows() == [
        ("credited", 5),
        ("silent", 1),
        ("unpaid", 1),
    ]
    assert result.warnings == []


def test_payroll_worked_by_hand(result) -> None:  # type: ignore[no-untyped-def]
    payroll = result.payroll
    assert payroll["agent_id"].to_list() == ["A1", "A2", "A3", "S1"]
    assert payroll["commission"].to_list() == D("90.00", "60.00", "52.00", "0.00")
    assert payroll["conversion_rank"].to_list() == D("100.00", "150.00", "0.00", "0.00")
    assert payroll["supervisor_commission"].to_list() == D("0.00", "0.00", "0.00", "94.27")
    assert payroll["target_bonus"].to_list() == D("259.00", "0.00", "382.80", "0.00")
    assert payroll["gross"].to_list() == D("2949.00", "2710.00", "2934.80", "2594.27")


def test_pay_lines_read_for_the_clerk(result) -> None:  # type: ignore[no-untyped-def]
    assert line(result, "A3", "target_bonus")["explanation"] == (
        "个人业绩完成率 104% → ≥ 100% → 0.15 × 当月工资(业绩奖计奖基数) 2552.00 = 382.80"
    )
    assert line(result, "A2", "conversion_rank")["amount"] == "150.00"
    assert line(result, "S1", "supervisor_commission")["amount"] == "94.27"
