"""Message-level chat exports (千牛 聊天记录): sessions, replies, 答问比, slow responses,
auto-replies and system lines excluded by rule.

Every expected figure is worked by hand from LOG below (see the comments next to it)."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from csincentive.core.diagnostics import InputError
from csincentive.core.names import METRICS
from csincentive.month.compute import compute_month
from csincentive.month.metrics import chat_sums, month_chat_metrics
from csincentive.reports.files import payroll_files
from csincentive.rules.loader import check_rules, load_rules
from csincentive.sources.chats import load_chats
from csincentive.sources.messages import MessageRules

ROOT = Path(__file__).resolve().parents[2]
MONTH = ROOT / "tests" / "months" / "2026-10"
RULES = ROOT / "rules" / "taobao-presales.toml"
AUTO = MessageRules(auto_reply_patterns=("^亲，您好，欢迎光临",))

# Two agents (云杉:小美, 云杉:阿杰), three buyers (b1, b2, b3), 5 October 2026. A reply gap
# runs from the *first* buyer line the agent had not answered yet to the agent's next line.
LOG = (
    "发送时间,买家,客服,发送方,内容\n"
    # 小美/b1, session 1: 09:00:00 – 09:04:00
    "2026-10-05 09:00:00,b1,云杉:小美,买家,在吗\n"  # line 2: b1 starts waiting
    "2026-10-05 09:00:01,b1,云杉:小美,客服,亲，您好，欢迎光临云杉旗舰店\n"  # 3: auto-reply
    "2026-10-05 09:00:31,b1,云杉:小美,买家,这个有货吗\n"  # 4: still waiting since 09:00:00
    "2026-10-05 09:00:40,b1,云杉:小美,客服,有货的亲\n"  # 5: reply 40 s (not 9 s)
    "2026-10-05 09:01:00,b1,云杉:小美,买家,包邮吗\n"  # 6
    "2026-10-05 09:03:30,b1,云杉:小美,客服,包邮的亲\n"  # 7: reply 150 s > 120: slow
    "2026-10-05 09:04:00,b1,云杉:小美,客服,还有其他问题吗\n"  # 8: agent again, no reply
    "2026-10-05 09:10:00,b1,云杉:小美,系统,系统:会话已转接\n"  # 9: system line, dropped
    # 小美/b1, session 2: 09:14:00 is 10 minutes after 09:04:00 (the system line at 09:10
    # does not count), so a new session starts.
    "2026-10-05 09:14:00,b1,云杉:小美,买家,我拍了\n"  # 10
    "2026-10-05 09:14:20,b1,云杉:小美,客服,好的亲\n"  # 11: reply 20 s
    # 小美/b2, session 3: never answered (the auto-reply is no answer).
    "2026-10-05 10:00:00,b2,云杉:小美,买家,在吗\n"  # 12
    "2026-10-05 10:00:01,b2,云杉:小美,客服,亲，您好，欢迎光临云杉旗舰店\n"  # 13: auto-reply
    "2026-10-05 10:02:00,b2,云杉:小美,买家,有人吗\n"  # 14
    # 阿杰/b3, session 4: the agent greets first (a real line, not an auto-reply).
    "2026-10-05 11:00:00,b3,云杉:阿杰,客服,您好，有什么可以帮您\n"  # 15: nobody waiting
    "2026-10-05 11:00:10,b3,云杉:阿杰,买家,这个尺码偏大吗\n"  # 16: b3 starts waiting
    "2026-10-05 11:00:20,b3,云杉:阿杰,买家,我平时穿M\n"  # 17
    "2026-10-05 11:01:00,b3,云杉:阿杰,客服,偏小一码，建议L\n"  # 18: reply 50 s (from 16)
    "2026-10-05 11:01:30,b3,云杉:阿杰,买家,好的\n"  # 19
    "2026-10-05 11:03:45,b3,云杉:阿杰,客服,已备注\n"  # 20: reply 135 s: slow
    # 阿杰/b1, session 5: a second agent with the same buyer.
    "2026-10-05 12:00:00,b1,云杉:阿杰,买家,还在吗\n"  # 21
    "2026-10-05 12:02:00,b1,云杉:阿杰,客服,在的\n"  # 22: reply 120 s: not slow (> 120)
)

SESSION_COLUMNS = [
    "agent",
    "buyer",
    "line",
    "agent_messages",
    "buyer_messages",
    "replies",
    "first_response_s",
    "avg_response_s",
    "slow_responses",
]
# Per session (auto-reply pattern "^亲，您好，欢迎光临", system sender 系统):
#                     agent  buyer  replies  first  avg                 slow
#   1 小美/b1 line 2    3      3      2       40     (40+150)/2 = 95     1
#   2 小美/b1 line 10   1      1      1       20     20                  0
#   3 小美/b2 line 12   0      2      0       —      —                   0
#   4 阿杰/b3 line 15   3      3      2       50     (50+135)/2 = 92.5   1
#   5 阿杰/b1 line 21   1      1      1       120    120                 0
EXPECTED_SESSIONS = [
    ("云杉:小美", "b1", 2, 3, 3, 2, 40.0, 95.0, 1),
    ("云杉:小美", "b1", 10, 1, 1, 1, 20.0, 20.0, 0),
    ("云杉:小美", "b2", 12, 0, 2, 0, None, None, 0),
    ("云杉:阿杰", "b3", 15, 3, 3, 2, 50.0, 92.5, 1),
    ("云杉:阿杰", "b1", 21, 1, 1, 1, 120.0, 120.0, 0),
]


def chat_metrics(chats: pl.LazyFrame, year: int, month: int) -> pl.LazyFrame:
    """Per-agent chat figures of the month from session rows, as the month makes them: the
    sums per account, then the month's figures from them (month.figures.attribute)."""
    return month_chat_metrics(chat_sums(chats, year, month), chats, year, month)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def sessions(tmp_path: Path, rules: MessageRules | None = None) -> pl.DataFrame:
    chats, fmt, checks = load_chats(
        write(tmp_path / "chats.csv", LOG), work_dir=tmp_path, message_rules=rules
    )
    assert fmt == "message"
    df = chats.collect().sort("line")
    assert not df["row_problem"].any()  # a clean file: the row checks never need to run
    assert sum(c.frame.collect().height for c in checks) == 0
    return df


