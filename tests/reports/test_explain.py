"""`explain`: one payslip as a tree, on the hand-worked month of test_golden_month.py
(tests/months/2026-10 under rules/taobao-presales.toml; every figure below is worked by hand
in that file's docstring)."""

from __future__ import annotations

import copy
import json
import shutil
import sys
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from helpers import MONTH_RULES, SHIPPED_RULES, TEMP_ACCOUNT
from typer.testing import CliRunner

from csincentive.cli import app
from csincentive.core.money import ENGINE
from csincentive.month.compute import MonthResult, compute_month
from csincentive.month.engine import TRACE
from csincentive.reports.explain import Line, as_text, explain_agent
from csincentive.reports.explain_json import as_dict, line_dict

ROOT = Path(__file__).resolve().parents[2]
MONTH = ROOT / "tests" / "months" / "2026-10"
RULES = (
    MONTH_RULES  # the shipped scheme (SHIPPED_RULES, where every component is), 云杉:临时工 ignored
)

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args), env={"COLUMNS": "200", "NO_COLOR": "1"})


@pytest.fixture(scope="module")
def result() -> MonthResult:
    # The tree's words are checked in English here (tests/reports/test_language.py: Chinese).
    return compute_month(MONTH, RULES, lang="en")


# Where MONTH_RULES finds the shipped components: its include, as written in it.
WRITTEN_IN = MONTH_RULES.parent / "shipped" / SHIPPED_RULES.name


def line_of(text: str, file: Path = SHIPPED_RULES, after: int = 0) -> int:
    """1-based number of the first line (after line `after`) that starts with `text`."""
    lines = file.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if i > after and line.startswith(text))


def top(payslip_lines: list[Line], cid: str) -> Line:
    return next(line for line in payslip_lines if line.id == cid)


def child(line: Line, name: str) -> Line:
    found = next(item for item in line.inputs if item.name == name)
    assert found.line is not None, name
    return found.line


def test_supervisor_commission_tree_down_to_team_conversion(result: MonthResult):
    payslip = explain_agent(result, "S1")
    commission = top(payslip.lines, "supervisor_commission")
    # mean commission of the team's agents (10.51+10.60+14.50+0.00)/4 = 8.9025 × 1.4
    # = 12.4635 → 12.46.
    assert commission.amount == Decimal("12.46")
    assert commission.raw == Decimal("12.4635")
    assert commission.rounding == "12.4635 → 12.46, half-up to the fen"
    mean = commission.inputs[0]
    assert (mean.name, mean.source, mean.value) == (
        'team_mean(commission, role == "agent")',
        "team aggregate",
        Decimal("8.9025"),
    )

    coefficient = child(commission, "supervisor_coefficient")
    header = line_of("[components.supervisor_coefficient]")
    assert coefficient.defined_at is not None
    assert (coefficient.defined_at.file, coefficient.defined_at.line) == (
        str(WRITTEN_IN),
        header,
    )
    assert (coefficient.rule, coefficient.kind, coefficient.pays) == ("S000-04", "table", False)
    assert coefficient.amount == Decimal("1.4")
    assert coefficient.explanation == "team_conversion 44.4% → [40%, 50%) → ×1.4 = 1.4"
    # 44.4% falls in the second row, [40%, 50%).
    assert coefficient.row is not None
    assert (coefficient.row.index, coefficient.row.of) == (1, 5)
    assert coefficient.row.at is not None
    assert coefficient.row.at.line == line_of('  { from = "40%", below = "50%"', after=header)

    # 8 paying of 18 inquiring buyers among 售前一组's agents = 44.4%.
    conversion = child(coefficient, "team_conversion")
    assert conversion.shown == "44.4%"
    assert conversion.defined_at is not None
    assert conversion.defined_at.line == line_of("[components.team_conversion]")
    assert [(i.value, i.shown) for i in conversion.inputs] == [
        (Decimal(8), "8"),
        (Decimal(18), "18"),
    ]


def test_commission_shows_the_rounding(result: MonthResult):
    commission = top(explain_agent(result, "A1").lines, "commission")
    # 1% of net sales 1050.50 = 10.505 → 10.51 (half-up).
    assert (commission.raw, commission.amount) == (Decimal("10.505"), Decimal("10.51"))
    assert commission.rounding == "10.505 → 10.51, half-up to the fen"


