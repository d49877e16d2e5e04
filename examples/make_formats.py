"""Build the example months of the other input formats from examples/2026-10 (the same
shop, people, chats and orders), so each pays exactly what examples/2026-10 pays:

* examples/xlsx/2026-10 — every input a workbook as HR and Excel keep them: agents.xlsx
  (sheet 工资表: a title row, dates typed as dates, a 合计 row), chats.xlsx and orders.xlsx
  (the 订单报表 opened in Excel and saved: typed times and amounts, a title row).
* examples/baobei/2026-10 — the orders as the item-level 宝贝报表 (ExportOrderDetailList,
  GBK): every third order split into two items whose payments and refunds add up to the
  order's, so a reader that counted lines as orders would pay more.

    python examples/make_formats.py

Deterministic: the same command writes the same cells (the workbooks' creation time is
fixed)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
from decimal import Decimal
from pathlib import Path

import xlsxwriter

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "2026-10"
FIXED = dt.datetime(2026, 11, 1, 9, 0, 0)
TIME = "%Y-%m-%d %H:%M:%S"


def read(name: str, encoding: str = "utf-8") -> list[list[str]]:
    text = (SOURCE / name).read_bytes().decode(encoding)
    return list(csv.reader(io.StringIO(text)))


def typed(header: str, cell: str) -> object:
    """A cell as Excel holds it once typed in: times, dates and amounts typed, ids text."""
    cell = cell.strip()
    if cell.startswith('="'):
        return cell[2:-1]  # Excel shows the id as text: its digits kept
    for fmt, kind in ((TIME, "time"), ("%Y-%m-%d", "date")):
        try:
            stamp = dt.datetime.strptime(cell, fmt)
        except ValueError:
            continue
        return stamp if kind == "time" else stamp.date()
    if header.strip() in ("买家实际支付金额", "退款金额", "target", "首次响应时长", "平均响应时长"):
        return float(cell) if cell else None
    return cell or None


def workbook(path: Path, sheet: str, title: str, rows: list[list[str]], total: bool) -> None:
    book = xlsxwriter.Workbook(str(path))
    book.set_properties({"created": FIXED})
    page = book.add_worksheet(sheet)
    stamp = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    page.merge_range(0, 0, 0, len(rows[0]) - 1, title)
    header = rows[0]
    for c, name in enumerate(header):
        page.write_string(1, c, name)
    for r, row in enumerate(rows[1:], start=2):
        for c, cell in enumerate(row[: len(header)]):
            value = typed(header[c], cell)
            if isinstance(value, dt.datetime):
                page.write_datetime(r, c, value, stamp)
            elif isinstance(value, dt.date):
                page.write_datetime(r, c, dt.datetime.combine(value, dt.time()), day)
            elif isinstance(value, float):
                page.write_number(r, c, value)
            elif value is not None:
                page.write_string(r, c, str(value))
    if total:
        page.write_string(len(rows) + 1, 0, "合计")
    book.close()


def xlsx_month() -> None:
    folder = HERE / "xlsx" / "2026-10"
    folder.mkdir(parents=True, exist_ok=True)
    workbook(folder / "agents.xlsx", "工资表", "云杉旗舰店 2026年10月 工资表", read("agents.csv"), True)
    workbook(folder / "chats.xlsx", "接待记录", "客服接待记录 2026-10", read("chats.csv"), False)
    orders = read("orders.csv", "gb18030")
    workbook(folder / "orders.xlsx", "订单报表", "订单报表 2026-10", orders, False)


ITEM_HEADER = [
    "子订单编号", "主订单编号", "商品标题", "商品价格", "购买数量", "外部系统编号", "商品属性",
    "套餐信息", "订单状态", "商家编码", "买家实付金额", "退款状态", "退款金额", "订单创建时间",
    "订单付款时间", "商品ID", "发货时间", "物流单号", "物流公司", "买家会员名",
]  # fmt: skip


def baobei_month() -> None:
    folder = HERE / "baobei" / "2026-10"
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("agents.csv", "chats.csv"):
        shutil.copy(SOURCE / name, folder / name)
    orders = read("orders.csv", "gb18030")
    at = {name.strip(): i for i, name in enumerate(orders[0])}
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(ITEM_HEADER)
    for number, row in enumerate(orders[1:]):
        order = row[at["订单编号"]].strip('="')
        paid, refund = Decimal(row[at["买家实际支付金额"]]), Decimal(row[at["退款金额"]] or "0")
        parts = [(paid, refund)]
        if number % 3 == 0 and paid >= Decimal("0.02"):  # two items: 60% and the rest
            first = (paid * Decimal("0.6")).quantize(Decimal("0.01"))
            first_refund = min(refund, first)
            parts = [(first, first_refund), (paid - first, refund - first_refund)]
        for item, (item_paid, item_refund) in enumerate(parts, start=1):
            writer.writerow([
                f'="{order}{item:02d}"', f'="{order}"', row[at["宝贝标题"]], str(item_paid), "1",
                "", "颜色分类:默认", "", row[at["订单状态"]], f"SKU-{item}", f"{item_paid:.2f}",
                "退款成功" if item_refund else "", f"{item_refund:.2f}",
                row[at["订单创建时间"]], row[at["订单付款时间"]], f"60000{item}", "",
                row[at["物流单号"]], row[at["物流公司"]], row[at["买家会员名"]],
            ])  # fmt: skip
    (folder / "orders.csv").write_bytes(out.getvalue().encode("gb18030"))


if __name__ == "__main__":
    xlsx_month()
    baobei_month()