def test_sessions_worked_by_hand(tmp_path: Path) -> None:
    df = sessions(tmp_path, AUTO)
    assert df.select(SESSION_COLUMNS).rows() == EXPECTED_SESSIONS
    start_end = df.select(
        pl.col("start_time").dt.strftime("%H:%M:%S"), pl.col("end_time").dt.strftime("%H:%M:%S")
    ).rows()
    # Session 1 ends with the agent's line at 09:04:00 (the system line is dropped);
    # session 3 starts with b2's line at 10:00:00 and ends with its second at 10:02:00.
    assert start_end == [
        ("09:00:00", "09:04:00"),
        ("09:14:00", "09:14:20"),
        ("10:00:00", "10:02:00"),
        ("11:00:00", "11:03:45"),
        ("12:00:00", "12:02:00"),
    ]


def test_without_auto_reply_patterns_an_auto_reply_is_an_answer(tmp_path: Path) -> None:
    """The default rules have no patterns: the auto-replies (lines 3 and 13) count. Session 1
    then has replies at 09:00:01 (1 s after 09:00:00), 09:00:40 (9 s after 09:00:31) and
    09:03:30 (150 s); session 3 gets one reply of 1 s. System lines are still dropped."""
    df = sessions(tmp_path)
    assert df.select(SESSION_COLUMNS).rows()[0] == (
        "云杉:小美", "b1", 2, 4, 3, 3, 1.0, 160 / 3, 1
    )  # fmt: skip
    assert df.select(SESSION_COLUMNS).rows()[2] == ("云杉:小美", "b2", 12, 1, 2, 1, 1.0, 1.0, 0)


