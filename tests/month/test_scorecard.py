"""kind = "scorecard" (S003-01/02, S004-05): items scored by bands or linearly between worst
and best, capped, rounded half-up to 0.01 point, weighted; the total, its grade and money
per point. Every expected value is worked by hand from the rule text in the comments."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import polars as pl
from helpers import agents, engine_rules, money, run
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from csincentive.month.engine import TRACE, WHY, Compiler

# The public CS pay sheet's weights (S003-01): sales completion 30%, conversion 20%, 客单价
# 20%, reply rate 20%, response 5%, satisfaction 5%; each item out of 100 points.
SHEET = """
[components.kpi]
label = "月度KPI"
rule = "S003-01"
kind = "scorecard"
pay = false
grades = [
  { below = 60, grade = "待改进" },
  { from = 60, below = 80, grade = "铜牌" },
  { from = 80, below = 90, grade = "银牌" },
  { from = 90, grade = "金牌" },
]

[[components.kpi.items]]
label = "销售完成率"
value = "net_sales / target"
format = "percent"
weight = "30%"
bands = [
  { below = "80%", points = 0 },
  { from = "80%", below = "95%", points = 60 },
  { from = "95%", below = "100%", points = 80 },
  { from = "100%", points = 100 },
]

[[components.kpi.items]]
label = "询单转化率"
value = "conversion"
weight = "20%"
worst = "30%"
best = "60%"

[[components.kpi.items]]
label = "客单价"
value = "avg_order_value"
weight = "20%"
worst = 100
best = 300

[[components.kpi.items]]
label = "回复率"
value = "answer_ratio"
weight = "20%"
worst = "80%"
best = "100%"

[[components.kpi.items]]
label = "首响时长"
rule = "S003-01"
value = "avg_first_response_s"
weight = "5%"
worst = 60
best = 15

