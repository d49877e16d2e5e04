"""rules/grade-pay.toml over its example quarter examples/grade-pay/2026-07..09, reviewed
(`grades 2026Q3`), and October 2026 paid with the review's promotions — run in order into one
ledger, as a shop runs them.

Every figure below is worked by hand from the rule text (S002-01 grades and tenure steps,
S002-02 promotion criteria and raise, S002-03 reference pay ranges, S002-06 special
allowances), the readings written in the rules file and the rows of the period folders —
then compared with the program.

Parameters: base 初级 3200 · 中级 3600 · 高级 4100 · 资深 4600; raise 10% for one level, 25%
for two; the standard: satisfaction ≥ 90%, complaint resolution ≥ 95% (100% with no
complaints), handling time ≤ 8 min, knowledge test ≥ 80, no internal complaint; night shift
60 each; education 硕士 400 · 本科 300 · 大专 150 · anything else 0.

The roster (all post 客服代表, role agent; the S002-03 range 3000–5000):

  id  name team  hired       edu   2026-07..09  2026-10
  G01 小美 售前  2026-05-20  大专  初级         中级  (the review)
  G02 阿杰 售前  2026-06-30  高中  初级         中级  (the review)
  G03 晓雨 售前  2026-07-01  本科  初级         初级
  G04 阿强 售前  2025-08-15  大专  中级         中级
  G05 小林 售前  2024-03-01  本科  中级         资深  (the leads: two levels; the review said 高级)
  G06 大伟 售后  2024-01-10  本科  高级         高级
  G07 老王 售后  2022-04-01  硕士  资深         资深
  G08 小周 售后  2026-08-17  大专  初级 (Aug–) 初级
  G09 小慧 售后  2026-10-12  本科  —            初级  (a new hire)
  G10 阿明 售后  2025-09-30  大专  中级         高级  (the review)

The month's standard (promotion_standard, S002-02): satisfied / rated chats, complaints
resolved / handled, handling minutes, test; every other figure passes (10/10 rated
satisfied, no complaints, handling 5–7.9 min, test 81–95, no internal complaint):

  2026-07  G02 9/10 = 90% and G10 9/10 = 90%: at the bound, pass → 1
           G07 test 75 < 80 → 0;               everyone else 1
  2026-08  G04 17/19 = 89.47% < 90% (just below) → 0
           G10 handling exactly 8 min: pass → 1; G08 (hired 08-17) 5/5 → 1; everyone else 1
  2026-09  G06 an internal complaint (events.csv) → 0
           G08 complaints 2/3 = 66.67% < 95% → 0
           G10 19/20 = 95% and test exactly 80: pass → 1; everyone else 1
  2026-10  G02 8/10 = 80% → 0; G03 handling 8.5 > 8 → 0; G08 test 79 → 0; everyone else 1

The review of 2026Q3 (tenure = whole months from hire to 2026-09-30; the average of the
three months' standard must be 1; S002-01 steps: 中级 ≥ 3, 高级 ≥ 12, and 资深 ≥ 24 read
from S002-02's 工作年限):
  G01 初级 4 ≥ 3, 1.0 → promote 中级        G02 初级 3 ≥ 3 (06-30 → 09-30), 1.0 → promote 中级
  G03 初级 2 < 3 (07-01 → 09-01), 1.0 → unchanged: tenure alone
  G04 中级 13 ≥ 12, (1 + 0 + 1) / 3 = 0.67 < 1.0 → unchanged
  G05 中级 30 ≥ 12, 1.0 → promote 高级     G06 高级 32 ≥ 24, 0.67 → unchanged
  G07 资深: no automatic promotion           G08 初级 1 < 3, (1 + 0) / 2 = 0.5 over 2 months
  G10 中级 12 ≥ 12 (2025-09-30 → 2026-09-30), 1.0 → promote 高级

Pay, month by month (night shifts × 60; education prorated like the base):

  2026-07 (31 days)  base  night  edu  gross
  G01  初级           3200   60   150   3410.00
  G02  初级           3200    0     0   3200.00
  G03  初级           3200    0   300   3500.00   (hired 07-01: the whole month)
  G04  中级           3600  120   150   3870.00
  G05  中级           3600    0   300   3900.00
  G06  高级           4100  120   300   4520.00
  G07  资深           4600   60   400   5060.00   > 5000: W214
  G10  中级           3600  180   150   3930.00
  2026-08 (31 days)
  G01 3200 + 120 + 150 = 3470.00   G02 3200.00   G03 3500.00   G04 3600 + 150 = 3750.00
  G05 3600 + 60 + 300 = 3960.00    G06 4100 + 60 + 300 = 4460.00
  G07 4600 + 400 = 5000.00 (at the bound: no warning)
  G08 hired 08-17, 15 of 31 days: 3200 × 15/31 = 1548.387… → 1548.39, night 60,
      150 × 15/31 = 72.580… → 72.58; gross 1680.97 (range 1451.61–2419.35: inside)
  G10 3600 + 120 + 150 = 3870.00
  2026-09 (30 days)
  G01 3350.00  G02 3200.00  G03 3200 + 120 + 300 = 3620.00  G04 3600 + 60 + 150 = 3810.00
  G05 3900.00  G06 4100 + 120 + 300 = 4520.00  G07 5000.00  G08 3350.00
  G10 3600 + 60 + 150 = 3810.00
  (no promotion raise before October: the grades did not change inside the quarter)

  2026-10 (31 days): grade_change = level now − level in September (初级 1 … 资深 4);
  promotion_raise = September's raise + September's (base + raise) × 10% (one level) or
  25% (two levels):
  G01 中级 3600, change 1: 0 + 3200 × 10% = 320.00, night 2 → 120, 150      → 4190.00
  G02 中级 3600, change 1: 320.00, night 0, 高中 0                           → 3920.00
  G03 初级 3200, 0, night 3 → 180, 300                                       → 3680.00
  G04 中级 3600, 0, night 4 → 240, 150                                       → 3990.00
  G05 资深 4600, change 2: 3600 × 25% = 900.00, night 1 → 60, 300            → 5860.00 W214
  G06 高级 4100, 0, night 2 → 120, 300                                       → 4520.00
  G07 资深 4600, 0, 0, 400                                                   → 5000.00
  G08 初级 3200, 0, 0, 150                                                   → 3350.00
  G09 初级, hired 10-12, 20 of 31 days: 3200 × 20/31 = 2064.516… → 2064.52; no grade
      last month (本月入职): change 0, raise 0; 300 × 20/31 = 193.548… → 193.55 → 2258.07
      (range 1935.48–3225.81: inside)
  G10 高级 4100, change 1: 3600 × 10% = 360.00, night 5 → 300, 150           → 4910.00
  Σ base 36664.52, raise 1900.00, night 1020.00, education 2093.55, gross 41678.07.
"""

