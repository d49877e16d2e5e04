"""explain's text tree in the month's language: a whole small payslip in Chinese (the
English words are checked in test_explain.py and test_explain_kinds.py).

The hand-worked month tests/months/2026-10 (its figures are worked from the rule text in
tests/schemes/test_golden_month.py) under a two-line scheme. 阿杰 (A2): net sales
800.00 + 260.00 = 1060.00, commission 1% → 10.60, exact to the fen (S000-02); buyers 2 of 4
= 50%, tied with 小林 (A5) behind 小美 (A1, 60%), so rank 2 of the 5 agents → the second
prize, 100 (S000-03); gross 10.60 + 100.00 = 110.60."""

from __future__ import annotations

from pathlib import Path

from helpers import ROOT, TEMP_ACCOUNT

from csincentive.month.compute import compute_month
from csincentive.reports.explain import as_text, explain_agent

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
        "│  └─ net_sales = 1060.00  （metric；用于 base）",
        f"└─ conversion_rank 转化率排名奖 = 100.00  （S000-03；rank；{rules}:14:1）",
        "   │  询单转化率 50% → 第 2 名 / 5 人（岗位=客服） = 100.00",
        "   │  舍入：不需要，100.00 已精确到分",
        "   │  按 conversion 排名第 2，共 5 人（从高到低；岗位=客服）：50%",
        "   │    排在前面：#1 A1 小美 60%",
        "   │    并列：#2 A5 小林 50%",
        "   │    （并列者同名次）",
        "   └─ conversion = 50%  （metric；用于 by）",
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
