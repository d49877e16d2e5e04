"""The scorecard and pool examples of docs/rules.md (S003-01/02, S004-01/05) are valid rules
and compute what the text beside them says."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

from helpers import ROOT, agents, money, run

from csincentive.month.engine import WHY
from csincentive.rules.loader import check_rules

DOCS = ROOT / "docs" / "rules.md"
HEADER = '[scheme]\nid = "t"\nname = "T"\nvalid_from = "2026-01-01"\n\n'


def example(section: str) -> str:
    """The TOML block of a section of docs/rules.md."""
    text = DOCS.read_text(encoding="utf-8").split(f"## {section}\n", 1)[1].split("\n## ", 1)[0]
    [block] = re.findall(r"```toml\n(.*?)```", text, flags=re.DOTALL)
    return block


def test_the_examples_validate_together(tmp_path: Path):
    path = tmp_path / "kinds.toml"
    path.write_text(HEADER + example("Scorecards") + example("Bonus pools"), encoding="utf-8")
    rules, diagnostics = check_rules(path)
    assert rules is not None
    assert [d.render() for d in diagnostics] == []


def test_the_scorecard_example_scores_68_as_the_text_says():
    # 96.2% of target → 80 × 30%; 45% conversion → 50 × 20%; 客单价 250 → 75 × 20%; 90%
    # replies → 50 × 20%; 24 s → 80 × 5%; 96% attendance → 100 × 5%: 68 → 铜牌 → 50.00.
    frame = agents(
        net_sales=money("9620"),
        target=money("10000"),
        conversion=money("0.45"),
        avg_order_value=money("250"),
        answer_ratio=money("0.9"),
        avg_first_response_s=money("24"),
        attendance_rate=money("0.96"),
    )
    out = run(example("Scorecards"), frame)
    assert out["kpi"].to_list() == [Decimal(68)]
    assert out["grade_award"].to_list() == money("50.00")
    why = out["kpi" + WHY][0]
    assert why.startswith(
        "销售完成率 96.2% → [95%, 100%) → 80 points × 30%; 询单转化率 45% (worst 30%, best 60%,"
        " 0–100) → 50 points × 20%; "
    )
    assert why.endswith(": total 68 points → 铜牌 = 68")
