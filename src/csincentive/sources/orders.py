"""orders.csv: the Taobao/Tmall order report (订单报表, ExportOrderList) as downloaded, or
the same columns under their canonical English names. Read lazily with its row checks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import polars as pl

from csincentive.core.diagnostics import InputError
from csincentive.core.money import PAY
from csincentive.sources.encoding import ensure_utf8
from csincentive.sources.headers import Column, missing_columns, read_header, resolve_columns
from csincentive.sources.parsing import (
    CHECK_ROWS,
    DATETIME_PARSER,
    MONEY_PARSER,
    ProblemCheck,
    cell_check,
    datetime_check,
    empty_check,
    id_expr,
    invalid,
    parsed,
    row_problem,
    scan,
    with_parsed,
)

ORDER_ALIASES: dict[str, tuple[str, ...]] = {
    "order_id": ("订单编号",),
    "buyer": ("买家会员名",),
    "created_at": ("订单创建时间",),
    "paid_at": ("订单付款时间",),
    "paid_amount": ("买家实际支付金额",),
    "status": ("订单状态",),
    "refund_amount": ("退款金额",),
}
ORDER_REQUIRED = ("order_id", "buyer", "created_at", "paid_at", "paid_amount", "status")


def load_orders(
    path: Path, *, work_dir: Path, column_map: Mapping[str, str] | None = None
) -> tuple[pl.LazyFrame, list[ProblemCheck]]:
    """orders.csv (Taobao ExportOrderList or canonical English) → lazy orders + row checks."""
    display = str(path)
    readable = ensure_utf8(path, work_dir, display=display)
    header = read_header(readable, display)
    resolved = resolve_columns(header, ORDER_ALIASES, column_map, display)
    found = resolved.found
    problems = resolved.problems + missing_columns(display, found, ORDER_REQUIRED, ORDER_ALIASES)
    if problems:
        raise InputError(problems)
    wanted = [found[n] for n in ORDER_ALIASES if n in found]
    money = [n for n in ("paid_amount", "refund_amount") if n in found]
    parsers = {n: DATETIME_PARSER for n in ("created_at", "paid_at")}
    parsers |= {n: MONEY_PARSER for n in money}
    base = with_parsed(scan(readable, header, wanted), parsers)
    base = base.with_columns(id_expr("order_id").alias(parsed("order_id")))
    checks = _order_checks(display, base, found, money)
    refund = (
        pl.col(parsed("refund_amount")).fill_null(pl.lit(0, dtype=PAY))
        if "refund_amount" in found
        else pl.lit(0, dtype=PAY)
    )
    orders = base.select(
        pl.col(parsed("order_id")).alias("order_id"),
        "buyer",
        pl.col(parsed("created_at")).alias("created_at"),
        pl.col(parsed("paid_at")).alias("paid_at"),
        pl.col(parsed("paid_amount")).alias("paid_amount"),
        "status",
        refund.alias("refund_amount"),
        "line",
        row_problem(checks),
    )
    return orders, checks


def _order_checks(
    display: str, base: pl.LazyFrame, found: Mapping[str, Column], money: Sequence[str]
) -> list[ProblemCheck]:
    required = [found[n] for n in ("order_id", "buyer", "created_at", "paid_amount", "status")]
    return [
        empty_check(display, base, required),
        datetime_check(display, base, [found["created_at"], found["paid_at"]]),
        cell_check(
            display,
            base,
            [found[n] for n in money],
            invalid,
            "not an amount of money (at most 2 decimals)",
            "write the amount like 128.00 or re-export the order report",
        ),
        _duplicate_order_check(display, base, found["order_id"]),
    ]


def _duplicate_order_check(display: str, base: pl.LazyFrame, column: Column) -> ProblemCheck:
    """Every row of a repeated order id, each naming all the lines the id appears on."""
    key = parsed("order_id")
    repeated = base.select("line", "order_id", key).filter(
        pl.col(key).is_not_null() & pl.col(key).is_duplicated()
    )
    lines = repeated.group_by(key).agg(
        pl.col("line").sort().cast(pl.String).str.join(", ").alias("__lines")
    )
    frame = (
        repeated.join(lines, on=key)
        .select(
            "line",
            pl.lit(column.written, dtype=pl.String).alias("field"),
            pl.col("order_id").alias("value"),
            (pl.lit("order id appears more than once: lines ") + pl.col("__lines")).alias(
                "message"
            ),
        )
        .sort("line")
        .head(CHECK_ROWS)
    )
    return ProblemCheck(
        file=display,
        frame=frame,
        what_to_do="delete the repeated rows (an order must appear once) or re-export the month",
        # Hashes first: a repeated hash is rare, and then the exact check names the rows.
        # Counting distinct hashes is several times faster than marking duplicated ones.
        suspect=pl.col("order_id").drop_nulls().hash(seed=0).n_unique()
        < pl.col("order_id").drop_nulls().len(),
    )
