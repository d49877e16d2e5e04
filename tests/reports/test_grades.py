"""`grades`: the quarterly review (S002-12..14) over a real ledger of four months of the
callcenter-points example (examples/callcenter-points/2026-10 under
rules/callcenter-points.toml), 2026-09 to 2026-12, each computed and recorded here.

Each month is the example with its chat dates moved into the month and these inputs
changed (qa_deductions → the coefficient of S002-10; basic: <21 → 1.2, 21–30 → 1.0,
31–49 → 0.8, 50–69 → 0.6, ≥70 → 0; VIP: <16 → 1.5, 16–20 → 1.2, 21–35 → 1.0, 36–50 → 0.8,
≥51 → 0; 15.5 is rounded up to 16):

            grade track  2026-09      2026-10     2026-11     2026-12
  B1 小陈   中级  basic  18 → 1.2     25 → 1.0    25 → 1.0    25 → 1.0
  B2 小刘   初级  basic  18 → 1.2     18 → 1.2    18 → 1.2    18 → 1.2
  B3 阿强   高级  basic  10 → 1.2     70 → 0.0    10 → 1.2    40 → 0.8
  B4 小周   试用  basic  (not hired)  55 → 0.6    55 → 0.6    55 → 0.6
  V1 小美   中级  vip    15 → 1.5     15 → 1.5    15 → 1.5    15 → 1.5
  V2 阿杰   高级  vip    40 → 0.8     51 → 0.0    20 → 1.2    10 → 1.5
  V3 晓雨   初级  vip    15.5 → 1.2   1.2         1.2         1.2
  V4 小林   初级  vip    40 → 0.8     0.8         0.8         0.8

B2's phone_calls are 180 in 2026-09..11 and the example's 80 in 2026-12. (2026-09 has no
B4: hired 2026-10-12; their rows and chats are left out of that month.)

Conversations are reception_points = sessions + 2 × vip_chats + 2 × phone_calls:
  B1 5 + 240 = 245, B2 4 + 360 = 364 (12: 4 + 160 = 164), B3 3 + 400 = 403, B4 2 + 60 = 62,
  V1 600, V2 500, V3 1 + 360 + 20 = 381, V4 200.
Role average (everyone is role agent, all grades): 2026-10 and 2026-11
  (245 + 364 + 403 + 62 + 600 + 500 + 381 + 200) / 8 = 2755 / 8 = 344.375 → shown 344.4;
  2026-12 (2755 − 200) / 8 = 2555 / 8 = 319.375 → 319.4.
Tenure on 2026-12-31 (whole months since hire_date): B1 33, B2 18, B3 47, B4 2, V1 31, V2 49,
  V3 15, V4 9. Only B4 is on probation (hired 2026-10-12, three months' probation).

Decisions for 2026Q4 ([grades] of rules/callcenter-points.toml):
  B1 中级: below 1.2 in 10, 11, 12 — 3 in a row (2026-09 was 1.2) → demote to 初级.
  B2 初级 → 中级 needs tenure ≥ 7 (18 ✓), average ≥ 1.2 (1.2 ✓), conversations ≥ the
     average every month: 364 ≥ 344.375 ✓ twice, 164 < 319.375 ✗ in 12 → unchanged.
  B3 高级: below 1.2 in 10 (0) and in 12 (0.8), never two in a row → unchanged; 高级 has
     no promotion.
  B4 试用 → 初级 needs tenure ≥ 3 (2 ✗), average ≥ 0.8 (0.6 ✗), conversations 62 < the
     average in all three months ✗; on probation and missing the standard → review.
  V1 中级: 1.5 every month, no run → unchanged; 中级 has no automatic promotion.
  V2 高级: below 1.2 in 2026-09 (0.8) and 2026-10 (0.0) — 2 in a row reaching into the
     quarter → demote to 中级.
  V3 初级: tenure 15 ✓, average 1.2 ✓, 381 ≥ 344.375, 344.375, 319.375 ✓ → promote to 中级.
  V4 初级: tenure 9 ✓, average 0.8 < 1.2 ✗, 200 below the average in every month ✗
     → unchanged.
"""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from helpers import MONTH_RULES
from typer.testing import CliRunner, Result