def test_rank_shows_who_was_above_and_the_tie(result: MonthResult):
    rank = top(explain_agent(result, "A2").lines, "conversion_rank")
    ranking = rank.ranking
    assert ranking is not None
    # Agents by conversion: A1 60%, A2 and A5 50% (tied at rank 2), A3 40%, A4 25%.
    assert (ranking.rank, ranking.field, ranking.shown) == (2, 5, "50%")
    assert [(s.agent_id, s.rank, s.shown) for s in ranking.above] == [("A1", 1, "60%")]
    assert [(s.agent_id, s.rank, s.shown) for s in ranking.tied] == [("A5", 2, "50%")]
    assert rank.amount == Decimal("100.00")
    text = as_text(explain_agent(result, "A2")).splitlines()
    assert "│  │  rank 2 of 5 by conversion (desc; role=agent): 50%" in text
    assert "│  │    above: #1 A1 小美 60%" in text
    assert "│  │    tied:  #2 A5 小林 50%" in text


def test_json_of_one_line_is_exact(result: MonthResult):
    cli = invoke("explain", str(MONTH), "A1", "--rules", str(RULES), "--json", "--lang", "en")
    assert cli.exit_code == 0, cli.output
    data = json.loads(cli.stdout)  # the roster warning goes to stderr
    commission = next(line for line in data["lines"] if line["id"] == "commission")
    assert commission == {
        "id": "commission",
        "label": "个人接单提成",
        "rule": "S000-02",
        "kind": "rate",
        "pays": True,
        "applies": True,
        "defined_at": {
            "file": str(WRITTEN_IN),
            "line": line_of("[components.commission]"),
            "col": 1,
        },
        "amount": "10.51",
        "shown": "10.51",
        "raw": "10.505",
        "rounding": "10.505 → 10.51, half-up to the fen",
        "explanation": "net_sales 1050.50 × 1% = 10.51",
        "flag": None,
        "row": None,
        "ranking": None,
        "breakdown": None,
        "inputs": [
            {
                "name": "net_sales",
                "source": "metric",
                "value": "1050.5",
                "shown": "1050.50",
                "used_in": ["base"],
                "line": None,
            }
        ],
    }
    # A1: base 2500.00 + commission 10.51 + rank prize 150.00 = 2660.51.
    assert data["total"] == {
        "id": "gross",
        "label": "应发合计",
        "amount": "2660.51",
        "lines_sum": "2660.51",
        "adds_up": True,
    }
    assert line_dict(top(explain_agent(result, "A1").lines, "commission")) == commission


def test_every_payslip_adds_up_to_its_gross(result: MonthResult):
    for agent_id, gross in result.payroll.select("agent_id", "gross").iter_rows():
        payslip = explain_agent(result, agent_id)
        assert payslip.gross == gross
        assert payslip.lines_sum == gross
        assert payslip.adds_up
    # S1: supervisor base 2500.00 + supervisor commission 12.46.
    assert explain_agent(result, "S1").gross == Decimal("2512.46")


def test_text_tree(result: MonthResult):
    cli = invoke("explain", str(MONTH), "小美", "--rules", str(RULES), "--lang", "en")
    assert cli.exit_code == 0, cli.output
    assert cli.stdout == as_text(explain_agent(result, "A1")) + "\n"
    lines = cli.stdout.splitlines()
    assert lines[0] == f"A1 小美 — 售前一组, agent — 2026-10 — 淘宝客服激励制度 ({RULES})"
    at = line_of("[components.commission]")
    assert f"├─ commission 个人接单提成 = 10.51  (S000-02; rate; {WRITTEN_IN}:{at}:1)" in lines
    assert "│  │  rounding: 10.505 → 10.51, half-up to the fen" in lines
    assert "│  └─ net_sales = 1050.50  (metric; read in base)" in lines
    assert "gross 应发合计 = 2660.51  (the lines add up to 2660.51 ✓)" in lines


def test_text_tree_of_a_supervisor_nests_the_coefficient(result: MonthResult):
    text = as_text(explain_agent(result, "S1"))
    assert "│  └─ supervisor_coefficient 主管提成系数 = 1.4  (S000-04; table; not paid; " in text
    assert "│     │  team_conversion 44.4% → [40%, 50%) → ×1.4 = 1.4" in text
    assert "│     └─ team_conversion 团队询单转化率 = 44.4%  (S000-04; formula; not paid; " in text


def test_a_name_finds_the_agent(result: MonthResult):
    assert explain_agent(result, "阿杰").agent_id == "A2"
    assert explain_agent(result, "a2").agent_id == "A2"


def test_unknown_agent_is_exit_1_with_a_suggestion():
    cli = invoke("explain", str(MONTH), "A01", "--rules", str(RULES))
    assert cli.exit_code == 1
    assert "U101 no agent 'A01' in the roster; did you mean A1 (小美)?" in cli.output


