"""last_month(x) and change(x): x in the calendar month before this one, from the ledger
(S000-15's stepped growth reward, S000-16's most-improved orders). September comes from a
small in-memory ledger (tests/helpers.MemoryLedger) or, where the money a line showed
matters, from a real ledger the months are recorded in. Every expected figure is worked by
hand in the comments.

October is tests/months/2026-10 (test_golden_month.py works it): credited orders A1 4, A2 2,
A3 2, A4 1, A5 1, S1 0; sales (Σ paid) A1 300 + 500 + 200.50 + 150 = 1150.50, A2 800 + 260
= 1060, A3 1000 + 450 = 1450, A4 600 (refunded in full), A5 330, S1 0; net sales A1
1050.50, A2 1060, A3 1450, A4 0, A5 330, S1 0. A5 was hired on 2026-10-11: new this month.
"""

from __future__ import annotations

import csv
import shutil
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from helpers import D, MemoryLedger, ignoring_the_temp, line, moved_month

from csincentive.core.diagnostics import InputError
from csincentive.ledger.store import Ledger
from csincentive.month.compute import compute_month
from csincentive.reports.explain import explain_agent
from csincentive.rules.loader import check_rules

ROOT = Path(__file__).resolve().parents[2]
MONTH = ROOT / "tests" / "months" / "2026-10"


def rules_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rules.toml"
    path.write_text(ignoring_the_temp(text), encoding="utf-8")
    return path


def column(result, name: str) -> list[Decimal]:  # type: ignore[no-untyped-def]
    return result.values.sort("agent_id")[name].to_list()


# ------------------------------------------------------------ S000-15: growth reward

GROWTH = """
[scheme]
id = "growth"
name = "增长奖"
valid_from = "2026-01-01"

[params]
growth_step = 2000
reward_per_step = 100

[components.growth_reward]
label = "销售增长奖"
rule = "S000-15"
kind = "formula"
expr = "reward_per_step * floor(max(change(sales), 0) / growth_step)"
"""


def scaled_month(tmp_path: Path, factor: int = 10) -> Path:
    """tests/months/2026-10 with every order's payment and refund × factor, so a month's
    sales are in the thousands the rule's 2,000 steps are made for."""
    folder = tmp_path / "2026-10"
    shutil.copytree(MONTH, folder)
    orders = folder / "orders.csv"
    with orders.open(encoding="utf-8", newline="") as file:
        rows = list(csv.reader(file))
    paid, refund = rows[0].index("paid_amount"), rows[0].index("refund_amount")
    for row in rows[1:]:
        row[paid] = str(Decimal(row[paid]) * factor)
        row[refund] = str(Decimal(row[refund]) * factor)
    with orders.open("w", encoding="utf-8", newline="") as file:
        csv.writer(file, lineterminator="\n").writerows(rows)
    return folder


# September's sales; A5 (hired 2026-10-11) was not paid in September.
SEPTEMBER_SALES = {
    "agent_id": ["A1", "A2", "A3", "A4", "S1"],
    "sales": ["7000", "10600", "10500", "9000", "0"],
}


def test_growth_reward_for_each_2000_above_last_months_sales(tmp_path: Path):
    # S000-15, +100 for each 2,000 of sales above last month's. October × 10: sales A1
    # 11505.00, A2 10600, A3 14500, A4 6000, A5 3300, S1 0.
    ledger = MemoryLedger({"2026-09": SEPTEMBER_SALES})
    result = compute_month(scaled_month(tmp_path), rules_file(tmp_path, GROWTH), ledger=ledger)
    # A1 11505 − 7000 = 4505 → floor(2.2525) = 2 → 200; A2 10600 − 10600 = 0 → 0;
    # A3 14500 − 10500 = 4000 → exactly 2 steps → 200; A4 6000 − 9000 = −3000 → max 0 → 0;
    # A5 hired this month counts 0 last month: 3300 → floor(1.65) = 1 → 100; S1 0 → 0.
    assert result.payroll.sort("agent_id")["growth_reward"].to_list() == D(
        "200.00", "0.00", "200.00", "0.00", "100.00", "0.00"
    )
    # sales reads as 销售额; parameters keep their names.
    assert line(result, "A1", "growth_reward")["explanation"] == (
        "reward_per_step * floor(max(change(销售额), 0) / growth_step)，其中 reward_per_step=100；"
        "change(销售额)=4505.00；last_month(销售额)=7000.00；growth_step=2000 = 200.00"
    )
    # The payslip says where each value comes from.
    reward = next(x for x in explain_agent(result, "A1").lines if x.id == "growth_reward")
    sources = {i.name: (i.source, i.value) for i in reward.inputs}
    assert sources["change(sales)"] == ("this month and the ledger's last month", Decimal(4505))
    assert sources["last_month(sales)"] == ("the ledger's last month", Decimal(7000))


