"""Per-agent figures for the month, as one lazy frame: roster fields, calendar facts
(days employed, probation days), chat metrics and credited-sales metrics. Every rate is a
ratio of sums computed as an exact Decimal (0 when the denominator is 0)."""

from __future__ import annotations

import polars as pl

from csincentive.core.money import ENGINE, PAY, exact
from csincentive.core.month import Month
from csincentive.month.attribution import UNKNOWN_PREFIX
from csincentive.sources.chats import SATISFIED_RATINGS

# What chat_sums sums per account and part of the timeline (all Int64).
CHAT_SUMS = [
    "sessions",
    "rated_sessions",
    "satisfied_sessions",
    "agent_messages",
    "buyer_messages",
    "slow_responses",
    "first_response_ms",
    "first_responses",
    "session_mean_ms",
    "session_means",
    "reply_ms",
    "replies",
]


def ratio(numerator: str, denominator: str) -> pl.Expr:
    den = pl.col(denominator).cast(ENGINE)
    return (
        pl.when(den == 0)
        .then(exact(0))
        .otherwise(pl.col(numerator).cast(ENGINE) / den)
        .cast(ENGINE)
    )


def rating_flags() -> list[pl.Expr]:
    """rated / satisfied from the rating text: two booleans per session are all the
    metrics need, so the text need not be kept for tens of millions of sessions. The
    loaded rating is already stripped, and null when blank (inputs._cell)."""
    rating = pl.col("rating")
    return [
        (rating.is_not_null() & (rating != "")).fill_null(False).alias("rated"),
        rating.is_in(list(SATISFIED_RATINGS)).fill_null(False).alias("satisfied"),
    ]


def relative_month(year: int, month: int) -> pl.Expr:
    """-1 for a session that started before the month, 0 within it, 1 after it (Int8).
    Two comparisons per row: grouping by calendar day (or month) instead costs a date
    conversion per row and a group per account and day — three times the time at tens of
    millions of sessions."""
    start, end = Month(year, month).bounds()
    started = pl.col("start_time")
    return (
        (started >= pl.lit(start)).cast(pl.Int8) + (started >= pl.lit(end)).cast(pl.Int8) - 1
    ).alias("relative_month")


def chat_sums(
    chats: pl.LazyFrame, year: int, month: int, account: str = "agent_key"
) -> pl.LazyFrame:
    """Session rows → one row per account and relative_month (before, in or after the
    month): every sum the month's chat figures are made of. All sums are integers
    (response times in whole milliseconds), so they come out the same whatever order a
    parallel engine adds them in. The month builds these in the same pass that reads
    the export, so the per-session columns they summarise are never held in memory; with
    first_line (the account's first line) and row_problem (any of its rows flagged) when
    the rows carry them.

    Message-level exports bring per-session message counts (see
    sources.messages.sessions_from_messages); a session-level export, or a frame without those
    columns, counts 0 messages and 0 slow responses."""
    schema = chats.collect_schema()
    rating = [] if "rated" in schema else rating_flags()
    first, mean, replies = pl.col("first_response_s"), pl.col("avg_response_s"), pl.col("replies")
    sums = {
        "sessions": pl.len().cast(pl.Int64),
        "first_response_ms": _milliseconds(first).sum(),
        "first_responses": first.count().cast(pl.Int64),
        "rated_sessions": pl.col("rated").sum().cast(pl.Int64),
        "satisfied_sessions": pl.col("satisfied").sum().cast(pl.Int64),
    }
    # Per-session columns only message-level exports have (sources.messages.sessions_from_messages);
    # without them the sums are 0, added after grouping rather than summed from nulls.
    if "avg_response_s" in schema:
        sums["session_mean_ms"] = _milliseconds(mean).sum()
        sums["session_means"] = mean.count().cast(pl.Int64)
    if "replies" in schema:
        sums["reply_ms"] = _milliseconds(mean * replies).sum()
        sums["replies"] = replies.sum().cast(pl.Int64)
    for name in ("agent_messages", "buyer_messages", "slow_responses"):
        if name in schema:
            sums[name] = pl.col(name).sum().cast(pl.Int64)
    if "line" in schema:
        sums["first_line"] = pl.col("line").min()
    if "row_problem" in schema:
        sums["row_problem"] = pl.col("row_problem").any()
    absent = [pl.lit(0, dtype=pl.Int64).alias(name) for name in CHAT_SUMS if name not in sums]
    return (
        chats.with_columns(rating)
        .group_by(account, relative_month(year, month))
        .agg(expr.alias(name) for name, expr in sums.items())
        .with_columns(absent)
    )


