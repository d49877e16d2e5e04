"""The cells of a per-agent report read as the tools write them (sources/report_values.py):
counts with thousands separators, money with ¥ and 元, durations in 赤兔's words, rates with
or without their %, and '-' for none. Each expected value is worked from the text."""

from __future__ import annotations

from decimal import Decimal

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from csincentive.sources.report_values import bare_rate_above_one, cleaned, not_final, parse


def read(kind, cells: list[str | None]) -> list:
    frame = pl.DataFrame({"cell": cells}, schema={"cell": pl.String})
    return frame.select(parse(kind, cleaned(pl.col("cell")))).to_series().to_list()


def test_counts_with_separators_and_whole_floats():
    cells = ["132", "1,204", "1，204", "45.0", " 12 ", "-", "--", "—", "", None, "1.5", "abc"]
    assert read("count", cells) == [
        132,
        1204,
        1204,
        45,
        12,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
    ]


def test_money_as_written_and_a_spreadsheets_float_a_hair_off_a_fen():
    cells = ["12,345.60", "¥12,345.60", "12345.6元", "60234.00000000001", "0.30000000000000004"]
    cells += ["1.234", "-5.00", "-", "x"]
    assert read("money", cells) == [
        Decimal("12345.60"),
        Decimal("12345.60"),
        Decimal("12345.60"),
        Decimal("60234.00"),  # a sum Excel kept as a binary float
        Decimal("0.30"),
        None,  # three decimals: not an amount
        Decimal("-5.00"),  # read; a negative amount is D834, not D833
        None,
        None,
    ]


@pytest.mark.parametrize(
    "cell,seconds",
    [
        ("35", 35.0),
        ("35秒", 35.0),
        ("12.5", 12.5),
        ("2分30秒", 150.0),  # 2 × 60 + 30
        ("1分05秒", 65.0),
        ("7小时41分52秒", 27712.0),  # 7 × 3600 + 41 × 60 + 52
        ("1小时2分", 3720.0),
        ("1天2小时", 93600.0),  # 86400 + 7200
        ("00:02:30", 150.0),
        ("2:30", 150.0),
        ("-", None),
        ("分", None),
        ("abc", None),
    ],
)
def test_durations(cell, seconds):
    assert read("seconds", [cell]) == [seconds]


def test_rates_with_or_without_their_percent_sign():
    assert read("rate", ["45.20%", "0.452", "100%", "0", "x%", "-"]) == [
        Decimal("0.4520000000"),
        Decimal("0.4520000000"),
        Decimal("1.0000000000"),
        Decimal("0E-10"),
        None,
        None,
    ]


def test_a_bare_rate_above_one_is_flagged_not_read_as_4520_percent():
    frame = pl.DataFrame({"cell": ["45.2", "0.452", "45.2%", "1", "-"]})
    flags = frame.select(bare_rate_above_one(cleaned(pl.col("cell")))).to_series().to_list()
    assert flags == [True, False, False, False, False]


def test_cells_not_counted_yet():
    frame = pl.DataFrame({"cell": ["延迟统计", "数据统计中", "计算中…", "132", None]})
    assert frame.select(not_final(pl.col("cell"))).to_series().to_list() == [
        True,
        True,
        True,
        False,
        False,
    ]


@settings(max_examples=100, deadline=None)
@given(hours=st.integers(0, 99), minutes=st.integers(0, 59), seconds=st.integers(0, 59))
def test_any_duration_in_words_or_as_a_clock(hours: int, minutes: int, seconds: int):
    # 7小时41分52秒 = 7 × 3600 + 41 × 60 + 52, written with or without the hours and minutes
    # 赤兔 leaves out when they are 0, and as H:MM:SS.
    total = float(hours * 3600 + minutes * 60 + seconds)
    worded = (
        (f"{hours}小时" if hours else "") + (f"{minutes}分" if minutes else "") + f"{seconds}秒"
    )
    assert read("seconds", [worded, f"{hours}:{minutes:02d}:{seconds:02d}"]) == [total, total]