def test_per_agent_figures_worked_by_hand(tmp_path: Path) -> None:
    """小美: 3 sessions, agent lines 3+1+0 = 4, buyer lines 3+1+2 = 6 → 答问比 4/6; replies 40,
    150, 20 → mean 70 s; 1 slow; first responses 40, 20 → 30 s.
    阿杰: 2 sessions, 3+1 = 4 agent and 3+1 = 4 buyer lines → 1; replies 50, 135, 120 →
    305/3 s (the mean of session means would be (92.5+120)/2 = 106.25); 1 slow; first
    responses 50, 120 → 85 s."""
    df = sessions(tmp_path, AUTO)
    chats = df.lazy().with_columns(pl.col("agent").alias("agent_key"))
    stats = chat_metrics(chats, 2026, 10).collect().sort("agent_key")
    columns = [
        "agent_key",
        "sessions",
        "inquiring_buyers",
        "agent_messages",
        "buyer_messages",
        "answer_ratio",
        "slow_responses",
        "avg_first_response_s",
    ]
    assert stats.select(columns).rows() == [
        ("云杉:小美", 3, 2, 4, 6, Decimal("0.6666666667"), 1, 30.0),
        ("云杉:阿杰", 2, 2, 4, 4, Decimal("1.0000000000"), 1, 85.0),
    ]
    assert stats["avg_response_s"].to_list() == pytest.approx([70.0, 305 / 3])


def test_session_level_chats_have_no_message_figures() -> None:
    """A session export has no message counts: 0 messages, 答问比 0, and the mean of its
    sessions' 平均响应时长 (12 and 30 → 21) as avg_response_s."""
    t = pl.datetime(2026, 10, 5, 9)
    chats = pl.LazyFrame(
        {
            "agent_key": ["A1", "A1"],
            "buyer": ["b1", "b2"],
            "first_response_s": [8.0, None],
            "avg_response_s": [12.0, 30.0],
            "rating": [None, "满意"],
        }
    ).with_columns(start_time=t)
    row = chat_metrics(chats, 2026, 10).collect().row(0, named=True)
    assert {k: row[k] for k in ("agent_messages", "buyer_messages", "slow_responses")} == {
        "agent_messages": 0,
        "buyer_messages": 0,
        "slow_responses": 0,
    }
    assert row["answer_ratio"] == Decimal(0)
    assert row["avg_response_s"] == 21.0


def test_mean_response_times_are_exact_whatever_the_summing_order() -> None:
    """Response times are summed as whole milliseconds: (0.1 + 0.2 + 0.3) / 3 is 0.2, not
    the 0.20000000000000004 of adding the floats, and no order of adding (threads finish
    in any order on a big month) can change a last bit. Session means 0.1, 0.2 and 0.3 s
    with 1, 1 and 2 replies: (0.1 + 0.2 + 2 × 0.3) / 4 = 0.225 s."""
    t = pl.datetime(2026, 10, 5, 9)
    chats = pl.LazyFrame(
        {
            "agent_key": ["A1"] * 3,
            "buyer": ["b1", "b2", "b3"],
            "first_response_s": [0.1, 0.2, 0.3],
            "avg_response_s": [0.1, 0.2, 0.3],
            "replies": [1, 1, 2],
            "rating": pl.Series([None] * 3, dtype=pl.String),
        }
    ).with_columns(start_time=t)
    row = chat_metrics(chats, 2026, 10).collect().row(0, named=True)
    assert row["avg_first_response_s"] == 0.2
    assert row["avg_response_s"] == 0.225


def test_system_senders_and_slow_threshold_follow_the_rules(tmp_path: Path) -> None:
    """With slow_response_s = 100 the 120 s reply of session 5 is slow too; with only
    系统消息 as a system sender, line 9 (发送方 系统) is a problem to fix."""
    df = sessions(tmp_path, MessageRules(("^亲，您好，欢迎光临",), ("系统",), 100))
    assert df["slow_responses"].to_list() == [1, 0, 0, 1, 1]

    chats, _, checks = load_chats(
        tmp_path / "chats.csv",
        work_dir=tmp_path,
        message_rules=MessageRules(system_senders=("系统消息",)),
    )
    assert chats.collect()["row_problem"].sum() == 1  # only session 1 holds line 9
    rows = pl.concat([c.frame.collect() for c in checks])
    assert rows.select("line", "field", "value").rows() == [(9, "发送方", "系统")]
    assert "system_senders (now: 系统消息)" in str(checks[2].what_to_do)


def test_auto_reply_patterns_need_the_content_column(tmp_path: Path) -> None:
    text = "time,buyer,agent,sender\n2026-10-05 09:00:00,b1,小美,买家\n"
    with pytest.raises(InputError) as info:
        load_chats(write(tmp_path / "chats.csv", text), work_dir=tmp_path, message_rules=AUTO)
    [diagnostic] = info.value.diagnostics
    assert (diagnostic.code, diagnostic.path, diagnostic.line) == ("D103", "content", 1)
    assert "auto_reply_patterns" in diagnostic.message


