"""A hand-worked month (examples/awards/2026-10) under rules/awards.toml (S000-10, S000-11).

Every expected figure below is worked by hand from the rule text and the rows of the example's
CSV files (agents, chats, orders, events, inputs); see the comments.

Teams, counting agents only (the supervisor nominates, does not compete):
  售前一组 A01..A11 = 11 agents → ceil(11 / 10) = 2 awards of each kind (+ supervisor S1)
  售前二组 B1..B4   =  4 agents → 1 award of each kind

服务之星 Service Star — qualified: no QA principle error, no operational error, no complaint,
≥ 3 rated sessions; best satisfaction (satisfied / rated) wins:
  A01 3/3 = 100% but 1 complaint (events.csv)       → not qualified (a top scorer left out)
  A02 4/4 = 100%                                    → place 1 → wins (chosen by the data)
  A03 3/4 = 75%, A04 3/4 = 75% (一般 once each)      → tie: A03 (smaller id) place 2 → wins;
                                                      A04 place 3 → no (only 2 awards)
  A05 2/2 = 100% but only 2 rated sessions          → not qualified
  售前二组: B1 5/5 = 100% (qualified, best by the data) but the leader nominated B2
  (3/4 = 75%, qualified) → the nominee wins: B2 100, B1 nothing.
销售能手 Sales Champion — qualified: net sales ≥ target (> 0), refund rate < 6%; best net sales:
  A07 16000 − 1000 refund = 15000 (best of the team) but refund rate 1000/16000 = 6.25% → no
  A06 12000 ≥ 10000, 0% → place 1 → wins;  A09 10000 ≥ 10000 (exactly) → place 2 → wins
  A08 9000 < 10000 → no.  售前二组: B3 3000 < 5000; B3's nomination is void (not qualified)
  → nobody qualifies → no award.
最佳新人 Best Newcomer — qualified: tenure < 3 whole months, no operational error, ≥ 3 accepted
suggestions; most suggestions wins:
  A08 hired 2026-07-31 → 3 whole months by 10-31 → not new (5 suggestions, left out)
  A10 hired 08-15 → 2 months, 4 suggestions, 0 errors → place 1 → wins (the 2nd award unused)
  A11 hired 09-01, 3 suggestions but 1 operational error → not qualified; nominated, but the
      nomination is void, so the data decide (A10)
  B4 hired 10-10 → 0 months, 3 suggestions (exactly) → wins
优秀讲师 Best Trainer — training score ≥ 85, best wins:
  A02 90 → wins; A06 84 → no.  B1 85 and B2 85 tie → B1 (smaller id) wins.
辛勤小蜜蜂 Busy Bee — nomination only: A08 nominated → wins; 售前二组 nobody nominated → none.

Cash: 100 per award (pay lines); gross = Σ awards:
  A02 200 (服务之星 + 优秀讲师); A03, A06, A08, A09, A10, B1, B2, B4 100; the rest 0.
Points (pay = false): award_points = 5 × awards won: A02 10; A03 A06 A08 A09 A10 B1 B2 B4 5.
  shortlist_points = 2 once for anyone nominated (A08, A11, B2, B3) or winning (A02 A03 A06
  A09 A10 B1 B4 …): A02 A03 A06 A08 A09 A10 A11 B1 B2 B3 B4 → 2; A01 A04 A05 A07 → 0.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from helpers import D

from csincentive.month.compute import compute_month
from csincentive.rules.loader import check_rules

ROOT = Path(__file__).resolve().parents[2]
MONTH = ROOT / "examples" / "awards" / "2026-10"
RULES = ROOT / "rules" / "awards.toml"
AGENTS = ["A01", "A02", "A03", "A04", "A05", "A06", "A07", "A08", "A09", "A10", "A11"]
AGENTS += ["B1", "B2", "B3", "B4"]


@pytest.fixture(scope="module")
def result():
    return compute_month(MONTH, RULES)


def column(result, component: str) -> list[str]:
    """The amounts of one line for every agent, in agent_id order (S1 has no award lines)."""
    rows = result.lines.filter(pl.col("component") == component).sort("agent_id")
    assert rows["agent_id"].to_list() == AGENTS
    return rows["amount"].to_list()


def why(result, agent_id: str, component: str) -> str:
    rows = result.lines.filter(
        (pl.col("agent_id") == agent_id) & (pl.col("component") == component)
    )
    return rows["explanation"].item()


def test_payroll_worked_by_hand(result):
    payroll = result.payroll
    assert payroll.columns == [
        "agent_id",
        "name",
        "team",
        "role",
        "service_star",
        "sales_champion",
        "best_newcomer",
        "best_trainer",
        "busy_bee",
        "gross",
    ]
    assert payroll["agent_id"].to_list() == [*AGENTS, "S1"]
    #                              A01     A02       A03       A04     A05     A06
    #                              A07     A08       A09       A10     A11     B1
    #                              B2        B3      B4        S1
    assert payroll["service_star"].to_list() == D(
        *("0.00", "100.00", "100.00", "0.00", "0.00", "0.00"),
        *("0.00", "0.00", "0.00", "0.00", "0.00", "0.00"),
        *("100.00", "0.00", "0.00", "0.00"),
    )
    assert payroll["sales_champion"].to_list() == D(
        *("0.00", "0.00", "0.00", "0.00", "0.00", "100.00"),
        *("0.00", "0.00", "100.00", "0.00", "0.00", "0.00"),
        *("0.00", "0.00", "0.00", "0.00"),
    )
    assert payroll["best_newcomer"].to_list() == D(
        *("0.00", "0.00", "0.00", "0.00", "0.00", "0.00"),
        *("0.00", "0.00", "0.00", "100.00", "0.00", "0.00"),
        *("0.00", "0.00", "100.00", "0.00"),
    )
    assert payroll["best_trainer"].to_list() == D(
        *("0.00", "100.00", "0.00", "0.00", "0.00", "0.00"),
        *("0.00", "0.00", "0.00", "0.00", "0.00", "100.00"),
        *("0.00", "0.00", "0.00", "0.00"),
    )
    assert payroll["busy_bee"].to_list() == D(
        *("0.00", "0.00", "0.00", "0.00", "0.00", "0.00"),
        *("0.00", "100.00", "0.00", "0.00", "0.00", "0.00"),
        *("0.00", "0.00", "0.00", "0.00"),
    )
    assert payroll["gross"].to_list() == D(
        *("0.00", "200.00", "100.00", "0.00", "0.00", "100.00"),
        *("0.00", "100.00", "100.00", "100.00", "0.00", "100.00"),
        *("100.00", "0.00", "100.00", "0.00"),
    )


def test_points_worked_by_hand(result):
    # A01 A02 A03 A04 A05 A06 A07 A08 A09 A10 A11 B1 B2 B3 B4
    assert column(result, "award_points") == (
        ["0", "10", "5", "0", "0", "5", "0", "5", "5", "5", "0", "5", "5", "0", "5"]
    )
    assert column(result, "shortlist_points") == (
        ["0", "2", "2", "0", "0", "2", "0", "2", "2", "2", "2", "2", "2", "2", "2"]
    )
    points = result.lines.filter(pl.col("component").is_in(["award_points", "shortlist_points"]))
    assert not points["pays"].any()  # points never reach the payslip
    assert result.lines.filter(pl.col("agent_id") == "S1").height == 0  # no lines for S1


def test_data_chosen_winner_and_quota_of_two(result):
    assert why(result, "A02", "service_star") == (
        "满意率 100%（11 人 → 2 个名额）：符合条件，第 1 位 = 100.00"
    )
    assert why(result, "A09", "sales_champion") == (
        "净销售额 10000.00（11 人 → 2 个名额）：符合条件，第 2 位 = 100.00"
    )


def test_tie_goes_to_the_smaller_agent_id(result):
    assert why(result, "A03", "service_star") == (
        "满意率 75%（11 人 → 2 个名额）：符合条件，第 2 位 = 100.00"
    )
    assert why(result, "A04", "service_star") == (
        "满意率 75%（11 人 → 2 个名额）：符合条件，第 3 位 = 0.00"
    )
    assert why(result, "B1", "best_trainer") == (
        "training_score 85（4 人 → 1 个名额）：符合条件，第 1 位 = 100.00"
    )


def test_nomination_overrides_the_data(result):
    assert why(result, "B2", "service_star") == (
        "满意率 75%（4 人 → 1 个名额）：已提名，第 1 位 = 100.00"
    )
    assert why(result, "B1", "service_star") == (
        "满意率 100%（4 人 → 1 个名额）：不在提名中 = 0.00"
    )


def test_ineligible_top_scorer_and_void_nominations(result):
    assert why(result, "A07", "sales_champion") == (
        "净销售额 15000.00（11 人 → 2 个名额）：不符合条件（销售能手资格 == 1） = 0.00"
    )
    qualified = why(result, "A07", "sales_champion_ok")
    assert qualified.startswith(
        "if(业绩目标 > 0 且 净销售额 >= 业绩目标 且 退款率 < champion_max_refund_rate, 1, 0)"
        "，其中 业绩目标=10000.00；净销售额=15000.00；退款率=6.2%；"
    )
    assert qualified.endswith(" = 0")
    assert why(result, "A01", "service_star") == (
        "满意率 100%（11 人 → 2 个名额）：不符合条件（服务之星资格 == 1） = 0.00"
    )
    # A11's nomination is void (an operational error): the data pick A10.
    assert why(result, "A10", "best_newcomer") == (
        "accepted_suggestions 4（11 人 → 2 个名额）：符合条件，第 1 位 = 100.00"
    )
    assert why(result, "B3", "sales_champion").endswith("不符合条件（销售能手资格 == 1） = 0.00")


def test_usable_as_an_include(tmp_path: Path):
    # Another scheme adds the awards with include and adjusts a parameter: 200 a award.
    # An include is a relative path inside the scheme's folder (issue 11), so the shared
    # file is copied there, as a shop would.
    (tmp_path / "awards.toml").write_bytes(RULES.read_bytes())
    scheme = tmp_path / "with-awards.toml"
    scheme.write_text(
        """include = ["awards.toml"]

