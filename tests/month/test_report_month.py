"""A month whose figures come from a per-agent report (month/report_figures.py): accounts
matched to the roster by chat_nick, rows of accounts nobody is (D843 when they sold, W405
when not, ignore_accounts), an agent without a row (W408), rates the report gives as they
are, and the figures the rules read that a report lacks (D841). The roster is
examples/taobao-presales/2026-10's; each expected figure is read off the report written
in the test."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from helpers import ROOT, SHIPPED_RULES

from csincentive.core.diagnostics import InputError
from csincentive.month.compute import compute_month

ROSTER = ROOT / "examples" / "taobao-presales" / "2026-10" / "agents.csv"
# A 生意参谋 客服绩效 report of every roster person, as written by hand: A1 3 inquiring of
# whom 2 paid 20,000.00 (…), S1 the supervisor.
PERFORMANCE = """旺旺昵称,询单人数,询单最终付款人数,询单最终付款转化率,客户满意率,询单最终付款金额,成功退款金额
云杉:林主管,1,0,0.0000,-,0.00,0.00
云杉:小美,3,2,0.6667,0.9500,"20,000.00",0.00
云杉:阿杰,2,1,0.5000,0.9000,"9,500.00",0.00
云杉:晓雨,4,1,0.2500,0.8000,"10,000.00","1,000.00"
云杉:老王,5,3,0.6000,1.0000,"8,000.00",0.00
云杉:小林,3,1,0.3333,0.7500,"7,999.00",0.00
云杉:阿花,5,2,0.4000,-,"5,000.00",0.00
"""


def month(tmp_path: Path, report: str, name: str = "agent_report.csv") -> Path:
    folder = tmp_path / "2026-10"
    folder.mkdir()
    shutil.copy(ROSTER, folder / "agents.csv")
    (folder / name).write_text(report, encoding="utf-8")
    return folder


def rules_with(tmp_path: Path, inputs: str) -> Path:
    path = tmp_path / "rules.toml"
    path.write_text(SHIPPED_RULES.read_text(encoding="utf-8") + f"\n[inputs]\n{inputs}\n")
    return path


def errors(folder: Path, rules: Path) -> list[str]:
    with pytest.raises(InputError) as caught:
        compute_month(folder, rules)
    return [d.render() for d in caught.value.diagnostics]


def test_a_month_paid_from_a_performance_report(tmp_path: Path):
    # The figures of examples/taobao-presales/2026-10 (its test works the pay by hand), now
    # written in a report: the same pay, without chats or orders. 2/3 is worked again from
    # the counts (0.6667 is the report's rounding).
    result = compute_month(month(tmp_path, PERFORMANCE), SHIPPED_RULES)
    assert result.payroll["commission"].to_list() == [
        Decimal(v) for v in ("200.00", "95.00", "90.00", "80.00", "79.99", "50.00", "0.00")
    ]
    assert result.payroll["supervisor_commission"].to_list()[-1] == Decimal("138.83")
    metrics = result.metrics.select("agent_id", "conversion", "satisfaction").rows()
    assert metrics[0] == ("A1", Decimal("0.6667"), Decimal("0.9500"))  # 2/3, as given
    assert metrics[5] == ("A6", Decimal("0.4000"), Decimal("0.0000"))  # '-': none
    assert result.values.filter(pl.col("agent_id") == "A1")["conversion"].to_list() == [
        Decimal("0.6666666667")
    ]


def test_an_account_nobody_is_that_sold_stops_the_month(tmp_path: Path):
    report = PERFORMANCE + "云杉:临时工,2,1,0.5,-,77.00,0.00\n"
    folder = month(tmp_path, report)
    assert errors(folder, SHIPPED_RULES) == [
        f"{folder / 'agent_report.csv'}:9:1: D843 旺旺昵称: account '云杉:临时工' matches no "
        "agent_id or chat_nick in the roster, and its 询单最终付款金额 77.00, 询单最终付款人数 1 "
        "would be paid to nobody — add chat_nick = '云杉:临时工' to its agent's row in "
        "agents.csv, or list it under [inputs] ignore_accounts"
    ]


def test_an_account_nobody_is_that_sold_nothing_is_a_warning(tmp_path: Path):
    report = PERFORMANCE + "云杉:小美2,2,0,0,-,0.00,0.00\n"
    result = compute_month(month(tmp_path, report), SHIPPED_RULES)
    [warning] = [d for d in result.warnings if d.code == "W405"]
    assert warning.message == (
        "account '云杉:小美2' matches no agent_id or chat_nick in the roster (no sales): its "
        "figures count for nobody — most likely A1 小美 (the closest: '小美'): add chat_nick = "
        "'云杉:小美2' to A1's row in agents.csv, or list it under [inputs] ignore_accounts"
    )
    assert result.reconciliation.select("outcome", "accounts").rows() == [
        ("not_in_roster", 1),
        ("reported", 7),
    ]


def test_an_ignored_account_is_paid_to_nobody_without_a_word(tmp_path: Path):
    report = PERFORMANCE + "云杉:机器人,9,1,0.1111,-,300.00,0.00\n"
    rules = rules_with(tmp_path, 'ignore_accounts = ["云杉:机器人"]')
    result = compute_month(month(tmp_path, report), rules)
    assert result.warnings == []
    assert result.reconciliation.rows() == [
        (
            "ignored_account",
            1,
            None,
            Decimal("300.00"),
            Decimal("0.00"),
            "agent_report.csv (生意参谋 客服绩效)",
        ),
        (
            "reported",
            7,
            None,
            Decimal("60499.00"),
            Decimal("1000.00"),
            "agent_report.csv (生意参谋 客服绩效)",
        ),
    ]


def test_an_agent_without_a_row_is_warned_of(tmp_path: Path):
    report = "\n".join(line for line in PERFORMANCE.splitlines() if "阿花" not in line) + "\n"
    folder = month(tmp_path, report)
    result = compute_month(folder, SHIPPED_RULES)
    assert [d.render() for d in result.warnings] == [
        f"{folder / 'agent_report.csv'}: warning: W408 A6 阿花 has no row in the report, so "
        "every figure of theirs is 0 — right if they did not work the month; otherwise check "
        "the report covers every agent (a filter on a group?) and their chat_nick in agents.csv"
    ]
    assert result.payroll.filter(pl.col("agent_id") == "A6")["commission"].to_list() == [
        Decimal("0.00")
    ]


def test_figures_the_rules_read_and_the_report_lacks(tmp_path: Path):
    report = "客服,接待人数,询单人数\n云杉:小美,10,3\n"
    folder = month(tmp_path, report)
    [error] = errors(folder, SHIPPED_RULES)
    assert error == (
        f"{folder / 'agent_report.csv'}: D841 the rules read figures this 赤兔 售前绩效 report "
        "does not have — paying_buyers (询单->最终付款人数 / 询单最终付款人数 / 销售人数); "
        "conversion (询单->最终付款成功率 / 询单最终付款转化率 / 询单->最终付款转化率 / 询单转化率, "
        "or 询单->最终付款人数 and 询单人数); net_sales (净销售额, or 销售额 and 成功退款金额) — "
        "download the report with those columns, or pay from chats.csv and orders.csv"
    )


def test_a_report_with_chats_but_no_orders(tmp_path: Path):
    folder = month(tmp_path, PERFORMANCE)
    shutil.copy(ROOT / "examples" / "taobao-presales" / "2026-10" / "chats.csv", folder)
    assert errors(folder, SHIPPED_RULES) == [
        f"{folder / 'orders.csv'}: D101 file not found — put orders.csv beside chats.csv to "
        "compare them with agent_report.csv, or take chats.csv out to pay from "
        "agent_report.csv alone"
    ]


def test_a_report_not_counted_yet_stops_the_month(tmp_path: Path):
    report = PERFORMANCE.replace("云杉:阿杰,2,1,0.5000", "云杉:阿杰,2,延迟统计,0.5000")
    folder = month(tmp_path, report)
    [error] = errors(folder, SHIPPED_RULES)
    assert error.startswith(
        f"{folder / 'agent_report.csv'}:4:3: D832 询单最终付款人数: '延迟统计' is not counted yet"
    )


def test_a_report_as_a_workbook_and_as_a_csv_is_refused(tmp_path: Path):
    # Two files for one input: which one is meant cannot be guessed (D805), whatever is in them.
    folder = month(tmp_path, PERFORMANCE)
    (folder / "agent_report.xlsx").write_bytes(b"")
    assert errors(folder, SHIPPED_RULES) == [
        f"{folder}: D805 the folder has agent_report.xlsx and agent_report.csv for one input "
        "— keep one of them"
    ]
