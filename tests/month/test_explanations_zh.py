"""Explanations in Chinese, the default: every kind's words from the catalogue, names read as
the shop's labels (a component's, an event's) or a built-in's Chinese name, parameters as
written. Amounts are worked by hand in the comments and are the same in either language
(the English of each kind is tested in test_engine.py and test_engine_blocks.py)."""

from __future__ import annotations

import sys
from decimal import Decimal

import polars as pl
from helpers import agents, money

from csincentive.month.engine import WHY, Compiler
from csincentive.rules.model import RuleSet

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

# No language given: Chinese.
HEADER = '[scheme]\nid = "t"\nname = "测试"\nvalid_from = "2026-01-01"\n'


def run(body: str, frame: pl.LazyFrame, lang: str | None = None) -> pl.DataFrame:
    rules = RuleSet.model_validate(tomllib.loads(HEADER + body))
    return Compiler(rules, lang).apply(frame).collect()


LATE = """
[components.late_fine]
label = "迟到罚款"
rule = "S000-12"
kind = "ladder"
count = "late"
free = 2
amounts = [20]
deduct = true
"""


def test_the_issues_example_in_both_languages():
    # S000-12: 5 times late, the first 2 free, 20 each after: 20 + 2 × 20 = 60, deducted.
    zh = run(LATE, agents(late=[5]))
    en = run(LATE, agents(late=[5]), lang="en")
    assert zh["late_fine"].to_list() == en["late_fine"].to_list() == money("-60.00")
    assert zh["late_fine" + WHY][0] == "迟到 5 次，前 2 次不罚：20 + 2 × 20 = -60.00"
    assert en["late_fine" + WHY][0] == (
        "deducted: late 5 times, first 2 a warning only: 20 + 2 × 20 = -60.00"
    )


def test_the_scheme_says_english():
    rules = tomllib.loads(HEADER + 'language = "en"\n' + LATE)
    out = Compiler(RuleSet.model_validate(rules)).apply(agents(late=[1])).collect()
    assert (
        out["late_fine" + WHY][0] == "deducted: late 1 time, first 2 a warning only: nothing = 0.00"
    )


def test_ladder_once_doubling_and_stopping():
    body = """
[components.a]
label = "客诉罚款"
kind = "ladder"
count = "complaints"
amounts = [30, 60]
after = "double"

[components.b]
label = "违规罚款"
kind = "ladder"
count = "complaints"
amounts = [5, 7]
after = "none"
"""
    out = run(body, agents(complaints=[1, 4]))
    # 1 → 30; 4 → 30 + 60 + 2 more doubling (120 + 240) = 450; stops: 5 + 7 = 12.
    assert out["a"].to_list() == money("30.00", "450.00")
    assert out["a" + WHY].to_list() == [
        "complaints 1 次：30 = 30.00",
        "complaints 4 次：30 + 60 + 另 2 次翻倍 = 450.00",
    ]
    assert out["b" + WHY][1] == "complaints 4 次：5 + 7；第 2 次以后不再计 = 12.00"


def test_formula_reads_labels_and_builtins():
    body = """
[components.base]
label = "底薪"
kind = "formula"
expr = "2000"
pay = false

[components.total]
label = "合计"
kind = "formula"
expr = "base + net_sales * 1%"
"""
    out = run(body, agents(net_sales=money("1050.50")))
    # 2000 + 1050.50 × 1% = 2010.505 → 2010.51 (half-up, once).
    assert out["total"].to_list() == money("2010.51")
    assert out["total" + WHY][0] == (
        "底薪 + 净销售额 * 1%，其中 底薪=2000；净销售额=1050.50 = 2010.51"
    )


def test_rate_table_and_condition():
    body = """
[components.commission]
label = "提成"
kind = "rate"
base = "net_sales"
rate = "1%"
when = "conversion >= 30% and not (on_probation == 1)"

[components.coefficient]
label = "转化系数"
kind = "table"
on = "conversion"
pay = false
rows = [{ below = "40%", value = 1 }, { from = "40%", value = 1.2, note = "达标" }]
"""
    out = run(
        body,
        agents(
            net_sales=money("1000", "1000"), conversion=money("0.45", "0.2"), on_probation=[0, 0]
        ),
    )
    assert out["commission"].to_list() == money("10.00", "0.00")
    assert out["commission" + WHY].to_list() == [
        "净销售额 1000.00 × 1% = 10.00",
        "0：条件不满足（询单转化率 >= 30% 且 非 试用期中 == 1）",
    ]
    assert out["coefficient" + WHY].to_list() == [
        "询单转化率 45% → ≥ 40% 达标 → ×1.2 = 1.2",
        "询单转化率 20% → < 40% → ×1 = 1",
    ]


