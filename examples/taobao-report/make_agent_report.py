"""Writes 2026-10/agent_report.xlsx: a 赤兔 售前绩效 report for October 2026 as a shop
downloads it — a blank first row, the title and the period, a two-row grouped header
(cells merged across a group and down a single column), counts as numbers, rates,
amounts and durations as the text 赤兔 writes, '-' for none, 汇总 and 均值 at the foot.

    python examples/taobao-report/make_agent_report.py

The same command writes the same workbook (a fixed creation date)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import xlsxwriter

ROWS = [  # 客服, 接待人数, 询单人数, 询单->最终付款人数, 销售额, 成功退款金额, 平均响应, 首次响应, 慢响应人数
    ("云杉:林主管", 40, 10, 6, "1,200.00", "0.00", "-", "-", 0),
    ("云杉:小美", 412, 180, 81, "21,350.00", "1,350.00", "28秒", "12秒", 4),
    ("云杉:阿杰", 260, 120, 42, "9,800.00", "300.00", "1分05秒", "35秒", 11),
    ("云杉:晓雨", 350, 150, 63, "9,000.00", "-", "40秒", "20秒", 2),
    ("云杉:老王", 398, 160, 80, "8,400.00", "400.00", "33秒", "15秒", 3),
    ("云杉:小林", 300, 130, 39, "7,999.00", "0.00", "1分12秒", "41秒", 9),
    ("云杉:阿花", 280, 125, 50, "5,250.00", "250.00", "36秒", "18秒", "-"),
]


def main() -> None:
    path = Path(__file__).parent / "2026-10" / "agent_report.xlsx"
    book = xlsxwriter.Workbook(str(path))
    book.set_properties({"created": dt.datetime(2026, 11, 9, 10, 21, 5)})
    sheet = book.add_worksheet("售前绩效")
    sheet.write(1, 0, "赤兔名品 · 售前绩效")
    sheet.write(2, 0, "统计时间：2026-10-01 至 2026-10-31    导出时间：2026-11-09 10:21:05")
    for col, name in ((0, "客服"), (1, "接待人数"), (2, "询单人数"), (9, "慢响应人数")):
        sheet.merge_range(3, col, 4, col, name)
    for col, group, names in (
        (3, "询单->最终付款", ("人数", "成功率")),
        (5, "销售", ("销售额", "成功退款金额")),
        (7, "响应", ("平均响应时间", "首次响应时间")),
    ):
        sheet.merge_range(3, col, 3, col + 1, group)
        sheet.write_row(4, col, names)
    for row, (account, received, asked, paid, sales, refunds, mean, first, slow) in enumerate(
        ROWS, start=5
    ):
        rate = f"{paid / asked:.2%}"
        sheet.write_row(row, 0, [account, received, asked, paid, rate, sales, refunds, mean, first])
        sheet.write(row, 9, slow)
    total = len(ROWS) + 5
    sheet.write_row(total, 0, ["汇总", 2040, 875, 361, "41.26%", "62,999.00", "2,300.00"])
    sheet.write_row(total + 1, 0, ["均值", 291.43, 125, 51.57, "41.26%", "8,999.86", "328.57"])
    book.close()


if __name__ == "__main__":
    main()
