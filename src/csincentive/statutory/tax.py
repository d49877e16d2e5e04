"""Individual income tax withheld by an employer (个人所得税预扣预缴), as tables and one
Polars expression per quantity over a frame of people.

The tables are national law, the same in every city:

- ``CUMULATIVE`` — 个人所得税预扣率表一 (居民个人工资、薪金所得预扣预缴适用), the annual
  comprehensive-income table applied to the year so far: 国家税务总局公告2018年第61号
  《个人所得税扣缴申报管理办法（试行）》附件; the same brackets as 《中华人民共和国个人所得
  税法》附表一 (reproduced at https://m.chinaacc.com/wenda/detail/xt/2194185).
- ``MONTHLY`` — 按月换算后的综合所得税率表, which an annual bonus taxed on its own uses:
  财税〔2018〕164号 第一条（一）, extended to 2027-12-31 by 财政部 税务总局公告2023年第30号.
- ``LABOR`` — 个人所得税预扣率表二 (居民个人劳务报酬所得预扣预缴适用), 公告2018年第61号附件.

Cumulative withholding (累计预扣法, 公告2018年第61号 第六条): taxable = cumulative income −
cumulative exempt income − 5,000 × months counted − cumulative social insurance and housing
fund − cumulative special additional deductions − cumulative other deductions; the tax due on
it by ``CUMULATIVE`` less what was already withheld this year is this month's withholding,
never below 0 (what was over-withheld waits for the annual settlement, 汇算清缴)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import polars as pl

from csincentive.core.money import ENGINE, exact, to_fen

BASIC_DEDUCTION = Decimal(5000)  # 基本减除费用, per month counted (个人所得税法 第六条)
# 公告2020年第19号: a person paid at most 60,000 by this employer last year (employed all of
# it) has the year's 60,000 deducted in full from January.
ANNUAL_60K = Decimal(60000)
# 公告2023年第30号: an annual bonus may be taxed on its own until the end of 2027.
SEPARATE_BONUS_UNTIL = dt.date(2027, 12, 31)


@dataclass(frozen=True)
class Bracket:
    upto: Decimal | None  # the bracket holds amounts up to and including this; None: no top
    rate: Decimal
    quick: Decimal  # 速算扣除数


def _table(*rows: tuple[int | None, str, int]) -> tuple[Bracket, ...]:
    return tuple(
        Bracket(None if upto is None else Decimal(upto), Decimal(rate), Decimal(quick))
        for upto, rate, quick in rows
    )


CUMULATIVE = _table(
    (36000, "0.03", 0),
    (144000, "0.10", 2520),
    (300000, "0.20", 16920),
    (420000, "0.25", 31920),
    (660000, "0.30", 52920),
    (960000, "0.35", 85920),
    (None, "0.45", 181920),
)
MONTHLY = _table(
    (3000, "0.03", 0),
    (12000, "0.10", 210),
    (25000, "0.20", 1410),
    (35000, "0.25", 2660),
    (55000, "0.30", 4410),
    (80000, "0.35", 7160),
    (None, "0.45", 15160),
)
LABOR = _table((20000, "0.20", 0), (50000, "0.30", 2000), (None, "0.40", 7000))
# 劳务报酬: a payment of at most 4,000 is taxed on the amount less 800, a larger one on 80%.
LABOR_FLAT_UNTIL = Decimal(4000)
LABOR_FLAT = Decimal(800)
LABOR_SHARE = Decimal("0.8")


def _lit(value: Decimal | int) -> pl.Expr:
    return exact(value)


def bracket(amount: pl.Expr, table: tuple[Bracket, ...], times: int = 1) -> list[pl.Expr]:
    """The bracket `amount` falls in: its number (1…), rate and quick deduction. With
    `times`, the bracket of amount ÷ times, compared as amount ≤ times × bound (exact)."""
    row: pl.Expr = pl.lit(len(table))
    rate: pl.Expr = _lit(table[-1].rate)
    quick: pl.Expr = _lit(table[-1].quick)
    for number in range(len(table) - 1, 0, -1):  # the last bracket is the otherwise
        upto = table[number - 1].upto
        assert upto is not None
        holds = amount <= _lit(upto * times)
        row = pl.when(holds).then(pl.lit(number)).otherwise(row)
        rate = pl.when(holds).then(_lit(table[number - 1].rate)).otherwise(rate)
        quick = pl.when(holds).then(_lit(table[number - 1].quick)).otherwise(quick)
    return [row, rate, quick]


def _positive(expr: pl.Expr) -> pl.Expr:
    return pl.when(expr > 0).then(expr).otherwise(_lit(0))


def cumulative(prefix: str = "cum_") -> list[pl.Expr]:
    """The year to date, this month included, from ``ytd_<x>`` and this month's ``<x>``:
    income (wages taxed this month), exempt income, social insurance and housing fund,
    special additional deductions, other deductions, and the basic deduction."""
    basic = (
        pl.when(pl.col("annual_60k"))
        .then(_lit(ANNUAL_60K))
        .otherwise(pl.col("months_counted").cast(ENGINE) * _lit(BASIC_DEDUCTION))
    )
    this = {
        "income": pl.col("income"),
        "exempt": _lit(0),
        "social_insurance": pl.col("social_insurance"),
        "special_deductions": pl.col("special_deductions"),
        "other_deductions": pl.col("other_deductions"),
    }
    out = [basic.alias(prefix + "basic")]
    for name, amount in this.items():
        ytd = pl.col("ytd_" + name).cast(ENGINE).fill_null(_lit(0))
        out.append((ytd + amount.cast(ENGINE)).alias(prefix + name))
    return out


def withholding() -> list[pl.Expr]:
    """From the ``cum_`` columns and ``ytd_tax_withheld``: ``cum_taxable``, its bracket
    (``tax_row``, ``tax_rate``, ``tax_quick``), ``cum_tax`` (rounded to the fen once) and
    ``iit_salary`` = cum_tax − already withheld, never below 0 (``tax_waits``: the
    difference waits for the annual settlement)."""
    taxable = _positive(
        pl.col("cum_income")
        - pl.col("cum_exempt")
        - pl.col("cum_basic")
        - pl.col("cum_social_insurance")
        - pl.col("cum_special_deductions")
        - pl.col("cum_other_deductions")
    )
    row, rate, quick = bracket(taxable, CUMULATIVE)
    tax = to_fen(taxable * rate - quick)
    withheld = pl.col("ytd_tax_withheld").cast(ENGINE).fill_null(_lit(0))
    due = tax.cast(ENGINE) - withheld
    return [
        taxable.alias("cum_taxable"),
        row.alias("tax_row"),
        rate.alias("tax_rate"),
        quick.alias("tax_quick"),
        tax.alias("cum_tax"),
        to_fen(_positive(due)).alias("iit_salary"),
        (due < 0).alias("tax_waits"),
    ]


def labor() -> list[pl.Expr]:
    """劳务报酬 withheld per payment (预扣率表二) on ``labor_income``: ``labor_taxable``,
    its bracket and ``iit_labor`` (to the fen)."""
    income = pl.col("labor_income").cast(ENGINE)
    taxable = (
        pl.when(income <= _lit(LABOR_FLAT_UNTIL))
        .then(_positive(income - _lit(LABOR_FLAT)))
        .otherwise(income * _lit(LABOR_SHARE))
    )
    row, rate, quick = bracket(taxable, LABOR)
    return [
        taxable.alias("labor_taxable"),
        row.alias("labor_row"),
        rate.alias("labor_rate"),
        quick.alias("labor_quick"),
        to_fen(_positive(taxable * rate - quick)).alias("iit_labor"),
    ]


def annual_bonus() -> list[pl.Expr]:
    """全年一次性奖金 taxed on its own (财税〔2018〕164号) on ``bonus_separate``: the rate of
    the monthly table's bracket for bonus ÷ 12, tax = bonus × rate − quick deduction."""
    bonus = pl.col("bonus_separate").cast(ENGINE)
    row, rate, quick = bracket(bonus, MONTHLY, times=12)
    return [
        row.alias("bonus_row"),
        rate.alias("bonus_rate"),
        quick.alias("bonus_quick"),
        to_fen(pl.when(bonus > 0).then(bonus * rate - quick).otherwise(_lit(0))).alias("iit_bonus"),
    ]
