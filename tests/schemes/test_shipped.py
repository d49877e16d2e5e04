"""Every shipped rules file validates clean and every shipped example month runs under its
rules and pays lines that add up to gross."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from csincentive.ledger.store import Ledger
from csincentive.month.compute import compute_month
from csincentive.rules.loader import check_rules

ROOT = Path(__file__).resolve().parents[2]
RULES = sorted((ROOT / "rules").glob("*.toml"))
# Each scheme's first example month (net-pay's example year starts in January).
EXAMPLES = [(ROOT / "examples" / "2026-10", ROOT / "rules" / "taobao-presales.toml")] + [
    (sorted((ROOT / "examples" / rules.stem).glob("20??-??"))[0], rules) for rules in RULES
]
# A month paid from a per-agent report (赤兔 售前绩效) under the Taobao pre-sales scheme.
EXAMPLES.append(
    (ROOT / "examples" / "taobao-report" / "2026-10", ROOT / "rules" / "taobao-presales.toml")
)
# A month paid from a 生意参谋 客服绩效 report, same scheme.
EXAMPLES.append(
    (ROOT / "examples" / "sycm-report" / "2026-10", ROOT / "rules" / "taobao-presales.toml")
)
# A month whose chats are 千牛's per-message export (no agent column), same scheme.
EXAMPLES.append(
    (ROOT / "examples" / "qianniu" / "2026-10", ROOT / "rules" / "taobao-presales.toml")
)


def test_every_scheme_is_shipped():
    assert [r.stem for r in RULES] == [
        "awards",
        "callcenter-points",
        "contact-centre-scorecard",
        "grade-pay",
        "net-pay",
        "part-time",
        "points-30",
        "sales-cs-education",
        "taobao-growth",
        "taobao-presales-quarterly",
        "taobao-presales",
        "warning-ladder",
    ]


@pytest.mark.parametrize("rules", RULES, ids=lambda p: p.stem)
def test_rules_file_validates_clean(rules: Path):
    assert check_rules(rules)[1] == []


@pytest.mark.parametrize(
    "month,rules", EXAMPLES, ids=lambda p: p.parent.name if p.name[:2] == "20" else p.stem
)
def test_example_month_runs_and_adds_up(month: Path, rules: Path, tmp_path: Path):
    # An empty ledger: the examples are each a scheme's first month.
    result = compute_month(month, rules, ledger=Ledger(tmp_path / "ledger"))
    assert result.payroll.height > 0
    pays = result.lines.filter(pl.col("pays"))
    sums = pays.group_by("agent_id").agg(pl.col("amount").cast(pl.Decimal(38, 2)).sum())
    by_agent = dict(zip(sums["agent_id"], sums["amount"], strict=True))
    for agent, gross in zip(result.payroll["agent_id"], result.payroll["gross"], strict=True):
        assert by_agent.get(agent, 0) == gross
