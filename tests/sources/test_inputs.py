"""Loading a period folder: encodings, header aliases, parsing, row checks and sessions."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from csincentive.core.diagnostics import InputError
from csincentive.sources.chats import load_chats
from csincentive.sources.encoding import (
    detect_encoding,
    detect_encoding_of_bytes,
    ensure_utf8,
)
from csincentive.sources.folder import MonthInputs, read_month
from csincentive.sources.orders import load_orders
from csincentive.sources.parsing import ProblemCheck
from csincentive.sources.roster import load_roster

RULES = Path(__file__).resolve().parents[2] / "rules" / "taobao-presales.toml"

AGENTS = """agent_id,name,team,role,grade,hire_date,probation_end,chat_nick,target
A1,小美,一组,agent,P1,2025-03-01,,云杉旗舰店:小美,12000.00
A2,阿强,一组,supervisor,P3,2024/07/15,2024-10-15,云杉旗舰店:阿强,
"""

SESSION_CHATS = """agent,buyer,start_time,end_time,first_response_s,rating
云杉旗舰店:小美,买家甲,2026-10-01 09:00:00,2026-10-01 09:05:00,12,满意
云杉旗舰店:小美,买家乙,2026/10/01 10:00:00,,,
"""

# The columns we need, spread among noise columns like the real 46-column export.
ORDER_HEADER = (
    "订单编号,买家会员名,买家支付宝账号 ,买家应付货款,订单状态 ,订单创建时间 ,订单付款时间 ,"
    "买家实际支付金额 ,退款金额 ,商品标题 \r\n"
)
ORDER_ROWS = (
    '="4100123456789",小王,wang@example.com,"128.00",交易成功,2026-10-01 09:10:00,'
    '2026-10-01 09:12:30,"128.00","0.00",夏季连衣裙\r\n'
    '="4100123456790",小李,li@example.com,"59.90",等待买家付款,2026-10-02 20:00:00,,'
    '"0.00",,收纳盒\r\n'
)
CANONICAL_ORDERS = """order_id,buyer,created_at,paid_at,paid_amount,status,refund_amount
4100123456789,小王,2026-10-01 09:10:00,2026-10-01 09:12:30,128.00,交易成功,0.00
4100123456790,小李,2026-10-02 20:00,,0,等待买家付款,
"""


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def make_period(
    tmp_path: Path,
    *,
    agents: str = AGENTS,
    chats: str = SESSION_CHATS,
    orders: str = CANONICAL_ORDERS,
    name: str = "2026-10",
) -> Path:
    folder = tmp_path / name
    write(folder / "agents.csv", agents)
    write(folder / "chats.csv", chats)
    write(folder / "orders.csv", orders)
    return folder


def collect_check(checks: list[ProblemCheck], message_part: str) -> pl.DataFrame:
    """The collected rows of the one check whose rows carry ``message_part``."""
    frames = [c.frame.collect() for c in checks]
    hits = [f for f in frames if f.height and message_part in f["message"][0]]
    assert len(hits) == 1, [f.to_dicts() for f in frames if f.height]
    return hits[0].drop("bad_rows")  # how many bad rows in all: see test_and_n_more


def all_check_rows(checks: list[ProblemCheck]) -> int:
    return sum(f.height for f in pl.collect_all([c.frame for c in checks]))


# --------------------------------------------------------------------------- encodings


def test_detect_encoding_bom_utf8_and_gb18030() -> None:
    text = "订单编号,买家会员名\n"
    assert detect_encoding_of_bytes(b"\xef\xbb\xbf" + text.encode(), complete=True) == "utf-8"
    assert detect_encoding_of_bytes(text.encode("utf-8"), complete=True) == "utf-8"
    assert detect_encoding_of_bytes(text.encode("gbk"), complete=True) == "gb18030"
    assert detect_encoding_of_bytes(b"order_id,buyer\n", complete=True) == "utf-8"


def test_detect_encoding_tolerates_a_multibyte_char_cut_at_the_sniff_boundary() -> None:
    sample = "订单".encode()[:-1]  # 订 complete, 单 cut after 2 of its 3 bytes
    assert detect_encoding_of_bytes(sample, complete=False) == "utf-8"
    # The same bytes as a whole file are broken UTF-8, so they are not UTF-8.
    assert detect_encoding_of_bytes(sample, complete=True) == "gb18030"


def test_detect_encoding_of_file_cut_at_one_megabyte(tmp_path: Path) -> None:
    # 3-byte characters from offset 2 put the 1 MB boundary inside a character.
    body = "ab" + "单" * ((1 << 20) // 3 + 10)
    path = write(tmp_path / "big.csv", body)
    assert ((1 << 20) - 2) % 3 != 0 and path.stat().st_size > 1 << 20
    with path.open("rb") as handle:  # the naive check would call it not UTF-8
        with pytest.raises(UnicodeDecodeError):
            handle.read(1 << 20).decode("utf-8")
    assert detect_encoding(path) == "utf-8"
    assert detect_encoding(write(tmp_path / "big_gbk.csv", body, "gbk")) == "gb18030"


def test_detect_encoding_sees_gbk_after_an_ascii_first_megabyte(tmp_path: Path) -> None:
    body = "agent,buyer\n" + "x,y\n" * (1 << 19) + "小美,买家\n"
    path = write(tmp_path / "chats.csv", body, "gbk")
    assert detect_encoding(path) == "gb18030"


def test_ensure_utf8_transcodes_gbk_once_into_work_dir(tmp_path: Path) -> None:
    src = write(tmp_path / "in" / "orders.csv", "订单编号\r\n1\r\n", "gbk")
    work = tmp_path / "work"
    out = ensure_utf8(src, work)
    assert out.parent == work
    assert out.read_bytes() == "订单编号\r\n1\r\n".encode()  # CRLF kept: line numbers agree
    assert ensure_utf8(src, work) == out  # cached copy reused
    utf8 = write(tmp_path / "in" / "u.csv", "a\n")
    assert ensure_utf8(utf8, work) == utf8


# --------------------------------------------------------------------------- orders


def expected_orders() -> list[dict[str, object]]:
    return [
        {
            "order_id": "4100123456789",
            "buyer": "小王",
            "created_at": datetime(2026, 10, 1, 9, 10),
            "paid_at": datetime(2026, 10, 1, 9, 12, 30),
            "paid_amount": Decimal("128.00"),
            "status": "交易成功",
            "refund_amount": Decimal("0.00"),
            "line": 2,
            "row_problem": False,
        },
        {
            "order_id": "4100123456790",
            "buyer": "小李",
            "created_at": datetime(2026, 10, 2, 20, 0),
            "paid_at": None,
            "paid_amount": Decimal("0.00"),
            "status": "等待买家付款",
            "refund_amount": Decimal("0.00"),
            "line": 3,
            "row_problem": False,
        },
    ]


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig"])
def test_taobao_order_export_as_downloaded(tmp_path: Path, encoding: str) -> None:
    path = write(tmp_path / "orders.csv", ORDER_HEADER + ORDER_ROWS, encoding)
    orders, checks = load_orders(path, work_dir=tmp_path / "work")
    df = orders.collect()
    assert df.schema == pl.Schema(
        {
            "order_id": pl.String,
            "buyer": pl.String,
            "created_at": pl.Datetime("us"),
            "paid_at": pl.Datetime("us"),
            "paid_amount": pl.Decimal(38, 2),
            "status": pl.String,
            "refund_amount": pl.Decimal(38, 2),
            "line": pl.Int64,
            "row_problem": pl.Boolean,
        }
    )
    assert df.sort("line").to_dicts() == expected_orders()
    assert all_check_rows(checks) == 0
    # Only GBK needs a UTF-8 copy; a BOM file is scanned in place.
    copies = list((tmp_path / "work").glob("*.csv"))
    assert len(copies) == (1 if encoding == "gbk" else 0)


def test_canonical_english_orders(tmp_path: Path) -> None:
    path = write(tmp_path / "orders.csv", CANONICAL_ORDERS)
    orders, checks = load_orders(path, work_dir=tmp_path / "work")
    assert orders.collect().sort("line").to_dicts() == expected_orders()
    assert all_check_rows(checks) == 0


def test_duplicate_order_id_names_both_lines(tmp_path: Path) -> None:
    text = CANONICAL_ORDERS + '="4100123456789",小张,2026-10-03 08:00:00,,0,交易关闭,\n'
    orders, checks = load_orders(write(tmp_path / "orders.csv", text), work_dir=tmp_path)
    rows = collect_check(checks, "more than once")
    assert rows["line"].to_list() == [2, 4]
    assert rows["field"].to_list() == ["order_id", "order_id"]
    assert rows["value"].to_list() == ["4100123456789", '="4100123456789"']
    assert rows["message"].to_list() == ["order id appears more than once: lines 2, 4"] * 2


def test_bad_money_and_bad_datetime_in_orders(tmp_path: Path) -> None:
    text = (
        "order_id,buyer,created_at,paid_at,paid_amount,status,refund_amount\n"
        '1,a,2026-10-01 09:00:00,2026-10-01 09:00:00,12.345,交易成功,"¥1,000.00"\n'
        "2,b,2026-10-32 09:00:00,,abc,交易成功,\n"
    )
    orders, checks = load_orders(write(tmp_path / "orders.csv", text), work_dir=tmp_path)
    money = collect_check(checks, "amount of money")
    assert money.select("line", "field", "value").rows() == [
        (2, "paid_amount", "12.345"),
        (3, "paid_amount", "abc"),
    ]
    dates = collect_check(checks, "date-time")
    assert dates.select("line", "field", "value").rows() == [
        (3, "created_at", "2026-10-32 09:00:00")
    ]
    first = orders.collect().sort("line").row(0, named=True)
    assert first["refund_amount"] == Decimal("1000.00")  # ¥ and thousands comma stripped


def test_padded_cells_parse_as_if_unpadded(tmp_path: Path) -> None:
    # Dates and amounts are parsed as written first and stripped only where that fails:
    # padding must change nothing, a cell of spaces is empty, a padded bad value is bad.
    text = (
        "order_id,buyer,created_at,paid_at,paid_amount,status,refund_amount\n"
        ' =" 41001 " , a , 2026-10-01 09:00:00 ,2026/10/01 09:05,  128.00 ,交易成功, ¥5.00\n'
        "2,b,   ,,0,交易成功, 12.345 \n"
    )
    orders, checks = load_orders(write(tmp_path / "orders.csv", text), work_dir=tmp_path)
    df = orders.collect().sort("line")
    columns = ["order_id", "buyer", "created_at", "paid_at", "paid_amount", "refund_amount"]
    assert df.select(columns).row(0) == (
        "41001",
        "a",
        datetime(2026, 10, 1, 9),
        datetime(2026, 10, 1, 9, 5),
        Decimal("128.00"),
        Decimal("5.00"),
    )
    assert df.filter(pl.col("row_problem"))["line"].to_list() == [3]
    empty = collect_check(checks, "empty")
    assert empty.select("line", "field", "value").rows() == [(3, "created_at", "   ")]
    money = collect_check(checks, "amount of money")
    assert money.select("line", "field", "value").rows() == [(3, "refund_amount", " 12.345 ")]
    assert all_check_rows(checks) == 2  # the blank date is empty, not also "not a date"


def test_missing_order_column_names_file_and_column(tmp_path: Path) -> None:
    path = write(tmp_path / "orders.csv", "订单编号,买家会员名,订单创建时间,订单状态\n1,a,b,c\n")
    with pytest.raises(InputError) as info:
        load_orders(path, work_dir=tmp_path)
    rendered = str(info.value)
    assert {d.path for d in info.value.diagnostics} == {"paid_at", "paid_amount"}
    assert all(d.code == "D103" and d.line == 1 for d in info.value.diagnostics)
    assert f"{path}:1: D103 paid_at: missing required column 'paid_at'" in rendered
    assert "订单付款时间" in rendered  # tells which Chinese header would do


# --------------------------------------------------------------------------- chats


def test_session_chats_parse(tmp_path: Path) -> None:
    chats, fmt, checks = load_chats(write(tmp_path / "chats.csv", SESSION_CHATS), work_dir=tmp_path)
    assert fmt == "session"
    df = chats.collect().sort("line")
    assert df.schema["start_time"] == pl.Datetime("us")
    assert df.to_dicts() == [
        {
            "agent": "云杉旗舰店:小美",
            "buyer": "买家甲",
            "start_time": datetime(2026, 10, 1, 9),
            "end_time": datetime(2026, 10, 1, 9, 5),
            "first_response_s": 12.0,
            "avg_response_s": None,
            "rating": "满意",
            "line": 2,
            "row_problem": False,
        },
        {
            "agent": "云杉旗舰店:小美",
            "buyer": "买家乙",
            "start_time": datetime(2026, 10, 1, 10),
            "end_time": None,
            "first_response_s": None,
            "avg_response_s": None,
            "rating": None,
            "line": 3,
            "row_problem": False,
        },
    ]
    assert all_check_rows(checks) == 0


def test_padded_seconds_and_dates_in_chats(tmp_path: Path) -> None:
    text = (
        "agent,buyer,start_time,first_response_s,avg_response_s\n"
        "小美,买家甲, 2026-10-01 09:00:00, 15秒 ,  \n"
    )
    chats, _, checks = load_chats(write(tmp_path / "chats.csv", text), work_dir=tmp_path)
    row = chats.collect().row(0, named=True)
    assert (row["start_time"], row["first_response_s"]) == (datetime(2026, 10, 1, 9), 15.0)
    # A cell of spaces in an optional column is blank, not bad: nothing to report.
    assert row["avg_response_s"] is None
    assert all_check_rows(checks) == 0


def test_bad_date_in_chats_is_a_problem_check(tmp_path: Path) -> None:
    text = (
        "agent,buyer,start_time\n"
        "小美,买家甲,2026-10-01 09:00:00\n"
        "小美,买家乙,2026-10-01 25:00:00\n"
        "\n"  # a blank line still counts as a physical line
        "小美,,2026-10-01 10:00:00\n"
    )
    chats, _, checks = load_chats(write(tmp_path / "chats.csv", text), work_dir=tmp_path)
    # The loaded frame flags the bad rows itself, so a clean file needs no second scan.
    flagged = chats.collect().filter(pl.col("row_problem"))["line"].to_list()
    assert flagged == [3, 5]
    bad = collect_check(checks, "date-time")
    assert bad.to_dicts() == [
        {
            "line": 3,
            "field": "start_time",
            "value": "2026-10-01 25:00:00",
            "message": "not a date-time (YYYY-MM-DD HH:MM:SS)",
        }
    ]
    empty = collect_check(checks, "empty")
    assert empty.select("line", "field", "value").rows() == [(5, "buyer", "")]
    date_check = next(c for c in checks if "fix the date" in c.what_to_do)
    assert date_check.file == str(tmp_path / "chats.csv")


def test_names_of_spaces_are_empty_and_padded_names_are_trimmed(tmp_path: Path) -> None:
    # Accounts, buyers and statuses keep a blank cell as "" rather than null (KEYED_COLUMNS):
    # a cell of spaces must still be reported as empty, on its line, in every file.
    chats_text = (
        "agent,buyer,start_time\n"
        " 小美 , 买家甲 ,2026-10-01 09:00:00\n"
        "   ,买家乙,2026-10-01 10:00:00\n"
        "小美,\t,2026-10-01 11:00:00\n"
    )
    chats, _, checks = load_chats(write(tmp_path / "chats.csv", chats_text), work_dir=tmp_path)
    df = chats.collect().sort("line")
    assert df.select("agent", "buyer").row(0) == ("小美", "买家甲")
    assert df.filter(pl.col("row_problem"))["line"].to_list() == [3, 4]
    empty = collect_check(checks, "empty")
    assert empty.select("line", "field").rows() == [(3, "agent"), (4, "buyer")]

    orders_text = (
        "order_id,buyer,created_at,paid_at,paid_amount,status\n"
        "1, 买家甲 ,2026-10-01 09:00:00,,0,  \n"
        "2,买家乙,2026-10-01 09:00:00,,0,交易成功\n"
    )
    orders, checks = load_orders(write(tmp_path / "orders.csv", orders_text), work_dir=tmp_path)
    df = orders.collect().sort("line")
    assert df["buyer"].to_list() == ["买家甲", "买家乙"]
    assert df.filter(pl.col("row_problem"))["line"].to_list() == [2]
    assert collect_check(checks, "empty").select("line", "field").rows() == [(2, "status")]


def test_chinese_session_headers_and_column_map(tmp_path: Path) -> None:
    text = (
        "接待客服,顾客,会话开始时间,会话结束时间,首响时间（秒）,服务评价,店铺\n"  # full-width （）
        "小美,甲,2026-10-01 09:00,,8秒,很满意,云杉\n"
    )
    chats, fmt, _ = load_chats(write(tmp_path / "chats.csv", text), work_dir=tmp_path)
    row = chats.collect().row(0, named=True)
    assert fmt == "session"
    assert (row["agent"], row["buyer"], row["rating"]) == ("小美", "甲", "很满意")
    assert row["start_time"] == datetime(2026, 10, 1, 9, 0)
    assert row["first_response_s"] == 8.0

    custom = "坐席,访客,进线时间\n小美,甲,2026-10-01 09:00:00\n"
    column_map = {"坐席": "agent", "访客": "buyer", "进线时间": "start_time", "x": "order_id"}
    chats, _, _ = load_chats(
        write(tmp_path / "c2.csv", custom), work_dir=tmp_path, column_map=column_map
    )
    assert chats.collect().select("agent", "buyer").row(0) == ("小美", "甲")


# Message-level export, worked by hand (gap rule: a silence >= 10 minutes starts a session).
#   小美/甲: 09:00:00 甲 asks, 09:00:30 小美 replies (30 s), 09:01:00 甲, 09:01:20 小美 (20 s)
#            → one session 09:00:00–09:01:20, first response 30 s, average (30+20)/2 = 25 s.
#            09:11:20 甲 again: exactly 10 min after 09:01:20 → a new session, never answered:
#            start = end = 09:11:20, first/avg response null.
#   小美/乙: 10:00:00 小美 greets first, 10:00:05 乙, 10:00:45 小美 (40 s after 乙)
#            → first response 40 s (from the buyer's first message), average 40 s.
#   Rows are deliberately out of order in the file; sender is written three different ways.
MESSAGES = (
    "发送时间,买家昵称,客服昵称,发送方,内容\n"
    "2026-10-01 10:00:05,乙,云杉旗舰店:小美,买家,在吗\n"  # line 2
    "2026-10-01 09:00:00,甲,云杉旗舰店:小美,甲,这个有货吗\n"  # line 3
    "2026-10-01 09:00:30,甲,云杉旗舰店:小美,云杉旗舰店:小美,有的亲\n"  # line 4
    "2026-10-01 09:01:00,甲,云杉旗舰店:小美,买家,好的\n"  # line 5
    "2026-10-01 09:01:20,甲,云杉旗舰店:小美,客服,欢迎下次光临\n"  # line 6
    "2026-10-01 10:00:00,乙,云杉旗舰店:小美,客服,您好\n"  # line 7
    "2026-10-01 10:00:45,乙,云杉旗舰店:小美,客服,在的\n"  # line 8
    "2026-10-01 09:11:20,甲,云杉旗舰店:小美,买家,还有一个问题\n"  # line 9
)


def test_message_level_chats_become_sessions(tmp_path: Path) -> None:
    chats, fmt, checks = load_chats(write(tmp_path / "chats.csv", MESSAGES), work_dir=tmp_path)
    assert fmt == "message"
    assert all_check_rows(checks) == 0
    df = chats.collect().sort("start_time")
    assert df.columns == [
        "agent",
        "buyer",
        "start_time",
        "end_time",
        "first_response_s",
        "avg_response_s",
        "rating",
        "line",
        "agent_messages",
        "buyer_messages",
        "replies",
        "slow_responses",
        "row_problem",
    ]
    t = datetime
    assert df.select(
        "buyer", "start_time", "end_time", "first_response_s", "avg_response_s", "line"
    ).rows() == [
        ("甲", t(2026, 10, 1, 9, 0, 0), t(2026, 10, 1, 9, 1, 20), 30.0, 25.0, 3),
        ("甲", t(2026, 10, 1, 9, 11, 20), t(2026, 10, 1, 9, 11, 20), None, None, 9),
        ("乙", t(2026, 10, 1, 10, 0, 0), t(2026, 10, 1, 10, 0, 45), 40.0, 40.0, 7),
    ]
    assert df["agent"].unique().to_list() == ["云杉旗舰店:小美"]


def test_session_gap_just_under_ten_minutes_does_not_split(tmp_path: Path) -> None:
    text = (
        "time,buyer,agent,sender\n"
        "2026-10-01 09:00:00,甲,小美,buyer\n"
        "2026-10-01 09:09:59,甲,小美,agent\n"  # 9:59 later: same session
        "2026-10-01 09:19:59,甲,小美,agent\n"  # exactly 10:00 later: new session
    )
    chats, _, _ = load_chats(write(tmp_path / "chats.csv", text), work_dir=tmp_path)
    df = chats.collect().sort("start_time")
    assert df.select("line", "first_response_s").rows() == [(2, 599.0), (4, None)]
    chats, _, _ = load_chats(tmp_path / "chats.csv", work_dir=tmp_path, session_gap_minutes=11)
    assert chats.collect().height == 1


def test_unknown_sender_is_a_problem_check(tmp_path: Path) -> None:
    text = "time,buyer,agent,sender\n2026-10-01 09:00:00,甲,小美,机器人\n"
    _, _, checks = load_chats(write(tmp_path / "chats.csv", text), work_dir=tmp_path)
    rows = collect_check(checks, "sender")
    assert rows.select("line", "field", "value").rows() == [(2, "sender", "机器人")]


def test_ambiguous_chat_format(tmp_path: Path) -> None:
    text = "agent,buyer,start_time,time,sender\n"
    with pytest.raises(InputError) as info:
        load_chats(write(tmp_path / "chats.csv", text), work_dir=tmp_path)
    assert [d.code for d in info.value.diagnostics] == ["D106"]


def test_missing_chat_column_and_duplicate_alias(tmp_path: Path) -> None:
    text = "客服,客服昵称,start_time\n"
    with pytest.raises(InputError) as info:
        load_chats(write(tmp_path / "chats.csv", text), work_dir=tmp_path)
    codes = sorted((d.code, d.path) for d in info.value.diagnostics)
    assert codes == [("D103", "buyer"), ("D105", "客服昵称")]


# --------------------------------------------------------------------------- roster


def test_roster_parses_types(tmp_path: Path) -> None:
    roster = load_roster(write(tmp_path / "agents.csv", AGENTS), work_dir=tmp_path)
    assert roster.schema["hire_date"] == pl.Date
    assert roster.schema["target"] == pl.Decimal(38, 2)
    assert roster.select("agent_id", "hire_date", "probation_end", "target", "line").rows() == [
        ("A1", date(2025, 3, 1), None, Decimal("12000.00"), 2),
        ("A2", date(2024, 7, 15), date(2024, 10, 15), None, 3),
    ]
    assert roster["leave_date"].dtype == pl.Date and roster["leave_date"].null_count() == 2


def test_roster_reports_every_bad_row(tmp_path: Path) -> None:
    text = (
        "agent_id,name,team,role,grade,hire_date,chat_nick,target\n"
        "A1,小美,一组,agent,P1,2026-13-01,nick,100\n"
        "A2,阿强,一组,boss,P1,2025-01-01,nick,abc\n"
        "A1,,一组,agent,P1,2025/02/30,,\n"
    )
    path = write(tmp_path / "agents.csv", text)
    with pytest.raises(InputError) as info:
        load_roster(path, work_dir=tmp_path)
    found = [(d.line, d.code, d.path) for d in info.value.diagnostics]
    assert found == [
        (2, "D203", "hire_date"),
        (3, "D202", "role"),
        (3, "D205", "chat_nick"),
        (3, "D206", "target"),
        (4, "D204", "agent_id"),
        (4, "D201", "name"),
        (4, "D203", "hire_date"),
    ]
    assert f"{path}:2:6: D203 hire_date: not a date: '2026-13-01' — write it as YYYY-MM-DD" in str(
        info.value
    )


def test_unknown_roster_column_suggests_the_right_one(tmp_path: Path) -> None:
    text = (
        "agent_id,name,team,role,grade,hire_date,hiredate2,traget\nA1,x,t,agent,P1,2025-01-01,,\n"
    )
    with pytest.raises(InputError) as info:
        load_roster(write(tmp_path / "agents.csv", text), work_dir=tmp_path)
    messages = {d.path: d.message for d in info.value.diagnostics}
    assert set(messages) == {"hiredate2", "traget"}
    assert "did you mean 'target'?" in messages["traget"]
    assert "did you mean 'hire_date'?" in messages["hiredate2"]


def test_roster_duplicate_and_missing_columns(tmp_path: Path) -> None:
    text = "agent_id,name,name,role,grade,hire_date\n"
    with pytest.raises(InputError) as info:
        load_roster(write(tmp_path / "agents.csv", text), work_dir=tmp_path)
    assert sorted((d.code, d.path) for d in info.value.diagnostics) == [
        ("D103", "team"),
        ("D105", "name"),
    ]


# --------------------------------------------------------------------------- roster fields

TYPED_RULES = """
[scheme]
id = "si"
name = "社保"
valid_from = "2026-01-01"

