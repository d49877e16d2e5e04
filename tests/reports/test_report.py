"""The month report (reports/report.py, charts.py; `csincentive report`): the skeleton's
golden bytes (each chart drawn as a stand-in), the charts' data as the month recorded it,
the month over month read from the ledger, and the page written by the command.

Figures of the hand-worked month tests/months/2026-10 (worked out from the rule text in
tests/schemes/test_golden_month.py): base (S000-01) 2500.00 + 2500.00 + 2000.00 + 2258.06 +
1612.90 + 1354.84 = 12225.80; commission (S000-02) 10.51 + 10.60 + 14.50 + 0.00 + 3.30 =
38.91; conversion rank (S000-03) 150 + 100 + 100 = 350.00; supervisor commission (S000-04)
12.46; gross 12627.17 for 6 people."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers import MONTH_RULES, ROOT
from typer.testing import CliRunner

import csincentive
from csincentive.cli import app
from csincentive.core.messages import words_of
from csincentive.ledger.store import Ledger
from csincentive.month.compute import compute_month
from csincentive.month.result import MonthResult
from csincentive.reports import charts
from csincentive.reports.report import ledger_history, month_report, report_charts

MONTH = ROOT / "tests" / "months" / "2026-10"
GOLDEN = Path(__file__).parent / "golden"
WORDS = words_of("report", "zh")

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args), env={"COLUMNS": "200", "NO_COLOR": "1"})


def stand_in(chart: charts.Chart) -> str:
    return f'<svg data-chart="{chart.name}"></svg>'


@pytest.fixture(scope="module")
def result() -> MonthResult:
    return compute_month(MONTH, MONTH_RULES)


def test_the_report_skeleton_is_the_golden_page(result: MonthResult):
    page = month_report(result, ledger_history(result, None), render=stand_in)
    golden = (GOLDEN / "report-skeleton.html").read_text(encoding="utf-8")
    assert page == golden.replace("__VERSION__", csincentive.__version__)


def test_every_chart_is_there_in_order(result: MonthResult):
    names = [c.name for c in report_charts(result, ledger_history(result, None), WORDS)]
    assert names == [
        "cost-by-component",
        "cost-by-team",
        "pay-distribution",
        "ranking-conversion_rank",
        "conversion-vs-sales",
        "month-over-month",
    ]


def test_cost_by_component_is_the_sum_of_each_line(result: MonthResult):
    chart = charts.cost_by_component(result, WORDS)
    amounts = {v["id"]: v["amount"] for v in chart.spec["data"]["values"]}
    assert amounts["base"] == pytest.approx(12225.80)
    assert amounts["commission"] == pytest.approx(38.91)
    assert amounts["conversion_rank"] == pytest.approx(350.00)
    assert amounts["supervisor_commission"] == pytest.approx(12.46)
    assert sum(amounts.values()) == pytest.approx(12627.17)


def test_the_ranking_is_the_field_the_engine_recorded(result: MonthResult):
    """S000-03 ranks the agents (not the supervisor) by conversion: A1 60% first, A2 and A5
    tied second at 50%, A3 40% fourth, A4 25% fifth."""
    (line,) = charts.ranked_lines(result)
    bars = charts.ranking(result, line, WORDS).spec["data"]["values"]
    assert [(b["who"], b["value"]) for b in bars] == [
        ("#1 A1 小美", 0.6),
        ("#2 A2 阿杰", 0.5),
        ("#2 A5 小林", 0.5),
        ("#4 A3 晓雨", 0.4),
        ("#5 A4 老王", 0.25),
    ]


def test_month_over_month_reads_the_ledgers_earlier_months(result: MonthResult, tmp_path: Path):
    """September from the ledger: the same folder paid as 2026-09, whose chats and orders
    are all in October, so nobody sells (conversion 0) and only the base is paid (S000-01):
    A1 2500, A2 on probation 2000, A3 on probation until 10-15 2000, A4 (leaves 10-20)
    2500, A5 (hired 10-11) 0, S1 2500 → 11500.00, 11500 / 6 = 1916.666… → 1916.67 a head."""
    folder = tmp_path / "2026-09"
    shutil.copytree(MONTH, folder)
    ledger = Ledger(tmp_path / "ledger")
    ledger.record(compute_month(folder, MONTH_RULES, ledger=ledger, recording=True))
    history = ledger_history(result, ledger)
    assert history["period"].to_list() == ["2026-09", "2026-10"]
    assert [str(c) for c in history["cost"]] == ["11500.00", "12627.17"]
    assert [str(c) for c in history["per_head"]] == ["1916.67", "2104.53"]  # 12627.17 / 6
    # October: everyone's paying / inquiring buyers, 3+2+2+1+1+0 = 9 of 5+4+5+4+2+1 = 21
    # (S1 chatted with one buyer, who did not pay).
    assert history["conversion"].to_list() == [0.0, pytest.approx(9 / 21)]
    assert charts.month_over_month(history, WORDS).note == ""


def test_the_command_writes_a_self_contained_page(tmp_path: Path):
    month = tmp_path / "2026-10"
    shutil.copytree(MONTH, month)
    done = invoke("report", str(month), "--rules", str(MONTH_RULES))
    assert done.exit_code == 0, done.output
    page = (month / "out" / "report.html").read_text(encoding="utf-8")
    assert page.count("<svg") == 6 and page.count('<details class="slip"') == 6
    assert "<script" not in page and 'src="' not in page and "<link" not in page
    assert "font-family" in page and '"Noto Sans CJK SC"' in page
    again = invoke("report", str(month), "--rules", str(MONTH_RULES))
    assert again.exit_code == 1 and "O100" in again.output
    assert invoke("report", str(month), "--rules", str(MONTH_RULES), "--force").exit_code == 0


def test_the_command_writes_the_report_in_english_with_lang_en(tmp_path: Path):
    month = tmp_path / "2026-10"
    shutil.copytree(MONTH, month)
    done = invoke("report", str(month), "--rules", str(MONTH_RULES), "--lang", "en")
    assert done.exit_code == 0, done.output
    page = (month / "out" / "report.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in page and "<figcaption>Cost by component</figcaption>" in page
    assert "月度报告" not in page


def test_the_report_in_english():
    # The month computed in English (its explanations and what a rank was among are
    # written in the month's language while it is computed), the report in English.
    result = compute_month(MONTH, MONTH_RULES, lang="en")
    page = month_report(result, ledger_history(result, None), "en", render=stand_in)
    assert '<html lang="en">' in page
    assert "<figcaption>Cost by component</figcaption>" in page
    assert "<figcaption>转化率排名奖: ranked by conversion (role=agent)</figcaption>" in page
    assert '<div class="k">Gross</div><div class="v">12,627.17</div>' in page
    assert "<h2>Pay lines</h2>" in page  # the payslips inside, in English too
    assert "月度报告" not in page and "工资明细" not in page