def test_a_newcomer_gets_the_fallback_when_the_call_gives_one(tmp_path: Path):
    # change(sales, 0): no growth for anyone without a last month, the newcomer included.
    # A5: 0 → 0.00 (not 100.00 as above); everyone else as above.
    text = GROWTH.replace("change(sales)", "change(sales, 0)")
    ledger = MemoryLedger({"2026-09": SEPTEMBER_SALES})
    result = compute_month(scaled_month(tmp_path), rules_file(tmp_path, text), ledger=ledger)
    assert result.payroll.sort("agent_id")["growth_reward"].to_list() == D(
        "200.00", "0.00", "200.00", "0.00", "0.00", "0.00"
    )
    # Beside the change, last_month(sales) shows what it is compared with: 0 for A5.
    assert line(result, "A5", "growth_reward")["explanation"] == (
        "reward_per_step * floor(max(change(销售额, 0), 0) / growth_step)，其中 reward_per_step=100；"
        "change(销售额, 0)=0.00；last_month(销售额)=0.00；growth_step=2000 = 0.00"
    )


# ------------------------------------------------------- S000-16: most-improved orders

IMPROVED = """
[scheme]
id = "improved"
name = "下单最佳进步奖"
valid_from = "2026-01-01"

[components.most_improved]
label = "下单最佳进步奖"
rule = "S000-16"
kind = "rank"
by = "change(orders, 0)"
among = { role = ["agent"] }
eligible = "change(orders, 0) > 0"
prizes = [200, 100]
"""


def test_most_improved_orders_ranks_by_the_change(tmp_path: Path):
    # September's orders: A1 4, A2 0, A3 1, A4 3 (A5 hired in October; S1 is no agent).
    # change(orders, 0): A1 4 − 4 = 0, A2 2 − 0 = +2, A3 2 − 1 = +1, A4 1 − 3 = −2, A5 the
    # fallback 0 (a newcomer's first month is no improvement). Ranked: A2 1st → 200, A3
    # 2nd → 100; A1 and A5 tie 3rd, A4 5th, and none of them improved (eligible) → 0.
    september = {"agent_id": ["A1", "A2", "A3", "A4", "S1"], "orders": ["4", "0", "1", "3", "0"]}
    ledger = MemoryLedger({"2026-09": september})
    result = compute_month(MONTH, rules_file(tmp_path, IMPROVED), ledger=ledger)
    agents = result.payroll.filter(pl.col("role") == "agent").sort("agent_id")
    assert agents["most_improved"].to_list() == D("0.00", "200.00", "100.00", "0.00", "0.00")
    a2 = next(x for x in explain_agent(result, "A2").lines if x.id == "most_improved")
    assert a2.ranking is not None
    assert (a2.ranking.rank, a2.ranking.value) == (1, Decimal(2))


# -------------------------------------------------------- who has no last month

VALUES = """
[scheme]
id = "last"
name = "上月"
valid_from = "2026-01-01"

[components.last_net]
label = "上月净销售"
kind = "formula"
pay = false
format = "money"
expr = "last_month(net_sales, 50)"

[components.net_change]
label = "净销售变化"
kind = "formula"
pay = false
format = "money"
expr = "change(net_sales, 0)"
"""


