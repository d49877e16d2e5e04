"""The per-order table of a month: every order of the export with what became of it, the
person it was credited to and the chat that won it. One table serves the ledger (its
``orders``, which later months read for late refunds) and the per-order file a dispute is
answered from (attribution.csv / attribution.parquet): built once, from the orders the
month attributed — never a second attribution.

In the export's order, with each order's ``line``. ``agent_key`` is the key attribution
credited (a roster agent_id, or ``?`` and the account as written for an account not in the
roster); agent_id and name are the roster person credited; chat_account is the account the
winning chat came from: the account as written when it is not in the roster, else the
roster's chat_nick (or agent_id, for a person without one)."""

from __future__ import annotations

import polars as pl

from csincentive.month.attribution import UNKNOWN_PREFIX

# The columns, in order; buyer and status when the orders carry them (a month's do).
PER_ORDER_COLUMNS = (
    "order_id",
    "line",
    "buyer",
    "created_at",
    "paid_at",
    "paid_amount",
    "refund_amount",
    "clawed_refund",
    "status",
    "outcome",
    "agent_key",
    "agent_id",
    "name",
    "chat_start",
    "chat_account",
)


def per_order_table(orders: pl.DataFrame, values: pl.DataFrame) -> pl.DataFrame:
    """The month's ``orders`` (attribution's, in export order) with who each was credited
    to, from the roster in ``values``."""
    key = orders.get_column("agent_key")
    keys = key.dtype
    if not isinstance(keys, pl.Enum):  # (the month's keys are one; a bare frame's may not be)
        keys = pl.Enum(key.cast(pl.String).drop_nulls().unique().sort())
        key = key.cast(pl.String).cast(keys)
    # Who each key is, worked out once per key; the orders pick their row by the key's
    # code — at millions of orders, a lookup of strings would cost more than the writing.
    by_key = _who(keys.categories, values).select(pl.all().gather(key.to_physical()))
    columns = {
        **{name: orders.get_column(name) for name in orders.columns},
        "agent_key": key,
        "chat_start": orders.get_column("chat_time"),
        **{name: by_key.get_column(name) for name in by_key.columns},
    }
    return pl.DataFrame(
        [columns[name].alias(name) for name in PER_ORDER_COLUMNS if name in columns]
    )


def _who(keys: pl.Series, values: pl.DataFrame) -> pl.DataFrame:
    """Per agent_key, in the order given: agent_id and name (null for an account not in
    the roster) and chat_account, each an Enum (a code per order, not a string)."""
    nick = pl.col("chat_nick") if "chat_nick" in values.columns else pl.lit(None, pl.String)
    people = values.select(
        pl.col("agent_id").cast(pl.String),
        pl.col("name").cast(pl.String),
        pl.coalesce(nick.cast(pl.String), pl.col("agent_id")).alias("account"),
    )
    key = pl.col("agent_key")
    unknown = key.str.starts_with(UNKNOWN_PREFIX)
    who = (
        pl.DataFrame({"agent_key": keys.cast(pl.String)})
        .join(people, left_on="agent_key", right_on="agent_id", how="left", maintain_order="left")
        .select(
            pl.when(~unknown).then(key).alias("agent_id"),
            pl.when(~unknown).then(pl.col("name")).alias("name"),
            pl.when(unknown)
            .then(key.str.strip_prefix(UNKNOWN_PREFIX))
            .otherwise("account")
            .alias("chat_account"),
        )
    )
    return who.select(
        pl.col(c).cast(pl.Enum(who[c].drop_nulls().unique().sort())) for c in who.columns
    )
