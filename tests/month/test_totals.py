"""Totals as a list (issue 10): `[[totals]]` declares gross and the totals after it, and every
output carries them in order.

The month is the hand-worked one (tests/months/2026-10) under rules/taobao-presales.toml with
its `[total]` replaced by three totals: gross (as before), withholdings = gross × 10% rounded
half-up to the fen, and net = gross − withholdings. Worked by hand from the gross figures of
tests/test_golden_month.py:

            gross     × 0.1      withholdings   net
  A1      2660.51   266.051    266.05         2394.46
  A2      2110.60   211.060    211.06         1899.54
  A3      2272.56   227.256    227.26         2045.30
  A4      1612.90   161.290    161.29         1451.61
  A5      1458.14   145.814    145.81         1312.33
  S1      2512.46   251.246    251.25         2261.21
  total  12627.17              1262.72        11364.45
"""

from __future__ import annotations

import json
import shutil
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from helpers import MONTH_RULES, SHIPPED_RULES, ignoring_the_temp
from typer.testing import CliRunner

from csincentive.cli import app
from csincentive.core.diagnostics import InputError
from csincentive.month.compute import compute_month
from csincentive.reports.compare import compare_month
from csincentive.reports.ranking import rank_table
from csincentive.rules.loader import check_rules

ROOT = Path(__file__).resolve().parents[2]
MONTH = ROOT / "tests" / "months" / "2026-10"
RULES = MONTH_RULES  # the shipped scheme, 云杉:临时工 ignored
ONE_TOTAL = '[total]\nid = "gross"\nlabel = "应发合计"\n'
THREE_TOTALS = """[[totals]]
id = "gross"
label = "应发合计"

[[totals]]
id = "withholdings"
label = "代扣合计"
expr = "gross * 10%"

[[totals]]
id = "net"
label = "实发合计"
expr = "gross - withholdings"
"""
NET = ["2394.46", "1899.54", "2045.30", "1451.61", "1312.33", "2261.21"]
WITHHOLDINGS = ["266.05", "211.06", "227.26", "161.29", "145.81", "251.25"]

runner = CliRunner()


def invoke(*args: str | Path):
    return runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "250", "NO_COLOR": "1"})


@pytest.fixture(scope="module")
def net_rules(tmp_path_factory: pytest.TempPathFactory) -> Path:
    text = ignoring_the_temp(SHIPPED_RULES.read_text(encoding="utf-8"))
    assert text.count(ONE_TOTAL) == 1
    path = tmp_path_factory.mktemp("rules") / "net.toml"
    path.write_text(text.replace(ONE_TOTAL, THREE_TOTALS), encoding="utf-8")
    return path


@pytest.fixture
def month(tmp_path: Path) -> Path:
    copy = tmp_path / "2026-10"
    shutil.copytree(MONTH, copy)
    return copy


def D(*values: str) -> list[Decimal]:
    return [Decimal(v) for v in values]


# ------------------------------------------------------------------------------ library


def test_later_totals_follow_gross_worked_by_hand(net_rules: Path):
    result = compute_month(MONTH, net_rules)
    assert result.totals == ["gross", "withholdings", "net"]
    assert result.person_columns == ["agent_id", "name", "team", "role"]
    assert result.money_columns[-3:] == ["gross", "withholdings", "net"]
    assert "net" not in result.pay_columns and result.pay_columns[0] == "base"
    payroll = result.payroll.sort("agent_id")
    assert payroll["gross"].to_list() == D(
        "2660.51", "2110.60", "2272.56", "1612.90", "1458.14", "2512.46"
    )
    assert payroll["withholdings"].to_list() == D(*WITHHOLDINGS)
    assert payroll["net"].to_list() == D(*NET)
    assert result.total_sums() == {
        "gross": Decimal("12627.17"),
        "withholdings": Decimal("1262.72"),
        "net": Decimal("11364.45"),
    }
    # The totals are not pay lines: lines.csv still has one row per person × component.
    assert set(result.lines["component"]) == set(result.pay_columns) | {
        "team_conversion",
        "supervisor_coefficient",
        "month_salary",
        "target_attainment",
        "discount_violation",
    }