def test_the_fallback_is_for_everyone_the_ledger_did_not_pay(tmp_path: Path):
    # September paid A1 100, A2 1060, A3 2000, S1 0; A4 was left off its roster, A5 was
    # hired in October. With fallbacks nothing is refused:
    # last_month(net_sales, 50): A1 100, A2 1060, A3 2000, A4 50, A5 50, S1 0;
    # change(net_sales, 0): A1 1050.50 − 100 = 950.50, A2 0, A3 1450 − 2000 = −550, A4 0,
    # A5 0, S1 0.
    september = {"agent_id": ["A1", "A2", "A3", "S1"], "net_sales": ["100", "1060", "2000", "0"]}
    result = compute_month(
        MONTH, rules_file(tmp_path, VALUES), ledger=MemoryLedger({"2026-09": september})
    )
    assert column(result, "last_net") == D("100", "1060", "2000", "50", "50", "0")
    assert column(result, "net_change") == D("950.5", "0", "-550", "0", "0", "0")
    # A4's explanation says there was no last month to compare with.
    assert line(result, "A4", "net_change")["explanation"] == (
        "change(净销售额, 0)，其中 change(净销售额, 0)=0.00；last_month(净销售额)=— = 0.00"
    )


NO_FALLBACK = """
[scheme]
id = "last"
name = "上月"
valid_from = "{valid_from}"

[components.net_change]
label = "净销售变化"
kind = "formula"
pay = false
expr = "change(net_sales)"
"""


def test_without_a_fallback_a_newcomer_counts_zero_last_month(tmp_path: Path):
    # Everyone but A5 was paid in September; A5, hired 2026-10-11, counts 0 last month, so
    # change(net_sales) is her October 330 − 0 = 330. A1 1050.50 − 1000 = 50.50, A2 1060 −
    # 1060 = 0, A3 1450 − 1500 = −50, A4 0 − 20 = −20, S1 0.
    september = {
        "agent_id": ["A1", "A2", "A3", "A4", "S1"],
        "net_sales": ["1000", "1060", "1500", "20", "0"],
    }
    text = NO_FALLBACK.replace("{valid_from}", "2026-01-01")
    result = compute_month(
        MONTH, rules_file(tmp_path, text), ledger=MemoryLedger({"2026-09": september})
    )
    assert column(result, "net_change") == D("50.5", "0", "-50", "-20", "330", "0")


def test_a_person_the_last_month_did_not_pay_is_refused(tmp_path: Path):
    # A4 (hired 2024-03-01) is missing from September and the call has no fallback.
    september = {"agent_id": ["A1", "A2", "A3", "S1"], "net_sales": ["100", "1060", "2000", "0"]}
    path = rules_file(tmp_path, NO_FALLBACK.replace("{valid_from}", "2026-01-01"))
    with pytest.raises(InputError) as caught:
        compute_month(MONTH, path, ledger=MemoryLedger({"2026-09": september}))
    # Line 11: expr = "change(net_sales)".
    assert [d.render() for d in caught.value.diagnostics] == [
        f"{path}:11:1: L110 components.net_change.expr: components.net_change uses "
        "change(net_sales), but the ledger's 2026-09 did not pay A4 老王 (hired 2024-03-01): "
        "rerun 2026-09 with them on the roster, or give change(net_sales) a value for people "
        "without a last month as its second argument, e.g. change(net_sales, 0)"
    ]


@pytest.mark.parametrize(
    ("valid_from", "why"),
    [
        (
            "2026-01-01",
            "and the ledger (memory-ledger) does not have it: run 2026-09 first, or give",
        ),
        (
            "2026-10-01",  # the scheme's first month: no month before it was run under it
            "a month before the scheme's valid_from (2026-10-01), which no run recorded: give",
        ),
    ],
)
def test_a_missing_last_month_is_refused(tmp_path: Path, valid_from: str, why: str):
    path = rules_file(tmp_path, NO_FALLBACK.replace("{valid_from}", valid_from))
    with pytest.raises(InputError) as caught:
        compute_month(MONTH, path, ledger=MemoryLedger({}))
    [problem] = caught.value.diagnostics
    assert (problem.code, problem.line, problem.path) == ("E181", 11, "components.net_change.expr")
    assert problem.message == (
        f"components.net_change uses change(net_sales), which reads 2026-09, {why} "
        "change(net_sales) a value for people without a last month as its second argument, "
        "e.g. change(net_sales, 0)"
    )


def test_a_scheme_s_first_month_runs_with_a_fallback(tmp_path: Path):
    # No September at all: everyone gets the fallback, 0.
    text = NO_FALLBACK.replace("{valid_from}", "2026-10-01").replace(
        "change(net_sales)", "change(net_sales, 0)"
    )
    result = compute_month(MONTH, rules_file(tmp_path, text), ledger=MemoryLedger({}))
    assert column(result, "net_change") == D("0", "0", "0", "0", "0", "0")


