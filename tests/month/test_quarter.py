"""A quarter recorded month by month in a real ledger: S000-07 (quarterly top 3), S000-08
(team bonus paid after the quarter) and S000-09 (monthly and yearly outstanding) under
rules/taobao-presales-quarterly.toml.

October is tests/months/2026-10 (worked by hand in test_golden_month.py); November and
December repeat its chats and orders with the dates moved (the roster is unchanged), so each
month's net sales are A1 1050.50, A2 1060, A3 1450, A4 0, A5 330 and commissions 10.51,
10.60, 14.50, 0.00, 3.30.

month_salary = base + commission (S000-06 reading), by month Oct / Nov / Dec:
  A1 2500 + 10.51 = 2510.51 each month                          Σ 7531.53
  A2 Oct 2000 (probation to 11-19); Nov (19 × 2000 + 11 × 2500) / 30 = 2183.33; Dec 2500
     → 2010.60, 2193.93, 2510.60                                  Σ 6715.13
  A3 Oct 2258.06 (probation to 10-15), Nov and Dec 2500 → 2272.56, 2514.50, 2514.50
                                                                  Σ 7301.56
  A4 left 10-20: Oct 1612.90, then 0 (no days employed)           Σ 1612.90
  A5 hired 10-11, on probation: Oct 1354.84 + 3.30, then 2000 + 3.30
     → 1358.14, 2003.30, 2003.30                                  Σ 5364.74
Quarter net sales: A3 4350, A2 3180, A1 3151.50, A5 990, A4 0 → 20% / 15% / 10%:
  A3 7301.56 × 20% = 1460.312 → 1460.31; A2 6715.13 × 15% = 1007.2695 → 1007.27;
  A1 7531.53 × 10% = 753.153 → 753.15.
Year (the scheme starts 2026-10-01, so October to December): A3 best → 20% × 7301.56 =
  1460.31.
Outstanding of December (top 3 by the month's net sales, 10% of its salary): A3 251.45,
  A2 251.06, A1 251.051 → 251.05.
Team 售前一组 attainment each month: 3560.50 / 16000 = 22.2% < 90% → no team bonus.
"""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from helpers import QUARTER_RULES, D, ignoring_the_temp, moved_month

from csincentive.core.diagnostics import InputError
from csincentive.ledger.store import Ledger
from csincentive.month.compute import compute_month

ROOT = Path(__file__).resolve().parents[2]
OCTOBER = ROOT / "tests" / "months" / "2026-10"
RULES = QUARTER_RULES  # the shipped scheme, 云杉:临时工 ignored
AGENTS = ["A1", "A2", "A3", "A4", "A5"]


def month_folder(tmp_path: Path, month: int) -> Path:
    return moved_month(OCTOBER, tmp_path, month)


def run_quarter(tmp_path: Path, months=(10, 11, 12)) -> tuple[Ledger, dict[int, object]]:
    ledger = Ledger(tmp_path / "ledger")
    results = {}
    for month in months:
        result = compute_month(month_folder(tmp_path, month), RULES, ledger=ledger)
        ledger.record(result)
        ledger.close(result.period)
        results[month] = result
    return ledger, results


def column(result, name: str) -> list[Decimal]:
    frame = result.payroll.filter(pl.col("agent_id").is_in(AGENTS)).sort("agent_id")
    return frame[name].to_list()


def test_quarter_and_year_rewards_in_december(tmp_path: Path):
    _, results = run_quarter(tmp_path)
    december = results[12]
    assert column(december, "quarter_top_bonus") == D(
        "753.15", "1007.27", "1460.31", "0.00", "0.00"
    )
    assert column(december, "year_top_bonus") == D("0.00", "0.00", "1460.31", "0.00", "0.00")
    assert column(december, "outstanding_bonus") == D("251.05", "251.06", "251.45", "0.00", "0.00")
    assert column(december, "team_bonus") == D("0.00", "0.00", "0.00", "0.00", "0.00")
    why = december.lines.filter(
        (pl.col("agent_id") == "A2") & (pl.col("component") == "quarter_top_bonus")
    )["explanation"][0]
    assert why == (
        "季度销售排名奖比例 * quarter_sum(当月工资(业绩奖计奖基数))，其中 季度销售排名奖比例=15%；"
        "quarter_sum(当月工资(业绩奖计奖基数))=6715.13 = 1007.27"
    )


def test_quarter_rewards_wait_for_the_quarters_last_month(tmp_path: Path):
    _, results = run_quarter(tmp_path, months=(10, 11))
    november = results[11]
    assert column(november, "quarter_top_bonus") == D(*["0.00"] * 5)
    why = november.lines.filter(
        (pl.col("agent_id") == "A3") & (pl.col("component") == "quarter_top_bonus")
    )["explanation"][0]
    assert why == "0：条件不满足（only in the quarter's last month）"  # the rule's own note
    # November's outstanding: the same top three, 10% of November's salaries.
    assert column(november, "outstanding_bonus") == D("251.05", "219.39", "251.45", "0.00", "0.00")