# --------------------------------------------------------------------------- rules file

INPUTS_TABLE = """
[inputs]
auto_reply_patterns = ["^亲，您好，欢迎光临", "自动回复"]
system_senders = ["系统", "系统消息"]
slow_response_s = 90
"""


def rules_with(tmp_path: Path, table: str) -> Path:
    text = RULES.read_text(encoding="utf-8") + table
    return write(tmp_path / "rules.toml", text)


def test_rules_file_exclusion_config(tmp_path: Path) -> None:
    rules, diagnostics = load_rules(rules_with(tmp_path, INPUTS_TABLE))
    assert [d for d in diagnostics if d.severity == "error"] == []
    inputs = rules.inputs
    assert inputs.auto_reply_patterns == ["^亲，您好，欢迎光临", "自动回复"]
    assert inputs.system_senders == ["系统", "系统消息"]
    assert inputs.slow_response_s == 90
    default, _ = load_rules(RULES)
    assert (default.inputs.auto_reply_patterns, default.inputs.system_senders) == (
        [],
        ["系统", "system"],
    )
    assert default.inputs.slow_response_s == 120


def test_a_bad_pattern_is_a_rules_error_with_its_place(tmp_path: Path) -> None:
    table = '\n[inputs]\nauto_reply_patterns = ["^亲", "(?<=您好)欢迎"]\n'
    _, diagnostics = check_rules(rules_with(tmp_path, table))
    [error] = [d for d in diagnostics if d.severity == "error"]
    line = len(RULES.read_text(encoding="utf-8").splitlines()) + 3  # the appended line
    assert (error.code, error.path, error.line) == ("E103", "inputs.auto_reply_patterns[1]", line)
    assert error.message == (
        "'(?<=您好)欢迎' is not a regular expression Polars accepts: look-around, including "
        "look-ahead and look-behind, is not supported — write it without look-around or "
        "back-references, e.g. '^亲，您好'"
    )


# --------------------------------------------------------------------------- a whole month

NEW_METRICS = ["avg_response_s", "agent_messages", "buyer_messages", "answer_ratio"]


def message_month(tmp_path: Path) -> Path:
    folder = tmp_path / "2026-10"
    shutil.copytree(MONTH, folder)
    write(folder / "chats.csv", LOG)
    return folder


def test_compute_month_with_message_level_chats(tmp_path: Path) -> None:
    """The month of tests/months/2026-10 with LOG as its chats: A1 小美 has 3 sessions with
    2 buyers, A2 阿杰 2 sessions with 2 buyers, nobody else chatted; metrics.csv has the
    message figures next to avg_first_response_s."""
    result = compute_month(message_month(tmp_path), RULES)
    (tmp_path / "out").mkdir()
    payroll_files(result).write(tmp_path / "out")
    metrics = pl.read_csv(tmp_path / "out" / "metrics.csv", infer_schema=False)
    names = [m.name for m in METRICS]
    assert metrics.columns[:4] == ["agent_id", "name", "team", "role"]
    assert metrics.columns[4 : 4 + len(names)] == names
    start = names.index("avg_first_response_s") + 1
    assert names[start : start + 5] == [*NEW_METRICS, "slow_responses"]
    got = result.metrics.filter(pl.col("agent_id").is_in(["A1", "A2"])).sort("agent_id")
    assert got.select("agent_id", "sessions", "inquiring_buyers").rows() == [
        ("A1", 3, 2),
        ("A2", 2, 2),
    ]


def test_compute_month_message_figures(tmp_path: Path) -> None:
    """The figures of test_per_agent_figures_worked_by_hand through the whole pipeline, with
    the rules file's own [inputs]: slow above 90 s makes 小美 150 → 1 slow, 阿杰 135 and
    120 → 2 slow. metrics.csv shows 答问比 to 4 places: 4/6 → 0.6667."""
    folder = message_month(tmp_path)
    result = compute_month(folder, rules_with(tmp_path, INPUTS_TABLE))
    got = result.metrics.filter(pl.col("agent_id").is_in(["A1", "A2"])).sort("agent_id")
    assert got.select(
        "agent_id", "agent_messages", "buyer_messages", "answer_ratio", "slow_responses"
    ).rows() == [
        ("A1", 4, 6, Decimal("0.6667"), 1),
        ("A2", 4, 4, Decimal("1.0000"), 2),
    ]
    # metrics.csv shows response times to 0.1 s: 305 / 3 = 101.67 → 101.7.
    assert got["avg_response_s"].to_list() == [70.0, 101.7]


