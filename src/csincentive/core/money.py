"""Money has one home. Every amount in the rules engine is a Decimal with ten places
(``ENGINE_DTYPE``); every amount on a payslip is rounded half-up (half away from zero) to
the fen exactly once, when a pay component is produced (``to_fen``). Components that refer
to other components see the rounded payslip amount, and ``gross`` is the sum of the rounded
lines, so the lines of a payslip always add up to its total."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import polars as pl

ENGINE_SCALE = 10
FEN = Decimal("0.01")

# The Polars dtypes of money and exact numbers: the only place one is written.
ENGINE = pl.Decimal(38, ENGINE_SCALE)  # every amount and figure inside the engine
PAY = pl.Decimal(38, 2)  # an amount on a payslip: fen
RATIO = pl.Decimal(38, 4)  # a ratio as metrics.csv shows it (52.34%)
TENTHS = pl.Decimal(38, 1)  # a percentage to a tenth, as explanations show it


def exact(value: Decimal | int, dtype: pl.Decimal = ENGINE) -> pl.Expr:
    """A number as a Polars literal of `dtype`, exactly (the same value and rounding as
    ``pl.lit(Decimal(value), dtype=dtype)``). It is handed to Polars as its digits: the
    first Python Decimal Polars converts makes it import NumPy, a tenth of a second of
    every run's start-up."""
    return pl.lit(format(Decimal(value), "f")).cast(dtype)


def exact_frame(
    data: Mapping[str, Sequence[object]], schema: Mapping[str, pl.DataType | type[pl.DataType]]
) -> pl.DataFrame:
    """``pl.DataFrame(data, schema=schema)``, its Decimal columns (of Decimals or None)
    handed to Polars as digits, like ``exact``."""
    return pl.DataFrame([_column(name, data[name], dtype) for name, dtype in schema.items()])


def _column(
    name: str, values: Sequence[object], dtype: pl.DataType | type[pl.DataType]
) -> pl.Series:
    if isinstance(dtype, pl.Decimal):
        digits = [None if value is None else format(value, "f") for value in values]
        return pl.Series(name, digits, dtype=pl.String).cast(dtype)
    return pl.Series(name, values, dtype=dtype)


def D(value: object) -> Decimal:
    """Exact decimal from a TOML/CSV value. Floats go through their repr, so 0.1 is 0.1."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise InvalidOperation(f"not a number: {value!r}")
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(str(value).strip())


def round_fen(value: Decimal) -> Decimal:
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


def to_fen(expr: pl.Expr) -> pl.Expr:
    """The single rounding point: half away from zero to 2 places, kept as PAY."""
    return expr.round(2, mode="half_away_from_zero").cast(PAY)


def to_yuan(expr: pl.Expr) -> pl.Expr:
    """The rounding a statutory policy may ask for instead (a city that rounds its housing
    fund to the yuan): half away from zero to a whole yuan, kept as PAY."""
    return expr.round(0, mode="half_away_from_zero").cast(PAY)


def plain(value: Decimal) -> str:
    """A number as written, without the engine's trailing zeros or an exponent:
    10.5050000000 → "10.505", 2500.0000000000 → "2500", 0E-10 → "0"."""
    return format(value.normalize(), "f")
