"""The checks on a month's payslips: the minimum wage under post pay (S000-16) and the
reference pay ranges per post (S002-03), warnings kept with the month. The month is
tests/months/2026-10 with a `post` column added to its roster (S1 客服主管, the agents
客服代表); every figure is worked by hand below.

Roster: S1 高级 (supervisor), A1 中级, A2 初级, A3 初级, A4 高级 (left 10-20: 20 of 31
days employed), A5 初级 (hired 10-11: 21 days); net sales S1 0, A1 1050.50, A2 1060, A3
1450, A4 0, A5 330 (test_golden_month.py).

  post_pay (S000-16, by grade, prorated): S1 3200.00, A1 2800.00, A2 2600.00, A3 2600.00,
    A4 3200 × 20/31 = 2064.516… → 2064.52, A5 2600 × 21/31 = 1761.290… → 1761.29
  housing (S000-16, 300 prorated): 300.00; A4 300 × 20/31 = 193.548… → 193.55, A5
    300 × 21/31 = 203.225… → 203.23
  commission (net sales × 150%, generous so that one payslip leaves its range): S1 0,
    A1 1575.75, A2 1590.00, A3 2175.00, A4 0.00, A5 495.00
  gross: S1 3500.00, A1 4675.75, A2 4490.00, A3 5075.00, A4 2258.07, A5 2459.52
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from helpers import D, ignoring_the_temp
from typer.testing import CliRunner

from csincentive.cli import app
from csincentive.month.compute import compute_month

ROOT = Path(__file__).resolve().parents[2]
MONTH = ROOT / "tests" / "months" / "2026-10"
POSTS = {"S1": "客服主管"}  # everyone else is a 客服代表

RULES = """
[scheme]
id = "s16"
name = "电商客服激励方案"
rule = "S000-16"
valid_from = "2026-01-01"
minimum_wage = { amount = "local_minimum", of = "post_pay", rule = "S000-16" }

[params]
local_minimum = 2690

[components.post_pay]
label = "基本岗位工资"
rule = "S000-16"
kind = "match"
on = "grade"
cases = { "初级" = 2600, "中级" = 2800, "高级" = 3200 }
prorate = "days_employed"

[components.housing]
label = "住房补助"
rule = "S000-16"
kind = "formula"
expr = "300"
prorate = "days_employed"

[components.commission]
label = "销售提成"
kind = "formula"
expr = "net_sales * 150%"

[[checks.pay_range]]
rule = "S002-03"
label = "客服代表参考薪资"
post = "客服代表"
min = 3000
max = 5000

