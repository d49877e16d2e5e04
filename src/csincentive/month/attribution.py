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
(the reference time is not in the month being paid), ignored_account (the chat that won is
from an account the rules list under [inputs] ignore_accounts: a bot, former staff).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import warnings
from collections.abc import Collection, Iterator
from dataclasses import dataclass

import polars as pl

from csincentive.core.month import Month

UNKNOWN_PREFIX = "?"  # chats from an account not in the roster keep their raw name after it
# What became of each order; sorted, so codes (and reports) follow the names' order.
OUTCOME = pl.Enum(
    ["credited", "ignored_account", "other_month", "outside_window", "silent", "unpaid"]
)
# Chats sorted at a time by attribution (see _latest_chats): a slice's sort, not the month's,
# is what attribution adds to memory.
PART_ROWS = 2_500_000
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
    written>' for an account not in the roster). Unknown accounts keep their own
    key: their chats still compete for orders, so an unknown account never passes its
    orders on to a colleague. Orders one wins stop the month (month.accounts, D301)
    unless the rules ignore the account; then they are paid to nobody."""
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
        )
        .collect()
    )


def resolve_accounts(frames: list[pl.DataFrame], roster: pl.DataFrame) -> list[pl.DataFrame]:
    """Replaces the account as written (agent) by agent_key in each frame, with one key
    type for all of them.

    agent_key is an Enum over every key of the month in sorted order, so a chat row holds
    a 32-bit code instead of a name, and comparing codes compares keys (the tie rule of
    attribute_orders). Accounts are resolved once each, not once per chat."""
    written = pl.concat([frame.get_column("agent").unique() for frame in frames]).unique()
    accounts = account_keys(written, roster)
    keys = pl.Enum(sorted({k for k in accounts.get_column("agent_key").to_list() if k is not None}))
    if len(keys.categories) >= TIE_SLOTS:
        raise ValueError(
            f"{len(keys.categories)} chat accounts in one month: at most {TIE_SLOTS - 1}"
        )
    key_of = accounts.get_column("agent_key").cast(keys)

    def resolved(frame: pl.DataFrame) -> pl.DataFrame:
        if frame.height == 0:  # (replace_strict keeps the input's dtype on an empty column)
            return frame.with_columns(pl.lit(None, keys).alias("agent_key")).drop("agent")
        key = pl.col("agent").replace_strict(accounts["agent"], key_of)
        return frame.with_columns(key.alias("agent_key")).drop("agent")

    return [resolved(frame) for frame in frames]


def buyer_key() -> pl.Expr:
    return pl.col("buyer").hash(seed=0).alias("buyer_key")


ATTRIBUTED_COLUMNS = (
    "outcome",
    "agent_key",
    "chat_time",
)  # what attribute_orders adds to the orders


def attribute_orders(
    orders: pl.LazyFrame,
    chats: pl.LazyFrame,
    *,
    year: int,
    month: int,
    window_days: int,
    judge_by: str,
    ignored: Collection[str] = (),
) -> pl.LazyFrame:
    """Every order, in its own row order, with outcome (an Enum, see OUTCOME), agent_key and
    chat_time (both only when credited, or won by an ``ignored`` agent_key: the chat that
    won is kept for a dispute, its orders are paid to nobody). `chats` carry buyer_key (see
    buyer_key()); `orders` carry it too, or the buyer's name.

    The orders' own columns are passed through, not copied: at millions of orders the
    attribution adds three narrow columns to the frame it was given."""
    start, end = Month(year, month).bounds()
    reference = pl.col("paid_at") if judge_by == "paid" else pl.col("created_at")
    orders = orders.with_columns(reference.alias("ref_time"))
    # Buyers are matched by a 64-bit hash of their name: joining and sorting integers is
    # several times faster than strings at tens of millions of chats. Two different buyer
    # names sharing a hash is a ~1e-6 chance even with ten million buyers a month.
    if "buyer_key" not in orders.collect_schema():
        orders = orders.with_columns(buyer_key())
    frame = orders.collect()
    in_month = pl.col("ref_time").is_between(pl.lit(start), pl.lit(end), closed="left")
    candidate = pl.col("paid_at").is_not_null() & in_month
    chats, accounts = _with_sorted_keys(chats)
    packing = _Packing.of(start, end, window_days, accounts)
    found = _latest_chats(frame, candidate, chats, packing, end)
    decided = _outcome(in_month, window_days, won_by_ignored=_is_one_of(chats, ignored))
    won = pl.col("outcome").is_in(["credited", "ignored_account"])
    return (
        frame.hstack(found)
        .lazy()
        .with_columns(decided.alias("outcome"))
        .with_columns(
            pl.when(won).then(pl.col("agent_key")).alias("agent_key"),
            pl.when(won).then(pl.col("chat_time")).alias("chat_time"),
        )
        .select(pl.exclude("ref_time", *ATTRIBUTED_COLUMNS), *ATTRIBUTED_COLUMNS)
    )


def _outcome(in_month: pl.Expr, window_days: int, won_by_ignored: pl.Expr) -> pl.Expr:
    """What became of an order, from its payment, its ref_time and its buyer's latest chat
    at or before it (chat_time and agent_key, null when there is none)."""
    earliest_day = pl.col("ref_time").dt.date() - pl.duration(days=window_days - 1)

    def outcome(name: str) -> pl.Expr:
        return pl.lit(name, dtype=OUTCOME)

    return (
        pl.when(pl.col("paid_at").is_null())
        .then(outcome("unpaid"))
        .when(~in_month)
        .then(outcome("other_month"))
        .when(pl.col("chat_time").is_null())
        .then(outcome("silent"))
        .when(pl.col("chat_time").dt.date() < earliest_day)
        .then(outcome("outside_window"))
        .when(won_by_ignored)
        .then(outcome("ignored_account"))
        .otherwise(outcome("credited"))
    )


def _is_one_of(chats: pl.LazyFrame, keys: Collection[str]) -> pl.Expr:
    """Whether an order's winning agent_key is one of ``keys`` (false for every order when
    none of them chatted: the month without ignored accounts pays no extra comparison)."""
    dtype = chats.collect_schema()["agent_key"]
    categories = set(dtype.categories) if isinstance(dtype, pl.Enum) else set()
    present = [key for key in keys if key in categories]
    if not present:
        return pl.lit(False)
    return pl.col("agent_key").is_in(pl.Series(present, dtype=dtype).implode())


def _with_sorted_keys(chats: pl.LazyFrame) -> tuple[pl.LazyFrame, int]:
    """chats whose agent_key is an Enum with sorted categories (so codes compare like keys),
    and how many keys there are. The month's chats already are (resolve_accounts); text
    keys are turned into one here."""
    dtype = chats.collect_schema()["agent_key"]
    if isinstance(dtype, pl.Enum) and list(dtype.categories) == sorted(dtype.categories):
        return chats, len(dtype.categories)
    text = pl.col("agent_key").cast(pl.String)
    keys = chats.select(text.unique().drop_nulls()).collect().to_series().sort().to_list()
    return chats.with_columns(text.cast(pl.Enum(keys))), len(keys)


@dataclass(frozen=True)
class _Packing:
    """One Int64 per chat that sorts like (buyer's bucket, second, agent_key reversed).

    A bucket is the top bits of the buyer's hash, so one as-of join without `by` over this
    key finds, for each order, the latest chat in its bucket at or before it — the latest
    chat of its own buyer unless another buyer of the bucket chatted in between (rare; such
    orders are looked up again by buyer, see _latest_chats). Of chats in the same second,
    the smallest agent_key packs largest and wins: the tie rule. Seconds count from the
    start of the window of the month's first day (earlier chats all pack as second 0: they
    can only make an order outside_window); times are whole seconds in every format read.
    """

    first_second: int  # epoch second packed as 1
    time_bits: int
    rank_bits: int

    @staticmethod
    def of(start: dt.datetime, end: dt.datetime, window_days: int, accounts: int) -> _Packing:
        first = start - dt.timedelta(days=window_days - 1)
        span = int((end - first).total_seconds()) + 1
        return _Packing(_epoch(first), span.bit_length(), max(accounts, 1).bit_length())

    @property
    def bucket_bits(self) -> int:
        return 63 - self.time_bits - self.rank_bits

    def bucket(self, buyer: str = "buyer_key") -> pl.Expr:
        return (pl.col(buyer) // (1 << (64 - self.bucket_bits))).cast(pl.Int64)

    def _key(self, second: pl.Expr, slot: pl.Expr) -> pl.Expr:
        packed_second = (second - self.first_second + 1).clip(lower_bound=0)
        return (
            self.bucket() * (1 << (self.time_bits + self.rank_bits))
            + packed_second * (1 << self.rank_bits)
            + slot
        )

    def chat_key(self) -> pl.Expr:
        rank = pl.col("agent_key").to_physical().cast(pl.Int64)
        return self._key(pl.col("start_time").dt.epoch("s"), (1 << self.rank_bits) - 1 - rank)

    def order_key(self) -> pl.Expr:
        """An order packs after every chat of its bucket in the same second."""
        return self._key(pl.col("ref_time").dt.epoch("s"), pl.lit((1 << self.rank_bits) - 1))


def _epoch(moment: dt.datetime) -> int:
    return int((moment - dt.datetime(1970, 1, 1)).total_seconds())


def _latest_chats(
    orders: pl.DataFrame,
    candidate: pl.Expr,
    chats: pl.LazyFrame,
    packing: _Packing,
    end: dt.datetime,
) -> list[pl.Series]:
    """chat_time and agent_key of each candidate order's buyer's latest chat at or before
    its ref_time, aligned with ``orders`` (null for other orders and where there is none).

    Only packed keys, buyers and agent codes are sorted and joined, and in slices of
    buckets (PART_ROWS chats each, about): an order and every chat it can match share a
    bucket, so the slices are independent, and the sorting's memory is a slice's, not
    the month's. The chat's time is read back from its key."""
    chat_rows = chats.select(pl.len()).collect().item()
    parts = max(1, -(-chat_rows // PART_ROWS))
    span = -(-(1 << packing.bucket_bits) // parts)
    found = pl.concat(
        _latest_in_buckets(orders, candidate, chats, packing, end, range(low, low + span))
        for low in range(0, 1 << packing.bucket_bits, span)
    )
    second = (pl.col("chat_key") // (1 << packing.rank_bits)) % (1 << packing.time_bits)
    found = found.select(
        "row",
        pl.from_epoch(second + packing.first_second - 1, time_unit="s")
        .cast(pl.Datetime("us"))
        .alias("chat_time"),
        "agent_key",
    )
    # Scattered into columns as long as the orders: their rows are in found["row"].
    columns = []
    for name in ("chat_time", "agent_key"):
        column = pl.repeat(None, orders.height, dtype=found.schema[name], eager=True)
        columns.append(column.scatter(found["row"], found[name]).alias(name))
    return columns


def _latest_in_buckets(
    orders: pl.DataFrame,
    candidate: pl.Expr,
    chats: pl.LazyFrame,
    packing: _Packing,
    end: dt.datetime,
    buckets: range,
) -> pl.DataFrame:
    """(row, chat_key, agent_key) of the candidate orders whose buyer's bucket is in
    ``buckets``: the key and agent of the buyer's latest chat at or before the order."""
    # The buckets are the hash's top bits: a slice of buckets is a range of hashes.
    shift = 64 - packing.bucket_bits
    lowest, highest = buckets.start << shift, min(buckets.stop << shift, 1 << 64) - 1
    in_slice = pl.col("buyer_key").is_between(
        pl.lit(lowest, dtype=pl.UInt64), pl.lit(highest, dtype=pl.UInt64)
    )
    points = (
        chats.filter(in_slice & (pl.col("start_time") < pl.lit(end)))  # later: no order's
        .select(
            packing.chat_key().alias("chat_key"),
            pl.col("buyer_key").alias("chat_buyer"),
            "agent_key",
        )
        .sort("chat_key")
        .collect()
    )
    wanted = (
        orders.lazy()
        .with_row_index("row")
        .filter(candidate & in_slice)
        .select("row", packing.order_key().alias("key"), "buyer_key")
        .sort("key")
        .collect()
    )
    nearest = wanted.join_asof(points, left_on="key", right_on="chat_key", strategy="backward")
    own = pl.col("chat_buyer") == pl.col("buyer_key")
    crowded = (~own & (packing.bucket("chat_buyer") == packing.bucket())).fill_null(False)
    # Orders whose nearest chat was another buyer's of the same bucket: looked up again
    # by buyer, among the chats of those few buckets only.
    retry = nearest.filter(crowded).drop("chat_key", "chat_buyer", "agent_key")
    crowded_buckets = retry.select(packing.bucket().unique()).to_series().implode()
    retry_points = points.filter(packing.bucket("chat_buyer").is_in(crowded_buckets)).rename(
        {"chat_buyer": "buyer_key"}
    )
    with sorted_by_us():
        rechecked = retry.join_asof(
            retry_points, left_on="key", right_on="chat_key", by="buyer_key", strategy="backward"
        )
    return pl.concat(
        [
            nearest.filter(~crowded).select(
                "row",
                pl.when(own).then(pl.col("chat_key")).alias("chat_key"),
                pl.when(own).then(pl.col("agent_key")).alias("agent_key"),
            ),
            rechecked.select("row", "chat_key", "agent_key"),
        ]
    )
