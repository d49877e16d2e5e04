"""explain's text tree in the month's language: a whole small payslip, a scorecard and a
net-pay chain in Chinese (the English words are checked in test_explain.py and
test_explain_kinds.py).

The hand-worked month tests/months/2026-10 (its figures are worked from the rule text in
tests/schemes/test_golden_month.py) under a two-line scheme. 阿杰 (A2): net sales
800.00 + 260.00 = 1060.00, commission 1% → 10.60, exact to the fen (S000-02); buyers 2 of 4
= 50%, tied with 小林 (A5) behind 小美 (A1, 60%), so rank 2 of the 5 agents → the second
prize, 100 (S000-03); gross 10.60 + 100.00 = 110.60."""

from __future__ import annotations

import shutil
from pathlib import Path

from helpers import ROOT, TEMP_ACCOUNT

from csincentive.month.compute import compute_month
from csincentive.reports.explain import as_text, explain_agent
from csincentive.reports.explain_json import as_dict

MONTH = ROOT / "tests" / "months" / "2026-10"
SMALL = f"""\
[scheme]
id = "small"
name = "小店提成"
valid_from = "2026-01-01"

[components.commission]
label = "个人接单提成"
rule = "S000-02"
kind = "rate"
base = "net_sales"
rate = "1%"
applies_to = {{ role = ["agent"] }}

[components.conversion_rank]
label = "转化率排名奖"
rule = "S000-03"
kind = "rank"
by = "conversion"
among = {{ role = ["agent"] }}
prizes = [150, 100]

[inputs]
ignore_accounts = ["{TEMP_ACCOUNT}"]
"""


def test_a_whole_small_tree_in_chinese(tmp_path: Path):
    rules = tmp_path / "small.toml"
    rules.write_text(SMALL, encoding="utf-8")
    text = as_text(explain_agent(compute_month(MONTH, rules), "A2"))  # Chinese by default
    assert text.splitlines() == [
        f"A2 阿杰 — 售前一组，客服 — 2026-10 — 小店提成（{rules}）",
        f"├─ commission 个人接单提成 = 10.60  （S000-02；rate；{rules}:6:1）",
        "│  │  净销售额 1060.00 × 1% = 10.60",
        "│  │  舍入：不需要，10.60 已精确到分",
        "│  └─ net_sales = 1060.00  （指标；用于 base）",
        f"└─ conversion_rank 转化率排名奖 = 100.00  （S000-03；rank；{rules}:14:1）",
        "   │  询单转化率 50% → 第 2 名 / 5 人（岗位=客服） = 100.00",
        "   │  舍入：不需要，100.00 已精确到分",
        "   │  按 conversion 排名第 2，共 5 人（从高到低；岗位=客服）：50%",
        "   │    排在前面：#1 A1 小美 60%",
        "   │    并列：#2 A5 小林 50%",
        "   │    （并列者同名次）",
        "   └─ conversion = 50%  （指标；用于 by）",
        "gross 应发合计 = 110.60  （各行合计 110.60 ✓）",
    ]


def test_the_same_tree_in_english_keeps_the_english_words(tmp_path: Path):
    rules = tmp_path / "small.toml"
    rules.write_text(SMALL, encoding="utf-8")
    text = as_text(explain_agent(compute_month(MONTH, rules, lang="en"), "A2"))
    assert "│  │  rounding: none needed: 10.60 is exact to the fen" in text
    assert "   │  rank 2 of 5 by conversion (desc; role=agent): 50%" in text
    assert "   │    tied:  #2 A5 小林 50%" in text
    assert text.endswith("gross 应发合计 = 110.60  (the lines add up to 110.60 ✓)")


# A scorecard that pays per point (S003-01), on the same month. 晓雨 (A3): conversion 40%,
# linear from 20% (0) to 60% (100): (40 − 20) / (60 − 20) × 100 = 50, capped at 40 → 40 ×
# 50% = 20; net sales 1450.00 ≥ 1000.00 → 100 × 50% = 50; total 70 → 银牌 ([60, 90));
# 70 × 2.00 per point = 140.00.
CARD = f"""\
[scheme]
id = "card"
name = "KPI 考核"
valid_from = "2026-01-01"

[inputs]
ignore_accounts = ["{TEMP_ACCOUNT}"]

[components.kpi]
label = "月度KPI奖"
rule = "S003-01"
kind = "scorecard"
per_point = 2
applies_to = {{ role = ["agent"] }}
grades = [
  {{ below = 60, grade = "铜牌" }},
  {{ from = 60, below = 90, grade = "银牌" }},
  {{ from = 90, grade = "金牌" }},
]

[[components.kpi.items]]
label = "转化率"
value = "conversion"
weight = "50%"
worst = "20%"
best = "60%"
cap = 40

[[components.kpi.items]]
label = "销售额"
value = "net_sales"
weight = "50%"
bands = [
  {{ below = 500, points = 0 }},
  {{ from = 500, below = 1000, points = 60 }},
  {{ from = 1000, points = 100 }},
]
"""


