"""The item-level order report, 宝贝报表 (ExportOrderDetailList): one row per item bought
(子订单), several rows per order, each with its own payment and refund. Its rows are
checked as the order report's are, then added up to one row per order (主订单编号), so
an order of three items is one order, paid the sum of its items, never three.

The header, as published (a public script that reads the Tmall 宝贝报表 names its
columns and their letters): 子订单编号 (A), 主订单编号 (B), 商品标题, 商品价格, 购买数量,
外部系统编号, 商品属性, 套餐信息, …, 订单状态 (J), 商家编码, 买家实付金额 (M), 退款状态,
退款金额 (O), 订单创建时间 (P), 订单付款时间 (Q), 商品ID, …, 发货时间, 物流单号, 物流公司.
That header names no buyer: the buyer an order is credited by must be a column of the
file (买家会员名 or 买家昵称, added when exporting, or mapped with ``[inputs] columns``),
else the file is refused with D103 naming it.
"""

from __future__ import annotations

import polars as pl

from csincentive.core.money import PAY
from csincentive.sources.headers import Column, norm
from csincentive.sources.parsing import ProblemCheck, first_rows, parsed

# What marks the item-level report, and its names for the order columns (the item's own
# payment and refund are its paid_amount and refund_amount).
ITEM_ALIASES: dict[str, tuple[str, ...]] = {
    "sub_order_id": ("子订单编号", "子订单号"),
    "order_id": ("主订单编号",),
    "buyer": ("买家会员名", "买家昵称"),
    "created_at": ("订单创建时间",),
    "paid_at": ("订单付款时间",),
    "paid_amount": ("买家实付金额", "买家实际支付金额"),
    "status": ("订单状态",),
    "refund_amount": ("退款金额",),
}


def is_item_report(header: list[str]) -> bool:
    """The header is the 宝贝报表's: it has a 子订单编号 column."""
    names = {norm(cell) for cell in header}
    return any(norm(alias) in names for alias in ITEM_ALIASES["sub_order_id"])


def per_order(lines: pl.LazyFrame) -> pl.LazyFrame:
    """Item lines (order_id, buyer, created_at, paid_at, paid_amount, status,
    refund_amount, line, row_problem) → one row per order: the items' payments and refunds
    summed, the first payment time, each distinct status in line order (交易成功；交易关闭),
    the first line; flagged when any of its lines is (the file's row checks, one of which
    is that the lines of an order agree: disagreeing_lines)."""
    zero = pl.lit(0, dtype=PAY)
    return lines.group_by("order_id").agg(
        pl.col("buyer").first(),
        pl.col("created_at").min(),
        pl.col("paid_at").min(),
        pl.col("paid_amount").sum().cast(PAY),
        pl.col("status").unique(maintain_order=True).str.join("；"),
        pl.col("refund_amount").fill_null(zero).sum().cast(PAY),
        pl.col("line").min(),
        pl.col("row_problem").any(),
    )


def disagreeing_lines(display: str, base: pl.LazyFrame, column: Column) -> ProblemCheck:
    """D806: the lines of one order name different buyers or creation times — two orders
    under one number (a file put together by hand?), which would credit one buyer's chat
    with both."""
    key = parsed("order_id")
    keyed = base.select("line", key, "buyer", parsed("created_at"), "created_at")
    odd = keyed.group_by(key).agg(
        pl.any_horizontal(
            pl.col("buyer").n_unique() > 1, pl.col(parsed("created_at")).n_unique() > 1
        ).alias("__odd"),
        pl.col("line").sort().cast(pl.String).str.join(", ").alias("__lines"),
    )
    frame = (
        keyed.join(odd.filter("__odd"), on=key)
        .select(
            "line",
            pl.lit(column.written, dtype=pl.String).alias("field"),
            pl.col(key).alias("value"),
            (
                pl.lit("the lines of this order (") + pl.col("__lines")
                + ") name different buyers or creation times"
            ).alias("message"),
        )
    )  # fmt: skip
    return ProblemCheck(
        file=display,
        frame=first_rows(frame),
        what_to_do="correct the order number or the buyer, or download the 宝贝报表 again",
        code="D806",
        flag=pl.any_horizontal(
            pl.col(n).n_unique().over(key) > 1 for n in ("buyer", parsed("created_at"))
        ),
    )
