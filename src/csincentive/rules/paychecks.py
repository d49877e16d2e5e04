"""Checks on the finished payslips, which warn and never change pay: the minimum wage a
person's base may not fall below (``[scheme] minimum_wage``, S000-16), and reference pay
ranges per role, grade or any roster text field (``[[checks.pay_range]]``, S002-03).

This module holds their models and meaning checks; month/paychecks.py applies them to a
computed month. Where each check is written is kept on the check itself (``site``, set
by the loader), so a warning at month time points at its file:line."""

from __future__ import annotations

import difflib
from collections.abc import Collection, Mapping
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BeforeValidator, PrivateAttr, model_validator

from csincentive.core.money import plain
from csincentive.core.names import Name
from csincentive.rules.kinds.base import Loc, Report, Scope
from csincentive.rules.locate import Location, SourceMap
from csincentive.rules.values import Number, NumberOrParam, Strict

# The bounds are for a full month: a person employed part of it (or who worked part of
# their scheduled days) is held to that share of them; "none" holds everyone to the whole.
Prorate = Literal["days_employed", "worked_days", "none"]
ROLES = ("agent", "supervisor")  # the roster's role column holds nothing else (D202)


class Sited(Strict):
    """A check that remembers where it is written (file, line, col, dotted path)."""

    _site: tuple[Location, str] | None = PrivateAttr(default=None)

    @property
    def site(self) -> tuple[Location, str] | None:
        return self._site

    def locate(self, file: str, source: SourceMap, loc: Loc, path: str) -> None:
        line, col = source.position(loc)
        self._site = (Location(file, line, col), path)


class MinimumWage(Sited):
    """``minimum_wage = 2690`` or ``{ amount = 2690, of = "post_pay" }``: a person whose
    ``of`` (a component or a total; the first total, gross, by default) is below the
    minimum — prorated as ``prorate`` says — gets warning W213."""

    amount: NumberOrParam  # a number, or a parameter or roster field holding it
    of: str | None = None
    prorate: Prorate = "days_employed"
    applies_to: Scope = Scope()
    rule: str = ""


def _bare_amount(value: Any) -> Any:
    """``minimum_wage = 2690`` is ``{ amount = 2690 }``."""
    return value if isinstance(value, dict) or value is None else {"amount": value}


MinimumWageField = Annotated[MinimumWage | None, BeforeValidator(_bare_amount)]