def test_marginal_match_matrix():
    body = """
[components.m]
label = "阶梯提成"
kind = "marginal"
on = "net_sales"
rows = [{ from = 0, below = 1000, rate = "1%" }, { from = 1000, rate = "2%" }]

[components.g]
label = "职级底薪"
kind = "match"
on = "grade"
cases = { "初级" = 2000 }
default = 1800

[components.x]
label = "学历底薪"
kind = "matrix"
row = "grade"
column = "tenure_months"
bands = [{ below = 12 }, { from = 12 }]
cells = { "初级" = [3000, 3200] }
default = 2800
"""
    frame = agents(net_sales=money("1500"), grade=["中级"], tenure_months=[13])
    out = run(body, frame)
    # 1000 × 1% + 500 × 2% = 20.00; 中级 is not listed: 1800; nor in the matrix: 2800.
    assert out["m" + WHY][0] == (
        "净销售额 1500.00：[0.00, 1000.00) 部分 1000.00 × 1% + ≥ 1000.00 部分 500.00 × 2% = 20.00"
    )
    assert out["g" + WHY][0] == "职级 中级（未列出 → 默认值） = 1800.00"
    assert out["x" + WHY][0] == "职级 中级（未列出），司龄(月) 13 → ≥ 12 → 2800 = 2800.00"


def test_rank_and_award():
    body = """
[components.r]
label = "转化率排名奖"
kind = "rank"
by = "conversion"
among = { role = ["agent"] }
prizes = [100, 50]

[components.w]
label = "服务之星"
kind = "award"
by = "satisfaction"
per_members = 2
amount = 80
"""
    frame = agents(conversion=money("0.5", "0.4", "0.3"), satisfaction=money("0.9", "0.95", "0.8"))
    out = run(body, frame)
    # Ranks 1, 2, 3 by conversion: 100, 50, 0. 3 members → ceil(3 / 2) = 2 awards: A2, A1.
    assert out["r"].to_list() == money("100.00", "50.00", "0.00")
    assert out["r" + WHY][0] == "询单转化率 50% → 第 1 名 / 3 人（岗位=客服） = 100.00"
    assert out["w" + WHY].to_list() == [
        "满意率 90%（3 人 → 2 个名额）：符合条件，第 2 位 = 80.00",
        "满意率 95%（3 人 → 2 个名额）：符合条件，第 1 位 = 80.00",
        "满意率 80%（3 人 → 2 个名额）：符合条件，第 3 位 = 0.00",
    ]


def test_scorecard_and_pool():
    body = """
[components.kpi]
label = "月度KPI"
kind = "scorecard"
pay = false
items = [{ label = "转化", value = "conversion", weight = "100%", bands = [{ from = "40%", points = 80 }], default = 0 }]
grades = [{ from = 60, grade = "金牌" }]

[components.pool]
label = "团队奖金"
kind = "pool"
amount = 100
basis = "kpi"
"""
    out = run(body, agents(conversion=money("0.5", "0.3")))
    # A1: 80 points × 100% = 80 → 金牌; A2: no band → default 0. The pool of 100.00 goes
    # to A1 alone: 100 × 80 / 80 = 100.00; A2's basis is 0.
    assert out["kpi" + WHY].to_list() == [
        "转化 50% → ≥ 40% → 80 分 × 100%：合计 80 分 → 金牌 = 80",
        "转化 30% → 无匹配区间 → 默认值 → 0 分 × 100%：合计 0 分 → 无等级 = 0",
    ]
    assert out["pool"].to_list() == [Decimal("100.00"), Decimal("0.00")]
    assert out["pool" + WHY].to_list() == [
        "奖金池 100.00 × 月度KPI 80 / Σ 80 → 100.00 = 100.00",
        "月度KPI 0：不参与奖金池 100.00分配 = 0.00",
    ]


def test_cap_floor_and_proration():
    body = """
[components.b]
label = "底薪"
kind = "formula"
expr = "3100"
cap = 3000
prorate = "days_employed"
"""
    out = run(body, agents(days_employed=[10]))
    # min(3100, 3000) × 10 / 31 = 967.741… → 967.74.
    assert out["b"].to_list() == money("967.74")
    assert out["b" + WHY][0] == "3100；封顶 3000 × 在职 10/31 天 = 967.74"