[[components.kpi.items]]
label = "满意度"
value = "satisfaction"
weight = "5%"
bands = [{ below = "90%", points = 0 }, { from = "90%", points = 100 }]
"""


def people() -> pl.LazyFrame:
    return agents(
        net_sales=money("9620", "12000", "7000", "10000"),
        target=money("10000", "10000", "10000", "10000"),
        conversion=money("0.45", "0.65", "0.4", "0.6"),
        avg_order_value=money("250", "80", "200.5", "300"),
        answer_ratio=money("0.9", "0.9999", "0.80101", "1"),
        avg_first_response_s=money("24", "10", "60", "15"),
        satisfaction=money("0.95", "0.8", "0.9", "1"),
    )


def test_the_weighted_total_of_bands_and_linear_items():
    out = run(SHEET, people())
    # A1: 销售 9620 / 10000 = 96.2% → [95%, 100%) → 80 × 30% = 24; 转化 45% → (45−30)/(60−30)
    # × 100 = 50 × 20% = 10; 客单价 250 → (250−100)/200 × 100 = 75 × 20% = 15; 回复 90% →
    # 50 × 20% = 10; 首响 24 s, lower is better → (24−60)/(15−60) × 100 = 80 × 5% = 4; 满意度
    # 95% → 100 × 5% = 5. Total 24 + 10 + 15 + 10 + 4 + 5 = 68 → 铜牌 (60–80).
    # A2 (clamped): 120% → 100 × 30% = 30; 65% is past best → 100 × 20% = 20; 80 is below
    # worst → 0; 99.99% → 99.95 × 20% = 19.99; 10 s is past best → 100 × 5% = 5; 80% → 0.
    # Total 74.99 → 铜牌.
    # A3 (rounding): 70% → 0; 40% → 33.333… → 33.33 points × 20% = 6.666; 200.5 → 50.25 ×
    # 20% = 10.05; 80.101% → 0.505 → 0.51 points (half-up, not to even) × 20% = 0.102; 60 s
    # → 0; 90% → 100 × 5% = 5. Total 21.818 → 待改进.
    # A4: every item at its best → 100 → 金牌.
    assert out["kpi"].to_list() == money("68", "74.99", "21.818", "100")
    assert out["kpi_grade"].to_list() == ["铜牌", "铜牌", "待改进", "金牌"]
    assert out["gross"].to_list() == money("0.00", "0.00", "0.00", "0.00")  # a score pays nothing
    assert out["kpi" + WHY][0] == (
        "销售完成率 96.2% → [95%, 100%) → 80 points × 30%;"
        " 询单转化率 45% (worst 30%, best 60%, 0–100) → 50 points × 20%;"
        " 客单价 250.00 (worst 100.00, best 300.00, 0–100) → 75 points × 20%;"
        " 回复率 90% (worst 80%, best 100%, 0–100) → 50 points × 20%;"
        " 首响时长 24 (worst 60, best 15, 0–100) → 80 points × 5%;"
        " 满意度 95% → ≥ 90% → 100 points × 5%: total 68 points → 铜牌 = 68"
    )


def test_the_trace_records_each_item_the_total_and_the_grade():
    out = run(SHEET, people())
    trace = out["kpi" + TRACE][2]  # A3
    items = trace["items"]
    assert [item["band"] for item in items] == [0, None, None, None, None, 1]
    assert [item["points"] for item in items] == money("0", "33.33", "50.25", "0.51", "0", "100")
    assert [item["weighted"] for item in items] == money("0", "6.666", "10.05", "0.102", "0", "5")
    assert (trace["total"], trace["grade"], trace["grade_row"]) == (Decimal("21.818"), "待改进", 0)
    assert trace["per_point"] is None


def test_per_point_pays_money_rounded_once_at_the_fen():
    # The same sheet paying 12.50 a point: A1 68 × 12.5 = 850.00; A2 74.99 × 12.5 = 937.375
    # → 937.38; A3 21.818 × 12.5 = 272.725 → 272.73 (half-up); A4 100 × 12.5 = 1250.00.
    body = SHEET.replace("pay = false", "per_point = 12.5", 1)
    out = run(body, people())
    assert out["kpi"].to_list() == money("850.00", "937.38", "272.73", "1250.00")
    assert out["gross"].to_list() == money("850.00", "937.38", "272.73", "1250.00")
    assert out["kpi" + WHY][2].endswith(": total 21.818 points → 待改进 × 12.50 per point = 272.73")
    assert out["kpi" + TRACE][2]["per_point"] == Decimal("12.5")


def test_per_point_as_a_formula_of_a_base():
    # S004-05 as a rate: 绩效工资 = 绩效基数 × 得分 / 100. 2000 × 68 / 100 = 1360.00.
    body = SHEET.replace("pay = false", 'per_point = "performance_base / 100"', 1)
    body += "[params]\nperformance_base = 2000\n"
    out = run(body, people())
    assert out["kpi"].to_list()[0] == Decimal("1360.00")


def test_without_weights_the_points_add_up_and_a_cap_holds():
    # A sheet that writes each item out of its own maximum (30 + 70 points): 销售 linear from
    # 0% to 100% out of 30; 满意度 bands paying 80 above 95%, capped at 70.
    # A1: 96.2% → 28.86 points; 99% → 80, capped at 70. Total 98.86.
    # A2: 120% → 30 (clamped at max); 80% → 0. Total 30.
    body = """
[components.kpi]
label = "考核分"
kind = "scorecard"
pay = false

[[components.kpi.items]]
label = "销售完成率"
value = "net_sales / target"
worst = 0
best = 1
max = 30

[[components.kpi.items]]
label = "满意度"
value = "satisfaction"
bands = [{ below = "95%", points = 0 }, { from = "95%", points = 80 }]
cap = 70
"""
    frame = agents(
        net_sales=money("9620", "12000"),
        target=money("10000", "10000"),
        satisfaction=money("0.99", "0.8"),
    )
    out = run(body, frame)
    assert out["kpi"].to_list() == money("98.86", "30")
    assert out["kpi" + WHY][0] == (
        "销售完成率 0.962 (worst 0, best 1, 0–30) → 28.86 points;"
        " 满意度 99% → ≥ 95% → 70 points: total 98.86 points = 98.86"
    )


def test_a_value_in_no_band_is_no_value_unless_a_default_is_given():
    # Bands from 80% up: 50% is in none. Without a default the line has no value (the
    # month stops at it, E170); with default = 0 it scores 0.
    body = """