from csincentive.cli import app
from csincentive.core.diagnostics import InputError
from csincentive.core.month import Quarter
from csincentive.ledger.store import Ledger
from csincentive.month.compute import compute_month
from csincentive.reports.grades import GradeReview, review, review_quarter
from csincentive.rules.loader import load_rules
from csincentive.rules.model import Grades

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "callcenter-points" / "2026-10"
RULES = ROOT / "rules" / "callcenter-points.toml"
TAOBAO = ROOT / "rules" / "taobao-presales.toml"

QA = {
    9: {"B1": "18", "B2": "18", "B3": "10", "V2": "40"},
    10: {"B1": "25", "B2": "18", "B3": "70"},
    11: {"B1": "25", "B2": "18", "B3": "10", "V2": "20"},
    12: {"B1": "25", "B2": "18", "B3": "40", "V2": "10"},
}
B2_PHONE_CALLS = {9: "180", 10: "180", 11: "180", 12: "80"}


def _rewrite_csv(path: Path, change: Callable[[list[str]], list[str] | None]) -> None:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    kept = [rows[0]] + [r for r in (change(row) for row in rows[1:]) if r is not None]
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(kept)


def _month_folder(root: Path, month: int) -> Path:
    folder = root / f"2026-{month:02d}"
    shutil.copytree(EXAMPLE, folder)
    chats = folder / "chats.csv"
    chats.write_text(
        chats.read_text("utf-8").replace("2026-10-", f"2026-{month:02d}-"), encoding="utf-8"
    )

    def inputs(row: list[str]) -> list[str] | None:
        agent, name, _ = row
        if name == "qa_deductions" and agent in QA[month]:
            return [agent, name, QA[month][agent]]
        if (agent, name) == ("B2", "phone_calls"):
            return [agent, name, B2_PHONE_CALLS[month]]
        return row

    _rewrite_csv(folder / "inputs.csv", inputs)
    if month == 9:  # B4 is hired on 2026-10-12: not in September's roster or exports
        for name in ("agents.csv", "attendance.csv", "inputs.csv"):
            _rewrite_csv(folder / name, lambda row: None if row[0] == "B4" else row)
        _rewrite_csv(chats, lambda row: None if row[0] == "智齿:小周" else row)
    return folder


@pytest.fixture(scope="module")
def ledger_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("grades")
    ledger = Ledger(root / "ledger")
    for month in (9, 10, 11, 12):
        result = compute_month(_month_folder(root, month), RULES, month=(2026, month))
        assert not result.warnings
        ledger.record(result)
    return root / "ledger"


def _review(ledger_root: Path, quarter: str = "2026Q4", **options: str) -> GradeReview:
    rules, _ = load_rules(RULES)
    return review_quarter(
        Ledger(ledger_root), rules, Quarter.parse(quarter), rules_file=RULES, lang="en", **options
    )


EXPECTED = {
    "B1": (
        "小陈",
        "中级",
        "demote",
        "初级",
        ["coefficient 1.0 < 1.2 in 2026-10, 2026-11, 2026-12 (3 in a row)"],
    ),
    "B2": (
        "小刘",
        "初级",
        "unchanged",
        "初级",
        [
            "tenure 18 months ≥ 7",
            "average coefficient 1.2 ≥ 1.2",
            "conversations 164 < role average 319.4 in 2026-12",
        ],
    ),
    "B3": (
        "阿强",
        "高级",
        "unchanged",
        "高级",
        [
            "coefficient 0.8 < 1.2 in 2026-12 (1 in a row; demotion after 2)",
            "no automatic promotion from 高级",
        ],
    ),
    "B4": (
        "小周",
        "试用",
        "review",
        "试用",
        [
            "tenure 2 months < 3",
            "average coefficient 0.6 < 0.8",
            "conversations 62 < role average 344.4 in 2026-10",
            "conversations 62 < role average 344.4 in 2026-11",
            "conversations 62 < role average 319.4 in 2026-12",
            "on probation and short of the 初级 standard: may be dismissed (S002-14), "
            "for the manager to decide",
        ],
    ),
    "V1": (
        "小美",
        "中级",
        "unchanged",
        "中级",
        ["coefficient ≥ 1.2 in 2026-10, 2026-11, 2026-12", "no automatic promotion from 中级"],
    ),
    "V2": (
        "阿杰",
        "高级",
        "demote",
        "中级",
        ["coefficient 0.8, 0.0 < 1.2 in 2026-09, 2026-10 (2 in a row)"],
    ),
    "V3": (
        "晓雨",
        "初级",
        "promote",
        "中级",
        [
            "tenure 15 months ≥ 7",
            "average coefficient 1.2 ≥ 1.2",
            "conversations ≥ role average in 2026-10, 2026-11, 2026-12",
        ],
    ),
    "V4": (
        "小林",
        "初级",
        "unchanged",
        "初级",
        [
            "tenure 9 months ≥ 7",
            "average coefficient 0.8 < 1.2",
            "conversations 200 < role average 344.4 in 2026-10",
            "conversations 200 < role average 344.4 in 2026-11",
            "conversations 200 < role average 319.4 in 2026-12",
        ],
    ),
}


