"""core.month: the one Month type (and Quarter) every folder name, ledger key and --month
goes through. Expected values are calendar facts worked by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from csincentive.core.month import Month, Quarter


def test_parse_and_name():
    assert Month.parse("2026-10") == Month(2026, 10)
    assert Month.parse(" 2026-1 ") == Month(2026, 1)
    assert str(Month(2026, 1)) == "2026-01" == Month(2026, 1).name


@pytest.mark.parametrize("bad", ["2026-13", "2026-00", "202610", "2026/10", "Oct 2026", ""])
def test_parse_refuses_what_is_not_a_month(bad: str):
    with pytest.raises(ValueError, match="write YYYY-MM"):
        Month.parse(bad)


def test_stepping_across_a_year():
    assert Month(2026, 1).previous() == Month(2025, 12)
    assert Month(2026, 12).next() == Month(2027, 1)
    assert Month(2026, 10).shifted(-22) == Month(2024, 12)
    assert Month(2025, 12) < Month(2026, 1) < Month(2026, 10)  # calendar order


def test_quarter_facts():
    # October is the first month of Q4, December the third.
    assert (Month(2026, 10).quarter, Month(2026, 10).month_of_quarter) == (4, 1)
    assert (Month(2026, 12).quarter, Month(2026, 12).month_of_quarter) == (4, 3)
    assert Month(2026, 11).quarter_months() == (Month(2026, 10), Month(2026, 11), Month(2026, 12))
    assert Month(2026, 12).earlier_in("quarter") == [Month(2026, 10), Month(2026, 11)]
    assert Month(2026, 3).earlier_in("year") == [Month(2026, 1), Month(2026, 2)]
    assert Month(2026, 1).earlier_in("year") == []


def test_days_and_bounds():
    assert Month(2028, 2).days == 29  # a leap year
    assert Month(2026, 2).last_day == dt.date(2026, 2, 28)
    assert Month(2026, 12).bounds() == (dt.datetime(2026, 12, 1), dt.datetime(2027, 1, 1))
    assert Month.of(dt.date(2026, 10, 31)) == Month(2026, 10)


def test_quarter_months_are_ledger_keys():
    assert Quarter.parse("2026-q4").months == ("2026-10", "2026-11", "2026-12")
    assert Quarter(2027, 1).name == "2027Q1"
