"""A month paid from a 生意参谋 客服绩效 report (examples/sycm-report/2026-10) under the shipped
rules/taobao-presales.toml, unchanged (S000-01..06). There are no chats and no orders: each
agent's figures are the report's row of their chat_nick (旺旺昵称). No events.csv: no fines.

The report (agent_report.xlsx, sheet 客服绩效: two title rows, the header on row 4, the agents
on rows 5–11; the six summary rows below are dropped, 汇总值 checked; the note skipped):
  agent  询单  付款  conversion (counts)       询单最终付款金额  成功退款金额  net sales
  S1       12     5  5/12 = 41.67%              1,500.00           0.00   (supervisor)
  A1      200    96  96/200 = 48%              24,680.50       1,180.50  23,500.00
  A2      140    63  63/140 = 45%              10,250.00         850.00   9,400.00
  A3      160    88  88/160 = 55%               8,900.00        -  (0)    8,900.00
  A4      150    57  57/150 = 38%              10,420.00         420.00  10,000.00
  A5      130    52  52/130 = 40%               7,200.00           0.00   7,200.00
  A6      110    37  37/110 = 33.64%            6,034.50           0.00   6,034.50
  汇总值: 68,985.00 and 2,450.50, the sums of the rows above. 全店汇总值 (97,310.00, the
  whole shop with its silent sales) is not a sum of the rows: it is only dropped.

base (S000-01): 2500, A2 on probation all October (hired 2026-09-01, 3 months) 2000.
commission (S000-02) = 1% of net sales: A1 235.00, A2 94.00, A3 89.00, A4 100.00, A5 72.00,
  A6 60.345 → 60.35 (half up to the fen); the supervisor none (agents only).
conversion_rank (S000-03, agents at ≥ 40%): A3 55% 1st → 150, A1 48% 2nd → 100; A2 45% and
  A5 40% (exactly 40%: 以上 counts it) rank 3rd and 4th, no prize; A4 38% and A6 33.64% are
  below 40%.
supervisor_commission (S000-04): the team's agents paid 96+63+88+57+52+37 = 393 of
  200+140+160+150+130+110 = 890 inquiring → 44.16% → [40%, 50%) → ×1.4 (S1's own row is
  not an agent's); mean agent commission 650.35 / 6 = 108.3917 × 1.4 = 151.748 → 151.75
  (60.345 unrounded gives 151.747, the same fen).
target_bonus (S000-06) = rate × (base + commission), attainment = net sales / target:
  A1 23500/20000 = 117.5% → 15% × 2735 = 410.25;  A2 9400/10000 = 94% → 10% × 2094 = 209.40
  A3 8900/10000 = 89% → 5% × 2589 = 129.45;        A4 10000/10000 = 100% → 15% × 2600 = 390.00
  A5 72% → 0.00;  A6 no target → 0.00.
gross: A1 2500+235+100+410.25 = 3245.25; A2 2000+94+209.40 = 2303.40;
  A3 2500+89+150+129.45 = 2868.45; A4 2500+100+390 = 2990.00; A5 2500+72 = 2572.00;
  A6 2500+60.35 = 2560.35; S1 2500+151.75 = 2651.75. Sum 19,191.20.
"""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from blake3 import blake3
from helpers import ROOT, D, line

from csincentive.core.diagnostics import InputError
from csincentive.ledger.store import Ledger
from csincentive.month.compute import compute_month

MONTH = ROOT / "examples" / "sycm-report" / "2026-10"
RULES = ROOT / "rules" / "taobao-presales.toml"


@pytest.fixture(scope="module")
def result():
    return compute_month(MONTH, RULES)


def test_the_pay_worked_by_hand(result):
    payroll = result.payroll
    assert payroll["agent_id"].to_list() == ["A1", "A2", "A3", "A4", "A5", "A6", "S1"]
    assert payroll["base"].to_list() == D(
        "2500.00", "2000.00", "2500.00", "2500.00", "2500.00", "2500.00", "2500.00"
    )
    assert payroll["commission"].to_list() == D(
        "235.00", "94.00", "89.00", "100.00", "72.00", "60.35", "0.00"
    )
    assert payroll["conversion_rank"].to_list() == D(
        "100.00", "0.00", "150.00", "0.00", "0.00", "0.00", "0.00"
    )
    assert payroll["supervisor_commission"].to_list() == D(
        "0.00", "0.00", "0.00", "0.00", "0.00", "0.00", "151.75"
    )
    assert payroll["target_bonus"].to_list() == D(
        "410.25", "209.40", "129.45", "390.00", "0.00", "0.00", "0.00"
    )
    assert payroll["gross"].to_list() == D(
        "3245.25", "2303.40", "2868.45", "2990.00", "2572.00", "2560.35", "2651.75"
    )