def test_quarter_review_decisions(ledger_root: Path) -> None:
    result = _review(ledger_root)
    assert result.quarter == "2026Q4"
    assert result.months == ("2026-10", "2026-11", "2026-12")
    assert (result.coefficient, result.volume, result.peers) == (
        "qa_coefficient",
        "reception_points",
        "role",
    )
    got = {
        a.agent_id: (a.name, a.grade, a.decision, a.new_grade, list(a.reasons))
        for a in result.agents
    }
    assert got == EXPECTED
    assert [a.agent_id for a in result.agents] == sorted(EXPECTED)
    assert result.counts() == {"promote": 1, "demote": 2, "review": 1, "unchanged": 4}


def test_peers_by_track(ledger_root: Path) -> None:
    """Averaged per track instead: basic 2026-10 (245 + 364 + 403 + 62) / 4 = 268.5,
    2026-12 (245 + 164 + 403 + 62) / 4 = 218.5; vip every month (600 + 500 + 381 + 200) / 4
    = 420.25 → 420.3. V3's 381 is now below it: no promotion."""
    result = _review(ledger_root, peers="track")
    by_id = {a.agent_id: a for a in result.agents}
    assert by_id["V3"].decision == "unchanged"
    assert by_id["V3"].reasons[2:] == tuple(
        f"conversations 381 < track average 420.3 in 2026-{m}" for m in ("10", "11", "12")
    )
    assert by_id["B2"].reasons[2] == "conversations 164 < track average 218.5 in 2026-12"


def test_another_scheme_in_the_ledger_is_not_read(ledger_root: Path, tmp_path: Path) -> None:
    # Another scheme's months recorded into the same folder: the review reads this scheme's
    # months only (by month alone it would read taobao-presales' 2026-10, which has no
    # qa_coefficient, and answer with a bogus "did you mean").
    shared = tmp_path / "ledger"
    shutil.copytree(ledger_root, shared)
    october = tmp_path / "2026-10"
    shutil.copytree(ROOT / "tests" / "months" / "2026-10", october)
    Ledger(shared).record(compute_month(october, MONTH_RULES))  # 云杉:临时工 ignored
    assert Ledger(shared).for_scheme("taobao-presales").months() == ["2026-10"]
    assert _review(shared).as_dict() == _review(ledger_root).as_dict()


def test_quarter_syntax() -> None:
    assert Quarter.parse("2026Q4").months == ("2026-10", "2026-11", "2026-12")
    assert Quarter.parse("2027-q1").months == ("2027-01", "2027-02", "2027-03")
    assert Quarter.parse("2026-Q2").name == "2026Q2"
    for bad in ("2026Q5", "2026-10", "Q4 2026", "26Q1"):
        with pytest.raises(ValueError, match="is not a quarter"):
            Quarter.parse(bad)


