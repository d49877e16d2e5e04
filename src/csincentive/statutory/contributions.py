"""Social insurance and housing fund (社保/公积金) on the declared base, one Polars
expression per quantity over a frame of people (one row per person).

- The social insurance base is the declared ``si_base``, the floor in force when blank,
  clamped to the period's floor and cap.
- The housing fund base is the declared ``hf_base``, else the declared ``si_base`` (the SI
  floor when that is blank too), clamped to the housing fund's own floor and cap.
- Each item is base × rate, rounded half-up once, to the fen or the yuan as the policy says
  for that item; the employee's medical share adds the policy's ``medical_fixed``.
- ``insured = false`` means no social insurance and no housing fund: every item is 0.
- A person's ``hf_rate`` (within the policy's range, checked where agents.csv is read) is
  paid by both sides; blank is the policy's rate."""

from __future__ import annotations

from decimal import Decimal

import polars as pl

from csincentive.core.money import ENGINE, exact, to_fen, to_yuan
from csincentive.statutory.items import EMPLOYEE_ITEMS, EMPLOYER_ITEMS
from csincentive.statutory.policy import Bounds, Period


def _lit(value: Decimal) -> pl.Expr:
    return exact(value)


def _clamp(declared: pl.Expr, bounds: Bounds) -> pl.Expr:
    return declared.clip(_lit(bounds.floor), _lit(bounds.cap))


def bases(period: Period) -> list[pl.Expr]:
    """``si_declared``/``hf_declared`` (what agents.csv says, defaults filled) and the
    clamped ``si_base_used``/``hf_base_used``; reads si_base, hf_base (ENGINE, null = blank)."""
    si_declared = pl.col("si_base").cast(ENGINE).fill_null(_lit(period.si_base.floor))
    hf_declared = pl.col("hf_base").cast(ENGINE).fill_null(si_declared)
    return [
        si_declared.alias("si_declared"),
        hf_declared.alias("hf_declared"),
        _clamp(si_declared, period.si_base).alias("si_base_used"),
        _clamp(hf_declared, period.hf_base).alias("hf_base_used"),
    ]


def _rounded(expr: pl.Expr, period: Period, item: str) -> pl.Expr:
    return to_yuan(expr) if period.rounding.of(item) == "yuan" else to_fen(expr)


def _hf_rate(period: Period, side: str) -> pl.Expr:
    default = getattr(period, side).housing_fund
    return pl.col("hf_rate").cast(ENGINE).fill_null(_lit(default))


def contributions(period: Period) -> list[pl.Expr]:
    """Employee items (``pension, medical, unemployment, housing_fund``), employer items
    (``employer_<item>``), ``hf_rate_used``; needs the columns of ``bases`` and ``insured``."""
    out: list[pl.Expr] = [_hf_rate(period, "employee").alias("hf_rate_used")]
    for side, items, prefix in (
        ("employee", EMPLOYEE_ITEMS, ""),
        ("employer", EMPLOYER_ITEMS, "employer_"),
    ):
        rates = getattr(period, side)
        for item in items:
            if item == "housing_fund":
                raw = pl.col("hf_base_used") * _hf_rate(period, side)
            else:
                raw = pl.col("si_base_used") * _lit(getattr(rates, item))
            amount = _rounded(raw, period, item)
            if side == "employee" and item == "medical" and period.medical_fixed:
                amount = (amount.cast(ENGINE) + _lit(period.medical_fixed)).pipe(to_fen)
            out.append(
                pl.when(pl.col("insured"))
                .then(amount)
                .otherwise(to_fen(_lit(Decimal(0))))
                .alias(prefix + item)
            )
    return out
