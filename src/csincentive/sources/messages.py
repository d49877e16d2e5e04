"""Message-level chat exports (千牛 聊天记录): one row per line, turned into sessions here.

What a line means follows the rules file's ``[inputs]`` (:class:`MessageRules`): system
senders' lines and auto-replies are dropped; a reply's time runs from the first buyer
line it answers. Everything is shifts, cumulative sums and one group_by over one sorted
frame: no Python per row, one lazy plan. Whether a line counts is decided by the line
alone (:func:`lines_that_count`), so a big export is made into sessions buyer by buyer
(sources/message_parts.py) without holding every line at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import polars as pl

from csincentive.sources.headers import Column
from csincentive.sources.parsing import (
    DATETIME,
    ROW_PROBLEM,
    ProblemCheck,
    cell_check,
    datetime_check,
    empty_check,
    parsed,
)

MESSAGE_REQUIRED = ("time", "buyer", "agent", "sender")
# 千牛's per-message export (客户名, 消息序号, 发送时间, 发送内容, 发送账号, 账号类型) names no
# agent column: each line has its sending account (发送账号) and the account's kind (账号类型),
# and a buyer's line is the chat of the agent who answers it (agents_from_accounts).
QIANNIU_REQUIRED = ("time", "buyer", "account", "sender")
# Lines 千牛 writes itself whatever their sender: a transfer to another agent, a message
# taken back, read receipts. Matched against the content (Rust regex); never a message.
SYSTEM_LINES = (
    r"撤回了一条消息",
    r"^\[?系统(消息|提示)\]?",
    r"^(该|此)?会话(已|被)?(转交|转接)",
    r"^(已|被)?(转交|转接)(给|至|到)",
    r"^\[?(已读|未读)\]?$",
)
# Sender values (compared lower-cased) besides "equals the agent/buyer column".
AGENT_SENDERS = ("客服", "卖家", "agent", "seller", "1")
BUYER_SENDERS = ("买家", "buyer", "customer", "0")
SYSTEM_SENDERS = ("系统", "system")  # default [inputs] system_senders
TO_US = 1_000_000  # line times are held as µs since the epoch
SESSION_COUNTS = ("agent_messages", "buyer_messages", "replies", "slow_responses")


@dataclass(frozen=True)
class MessageRules:
    """What a message-level export's lines mean ([inputs] of the rules file).

    ``system_senders``: sender values (compared lower-cased) whose lines are dropped entirely
    (会话已转接 …). ``auto_reply_patterns``: regular expressions (Rust/Polars syntax) matched
    against ``content``; an agent line that matches is an auto-reply and is dropped too, so
    it is neither an answer nor a message. ``slow_response_s``: a reply gap longer than this
    is a slow response."""

    auto_reply_patterns: tuple[str, ...] = ()
    system_senders: tuple[str, ...] = SYSTEM_SENDERS
    slow_response_s: int = 120
    system_lines: tuple[str, ...] = SYSTEM_LINES  # content of 千牛's own lines (转交, 撤回 …)


def message_checks(
    display: str,
    base: pl.LazyFrame,
    found: Mapping[str, Column],
    required: Sequence[Column],
    rules: MessageRules,
) -> list[ProblemCheck]:
    """The row checks of a message export. In 千牛's export (an account column, no agent
    column) the sender is the account's kind, so it is never compared with the agent."""
    senders = ", ".join(rules.system_senders) or "none"
    agent = _is_agent(pl.col("account")) if "agent" not in found else _is_agent()
    return [
        empty_check(display, base, required),
        datetime_check(display, base, [found["time"]]),
        cell_check(
            display,
            base,
            [found["sender"]],
            lambda name: pl.col(name).is_not_null() & ~(agent | _is_buyer() | _is_system(rules)),
            "sender is neither the agent, the buyer nor a system sender",
            "write 客服 or 买家 (or the agent's / buyer's account name) as the sender, or "
            f"add it to [inputs] system_senders (now: {senders})",
        ),
    ]


def _is_agent(agent: pl.Expr | None = None) -> pl.Expr:
    """The line is an agent's: its sender says so, or is the agent column's value (with
    ``agent``, the account of 千牛's export standing in for that column)."""
    sender = pl.col("sender")
    named = sender.str.to_lowercase().is_in(AGENT_SENDERS)
    return named if agent is not None else named | (sender == pl.col("agent"))


def _is_buyer() -> pl.Expr:
    sender = pl.col("sender")
    return sender.str.to_lowercase().is_in(BUYER_SENDERS) | (sender == pl.col("buyer"))


def _is_system(rules: MessageRules) -> pl.Expr:
    lowered = [s.strip().lower() for s in rules.system_senders]
    return pl.col("sender").str.to_lowercase().is_in(lowered)