def test_a_scorecard_tree_in_chinese(tmp_path: Path):
    rules = tmp_path / "card.toml"
    rules.write_text(CARD, encoding="utf-8")
    text = as_text(explain_agent(compute_month(MONTH, rules), "A3"))
    assert text.splitlines() == [
        f"A3 晓雨 — 售前一组，客服 — 2026-10 — KPI 考核（{rules}）",
        f"└─ kpi 月度KPI奖 = 140.00  （S003-01；scorecard；{rules}:9:1）",
        "   │  转化率 40%（最差 20%，最好 60%，0–100）→ 40 分 × 50%；销售额 1450.00 → ≥ 1000.00"
        " → 100 分 × 50%：合计 70 分 → 银牌 × 每分 2.00 = 140.00",
        "   │  舍入：不需要，140.00 已精确到分",
        "   │  考核项（权重合计 100%）：",
        "   │    items[0] 转化率 = 40% → 线性：最差 20% 得 0 分，最好 60% 得 100 分，封顶 40 分"
        f" → 40 分 × 50% = 20  （{rules}:21:1）",
        f"   │    items[1] 销售额 = 1450.00 → bands[2] ≥ 1000.00 → 100 分 × 50% = 50  （{rules}:36:3）",
        f"   │  合计 70 分 × 每分 2.00（2） → 等级 银牌（grades[1]，{rules}:17:3）",
        "   ├─ conversion = 40%  （指标；用于 items[0].value）",
        "   └─ net_sales = 1450.00  （指标；用于 items[1].value）",
        "gross 应发合计 = 140.00  （各行合计 140.00 ✓）",
    ]
    english = as_text(explain_agent(compute_month(MONTH, rules, lang="en"), "A3"))
    assert "linear from worst 20% (0) to best 60% (100), capped at 40 → 40 points" in english


def test_a_net_pay_chain_in_chinese(tmp_path: Path):
    """阿杰 (N2) in examples/net-pay/2026-01, worked by hand from the example policy
    (rules/statutory/example.toml) and the tables of national law: gross 30000.00 +
    20.00 + 36000.00 (S000-01, S000-02, S002-04) = 66020.00; the declared base 40000.00 is
    clamped to the cap 35000.00: pension 8% 2800.00, medical 2% 700.00, unemployment 0.5%
    175.00, housing fund 7% 2450.00 (to the yuan); taxable 30020.00 − 5000.00 − 6125.00 −
    4000.00 = 14895.00 → 3% = 446.85; the bonus 36000.00 on its own, ÷ 12 = 3000.00 → 3% =
    1080.00; tax 1526.85; net 66020.00 − 6125.00 − 1526.85 = 58368.15."""
    folder = tmp_path / "2026-01"
    shutil.copytree(ROOT / "examples" / "net-pay" / "2026-01", folder)
    result = compute_month(folder, ROOT / "rules" / "net-pay.toml", ledger=None)
    text = as_text(explain_agent(result, "N2"))
    net = text.splitlines()[text.splitlines().index("") :]
    salary = "个人所得税预扣率表一 (公告2018年第61号)"
    bonus = "按月换算后的综合所得税率表 (财税〔2018〕164号)"
    base = "基数 35000.00（申报基数 40000.00，按 [7000.00, 35000.00] 调整）"
    fund = "基数 35000.00（申报基数 40000.00，按 [2500.00, 35000.00] 调整）"
    assert net == [
        "",
        "实发工资（示例城市(虚构)职工社会保险和住房公积金）：",
        "├─ 应发合计 66020.00  （各工资行合计）",
        f"├─ 养老保险(个人) 2800.00  （{base}× 8%，四舍五入到分）",
        f"├─ 医疗保险(个人) 700.00  （{base}× 2%，四舍五入到分）",
        f"├─ 失业保险(个人) 175.00  （{base}× 0.5%，四舍五入到分）",
        f"├─ 住房公积金(个人) 2450.00  （{fund}× 7%，四舍五入到元）",
        "├─ 累计应纳税所得额 14895.00  （收入 30020.00 − 免税收入 0.00 − 减除费用 5,000 × 1 个月"
        " = 5000.00 − 社保和公积金 6125.00 − 专项附加扣除 4000.00 − 其他扣除 0.00（本年累计，含本月））",
        f"├─ 累计应纳税额 446.85  （{salary}第 1 行：× 3% − 0.00）",
        "├─ 本月预扣税额 446.85  （446.85 − 本年已预扣 0.00）",
        f"├─ 年终奖个税 1080.00  （全年一次性奖金 36000.00 单独计税：÷ 12 → {bonus}第 1 行：× 3% − 0.00）",
        "├─ 个人所得税 1526.85  （本月预扣税额 + 年终奖个税）",
        "└─ 实发工资 58368.15  （66020.00 − 2800.00 − 700.00 − 175.00 − 2450.00 − 1526.85）",
    ]
    # The same words in explain's JSON (reports/explain_json.py dumps the steps).
    steps = as_dict(explain_agent(result, "N2"))["net"]
    assert [s["name"] for s in steps][:2] == ["应发合计", "养老保险(个人)"]
