"""`explain` of a scorecard and a pool (S003-01/02) on the hand-worked month tests/months/2026-10:
what the engine recorded (each item's points, the total and grade; the pool, the share
rounded down and the remainder fen) rendered, and nothing computed again.

The month's agents (docs in tests/months): conversion A1 60%, A2 50%, A3 40%, A4 25%,
A5 50%; net sales A1 1050.50, A2 1060.00, A3 1450.00, A4 0.00, A5 330.00. Worked by hand:

- kpi = 转化率 (linear from 20% to 60%) × 50% + 销售额 (bands < 500 → 0, [500, 1000) → 60,
  ≥ 1000 → 100) × 50%: A1 100 × 50% + 100 × 50% = 100 (金牌); A2 75 × 50% + 100 × 50% =
  87.5 (银牌); A3 50 × 50% + 100 × 50% = 75 (银牌); A4 12.5 × 50% + 0 = 6.25 (铜牌); A5 75 ×
  50% + 0 = 37.5 (铜牌).
- kpi_bonus: 1000.00 shared by kpi among those with kpi ≥ 40 (A1, A2, A3; Σ 262.5). In fen:
  100000 × 100 / 262.5 = 38095 r 62.5; × 87.5 → 33333 r 87.5; × 75 → 28571 r 112.5; Σ 99999,
  1 fen left → A3 (the largest remainder). A1 380.95, A2 333.33, A3 285.72; Σ 1000.00.
"""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from helpers import ROOT, TEMP_ACCOUNT
from typer.testing import CliRunner

from csincentive.cli import app
from csincentive.month.compute import MonthResult, compute_month
from csincentive.reports.breakdown import PoolShare, Scorecard
from csincentive.reports.explain import Line, as_text, explain_agent
from csincentive.reports.explain_json import line_dict

MONTH = ROOT / "tests" / "months" / "2026-10"
RULES = f"""
[scheme]
id = "kinds"
name = "KPI 奖金池"
valid_from = "2026-01-01"

[inputs]
ignore_accounts = ["{TEMP_ACCOUNT}"]

[params]
kpi_pool = 1000

[components.kpi]
label = "月度KPI"
rule = "S003-01"
kind = "scorecard"
pay = false
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

[[components.kpi.items]]
label = "销售额"
value = "net_sales"
weight = "50%"
bands = [
  {{ below = 500, points = 0 }},
  {{ from = 500, below = 1000, points = 60 }},
  {{ from = 1000, points = 100 }},
]

[components.kpi_bonus]
label = "绩效奖金池"
rule = "S003-02"
kind = "pool"
amount = "kpi_pool"
basis = "kpi"
eligible = "kpi >= 40"
applies_to = {{ role = ["agent"] }}

[components.star_pool]
label = "服务之星奖金池"
rule = "S003-02"
kind = "pool"
amount = 200
basis = "kpi"
eligible = "kpi > 100"
applies_to = {{ role = ["agent"] }}
"""

runner = CliRunner()


@pytest.fixture(scope="module")
def rules_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("rules") / "kpi-pool.toml"
    path.write_text(RULES, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def result(rules_file: Path) -> MonthResult:
    return compute_month(MONTH, rules_file, lang="en")  # the words as worked below


def line_no(rules_file: Path, text: str) -> int:
    lines = rules_file.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if line.startswith(text))


def top(lines: list[Line], cid: str) -> Line:
    return next(line for line in lines if line.id == cid)


def test_the_month_pays_the_pool_exactly(result: MonthResult):
    paid = dict(result.payroll.select("agent_id", "kpi_bonus").iter_rows())
    assert paid == {
        "A1": Decimal("380.95"),
        "A2": Decimal("333.33"),
        "A3": Decimal("285.72"),
        "A4": Decimal("0.00"),
        "A5": Decimal("0.00"),
        "S1": Decimal("0.00"),
    }
    assert sum(paid.values()) == Decimal("1000.00")
    grades = dict(result.values.select("agent_id", "kpi_grade").iter_rows())
    assert grades == {
        "A1": "金牌",
        "A2": "银牌",
        "A3": "银牌",
        "A4": "铜牌",
        "A5": "铜牌",
        "S1": None,
    }


def test_a_pool_nobody_shares_is_a_warning_of_the_month(result: MonthResult, rules_file: Path):
    # Nobody's kpi is above 100: the 200.00 of 服务之星奖金池 goes to nobody, said once.
    [warning] = [d for d in result.warnings if d.code == "W210"]
    assert warning.render() == (
        f"{rules_file}:{line_no(rules_file, '[components.star_pool]')}:1: warning: W210"
        " components.star_pool: 服务之星奖金池: Σ kpi of the eligible is 0, so the pool of"
        " 200.00 is not shared; check the eligibility condition and the basis"
    )


