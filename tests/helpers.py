"""Small helpers shared by the golden-month tests."""

from __future__ import annotations

from decimal import Decimal

import polars as pl


def D(*values: str) -> list[Decimal]:
    """Exact amounts, written as on a payslip: D("10.51", "0.00")."""
    return [Decimal(v) for v in values]


def line(result, agent_id: str, component: str) -> dict:  # type: ignore[no-untyped-def]
    """One row of lines.csv (amount, explanation …) for a person and a component."""
    rows = result.lines.filter(
        (pl.col("agent_id") == agent_id) & (pl.col("component") == component)
    )
    assert rows.height == 1
    return rows.row(0, named=True)