def test_missing_months_are_named(ledger_root: Path) -> None:
    with pytest.raises(InputError) as caught:
        _review(ledger_root, "2026Q3")
    (problem,) = caught.value.diagnostics
    assert problem.code == "G101"
    assert "2026Q3 needs 2026-07, 2026-08, 2026-09" in problem.message
    assert "missing 2026-07, 2026-08" in problem.message
    assert "--month 2026-07" in problem.message


def test_rules_without_grades(ledger_root: Path) -> None:
    rules, _ = load_rules(TAOBAO)
    with pytest.raises(InputError) as caught:
        review_quarter(Ledger(ledger_root), rules, Quarter(2026, 4), rules_file=TAOBAO)
    (problem,) = caught.value.diagnostics
    assert (problem.code, problem.path) == ("G100", "grades")
    assert "no [grades] table" in problem.message


def test_unknown_coefficient_is_located(ledger_root: Path, tmp_path: Path) -> None:
    text = RULES.read_text("utf-8").replace(
        'coefficient = "qa_coefficient"', 'coefficient = "qa_coeficient"'
    )
    rules_file = tmp_path / "callcenter-points.toml"
    rules_file.write_text(text, encoding="utf-8")
    rules, _ = load_rules(rules_file)
    with pytest.raises(InputError) as caught:
        review_quarter(Ledger(ledger_root), rules, Quarter(2026, 4), rules_file=rules_file)
    problems = caught.value.diagnostics
    assert [p.message for p in problems] == [
        f"'qa_coeficient' is not a figure of 2026-{m} in the ledger; did you mean 'qa_coefficient'?"
        for m in ("10", "11", "12")
    ]
    line = text[: text.index('coefficient = "qa_coeficient"')].count("\n") + 1
    assert (problems[0].code, problems[0].path, problems[0].line) == (
        "G102",
        "grades.coefficient",
        line,
    )


# The pure review: small frames for what the example month cannot show --------------------


def _frame(rows: list[tuple[str, str, str]], *, quarter: bool = True) -> pl.DataFrame:
    """(agent_id, grade, coefficient) per row; volume 100 each, all one role."""
    data = {
        "agent_id": [r[0] for r in rows],
        "name": [r[0] for r in rows],
        "grade": [r[1] for r in rows],
        "coefficient": pl.Series([Decimal(r[2]) for r in rows], dtype=pl.Decimal(38, 10)),
    }
    if quarter:
        data |= {
            "tenure_months": [12] * len(rows),
            "on_probation": [0] * len(rows),
            "volume": pl.Series([Decimal(100)] * len(rows), dtype=pl.Decimal(38, 10)),
            "peer": ["agent"] * len(rows),
        }
    return pl.DataFrame(data)


GRADES = Grades.model_validate(
    {
        "coefficient": "c",
        "rules": {"中级": {"demote_to": "初级", "demote_below": 1.2, "demote_after_months": 3}},
    }
)


def test_run_breaks_at_a_gap_and_at_another_grade() -> None:
    """A: below in 2026-08 (as 初级), 09, 10, 11 → only 09..11 count on 中级: 3 → demote.
    B: below in 2026-07, 09, 10 — 2026-08 is missing for B (not employed) → 09, 10 only: 2,
    then 1.2 in 11 and 12 → unchanged. C: a grade without a rule → unchanged, said so."""
    quarter = Quarter(2026, 4)
    figures = {
        "2026-07": _frame([("A", "初级", "1.2"), ("B", "中级", "1.0")], quarter=False),
        "2026-08": _frame([("A", "初级", "0.8")], quarter=False),
        "2026-09": _frame([("A", "中级", "1.0"), ("B", "中级", "1.0")], quarter=False),
        "2026-10": _frame([("A", "中级", "1.0"), ("B", "中级", "1.0"), ("C", "组长", "1")]),
        "2026-11": _frame([("A", "中级", "1.0"), ("B", "中级", "1.2"), ("C", "组长", "1")]),
        "2026-12": _frame([("A", "中级", "1.2"), ("B", "中级", "1.2"), ("C", "组长", "1")]),
    }
    result = review(GRADES, figures, quarter, lang="en")
    a, b, c = result.agents
    assert (a.decision, a.new_grade, a.reasons) == (
        "demote",
        "初级",
        ("coefficient 1.0 < 1.2 in 2026-09, 2026-10, 2026-11 (3 in a row)",),
    )
    assert (b.decision, b.reasons) == (
        "unchanged",
        (
            "coefficient 1.0 < 1.2 in 2026-09, 2026-10 (2 in a row; demotion after 3)",
            "no automatic promotion from 中级",
        ),
    )
    assert (c.decision, c.new_grade, c.reasons) == (
        "unchanged",
        "组长",
        ("no rule for grade '组长' in [grades.rules]",),
    )