def test_a_scorecard_line_shows_its_items_points_and_grade(result: MonthResult, rules_file: Path):
    payslip = explain_agent(result, "A3")
    # The score is not paid: it is explained under the pool line that reads it.
    [kpi] = [i.line for i in top(payslip.lines, "kpi_bonus").inputs if i.name == "kpi"]
    assert kpi is not None
    card = kpi.breakdown
    assert isinstance(card, Scorecard)
    shown = [
        (i.label, i.shown, i.scoring, i.points_shown, i.weight, i.weighted_shown)
        for i in card.items
    ]
    assert shown == [
        ("转化率", "40%", "linear from worst 20% (0) to best 60% (100)", "50", "50%", "25"),
        ("销售额", "1450.00", "bands[2] ≥ 1000.00", "100", "50%", "50"),
    ]
    bands_at = card.items[1].at
    assert bands_at is not None and bands_at.line == line_no(rules_file, "  { from = 1000,")
    assert (card.total, card.grade, card.grade_row) == (Decimal(75), "银牌", 1)
    assert card.grade_at is not None
    assert card.grade_at.line == line_no(rules_file, "  { from = 60, below = 90")


def test_a_pool_line_shows_the_share_and_the_remainder_fen(result: MonthResult):
    bonus = top(explain_agent(result, "A3").lines, "kpi_bonus")
    share = bonus.breakdown
    assert isinstance(share, PoolShare)
    assert (share.pool_shown, share.basis_shown, share.basis_total_shown) == (
        "1000.00",
        "75",
        "262.5",
    )
    assert (share.floor_shown, share.extra_shown, share.place, share.leftover_shown) == (
        "285.71",
        "0.01",
        1,
        "0.01",
    )
    assert bonus.explanation == (
        "pool 1000.00 × kpi 75 / Σ 262.5 → 285.71 + 0.01 (largest remainder) = 285.72"
    )
    text = as_text(explain_agent(result, "A3"))
    assert (
        "│  pool 1000.00 (everyone; eligible: kpi >= 40) shared by kpi: 3 with a basis above 0,"
        " Σ 262.5"
    ) in text
    assert (
        "│  share: 1000.00 × 75 / 262.5 → 285.71 rounded down to the fen, + 0.01 (place 1 in"
        " the remainder order; 0.01 left over after rounding down, one fen each)"
    ) in text
    assert "items[1] 销售额 = 1450.00 → bands[2] ≥ 1000.00 → 100 points × 50% = 50" in text
    assert "total 75 points → grade 银牌 (grades[1] at " in text
    # A5 is not eligible: no share, and the line says why.
    a5 = top(explain_agent(result, "A5").lines, "kpi_bonus")
    assert a5.explanation == "not eligible (kpi >= 40 fails): no share of the pool 1000.00 = 0.00"
    assert "not eligible: no share" in as_text(explain_agent(result, "A5"))


def test_json_carries_the_breakdown(result: MonthResult, rules_file: Path):
    cli = runner.invoke(
        app,
        ["explain", str(MONTH), "A3", "--rules", str(rules_file), "--json", "--lang", "en"],
        env={"COLUMNS": "200", "NO_COLOR": "1"},
    )
    assert cli.exit_code == 0, cli.output
    data = json.loads(cli.stdout)
    bonus = next(line for line in data["lines"] if line["id"] == "kpi_bonus")
    assert bonus["breakdown"] == {
        "kind": "pool",
        "per": "all",
        "team": None,
        "pool": "1000",
        "basis": "kpi",
        "basis_value": "75",
        "eligible": True,
        "sharers": 3,
        "floor": "285.71",
        "extra": "0.01",
        "leftover": "0.01",
        "place": 1,
        "order": "the larger remainder first, then the larger basis, then the smaller agent_id",
    }
    [kpi] = [i["line"] for i in bonus["inputs"] if i["name"] == "kpi"]
    assert kpi["breakdown"]["kind"] == "scorecard"
    assert [i["points"] for i in kpi["breakdown"]["items"]] == ["50", "100"]
    assert (kpi["breakdown"]["total"], kpi["breakdown"]["grade"]) == ("75", "银牌")
    assert line_dict(top(explain_agent(result, "A3").lines, "kpi_bonus")) == bonus


def test_explain_computes_nothing_again(result: MonthResult, monkeypatch: pytest.MonkeyPatch):
    expected = {agent: as_text(explain_agent(result, agent)) for agent in ("A1", "A3", "A5", "S1")}

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("explain computed something again")

    for name, module in list(sys.modules.items()):
        if name.startswith("csincentive"):
            for attr in ("compile_formula", "parse", "explain_terms", "Compiler"):
                if hasattr(module, attr):
                    monkeypatch.setattr(module, attr, refuse)
    assert {agent: as_text(explain_agent(result, agent)) for agent in expected} == expected
