"""core/money.py's literals made from digits: the same values, dtypes and rounding as the
literals Polars makes of Python Decimals, worked here by hand."""

from __future__ import annotations

from decimal import Decimal

import polars as pl
import pytest

from csincentive.core.money import ENGINE, PAY, exact, exact_frame


@pytest.mark.parametrize(
    ("value", "dtype", "expected"),
    [
        (Decimal("1.5"), ENGINE, Decimal("1.5000000000")),
        (Decimal("-0.005"), ENGINE, Decimal("-0.0050000000")),
        (Decimal("1E+3"), ENGINE, Decimal("1000.0000000000")),  # an exponent, written out
        (2500, ENGINE, Decimal("2500.0000000000")),
        (Decimal("0.000000000051"), ENGINE, Decimal("0.0000000001")),  # past ten places
        (Decimal("123.456"), PAY, Decimal("123.46")),
        (Decimal("0.015"), PAY, Decimal("0.02")),  # half to even at the cast, as Polars does
        (Decimal("0.025"), PAY, Decimal("0.02")),
    ],
)
def test_exact_is_the_literal_polars_makes_of_the_decimal(
    value: Decimal | int, dtype: pl.Decimal, expected: Decimal
) -> None:
    made = pl.select(exact(value, dtype)).to_series()
    assert made.dtype == dtype
    assert made.to_list() == [expected]
    assert made.equals(pl.select(pl.lit(Decimal(value), dtype=dtype)).to_series())


def test_exact_frame_types_every_column_as_the_schema_says() -> None:
    schema = {"agent_id": pl.String, "target": PAY, "weight": ENGINE, "line": pl.Int64}
    data = {
        "agent_id": ["A1", "A2"],
        "target": [Decimal("20000"), None],
        "weight": [Decimal("0.35"), Decimal("-1E-2")],
        "line": [2, 3],
    }
    frame = exact_frame(data, schema)
    assert frame.schema == pl.Schema(schema)
    assert frame.rows() == [
        ("A1", Decimal("20000.00"), Decimal("0.3500000000"), 2),
        ("A2", None, Decimal("-0.0100000000"), 3),
    ]
    assert frame.equals(pl.DataFrame(data, schema=schema))
