"""orders.csv: the Taobao/Tmall order report (订单报表, ExportOrderList) as downloaded, or
the same columns under their canonical English names. Read lazily with its row checks."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path

import polars as pl

from csincentive.core.diagnostics import InputError
from csincentive.core.money import PAY, exact
from csincentive.sources.encoding import ensure_utf8
from csincentive.sources.headers import Column, missing_columns, read_header, resolve_columns
from csincentive.sources.items import ITEM_ALIASES, disagreeing_lines, is_item_report, per_order
from csincentive.sources.parsing import (
    DATETIME_PARSER,
    MONEY_PARSER,
    ProblemCheck,
    blank,
    cell_check,
    datetime_check,
    empty_check,
    first_rows,
    id_expr,
    invalid,
    parsed,
    row_check,
    row_problem,
    scan,
    with_parsed,
)
from csincentive.sources.tail import cut_short

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
# The default [inputs] max_amount: no order of a customer-service team's shop is paid
# ¥1,000,000 or more, while a misplaced column (a phone number, an order id) read as an
# amount easily is; a shop that does sell such orders raises it (docs/inputs.md).
MAX_AMOUNT = Decimal(1_000_000)


def load_orders(
    path: Path,
    *,
    work_dir: Path,
    column_map: Mapping[str, str] | None = None,
    max_amount: Decimal = MAX_AMOUNT,
) -> tuple[pl.LazyFrame, list[ProblemCheck]]:
    """orders.csv (Taobao ExportOrderList or canonical English) → lazy orders + row checks
    (amounts above ``max_amount`` are refused, see amount_checks). The item-level 宝贝报表
    (a 子订单编号 column) is checked line by line and added up to orders (sources.items)."""
    display = str(path)
    readable = ensure_utf8(path, work_dir, display=display)
    header = read_header(readable, display)
    items = is_item_report(header)
    aliases = ITEM_ALIASES if items else ORDER_ALIASES
    resolved = resolve_columns(header, aliases, column_map, display)
    found = resolved.found
    required = (*ORDER_REQUIRED, "sub_order_id") if items else ORDER_REQUIRED
    problems = resolved.problems + missing_columns(display, found, required, aliases)
    problems += [cut] if (cut := cut_short(readable, header, display)) else []
    if problems:
        raise InputError(problems)
    wanted = [found[n] for n in aliases if n in found]
    money = [n for n in ("paid_amount", "refund_amount") if n in found]
    parsers = {n: DATETIME_PARSER for n in ("created_at", "paid_at")}
    parsers |= {n: MONEY_PARSER for n in money}
    base = with_parsed(scan(readable, header, wanted), parsers)
    ids = ("order_id", "sub_order_id") if items else ("order_id",)
    base = base.with_columns(id_expr(n).alias(parsed(n)) for n in ids)
    checks = _order_checks(display, base, found, money, unique=found[ids[-1]])
    checks += amount_checks(display, base, found, max_amount)
    checks += [disagreeing_lines(display, base, found["order_id"])] if items else []
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
    return (per_order(orders) if items else orders), checks


def _order_checks(
    display: str,
    base: pl.LazyFrame,
    found: Mapping[str, Column],
    money: Sequence[str],
    unique: Column,
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
        _duplicate_order_check(display, base, unique),
    ]


def amount_checks(
    display: str, base: pl.LazyFrame, found: Mapping[str, Column], max_amount: Decimal
) -> list[ProblemCheck]:
    """The plausibility of each order's money and times (D320..D324): every rule is a
    comparison of values the row already parsed, so its flag costs no string work.

    Each could change someone's pay without a word, so each is an error: a negative or
    absurd amount, or a refund above the payment, moves the sales of whoever the order
    is credited to; a payment before the order was created makes the window that decides
    who is credited meaningless; a refund cell left empty on a paid order (what a row cut
    short looks like) would be read as no refund."""
    paid, refund = pl.col(parsed("paid_amount")), pl.col(parsed("refund_amount"))
    money = [found[n] for n in ("paid_amount", "refund_amount") if n in found]
    ceiling = exact(max_amount, PAY)
    checks = [
        _value_check(
            display,
            base,
            money,
            lambda n: pl.col(parsed(n)) < 0,
            "negative amount",
            "write the amount as a positive number (what was refunded goes in 退款金额, "
            "not as a negative payment), or re-export the order report",
            "D320",
        ),
        _value_check(
            display,
            base,
            money,
            lambda n: pl.col(parsed(n)) > ceiling,
            f"more than [inputs] max_amount ({max_amount:,})",
            "check the amount (a shifted column, a phone number or an id read as money?); "
            "if orders this large are real, raise [inputs] max_amount in the rules file",
            "D321",
        ),
        _paid_before_created(display, base, found["paid_at"]),
    ]
    if "refund_amount" in found:
        checks += _refund_checks(display, base, found["refund_amount"], paid, refund)
    return checks


def _paid_before_created(display: str, base: pl.LazyFrame, column: Column) -> ProblemCheck:
    return row_check(
        display,
        base,
        pl.col(parsed("created_at")) > pl.col(parsed("paid_at")),
        column,
        pl.col("paid_at"),
        pl.lit("paid before the order was created (") + pl.col("created_at") + ")",
        "correct 订单付款时间 or 订单创建时间, or re-export the order report",
        "D323",
    )


def _value_check(
    display: str,
    base: pl.LazyFrame,
    columns: Sequence[Column],
    is_bad: Callable[[str], pl.Expr],
    message: str,
    what_to_do: str,
    code: str,
) -> ProblemCheck:
    """A rule over a parsed amount: its own per-row flag (see cell_check's flag_of)."""
    return cell_check(display, base, columns, is_bad, message, what_to_do, code, flag_of=is_bad)


def _refund_checks(
    display: str, base: pl.LazyFrame, column: Column, paid: pl.Expr, refund: pl.Expr
) -> list[ProblemCheck]:
    larger = row_check(
        display,
        base,
        (refund > paid) & (paid >= 0),  # a negative payment is D320's
        column,
        pl.col("refund_amount"),
        pl.lit("refund is larger than the payment (") + pl.col("paid_amount") + ")",
        "correct 退款金额 (at most 买家实际支付金额) or re-export the order report",
        "D322",
    )
    # The flag is the cheap half (no refund parsed on a paid order); the detailed rows
    # drop the cells that hold text the money check already reports.
    empty = row_check(
        display,
        base,
        blank("refund_amount") & (paid > 0),
        column,
        pl.col("refund_amount"),
        "refund is empty on a paid order (a row cut short reads as no refund)",
        "write 0.00 when nothing was refunded, or re-export the order report (rows must "
        "have every cell)",
        "D324",
        flag=refund.is_null() & (paid > 0),
    )
    return [larger, empty]


def _duplicate_order_check(display: str, base: pl.LazyFrame, column: Column) -> ProblemCheck:
    """Every row of a repeated order id (an item's 子订单编号 in the 宝贝报表), each naming
    all the lines the id appears on."""
    name = column.canonical
    key = parsed(name)
    what = "order id" if name == "order_id" else column.written
    repeated = base.select("line", name, key).filter(
        pl.col(key).is_not_null() & pl.col(key).is_duplicated()
    )
    lines = repeated.group_by(key).agg(
        pl.col("line").sort().cast(pl.String).str.join(", ").alias("__lines")
    )
    frame = repeated.join(lines, on=key).select(
        "line",
        pl.lit(column.written, dtype=pl.String).alias("field"),
        pl.col(name).alias("value"),
        (pl.lit(f"{what} appears more than once: lines ") + pl.col("__lines")).alias("message"),
    )
    return ProblemCheck(
        file=display,
        frame=first_rows(frame),
        what_to_do="delete the repeated rows (an order must appear once) or re-export the month",
        # Hashes first: a repeated hash is rare, and then the exact check names the rows.
        # Counting distinct hashes is several times faster than marking duplicated ones.
        suspect=pl.col(name).drop_nulls().hash(seed=0).n_unique() < pl.col(name).drop_nulls().len()
        if name == "order_id"
        else None,
        # An item's id is gone once the items are added up to orders: a per-line flag.
        flag=None
        if name == "order_id"
        else pl.col(key).is_duplicated() & pl.col(key).is_not_null(),
    )
