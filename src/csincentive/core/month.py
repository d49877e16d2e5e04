"""A calendar month, the unit everything is paid in. One type for every month written or
read anywhere (folder names, ledger keys, --month, quarters), so no module formats
"2026-10" or steps to the month before on its own.

A NamedTuple: months compare and sort in calendar order, and ``year, month = m`` works."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import NamedTuple

_TEXT = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")
_QUARTER = re.compile(r"^(\d{4})-?[Qq]([1-4])$")


class Month(NamedTuple):
    year: int
    month: int  # 1..12

    @classmethod
    def parse(cls, text: str) -> Month:
        """ "2026-10" (or "2026-1"). ValueError for anything else."""
        match = _TEXT.match(text)
        if match is None or not 1 <= int(match.group(2)) <= 12:
            raise ValueError(f"'{text}' is not a month; write YYYY-MM")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, day: dt.date) -> Month:
        return cls(day.year, day.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def name(self) -> str:
        """ "2026-10": the folder name and the ledger key."""
        return str(self)

    def previous(self) -> Month:
        return self.shifted(-1)

    def next(self) -> Month:
        return self.shifted(1)

    def shifted(self, months: int) -> Month:
        index = self.year * 12 + self.month - 1 + months
        return Month(index // 12, index % 12 + 1)

    @property
    def quarter(self) -> int:
        """1..4."""
        return (self.month - 1) // 3 + 1

    @property
    def month_of_quarter(self) -> int:
        """1, 2 or 3."""
        return (self.month - 1) % 3 + 1

    def quarter_months(self) -> tuple[Month, Month, Month]:
        first = Month(self.year, 3 * self.quarter - 2)
        return first, first.next(), first.shifted(2)

    def earlier_in(self, span: str) -> list[Month]:
        """The months of this month's quarter ("quarter") or year ("year") before it."""
        first = self.month - self.month_of_quarter + 1 if span == "quarter" else 1
        return [Month(self.year, m) for m in range(first, self.month)]

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def last_day(self) -> dt.date:
        return dt.date(self.year, self.month, self.days)

    @property
    def days(self) -> int:
        return calendar.monthrange(self.year, self.month)[1]

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """[start, end): midnight of the first day and of the first day of the next month."""
        start = dt.datetime(self.year, self.month, 1)
        following = self.next()
        return start, dt.datetime(following.year, following.month, 1)


class Quarter(NamedTuple):
    """A calendar quarter, as the quarterly grade review is asked for: "2026Q4"."""

    year: int
    number: int  # 1..4

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """ "2026Q4" or "2026-Q4" (q in either case). ValueError otherwise."""
        match = _QUARTER.match(text.strip())
        if match is None:
            raise ValueError(f"'{text}' is not a quarter; write YYYYQn, e.g. 2026Q4")
        return cls(int(match.group(1)), int(match.group(2)))

    @property
    def name(self) -> str:
        return f"{self.year:04d}Q{self.number}"

    @property
    def months(self) -> tuple[str, str, str]:
        """The ledger keys of its three months, in order."""
        first = Month(self.year, 3 * self.number - 2)
        return tuple(str(m) for m in first.quarter_months())  # type: ignore[return-value]