def test_december_without_november_is_refused(tmp_path: Path):
    ledger = Ledger(tmp_path / "ledger")
    ledger.record(compute_month(month_folder(tmp_path, 10), RULES, ledger=ledger))
    with pytest.raises(InputError) as caught:
        compute_month(month_folder(tmp_path, 12), RULES, ledger=ledger)
    [problem] = caught.value.diagnostics
    assert problem.code == "E181" and "needs 2026-11 in the ledger" in problem.message


def test_another_scheme_in_the_same_ledger_does_not_count(tmp_path: Path):
    # October and November of the quarterly scheme are in the ledger; the same rules under
    # another scheme id (another shop's scheme) have neither, so their December is refused
    # rather than paid on this scheme's months.
    ledger, _ = run_quarter(tmp_path, months=(10, 11))
    other = tmp_path / "other.toml"
    shipped = ROOT / "rules" / "taobao-presales-quarterly.toml"
    shutil.copy(shipped.parent / "taobao-presales.toml", tmp_path)  # what it includes
    text = ignoring_the_temp(shipped.read_text("utf-8"))
    assert text.count('id = "taobao-presales-quarterly"') == 1
    other.write_text(text.replace('id = "taobao-presales-quarterly"', 'id = "other"'), "utf-8")
    with pytest.raises(InputError) as caught:
        compute_month(month_folder(tmp_path, 12), other, ledger=ledger)
    [problem] = caught.value.diagnostics
    assert problem.code == "E181" and "needs 2026-10, 2026-11 in the ledger" in problem.message


def test_a_quarter_in_the_earlier_ledger_layout_still_pays(tmp_path: Path):
    # A ledger written before schemes were kept apart holds October and November directly
    # under its root (the manifest names the scheme): December reads them where they are
    # and pays what test_quarter_and_year_rewards_in_december pays.
    ledger, _ = run_quarter(tmp_path, months=(10, 11))
    root = tmp_path / "ledger"
    for period in ("2026-10", "2026-11"):
        (root / "taobao-presales-quarterly" / period).rename(root / period)
    december = compute_month(month_folder(tmp_path, 12), RULES, ledger=Ledger(root))
    assert column(december, "quarter_top_bonus") == D(
        "753.15", "1007.27", "1460.31", "0.00", "0.00"
    )
    Ledger(root).record(december)
    assert Ledger(root).months() == ["2026-10", "2026-11", "2026-12"]
    assert (root / "taobao-presales-quarterly" / "2026-12" / "manifest.json").is_file()
    assert (root / "2026-10" / "manifest.json").is_file()  # moved only when written


def test_explain_names_the_earlier_months(tmp_path: Path):
    from csincentive.reports.explain import explain_agent

    _, results = run_quarter(tmp_path)
    payslip = explain_agent(results[12], "A2")
    bonus = next(line for line in payslip.lines if line.id == "quarter_top_bonus")
    quarter = next(i for i in bonus.inputs if i.name == "quarter_sum(month_salary)")
    # 2010.60 + 2193.93 + 2510.60 = 6715.13 (module docstring).
    assert quarter.source == "this month and the ledger's earlier months"
    assert quarter.value == Decimal("6715.13")


CALENDAR_RULES = """
[scheme]
id = "c"
name = "年终"
valid_from = "2026-01-01"

[components.year_end_bonus]
label = "年终奖"
kind = "formula"
expr = "if(month_of_year == 12, 100, 0)"

[components.months_left]
label = "剩余月数"
kind = "formula"
pay = false
format = "number"
expr = "12 - month_of_year"
"""


@pytest.mark.parametrize(("month", "bonus", "left"), [(10, "0.00", "2"), (12, "100.00", "0")])
def test_month_of_year_is_a_calendar_fact(tmp_path: Path, month: int, bonus: str, left: str):
    rules = tmp_path / "calendar.toml"
    rules.write_text(ignoring_the_temp(CALENDAR_RULES), encoding="utf-8")
    result = compute_month(month_folder(tmp_path, month), rules)
    # The same for everyone: 12 − 10 = 2 months left after October, 0 after December.
    assert set(result.payroll["year_end_bonus"]) == {Decimal(bonus)}
    assert set(result.values["months_left"]) == {Decimal(left)}
    a1 = result.lines.filter((pl.col("agent_id") == "A1") & (pl.col("component") == "months_left"))
    assert a1["explanation"][0] == f"12 - 月份，其中 月份={month} = {left}"
    # Not a column of metrics.csv, which keeps its columns (month_of_quarter is one).
    assert "month_of_quarter" in result.metrics.columns
    assert "month_of_year" not in result.metrics.columns