[components.kpi]
label = "k"
kind = "scorecard"
pay = false
items = [{ label = "满意度", value = "satisfaction", bands = [{ from = "80%", points = 100 }] }]
"""
    out = run(body, agents(satisfaction=money("0.5", "0.9")))
    assert out["kpi"].to_list() == [None, Decimal(100)]
    assert "满意度 50% → no band matches → no points" in out["kpi" + WHY][0]
    with_default = body.replace("points = 100 }]", "points = 100 }], default = 0")
    out = run(with_default, agents(satisfaction=money("0.5", "0.9")))
    assert out["kpi"].to_list() == money("0", "100")


def test_later_components_read_the_grade_and_are_ordered_after_the_scorecard():
    # 金牌奖 is written before the scorecard it reads: a match on kpi_grade (金牌 300, 银牌 100)
    # and a formula comparing it. A1 68 → 铜牌 → 0; A4 100 → 金牌 → 300 and 1.
    body = (
        """
[components.gold]
label = "金牌奖"
kind = "match"
on = "kpi_grade"
cases = { "金牌" = 300, "银牌" = 100 }
default = 0

[components.is_gold]
label = "金牌"
kind = "formula"
pay = false
expr = 'kpi_grade == "金牌"'
"""
        + SHEET
    )
    compiler = Compiler(engine_rules(body))
    assert compiler.order == ["kpi", "gold", "is_gold"]
    out = compiler.apply(people()).collect()
    assert out["gold"].to_list() == money("0.00", "0.00", "0.00", "300.00")
    assert out["is_gold"].to_list() == money("0", "0", "0", "1")
    [_, gold, is_gold] = compiler.lines()
    assert [(r.text, r.source) for r in gold.reads] == [("kpi_grade", "the grade of 月度KPI")]
    assert [(r.text, r.source) for r in is_gold.reads] == [("kpi_grade", "the grade of 月度KPI")]


def test_no_grade_where_the_line_does_not_apply():
    # applies_to agents only: the supervisor (A4) has no score line and no grade; with
    # when = "conversion >= 45%" A3 (40%) scores 0 and has no grade either.
    body = SHEET.replace("pay = false\n", 'pay = false\napplies_to = { role = ["agent"] }\n', 1)
    frame = people().with_columns(role=pl.Series(["agent", "agent", "agent", "supervisor"]))
    out = run(body, frame)
    assert out["kpi_grade"].to_list() == ["铜牌", "铜牌", "待改进", None]
    assert out["kpi" + WHY][3] is None
    gated = body.replace("pay = false\n", 'pay = false\nwhen = "conversion >= 45%"\n', 1)
    out = run(gated, frame)
    assert out["kpi"].to_list() == [Decimal(68), Decimal("74.99"), Decimal(0), Decimal(0)]
    assert out["kpi_grade"].to_list() == ["铜牌", "铜牌", None, None]


@settings(max_examples=80, deadline=None)
@given(
    st.integers(min_value=-(10**6), max_value=10**6),
    st.integers(min_value=-(10**4), max_value=10**4),
    st.integers(min_value=-(10**4), max_value=10**4),
    st.integers(min_value=1, max_value=200),
)
def test_property_linear_points_are_the_exact_share_rounded_once(value, worst, best, top):
    """Points = (value − worst) / (best − worst) × max, clamped to [0, max] and rounded
    half-up to 0.01 point: checked against plain Decimal arithmetic (values to 0.001)."""
    assume(worst != best)
    v, w, b = Decimal(value) / 1000, Decimal(worst) / 100, Decimal(best) / 100
    body = f"""
[components.kpi]
label = "k"
kind = "scorecard"
pay = false
items = [{{ label = "i", value = "x", worst = {w}, best = {b}, max = {top} }}]
"""
    [points] = run(body, agents(x=[v]))["kpi"].to_list()
    exact = min(max((v - w) / (b - w) * top, Decimal(0)), Decimal(top))
    assert points == exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
