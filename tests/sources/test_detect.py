"""What ``inspect`` takes a file for (sources/detect.py, issue 15 item 6): a per-agent
report is known by its content, whatever the file is called — its header found the way the
report's reader finds it (report_header.find_header) — while every other input is still
known by its name in the period folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers import ROOT

from csincentive.sources.detect import Inspection, inspect_file

FIXTURES = ROOT / "tests" / "fixtures"
REPORTS = ROOT / "tests" / "sources" / "reports"
EXAMPLES = ROOT / "examples"

# Each committed report, and a name a shop might save it under.
SAVED_AS = [
    (FIXTURES / "chitu-presales.xls", "售前绩效_2026-10.xls"),
    (FIXTURES / "sycm-late.xls", "客服绩效.xls"),
    (EXAMPLES / "taobao-report" / "2026-10" / "agent_report.xlsx", "chitu-presales.xlsx"),
    (EXAMPLES / "sycm-report" / "2026-10" / "agent_report.xlsx", "客服绩效.xlsx"),
    (REPORTS / "chitu-presales.csv", "赤兔导出.csv"),
    (REPORTS / "sycm-performance.csv", "performance.csv"),
    (REPORTS / "sycm-sales.csv", "客服销售.csv"),
]


def described(found: Inspection) -> dict[str, object]:
    """The inspection but the file's own name."""
    return {k: v for k, v in found.as_dict().items() if k != "file"}


def as_agent_report(source: Path, parent: Path) -> Path:
    """The report under the name the period folder gives it."""
    target = parent / "named" / f"agent_report{source.suffix}"
    target.parent.mkdir()
    return Path(shutil.copy(source, target))


@pytest.mark.parametrize(("source", "name"), SAVED_AS, ids=[n for _, n in SAVED_AS])
def test_a_report_under_any_name_is_inspected_as_under_its_own(
    tmp_path: Path, source: Path, name: str
):
    renamed = Path(shutil.copy(source, tmp_path / name))
    found = inspect_file(renamed)
    assert found.kind == "agent report"
    assert described(found) == described(inspect_file(as_agent_report(source, tmp_path)))


def test_the_chitu_report_saved_as_xls_is_read_as_its_reader_reads_it(tmp_path: Path):
    """chitu-presales.xls (tests/fixtures/README.md): title rows 1-3, the two-row header on
    rows 4-5 (客服 merged down, 询单 over its two columns), seven agents on rows 6-12, and
    汇总 and 均值 on rows 13 and 14 — read off the fixture, the same as agent_report.xlsx."""
    found = inspect_file(shutil.copy(FIXTURES / "chitu-presales.xls", tmp_path / "a.xls"))
    assert (found.variant, found.sheet, found.header_row, found.header_rows) == (
        "赤兔 售前绩效",
        "售前绩效",
        5,
        2,
    )
    assert (found.rows, found.summary_rows, found.months) == (7, [13, 14], ["2026-10"])
    read = {c.column: c.canonical for c in found.columns}
    assert (read["A"], read["B"], read["D"]) == ("agent", "sessions", "paying_buyers")
    assert found.problems == []


def test_the_sycm_report_is_told_apart_by_its_content(tmp_path: Path):
    """examples/sycm-report: 旺旺昵称 beside 询单人数 … on row 4, eight agents, six summary
    rows (汇总值 … 同行同层均值) on rows 12-17 — without 'agent_report' in its name."""
    source = EXAMPLES / "sycm-report" / "2026-10" / "agent_report.xlsx"
    found = inspect_file(shutil.copy(source, tmp_path / "download (3).xlsx"))
    assert (found.kind, found.variant, found.header_row) == (
        "agent report",
        "生意参谋 客服绩效",
        4,
    )
    assert (found.rows, found.summary_rows) == (8, [12, 13, 14, 15, 16, 17])


@pytest.mark.parametrize("name", ["chats.csv", "export.csv"])
def test_a_chat_export_with_report_headers_is_still_chats(tmp_path: Path, name: str):
    """examples/2026-10/chats.csv names 客服昵称, 首次响应时长 and 平均响应时长 — an account
    and two figures a report has — but its 买家昵称, 接待时间 … are a chat export's: seven
    columns the chats reader reads against three a report's would."""
    chats = Path(shutil.copy(EXAMPLES / "2026-10" / "chats.csv", tmp_path / name))
    found = inspect_file(chats)
    assert (found.kind, found.variant) == ("chats", "sessions")
    assert found.problems == []


@pytest.mark.parametrize(
    ("source", "kind"),
    [
        (EXAMPLES / "xlsx" / "2026-10" / "agents.xlsx", "roster"),
        (EXAMPLES / "xlsx" / "2026-10" / "orders.xlsx", "orders"),
        (EXAMPLES / "qianniu" / "2026-10" / "chats.csv", "chats"),
        (EXAMPLES / "baobei" / "2026-10" / "orders.csv", "orders"),
    ],
)
def test_the_other_inputs_are_known_as_before(source: Path, kind: str):
    assert inspect_file(source).kind == kind
