"""The order exports beside the 2017 订单报表: its later header variants and the item-level
宝贝报表 (several rows per order), each from its published header (sources/items.py,
../shared/EXPORTS.md)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from csincentive.sources.orders import load_orders

# The 2017 header (EXPORTS.md, verbatim: the trailing spaces are real) …
HEADER_2017 = (
    '"订单编号","买家会员名","买家支付宝账号","买家应付货款","买家应付邮费","买家支付积分","总金额",'
    '"返点积分","买家实际支付金额","买家实际支付积分","订单状态","买家留言","收货人姓名","收货地址 ",'
    '"运送方式","联系电话 ","联系手机","订单创建时间","订单付款时间 ","宝贝标题 ","宝贝种类 ",'
    '"物流单号 ","物流公司","订单备注","宝贝总数量","店铺Id","店铺名称","订单关闭原因","卖家服务费",'
    '"买家服务费","发票抬头","是否手机订单","分阶段订单信息","特权订金订单id","是否上传合同照片",'
    '"是否上传小票","是否代付","定金排名","修改后的sku","修改后的收货地址","异常信息","天猫卡券抵扣",'
    '"集分宝抵扣","是否是O2O交易","退款金额","预约门店"'
)
# … and the later one: 支付单号 and 支付详情 after 买家支付宝账号; 确认收货时间, 打款商家金额
# and 主订单编号 added at the tail (EXPORTS.md, "Later").
HEADER_LATER = (
    HEADER_2017.replace('"买家支付宝账号",', '"买家支付宝账号","支付单号","支付详情",')
    + ',"确认收货时间","打款商家金额","主订单编号"'
)


def _later_row(
    order: str, buyer: str, paid: str, status: str, created: str, at: str, refund: str
) -> str:
    cells = {name.strip('"').strip(): '""' for name in HEADER_LATER.split(",")}
    cells |= {
        "订单编号": f'="{order}"',
        "买家会员名": f'"{buyer}"',
        "支付单号": '="2026100522001"',
        "支付详情": '"支付宝:49.90"',
        "买家实际支付金额": f'"{paid}"',
        "订单状态": f'"{status}"',
        "订单创建时间": f'"{created}"',
        "订单付款时间": f'"{at}"',
        "退款金额": f'"{refund}"',
        "打款商家金额": f'"{paid}"',
        "主订单编号": f'="{order}"',
    }
    return ",".join(cells.values()) + ","  # detail rows end in a stray comma


def test_the_later_order_report_header_reads_as_the_2017_one(tmp_path: Path) -> None:
    """The inserted columns move every column after them; the columns are found by name,
    and 主订单编号 (the same number again) is not read as a second order id."""
    rows = [
        _later_row(
            "4100001",
            "tb_1",
            "49.90",
            "交易成功",
            "2026-10-05 09:00:00",
            "2026-10-05 09:01:00",
            "0.00",
        ),
        _later_row("4100002", "tb_2", "0.00", "等待买家付款", "2026/10/6 9:30", "", ""),
    ]
    path = tmp_path / "orders.csv"
    path.write_bytes(("\r\n".join([HEADER_LATER, *rows]) + "\r\n").encode("gb18030"))
    frame, checks = load_orders(path, work_dir=tmp_path / "w")
    orders = frame.collect()
    assert orders.select("order_id", "buyer", "paid_amount", "refund_amount").rows() == [
        ("4100001", "tb_1", Decimal("49.90"), Decimal("0.00")),
        ("4100002", "tb_2", Decimal("0.00"), Decimal("0.00")),
    ]
    assert orders["created_at"][1] == dt.datetime(2026, 10, 6, 9, 30)  # yyyy/M/d H:mm
    assert all(frame.height == 0 for frame in pl.collect_all([c.frame for c in checks]))


# The 宝贝报表 (ExportOrderDetailList) header as published, by column letter (sources/items.py
# cites it): A 子订单编号 … W 物流公司; the letters the source leaves unnamed (I, L, S, T)
# are left out. Its published header names no buyer: 买家会员名 is added at the end, as a
# shop does when exporting it for pay (docs/inputs.md).
ITEM_HEADER = (
    "子订单编号,主订单编号,商品标题,商品价格,购买数量,外部系统编号,商品属性,套餐信息,订单状态,"
    "商家编码,买家实付金额,退款状态,退款金额,订单创建时间,订单付款时间,商品ID,发货时间,物流单号,"
    "物流公司,买家会员名"
)


def _item(sub: str, order: str, title: str, price: str, status: str, paid: str, refund: str,
          created: str, at: str, buyer: str) -> str:  # fmt: skip
    return (
        f'="{sub}",="{order}",{title},{price},1,,颜色分类:黑色,,{status},SKU-{sub[-2:]},'
        f"{paid},{'退款成功' if refund != '0.00' else ''},{refund},{created},{at},6000{sub[-2:]},"
        f",,,{buyer}"
    )


ITEMS = [
    # order 4100001: two items, one refunded in full — paid 100.00 + 50.00, refunded 50.00
    _item(
        "410000101",
        "4100001",
        "连衣裙",
        "100.00",
        "交易成功",
        "100.00",
        "0.00",
        "2026-10-05 09:00:00",
        "2026-10-05 09:02:00",
        "tb_1",
    ),  # fmt: skip
    _item(
        "410000102",
        "4100001",
        "腰带",
        "50.00",
        "交易关闭",
        "50.00",
        "50.00",
        "2026-10-05 09:00:00",
        "2026-10-05 09:02:00",
        "tb_1",
    ),  # fmt: skip
    # order 4100002: one item, unpaid
    _item(
        "410000201",
        "4100002",
        "收纳盒",
        "19.90",
        "等待买家付款",
        "0.00",
        "0.00",
        "2026-10-06 20:00:00",
        "",
        "tb_2",
    ),  # fmt: skip
]


def _items_file(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "orders.csv"
    path.write_bytes(("\r\n".join([ITEM_HEADER, *lines]) + "\r\n").encode("gb18030"))
    return path


def test_the_item_report_is_added_up_to_orders_once_each(tmp_path: Path) -> None:
    """Worked by hand: order 4100001 is paid 100.00 + 50.00 = 150.00 and refunded 0.00 +
    50.00 = 50.00, at its first line (2); its statuses in line order. Nothing is counted
    twice: two item lines make one order."""
    frame, _ = load_orders(_items_file(tmp_path, ITEMS), work_dir=tmp_path / "w")
    orders = frame.collect().sort("line")
    assert orders.select(
        "order_id", "buyer", "paid_amount", "refund_amount", "status", "line"
    ).rows() == [
        ("4100001", "tb_1", Decimal("150.00"), Decimal("50.00"), "交易成功；交易关闭", 2),
        ("4100002", "tb_2", Decimal("0.00"), Decimal("0.00"), "等待买家付款", 4),
    ]
    assert orders["paid_at"].to_list() == [dt.datetime(2026, 10, 5, 9, 2), None]


def _diagnostics(path: Path, tmp_path: Path) -> list[str]:
    frame, checks = load_orders(path, work_dir=tmp_path / "w")
    assert frame.collect()["row_problem"].any()
    rows = pl.collect_all([c.frame for c in checks])
    return [d.render() for c, r in zip(checks, rows, strict=True) for d in c.diagnostics(r)]


def test_an_item_on_two_lines_is_refused(tmp_path: Path) -> None:
    path = _items_file(tmp_path, [*ITEMS, ITEMS[0]])
    assert _diagnostics(path, tmp_path) == [
        f"{path}:2: D300 子订单编号: 子订单编号 appears more than once: lines 2, 5: "
        "'=\"410000101\"' — delete the repeated rows (an order must appear once) or re-export the month",
        f"{path}:5: D300 子订单编号: 子订单编号 appears more than once: lines 2, 5: "
        "'=\"410000101\"' — delete the repeated rows (an order must appear once) or re-export the month",
    ]


def test_the_lines_of_one_order_must_name_one_buyer(tmp_path: Path) -> None:
    path = _items_file(tmp_path, [ITEMS[0], ITEMS[1].replace(",tb_1", ",tb_9")])
    found = _diagnostics(path, tmp_path)
    assert found[0] == (
        f"{path}:2: D806 主订单编号: the lines of this order (2, 3) name different buyers or "
        "creation times: '4100001' — correct the order number or the buyer, or download the "
        "宝贝报表 again"
    )
    assert len(found) == 2


def test_an_item_report_without_a_buyer_column_says_what_to_add(tmp_path: Path) -> None:
    header = ITEM_HEADER.removesuffix(",买家会员名")
    path = tmp_path / "orders.csv"
    path.write_text(header + "\n" + ITEMS[0].rsplit(",", 1)[0] + "\n", encoding="utf-8")
    from csincentive.core.diagnostics import InputError

    with pytest.raises(InputError) as caught:
        load_orders(path, work_dir=tmp_path / "w")
    assert [d.render() for d in caught.value.diagnostics] == [
        f"{path}:1: D103 buyer: missing required column 'buyer' (or one of: 买家会员名, 买家昵称) "
        "— add it, or map your header to it with column_map={'your header': 'buyer'}"
    ]
