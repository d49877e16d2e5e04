"""Per-agent reports read as downloaded (sources/agent_report.py, report_header.py):
a fixture per report with its real header and quirks (tests/sources/reports/), workbooks
with title rows and a merged two-row header built here, and every problem at its cell.

The fixtures' figures are written by hand; each expected value below is read off them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter

from csincentive.core.diagnostics import InputError
from csincentive.core.month import Month
from csincentive.sources.agent_report import read_agent_report

REPORTS = Path(__file__).parent / "reports"
ROOT_EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
OCTOBER = Month(2026, 10)


def read(path: Path, tmp_path: Path, **options):  # type: ignore[no-untyped-def]
    return read_agent_report(path, OCTOBER, work_dir=tmp_path / "work", **options)


def problems(path: Path, tmp_path: Path, **options) -> list[str]:
    with pytest.raises(InputError) as caught:
        read(path, tmp_path, **options)
    return [d.render() for d in caught.value.diagnostics]


def csv_report(tmp_path: Path, text: str, name: str = "agent_report.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def workbook(tmp_path: Path, write) -> Path:  # type: ignore[no-untyped-def]
    """An .xlsx written by ``write(book, sheet)``, with a fixed creation date."""
    path = tmp_path / "agent_report.xlsx"
    book = xlsxwriter.Workbook(str(path))
    book.set_properties({"created": dt.datetime(2026, 11, 9)})
    write(book, book.add_worksheet("售前绩效"))
    book.close()
    return path


# --------------------------------------------------------------------------- the fixtures


def test_chitu_presales_as_downloaded(tmp_path: Path):
    # GBK, CRLF, two title rows, the 28-column header (two headers with a trailing space),
    # 汇总 and 均值 at the foot: three agent rows.
    report = read(REPORTS / "chitu-presales.csv", tmp_path)
    assert (report.tool, report.short) == ("赤兔 售前绩效", "赤兔")
    assert sorted(report.columns) == [
        "answer_ratio",
        "avg_first_response_s",
        "avg_response_s",
        "conversion",
        "inquiring_buyers",
        "paying_buyers",
        "sales",
        "sessions",
        "slow_responses",
    ]
    rows = report.rows
    assert rows["line"].to_list() == [4, 5, 6]
    assert rows["account"].to_list() == ["云杉:小美", "云杉:阿杰", "云杉:晓雨"]
    assert rows["sessions"].to_list() == [412, 260, 350]
    assert rows["inquiring_buyers"].to_list() == [180, 120, 150]
    assert rows["paying_buyers"].to_list() == [81, 42, 63]
    # worked again from the counts: 81/180, 42/120, 63/150
    assert rows["conversion"].to_list() == [Decimal("0.45"), Decimal("0.35"), Decimal("0.42")]
    assert rows["sales"].to_list() == [Decimal("21350.00"), Decimal("9800.00"), Decimal("9000.00")]
    assert rows["avg_response_s"].to_list() == [28.0, 65.0, 40.0]  # 28秒, 1分05秒, 40秒
    assert rows["avg_first_response_s"].to_list() == [12.0, 35.0, 20.0]
    assert rows["answer_ratio"].to_list() == [Decimal("1.35"), Decimal("0.92"), Decimal("1.10")]
    assert rows["slow_responses"].to_list() == [4, 11, None]  # '-' is none


def test_chitu_presales_has_no_refund_amount_for_net_sales(tmp_path: Path):
    # 赤兔's 售前绩效 writes 退款率, not an amount: rules paying on net sales cannot run on it.
    report = read(REPORTS / "chitu-presales.csv", tmp_path)
    assert {"sales", "conversion", "late_refunds"} <= report.figures
    assert "net_sales" not in report.figures
    [error] = report.missing(["net_sales", "conversion", "refunds"])
    assert error.render() == (
        f"{REPORTS / 'chitu-presales.csv'}: D841 the rules read figures this 赤兔 售前绩效 "
        "report does not have — net_sales (净销售额, or 销售额 and 成功退款金额); refunds "
        "(成功退款金额 / 完成退款金额 / 退款金额, or 销售额 and 净销售额) — download the report "
        "with those columns, or pay from chats.csv and orders.csv"
    )


def test_sycm_performance_drops_its_six_summary_rows(tmp_path: Path):
    # 汇总值 checks the rows (40,150.00 and 1,650.00 are their sums); 全店汇总值 (the whole
    # shop, silent sales included: 61,200.00) and the benchmarks are only dropped.
    report = read(REPORTS / "sycm-performance.csv", tmp_path)
    assert report.tool == "生意参谋 客服绩效"
    rows = report.rows
    assert rows["account"].to_list() == ["云杉:小美", "云杉:阿杰", "云杉:晓雨"]
    assert rows["conversion"].to_list() == [Decimal("0.45"), Decimal("0.35"), Decimal("0.42")]
    assert rows["satisfaction"].to_list() == [Decimal("0.9861"), Decimal("0.95"), None]
    assert rows["avg_first_response_s"].to_list() == [12.0, 35.0, 20.0]  # 首次响应时长（秒)
    assert rows["refunds"].to_list() == [Decimal("1350.00"), Decimal("300.00"), Decimal("0.00")]
    assert {"net_sales", "refund_rate"} <= report.figures


def test_sycm_sales_per_account(tmp_path: Path):
    # 有效接待人数 stands for sessions (no 接待人数 there); 销售人数 for paying buyers.
    report = read(REPORTS / "sycm-sales.csv", tmp_path)
    assert report.tool == "生意参谋 客服销售"
    rows = report.rows
    assert rows["sessions"].to_list() == [412, 260, 350]
    assert rows["paying_buyers"].to_list() == [81, 42, 63]
    assert rows["orders"].to_list() == [85, 44, 63]
    assert rows["net_sales"].to_list() == [
        Decimal("20000.00"),
        Decimal("9500.00"),
        Decimal("9000.00"),
    ]
    assert {"avg_order_value", "refund_rate"} <= report.figures


def test_refunds_from_net_sales_when_only_that_is_written(tmp_path: Path):
    text = '旺旺昵称,销售额,净销售额\n云杉:小美,"1,000.00",900.00\n'
    report = read(csv_report(tmp_path, text), tmp_path)
    assert report.rows["refunds"].to_list() == [Decimal("100.00")]  # 1,000.00 − 900.00
    assert "net_sales" in report.figures


def test_conversion_as_written_when_the_counts_are_not(tmp_path: Path):
    text = "客服,询单人数,询单->最终付款成功率\n云杉:小美,3,66.67%\n"
    report = read(csv_report(tmp_path, text), tmp_path)
    assert report.rows["conversion"].to_list() == [Decimal("0.6667")]
    assert "paying_buyers" not in report.figures


def test_counts_make_conversion_exact_where_the_rate_is_rounded(tmp_path: Path):
    text = "客服,询单人数,询单->最终付款人数,询单->最终付款成功率\n云杉:小美,3,2,66.67%\n"
    report = read(csv_report(tmp_path, text), tmp_path)
    assert report.rows["conversion"].to_list() == [Decimal("0.6666666667")]  # 2/3


def test_a_shops_own_header_mapped_in_the_rules(tmp_path: Path):
    text = "接待客服,接待量,询单人数\n云杉:小美,12,5\n"
    columns = {"接待客服": "agent", "接待量": "sessions"}
    report = read(csv_report(tmp_path, text), tmp_path, column_map=columns)
    assert report.rows.select("account", "sessions").rows() == [("云杉:小美", 12)]


# --------------------------------------------------------------------------- workbooks


def grouped(book, sheet):  # type: ignore[no-untyped-def]
    """赤兔 as a workbook: a blank row, a title, the period, a two-row grouped header with
    cells merged across (询单->最终付款 over 人数 | 成功率) and down (客服, 销售额 …)."""
    percent = book.add_format({"num_format": "0.00%"})
    sheet.write(1, 0, "赤兔名品 · 售前绩效")
    sheet.write(2, 0, "统计时间：2026-10-01 至 2026-10-31")
    sheet.merge_range(3, 0, 4, 0, "客服")
    sheet.merge_range(3, 1, 4, 1, "询单人数")
    sheet.merge_range(3, 2, 3, 3, "询单->最终付款")
    sheet.write(4, 2, "人数")
    sheet.write(4, 3, "成功率")
    sheet.merge_range(3, 4, 4, 4, "销售额")
    sheet.merge_range(3, 5, 3, 6, "响应")
    sheet.write(4, 5, "平均响应时间")
    sheet.write(4, 6, "首次响应时间")
    for row, (account, asked, paid, sales, mean, first) in enumerate(
        [
            ("云杉:小美", 180, 81, 21350, "28秒", "12秒"),
            ("云杉:阿杰", 120, 42, 9800.5, "1分05秒", "35"),
        ],
        start=5,
    ):
        sheet.write(row, 0, account)
        sheet.write_number(row, 1, asked)
        sheet.write_number(row, 2, paid)
        sheet.write_number(row, 3, paid / asked, percent)
        sheet.write_number(row, 4, sales)
        sheet.write(row, 5, mean)
        sheet.write(row, 6, first)
    sheet.write(7, 0, "汇总")
    sheet.write_formula(7, 4, "=SUM(E6:E7)", None, 31150.5)  # a formula cell: its value is read


def test_a_workbook_with_a_title_and_a_merged_two_row_header(tmp_path: Path):
    report = read(workbook(tmp_path, grouped), tmp_path)
    assert report.tool == "赤兔 售前绩效"
    assert report.columns["paying_buyers"] == ("询单->最终付款人数", 2)  # group + 人数
    assert report.columns["conversion"] == ("询单->最终付款成功率", 3)
    rows = report.rows
    assert rows["line"].to_list() == [6, 7]  # the sheet's rows
    assert rows["paying_buyers"].to_list() == [81, 42]
    assert rows["sales"].to_list() == [Decimal("21350.00"), Decimal("9800.50")]
    assert rows["avg_response_s"].to_list() == [28.0, 65.0]
    assert rows["avg_first_response_s"].to_list() == [12.0, 35.0]


def test_a_workbook_cell_is_located_by_sheet_and_cell(tmp_path: Path):
    def late(book, sheet):  # type: ignore[no-untyped-def]
        grouped(book, sheet)
        sheet.write(6, 2, "延迟统计")  # C7: 阿杰's paying buyers

    path = workbook(tmp_path, late)
    assert problems(path, tmp_path) == [
        f"{path}:售前绩效!C7: D832 询单->最终付款人数: '延迟统计' is not counted yet (赤兔 and "
        "生意参谋 count payments up to 7–8 days after the day) — download the report again "
        "once the month is final, after the 8th of the next month"
    ]


class OneColumnRight:
    """A worksheet whose every write lands one column to the right: column A left empty."""

    def __init__(self, sheet) -> None:  # type: ignore[no-untyped-def]
        self.sheet = sheet

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        method = getattr(self.sheet, name)
        if name == "merge_range":
            return lambda r1, c1, r2, c2, *rest: method(r1, c1 + 1, r2, c2 + 1, *rest)
        return lambda row, col, *rest: method(row, col + 1, *rest)


def test_a_table_that_starts_in_column_b_is_located_by_its_own_columns(tmp_path: Path):
    # The report of `grouped` one column to the right (a margin in column A): the account
    # is in B, 询单->最终付款人数 in D, so 阿杰's late cell (row 7) is D7, not C7.
    report = read(
        workbook(tmp_path, lambda book, sheet: grouped(book, OneColumnRight(sheet))), tmp_path
    )
    assert report.columns["paying_buyers"] == ("询单->最终付款人数", 3)  # D, counted from A
    assert report.rows["paying_buyers"].to_list() == [81, 42]

    def late(book, sheet):  # type: ignore[no-untyped-def]
        grouped(book, OneColumnRight(sheet))
        sheet.write(6, 3, "延迟统计")  # D7

    path = workbook(tmp_path, late)
    assert problems(path, tmp_path) == [
        f"{path}:售前绩效!D7: D832 询单->最终付款人数: '延迟统计' is not counted yet (赤兔 and "
        "生意参谋 count payments up to 7–8 days after the day) — download the report again "
        "once the month is final, after the 8th of the next month"
    ]


def test_a_sum_row_that_the_rows_do_not_add_up_to(tmp_path: Path):
    def short(book, sheet):  # type: ignore[no-untyped-def]
        grouped(book, sheet)
        sheet.write_number(7, 4, 35000)  # E8: the 汇总 of 销售额 is not 21,350.00 + 9,800.50

    path = workbook(tmp_path, short)
    assert problems(path, tmp_path) == [
        f"{path}:售前绩效!E8: D839 销售额: the 汇总 row says 35000.00, but the agents' rows "
        "add up to 31150.50 — rows are missing (a second page, a filter on the agents) or "
        "were edited: download the report again with every agent on one page"
    ]


def test_a_workbook_of_another_month_is_located_at_its_title(tmp_path: Path):
    def september(book, sheet):  # type: ignore[no-untyped-def]
        grouped(book, sheet)
        sheet.write(2, 0, "统计时间：2026-09-01 至 2026-09-30")  # A3

    path = workbook(tmp_path, september)
    assert problems(path, tmp_path) == [
        f"{path}:售前绩效!A3: D838 the report covers 2026-09-01 – 2026-09-30, but the month "
        "paid is 2026-10 — download it for 2026-10-01 – 2026-10-31: the whole month, nothing "
        "else"
    ]


def test_an_unreadable_and_an_empty_workbook(tmp_path: Path):
    broken = tmp_path / "agent_report.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    [error] = problems(broken, tmp_path)
    assert error.startswith(f"{broken}: D842 not a readable workbook (")
    assert error.endswith("— download the report again, or open it in Excel and save it as .xlsx")
    empty = workbook(tmp_path, lambda book, sheet: None)
    assert problems(empty, tmp_path) == [f"{empty}: D830 the report is empty — download it again"]


# --------------------------------------------------------------------------- problems


def test_no_header_row(tmp_path: Path):
    path = csv_report(tmp_path, "订单编号,买家会员名\n1,b1\n")
    assert problems(path, tmp_path) == [
        f"{path}: D830 no header row found: the report needs a column naming each agent (客服, "
        "旺旺昵称, 客服昵称 …) beside figures such as 接待人数, 询单人数 or 销售额 — download the "
        "赤兔 售前绩效 or 生意参谋 客服绩效 report again, or map your headers under [inputs] "
        'columns = { "your header" = "sessions" }'
    ]


def test_two_columns_of_one_header(tmp_path: Path):
    path = csv_report(tmp_path, "客服,询单人数,询单人数\n云杉:小美,1,2\n")
    assert problems(path, tmp_path) == [
        f"{path}:1:3: D831 询单人数: columns 2 and 3 are both '询单人数' — delete one, or "
        "download the report again"
    ]


def test_every_bad_cell_at_its_line_and_column(tmp_path: Path):
    text = (
        "生意参谋 客服绩效 2026-10-01~2026-10-31\n"
        "旺旺昵称,询单人数,询单最终付款转化率,询单最终付款金额,成功退款金额\n"
        '云杉:小美,13x,45.2,"1,000.00",-5\n'
        "云杉:阿杰,20,0.3,100.123,0\n"
        "云杉:小美,1,0.5,1,0\n"
        ",1,2%,4,5\n"
    )
    path = csv_report(tmp_path, text)
    assert problems(path, tmp_path) == [
        f"{path}:3:2: D833 询单人数: '13x' cannot be read (a whole number)",
        f"{path}:4:4: D833 询单最终付款金额: '100.123' cannot be read (an amount (at most two "
        "decimals))",
        f"{path}:3:5: D834 成功退款金额: '-5' is below 0 — a count, an amount or a duration is "
        "never negative",
        f"{path}:3:3: D835 询单最终付款转化率: '45.2' is not a rate — a rate above 100% is "
        "written with its % (45.2%), or as 0.452",
        f"{path}:6:1: D837 旺旺昵称: a row of figures without an account — fill in whose row it "
        "is, or delete it",
        f"{path}:5:1: D836 旺旺昵称: '云杉:小美' has 2 rows (lines 3, 5) — one row per agent: "
        "download the report for the whole month at once; daily rows cannot be added up (a "
        "buyer who inquired on two days would count twice)",
    ]


def test_a_report_of_another_month(tmp_path: Path):
    text = "赤兔 售前绩效 统计时间：2026-09-01 至 2026-09-30\n客服,询单人数\n云杉:小美,3\n"
    path = csv_report(tmp_path, text)
    assert problems(path, tmp_path) == [
        f"{path}:1: D838 the report covers 2026-09-01 – 2026-09-30, but the month paid is "
        "2026-10 — download it for 2026-10-01 – 2026-10-31: the whole month, nothing else"
    ]


def test_a_header_without_agent_rows(tmp_path: Path):
    path = csv_report(tmp_path, "客服,询单人数\n汇总,0\n均值,0\n")
    assert problems(path, tmp_path) == [
        f"{path}: D840 has no agent rows under its header — download the report again"
    ]


def test_blank_rows_and_notes_are_not_agents(tmp_path: Path):
    text = "客服,询单人数\n\n云杉:小美,3\n,\n注：数据统计口径以赤兔为准\n"
    report = read(csv_report(tmp_path, text), tmp_path)
    assert report.rows.select("line", "account").rows() == [(3, "云杉:小美")]
    assert report.rows.schema["inquiring_buyers"] == pl.Int64


# --------------------------------------------------------------------------- .xls (BIFF8)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"  # written by make_xls.py


def test_an_old_format_chitu_report_reads_as_its_xlsx(tmp_path: Path):
    # tests/fixtures/chitu-presales.xls: examples/taobao-report/2026-10's report saved as
    # Excel 97–2003 — a blank row, the title and period, the merged two-row header on sheet
    # rows 4–5, agents on rows 6–12, 汇总 (checked: 62,999.00 and 2,300.00) and 均值 below.
    report = read(FIXTURES / "chitu-presales.xls", tmp_path)
    assert (report.tool, report.grid.sheet) == ("赤兔 售前绩效", "售前绩效")
    assert report.columns["paying_buyers"] == ("询单->最终付款人数", 3)  # group + 人数, column D
    assert report.columns["refunds"] == ("成功退款金额", 6)  # 销售 over 成功退款金额, column G
    rows = report.rows
    assert rows["line"].to_list() == [6, 7, 8, 9, 10, 11, 12]
    assert rows["account"].to_list()[:2] == ["云杉:林主管", "云杉:小美"]
    assert rows["paying_buyers"].to_list() == [6, 81, 42, 63, 80, 39, 50]
    assert rows["sales"].to_list()[1] == Decimal("21350.00")  # "21,350.00"
    assert rows["refunds"].to_list()[3] is None  # 晓雨's '-'
    assert rows["avg_response_s"].to_list()[:3] == [None, 28.0, 65.0]  # '-', 28秒, 1分05秒
    assert rows["slow_responses"].to_list()[-1] is None  # 阿花's '-'
    xlsx = ROOT_EXAMPLES / "taobao-report" / "2026-10" / "agent_report.xlsx"
    assert rows.equals(read(xlsx, tmp_path).rows)  # the same rows as the .xlsx


def test_an_old_format_report_is_located_by_sheet_and_cell(tmp_path: Path):
    # tests/fixtures/sycm-late.xls: 生意参谋 客服绩效 downloaded before October's payments were
    # counted — 延迟统计 in 小美's 询单最终付款人数 (C5) and 询单最终付款金额 (I5).
    path = tmp_path / "agent_report.xls"
    path.write_bytes((FIXTURES / "sycm-late.xls").read_bytes())
    later = (
        "'延迟统计' is not counted yet (赤兔 and 生意参谋 count payments up to 7–8 days after "
        "the day) — download the report again once the month is final, after the 8th of the "
        "next month"
    )
    assert problems(path, tmp_path) == [
        f"{path}:客服绩效!C5: D832 询单最终付款人数: {later}",
        f"{path}:客服绩效!I5: D832 询单最终付款金额: {later}",
    ]
