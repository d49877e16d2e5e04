"""询单->最终付款: which agent each paid order is credited to.

An order is credited to the agent whose chat with the same buyer started most recently at
or before the order's reference time (creation time by default, or payment time), provided
the chat's calendar day is no more than ``window_days - 1`` days before the order's day
(window 2 = the order's day or the day before, as 赤兔/生意参谋 count it). If two agents'
chats with the buyer start in the same second, the agent whose id sorts first wins — a
rule, not an accident of join order. Orders with no such chat are silent (静默) and credited
to nobody.

Outcomes per order: credited, silent (no chat with that buyer before the order),
outside_window (the buyer's last chat is too old), unpaid (no payment time), other_month
(the reference time is not in the month being paid).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import warnings
from collections.abc import Iterator

import polars as pl

UNKNOWN_PREFIX = "?"  # chats from an account not in the roster keep their raw name after it
TIE_SLOTS = 1 << 24  # distinct chat accounts a month can rank in the tie rule's sort key


@contextlib.contextmanager
def sorted_by_us() -> Iterator[None]:
    """Polars warns that it cannot check sortedness of an as-of join with `by`; both sides
    are sorted explicitly in attribute_orders, so the warning is noise for our users."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Sortedness of columns cannot be checked")
        yield


def chat_agent_keys(roster: pl.DataFrame) -> pl.LazyFrame:
    """Every way a chat export can name an agent (chat_nick or agent_id) → agent_id."""
    by_nick = roster.filter(pl.col("chat_nick").is_not_null()).select(
        pl.col("chat_nick").alias("key"), "agent_id"
    )
    by_id = roster.select(pl.col("agent_id").alias("key"), "agent_id")
    return pl.concat([by_nick, by_id]).unique("key", keep="first").lazy()


def account_keys(accounts: pl.Series, roster: pl.DataFrame) -> pl.DataFrame:
    """Each chat account as written → agent_key (the roster agent_id, or '?<name as
    written>' for an account not in the roster) and known. Unknown accounts keep their own
    key: their chats still compete for orders, so an unknown account never passes its
    orders on to a colleague; the reconciliation reports it."""
    written = accounts.cast(pl.String).alias("written")
    return (
        pl.DataFrame([accounts.alias("agent"), written])
        .lazy()
        .join(chat_agent_keys(roster), left_on="written", right_on="key", how="left")
        .select(
            "agent",
            pl.coalesce(pl.col("agent_id"), pl.lit(UNKNOWN_PREFIX) + pl.col("written")).alias(
                "agent_key"
            ),
            pl.col("agent_id").is_not_null().alias("known"),
        )
        .collect()
    )


def resolve_agents(chats: pl.DataFrame, roster: pl.DataFrame) -> pl.DataFrame:
    """Replaces the account as written (agent) by agent_key and known.

    agent_key is an Enum over every key of the month in sorted order, so a chat row holds
    a 32-bit code instead of a name, and comparing codes compares keys (the tie rule of
    attribute_orders). Accounts are resolved once each, not once per chat."""
    accounts = account_keys(chats.get_column("agent").unique(), roster)
    keys = pl.Enum(sorted({k for k in accounts.get_column("agent_key").to_list() if k is not None}))
    if len(keys.categories) >= TIE_SLOTS:
        raise ValueError(
            f"{len(keys.categories)} chat accounts in one month: at most {TIE_SLOTS - 1}"
        )
    if chats.height == 0:  # (replace_strict keeps the input's dtype on an empty column)
        typed = [pl.lit(None, keys).alias("agent_key"), pl.lit(None, pl.Boolean).alias("known")]
        return chats.with_columns(typed).drop("agent")
    agent = pl.col("agent")
    return chats.with_columns(
        agent.replace_strict(accounts["agent"], accounts["agent_key"].cast(keys)).alias(
            "agent_key"
        ),
        agent.replace_strict(accounts["agent"], accounts["known"]).alias("known"),
    ).drop("agent")