[[checks.pay_range]]
rule = "S002-03"
label = "客服主管参考薪资"
post = ["客服主管", "客服经理"]
min = 8000
max = 12000
"""


def with_posts(tmp_path: Path) -> Path:
    """tests/months/2026-10 with a `post` column in agents.csv."""
    folder = tmp_path / "2026-10"
    shutil.copytree(MONTH, folder)
    roster = folder / "agents.csv"
    lines = roster.read_text(encoding="utf-8").splitlines()
    rows = [lines[0] + ",post"]
    rows += [f"{row},{POSTS.get(row.split(',')[0], '客服代表')}" for row in lines[1:]]
    roster.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return folder


def rules_file(tmp_path: Path, text: str = RULES) -> Path:
    path = tmp_path / "rules.toml"
    text = ignoring_the_temp(text).replace("[inputs]\n", '[inputs]\nroster_fields = ["post"]\n')
    path.write_text(text, encoding="utf-8")
    return path


def warned(result, code: str) -> list[tuple[int | None, str, str]]:  # type: ignore[no-untyped-def]
    return [(w.line, w.path, w.message) for w in result.warnings if w.code == code]


def test_post_pay_below_the_minimum_wage_is_a_warning(tmp_path: Path):
    result = compute_month(with_posts(tmp_path), rules_file(tmp_path))
    # S000-16: post pay not below 2690, held to the days employed and rounded to the fen:
    # A2 and A3 2600.00 < 2690.00; A5 1761.29 < 2690 × 21/31 = 1822.258… → 1822.26;
    # A4 2064.52 ≥ 2690 × 20/31 = 1735.483… → 1735.48; S1 3200 and A1 2800 are above.
    # Line 7 of the rules: minimum_wage = …
    assert warned(result, "W213") == [
        (
            7,
            "scheme.minimum_wage",
            "A2 阿杰: post_pay 2600.00 is below the minimum wage 2690.00 (S000-16); pay at "
            "least 2690.00, or correct the rule or the roster",
        ),
        (
            7,
            "scheme.minimum_wage",
            "A3 晓雨: post_pay 2600.00 is below the minimum wage 2690.00 (S000-16); pay at "
            "least 2690.00, or correct the rule or the roster",
        ),
        (
            7,
            "scheme.minimum_wage",
            "A5 小林: post_pay 1761.29 is below the minimum wage 1822.26 = 2690.00 × 21/31 "
            "days employed (S000-16); pay at least 1822.26, or correct the rule or the roster",
        ),
    ]
    # A warning, not a change: the payslips are as worked above.
    assert result.payroll.sort("agent_id")["gross"].to_list() == D(
        "4675.75", "4490.00", "5075.00", "2258.07", "2459.52", "3500.00"
    )


@pytest.mark.parametrize(
    ("minimum", "warned_people"),
    [
        # The first total (gross) by default, prorated: everyone is above their share
        # (A5 2459.52 ≥ 1822.26, A4 2258.07 ≥ 1735.48).
        ("2690", []),
        # The whole month for everyone: A4 2258.07 and A5 2459.52 are below 2690.
        ('{ amount = 2690, prorate = "none" }', ["A4", "A5"]),
        # Only the grades listed: A4 (高级) is; A5 (初级) is not checked.
        ('{ amount = 2690, prorate = "none", applies_to = { grade = ["高级"] } }', ["A4"]),
    ],
)
def test_what_the_minimum_is_held_against(tmp_path: Path, minimum: str, warned_people):
    text = RULES.replace(
        'minimum_wage = { amount = "local_minimum", of = "post_pay", rule = "S000-16" }',
        f"minimum_wage = {minimum}",
    )
    result = compute_month(with_posts(tmp_path), rules_file(tmp_path, text))
    assert [message.split(":")[0].split()[0] for *_, message in warned(result, "W213")] == (
        warned_people
    )


def test_pay_outside_the_posts_reference_range_is_a_warning(tmp_path: Path):
    result = compute_month(with_posts(tmp_path), rules_file(tmp_path))
    # S002-03. 客服代表 3000–5000, held to the days employed: A1 4675.75 and A2 4490.00
    # inside; A3 5075.00 above 5000; A4 2258.07 inside 3000 × 20/31 = 1935.48 to 5000 ×
    # 20/31 = 3225.81; A5 2459.52 inside 2032.26–3387.10. 客服主管 8000–12000: S1 3500.00
    # below. Lines 32 and 39: the [[checks.pay_range]] headers.
    assert warned(result, "W214") == [
        (
            32,
            "checks.pay_range[0]",
            "A3 晓雨 (post 客服代表): gross 5075.00 is above 客服代表参考薪资 3000.00–5000.00 "
            "(S002-03); check the payslip or the range",
        ),
        (
            39,
            "checks.pay_range[1]",
            "S1 林主管 (post 客服主管): gross 3500.00 is below 客服主管参考薪资 "
            "8000.00–12000.00 (S002-03); check the payslip or the range",
        ),
    ]


def test_a_range_on_a_component_with_one_bound_and_the_whole_month(tmp_path: Path):
    # Agents' post pay up to 2700 and from 2000, whatever the days employed: A1 2800.00 is
    # above; A4 2064.52 is inside; A5 1761.29 below 2000.00. S1 is no agent.
    ranges = RULES[: RULES.index("[[checks.pay_range]]")] + (
        '[[checks.pay_range]]\nrole = "agent"\nof = "post_pay"\nmax = 2700\nprorate = "none"\n\n'
        '[[checks.pay_range]]\nrole = "agent"\nof = "post_pay"\nmin = 2000\nprorate = "none"\n'
    )
    result = compute_month(with_posts(tmp_path), rules_file(tmp_path, ranges))
    assert [message for *_, message in warned(result, "W214")] == [
        "A1 小美 (role agent): post_pay 2800.00 is above the reference pay range up to 2700.00;"
        " check the payslip or the range",
        "A5 小林 (role agent): post_pay 1761.29 is below the reference pay range from 2000.00;"
        " check the payslip or the range",
    ]


def test_the_warnings_are_kept_with_the_month(tmp_path: Path):
    # warnings.csv and the ledger's manifest, like every warning of the month (W201 …).
    month, rules = with_posts(tmp_path), rules_file(tmp_path)
    out, ledger = tmp_path / "out", tmp_path / "ledger"
    runner = CliRunner()
    args = ["run", str(month), "-r", str(rules), "--out", str(out), "--ledger", str(ledger)]
    result = runner.invoke(app, args, env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    assert result.output.rstrip("\n").splitlines()[-1].startswith("5 条警告")
    lines = (out / "warnings.csv").read_text(encoding="utf-8-sig").splitlines()
    assert lines[1].startswith(f'{rules},7,1,W213,warning,scheme.minimum_wage,"A2 阿杰: ')
    assert lines[5].startswith(f"{rules},39,1,W214,warning,checks.pay_range[1],S1 林主管 ")
    manifest = json.loads((ledger / "s16" / "2026-10" / "manifest.json").read_text("utf-8"))
    assert [w["code"] for w in manifest["warnings"]] == ["W213"] * 3 + ["W214"] * 2


def test_a_line_a_person_does_not_have_is_not_checked(tmp_path: Path):
    # post_pay only for 初级: A1 (中级), A4 and S1 (高级) have no post_pay line (0.00, outside
    # its applies_to), so the minimum wage does not look at them; A2, A3 and A5 as above.
    text = RULES.replace(
        'cases = { "初级" = 2600, "中级" = 2800, "高级" = 3200 }',
        'cases = { "初级" = 2600, "中级" = 2800, "高级" = 3200 }\napplies_to = { grade = ["初级"] }',
    )
    result = compute_month(with_posts(tmp_path), rules_file(tmp_path, text))
    assert [message.split()[0] for *_, message in warned(result, "W213")] == ["A2", "A3", "A5"]


def test_a_dated_change_raises_the_minimum(tmp_path: Path):
    # From October the local minimum is 2900: A1's 2800.00 is below it too; A5 1761.29 <
    # 2900 × 21/31 = 1964.516… → 1964.52; A4 2064.52 ≥ 2900 × 20/31 = 1870.967… → 1870.97.
    text = RULES + (
        '\n[[changes]]\nvalid_from = "2026-10-01"\nnote = "最低工资上调"\n\n'
        "[changes.params]\nlocal_minimum = 2900\n"
    )
    result = compute_month(with_posts(tmp_path), rules_file(tmp_path, text))
    messages = [message for *_, message in warned(result, "W213")]
    assert [m.split()[0] for m in messages] == ["A1", "A2", "A3", "A5"]
    assert messages[0].startswith("A1 小美: post_pay 2800.00 is below the minimum wage 2900.00")
    assert "below the minimum wage 1964.52 = 2900.00 × 21/31 days employed" in messages[3]