def test_a_bad_line_stops_the_month_with_its_place(tmp_path: Path) -> None:
    """The sessions carry the row checks' flag, so a bad line is found in the same pass
    that builds them: line 16's time is not a date, and the month is not computed."""
    folder = message_month(tmp_path)
    write(folder / "chats.csv", LOG.replace("2026-10-05 11:00:10", "2026-10-05 11:00:1x"))
    with pytest.raises(InputError) as info:
        compute_month(folder, RULES)
    [diagnostic] = info.value.diagnostics
    assert (diagnostic.code, diagnostic.line, diagnostic.path) == ("D300", 16, "发送时间")
    assert "not a date-time" in diagnostic.message


def test_only_sessions_started_in_the_month_count() -> None:
    """chat_sums splits sessions at the month's bounds: [2026-10-01 00:00, 2026-11-01 00:00).
    A1 has five sessions — one second before the month, at its first instant, mid-month, one
    second before its end, and at the next month's first instant — so 3 count, with their
    first responses 10, 20 and 30 s (mean 20); the other two only serve attribution."""
    starts = [
        dt.datetime(2026, 9, 30, 23, 59, 59),
        dt.datetime(2026, 10, 1),
        dt.datetime(2026, 10, 15, 12),
        dt.datetime(2026, 10, 31, 23, 59, 59),
        dt.datetime(2026, 11, 1),
    ]
    chats = pl.LazyFrame(
        {
            "agent_key": ["A1"] * 5,
            "buyer": ["b1", "b2", "b3", "b4", "b5"],
            "start_time": starts,
            "first_response_s": [1.0, 10.0, 20.0, 30.0, 1000.0],
            "avg_response_s": pl.Series([None] * 5, dtype=pl.Float64),
            "rating": pl.Series([None] * 5, dtype=pl.String),
        }
    )
    sums = chat_sums(chats, 2026, 10).collect().sort("relative_month")
    assert sums.select("relative_month", "sessions").rows() == [(-1, 1), (0, 3), (1, 1)]
    row = chat_metrics(chats, 2026, 10).collect().row(0, named=True)
    assert (row["sessions"], row["inquiring_buyers"], row["avg_first_response_s"]) == (3, 3, 20.0)


def test_lines_out_of_time_order_and_same_second_ties(tmp_path: Path) -> None:
    """Messages are ordered by time within each agent and buyer, and by file line within a
    second. Written out of order (worked by hand):
      line 2  09:00:30 客服   ┐ sorted: 09:00:00 买家 (line 4) starts the wait,
      line 3  09:00:30 买家   │ 09:00:30 客服 (line 2) answers it: 30 s,
      line 4  09:00:00 买家   │ 09:00:30 买家 (line 3, after line 2 in the file) waits again,
      line 5  09:01:00 客服   ┘ 09:01:00 客服 (line 5) answers it: 30 s.
    One session starting at line 4's time, whose first line in time order is line 4;
    replies 30 and 30 s; 2 agent and 2 buyer lines."""
    log = (
        "发送时间,买家,客服,发送方\n"
        "2026-10-05 09:00:30,b1,云杉:小美,客服\n"
        "2026-10-05 09:00:30,b1,云杉:小美,买家\n"
        "2026-10-05 09:00:00,b1,云杉:小美,买家\n"
        "2026-10-05 09:01:00,b1,云杉:小美,客服\n"
    )
    chats, _, _ = load_chats(write(tmp_path / "chats.csv", log), work_dir=tmp_path)
    row = chats.collect().row(0, named=True)
    assert row["start_time"] == dt.datetime(2026, 10, 5, 9)
    assert row["line"] == 4
    assert (row["agent_messages"], row["buyer_messages"], row["replies"]) == (2, 2, 2)
    assert (row["first_response_s"], row["avg_response_s"]) == (30.0, 30.0)


