"""The building blocks added for the seed policies (issue 3): ladders, awards, matrices,
deductions, flags, points, proration by worked days, formula table rows. Expected values
are worked by hand in the comments."""

from __future__ import annotations

from decimal import Decimal

import polars as pl
from helpers import agents, money, run

from csincentive.month.engine import FLAG, WHY


def test_ladder_free_first_then_each_repeats():
    # S000-12 snacks: first a warning, then 10 each. 0 → 0; 1 → 0 (warning); 4 → 3 × 10 = 30.
    body = """
[components.snacks_fine]
label = "零食罚款"
kind = "ladder"
count = "snacks"
free = 1
amounts = [10]
deduct = true
"""
    out = run(body, agents(snacks=[0, 1, 4]))
    assert out["snacks_fine"].to_list() == money("0.00", "0.00", "-30.00")
    assert out["gross"].to_list() == money("0.00", "0.00", "-30.00")
    assert out["snacks_fine" + WHY][2] == (
        "deducted: snacks 4 times, first 1 a warning only: 10 + 2 × 10 = -30.00"
    )


def test_ladder_doubles_past_the_list_and_flags_the_third():
    # S000-13: 30 the first time, doubled (60) the second; past the list doubling goes on:
    # 3 complaints → 30 + 60 + 120 = 210; the third raises the dismissal flag.
    body = """
[components.complaint_fine]
label = "客诉罚款"
kind = "ladder"
count = "complaints"
amounts = [30, 60]
after = "double"
deduct = true
flag_when = "complaints >= 3"
flag = "third service complaint: dismissal review (S000-13)"
"""
    out = run(body, agents(complaints=[1, 2, 3, 4]))
    # 4 → 30 + 60 + 120 + 240 = 450.
    assert out["complaint_fine"].to_list() == money("-30.00", "-90.00", "-210.00", "-450.00")
    assert out["complaint_fine" + FLAG].to_list() == [
        None,
        None,
        "third service complaint: dismissal review (S000-13)",
        "third service complaint: dismissal review (S000-13)",
    ]


def test_ladder_that_stops():
    body = '[components.l]\nlabel="l"\nkind="ladder"\ncount="n"\namounts=[5, 7]\nafter="none"\n'
    out = run(body, agents(n=[1, 2, 5]))
    assert out["l"].to_list() == money("5.00", "12.00", "12.00")


def test_award_best_eligible_per_team_with_quota_and_ties():
    # Team t1 has 11 members → ceil(11 / 10) = 2 awards; t2 has 3 → 1.
    # t1 satisfaction: A1 .99 but has a complaint (ineligible); A2 .98, A3 .98 tie, A4 .97 …
    # winners A2 and A3 (2 places). t2: A12 .9 and A13 .9 tie → the smaller id, A12.
    n1 = 11
    sat = ["0.99", "0.98", "0.98", "0.97"] + ["0.5"] * (n1 - 4) + ["0.9", "0.9", "0.1"]
    complaints = [1] + [0] * (n1 - 1) + [0, 0, 0]
    frame = agents(
        satisfaction=money(*sat),
        complaints=complaints,
        team=["t1"] * n1 + ["t2"] * 3,
    )
    body = """
[components.star]
label = "服务之星"
kind = "award"
by = "satisfaction"
eligible = "complaints == 0"
amount = 100
"""
    out = run(body, frame)
    winners = [a for a, v in zip(out["agent_id"], out["star"], strict=True) if v > 0]
    assert winners == ["A2", "A3", "A12"]
    assert out["star" + WHY][0].endswith("not eligible (complaints == 0) = 0.00")
    assert (
        out["star" + WHY][1]
        == "satisfaction 98% (11 members → 2 award(s)): eligible, place 1 = 100.00"
    )


def test_award_nomination_takes_precedence_over_the_data():
    body = """
[components.star]
label = "服务之星"
kind = "award"
by = "satisfaction"
nominated = "nominated_star > 0"
amount = 100
"""
    frame = agents(satisfaction=money("0.99", "0.5", "0.7"), nominated_star=[0, 1, 0])
    out = run(body, frame)
    assert out["star"].to_list() == money("0.00", "100.00", "0.00")
    assert "not among the nominees" in out["star" + WHY][0]