# The command -----------------------------------------------------------------------------


def _run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})


def test_cli_table_in_chinese(ledger_root: Path) -> None:
    """The rules' language (Chinese by default): the title, the headers, the decisions and
    the counts in Chinese (the counts as in test_cli_table: 1 promote, 2 demote …)."""
    result = _run("grades", "2026Q4", "--rules", str(RULES), "--ledger", str(ledger_root))
    assert result.exit_code == 0, result.output
    out = result.output
    assert "2026Q4 职级评定（2026-10，2026-11，2026-12）" in out
    assert "共 8 人：晋升 1 人，降级 2 人，待复核 1 人，不变 4 人。未作任何更改" in out
    assert "评定结果" in out and "新职级" in out and "降级" in out
    assert "decision" not in out and "Grade review" not in out
    # B1's reason (test_cli_table: "coefficient 1.0 < 1.2 in 2026-10, 2026-11, 2026-12 (3 in
    # a row)") and B4's probation, in Chinese.
    assert "2026-10，2026-11，2026-12 系数 1.0 < 1.2（连续 3 个月）" in out
    assert "试用期内未达到初级标准：可能被辞退（S002-14），由主管决定" in out


def test_cli_table(ledger_root: Path) -> None:
    result = _run(
        "grades", "2026Q4", "--rules", str(RULES), "--ledger", str(ledger_root), "--lang", "en"
    )
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Grade review 2026Q4 (2026-10, 2026-11, 2026-12)" in out
    assert "8 people: 1 promote, 2 demote, 1 review, 4 unchanged." in out
    assert "coefficient 1.0 < 1.2 in 2026-10, 2026-11, 2026-12 (3 in a row)" in out


def test_cli_json(ledger_root: Path) -> None:
    result = _run(
        "grades",
        "2026-Q4",
        "-r",
        str(RULES),
        "--ledger",
        str(ledger_root),
        "--json",
        "--lang",
        "en",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert list(data) == [
        "quarter",
        "months",
        "coefficient",
        "volume",
        "peers",
        "counts",
        "agents",
    ]
    assert data["quarter"] == "2026Q4"
    assert data["counts"] == {"promote": 1, "demote": 2, "review": 1, "unchanged": 4}
    assert {a["agent_id"]: (a["decision"], a["new_grade"]) for a in data["agents"]} == {
        k: (v[2], v[3]) for k, v in EXPECTED.items()
    }
    assert data["agents"][6] == {
        "agent_id": "V3",
        "name": "晓雨",
        "grade": "初级",
        "decision": "promote",
        "new_grade": "中级",
        "reasons": EXPECTED["V3"][4],
    }


def test_cli_missing_month_exits_1(ledger_root: Path) -> None:
    result = _run("grades", "2027Q1", "-r", str(RULES), "--ledger", str(ledger_root))
    assert result.exit_code == 1
    out = " ".join(result.output.split())
    assert "G101" in out
    assert "missing 2027-01, 2027-02, 2027-03" in out
    assert "it has 2026-09, 2026-10, 2026-11, 2026-12" in out


def test_cli_rules_without_grades_exits_1(ledger_root: Path) -> None:
    result = _run("grades", "2026Q4", "-r", str(TAOBAO), "--ledger", str(ledger_root))
    assert result.exit_code == 1
    assert "G100 grades: no [grades] table" in result.output


def test_cli_bad_quarter_is_usage_error(ledger_root: Path) -> None:
    result = _run("grades", "2026-10", "-r", str(RULES), "--ledger", str(ledger_root))
    assert result.exit_code == 2
    assert "is not a quarter" in result.output