from __future__ import annotations

import csv
import shutil
from decimal import Decimal

import polars as pl
import pytest
from helpers import ROOT, D, line, moved_month

from csincentive.core.diagnostics import InputError
from csincentive.core.month import Quarter
from csincentive.ledger.store import Ledger
from csincentive.month.compute import compute_month
from csincentive.reports.grades import review_quarter
from csincentive.rules.loader import load_rules

RULES = ROOT / "rules" / "grade-pay.toml"
EXAMPLE = ROOT / "examples" / "grade-pay"
MONTHS = ("2026-07", "2026-08", "2026-09", "2026-10")
PAY_LINES = ["base", "promotion_raise", "night_shift_allowance", "education_allowance"]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The four months in order into one ledger, and the review of 2026Q3 made before
    October is paid (the shop copies its decisions into October's agents.csv)."""
    work = tmp_path_factory.mktemp("grade-pay")
    ledger = Ledger(work / "ledger")
    results, review = {}, None
    for month in MONTHS:
        if month == "2026-10":
            rules, _ = load_rules(RULES)
            quarter = Quarter.parse("2026Q3")
            review = review_quarter(ledger, rules, quarter, rules_file=RULES, lang="en")
        folder = work / month
        shutil.copytree(EXAMPLE / month, folder)
        results[month] = compute_month(folder, RULES, ledger=ledger, lang="en")
        ledger.record(results[month])
    return {"results": results, "review": review, "ledger": ledger, "work": work}


def _pay(result) -> dict[str, list[Decimal]]:  # type: ignore[no-untyped-def]
    """agent_id → the pay lines and gross, as on payroll.csv."""
    columns = [*PAY_LINES, "gross"]
    return {row["agent_id"]: [row[c] for c in columns] for row in result.payroll.to_dicts()}


def _shown(result, component: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """agent_id → the amount an intermediate line shows."""
    rows = result.lines.filter(pl.col("component") == component)
    return dict(zip(rows["agent_id"], rows["amount"], strict=True))


# ------------------------------------------------------------------------ the quarter


def test_july_to_september_worked_by_hand(run):
    results = run["results"]
    assert _pay(results["2026-07"]) == {
        "G01": D("3200.00", "0.00", "60.00", "150.00", "3410.00"),
        "G02": D("3200.00", "0.00", "0.00", "0.00", "3200.00"),
        "G03": D("3200.00", "0.00", "0.00", "300.00", "3500.00"),
        "G04": D("3600.00", "0.00", "120.00", "150.00", "3870.00"),
        "G05": D("3600.00", "0.00", "0.00", "300.00", "3900.00"),
        "G06": D("4100.00", "0.00", "120.00", "300.00", "4520.00"),
        "G07": D("4600.00", "0.00", "60.00", "400.00", "5060.00"),
        "G10": D("3600.00", "0.00", "180.00", "150.00", "3930.00"),
    }
    assert _pay(results["2026-08"]) == {
        "G01": D("3200.00", "0.00", "120.00", "150.00", "3470.00"),
        "G02": D("3200.00", "0.00", "0.00", "0.00", "3200.00"),
        "G03": D("3200.00", "0.00", "0.00", "300.00", "3500.00"),
        "G04": D("3600.00", "0.00", "0.00", "150.00", "3750.00"),
        "G05": D("3600.00", "0.00", "60.00", "300.00", "3960.00"),
        "G06": D("4100.00", "0.00", "60.00", "300.00", "4460.00"),
        "G07": D("4600.00", "0.00", "0.00", "400.00", "5000.00"),
        "G08": D("1548.39", "0.00", "60.00", "72.58", "1680.97"),
        "G10": D("3600.00", "0.00", "120.00", "150.00", "3870.00"),
    }
    assert _pay(results["2026-09"]) == {
        "G01": D("3200.00", "0.00", "0.00", "150.00", "3350.00"),
        "G02": D("3200.00", "0.00", "0.00", "0.00", "3200.00"),
        "G03": D("3200.00", "0.00", "120.00", "300.00", "3620.00"),
        "G04": D("3600.00", "0.00", "60.00", "150.00", "3810.00"),
        "G05": D("3600.00", "0.00", "0.00", "300.00", "3900.00"),
        "G06": D("4100.00", "0.00", "120.00", "300.00", "4520.00"),
        "G07": D("4600.00", "0.00", "0.00", "400.00", "5000.00"),
        "G08": D("3200.00", "0.00", "0.00", "150.00", "3350.00"),
        "G10": D("3600.00", "0.00", "60.00", "150.00", "3810.00"),
    }


def test_the_promotion_standard_month_by_month(run):
    # S002-02 112–114, worked in the docstring; "以上" and "不超过" include the bound (G02,
    # G10). G08 is not on July's roster; G09 only on October's.
    results = run["results"]
    zero = {
        "2026-07": {"G07"},
        "2026-08": {"G04"},
        "2026-09": {"G06", "G08"},
        "2026-10": {"G02", "G03", "G08"},
    }
    for month, result in results.items():
        shown = _shown(result, "promotion_standard")
        assert shown == {a: "0" if a in zero[month] else "1" for a in shown}, month
    assert sorted(_shown(results["2026-07"], "promotion_standard")) == [
        "G01", "G02", "G03", "G04", "G05", "G06", "G07", "G10",
    ]  # fmt: skip
    assert _shown(results["2026-09"], "complaint_resolution")["G08"] == "66.6%"  # 2 of 3
    assert _shown(results["2026-09"], "complaint_resolution")["G10"] == "95%"  # 19 of 20


def test_the_review_of_the_quarter(run):
    # S002-01 tenure steps and S002-02 criteria as [grades]; worked in the docstring.
    review = run["review"]
    assert review.months == ("2026-07", "2026-08", "2026-09")
    got = {a.agent_id: (a.grade, a.decision, a.new_grade, list(a.reasons)) for a in review.agents}
    assert got == {
        "G01": ("初级", "promote", "中级", ["tenure 4 months ≥ 3", "average coefficient 1.0 ≥ 1.0"]),
        "G02": ("初级", "promote", "中级", ["tenure 3 months ≥ 3", "average coefficient 1.0 ≥ 1.0"]),
        "G03": (
            "初级", "unchanged", "初级", ["tenure 2 months < 3", "average coefficient 1.0 ≥ 1.0"]
        ),
        "G04": (
            "中级", "unchanged", "中级",
            ["tenure 13 months ≥ 12", "average coefficient 0.67 < 1.0"],
        ),
        "G05": (
            "中级", "promote", "高级", ["tenure 30 months ≥ 12", "average coefficient 1.0 ≥ 1.0"]
        ),
        "G06": (
            "高级", "unchanged", "高级",
            ["tenure 32 months ≥ 24", "average coefficient 0.67 < 1.0"],
        ),
        "G07": ("资深", "unchanged", "资深", ["no automatic promotion from 资深"]),
        "G08": (
            "初级", "unchanged", "初级",
            ["tenure 1 months < 3", "average coefficient 0.5 over 2 months < 1.0"],
        ),
        "G10": (
            "中级", "promote", "高级", ["tenure 12 months ≥ 12", "average coefficient 1.0 ≥ 1.0"]
        ),
    }  # fmt: skip
    assert review.counts() == {"promote": 4, "demote": 0, "review": 0, "unchanged": 5}


def test_october_roster_applies_the_review(run):
    """October's agents.csv is the review's new grades, except G05: the leads promoted her
    two levels (S002-02 122), which the review never proposes; G09 is new."""
    with (EXAMPLE / "2026-10" / "agents.csv").open(encoding="utf-8") as handle:
        october = {row["agent_id"]: row["grade"] for row in csv.DictReader(handle)}
    decided = {a.agent_id: a.new_grade for a in run["review"].agents}
    assert {a: g for a, g in october.items() if a != "G09"} == {**decided, "G05": "资深"}
    assert decided["G05"] == "高级" and october["G09"] == "初级"


# ---------------------------------------------------------------------- October, paid


def test_october_worked_by_hand(run):
    october = run["results"]["2026-10"]
    assert october.payroll.columns == [
        "agent_id", "name", "team", "role", *PAY_LINES, "gross",
    ]  # fmt: skip
    assert _pay(october) == {
        "G01": D("3600.00", "320.00", "120.00", "150.00", "4190.00"),
        "G02": D("3600.00", "320.00", "0.00", "0.00", "3920.00"),
        "G03": D("3200.00", "0.00", "180.00", "300.00", "3680.00"),
        "G04": D("3600.00", "0.00", "240.00", "150.00", "3990.00"),
        "G05": D("4600.00", "900.00", "60.00", "300.00", "5860.00"),
        "G06": D("4100.00", "0.00", "120.00", "300.00", "4520.00"),
        "G07": D("4600.00", "0.00", "0.00", "400.00", "5000.00"),
        "G08": D("3200.00", "0.00", "0.00", "150.00", "3350.00"),
        "G09": D("2064.52", "0.00", "0.00", "193.55", "2258.07"),
        "G10": D("4100.00", "360.00", "300.00", "150.00", "4910.00"),
    }
    totals = [october.payroll[c].sum() for c in [*PAY_LINES, "gross"]]
    assert totals == D("36664.52", "1900.00", "1020.00", "2093.55", "41678.07")
    # Levels: 初级 1, 中级 2, 高级 3, 资深 4 (S002-01); moved since September (S002-02).
    assert _shown(october, "grade_level") == {
        "G01": "2", "G02": "2", "G03": "1", "G04": "2", "G05": "4",
        "G06": "3", "G07": "4", "G08": "1", "G09": "1", "G10": "3",
    }  # fmt: skip
    assert _shown(october, "grade_change") == {
        "G01": "1", "G02": "1", "G03": "0", "G04": "0", "G05": "2",
        "G06": "0", "G07": "0", "G08": "0", "G09": "0", "G10": "1",
    }  # fmt: skip
    assert october.flags.is_empty()


def test_explanations(run):
    october = run["results"]["2026-10"]
    assert line(october, "G05", "grade_change")["explanation"] == (
        "change(grade_level, 0) with change(grade_level, 0)=2; last_month(grade_level)=2 = 2"
    )
    assert line(october, "G05", "promotion_raise")["explanation"] == (
        "if(grade_change < 0, 0, last_month(promotion_raise, 0) + last_month(base + "
        "promotion_raise, 0) * if(grade_change >= 2, raise_two_levels, if(grade_change == 1, "
        "raise_one_level, 0))) with grade_change=2; last_month(promotion_raise, 0)=0.00; "
        "last_month(base + promotion_raise, 0)=3600.00; raise_two_levels=25%; "
        "raise_one_level=10% × 31/31 days employed = 900.00"
    )
    # A new hire had no grade last month: no change, whatever the grade (本月入职).
    assert line(october, "G09", "grade_change")["explanation"] == (
        "0: condition not met (本月入职)"
    )
    assert line(october, "G09", "education_allowance")["explanation"] == (
        "education 本科 × 20/31 days employed = 193.55"
    )
    assert line(october, "G02", "education_allowance")["explanation"] == (
        "education 高中 (not listed → default) × 31/31 days employed = 0.00"
    )
    assert line(october, "G04", "night_shift_allowance")["explanation"] == (
        "night_shift * night_shift_rate with night_shift=4; night_shift_rate=60 = 240.00"
    )
    august = run["results"]["2026-08"]
    assert line(august, "G04", "promotion_standard")["explanation"].endswith(
        "with satisfaction=89.4%; satisfaction_min=90%; complaint_resolution=100%; "
        "resolution_min=95%; handling_minutes=7.1; handling_max_minutes=8; knowledge_test=85; "
        "knowledge_test_min=80; internal_complaint=0 = 0"
    )


def test_pay_range_warnings(run):
    # S002-03: 客服代表 3000–5000; a payslip above is a warning and is paid as computed.
    # 5000.00 exactly (G07 in August to October) is inside the range.
    def warned(month: str) -> list[tuple[str, str, str]]:
        found = run["results"][month].warnings
        return [(w.code, w.path, w.message) for w in found]

    above = "is above 客服代表参考薪资 3000.00–5000.00 (S002-03); check the payslip or the range"
    assert warned("2026-07") == [
        ("W214", "checks.pay_range[0]", f"G07 老王 (post 客服代表): gross 5060.00 {above}")
    ]
    assert warned("2026-08") == warned("2026-09") == []
    assert warned("2026-10") == [
        ("W214", "checks.pay_range[0]", f"G05 小林 (post 客服代表): gross 5860.00 {above}")
    ]


# ------------------------------------------------------------------- the months after


def test_november_keeps_raises_adds_a_further_one_and_ends_a_demoted_ones(run, tmp_path):
    """October copied as November with two grade changes by the leads: G01 中级 → 高级 (a
    further promotion) and G10 高级 → 中级 (a demotion). November has 30 days.
      G01 4100 + 320 + (3600 + 320) × 10% = 320 + 392 = 712.00 (raises accumulate)
      G02 320.00 and G05 900.00 kept: the grade is kept
      G10 3600, raise 0.00: a demotion ends it
      G09 a whole month now: 3200.00, 300.00; no raise (no grade change)"""
    folder = moved_month(EXAMPLE / "2026-10", tmp_path, 11)
    agents = folder / "agents.csv"
    text = agents.read_text(encoding="utf-8")
    text = text.replace("G01,小美,售前组,agent,中级", "G01,小美,售前组,agent,高级")
    text = text.replace("G10,阿明,售后组,agent,高级", "G10,阿明,售后组,agent,中级")
    agents.write_text(text, encoding="utf-8")
    november = compute_month(folder, RULES, ledger=run["ledger"], lang="en")
    pay = _pay(november)
    assert pay["G01"][:2] == D("4100.00", "712.00")
    assert pay["G02"][:2] == D("3600.00", "320.00")
    assert pay["G05"][:2] == D("4600.00", "900.00")
    assert pay["G10"][:2] == D("3600.00", "0.00")
    assert pay["G09"] == D("3200.00", "0.00", "0.00", "300.00", "3500.00")
    assert _shown(november, "grade_change")["G10"] == "-1"


def test_a_month_without_last_month_is_refused(tmp_path):
    # From the scheme's second month on, a missing last month is never read as "no
    # promotion" (every raise would silently be 0), fallback or not: run the months in
    # order.
    folder = tmp_path / "2026-10"
    shutil.copytree(EXAMPLE / "2026-10", folder)
    with pytest.raises(InputError) as caught:
        compute_month(folder, RULES, ledger=Ledger(tmp_path / "ledger"))
    [problem] = caught.value.diagnostics
    assert (problem.code, problem.line) == ("E181", 136)  # grade_change's expr
    assert "run 2026-09 first (the fallback stands in for people" in problem.message
    assert problem.message.startswith(
        "components.grade_change uses change(grade_level), which reads 2026-09, and the ledger"
    )


def test_the_first_month_needs_no_ledger(tmp_path):
    # The scheme's first month (valid_from 2026-07-01) pays no raise: nothing moved yet.
    july = compute_month(EXAMPLE / "2026-07", RULES, ledger=Ledger(tmp_path / "ledger"))
    assert set(_shown(july, "grade_change").values()) == {"0"}
    assert july.payroll["promotion_raise"].sum() == 0