class PayRange(Sited):
    """One reference range (S002-03): the people whose roster fields match (``role =
    "supervisor"``, ``grade = ["高级", "资深"]``, a declared text field such as ``post``;
    every field written must match; none: everyone) should be paid between ``min`` and
    ``max`` in ``of`` (the first total by default); anyone outside gets warning W214."""

    KEYS: ClassVar[tuple[str, ...]] = ("rule", "label", "of", "min", "max", "prorate")

    rule: str = ""
    label: str = ""
    of: str | None = None
    min: Number | None = None
    max: Number | None = None
    prorate: Prorate = "days_employed"
    # Every other key of the table: a roster field → the value(s) it must hold. Checked
    # against the rule set's roster text fields (E220), as only the whole rule set knows them.
    matches: dict[str, Any] = {}

    @model_validator(mode="before")
    @classmethod
    def _fields_matched(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        known = {k: v for k, v in data.items() if k in cls.KEYS}
        return {**known, "matches": {k: v for k, v in data.items() if k not in cls.KEYS}}

    def values(self, field: str) -> list[str]:
        value = self.matches[field]
        return [value] if isinstance(value, str) else list(value)


class Checks(Strict):
    pay_range: list[PayRange] = []

    def merged_over(self, base: Checks) -> Checks:
        """An including file's ranges are added after the included file's."""
        return Checks(pay_range=[*base.pay_range, *self.pay_range])


def locate_checks(
    checks: Checks, minimum: MinimumWage | None, source: SourceMap, file: str
) -> None:
    """Record where each check of one file is written (the loader calls this once)."""
    if minimum is not None:
        minimum.locate(file, source, ("scheme", "minimum_wage"), "scheme.minimum_wage")
    for i, entry in enumerate(checks.pay_range):
        entry.locate(file, source, ("checks", "pay_range", i), f"checks.pay_range[{i}]")


# --------------------------------------------------------------------- meaning checks


def check_pay_checks(
    minimum: MinimumWage | None,
    checks: Checks,
    report: Report,
    names: Mapping[str, Name],
    paid: Collection[str],
    amounts: Collection[str],
) -> None:
    """One file's checks. ``names``: what a formula of the rule set may read; ``paid``: its
    components and totals, what ``of`` may name; ``amounts``: its parameters and number or
    money roster fields, what a minimum wage's ``amount`` may name."""
    if minimum is not None:
        loc: Loc = ("scheme", "minimum_wage")
        _check_of(report, (*loc, "of"), minimum.of, names, paid)
        _check_amount(report, (*loc, "amount"), minimum.amount, names, amounts)
    text_fields = sorted(n for n, spec in names.items() if spec.unit == "text")
    for i, entry in enumerate(checks.pay_range):
        loc = ("checks", "pay_range", i)
        _check_of(report, (*loc, "of"), entry.of, names, paid)
        _check_bounds(report, loc, entry)
        for field, value in entry.matches.items():
            _check_match(report, (*loc, field), field, value, text_fields)


def _check_of(
    report: Report, loc: Loc, of: str | None, names: Mapping[str, Name], paid: Collection[str]
) -> None:
    if of is None or of in paid:
        return
    if of in names:
        message = (
            f"'{of}' is a {names[of].unit} value, not a pay line: name a component or a total"
            f" ({', '.join(sorted(paid))})"
        )
        report.add("E224", loc, message)
        return
    hint = difflib.get_close_matches(of, list(paid), n=1)
    message = f"'{of}' is no component or total" + (
        f"; did you mean '{hint[0]}'?" if hint else f"; name one of {', '.join(sorted(paid))}"
    )
    report.add("E110", loc, message)


def _check_amount(
    report: Report,
    loc: Loc,
    amount: Decimal | str,
    names: Mapping[str, Name],
    amounts: Collection[str],
) -> None:
    if isinstance(amount, Decimal):
        if amount <= 0:
            report.add("E103", loc, f"the minimum wage must be above 0, not {plain(amount)}")
        return
    if amount in amounts:
        return
    if amount in names:
        message = (
            f"'{amount}' is a {names[amount].unit} value; the minimum wage is a number, a"
            " parameter or a money roster field (a city's minimum, per person)"
        )
        report.add("E224", loc, message)
        return
    hint = difflib.get_close_matches(amount, list(amounts), n=1)
    message = f"'{amount}' is not defined; write the amount, a parameter or a roster field"
    report.add("E110", loc, message + (f" (did you mean '{hint[0]}'?)" if hint else ""))


def _check_bounds(report: Report, loc: Loc, entry: PayRange) -> None:
    if entry.min is None and entry.max is None:
        message = "a pay range needs min, max or both (e.g. min = 3000, max = 5000)"
        report.add("E222", loc, message)
    elif entry.min is not None and entry.max is not None and entry.min > entry.max:
        low = report.written((*loc, "min"), entry.min)
        high = report.written((*loc, "max"), entry.max)
        message = f"min {low} is above max {high}; swap them"
        report.add("E221", (*loc, "min"), message)


def _check_match(report: Report, loc: Loc, field: str, value: Any, text_fields: list[str]) -> None:
    if field not in text_fields:
        hint = difflib.get_close_matches(field, [*text_fields, *PayRange.KEYS], n=1)
        message = (
            f"'{field}' is neither a key of a pay range ({', '.join(PayRange.KEYS)}) nor a"
            f" roster text field to match on ({', '.join(text_fields)})"
        )
        report.add("E220", loc, message + (f"; did you mean '{hint[0]}'?" if hint else ""))
        return
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
        message = f'{field} takes a text or a list of texts, e.g. {field} = ["初级", "中级"]'
        report.add("E103", loc, message)
        return
    if field == "role":
        never = [v for v in values if v not in ROLES]
        if never:
            message = (
                f"role is agent or supervisor in agents.csv, so {', '.join(map(repr, never))}"
                " never matches; match on grade or a roster field (e.g. post) instead"
            )
            report.add("E223", loc, message)