def buyer_key() -> pl.Expr:
    return pl.col("buyer").hash(seed=0).alias("buyer_key")


def month_bounds(year: int, month: int) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime(year, month, 1)
    end = dt.datetime(year + month // 12, month % 12 + 1, 1)
    return start, end


def attribute_orders(
    orders: pl.LazyFrame,
    chats: pl.LazyFrame,
    *,
    year: int,
    month: int,
    window_days: int,
    judge_by: str,
) -> pl.LazyFrame:
    """Orders with outcome, agent_key (when credited) and the credited chat's start time.
    `chats` carry buyer_key (see buyer_key()); `orders` carry it too, or the buyer's name."""
    start, end = month_bounds(year, month)
    reference = pl.col("paid_at") if judge_by == "paid" else pl.col("created_at")
    orders = orders.with_columns(reference.alias("ref_time"))
    in_month = pl.col("ref_time").is_between(pl.lit(start), pl.lit(end), closed="left")

    # Buyers are matched by a 64-bit hash of their name: joining and sorting integers is
    # several times faster than strings at tens of millions of chats. Two different buyer
    # names sharing a hash is a ~1e-6 chance even with ten million buyers a month.
    if "buyer_key" not in orders.collect_schema():
        orders = orders.with_columns(buyer_key())
    candidates = orders.filter(pl.col("paid_at").is_not_null() & in_month)
    # The tie rule: among chats with a buyer in the same second, the as-of join takes the
    # last row, so sorting the smallest agent_key last gives it the order (a test pins this).
    # One Int64 sort key — the second, then the key's rank reversed — sorts twice as fast
    # as two sort columns. Times are whole seconds (every accepted format is), so the
    # order by key is the order by time.
    agent_key = chats.collect_schema()["agent_key"]
    rank = (
        pl.col("agent_key").to_physical()  # an Enum's codes follow its sorted categories
        if isinstance(agent_key, pl.Enum)
        and list(agent_key.categories) == sorted(agent_key.categories)
        else pl.col("agent_key").rank("dense")
    ).cast(pl.Int64)
    chat_points = chats.select(
        "buyer_key", pl.col("start_time").alias("chat_time"), "agent_key"
    ).sort(pl.col("chat_time").dt.epoch("s") * TIE_SLOTS + (TIE_SLOTS - 1 - rank))
    matched = candidates.sort("ref_time").join_asof(
        chat_points,
        left_on="ref_time",
        right_on="chat_time",
        by="buyer_key",
        strategy="backward",
    )
    earliest_day = pl.col("ref_time").dt.date() - pl.duration(days=window_days - 1)
    outcome = (
        pl.when(pl.col("chat_time").is_null())
        .then(pl.lit("silent"))
        .when(pl.col("chat_time").dt.date() < earliest_day)
        .then(pl.lit("outside_window"))
        .otherwise(pl.lit("credited"))
    )
    matched = matched.with_columns(outcome.alias("outcome")).with_columns(
        pl.when(pl.col("outcome") == "credited").then(pl.col("agent_key")).alias("agent_key"),
        pl.when(pl.col("outcome") == "credited").then(pl.col("chat_time")).alias("chat_time"),
    )
    others = orders.filter(~(pl.col("paid_at").is_not_null() & in_month)).with_columns(
        pl.when(pl.col("paid_at").is_null())
        .then(pl.lit("unpaid"))
        .otherwise(pl.lit("other_month"))
        .alias("outcome"),
        pl.lit(None, dtype=agent_key).alias("agent_key"),
        pl.lit(None, dtype=pl.Datetime("us")).alias("chat_time"),
    )
    columns = [
        "order_id",
        "buyer_key",
        "created_at",
        "paid_at",
        "paid_amount",
        "refund_amount",
        "line",
        "outcome",
        "agent_key",
        "chat_time",
    ]
    return pl.concat([matched.select(columns), others.select(columns)], how="vertical")
