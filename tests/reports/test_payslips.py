"""Payslips (reports/payslips.py, payslip_book.py, payslip_files.py; `csincentive
payslips`): one HTML page per person and the 工资条.xlsx blocks, made from what the month
recorded — golden bytes for one page and one block, read back with openpyxl — with PII
masked, the same bytes for the same month, and `run` writing them under [outputs].

The hand-worked month is tests/months/2026-10 (its figures are worked out from the rule
text in tests/schemes/test_golden_month.py). 小美 (A1), a regular agent all October:
base 2500.00 (S000-01); commission 1% × net sales 1050.50 = 10.505 → 10.51 (S000-02,
half-up); conversion 3 of 5 buyers = 60%, rank 1 of the agents at ≥ 40% → 150.00
(S000-03); attainment 1050.50 / 5000 = 21% < 80% → target bonus 0 (S000-06); no events →
no fines (S000-12/13); gross 2500.00 + 10.51 + 150.00 = 2660.51."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest
from helpers import MONTH_RULES, ROOT
from typer.testing import CliRunner

import csincentive
from csincentive.cli import app
from csincentive.ledger.store import Ledger
from csincentive.month.compute import compute_month
from csincentive.month.result import MonthResult
from csincentive.reports.payslip_book import BOOK, MONEY_FORMAT, write_payslip_book
from csincentive.reports.payslip_files import write_payslips
from csincentive.reports.payslips import payslip_pages

MONTH = ROOT / "tests" / "months" / "2026-10"
GOLDEN = Path(__file__).parent / "golden"
NET_MONTH = ROOT / "examples" / "net-pay" / "2026-01"
NET_RULES = ROOT / "rules" / "net-pay.toml"

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args), env={"COLUMNS": "200", "NO_COLOR": "1"})


@pytest.fixture(scope="module")
def result() -> MonthResult:
    return compute_month(MONTH, MONTH_RULES)


@pytest.fixture(scope="module")
def net_result() -> MonthResult:
    return compute_month(NET_MONTH, NET_RULES)


def test_one_html_payslip_is_the_golden_page(result: MonthResult):
    pages = payslip_pages(result)
    page = pages.filter(pages["agent_id"] == "A1").row(0, named=True)
    assert page["file"] == "payslips/A1-小美.html"
    golden = (GOLDEN / "payslip-A1.html").read_text(encoding="utf-8")
    assert page["html"] == golden.replace("__VERSION__", csincentive.__version__)


def test_the_page_shows_the_hand_worked_lines_and_the_total(result: MonthResult):
    pages = payslip_pages(result)
    html = pages.filter(pages["agent_id"] == "A1")["html"].item()
    assert '底薪 <span class="rule">S000-01</span></th><td class="amount">2500.00</td>' in html
    assert '<td class="amount">10.51</td><td class="how">净销售额 1050.50 × 1% = 10.51' in html
    assert (
        '转化率排名奖 <span class="rule">S000-03</span></th><td class="amount">150.00</td>' in html
    )
    assert '<tr class="total"><th scope="row">应发合计</th><td class="amount">2660.51</td>' in html
    assert "3 日内以书面形式提出申诉（S000-17、S001-08）" in html
    # Offline: nothing is fetched from anywhere, no script at all.
    assert "http" not in html.replace("http-equiv", "") and "<script" not in html
    assert '"Noto Sans CJK SC"' in html  # Chinese in the system's fonts, none downloaded


def test_every_person_gets_a_page_by_agent_id(result: MonthResult):
    pages = payslip_pages(result)
    assert pages["agent_id"].to_list() == ["A1", "A2", "A3", "A4", "A5", "S1"]
    assert pages["file"].to_list()[-1] == "payslips/S1-林主管.html"
    supervisor = pages["html"].to_list()[-1]
    # S000-04: (10.51+10.60+14.50+0.00)/4 × 1.4 = 12.4635 → 12.46; S1 gets no commission line.
    assert (
        '主管提成 <span class="rule">S000-04</span></th><td class="amount">12.46</td>' in supervisor
    )
    assert '<th scope="row">个人接单提成 <span' not in supervisor  # (only read, in 主管提成)


def test_english_words_and_an_appeal_recipient(result: MonthResult):
    outputs = result.rules.outputs.model_copy(update={"appeal_to": "客服主管", "appeal_days": 5})
    rules = result.rules.model_copy(update={"outputs": outputs})
    changed = MonthResult(**{**result.__dict__, "rules": rules})
    zh = payslip_pages(changed, "zh")["html"][0]
    en = payslip_pages(changed, "en")["html"][0]
    assert "请在收到后 5 日内以书面形式向客服主管提出申诉" in zh
    assert "appeal in writing to 客服主管 within 5 days" in en
    assert "<h2>Pay lines</h2>" in en and '<html lang="en">' in en


def test_a_name_is_escaped_and_a_file_name_is_safe(result: MonthResult):
    hostile = result.payroll.with_columns(
        result.payroll["name"].str.replace("小美", '<b>"美/\\:*?</b>')
    )
    changed = MonthResult(**{**result.__dict__, "payroll": hostile})
    page = payslip_pages(changed).row(0, named=True)
    assert page["file"] == "payslips/A1-_b__美_______b_.html"
    assert "<b>" not in page["html"] and "&lt;b&gt;&quot;美/\\:*?&lt;/b&gt;" in page["html"]


def test_net_pay_shows_what_is_withheld_and_masks_the_account(net_result: MonthResult):
    pages = payslip_pages(net_result)
    html = pages.filter(pages["agent_id"] == "N1")["html"].item()
    assert "<dt>工资卡</dt><dd>招商银行上海分行 ****0011</dd>" in html
    assert '<th scope="row">个人所得税</th>' in html
    assert '<tr class="net"><th scope="row">实发工资</th>' in html
    pii = net_result.net.pii if net_result.net is not None else None
    assert pii is not None
    secrets = [v for c in ("id_number", "bank_account") for v in pii[c].to_list() if v]
    assert secrets
    for page in pages["html"]:
        assert not any(secret in page for secret in secrets)


def test_payslip_files_never_carry_an_id_number_or_an_account(
    net_result: MonthResult, tmp_path: Path
):
    write_payslips(net_result, tmp_path)
    assert net_result.net is not None
    secrets = [
        v.encode() for c in ("id_number", "bank_account") for v in net_result.net.pii[c] if v
    ]
    book = openpyxl.load_workbook(tmp_path / BOOK)
    cells = [str(c.value) for row in book.active.iter_rows() for c in row if c.value is not None]
    for path in [*(tmp_path / "payslips").iterdir()]:
        assert not any(s in path.read_bytes() for s in secrets)
    assert not any(s.decode() in cell for s in secrets for cell in cells)


def test_one_payslip_block_read_back(result: MonthResult, tmp_path: Path):
    """The first block of 工资条.xlsx: title, header, A1's values (numbers, #,##0.00 with
    negatives in red), then the blank row to cut along."""
    path = tmp_path / BOOK
    write_payslip_book(result, path)
    sheet = openpyxl.load_workbook(path).active
    assert sheet.title == "工资条"
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=1, max_row=5)]
    assert rows[0][0] == "淘宝客服激励制度 2026-10 工资条"
    assert rows[1] == [
        "工号", "姓名", "团队", "岗位", "底薪", "个人接单提成", "退款提成追回", "转化率排名奖",
        "主管提成", "个人业绩奖励", "上班看视频/玩游戏罚款", "吃零食/大声闲聊罚款",
        "服务原因客诉罚款", "应发合计",
    ]  # fmt: skip
    assert rows[2] == [
        "A1",
        "小美",
        "售前一组",
        "agent",
        2500,
        10.51,
        0,
        150,
        0,
        0,
        0,
        0,
        0,
        2660.51,
    ]
    assert rows[3] == [None] * 14  # the row to cut along
    assert rows[4][0] == "淘宝客服激励制度 2026-10 工资条"  # the next person's block
    values = list(sheet.iter_rows(min_row=3, max_row=3))[0]
    assert [c.data_type for c in values[:4]] == ["s"] * 4
    assert all(c.data_type == "n" and c.number_format == MONEY_FORMAT for c in values[4:])
    assert "A1:N1" in {str(r) for r in sheet.merged_cells.ranges}
    assert sheet.max_row == 6 * 4 - 1  # six people, the last cut row blank
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.fitToHeight == 0
    assert sheet.sheet_properties.pageSetUpPr.fitToPage  # one page wide


def test_the_same_month_gives_the_same_bytes(result: MonthResult, tmp_path: Path):
    write_payslips(result, tmp_path / "one")
    write_payslips(result, tmp_path / "two")
    for name in [
        "工资条.xlsx",
        *(f"payslips/{p.name}" for p in (tmp_path / "one/payslips").iterdir()),
    ]:
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()


def _month(tmp_path: Path) -> Path:
    copy = tmp_path / "2026-10"
    shutil.copytree(MONTH, copy)
    return copy


def test_the_command_writes_and_refuses_to_overwrite_without_force(tmp_path: Path):
    month = _month(tmp_path)
    done = invoke("payslips", str(month), "--rules", str(MONTH_RULES))
    assert done.exit_code == 0, done.output
    out = month / "out"
    assert sorted(p.name for p in out.iterdir()) == ["payslips", "工资条.xlsx"]
    assert len(list((out / "payslips").iterdir())) == 6
    again = invoke("payslips", str(month), "--rules", str(MONTH_RULES))
    assert again.exit_code == 1 and "O100" in again.output
    assert invoke("payslips", str(month), "--rules", str(MONTH_RULES), "--force").exit_code == 0


def test_the_command_writes_the_payslips_in_english_with_lang_en(tmp_path: Path):
    month = _month(tmp_path)
    done = invoke("payslips", str(month), "--rules", str(MONTH_RULES), "--lang", "en")
    assert done.exit_code == 0, done.output
    page = (month / "out" / "payslips" / "A1-小美.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in page and "<h2>Pay lines</h2>" in page
    assert "工资明细" not in page


def test_run_writes_payslips_when_the_rules_say_so_and_a_rerun_replaces_the_folder(
    tmp_path: Path,
):
    month = _month(tmp_path)
    rules = tmp_path / "rules.toml"  # the month's rules, with [outputs] payslips = true
    shutil.copytree(MONTH_RULES.parent / "shipped", tmp_path / "shipped")  # what it includes
    rules.write_text(
        MONTH_RULES.read_text(encoding="utf-8") + "\n[outputs]\npayslips = true\n",
        encoding="utf-8",
    )
    done = invoke("run", str(month), "--rules", str(rules), "--no-ledger")
    assert done.exit_code == 0, done.output
    slips = month / "out" / "payslips"
    assert (month / "out" / "工资条.xlsx").is_file() and len(list(slips.iterdir())) == 6
    (slips / "X9-someone who left.html").write_text("stale", encoding="utf-8")
    assert invoke("run", str(month), "--rules", str(rules), "--no-ledger", "--force").exit_code == 0
    assert sorted(p.name for p in slips.iterdir())[0] == "A1-小美.html"
    assert len(list(slips.iterdir())) == 6  # the folder was replaced whole
    assert not list((month / "out").glob(".csincentive-*"))


def test_a_sealed_month_whose_inputs_changed_gets_no_payslips(tmp_path: Path):
    month = _month(tmp_path)
    ledger = tmp_path / "ledger"
    args = ("--rules", str(MONTH_RULES), "--ledger", str(ledger))
    assert invoke("run", str(month), *args).exit_code == 0
    Ledger(ledger).close("2026-10")
    agents = month / "agents.csv"
    agents.write_text(agents.read_text(encoding="utf-8").replace("5000.00", "1000.00", 1), "utf-8")
    refused = invoke("payslips", str(month), *args, "--out", str(tmp_path / "slips"))
    assert refused.exit_code == 1
    assert "U120 2026-10 is sealed, and these inputs and rules pay" in refused.output
    assert "A1 target_bonus 0.00 → " in refused.output
    assert not (tmp_path / "slips").exists()