def test_the_figures_are_the_reports(result):
    metrics = result.metrics.filter(pl.col("agent_id") == "A1").row(0, named=True)
    assert metrics["inquiring_buyers"] == 200  # 询单人数
    assert metrics["paying_buyers"] == 96  # 询单最终付款人数
    assert metrics["conversion"] == Decimal("0.4800")  # 96/200, as the report's 48.00%
    assert metrics["sales"] == Decimal("24680.50")  # "24,680.50"
    assert metrics["refunds"] == Decimal("1180.50")
    assert metrics["net_sales"] == Decimal("23500.00")
    assert metrics["satisfaction"] == Decimal("0.9850")  # 98.50%
    assert metrics["avg_first_response_s"] == 12.4  # 首次响应时长（秒)
    assert metrics["avg_response_s"] == 28.6
    assert metrics["sessions"] == 0  # 客服绩效 has no 接待人数
    a6 = result.metrics.filter(pl.col("agent_id") == "A6").row(0, named=True)
    assert a6["conversion"] == Decimal("0.3364")  # 37/110, in metrics.csv to 4 places
    assert line(result, "A3", "conversion_rank")["amount"] == "150.00"
    assert line(result, "A5", "conversion_rank")["amount"] == "0.00"  # 4th at 40%


def test_the_reconciliation_says_the_figures_came_from_the_report(result):
    assert result.reconciliation.rows(named=True) == [
        {
            "outcome": "reported",
            "accounts": 7,
            "orders": None,
            "paid_amount": Decimal("68985.00"),
            "refund_amount": Decimal("2450.50"),
            "source": "agent_report.xlsx (生意参谋 客服绩效)",
        }
    ]
    assert result.orders.height == 0
    assert result.warnings == []


def test_the_ledger_keeps_the_reports_hash(result, tmp_path: Path):
    recorded = Ledger(tmp_path / "ledger").record(result, options={"month": None})
    manifest = json.loads((recorded.folder / "manifest.json").read_text(encoding="utf-8"))
    assert {name: entry["blake3"] for name, entry in manifest["inputs"].items()} == {
        "agents": blake3((MONTH / "agents.csv").read_bytes()).hexdigest(),
        "agent_report": blake3((MONTH / "agent_report.xlsx").read_bytes()).hexdigest(),
    }
    assert manifest["gross"] == "19191.20"  # the gross column above, summed


def _month_with(tmp_path: Path, files: dict[str, Path]) -> Path:
    """The month's agents.csv, and each file of ``files`` under its name there (no
    agent_report.*)."""
    folder = tmp_path / "2026-10"
    folder.mkdir()
    shutil.copy(MONTH / "agents.csv", folder / "agents.csv")
    for name, source in files.items():
        shutil.copy(source, folder / name)
    return folder


def test_a_report_kept_under_its_downloaded_name_pays_the_same(result, tmp_path: Path):
    # The same report, named as 生意参谋 downloads it: no chats, no orders, no
    # agent_report.*, so the folder's one file whose header is a report's is the report.
    downloaded = "客服绩效_2026年10月.xlsx"
    folder = _month_with(tmp_path, {downloaded: MONTH / "agent_report.xlsx"})
    found = compute_month(folder, RULES)
    assert found.payroll.equals(result.payroll)  # 19,191.20, worked by hand above
    assert found.lines.equals(result.lines)
    assert [(w.code, Path(w.file).name) for w in found.warnings] == [("W409", downloaded)]
    assert "(生意参谋 客服绩效)" in found.warnings[0].message
    assert "rename it agent_report.xlsx" in found.warnings[0].message
    assert found.reconciliation["source"].to_list() == [f"{downloaded} (生意参谋 客服绩效)"]


def test_two_files_that_read_as_reports_are_not_guessed_between(tmp_path: Path):
    report = MONTH / "agent_report.xlsx"
    folder = _month_with(tmp_path, {"客服绩效_9月.xlsx": report, "客服绩效_10月.xlsx": report})
    with pytest.raises(InputError) as caught:
        compute_month(folder, RULES)
    (problem,) = caught.value.diagnostics
    assert problem.code == "D807"
    assert "客服绩效_10月.xlsx, 客服绩效_9月.xlsx" in problem.message


def test_a_folder_without_exports_or_a_report_still_asks_for_them(tmp_path: Path):
    # agents.csv itself is never taken for a report; neither is an order export kept as
    # 订单.xlsx, which the error names instead (its header is an order export's).
    orders = ROOT / "examples" / "xlsx" / "2026-10" / "orders.xlsx"
    folder = _month_with(tmp_path, {"订单.xlsx": orders})
    with pytest.raises(InputError) as caught:
        compute_month(folder, RULES)
    assert [(d.code, Path(d.file).name) for d in caught.value.diagnostics] == [
        ("D101", "chats.csv"),
        ("D101", "orders.csv"),
    ]
    assert "订单.xlsx has the header of an order export: rename it orders.xlsx" in (
        caught.value.diagnostics[1].message
    )


def test_beside_the_exports_a_report_is_read_only_under_its_own_name(tmp_path: Path):
    # With chats and orders there, a report is compared with them only as agent_report.*:
    # a stray workbook in the folder does not start a comparison.
    source = ROOT / "examples" / "2026-10"
    folder = tmp_path / "2026-10"
    shutil.copytree(source, folder, ignore=shutil.ignore_patterns("out"))
    shutil.copy(MONTH / "agent_report.xlsx", folder / "客服绩效_2026年10月.xlsx")
    paid = compute_month(folder, RULES)
    assert paid.payroll.equals(compute_month(source, RULES).payroll)
    assert not [w for w in paid.warnings if w.code.startswith(("W40", "D8"))]
