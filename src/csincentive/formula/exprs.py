"""Exact Polars building blocks shared by the compiler and the function table."""

from __future__ import annotations

from decimal import Decimal

import polars as pl

from csincentive.core.money import ENGINE, exact


def lit(value: Decimal | int) -> pl.Expr:
    """An exact number at the engine's Decimal(38, 10)."""
    return exact(value)


def divide(a: pl.Expr, b: pl.Expr) -> pl.Expr:
    """a / b, and 0 where b is 0: Polars aborts the whole query on a Decimal division by
    zero, and "no sales this month" must give a zero ratio, not a crash."""
    # Polars evaluates both when/then branches, so the divisor itself must be made
    # non-zero; the outer when then turns x / 0 into 0.
    is_zero = b == lit(0)
    safe = pl.when(is_zero).then(lit(1)).otherwise(b)
    return pl.when(is_zero).then(lit(0)).otherwise((a / safe).cast(ENGINE))
