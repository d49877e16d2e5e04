"""Net pay for a month: from each person's gross, their statutory settings and the year so
far to the contributions, the tax withheld and what is paid out — one frame, one row per
person, every step a column (so an explanation shows the chain without computing again).

The frame handed in (``INPUT``) holds, per person: ``agent_id``; ``gross`` and the part of it
that is an annual bonus (``annual_bonus``); the roster's ``si_base``, ``hf_base``, ``hf_rate``
(null when blank), ``insured``, ``tax_method`` (salary | labor | none),
``first_job_this_year``, ``annual_60k``, ``bonus_merged`` and ``hire_date``; this month's
special additional deductions (``SPECIAL_DEDUCTIONS``) and ``other_deductions``; and the year
so far before this month (``YTD``: null for a person with none)."""

from __future__ import annotations

import polars as pl

from csincentive.core.money import ENGINE, PAY, to_fen
from csincentive.core.month import Month
from csincentive.core.names import OTHER_DEDUCTIONS, SPECIAL_DEDUCTIONS, YTD_COLUMNS
from csincentive.statutory.contributions import bases, contributions
from csincentive.statutory.items import EMPLOYEE_ITEMS, EMPLOYER_ITEMS
from csincentive.statutory.policy import Period
from csincentive.statutory.tax import SEPARATE_BONUS_UNTIL, annual_bonus, cumulative, labor
from csincentive.statutory.tax import withholding as salary_withholding

# The year so far before this month, as ytd.csv writes it and the ledger records it.
YTD = YTD_COLUMNS
# payroll.csv's columns after gross, in order: PAYROLL (statutory/items.py).
EMPLOYER = tuple(f"employer_{item}" for item in EMPLOYER_ITEMS)


def _zero() -> pl.Expr:
    return pl.lit(0, dtype=ENGINE)


def _months_counted(month: Month) -> pl.Expr:
    """Months the basic deduction counts up to this month: from January, or from the hire
    month for someone hired this year (the hire month counts whole), or from January for a
    first job this year (公告2020年第13号); ytd.csv's count plus this month when it has one."""
    hire = pl.col("hire_date")
    start = (
        pl.when(pl.col("first_job_this_year"))
        .then(1)
        .when(hire.dt.year() == month.year)
        .then(hire.dt.month().cast(pl.Int64))
        .otherwise(1)
        .clip(1, month.month)
    )
    by_dates = pl.lit(month.month, dtype=pl.Int64) - start + 1
    ytd = pl.col("ytd_months_counted").cast(pl.Int64)
    return pl.when(ytd.is_not_null()).then(ytd + 1).otherwise(by_dates)


def _this_month(month: Month) -> list[pl.Expr]:
    """What this month adds to the year: wages taxed by the cumulative method, a bonus taxed
    on its own, a labour payment, and the deductions."""
    method = pl.col("tax_method")
    salary = method == "salary"
    bonus = pl.col("annual_bonus").cast(ENGINE).fill_null(_zero())
    separate = salary & ~pl.col("bonus_merged")
    if month.first_day > SEPARATE_BONUS_UNTIL:  # 公告2023年第30号 ends with 2027
        separate = pl.lit(False)
    gross = pl.col("gross").cast(ENGINE)
    bonus_separate = pl.when(separate).then(bonus).otherwise(_zero())
    special = pl.sum_horizontal(
        [pl.col(n).cast(ENGINE).fill_null(_zero()) for n in SPECIAL_DEDUCTIONS]
    )
    return [
        _months_counted(month).alias("months_counted"),
        bonus_separate.alias("bonus_separate"),
        pl.when(salary).then(gross - bonus_separate).otherwise(_zero()).alias("income"),
        pl.when(method == "labor").then(gross).otherwise(_zero()).alias("labor_income"),
        pl.when(salary)
        .then(pl.sum_horizontal([pl.col(i).cast(ENGINE) for i in EMPLOYEE_ITEMS]))
        .otherwise(_zero())
        .alias("social_insurance"),
        pl.when(salary).then(special).otherwise(_zero()).alias("special_deductions"),
        pl.when(salary)
        .then(pl.col(OTHER_DEDUCTIONS).cast(ENGINE).fill_null(_zero()))
        .otherwise(_zero())
        .alias("other_deductions"),
    ]


