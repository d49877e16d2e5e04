"""payroll.xlsx read back with openpyxl: numbers are numbers in their formats (money with
negatives in red, percentages, counts, dates), booleans are booleans, headers are the
month's language, a totals row, the autofilter, frozen panes, widths and the print setup."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from helpers import MONTH_RULES

from csincentive.month.compute import compute_month
from csincentive.reports.files import write_xlsx
from csincentive.reports.workbook import FORMATS

ROOT = Path(__file__).resolve().parents[2]
MONTH = ROOT / "tests" / "months" / "2026-10"
MONEY, PERCENT = FORMATS["money"], FORMATS["ratio"]


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, openpyxl.Workbook]:
    folder = tmp_path_factory.mktemp("books")
    out = {}
    for lang in ("zh", "en"):
        result = compute_month(MONTH, MONTH_RULES, lang=lang)
        write_xlsx(result, folder / f"{lang}.xlsx")
        out[lang] = openpyxl.load_workbook(folder / f"{lang}.xlsx")
    return out


def header(sheet) -> list[str]:  # type: ignore[no-untyped-def]
    return [cell.value for cell in sheet[1]]


def column(sheet, name: str) -> list:  # type: ignore[no-untyped-def, type-arg]
    index = header(sheet).index(name)
    return [row[index] for row in sheet.iter_rows(min_row=2)]


def test_the_sheets_in_either_language(books: dict[str, openpyxl.Workbook]):
    assert books["zh"].sheetnames == [
        "工资表",
        "工资明细",
        "业绩指标",
        "警告",
        "待复核标记",
        "订单核对",
        "订单归属",
    ]
    assert books["en"].sheetnames == [
        "Payroll",
        "Lines",
        "Metrics",
        "Warnings",
        "Flags",
        "Reconciliation",
        "Orders",
    ]


def test_the_payroll_sheet(books: dict[str, openpyxl.Workbook]):
    sheet = books["zh"]["工资表"]
    assert header(sheet)[:6] == ["工号", "姓名", "团队", "岗位", "底薪", "个人接单提成"]
    assert header(sheet)[-1] == "应发合计"
    gross = column(sheet, "应发合计")
    # tests/months/2026-10, worked by hand in tests/schemes/test_golden_month.py: A1 2660.51 …
    # and the totals row, 12627.17.
    assert [c.value for c in gross] == [
        2660.51,
        2110.6,
        2272.56,
        1612.9,
        1458.14,
        2512.46,
        12627.17,
    ]
    assert all(c.data_type == "n" and c.number_format == MONEY for c in gross)
    assert MONEY == "#,##0.00;[Red]-#,##0.00"  # negatives in red
    last = sheet.max_row
    assert (sheet.cell(last, 1).value, sheet.cell(last, 2).value) == ("合计", "6 人")
    assert sheet.cell(last, 1).font.b
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, sheet.max_column).column_letter}7"
    assert sheet.freeze_panes == "C2"  # the header row and 工号, 姓名
    assert [c.value for c in column(sheet, "岗位")][:6] == ["客服"] * 5 + ["主管"]
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.page_setup.fitToWidth in (None, 1)  # 1 is the default, left unwritten
    assert sheet.page_setup.fitToHeight == 0
    assert sheet.print_title_rows == "$1:$1"
    # Widths from the content: the name column is narrow, the team (售前一组, 8 wide) wider.
    assert sheet.column_dimensions["C"].width > sheet.column_dimensions["B"].width


def test_the_lines_sheet_holds_numbers_and_booleans(books: dict[str, openpyxl.Workbook]):
    sheet = books["zh"]["工资明细"]
    assert header(sheet)[4:] == ["项目", "名称", "规则", "计入工资", "金额", "说明"]
    rows = {(r[0].value, r[4].value): r for r in sheet.iter_rows(min_row=2)}
    commission = rows[("A1", "commission")]
    assert commission[7].value is True and commission[7].data_type == "b"
    # 1050.50 × 1% = 10.505 → 10.51 (S000-02), a number in the money format.
    assert (commission[8].value, commission[8].number_format) == (10.51, MONEY)
    assert commission[9].value == "净销售额 1050.50 × 1% = 10.51"
    conversion = rows[("S1", "team_conversion")]  # 44.4% of the team (S000-04)
    assert conversion[7].value is False
    assert (conversion[8].value, conversion[8].number_format) == (0.444, PERCENT)
    coefficient = rows[("S1", "supervisor_coefficient")]
    assert coefficient[8].value == 1.4 and coefficient[8].data_type == "n"


def test_the_metrics_sheet_formats_each_unit(books: dict[str, openpyxl.Workbook]):
    sheet = books["zh"]["业绩指标"]
    sessions = column(sheet, "接待会话数")[0]
    assert sessions.data_type == "n" and sessions.number_format == "0"
    conversion = column(sheet, "询单转化率")[0]
    assert conversion.number_format == PERCENT and 0 <= conversion.value <= 1
    assert column(sheet, "客单价")[0].number_format == MONEY  # not 114.2333333333


def test_reconciliation_orders_and_english(books: dict[str, openpyxl.Workbook]):
    recon = books["zh"]["订单核对"]
    assert header(recon) == ["订单结果", "订单数", "实付金额", "退款金额"]
    assert recon.cell(recon.max_row, 1).value == "合计"
    assert recon.cell(recon.max_row, 2).value == 16  # every order of the test month
    orders = books["zh"]["订单归属"]
    created = column(orders, "下单时间")[0]
    assert created.is_date and created.value == dt.datetime(2026, 10, 5, 11, 0)
    assert created.number_format == "yyyy-mm-dd hh:mm:ss"
    assert column(orders, "订单结果")[0].value == "已归属客服"
    assert column(orders, "实付金额")[0].number_format == MONEY
    english = books["en"]["Payroll"]
    assert header(english)[:4] == ["agent_id", "name", "team", "role"]
    assert english.cell(english.max_row, 2).value == "6 people"
    lines = books["en"]["Lines"]
    assert "net_sales 1050.50 × 1% = 10.51" in [c.value for c in column(lines, "explanation")]


def test_a_deduction_is_a_negative_number(tmp_path: Path):
    # S000-12 in the shipped example month: a fine is a negative amount, shown in red.
    month = ROOT / "examples" / "taobao-presales" / "2026-10"
    result = compute_month(month, ROOT / "rules" / "taobao-presales.toml")
    write_xlsx(result, tmp_path / "p.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "p.xlsx")["工资表"]
    fines = [c for c in column(sheet, "上班看视频/玩游戏罚款") if c.data_type == "n"]
    assert any(c.value < 0 for c in fines) and all(c.number_format == MONEY for c in fines)
    expected = result.payroll["video_game_fine"].sum()
    assert (
        Decimal(
            str(sheet.cell(sheet.max_row, header(sheet).index("上班看视频/玩游戏罚款") + 1).value)
        )
        == expected
    )
