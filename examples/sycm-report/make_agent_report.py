"""Writes 2026-10/agent_report.xlsx: a 生意参谋 客服绩效 report (服务 → 客服绩效, by 旺旺昵称)
for October 2026 as a shop downloads it — two title rows (the report and its period), the
one-row header of 客服绩效, the rates as text with their % (``48.00%``), the amounts as
text with thousands separators (``24,680.50``), the response times in seconds with a
decimal, ``-`` for none, the six summary rows 生意参谋 writes at the foot (汇总值, 平均值,
全店汇总值, 全店平均值, 同行同层优秀, 同行同层均值) and a note below them.

    python examples/sycm-report/make_agent_report.py

The same command writes the same workbook (a fixed creation date)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import xlsxwriter

HEADER = [
    "旺旺昵称",
    "询单人数",
    "询单最终付款人数",
    "询单最终付款转化率",
    "首次响应时长（秒)",
    "平均响应时长（秒)",
    "客户满意率",
    "旺旺回复率",
    "询单最终付款金额",
    "成功退款金额",
]
# 旺旺昵称, 询单人数, 询单最终付款人数, 首次响应, 平均响应, 客户满意率, 旺旺回复率, 金额, 退款
ROWS = [
    ("松果:周主管", 12, 5, 9.5, 21.0, "-", "100.00%", "1,500.00", "0.00"),
    ("松果:小美", 200, 96, 12.4, 28.6, "98.50%", "99.71%", "24,680.50", "1,180.50"),
    ("松果:阿杰", 140, 63, 18.0, 41.2, "96.20%", "99.12%", "10,250.00", "850.00"),
    ("松果:晓雨", 160, 88, 10.8, 25.3, "99.10%", "99.86%", "8,900.00", "-"),
    ("松果:老王", 150, 57, 22.5, 47.9, "95.00%", "98.90%", "10,420.00", "420.00"),
    ("松果:小林", 130, 52, 15.1, 33.0, "97.30%", "99.40%", "7,200.00", "0.00"),
    ("松果:阿花", 110, 37, 26.7, 58.4, "93.80%", "98.05%", "6,034.50", "0.00"),
]
# The foot as 生意参谋 writes it. 汇总值 is the agents' rows added up (68,985.00 paid,
# 2,450.50 refunded: the month checks it); 全店汇总值 is the whole shop's, silent sales
# included; the benchmarks have rates and times only.
FOOT = [
    ("汇总值", 902, 398, "44.12%", 16.4, 36.5, "96.65%", "99.15%", "68,985.00", "2,450.50"),
    ("平均值", 128.86, 56.86, "44.12%", 16.4, 36.5, "96.65%", "99.15%", "9,855.00", "350.07"),
    ("全店汇总值", 902, 398, "44.12%", 16.4, 36.5, "96.65%", "99.15%", "97,310.00", "3,012.00"),
    ("全店平均值", 128.86, 56.86, "44.12%", 16.4, 36.5, "96.65%", "99.15%", "13,901.43", "430.29"),
    ("同行同层优秀", None, None, "52.00%", 8.0, 20.0, "99.00%", "99.90%", None, None),
    ("同行同层均值", None, None, "38.00%", 18.0, 35.0, "96.00%", "99.00%", None, None),
]


def main() -> None:
    path = Path(__file__).parent / "2026-10" / "agent_report.xlsx"
    book = xlsxwriter.Workbook(str(path))
    book.set_properties({"created": dt.datetime(2026, 11, 10, 9, 12, 40)})
    sheet = book.add_worksheet("客服绩效")
    sheet.write(0, 0, "生意参谋 · 服务 · 客服绩效（旺旺维度）")
    sheet.write(1, 0, "统计时间：2026-10-01~2026-10-31    终端：所有终端")
    sheet.write_row(3, 0, HEADER)
    for row, (nick, asked, paid, first, mean, happy, replied, sales, refunds) in enumerate(
        ROWS, start=4
    ):
        rate = f"{paid / asked:.2%}"
        cells = [nick, asked, paid, rate, first, mean, happy, replied, sales, refunds]
        sheet.write_row(row, 0, cells)
    for row, cells in enumerate(FOOT, start=4 + len(ROWS)):
        for col, cell in enumerate(cells):
            if cell is not None:
                sheet.write(row, col, cell)
    note = 4 + len(ROWS) + len(FOOT) + 1
    sheet.write(note, 0, "注：询单最终付款人数统计询单后 7 天内付款的买家；数据来源：生意参谋")
    book.close()


if __name__ == "__main__":
    main()