def _ytd_named() -> list[pl.Expr]:
    """ytd_<x> under the names the cumulative step reads (``ytd_exempt``), and each special
    deduction's year to date (``cum_<name>``: the filing export lists them one by one)."""
    salary = pl.col("tax_method") == "salary"
    return [
        pl.col("ytd_exempt_income").alias("ytd_exempt"),
        *(
            (
                pl.col(f"ytd_{n}").cast(ENGINE).fill_null(_zero())
                + pl.when(salary).then(pl.col(n).cast(ENGINE).fill_null(_zero())).otherwise(_zero())
            ).alias(f"cum_{n}")
            for n in SPECIAL_DEDUCTIONS
        ),
    ]


def _totals() -> list[pl.Expr]:
    salary = pl.col("tax_method") == "salary"
    iit = (
        pl.when(salary).then(pl.col("iit_salary")).otherwise(to_fen(_zero())).cast(ENGINE)
        + pl.col("iit_bonus").cast(ENGINE)
        + pl.col("iit_labor").cast(ENGINE)
    )
    iit = pl.when(pl.col("tax_method") == "none").then(_zero()).otherwise(iit)
    withheld = sum((pl.col(i).cast(ENGINE) for i in EMPLOYEE_ITEMS), start=iit)
    employer = pl.sum_horizontal([pl.col(c).cast(ENGINE) for c in EMPLOYER])
    ytd_withheld = pl.col("ytd_tax_withheld").cast(ENGINE).fill_null(_zero())
    return [
        iit.cast(PAY).alias("iit"),
        (pl.col("gross").cast(ENGINE) - withheld).cast(PAY).alias("net"),
        employer.cast(PAY).alias("employer_total"),
        (pl.col("gross").cast(ENGINE) + employer).cast(PAY).alias("cost"),
        # The year to date after this month, for the next month (tax on a bonus taxed on
        # its own is not part of it: that bonus is not in the cumulative income either).
        (
            ytd_withheld
            + pl.when(salary).then(pl.col("iit_salary").cast(ENGINE)).otherwise(_zero())
        ).alias("cum_tax_withheld"),
    ]


def _completed(people: pl.DataFrame) -> pl.DataFrame:
    """`people` with every optional column it leaves out, at its default: no bonus, no
    declared base or rate (the policy's), insured, the salary method, no flag, no
    deduction, no year so far."""
    defaults: dict[str, pl.Expr] = {
        "annual_bonus": pl.lit(0, dtype=PAY),
        "si_base": pl.lit(None, dtype=ENGINE),
        "hf_base": pl.lit(None, dtype=ENGINE),
        "hf_rate": pl.lit(None, dtype=ENGINE),
        "insured": pl.lit(True),
        "tax_method": pl.lit("salary"),
        "first_job_this_year": pl.lit(False),
        "annual_60k": pl.lit(False),
        "bonus_merged": pl.lit(False),
        "hire_date": pl.lit(None, dtype=pl.Date),
        **{name: _zero() for name in (*SPECIAL_DEDUCTIONS, OTHER_DEDUCTIONS)},
        **{
            f"ytd_{name}": pl.lit(None, dtype=pl.Int64 if name == "months_counted" else ENGINE)
            for name in YTD
        },
        **{f"ytd_{name}": pl.lit(None, dtype=ENGINE) for name in SPECIAL_DEDUCTIONS},
    }
    missing = [expr.alias(name) for name, expr in defaults.items() if name not in people.columns]
    return people.with_columns(missing) if missing else people


def net_pay(people: pl.DataFrame, period: Period, month: Month) -> pl.DataFrame:
    """Every statutory quantity of the month for each person (see the module docstring for
    the columns read; only ``agent_id`` and ``gross`` are required). Money columns are
    exact; each amount is rounded once."""
    return (
        _completed(people)
        .with_columns(bases(period))
        .with_columns(contributions(period))
        .with_columns(_this_month(month) + _ytd_named())
        .with_columns(cumulative())
        .with_columns(salary_withholding() + labor() + annual_bonus())
        .with_columns(_totals())
    )