# ---------------------------------------------- what the month showed, in a real ledger

SHOWN = """
[scheme]
id = "shown"
name = "上月所示"
valid_from = "2026-10-01"

[components.part]
label = "月度奖"
kind = "formula"
expr = "10.005"

[components.accrual]
label = "计提"
kind = "formula"
pay = false
format = "money"
expr = "10.005"

[components.last_accrual]
label = "上月计提"
kind = "formula"
pay = false
expr = "last_month(accrual, 0)"

[components.part_change]
label = "月度奖变化"
kind = "formula"
pay = false
expr = "change(part, 0)"

[components.last_conversion]
label = "上月转化率"
kind = "formula"
pay = false
expr = "last_month(conversion, 0)"

[components.carried]
label = "累加"
kind = "formula"
pay = false
expr = "last_month(carried, 0) + 1"
"""


def test_a_money_line_is_read_as_last_month_showed_it(tmp_path: Path):
    # October (the scheme's first month) then November, recorded in a real ledger; both
    # months have the same figures (helpers.moved_month). `part` (a pay line) and
    # `accrual` (a money line not paid, kept with ten places) are 10.005 before rounding
    # and show 10.01. In November:
    # last_month(accrual) = 10.01, October's line — not the 10.005 it kept;
    # change(part) = 10.01 − 10.01 = 0: this month is read as its line shows it too;
    # last_month(conversion) = October's 60% for A1, as recorded;
    # carried reads its own last month (no cycle): October 0 + 1 = 1, November 1 + 1 = 2.
    ledger = Ledger(tmp_path / "ledger")
    rules = rules_file(tmp_path, SHOWN)
    october = compute_month(moved_month(MONTH, tmp_path, 10), rules, ledger=ledger)
    ledger.record(october)
    november = compute_month(moved_month(MONTH, tmp_path, 11), rules, ledger=ledger)
    a1 = november.values.filter(pl.col("agent_id") == "A1").row(0, named=True)
    assert a1["accrual"] == Decimal("10.005")
    assert a1["last_accrual"] == Decimal("10.01")
    assert a1["part_change"] == Decimal(0)
    assert a1["last_conversion"] == Decimal("0.6")
    assert column(october, "carried") == D("1", "1", "1", "1", "1", "1")
    assert column(november, "carried") == D("2", "2", "2", "2", "2", "2")
    # October had no last month: the fallbacks, 0.
    assert column(october, "last_accrual") == D("0", "0", "0", "0", "0", "0")


def test_a_component_may_read_its_own_last_month_but_not_its_change(tmp_path: Path):
    _, problems = check_rules(rules_file(tmp_path, SHOWN))
    assert problems == []
    cyclic = SHOWN.replace("last_month(carried, 0) + 1", "change(carried, 0) + 1")
    _, problems = check_rules(rules_file(tmp_path, cyclic))
    assert [p.code for p in problems] == ["E120"]
    # The fallback is read this month: last_month(x, carried) inside carried is a cycle too.
    cyclic = SHOWN.replace("last_month(carried, 0) + 1", "last_month(accrual, carried)")
    _, problems = check_rules(rules_file(tmp_path, cyclic))
    assert [p.code for p in problems] == ["E120"]


def test_an_error_in_a_dated_change_points_at_the_change(tmp_path: Path):
    # bonus is redefined from 2026-10 by [[changes]]: its E181 names the change's expr
    # (line 17 of the file below, after the ignore line helpers add), not the base
    # version's (line 10).
    text = """[scheme]
id = "t"
name = "T"
valid_from = "2026-01-01"

[components.bonus]
label = "奖"
kind = "formula"
expr = "100"

[[changes]]
valid_from = "2026-10-01"

[changes.components.bonus]
label = "奖"
kind = "formula"
expr = "last_month(bonus) + 1"
"""
    rules = rules_file(tmp_path, text)
    lines = rules.read_text(encoding="utf-8").splitlines()
    expected = lines.index('expr = "last_month(bonus) + 1"') + 1
    with pytest.raises(InputError) as raised:
        compute_month(MONTH, rules, ledger=Ledger(tmp_path / "ledger"))
    [problem] = raised.value.diagnostics
    assert (problem.code, problem.line, problem.col) == ("E181", expected, 1)