def agents_from_accounts(messages: pl.LazyFrame) -> pl.LazyFrame:
    """千牛's per-message export: the agent of each line. An agent's line (账号类型 客服 …)
    is its sending account's; a buyer's or a system line belongs to the agent whose line
    comes next in that buyer's chat — the one who answered it, after a transfer the agent
    it was transferred to — else to the last agent before it (a question left unanswered).
    A buyer no agent ever answered has no agent: those lines are dropped (nobody's chat)."""
    mine = _is_agent(pl.col("account")).fill_null(False)
    agent = pl.when(mine).then(pl.col("account"))
    order = [pl.col(parsed("time")), pl.col("line")]
    nearest = agent.backward_fill().forward_fill().over("buyer", order_by=order)
    flagged = pl.col(ROW_PROBLEM) if ROW_PROBLEM in messages.collect_schema() else pl.lit(False)
    return messages.with_columns(nearest.alias("agent")).filter(
        pl.col("agent").is_not_null() | flagged.fill_null(False)
    )


def _message_kinds(
    rules: MessageRules, has_content: bool = False
) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """(agent answer, buyer message, excluded) for each line, never null.

    A system sender wins over everything (its lines are dropped); an agent line matching an
    auto-reply pattern is excluded; a line that is both the agent's and the buyer's (a
    sender written like both) counts as the agent's, as before."""
    system = _is_system(rules).fill_null(False)
    agent = ~system & _is_agent().fill_null(False)
    buyer = ~system & ~agent & _is_buyer().fill_null(False)
    auto = pl.lit(False)
    if rules.auto_reply_patterns:
        pattern = "|".join(f"(?:{p})" for p in rules.auto_reply_patterns)
        auto = agent & pl.col("content").str.contains(pattern).fill_null(False)
    if has_content and rules.system_lines:
        pattern = "|".join(f"(?:{p})" for p in rules.system_lines)
        system = system | pl.col("content").str.contains(pattern).fill_null(False)
    return agent & ~auto & ~system, buyer & ~system, system | auto


def sessions_from_messages(
    messages: pl.LazyFrame,
    gap_minutes: int = 10,
    *,
    rules: MessageRules | None = None,
    row_problem: pl.Expr | None = None,
) -> pl.LazyFrame:
    """Message rows (line, agent, buyer, sender, time__parsed[, content]) → session rows:
    :func:`lines_that_count`, then :func:`sessions_of_lines`.

    ``row_problem`` (the OR of the file's per-row checks, see ProblemCheck) is carried as
    the session's ``row_problem``; flagged lines are never dropped, so a bad file always
    shows at least one flagged session and its checks run."""
    rules = rules or MessageRules()
    return sessions_of_lines(lines_that_count(messages, rules, row_problem), gap_minutes, rules)


def sessions_of_lines(lines: pl.LazyFrame, gap_minutes: int, rules: MessageRules) -> pl.LazyFrame:
    """:func:`lines_that_count` (of one export, or of some of its buyers) → session rows.

    The lines are sorted once by (agent, buyer) as an integer pair key, time, line, so file
    order breaks ties. A session starts at a pair's first line or after a silence ≥
    ``gap_minutes``.

    A reply is an agent line after one or more buyer lines of the same session; its gap is
    measured from the *first* of those buyer lines (how long the buyer waited, as 千牛 counts
    it). Per session: first_response_s (the first reply's gap), avg_response_s (the mean
    gap), replies, slow_responses (gaps > rules.slow_response_s), agent_messages,
    buyer_messages."""
    if gap_minutes <= 0:
        raise ValueError("session_gap_minutes must be positive")
    # The buyers' codes are this frame's own (not Polars' global categories, which keep
    # every string they ever saw: 5e6 buyers held about 0.5 GB after their part was done).
    buyers = pl.Categorical(pl.Categories.random())
    keyed = lines.with_columns(pl.col("buyer").cast(buyers)).with_columns(
        _pair_key().alias("__pair")
    )
    ordered = _sorted_when_collected(keyed, ["__pair", "__t"], tie="line")
    sessions = _per_session(_with_replies(ordered, gap_minutes), rules)
    return sessions.select(
        pl.col("agent").cast(pl.String),
        pl.col("buyer").cast(pl.String),
        pl.col("start_time").cast(DATETIME),
        pl.col("end_time").cast(DATETIME),
        (pl.col("first_response_s") / TO_US).cast(pl.Float64),
        (pl.col("avg_response_s") / TO_US).cast(pl.Float64),
        pl.lit(None, dtype=pl.String).alias("rating"),
        pl.col("line").cast(pl.Int64),
        *(pl.col(c).cast(pl.Int64) for c in SESSION_COUNTS),
        ROW_PROBLEM,
    )


