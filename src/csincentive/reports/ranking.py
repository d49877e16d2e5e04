"""The ranking table: people ordered by a metric or a component, ties sharing a rank."""

from __future__ import annotations

import polars as pl

from csincentive.core.diagnostics import InputError
from csincentive.core.money import ENGINE
from csincentive.core.names import BUILTIN
from csincentive.month.result import MonthResult


def rank_table(
    result: MonthResult,
    by: str,
    *,
    team: str | None = None,
    top: int | None = None,
    ascending: bool = False,
) -> pl.DataFrame:
    """rank, the person columns, <by>, sales, conversion, then every total (gross …)."""
    totals = result.totals
    table = result.metrics.join(result.payroll.select("agent_id", *totals), on="agent_id")
    components = {line.id for line in result.lines_meta}
    if by in components and by not in table.columns:
        values = result.lines.filter(pl.col("component") == by).select(
            "agent_id", pl.col("amount").alias(by)
        )
        table = table.join(values, on="agent_id", how="left")
        table = table.with_columns(pl.col(by).cast(ENGINE, strict=False).fill_null(0))
    if by not in table.columns:
        not_ranked = {*result.person_columns, "grade"}
        choices = sorted({*BUILTIN, *components, *totals} - not_ranked)
        raise InputError.single(
            "--by",
            f"unknown metric or component '{by}'; choose one of: {', '.join(choices)}",
            code="U100",
        )
    if team is not None:
        table = table.filter(pl.col("team") == team)
    rank = pl.col(by).rank(method="min", descending=not ascending).cast(pl.Int64)
    columns = ["rank", *result.person_columns, by]
    columns += [c for c in ("sales", "conversion", *totals) if c != by]
    table = table.with_columns(rank.alias("rank")).sort("rank", "agent_id").select(columns)
    if top is not None:
        table = table.filter(pl.col("rank") <= top)
    return table
