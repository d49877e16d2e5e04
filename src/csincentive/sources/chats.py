"""chats.csv: the chat export, at session level (one row per session) or message level.

The header decides which: ``start_time`` makes a session export, ``time``/``sender`` a
message log (千牛 聊天记录), which becomes sessions in :mod:`csincentive.sources.messages`.
Either way the result is the same lazy frame of sessions with its row checks.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import polars as pl

from csincentive.core.diagnostics import Diagnostic, InputError
from csincentive.sources.encoding import ensure_utf8
from csincentive.sources.headers import (
    Column,
    missing_columns,
    read_header,
    resolve_columns,
)
from csincentive.sources.message_parts import ChatSessions, part_count
from csincentive.sources.messages import (
    MESSAGE_REQUIRED,
    QIANNIU_REQUIRED,
    MessageRules,
    agents_from_accounts,
    lines_that_count,
    message_checks,
    sessions_of_lines,
)
from csincentive.sources.parsing import (
    DATETIME,
    DATETIME_PARSER,
    ROW_PROBLEM,
    SECONDS_PARSER,
    ProblemCheck,
    cell_check,
    datetime_check,
    empty_check,
    invalid,
    optional,
    parsed,
    row_check,
    row_problem,
    scan,
    with_parsed,
)
from csincentive.sources.tail import cut_short

ChatFormat = Literal["session", "message"]

CHAT_ALIASES: dict[str, tuple[str, ...]] = {
    "agent": ("客服", "客服昵称", "旺旺昵称", "客服账号", "接待客服"),
    "buyer": ("买家", "客户名", "买家昵称", "买家旺旺", "顾客"),
    "start_time": ("开始时间", "接待时间", "会话开始时间"),
    "end_time": ("结束时间", "会话结束时间"),
    "first_response_s": ("首次响应时长", "首响时间(秒)"),
    "avg_response_s": ("平均响应时长",),
    "rating": ("评价", "满意度", "服务评价"),
    "time": ("发送时间", "时间", "消息时间"),
    "sender": ("发送方", "账号类型", "发送者"),
    "account": ("发送账号",),
    "content": ("内容", "消息内容", "发送内容"),
    "seq": ("消息序号",),
}
SESSION_REQUIRED = ("agent", "buyer", "start_time")
SESSION_OPTIONAL = ("end_time", "first_response_s", "avg_response_s", "rating")
# The ratings a session may carry (stripped; blank is "not rated"): 千牛/赤兔's words and
# the 1–5 scale. A session is satisfied when its rating is one of the first four words or
# 4–5 (month/metrics.py reads SATISFIED_RATINGS); any other text would count as rated and
# not satisfied, lowering satisfaction without a word, so it is an error (D331).
SATISFIED_RATINGS = ("很满意", "满意", "非常满意", "好评", "5", "4")
RATINGS = (
    *SATISFIED_RATINGS,
    "3",
    "2",
    "1",
    "一般",
    "中评",
    "不满意",
    "很不满意",
    "非常不满意",
    "差评",
)


def load_chats(
    path: Path,
    *,
    work_dir: Path,
    column_map: Mapping[str, str] | None = None,
    session_gap_minutes: int = 10,
    message_rules: MessageRules | None = None,
) -> tuple[pl.LazyFrame, ChatFormat, list[ProblemCheck]]:
    """chats.csv → lazy session-level frame, its detected format and its row checks
    (load_chat_sessions with every session in one frame)."""
    sessions, chat_format, checks = load_chat_sessions(
        path,
        work_dir=work_dir,
        column_map=column_map,
        session_gap_minutes=session_gap_minutes,
        message_rules=message_rules,
    )
    return sessions.whole(), chat_format, checks


def load_chat_sessions(
    path: Path,
    *,
    work_dir: Path,
    column_map: Mapping[str, str] | None = None,
    session_gap_minutes: int = 10,
    message_rules: MessageRules | None = None,
) -> tuple[ChatSessions, ChatFormat, list[ProblemCheck]]:
    """chats.csv → its sessions (lazy), its detected format and its row checks.

    A message-level export becomes sessions here (see sessions_from_messages), following
    ``message_rules``, in parts when it is big (sources.message_parts); a session-level
    export ignores them."""
    display = str(path)
    readable = ensure_utf8(path, work_dir, display=display)
    header = read_header(readable, display)
    resolved = resolve_columns(header, CHAT_ALIASES, column_map, display)
    found = _with_sender(resolved.found)
    chat_format = chat_format_of(found, display)
    qianniu = chat_format == "message" and "agent" not in found and "account" in found
    required = {"session": SESSION_REQUIRED, "message": MESSAGE_REQUIRED}[chat_format]
    required = QIANNIU_REQUIRED if qianniu else required
    problems = resolved.problems + missing_columns(display, found, required, CHAT_ALIASES)
    problems += [cut] if (cut := cut_short(readable, header, display)) else []
    rules = message_rules or MessageRules()
    if chat_format == "message" and rules.auto_reply_patterns and "content" not in found:
        problems += _missing_content(display)
    if problems:
        raise InputError(problems)
    if chat_format == "session":
        wanted = [found[n] for n in (*SESSION_REQUIRED, *SESSION_OPTIONAL) if n in found]
        base = _session_base(scan(readable, header, wanted), found)
        checks = _session_checks(display, base, found)
        frame = _session_frame(base, found, row_problem(checks))
        return ChatSessions(frame), chat_format, checks
    required_columns = [found[n] for n in required]
    # Only the columns the rules need: content is read to recognise auto-replies, and in
    # 千牛's export the lines it writes itself (转交, 撤回 …).
    content = "content" in found and (bool(rules.auto_reply_patterns) or qianniu)
    wanted = required_columns + ([found["content"]] if content else [])
    base = with_parsed(scan(readable, header, wanted), {"time": DATETIME_PARSER})
    checks = message_checks(display, base, found, required_columns, rules)
    flag = row_problem(checks)
    if not qianniu:  # a line counts or not by itself: decided as the export is read

        def make_sessions(lines: pl.LazyFrame) -> pl.LazyFrame:
            return sessions_of_lines(lines, session_gap_minutes, rules)

        lines = lines_that_count(base, rules, flag)
    else:  # 千牛: a line's agent is found in its buyer's chat, part by part

        def make_sessions(lines: pl.LazyFrame) -> pl.LazyFrame:
            lines = agents_from_accounts(lines)
            counted = lines_that_count(lines, rules, pl.col(ROW_PROBLEM))
            return sessions_of_lines(counted, session_gap_minutes, rules)

        kept = ["line", "account", "buyer", "sender", parsed("time"), *["content"] * content]
        lines = base.select(*kept, flag)
    parts = part_count(readable.stat().st_size)
    return ChatSessions(lines, make_sessions, parts, work_dir), chat_format, checks


def _with_sender(found: Mapping[str, Column]) -> dict[str, Column]:
    """An export whose only sender column is 发送账号 (the account that sent the line,
    beside an agent column) reads it as the sender, as it always has."""
    out = dict(found)
    if "account" in out and "sender" not in out and "agent" in out:
        account = out.pop("account")
        out["sender"] = Column("sender", account.index, account.written)
    return out


def chat_format_of(found: Mapping[str, Column], display: str) -> ChatFormat:
    """Session export if it has start_time, message export if it has time + sender."""
    session = "start_time" in found
    message = "time" in found or "sender" in found or "account" in found
    if session and message:
        raise InputError.single(
            display,
            "has both session columns (start_time) and message columns (time/sender) — keep "
            "one kind, or remap with column_map",
            code="D106",
            line=1,
            path="start_time",
        )
    return "message" if message else "session"


def _missing_content(display: str) -> list[Diagnostic]:
    accepted = ", ".join(CHAT_ALIASES["content"])
    message = (
        f"missing column 'content' (or one of: {accepted}) — the rules' auto_reply_patterns "
        "are matched against it; export the message text or remove auto_reply_patterns"
    )
    return [Diagnostic(file=display, line=1, code="D103", path="content", message=message)]


def _end_check(display: str, base: pl.LazyFrame, column: Column) -> ProblemCheck:
    """A session that ends before it starts (D330): an error, as it means the start and
    end columns are swapped or the clock was wrong, and the start decides which month a
    session counts in and which chat an order is credited to.

    The flag compares the cells as written, which in the exports' own format
    (YYYY-MM-DD HH:MM:SS) orders them as times, so a clean file never parses its ends;
    a pair in which either is in another format (not 19 characters, or no '-' after the
    year: spaces around it, 2026/10/01, no seconds) is flagged too, and only then are the
    times parsed and compared."""
    start, end = pl.col("start_time"), pl.col("end_time")

    def canonical(cell: pl.Expr) -> pl.Expr:
        return (cell.str.len_bytes() == 19) & (cell.str.slice(4, 1) == "-")

    cheap = (
        end.is_not_null()
        & start.is_not_null()
        & (~canonical(end) | ~canonical(start) | (end < start))
    )
    exact = pl.col(parsed("end_time")) < pl.col(parsed("start_time"))
    return row_check(
        display,
        base,
        exact,
        column,
        end,
        pl.lit("the session ends before it starts (") + start + ")",
        "swap or correct the two times, or re-export the chat report",
        "D330",
        flag=cheap,
    )


def _rating_check(display: str, base: pl.LazyFrame, column: Column) -> ProblemCheck:
    scale = "、".join(RATINGS)
    return cell_check(
        display,
        base,
        [column],
        lambda name: pl.col(name).is_not_null() & ~pl.col(name).is_in(RATINGS),
        f"not a rating (accepted: {scale}, or empty for not rated)",
        "write one of the accepted ratings or leave the cell empty, or re-export the chat report",
        "D331",
    )


def _session_base(lf: pl.LazyFrame, found: Mapping[str, Column]) -> pl.LazyFrame:
    parsers = {n: DATETIME_PARSER for n in ("start_time", "end_time") if n in found}
    parsers |= {n: SECONDS_PARSER for n in ("first_response_s", "avg_response_s") if n in found}
    return with_parsed(lf, parsers)


def _session_frame(
    base: pl.LazyFrame, found: Mapping[str, Column], problem: pl.Expr
) -> pl.LazyFrame:
    rating = pl.col("rating") if "rating" in found else pl.lit(None, dtype=pl.String)
    return base.select(
        "agent",
        "buyer",
        pl.col(parsed("start_time")).alias("start_time"),
        optional(found, "end_time", DATETIME),
        optional(found, "first_response_s", pl.Float64),
        optional(found, "avg_response_s", pl.Float64),
        rating.alias("rating"),
        "line",
        problem,
    )


def _session_checks(
    display: str, base: pl.LazyFrame, found: Mapping[str, Column]
) -> list[ProblemCheck]:
    checks = [
        empty_check(display, base, [found[n] for n in SESSION_REQUIRED]),
        # end_time is kept for whoever reads it but never needs to be a date: pay never
        # uses a session's end (only end ≥ start is checked, see _end_check).
        datetime_check(display, base, [found["start_time"]]),
    ]
    if "end_time" in found:
        checks.append(_end_check(display, base, found["end_time"]))
    if "rating" in found:
        checks.append(_rating_check(display, base, found["rating"]))
    durations = [found[n] for n in ("first_response_s", "avg_response_s") if n in found]
    if durations:  # optional columns: no check at all when the export has neither
        checks.append(
            cell_check(
                display,
                base,
                durations,
                invalid,
                "not a number of seconds",
                "write the duration in seconds, e.g. 15 or 15.5, or leave it empty",
            )
        )
    return checks