[inputs]
roster_fields = ["education", { name = "si_base", type = "money" }, { name = "si_rate", type = "number" }]

[components.si_employer]
label = "公司社保"
kind = "formula"
expr = "si_base * si_rate"
"""
TYPED_AGENTS = """agent_id,name,team,role,grade,hire_date,chat_nick,education,si_base,si_rate
A1,小美,一组,agent,P1,2025-03-01,云杉旗舰店:小美,本科,"5,000.00",0.08
A2,阿强,一组,supervisor,P3,2024-07-15,云杉旗舰店:阿强,大专,"¥3,281.00",0.105
"""


def pay_through_the_stages(folder: Path, rules_file: Path, work_dir: Path) -> pl.DataFrame:
    """The month's computed values by the stages compute_month runs, up to pay (the last
    stage only shapes the reports)."""
    from csincentive.month import compute
    from csincentive.month.figures import attribute, read_exports
    from csincentive.rules.loader import load_rules

    rules, _ = load_rules(rules_file)
    inputs = read_month(
        folder,
        compute.reading(rules.inputs),
        work_dir=work_dir,
        extras_wanted=lambda month: compute.extras_wanted(rules),
    )
    paying = compute.Paying(rules, rules_file, ledger=None, history=None)
    figures = attribute(read_exports(inputs), inputs, rules.attribution, lambda stage: None)
    people = compute.per_person(inputs, figures, paying, lambda stage: None)
    return compute.pay(people, figures, paying).computed


def test_a_money_roster_field_pays_in_a_formula(tmp_path: Path) -> None:
    # Worked by hand: A1 5,000.00 × 0.08 = 400.00; A2 ¥3,281.00 × 0.105 = 344.505 → 344.51
    # (half-up to the fen; banker's rounding would give 344.50). The text field stays text.
    folder = make_period(tmp_path, agents=TYPED_AGENTS)
    rules_file = write(tmp_path / "si.toml", TYPED_RULES)
    computed = pay_through_the_stages(folder, rules_file, tmp_path / "work").sort("agent_id")
    assert computed.select("si_base", "si_rate", "education", "si_employer").rows() == [
        (Decimal("5000.00"), Decimal("0.08"), "本科", Decimal("400.00")),
        (Decimal("3281.00"), Decimal("0.105"), "大专", Decimal("344.51")),
    ]
    assert computed.schema["si_base"] == pl.Decimal(38, 2)


def test_roster_fields_have_the_unit_they_declare(tmp_path: Path) -> None:
    from csincentive.rules.loader import load_rules
    from csincentive.rules.names import scheme_names

    rules, _ = load_rules(write(tmp_path / "si.toml", TYPED_RULES))
    assert rules.inputs.roster_fields == {
        "education": "text",
        "si_base": "money",
        "si_rate": "number",
    }
    names = scheme_names(rules)
    assert [names[n].unit for n in ("education", "si_base", "si_rate")] == [
        "text",
        "money",
        "number",
    ]


def test_the_old_list_of_roster_fields_is_text(tmp_path: Path) -> None:
    from csincentive.rules.model import Inputs

    assert Inputs.model_validate({"roster_fields": ["education", "track"]}).roster_fields == {
        "education": "text",
        "track": "text",
    }
    table = Inputs.model_validate({"roster_fields": {"si_base": "money"}})
    assert table.roster_fields == {"si_base": "money"}
    # Read with a plain list, every field is required text, as before.
    text = AGENTS.replace(",target\n", ",target,education\n").replace(
        "12000.00\n", "12000.00,本科\n"
    )
    text = text.replace("阿强,\n", "阿强,,大专\n")
    roster = load_roster(
        write(tmp_path / "agents.csv", text), work_dir=tmp_path, extra_fields=["education"]
    )
    assert roster.schema["education"] == pl.String
    assert roster["education"].to_list() == ["本科", "大专"]


def test_a_bad_typed_roster_cell_is_reported_at_its_line(tmp_path: Path) -> None:
    text = (
        "agent_id,name,team,role,grade,hire_date,si_base,si_rate\n"
        "A1,小美,一组,agent,P1,2025-03-01,5000,0.08\n"
        "A2,阿强,一组,agent,P1,2025-03-01,3k,8%\n"
        "A3,晓雨,一组,agent,P1,2025-03-01,12.345,\n"
    )
    path = write(tmp_path / "agents.csv", text)
    with pytest.raises(InputError) as info:
        load_roster(path, work_dir=tmp_path, extra_fields={"si_base": "money", "si_rate": "number"})
    found = [(d.line, d.col, d.code, d.path) for d in info.value.diagnostics]
    assert found == [
        (3, 7, "D206", "si_base"),
        (3, 8, "D208", "si_rate"),
        (4, 7, "D206", "si_base"),  # 12.345: more than 2 decimals is not an amount
        (4, 8, "D201", "si_rate"),  # a declared field is required, whatever its type
    ]
    rendered = str(info.value).splitlines()
    assert rendered[0] == f"{path}:3:7: D206 si_base: not an amount: '3k' — write it like 12000.00"
    assert rendered[1] == (
        f"{path}:3:8: D208 si_rate: not a number: '8%' — write a number like 3 or 0.25 "
        "(at most 10 decimals)"
    )


# --------------------------------------------------------------------------- period


def test_load_period(tmp_path: Path) -> None:
    orders = ORDER_HEADER + ORDER_ROWS
    folder = tmp_path / "2026-10"
    make_period(tmp_path, chats=MESSAGES)
    write(folder / "orders.csv", orders, "gbk")
    period = read_month(folder, work_dir=tmp_path / "work")
    assert isinstance(period, MonthInputs)
    figures = period.figures  # the chats + orders source
    assert (*period.month, figures.chat_format) == (2026, 10, "message")
    assert period.files == {
        "agents": folder / "agents.csv",
        "chats": folder / "chats.csv",
        "orders": folder / "orders.csv",
    }
    results = pl.collect_all(
        [figures.chats.whole(), figures.orders, *(c.frame for c in figures.checks)]
    )
    assert [r.height for r in results[:2]] == [3, 2]
    assert sum(r.height for r in results[2:]) == 0
    assert period.roster.height == 2
    assert all(
        set(c.frame.collect_schema()) == {"line", "field", "value", "message", "bad_rows"}
        for c in figures.checks
    )
    assert all(c.frame.collect_schema()["line"] == pl.Int64 for c in figures.checks)


def test_load_period_collects_problems_of_all_files(tmp_path: Path) -> None:
    folder = make_period(tmp_path, name="october", agents="agent_id\n", chats="agent,buyer\n")
    (folder / "orders.csv").unlink()
    with pytest.raises(InputError) as info:
        read_month(folder, work_dir=tmp_path / "work")
    assert [d.code for d in info.value.diagnostics] == ["D100", "D101"]

    (folder / "orders.csv").write_text(CANONICAL_ORDERS, encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_month(folder, work_dir=tmp_path / "work", month=(2026, 10))
    codes = sorted({(Path(d.file).name, d.code) for d in info.value.diagnostics})
    assert codes == [("agents.csv", "D103"), ("chats.csv", "D103")]


EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "2026-10"


def test_an_input_kept_under_another_name_is_named_in_the_error(tmp_path: Path) -> None:
    # Each file as a shop keeps it (the roster as 花名册, the exports as downloaded): the
    # month still stops, but each D101 names the file whose header is the input's.
    folder = tmp_path / "2026-10"
    folder.mkdir()
    (folder / "花名册.csv").write_bytes((EXAMPLE / "agents.csv").read_bytes())
    (folder / "聊天记录_20261001-20261031.csv").write_bytes((EXAMPLE / "chats.csv").read_bytes())
    (folder / "ExportOrderList202610.csv").write_bytes((EXAMPLE / "orders.csv").read_bytes())
    with pytest.raises(InputError) as info:
        read_month(folder, work_dir=tmp_path / "work")
    assert [(d.code, d.message) for d in info.value.diagnostics] == [
        (
            "D101",
            f"file not found — 花名册.csv has the header of a roster: rename it agents.csv "
            f"(or put agents.csv in {folder})",
        ),
        (
            "D101",
            "file not found — 聊天记录_20261001-20261031.csv has the header of a chat export: "
            f"rename it chats.csv (or put chats.csv in {folder})",
        ),
        (
            "D101",
            "file not found — ExportOrderList202610.csv has the header of an order export: "
            f"rename it orders.csv (or put orders.csv in {folder})",
        ),
    ]


def test_two_files_that_could_be_the_input_are_not_guessed_between(tmp_path: Path) -> None:
    folder = make_period(tmp_path)
    (folder / "chats.csv").rename(folder / "chats_a.csv")
    (folder / "chats_b.xlsx").write_bytes(b"not a workbook")  # unreadable: not a candidate

    def missing() -> list[tuple[str, str]]:
        with pytest.raises(InputError) as info:
            read_month(folder, work_dir=tmp_path / "work", month=(2026, 10))
        return [(d.code, d.message) for d in info.value.diagnostics]

    assert missing() == [
        (
            "D101",
            "file not found — chats_a.csv has the header of a chat export: rename it "
            f"chats.csv (or put chats.csv in {folder})",
        )
    ]
    (folder / "chats_c.csv").write_bytes((folder / "chats_a.csv").read_bytes())
    assert missing() == [("D101", f"file not found — put chats.csv in {folder}")]


def test_empty_file_has_no_header(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        load_orders(write(tmp_path / "orders.csv", ""), work_dir=tmp_path)
    assert [(d.code, d.line) for d in info.value.diagnostics] == [("D102", 1)]


def test_end_time_is_not_validated(tmp_path: Path) -> None:
    # Pay never reads a session's end, so a bad end_time is not worth a failed month.
    text = "agent,buyer,start_time,end_time\n小美,买家甲,2026-10-01 09:00:00,not a time\n"
    _, _, checks = load_chats(write(tmp_path / "chats.csv", text), work_dir=tmp_path)
    assert all_check_rows(checks) == 0


# --------------------------------------------------------------------------- unreadable


def test_a_quote_never_closed_names_the_file_and_its_line(tmp_path: Path) -> None:
    # Line 3 opens a quoted value that runs to the end of the file: the reader cannot split
    # the rows, and the run stops with the file and the line instead of a traceback.
    from csincentive.month.compute import compute_month

    chats = (
        "agent,buyer,start_time,end_time,first_response_s,rating\n"
        "云杉旗舰店:小美,买家甲,2026-10-01 09:00:00,2026-10-01 09:05:00,12,满意\n"
        '"云杉旗舰店:小美,买家乙,2026-10-01 10:00:00,,,\n'
        "云杉旗舰店:小美,买家丁,2026-10-04 09:00:00,,,\n"
    )
    folder = make_period(tmp_path, chats=chats)
    with pytest.raises(InputError) as info:
        compute_month(folder, RULES)
    [problem] = info.value.diagnostics
    assert (problem.file, problem.line, problem.code) == (str(folder / "chats.csv"), 3, "D108")
    assert "never closed" in problem.message and "买家乙" in problem.message


def test_a_quote_never_closed_in_a_gbk_order_report(tmp_path: Path) -> None:
    # The Taobao report is GB18030: the reader sees a UTF-8 copy, the line is found in the
    # file as exported (header = line 1, the bad row = line 3).
    from csincentive.month.compute import compute_month

    bad = ORDER_ROWS.replace('="4100123456790",小李', '"4100123456790,小李', 1)
    folder = make_period(tmp_path)
    write(folder / "orders.csv", ORDER_HEADER + bad, encoding="gb18030")
    with pytest.raises(InputError) as info:
        compute_month(folder, RULES)
    [problem] = info.value.diagnostics
    assert (problem.file, problem.line, problem.code) == (str(folder / "orders.csv"), 3, "D108")


def test_an_export_the_reader_refuses_for_another_reason(tmp_path: Path) -> None:
    from csincentive.sources.parsing import unreadable

    files = {"chats": tmp_path / "chats.csv", "orders": tmp_path / "orders.csv"}
    # Any other failure: both exports are named, with the first line of the reader's words.
    problems = unreadable(files, ValueError("something odd\nmore detail")).diagnostics
    assert [(p.file, p.code, p.line) for p in problems] == [
        (str(files["chats"]), "D108", None),
        (str(files["orders"]), "D108", None),
    ]
    assert "(something odd)" in problems[0].message
