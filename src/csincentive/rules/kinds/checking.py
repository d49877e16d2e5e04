"""Meaning checks shared by several kinds: tiers that ascend and touch (table, marginal,
matrix), rates that look like a forgotten "%" (rate, marginal), a roster text field (match,
matrix). Each writes to the ``Checking`` it is given, with the key's position."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from csincentive.core.money import plain
from csincentive.rules.kinds.base import Checking, Loc, Report

# ------------------------------------------------------------------------------- tiers


def check_intervals(checking: Checking, key: str, rows: list[Any], *, open_start: bool) -> None:
    """Rows must ascend and touch: each row's `from` equals the previous row's `below`.
    `key` is the list's own key (rows or bands)."""
    report, loc = checking.report, (*checking.loc, key)
    previous_below: Decimal | None = None
    for i, row in enumerate(rows):
        here = (*loc, i)
        start, end = row.from_, row.below
        if start is None and i > 0:
            message = (
                "only the first row may leave 'from' open; this row overlaps the rows before"
                f" it (add from = {_previous(report, loc, i, previous_below)})"
            )
            report.add("E131", here, message)
        if start is not None and end is not None and start >= end:
            low = report.written((*here, "from"), start)
            high = report.written((*here, "below"), end)
            message = (
                f"bounds do not ascend: from {low} is not below {high};"
                " 'below' must be greater than 'from'"
            )
            report.add("E132", (*here, "below"), message)
        if i > 0:
            _check_touch(report, loc, i, start, previous_below)
        previous_below = end
    if not open_start and rows and rows[0].from_ != 0:
        report.add(
            "E130",
            (*loc, 0, "from"),
            "marginal tiers must start at 0; write from = 0 in the first row",
        )


def _check_touch(
    report: Report, loc: Loc, i: int, start: Decimal | None, previous_below: Decimal | None
) -> None:
    here = (*loc, i)
    if previous_below is None:
        message = (
            "unreachable: the row before has no 'below', so it takes every value from its"
            " 'from' up; give that row a 'below' or remove this one"
        )
        report.add("W133", here, message)
    elif start is not None and start != previous_below:
        shown = report.written((*here, "from"), start)
        before = _previous(report, loc, i, previous_below)
        if start > previous_below:
            message = (
                f"gap: values from {before} up to {shown} match no row;"
                f" start this row at from = {before}, where the row before ends"
            )
            report.add("E130", (*here, "from"), message)
        else:
            message = (
                f"overlap: values from {shown} up to {before} match two rows;"
                f" start this row at from = {before}, where the row before ends"
            )
            report.add("E131", (*here, "from"), message)


def _previous(report: Report, loc: Loc, i: int, previous_below: Decimal | None) -> str:
    if previous_below is None:
        return "…"
    return report.written((*loc, i - 1, "below"), previous_below)


# ------------------------------------------------------------------ rates and text fields


def check_rate(checking: Checking, where: Loc, rate: Decimal) -> None:
    if rate > 1:
        shown = plain(rate)
        percent = plain(rate * 100)
        message = (
            f'rate {shown} means ×{shown} ({percent}%); if you meant {shown}%, write "{shown}%"'
        )
        checking.add("W140", where, message)


def check_text_field(checking: Checking, key: str, on: str) -> None:
    """A match's `on` and a matrix's `row` name a roster text field."""
    names = checking.names
    text_fields = sorted(n for n, spec in names.items() if spec.unit == "text")
    if on in text_fields:
        return
    fields = ", ".join(text_fields)
    if on in names:
        message = (
            f"match compares text, but '{on}' is a {names[on].unit} value; match on one of"
            f' {fields}, or use kind = "table" for number ranges'
        )
    else:
        message = f"'{on}' is not a roster text field; match on one of {fields}"
    checking.add("E112", (key,), message)
