"""Attribution edges (询单->最终付款), worked by hand from the rule in attribution.py:
the latest chat with the buyer at or before the order, within the calendar-day window."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from csincentive.month import attribution
from csincentive.month.attribution import (
    _Packing,
    attribute_orders,
    buyer_key,
    resolve_accounts,
)


def resolve_agents(chats: pl.DataFrame, roster: pl.DataFrame) -> pl.DataFrame:
    """One frame's accounts resolved as the month resolves its chats (resolve_accounts)."""
    return resolve_accounts([chats], roster)[0]


def at(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%m-%d %H:%M").replace(year=2026)


def chats(*rows: tuple[str, str, str]) -> pl.LazyFrame:
    return pl.LazyFrame(
        {
            "agent_key": [r[0] for r in rows],
            "buyer": [r[1] for r in rows],
            "start_time": [at(r[2]) for r in rows],
        },
        schema={"agent_key": pl.Utf8, "buyer": pl.Utf8, "start_time": pl.Datetime("us")},
    ).with_columns(buyer_key())


def orders(*rows: tuple[str, str, str, str | None]) -> pl.LazyFrame:
    return pl.LazyFrame(
        {
            "order_id": [r[0] for r in rows],
            "buyer": [r[1] for r in rows],
            "created_at": [at(r[2]) for r in rows],
            "paid_at": [at(r[3]) if r[3] else None for r in rows],
            "paid_amount": [Decimal("10.00")] * len(rows),
            "refund_amount": [Decimal("0.00")] * len(rows),
            "status": ["交易成功"] * len(rows),
            "line": list(range(2, len(rows) + 2)),
        },
        schema={
            "order_id": pl.Utf8,
            "buyer": pl.Utf8,
            "created_at": pl.Datetime("us"),
            "paid_at": pl.Datetime("us"),
            "paid_amount": pl.Decimal(38, 2),
            "refund_amount": pl.Decimal(38, 2),
            "status": pl.Utf8,
            "line": pl.Int64,
        },
    )


def outcomes(
    chat_rows, order_rows, window_days=2, judge_by="created", ignored=()
) -> dict[str, tuple]:
    frame = attribute_orders(
        orders(*order_rows),
        chats(*chat_rows),
        year=2026,
        month=10,
        window_days=window_days,
        judge_by=judge_by,
        ignored=ignored,
    ).collect()
    return {r["order_id"]: (r["outcome"], r["agent_key"]) for r in frame.iter_rows(named=True)}


def test_latest_chat_before_the_order_wins():
    result = outcomes(
        [("A4", "b1", "10-05 09:00"), ("A1", "b1", "10-05 10:00"), ("A2", "b1", "10-05 12:00")],
        [("o1", "b1", "10-05 11:00", "10-05 11:05")],
    )
    # A2's chat starts after the order was created, so A1 (10:00) is the latest before it.
    assert result == {"o1": ("credited", "A1")}


def test_chat_exactly_at_order_time_counts():
    result = outcomes([("A1", "b1", "10-05 11:00")], [("o1", "b1", "10-05 11:00", "10-05 11:01")])
    assert result == {"o1": ("credited", "A1")}


def test_chat_only_after_the_order_is_silent():
    result = outcomes([("A1", "b1", "10-08 15:00")], [("o1", "b1", "10-08 14:00", "10-08 14:01")])
    assert result == {"o1": ("silent", None)}


def test_window_is_calendar_days_d_plus_1_in_d_plus_2_out():
    result = outcomes(
        [("A1", "b1", "10-10 23:59"), ("A2", "b2", "10-10 00:01")],
        [
            ("o1", "b1", "10-11 00:30", "10-11 00:31"),  # D+1: in
            ("o2", "b2", "10-12 00:00", "10-12 00:01"),  # D+2: out, though < 48 h later
        ],
    )
    assert result == {"o1": ("credited", "A1"), "o2": ("outside_window", None)}


def test_window_of_one_day_means_same_day_only():
    result = outcomes(
        [("A1", "b1", "10-10 23:59")], [("o1", "b1", "10-11 00:30", "10-11 00:31")], window_days=1
    )
    assert result == {"o1": ("outside_window", None)}


def test_unpaid_and_other_month_orders_are_not_credited():
    result = outcomes(
        [("A1", "b1", "10-05 09:00")],
        [("o1", "b1", "10-05 10:00", None), ("o2", "b1", "09-30 10:00", "09-30 10:01")],
    )
    assert result == {"o1": ("unpaid", None), "o2": ("other_month", None)}


def test_an_order_won_by_an_ignored_account_is_ignored_account_with_its_chat():
    # ?bot's 10:00 chat is b1's latest before o1 (11:00): o1 is ignored_account, the
    # winner kept; o2's buyer last chatted with A1, credited as ever. An ignored key that
    # never chatted (?gone) changes nothing.
    result = outcomes(
        [("A1", "b1", "10-05 09:00"), ("?bot", "b1", "10-05 10:00"), ("A1", "b2", "10-05 10:00")],
        [("o1", "b1", "10-05 11:00", "10-05 11:05"), ("o2", "b2", "10-05 11:00", "10-05 11:05")],
        ignored=["?bot", "?gone"],
    )
    assert result == {"o1": ("ignored_account", "?bot"), "o2": ("credited", "A1")}


def test_an_ignored_account_out_of_the_window_leaves_the_order_outside_it():
    # The window is judged first: ?bot's chat is D+2 before the order, too old to win it.
    result = outcomes(
        [("?bot", "b1", "10-03 10:00")],
        [("o1", "b1", "10-05 11:00", "10-05 11:05")],
        ignored=["?bot"],
    )
    assert result == {"o1": ("outside_window", None)}


def test_same_second_tie_goes_to_the_smallest_agent_id():
    # Both orders of chat rows must give the same answer: the rule, not the input order.
    for rows in (
        [("A3", "b20", "10-15 10:00"), ("A2", "b20", "10-15 10:00")],
        [("A2", "b20", "10-15 10:00"), ("A3", "b20", "10-15 10:00")],
    ):
        result = outcomes(rows, [("o9", "b20", "10-15 12:00", "10-15 12:00")])
        assert result == {"o9": ("credited", "A2")}


def test_same_second_tie_with_resolved_accounts():
    # The pipeline's chats carry agent_key as an Enum code (resolve_agents). Worked by hand:
    # 云杉:乙 is agent B1 and 云杉:甲 is Z9; both chat with b20 at 10:00, so B1 (sorting
    # first) takes the 12:00 order, whichever account the export lists first and however
    # the accounts were first seen; the unknown account chatting at 09:00 loses to both.
    roster = pl.DataFrame({"agent_id": ["Z9", "B1"], "chat_nick": ["云杉:甲", "云杉:乙"]})
    for names in (["云杉:甲", "云杉:乙", "新人"], ["云杉:乙", "云杉:甲", "新人"]):
        raw = pl.DataFrame(
            {
                "agent": pl.Series(names, dtype=pl.Categorical),
                "buyer": ["b20"] * 3,
                "start_time": [at("10-15 10:00"), at("10-15 10:00"), at("10-15 09:00")],
            }
        )
        resolved = resolve_agents(raw, roster)
        assert isinstance(resolved.schema["agent_key"], pl.Enum)
        key_of = {"云杉:甲": "Z9", "云杉:乙": "B1", "新人": "?新人"}
        assert resolved["agent_key"].cast(pl.String).to_list() == [key_of[n] for n in names]
        frame = attribute_orders(
            orders(("o9", "b20", "10-15 12:00", "10-15 12:00")),
            resolved.lazy().with_columns(buyer_key()),
            year=2026,
            month=10,
            window_days=2,
            judge_by="created",
        ).collect()
        assert frame.select("outcome", pl.col("agent_key").cast(pl.String)).rows() == [
            ("credited", "B1")
        ]


def test_two_orders_by_one_buyer_both_credited():
    result = outcomes(
        [("A1", "b3", "10-12 09:00")],
        [("o3", "b3", "10-12 10:00", "10-12 10:02"), ("o4", "b3", "10-12 15:00", "10-12 15:00")],
    )
    assert result == {"o3": ("credited", "A1"), "o4": ("credited", "A1")}


def test_judge_by_payment_time():
    # Created before the chat, paid after it: silent by creation time, credited by payment.
    chat_rows = [("A1", "b1", "10-05 10:00")]
    order_rows = [("o1", "b1", "10-05 09:00", "10-05 10:30")]
    assert outcomes(chat_rows, order_rows)["o1"] == ("silent", None)
    assert outcomes(chat_rows, order_rows, judge_by="paid")["o1"] == ("credited", "A1")


@pytest.mark.parametrize(
    "written,expected", [("云杉:小美", "A1"), ("A1", "A1"), ("云杉:新人", "?云杉:新人")]
)
def test_chat_accounts_resolve_by_nick_or_id(written, expected):
    roster = pl.DataFrame({"agent_id": ["A1"], "chat_nick": ["云杉:小美"]})
    frame = pl.DataFrame({"agent": [written], "buyer": ["b"]})
    assert resolve_agents(frame, roster)["agent_key"].cast(pl.String).to_list() == [expected]


# ------------------------------------------------------------------ against brute force


def brute_force(chat_rows, order_rows, window_days):
    """The rule as the module docstring states it, one order at a time."""
    result = {}
    for order_id, buyer, created, paid in order_rows:
        ref = at(created)
        if paid is None:
            result[order_id] = ("unpaid", None)
            continue
        if ref.month != 10:
            result[order_id] = ("other_month", None)
            continue
        before = [(at(t), agent) for agent, b, t in chat_rows if b == buyer and at(t) <= ref]
        if not before:
            result[order_id] = ("silent", None)
            continue
        latest = max(t for t, _ in before)
        agent = min(a for t, a in before if t == latest)
        if latest.date() < ref.date() - dt.timedelta(days=window_days - 1):
            result[order_id] = ("outside_window", None)
        else:
            result[order_id] = ("credited", agent)
    return result


@st.composite
def month_of_chats(draw):
    minutes = st.integers(0, 4 * 24 * 60)  # 09-29 00:00 .. 10-03 00:00, in minutes

    def moment(m: int) -> str:
        t = dt.datetime(2026, 9, 29) + dt.timedelta(minutes=m)
        return t.strftime("%m-%d %H:%M")

    buyers = [f"b{i}" for i in range(draw(st.integers(1, 6)))]
    agents = ["A1", "A2", "B7", "Z0"]
    chat_rows = draw(
        st.lists(
            st.tuples(st.sampled_from(agents), st.sampled_from(buyers), minutes.map(moment)),
            max_size=25,
        )
    )
    order_rows = [
        (f"o{i}", buyer, moment(created), None if unpaid else moment(created))
        for i, (buyer, created, unpaid) in enumerate(
            draw(
                st.lists(
                    st.tuples(st.sampled_from(buyers), minutes, st.booleans()),
                    min_size=1,
                    max_size=10,
                )
            )
        )
    ]
    return chat_rows, order_rows, draw(st.integers(1, 3))


@settings(max_examples=200, deadline=None)
@given(month_of_chats(), st.sampled_from([None, 1, 2]), st.sampled_from([None, 4]))
def test_matches_the_rule_one_order_at_a_time(monkeypatch_case, bucket_bits, part_rows):
    # bucket_bits 1 or 2 crowds every buyer into two or four buckets, so most orders take
    # the path that looks them up again by buyer (attribution._latest_in_buckets);
    # part_rows 4 cuts the buckets into several slices, each attributed on its own.
    chat_rows, order_rows, window_days = monkeypatch_case
    with pytest.MonkeyPatch.context() as patch:
        if bucket_bits is not None:
            patch.setattr(_Packing, "bucket_bits", property(lambda self: bucket_bits))
        if part_rows is not None:
            patch.setattr(attribution, "PART_ROWS", part_rows)
        got = outcomes(chat_rows, order_rows, window_days=window_days)
    assert got == brute_force(chat_rows, order_rows, window_days)
