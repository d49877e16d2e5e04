"""What changed between two runs of a month, per person and line: what a refused run over
a sealed month shows, and what a run of a reopened month prints against the sealed one."""

from __future__ import annotations

from decimal import Decimal

import polars as pl

from csincentive.core.money import PAY


def diff_lines(old: pl.DataFrame, new: pl.DataFrame) -> pl.DataFrame:
    """Per person and component, the lines whose amount differs between two runs.

    Columns: agent_id, name, component, label, old, new (the amounts as shown in
    lines.csv, strings: "10.51", "44.4%"; null where the line is absent), delta (new − old
    as Decimal(38, 2) for pay lines, an absent line counting as 0; null for intermediate
    values, which have no common unit). Sorted by agent_id, then the rules' order."""
    keys = ["agent_id", "component"]

    def side(frame: pl.DataFrame, suffix: str) -> pl.DataFrame:
        return frame.select(
            *keys,
            pl.col("name").alias(f"name{suffix}"),
            pl.col("label").alias(f"label{suffix}"),
            pl.col("pays").alias(f"pays{suffix}"),
            pl.col("amount").alias(suffix.strip("_")),
            # the rules' order within each person, for sorting
            pl.int_range(pl.len()).over("agent_id").alias(f"pos{suffix}"),
        )

    joined = side(old, "_old").join(side(new, "_new"), on=keys, how="full", coalesce=True)
    pays = pl.coalesce("pays_new", "pays_old")
    fen = {c: pl.col(c).cast(PAY, strict=False).fill_null(Decimal(0)) for c in ("old", "new")}
    return (
        joined.filter(pl.col("old").ne_missing(pl.col("new")))
        .with_columns(
            pl.coalesce("name_new", "name_old").alias("name"),
            pl.coalesce("label_new", "label_old").alias("label"),
            pl.when(pays).then((fen["new"] - fen["old"]).cast(PAY)).alias("delta"),
            pl.coalesce("pos_new", "pos_old").alias("_pos"),
        )
        .sort("agent_id", "_pos", "component")
        .select("agent_id", "name", "component", "label", "old", "new", "delta")
    )