def lines_that_count(
    messages: pl.LazyFrame, rules: MessageRules, row_problem: pl.Expr | None
) -> pl.LazyFrame:
    """The lines that count (system lines and auto-replies dropped, flagged lines kept),
    narrowed to what sessions are made of: line, the agent (a code) and the buyer, time
    in µs, answer (__a) and buyer line (__b) flags and the row flag (__bad). A line needs
    nothing but itself here, so this runs while the export is read, part by part."""
    has_content = "content" in messages.collect_schema()
    answer, buyer_line, excluded = _message_kinds(rules, has_content)
    bad = (row_problem if row_problem is not None else pl.lit(False)).fill_null(False)
    return (
        messages.with_columns(bad.alias("__bad"))
        .filter(~excluded | pl.col("__bad"))
        .select(
            pl.col("line").cast(pl.UInt32),  # 4 bytes a line: tens of millions are held twice
            pl.col("agent").cast(pl.Categorical),
            pl.col("buyer").cast(pl.String),
            pl.col(parsed("time")).cast(pl.Int64).alias("__t"),  # µs since the epoch
            answer.alias("__a"),
            buyer_line.alias("__b"),
            "__bad",
        )
    )


def _with_replies(lines: pl.LazyFrame, gap_minutes: int) -> pl.LazyFrame:
    """Sorted lines with their session number (__session) and, on each reply, how long
    the buyer had waited for it (__reply, µs)."""
    t, a, b, new = pl.col("__t"), pl.col("__a"), pl.col("__b"), pl.col("__new")
    same = (pl.col("__pair") == pl.col("__pair").shift(1)) & (
        t - t.shift(1) < gap_minutes * 60 * TO_US
    )
    # The first buyer line of a run (the session's start, or right after an agent line)
    # starts the wait; an agent line ends it (-1: nobody waiting). Forward-filled, the row
    # before an agent line holds when the buyer started waiting.
    first_of_run = b & (new | a.shift(1).fill_null(False))
    waiting = pl.when(first_of_run).then(t).when(a | new).then(pl.lit(-1, dtype=pl.Int64))
    since = pl.col("__waiting").shift(1)
    return (
        lines.with_columns(__new=~same.fill_null(False))
        .with_columns(__session=new.cast(pl.UInt32).cum_sum(), __waiting=waiting.forward_fill())
        .with_columns(__reply=pl.when(a & ~new & (since >= 0)).then(t - since))
    )


def _per_session(lines: pl.LazyFrame, rules: MessageRules) -> pl.LazyFrame:
    t, a, b, reply = pl.col("__t"), pl.col("__a"), pl.col("__b"), pl.col("__reply")
    return lines.group_by("__session").agg(
        pl.col("agent").first(),
        pl.col("buyer").first(),
        t.min().alias("start_time"),
        t.max().alias("end_time"),
        reply.drop_nulls().first().alias("first_response_s"),
        reply.mean().alias("avg_response_s"),
        pl.col("line").first(),
        a.sum().alias("agent_messages"),
        b.sum().alias("buyer_messages"),
        reply.count().alias("replies"),
        (reply > rules.slow_response_s * TO_US).sum().alias("slow_responses"),
        pl.col("__bad").any().alias(ROW_PROBLEM),
    )


def _sorted_when_collected(lf: pl.LazyFrame, by: list[str], *, tie: str) -> pl.LazyFrame:
    """``lf`` sorted by ``by`` then ``tie`` (nulls first), still lazy, but sorted as a whole
    frame rather than by the streaming engine, whose sort on several keys takes four times
    as long (50M message lines: about 15 s of a 44 s month). Lines arrive in file order,
    ``tie`` ascending: then a stable sort on ``by`` alone is the same order, a quarter
    cheaper than sorting on ``tie`` too (checked on the frame, else sorted on all)."""

    def sort(frame: pl.DataFrame) -> pl.DataFrame:
        if frame[tie].is_sorted():
            return frame.sort(by, nulls_last=False, maintain_order=True)
        return frame.sort([*by, tie], nulls_last=False)

    return lf.map_batches(sort, streamable=False)


def _pair_key() -> pl.Expr:
    """(agent, buyer) as one UInt64: the categorical codes side by side. Sorting on it is
    much cheaper than on two strings; the codes' order is arbitrary but only groups pairs."""
    agent = pl.col("agent").to_physical().cast(pl.UInt64)
    buyer = pl.col("buyer").to_physical().cast(pl.UInt64)
    return agent * (1 << 32) + buyer