def added_sums(sums: pl.DataFrame, account: str = "agent_key") -> pl.DataFrame:
    """chat_sums of several parts of one export (sources.message_parts) as one row per
    account and relative_month: the counts and whole-millisecond sums added, the first
    line the least, a flagged row anywhere flagging the account — the same values the
    whole export gives at once."""
    keys = [account, "relative_month"]
    first = [pl.col("first_line").min()] if "first_line" in sums.columns else []
    flagged = [pl.col("row_problem").any()] if "row_problem" in sums.columns else []
    summed = [c for c in sums.columns if c not in {*keys, "first_line", "row_problem"}]
    return sums.group_by(keys).agg(pl.col(summed).sum(), *first, *flagged).select(sums.columns)


def month_chat_metrics(
    sums: pl.LazyFrame, chats: pl.LazyFrame, year: int, month: int
) -> pl.LazyFrame:
    """Sessions that started in the month (earlier chats only serve attribution), per
    agent_key, from chat_sums (of the same month) and the chats' (agent_key, buyer,
    start_time).

    avg_response_s is the mean over every reply of the month (Σ gaps / Σ replies), not the
    mean of session means, so a long chat weighs more than a one-line one; a session-level
    export has no reply counts and gives the mean of its sessions' 平均响应时长 instead.
    Means are whole-millisecond sums divided once: the same float every run (for whole
    seconds, the same float as the plain mean)."""
    start, end = Month(year, month).bounds()
    counts = ["sessions", "rated_sessions", "satisfied_sessions"]
    counts += ["agent_messages", "buyer_messages", "slow_responses"]

    def mean_of(total: str, count: str) -> pl.Expr:
        return pl.when(pl.col(count) > 0).then(pl.col(total) / (pl.col(count) * 1000))

    stats = (
        sums.filter(pl.col("relative_month") == 0)
        .group_by("agent_key")
        .agg(pl.col(CHAT_SUMS).sum())
        .select(
            "agent_key",
            *counts,
            mean_of("first_response_ms", "first_responses").alias("avg_first_response_s"),
            pl.coalesce(mean_of("reply_ms", "replies"), mean_of("session_mean_ms", "session_means"))
            .cast(pl.Float64)
            .alias("avg_response_s"),
            # 答问比 as 千牛 counts it: agent / buyer messages, 0 when the buyer wrote nothing.
            ratio("agent_messages", "buyer_messages").alias("answer_ratio"),
        )
    )
    chats_in_month = chats.filter(
        pl.col("start_time").is_between(pl.lit(start), pl.lit(end), closed="left")
    )
    buyers = _distinct_buyers(chats_in_month, "buyer", "inquiring_buyers")
    return stats.join(buyers, on="agent_key", how="left").with_columns(_key_as_text())