def test_matrix_education_by_tenure_band():
    # S002-04: 本科 4000 / 4200 (≥ 1 year) / 4500 (≥ 2 years); 大专 3500 / 3700 / 3900.
    body = """
[components.base]
label = "底薪"
kind = "matrix"
row = "education"
column = "tenure_months"
bands = [{ below = 12 }, { from = 12, below = 24 }, { from = 24 }]
cells = { "本科" = [4000, 4200, 4500], "大专" = [3500, 3700, 3900] }
default = 3000
"""
    frame = agents(education=["本科", "本科", "大专", "高中"], tenure_months=[11, 12, 30, 40])
    out = Compiler_run_with_fields(body, frame)
    assert out["base"].to_list() == money("4000.00", "4200.00", "3900.00", "3000.00")
    assert out["base" + WHY][1] == "education 本科, tenure_months 12 → [12, 24) → 4200 = 4200.00"
    assert out["base" + WHY][3].startswith("education 高中 (not listed)")


def Compiler_run_with_fields(body: str, frame: pl.LazyFrame) -> pl.DataFrame:
    return run('[inputs]\nroster_fields = ["education"]\n' + body, frame)


def test_table_row_formula_value_and_no_pay_note():
    # S001-03 shape: above 25 points each point adds 2%; S002-10: "no performance pay" row.
    body = """
[params]
per_point = "2%"
[components.multiplier]
label = "积分系数"
kind = "table"
pay = false
on = "score"
rows = [
  { below = 15, value = 0, note = "不发奖金" },
  { from = 15, below = 25, value = 1 },
  { from = 25, value = "1 + (score - 25) * per_point" },
]
"""
    out = run(body, agents(score=[10, 20, 28]))
    assert out["multiplier"].to_list() == money("0", "1", "1.06")
    assert out["multiplier" + WHY][0] == "score 10 → < 15 不发奖金 → ×0 = 0"


def test_points_line_is_not_paid_and_worked_days_proration():
    # 3000 × 18 / 20 worked days = 2700; the points line stays off the payslip.
    body = """
[components.base]
label = "底薪"
kind = "formula"
expr = "3000"
prorate = "worked_days"
[components.points]
label = "积分"
kind = "formula"
expr = "30 - deductions"
pay = false
format = "points"
"""
    frame = agents(worked_days=[18, 0], scheduled_days=[20, 0], deductions=[2, 0])
    out = run(body, frame)
    assert out["base"].to_list() == money("2700.00", "0.00")  # 0 scheduled days → 0, not an error
    assert out["points"].to_list() == [Decimal(28), Decimal(30)]
    assert out["gross"].to_list() == money("2700.00", "0.00")
    assert out["base" + WHY][0] == "3000 × 18/20 days worked = 2700.00"


def test_team_attainment_pays_every_member():
    # S000-08: team attainment ≥ 90% → 10% of each member's salary, ≥ 100% → 15%.
    # t1: (9000 + 9500) / (10000 + 10000) = 92.5% → 10%: 300 and 250 on salaries 3000, 2500.
    # t2: 4000 / 5000 = 80% → nothing.
    body = """
[components.team_attainment]
label = "团队达成率"
kind = "formula"
pay = false
format = "percent"
expr = "team_sum(net_sales) / team_sum(target)"

[components.team_bonus]
label = "团队奖"
rule = "S000-08"
kind = "table"
on = "team_attainment"
times = "salary"
rows = [{ from = "90%", below = "100%", value = "10%" }, { from = "100%", value = "15%" }]
default = 0
"""
    frame = agents(
        team=["t1", "t1", "t2"],
        net_sales=money("9000", "9500", "4000"),
        target=money("10000", "10000", "5000"),
        salary=money("3000", "2500", "3000"),
    )
    out = run(body, frame)
    assert out["team_bonus"].to_list() == money("300.00", "250.00", "0.00")
    assert out["team_bonus" + WHY][0] == (
        "team_attainment 92.5% → [90%, 100%) → 0.1 × salary 3000 = 300.00"
    )