[scheme]
id = "shop"
name = "店铺方案"
valid_from = "2026-01-01"

[params]
award_cash = 200
""",
        encoding="utf-8",
    )
    rules, diagnostics = check_rules(scheme)
    assert rules is not None and diagnostics == []
    payroll = compute_month(MONTH, scheme).payroll
    assert dict(zip(payroll["agent_id"], payroll["gross"], strict=True))["A02"] == Decimal("400.00")


def _scheme(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "scheme.toml"
    path.write_text(
        '[scheme]\nid = "t"\nname = "t"\nvalid_from = "2026-01-01"\n' + body, encoding="utf-8"
    )
    return path


def test_condition_as_a_formula_line(tmp_path: Path):
    rules = _scheme(
        tmp_path,
        '[components.ok]\nlabel = "资格"\nkind = "formula"\npay = false\n'
        'expr = "rated_sessions >= 3"\n',
    )
    _, diagnostics = check_rules(rules)
    assert diagnostics == []
    out = compute_month(MONTH, rules)
    assert why(out, "A02", "ok").endswith("= 1")


def test_multiline_eligible_reads_on_one_line(tmp_path: Path):
    rules = _scheme(
        tmp_path,
        '[components.star]\nlabel = "服务之星"\nkind = "award"\nby = "satisfaction"\n'
        'eligible = """\nrated_sessions >= 3\nand satisfaction > 0\n"""\namount = 100\n',
    )
    out = compute_month(MONTH, rules)
    assert "\n" not in why(out, "A05", "star")