def test_by_team_sums_every_total(net_rules: Path):
    teams = compute_month(MONTH, net_rules).by_team()
    assert teams.columns[-3:] == ["gross", "withholdings", "net"]
    assert teams["net"].sum() == Decimal("11364.45")


def test_rank_by_a_later_total_shows_every_total(net_rules: Path):
    table = rank_table(compute_month(MONTH, net_rules), "net", top=2)
    assert table.columns == [
        "rank",
        "agent_id",
        "name",
        "team",
        "role",
        "net",
        "sales",
        "conversion",
        "gross",
        "withholdings",
    ]
    assert table["agent_id"].to_list() == ["A1", "S1"]  # 2394.46, 2261.21
    assert table["net"].to_list() == D("2394.46", "2261.21")


def test_compare_carries_every_total(net_rules: Path):
    comparison = compare_month(MONTH, [RULES, net_rules])
    assert comparison.a.totals == {"gross": Decimal("12627.17")}
    assert comparison.b.totals["net"] == Decimal("11364.45")
    assert comparison.difference == 0  # B − A compares the first totals: gross is unchanged
    assert "net" not in comparison.b.components  # a total is not a pay component
    assert comparison.as_dict()["b"]["totals"]["withholdings"] == Decimal("1262.72")


def test_compare_ranks_by_a_later_total_only_where_it_exists(net_rules: Path):
    same = compare_month(MONTH, [net_rules, net_rules], by="net")
    assert same.agents.sort("rank_a")["agent_id"].to_list()[:2] == ["A1", "S1"]
    with pytest.raises(InputError) as raised:
        compare_month(MONTH, [RULES, net_rules], by="net")  # A has no total called net
    [problem] = raised.value.diagnostics
    assert problem.code == "U100" and "not a pay component or total of this file" in problem.message


# ------------------------------------------------------------------------ command line


def test_run_shows_later_totals_in_every_output(month: Path, net_rules: Path, tmp_path: Path):
    ledger = tmp_path / "ledger"
    result = invoke("run", month, "--rules", net_rules, "--ledger", ledger)
    assert result.exit_code == 0, result.output
    out = month / "out"
    rows = (out / "payroll.csv").read_text(encoding="utf-8-sig").splitlines()
    assert rows[0].endswith(",complaint_fine,gross,withholdings,net")
    assert rows[1].endswith(",0.00,2660.51,266.05,2394.46")  # A1
    with zipfile.ZipFile(out / "payroll.xlsx") as book:
        strings = book.read("xl/sharedStrings.xml").decode()
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
    assert "实发合计" in strings and "代扣合计" in strings  # the totals' labels as headers
    assert "<v>2394.46</v>" in sheet
    summary = next(line for line in result.output.splitlines() if "6 人" in line)
    cells = [cell.strip() for cell in summary.split("│") if cell.strip()]
    assert cells[-3:] == ["12627.17", "1262.72", "11364.45"]
    assert "代扣合计" in result.output and "实发合计" in result.output  # the totals' labels
    manifest = json.loads(
        (ledger / "taobao-presales" / "2026-10" / "manifest.json").read_text(encoding="utf-8")
    )
    assert manifest["gross"] == "12627.17"  # the first total, as earlier ledgers have it
    assert manifest["totals"] == {"gross": "12627.17", "withholdings": "1262.72", "net": "11364.45"}


def test_one_total_keeps_its_manifest(month: Path, tmp_path: Path):
    ledger = tmp_path / "ledger"
    assert invoke("run", month, "--rules", RULES, "--ledger", ledger).exit_code == 0
    manifest = json.loads(
        (ledger / "taobao-presales" / "2026-10" / "manifest.json").read_text(encoding="utf-8")
    )
    assert (manifest["gross"], manifest["totals"]) == ("12627.17", {"gross": "12627.17"})


