"""The pay engine on hand-made per-agent frames: each building block, rounding, and the
explanations. Expected values are worked by hand in the comments."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from helpers import agents, money, run
from hypothesis import given, settings
from hypothesis import strategies as st

from csincentive.month.engine import WHY


def test_rate_rounds_half_up_once():
    # 1050.50 × 1% = 10.505 → 10.51 (half-up; banker's rounding would give 10.50).
    # 1049.50 × 1% = 10.495 → 10.50.
    out = run(
        '[components.c]\nlabel="提成"\nkind="rate"\nbase="net_sales"\nrate="1%"\n',
        agents(net_sales=money("1050.50", "1049.50")),
    )
    assert out["c"].to_list() == money("10.51", "10.50")
    assert out["gross"].to_list() == money("10.51", "10.50")
    assert out["c" + WHY][0] == "net_sales 1050.50 × 1% = 10.51"


def test_step_table_with_open_ends_and_explanation():
    # S000-04 coefficient table: 44.4…% falls in [40%, 50%) → 1.4; 70% exactly → ≥ 70% → 2.
    body = """
[components.k]
label = "系数"
kind = "table"
pay = false
on = "conversion"
rows = [
  { below = "40%", value = 1.2 },
  { from = "40%", below = "50%", value = 1.4 },
  { from = "50%", below = "70%", value = 1.6 },
  { from = "70%", value = 2.0 },
]
"""
    conversion = [Decimal(8) / Decimal(18), Decimal("0.7"), Decimal("0.3999999999")]
    out = run(body, agents(conversion=conversion))
    assert out["k"].to_list() == money("1.4", "2.0", "1.2")
    assert out["k" + WHY][0] == "conversion 44.4% → [40%, 50%) → ×1.4 = 1.4"
    assert out["k" + WHY][1] == "conversion 70% → ≥ 70% → ×2 = 2"
    assert out["gross"].to_list() == money("0", "0", "0")  # pay = false: not on the payslip


def test_step_tier_times_pays_the_whole_amount():
    # S000-06 shape: attainment 95% → [90%, 100%) → 10% × 3000 salary = 300.
    body = """
[components.bonus]
label = "达成奖"
kind = "table"
on = "attainment"
times = "salary"
rows = [{ from = "80%", below = "90%", value = "5%" }, { from = "90%", below = "100%", value = "10%" }, { from = "100%", value = "15%" }]
default = 0
"""
    out = run(body, agents(attainment=money("0.95", "0.5"), salary=money("3000", "3000")))
    assert out["bonus"].to_list() == money("300.00", "0.00")


def test_marginal_tiers_pay_each_slice_at_its_rate():
    # 0–10000 at 1% = 100; 10000–25000 at 2% = 300 → 400.
    body = """
[components.m]
label = "阶梯提成"
kind = "marginal"
on = "net_sales"
rows = [{ from = 0, below = 10000, rate = "1%" }, { from = 10000, rate = "2%" }]
"""
    out = run(body, agents(net_sales=money("25000", "5000")))
    assert out["m"].to_list() == money("400.00", "50.00")
    assert (
        out["m" + WHY][0]
        == "net_sales 25000.00: [0.00, 10000.00) × 1% on 10000.00 + ≥ 10000.00 × 2% on 15000.00 = 400.00"
    )


def test_rank_ties_share_the_rank_and_eligibility_gates_the_prize():
    # conversions 0.6, 0.5, 0.5, 0.4, 0.35 → ranks 1, 2, 2, 4, 5; prizes 150/100 need ≥ 40%.
    body = """
[params]
floor_rate = "40%"
[components.r]
label = "排名奖"
kind = "rank"
by = "conversion"
eligible = "conversion >= floor_rate"
prizes = [150, 100]
"""
    out = run(body, agents(conversion=money("0.6", "0.5", "0.5", "0.4", "0.35")))
    assert out["r"].to_list() == money("150.00", "100.00", "100.00", "0.00", "0.00")
    assert out["r" + WHY][1] == "conversion 50% → rank 2 of 5 = 100.00"


def test_rank_first_place_below_the_minimum_gets_nothing():
    body = """
[components.r]
label = "排名奖"
kind = "rank"
by = "conversion"
eligible = 'conversion >= 40%'
prizes = [150, 100]
"""
    out = run(body, agents(conversion=money("0.35", "0.2")))
    assert out["r"].to_list() == money("0.00", "0.00")
    assert (
        out["r" + WHY][0]
        == "conversion 35% → rank 1 of 2; not eligible (conversion >= 40% fails) = 0.00"
    )


def test_rank_within_team_and_among_role():
    body = """