def _distinct_buyers(frame: pl.LazyFrame, buyer: str, name: str) -> pl.LazyFrame:
    """Distinct buyers per agent_key, as ``name``.

    With agent_key an Enum and buyers as 64-bit hashes (the month's frames), by sorting
    one UInt64 per row — the agent's code above the buyer's hash — and counting where it
    changes: several times faster than a distinct count per group at tens of millions of
    rows. The buyer keeps the top 64 − (bits of the code) bits of its hash (≥ 40 bits: two
    of an agent's buyers sharing them is a ~1e-5 chance at 10,000 buyers)."""
    schema = frame.collect_schema()
    keys = schema["agent_key"]
    if not (isinstance(keys, pl.Enum) and schema[buyer] == pl.UInt64):
        return frame.group_by("agent_key").agg(pl.col(buyer).n_unique().alias(name))
    code_bits = max(len(keys.categories), 1).bit_length()
    shift = 1 << (64 - code_bits)
    code = pl.col("agent_key").to_physical().cast(pl.UInt64)
    pair = (code * shift + pl.col(buyer) // (1 << code_bits)).alias("pair")
    new = pl.col("pair") != pl.col("pair").shift(1)
    return (
        frame.select(pair)
        .sort("pair")
        .filter(new.fill_null(True))
        .group_by((pl.col("pair") // shift).cast(pl.UInt32).alias("code"))
        .agg(pl.len().cast(pl.UInt32).alias(name))
        .select(
            pl.lit(pl.Series(keys.categories)).gather("code").cast(keys).alias("agent_key"),
            name,
        )
    )


def _milliseconds(seconds: pl.Expr) -> pl.Expr:
    return (seconds * 1000).round(0).cast(pl.Int64)


def _key_as_text() -> pl.Expr:
    """agent_key as the roster's text (chats carry it as an Enum code, see resolve_accounts),
    once per agent after grouping rather than once per row."""
    return pl.col("agent_key").cast(pl.String)


def sales_metrics(attributed: pl.LazyFrame) -> pl.LazyFrame:
    credited = attributed.filter(pl.col("outcome") == "credited")
    sums = credited.group_by("agent_key").agg(
        pl.len().alias("orders"),
        pl.col("paid_amount").sum().cast(PAY).alias("sales"),
        pl.col("refund_amount").sum().cast(PAY).alias("refunds"),
    )
    buyers = _distinct_buyers(credited, "buyer_key", "paying_buyers")
    return (
        sums.join(buyers, on="agent_key", how="left")
        .select("agent_key", "orders", "paying_buyers", "sales", "refunds")
        .with_columns(_key_as_text())
    )


def calendar_columns(year: int, month: int, probation_months: int) -> list[pl.Expr]:
    """Days employed in the month and how many of them were on probation.

    Probation runs from hire_date for `probation_months` months (probation_end in the
    roster, the last day of probation, overrides it)."""
    first, last = Month(year, month).first_day, Month(year, month).last_day
    days_in_month = (last - first).days + 1
    work_from = pl.max_horizontal(pl.col("hire_date"), pl.lit(first))
    work_to = pl.min_horizontal(pl.col("leave_date").fill_null(pl.lit(last)), pl.lit(last))
    employed = ((work_to - work_from).dt.total_days() + 1).clip(lower_bound=0)
    probation_end = pl.coalesce(
        pl.col("probation_end"),
        pl.col("hire_date").dt.offset_by(f"{probation_months}mo") - pl.duration(days=1),
    )
    probation_to = pl.min_horizontal(probation_end, work_to)
    on_probation_days = ((probation_to - work_from).dt.total_days() + 1).clip(lower_bound=0)
    tenure = (
        (pl.lit(last).dt.year() - pl.col("hire_date").dt.year()) * 12
        + pl.lit(last).dt.month().cast(pl.Int64)
        - pl.col("hire_date").dt.month().cast(pl.Int64)
        - (pl.lit(last).dt.day() < pl.col("hire_date").dt.day()).cast(pl.Int64)
    ).clip(lower_bound=0)
    return [
        pl.lit(days_in_month, dtype=pl.Int64).alias("days_in_month"),
        employed.cast(pl.Int64).alias("days_employed"),
        pl.min_horizontal(on_probation_days, employed).cast(pl.Int64).alias("probation_days"),
        (employed - pl.min_horizontal(on_probation_days, employed))
        .cast(pl.Int64)
        .alias("regular_days"),
        tenure.cast(pl.Int64).alias("tenure_months"),
        (probation_end >= pl.lit(last)).cast(pl.Int64).alias("on_probation"),
        pl.lit((month - 1) % 3 + 1, dtype=pl.Int64).alias("month_of_quarter"),
        pl.lit(month, dtype=pl.Int64).alias("month_of_year"),
        pl.lit(int(month % 3 == 0), dtype=pl.Int64).alias("quarter_end"),
        pl.lit(int(month == 12), dtype=pl.Int64).alias("year_end"),
    ]


def agent_frame(
    roster: pl.DataFrame,
    chat_stats: pl.LazyFrame,
    sales_stats: pl.LazyFrame,
    *,
    year: int,
    month: int,
    probation_months: int,
) -> pl.LazyFrame:
    """One row per roster person with every built-in name of csincentive.core.names."""
    counts = [
        "sessions",
        "inquiring_buyers",
        "rated_sessions",
        "satisfied_sessions",
        "orders",
        "paying_buyers",
        "agent_messages",
        "buyer_messages",
        "slow_responses",
    ]
    zero_money = exact(0, PAY)
    # A per-agent report gives conversion and satisfaction as rates (month.report_figures):
    # taken as given; from chats and orders they are made from the counts.
    given = set(chat_stats.collect_schema()) & {"conversion", "satisfaction"}
    zero = exact(0)

    def rate(name: str, numerator: str, denominator: str) -> pl.Expr:
        made = pl.col(name).fill_null(zero) if name in given else ratio(numerator, denominator)
        return made.alias(name)

    frame = (
        roster.lazy()
        .join(chat_stats, left_on="agent_id", right_on="agent_key", how="left")
        .join(sales_stats, left_on="agent_id", right_on="agent_key", how="left")
        .with_columns(
            *[pl.col(c).fill_null(0).cast(pl.Int64) for c in counts],
            pl.col("sales").fill_null(zero_money),
            pl.col("refunds").fill_null(zero_money),
            pl.col("target").fill_null(zero_money).cast(PAY),
        )
        .with_columns(
            (pl.col("sales") - pl.col("refunds")).cast(PAY).alias("net_sales"),
            rate("conversion", "paying_buyers", "inquiring_buyers"),
            ratio("refunds", "sales").alias("refund_rate"),
            ratio("sales", "orders").alias("avg_order_value"),
            rate("satisfaction", "satisfied_sessions", "rated_sessions"),
            pl.col("answer_ratio").fill_null(zero),
            *calendar_columns(year, month, probation_months),
        )
    )
    return frame.sort("agent_id")


def reconciliation(attributed: pl.LazyFrame) -> pl.LazyFrame:
    """Orders and money by outcome, so every order is accounted for: one row per outcome
    that occurs, in the names' order (credited, ignored_account, other_month …)."""
    return (
        attributed.group_by("outcome")
        .agg(
            pl.len().alias("orders"),
            pl.col("paid_amount").sum().cast(PAY).alias("paid_amount"),
            pl.col("refund_amount").sum().cast(PAY).alias("refund_amount"),
        )
        .with_columns(pl.col("outcome").cast(pl.String))
        .sort("outcome")
    )


def unknown_agents(sums: pl.LazyFrame, attributed: pl.LazyFrame) -> pl.LazyFrame:
    """Chat accounts not in the roster: their sessions, first line, and the orders their
    chats won (credited to them, or ignored_account when the rules ignore them): what is at
    stake in the month.accounts check. ``sums`` are the chats' chat_sums (with first_line)."""
    sessions = (
        sums.group_by("agent_key")
        .agg(pl.col("sessions").sum(), pl.col("first_line").min())
        .with_columns(_key_as_text())
        .filter(pl.col("agent_key").str.starts_with(UNKNOWN_PREFIX))
    )
    taken = (
        attributed.filter(pl.col("outcome").is_in(["credited", "ignored_account"]))
        .group_by("agent_key")
        .agg(pl.len().alias("orders"), pl.col("paid_amount").sum().cast(PAY).alias("sales"))
        .with_columns(_key_as_text())
        .filter(pl.col("agent_key").str.starts_with(UNKNOWN_PREFIX))
    )
    return (
        sessions.join(taken, on="agent_key", how="left")
        .with_columns(
            pl.col("agent_key").str.strip_prefix(UNKNOWN_PREFIX).alias("account"),
            pl.col("orders").fill_null(0),
            pl.col("sales").fill_null(exact(0, PAY)),
        )
        .select("account", "sessions", "first_line", "orders", "sales")
        .sort("account")
    )