def test_component_from_an_included_file_points_there(tmp_path: Path):
    month = tmp_path / "2026-10"
    shutil.copytree(MONTH, month)
    shared = tmp_path / "rules" / "shared.toml"
    shared.parent.mkdir()
    shutil.copy(SHIPPED_RULES, shared)
    main = tmp_path / "rules" / "main.toml"
    main.write_text(
        'include = ["shared.toml"]\n'
        '[scheme]\nid = "main"\nname = "main"\nvalid_from = "2026-01-01"\n'
        "[components.commission]\n"
        'label = "个人接单提成"\n'
        'rule = "S000-02"\n'
        'kind = "rate"\n'
        'base = "net_sales"\n'
        'rate = "2%"\n'
        'applies_to = { role = ["agent"] }\n'
        f'[inputs]\nignore_accounts = ["{TEMP_ACCOUNT}"]\n',
        encoding="utf-8",
    )
    payslip = explain_agent(compute_month(month, main), "A1")
    commission = top(payslip.lines, "commission")
    base = top(payslip.lines, "base")
    # The including file's commission replaces the shared one: 2% of 1050.50 = 21.01.
    assert commission.amount == Decimal("21.01")
    assert commission.defined_at is not None and base.defined_at is not None
    assert (commission.defined_at.file, commission.defined_at.line) == (
        str(main),
        line_of("[components.commission]", main),
    )
    assert (base.defined_at.file, base.defined_at.line) == (
        str(shared),
        line_of("[components.base]", shared),
    )
    assert payslip.adds_up


def test_as_dict_keys_are_in_a_fixed_order(result: MonthResult):
    data = as_dict(explain_agent(result, "S1"))
    assert list(data) == [
        "period",
        "agent_id",
        "name",
        "team",
        "role",
        "scheme",
        "rules_file",
        "lines",
        "other_values",
        "total",
    ]
    assert [line["id"] for line in data["other_values"]] == ["discount_violation"]


def test_help_has_text():
    cli = invoke("explain", "--help")
    assert cli.exit_code == 0
    assert "Explain one person's payslip line by line." in cli.output


def recorded(result: MonthResult, cid: str, agent_id: str, **fields: pl.Expr) -> MonthResult:
    """A copy of the month whose trace of `cid` for one person says something else."""
    column = pl.col(cid + TRACE)
    changed = column.struct.with_fields(**fields)
    mine = pl.col("agent_id") == agent_id
    traces = result.traces.with_columns(pl.when(mine).then(changed).otherwise(column))
    other = copy.copy(result)
    other.traces = traces
    return other


def test_explain_shows_what_the_engine_recorded_not_a_new_computation(result: MonthResult):
    # The month as computed: A2 is rank 2 of 5 by conversion (tied with A5, A1 above).
    # Recorded instead: rank 4. Only a rendering of the record shows rank 4 with A1 and
    # A5 (recorded 1 and 2) above and A3 (recorded 4, at 40%) tied.
    changed = recorded(result, "conversion_rank", "A2", place=pl.lit(4, dtype=pl.Int64))
    ranking = top(explain_agent(changed, "A2").lines, "conversion_rank").ranking
    assert ranking is not None
    assert ranking.rank == 4
    assert [s.agent_id for s in ranking.above] == ["A1", "A5"]
    assert [(s.agent_id, s.shown) for s in ranking.tied] == [("A3", "40%")]
    # The table row and an input value as recorded: rows[3] (4 of 5), net_sales 1.00.
    changed = recorded(result, "supervisor_coefficient", "S1", row=pl.lit(3, dtype=pl.Int64))
    commission = top(explain_agent(changed, "S1").lines, "supervisor_commission")
    row = child(commission, "supervisor_coefficient").row
    assert row is not None and (row.index, row.of) == (3, 5)
    changed = recorded(result, "commission", "A1", input0=pl.lit(Decimal(1)).cast(ENGINE))
    assert "│  └─ net_sales = 1.00  (metric; read in base)" in as_text(explain_agent(changed, "A1"))


def test_explain_compiles_and_parses_no_formula(result: MonthResult, monkeypatch):
    expected = {agent: as_text(explain_agent(result, agent)) for agent in ("A2", "S1")}

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("explain computed something again")

    # Every formula entry point, wherever a module of the package holds it.
    for name, module in list(sys.modules.items()):
        if name.startswith("csincentive"):
            for attr in ("compile_formula", "parse", "explain_terms", "Compiler"):
                if hasattr(module, attr):
                    monkeypatch.setattr(module, attr, refuse)
    assert {agent: as_text(explain_agent(result, agent)) for agent in expected} == expected