# -------------------------------------------------------------------------- validation


def _check(tmp_path: Path, totals: str) -> list[tuple[str, str, int | None, str]]:
    body = '[scheme]\nid = "t"\nname = "T"\nvalid_from = "2026-01-01"\n\n'
    body += '[params]\nfee = 1\n\n[components.b]\nlabel = "b"\nkind = "formula"\nexpr = "fee"\n\n'
    path = tmp_path / "rules.toml"
    path.write_text(body + totals, encoding="utf-8")
    return [(d.code, d.path, d.line, d.message) for d in check_rules(path)[1]]


def test_valid_totals_have_no_diagnostics(tmp_path: Path):
    totals = '[[totals]]\nid = "gross"\n\n[[totals]]\nid = "net"\nexpr = "gross - b - fee"\n'
    assert _check(tmp_path, totals) == []


def test_first_total_has_no_formula(tmp_path: Path):
    [(code, path, line, message)] = _check(tmp_path, '[[totals]]\nid = "gross"\nexpr = "b"\n')
    assert (code, path, line) == ("E156", "totals[0].expr", 16)
    assert message.startswith("the first total ('gross') is the sum of the pay components")


def test_single_total_table_has_no_formula_either(tmp_path: Path):
    [(code, path, _, _)] = _check(tmp_path, '[total]\nid = "gross"\nexpr = "b"\n')
    assert (code, path) == ("E156", "total.expr")


def test_later_total_needs_a_formula(tmp_path: Path):
    [(code, path, line, message)] = _check(
        tmp_path, '[[totals]]\nid = "gross"\n\n[[totals]]\nid = "net"\n'
    )
    assert (code, path, line) == ("E157", "totals[1]", 17)
    assert message == (
        "total 'net' comes after the first, so it needs a formula; add expr = …"
        ' (e.g. expr = "gross - withholdings")'
    )


def test_later_total_reads_only_earlier_totals(tmp_path: Path):
    totals = '[[totals]]\nid = "gross"\n\n[[totals]]\nid = "net"\nexpr = "gross - tax"\n\n'
    totals += '[[totals]]\nid = "tax"\nexpr = "gross * 10%"\n'
    [(code, path, line, message)] = _check(tmp_path, totals)
    assert (code, path, line) == ("E110", "totals[1].expr", 19)
    assert message.startswith("unknown name 'tax'")


def test_total_formula_must_parse(tmp_path: Path):
    totals = '[[totals]]\nid = "gross"\n\n[[totals]]\nid = "net"\nexpr = "gross -"\n'
    [(code, path, _, _)] = _check(tmp_path, totals)
    assert (code, path) == ("E111", "totals[1].expr")


def test_total_ids_are_unique(tmp_path: Path):
    totals = '[[totals]]\nid = "gross"\n\n[[totals]]\nid = "gross"\nexpr = "gross"\n'
    [(code, path, _, message)] = _check(tmp_path, totals)
    assert (code, path) == ("E152", "totals[1].id")
    assert message == "total id 'gross' is also totals[0]'s; rename one"


def test_total_and_totals_together_are_refused(tmp_path: Path):
    [(code, _, _, message)] = _check(tmp_path, '[total]\nid = "g"\n\n[[totals]]\nid = "g"\n')
    assert code == "E103"
    assert message.startswith("write the totals once: [total] for the one total, or [[totals]]")


def test_an_empty_totals_list_is_refused(tmp_path: Path):
    rules_file = tmp_path / "rules.toml"
    rules_file.write_text(
        'totals = []\n[scheme]\nid = "t"\nname = "T"\nvalid_from = "2026-01-01"\n'
    )
    [problem] = check_rules(rules_file)[1]
    assert (problem.code, problem.path, problem.line) == ("E103", "totals", 1)