[components.r]
label = "组内第一"
kind = "rank"
by = "net_sales"
within = "team"
among = { role = ["agent"] }
prizes = [50]
"""
    frame = agents(
        net_sales=money("10", "20", "30", "5"),
        team=["t1", "t1", "t2", "t2"],
        role=["agent", "agent", "supervisor", "agent"],
    )
    out = run(body, frame)
    # t1: A2 first; t2: the supervisor is not ranked, so A4 is first.
    assert out["r"].to_list() == money("0.00", "50.00", "0.00", "50.00")
    assert out["r" + WHY][2] is None  # not in the ranking: no line at all


def test_match_cap_floor_when_applies_to_and_prorate():
    body = """
[components.base]
label = "底薪"
kind = "match"
on = "grade"
cases = { "初级" = 3000, "中级" = 3500 }
default = 2800
prorate = "days_employed"

[components.bonus]
label = "奖金"
kind = "formula"
expr = "net_sales * 10%"
cap = 500
floor = 100
when = "net_sales > 0"
applies_to = { role = ["agent"] }
"""
    frame = agents(
        grade=["初级", "中级", "高级", "初级"],
        days_employed=[31, 10, 31, 31],
        net_sales=money("8000", "300", "0", "2000"),
        role=["agent", "agent", "agent", "supervisor"],
    )
    out = run(body, frame)
    # 3500 × 10/31 = 1129.0322… → 1129.03; 高级 is not listed → default 2800.
    assert out["base"].to_list() == money("3000.00", "1129.03", "2800.00", "3000.00")
    # 800 capped at 500; 30 raised to 100; 0 fails `when`; supervisor not covered.
    assert out["bonus"].to_list() == money("500.00", "100.00", "0.00", "0.00")
    assert out["gross"].to_list() == money("3500.00", "1229.03", "2800.00", "3000.00")
    assert out["bonus" + WHY][0] == "net_sales * 10% with net_sales=8000.00; capped at 500 = 500.00"
    assert out["bonus" + WHY][2] == "0: condition not met (net_sales > 0)"
    assert out["base" + WHY][1] == "grade 中级 × 10/31 days employed = 1129.03"


def test_components_see_rounded_amounts_of_their_dependencies():
    # commission 10.505 → 10.51 on the payslip; double = 2 × 10.51 = 21.02 (not 21.01).
    body = """
[components.double]
label = "双倍"
kind = "formula"
expr = "commission * 2"

[components.commission]
label = "提成"
kind = "rate"
base = "net_sales"
rate = "1%"
"""
    out = run(body, agents(net_sales=money("1050.50")))
    assert out["commission"].to_list() == money("10.51")
    assert out["double"].to_list() == money("21.02")
    assert out["gross"].to_list() == money("31.53")


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=8),
    st.integers(min_value=1, max_value=999),
)
def test_property_rate_is_half_up_of_exact_product_and_lines_sum(fen_values, per_mille):
    # For any sales in fen and any rate in ‰, the line equals Decimal's own half-up rounding
    # of the exact product, and gross equals the sum of the lines.
    sales = [Decimal(v) / 100 for v in fen_values]
    rate = Decimal(per_mille) / 1000
    body = f'[components.c]\nlabel="c"\nkind="rate"\nbase="net_sales"\nrate="{rate}"\n'
    body += '[components.b]\nlabel="b"\nkind="formula"\nexpr="net_sales / 3"\n'
    out = run(body, agents(net_sales=sales))
    expected_c = [(s * rate).quantize(Decimal("0.01"), ROUND_HALF_UP) for s in sales]
    assert out["c"].to_list() == expected_c
    total = [c + b for c, b in zip(out["c"].to_list(), out["b"].to_list(), strict=False)]
    assert out["gross"].to_list() == total


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=10**8))
def test_property_marginal_equals_slice_sum(fen):
    # Marginal tiers 0–1000 @1%, 1000–5000 @3%, ≥5000 @5%, checked against plain Decimal maths.
    value = Decimal(fen) / 100
    body = """
[components.m]
label = "m"
kind = "marginal"
on = "net_sales"
rows = [{ from = 0, below = 1000, rate = "1%" }, { from = 1000, below = 5000, rate = "3%" }, { from = 5000, rate = "5%" }]
"""
    out = run(body, agents(net_sales=[value]))
    exact = (
        min(value, Decimal(1000)) * Decimal("0.01")
        + max(min(value, Decimal(5000)) - 1000, Decimal(0)) * Decimal("0.03")
        + max(value - 5000, Decimal(0)) * Decimal("0.05")
    )
    assert out["m"].to_list() == [exact.quantize(Decimal("0.01"), ROUND_HALF_UP)]