# 千牛's per-message export: no agent column; each line names its sending account and the
# account's kind. Worked by hand: a buyer's line belongs to the agent whose line comes
# next (who answered it), else to the last agent before it. Line 2 is answered by 小美
# (line 3, after 20 s); line 4 is a message taken back (撤回) and line 6 a transfer by the
# system, both dropped; line 5 waits through the transfer and is answered by 阿杰 (line
# 7, after 60 s); line 8 comes after 阿杰's last line: 阿杰's too. b2 (line 9) was never
# answered by anyone: nobody's chat.
QIANNIU = (
    "客户名,消息序号,发送时间,发送内容,发送账号,账号类型\n"
    "b1,1,2026-10-05 09:00:00,在吗,b1,买家\n"  # 2: 小美's session starts, b1 waits
    "b1,2,2026-10-05 09:00:20,亲，在的,云杉:小美,客服\n"  # 3: reply after 20 s
    "b1,3,2026-10-05 09:01:00,云杉:小美撤回了一条消息,云杉:小美,客服\n"  # 4: dropped
    "b1,4,2026-10-05 09:02:00,这个有货吗,b1,买家\n"  # 5: 阿杰's (who answers it)
    "b1,5,2026-10-05 09:02:30,会话已转交给云杉:阿杰,系统,系统\n"  # 6: dropped
    "b1,6,2026-10-05 09:03:00,有的亲,云杉:阿杰,客服\n"  # 7: reply after 60 s
    "b1,7,2026-10-05 09:03:10,好的,b1,买家\n"  # 8: 阿杰's (the last agent before it)
    "b2,1,2026-10-05 10:00:00,你好,b2,买家\n"  # 9: nobody's
)


def test_qianniu_per_message_export_becomes_sessions(tmp_path: Path) -> None:
    path = tmp_path / "chats.csv"
    path.write_text(QIANNIU, encoding="utf-8")
    frame, chat_format, _ = load_chats(path, work_dir=tmp_path / "w")
    sessions = frame.collect().sort("start_time")
    assert chat_format == "message"
    assert sessions.select(
        "agent", "buyer", "first_response_s", "agent_messages", "buyer_messages", "line"
    ).rows() == [
        ("云杉:小美", "b1", 20.0, 1, 1, 2),  # lines 2, 3
        ("云杉:阿杰", "b1", 60.0, 1, 2, 5),  # lines 5, 7, 8
    ]
    assert sessions["end_time"].to_list() == [
        dt.datetime(2026, 10, 5, 9, 0, 20),
        dt.datetime(2026, 10, 5, 9, 3, 10),
    ]


def test_qianniu_export_with_an_unknown_account_kind_is_located(tmp_path: Path) -> None:
    path = tmp_path / "chats.csv"
    path.write_text(QIANNIU.replace("云杉:阿杰,客服", "云杉:阿杰,售后"), encoding="utf-8")
    frame, _, checks = load_chats(path, work_dir=tmp_path / "w")
    rows = pl.collect_all([c.frame for c in checks])
    found = [d.render() for c, r in zip(checks, rows, strict=True) for d in c.diagnostics(r)]
    assert found == [
        f"{path}:7: D300 账号类型: sender is neither the agent, the buyer nor a system sender: "
        "'售后' — write 客服 or 买家 (or the agent's / buyer's account name) as the sender, or "
        "add it to [inputs] system_senders (now: 系统, system)"
    ]


def test_lines_are_ordered_by_pair_time_and_line_whatever_order_they_arrive_in() -> None:
    """The sort before sessions: lines in file order take a stable sort on (pair, time);
    lines in any other order are sorted on the line too. Both give pair 1 at 5 s (line 2,
    then 4), pair 1 at 9 s (line 3), pair 2 (line 1)."""
    from csincentive.sources.messages import _sorted_when_collected

    frame = pl.DataFrame({"__pair": [2, 1, 1, 1], "__t": [1, 5, 9, 5], "line": [1, 2, 3, 4]})
    for arrived in (frame, frame.reverse()):
        got = _sorted_when_collected(arrived.lazy(), ["__pair", "__t"], tie="line").collect()
        assert got["line"].to_list() == [2, 4, 3, 1]
