"""The checks on a finished month's payslips (rules/paychecks.py): a person whose base is
below the minimum wage (W213, S000-16) or whose pay is outside their role's reference range
(W214, S002-03). They are warnings kept with the month (warnings.csv, the workbook, the
ledger's manifest); pay is never changed.

Each bound is for a full month and is prorated as the check says (by days employed unless
told otherwise), then rounded half-up to the fen: that is the amount compared and shown.
The people are found with one Polars filter per check; a message is made per person
warned only."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl

from csincentive.core.diagnostics import Diagnostic
from csincentive.core.display import show_number
from csincentive.core.messages import t
from csincentive.core.money import ENGINE, plain, to_fen
from csincentive.month.engine import PRORATION, WHY
from csincentive.rules.kinds.base import dec, scope_mask
from csincentive.rules.model import RuleSet
from csincentive.rules.paychecks import MinimumWage, PayRange, Prorate, Sited


def minimum_wage(rules: RuleSet) -> MinimumWage | None:
    """The minimum wage the month is checked against: the rules' ``[scheme] minimum_wage``.
    (Where a statutory policy knows the local minimum, it may answer here when the rules
    give none.)"""
    return rules.scheme.minimum_wage if rules.scheme else None


def pay_check_warnings(
    computed: pl.DataFrame, rules: RuleSet, rules_file: Path
) -> list[Diagnostic]:
    """W213 and W214 for every person the month's checks warn about, in agent_id order."""
    found = []
    minimum = minimum_wage(rules)
    if minimum is not None:
        found += _below_minimum(computed, rules, minimum, rules_file)
    for entry in rules.checks.pay_range:
        found += _outside_range(computed, rules, entry, rules_file)
    return found


def _bound(amount: pl.Expr, prorate: Prorate) -> pl.Expr:
    """A full month's bound held to the person's share of the month, at the fen."""
    if prorate == "none":
        return to_fen(amount)
    part, whole, _ = PRORATION[prorate]
    counted, out_of = pl.col(part).cast(ENGINE), pl.col(whole).cast(ENGINE)
    prorated = pl.when(out_of == dec(0)).then(dec(0)).otherwise(amount * counted / out_of)
    return to_fen(prorated.cast(ENGINE))


def _prorated(prorate: Prorate, row: dict[str, Any], full: str) -> str:
    """' = 2690.00 × 21/31 days employed' when the person had part of the month, else ''."""
    if prorate == "none":
        return ""
    part, whole, key = PRORATION[prorate]
    if row[part] == row[whole]:
        return ""
    days = {"part": plain(Decimal(row[part])), "whole": plain(Decimal(row[whole]))}
    return f" = {full}" + t(key, "en", **days)  # a warning: in English, as every diagnostic


def _warning(check: Sited, rules_file: Path, path: str, code: str, message: str) -> Diagnostic:
    """A warning at the check's file:line when the loader recorded where it is written."""
    if check.site is None:
        return Diagnostic(str(rules_file), message, code, path=path, severity="warning")
    at, written = check.site
    return Diagnostic(at.file, message, code, at.line, at.col, written, "warning")


def _money(value: Any) -> str:
    return show_number(Decimal(value), "money")


def _has_line(rules: RuleSet, of: str) -> pl.Expr:
    """Whom a check of ``of`` looks at: a component only where it has a line (inside its
    applies_to, or a rank's field), a total everyone."""
    if of in rules.components:
        return pl.col(of + WHY).is_not_null()
    return pl.lit(True)


def _amount(rules: RuleSet, amount: Decimal | str) -> pl.Expr:
    if isinstance(amount, Decimal):
        return dec(amount)
    if amount in rules.params:
        return dec(rules.params[amount])
    return pl.col(amount).cast(ENGINE)  # a roster field: a minimum per person


def _below_minimum(
    computed: pl.DataFrame, rules: RuleSet, minimum: MinimumWage, rules_file: Path
) -> list[Diagnostic]:
    of = minimum.of or rules.total.id
    full = _amount(rules, minimum.amount)
    below = computed.with_columns(
        _bound(full, minimum.prorate).alias("_minimum"), to_fen(full).alias("_full")
    ).filter(
        scope_mask(minimum.applies_to)
        & _has_line(rules, of)
        & (pl.col(of).cast(ENGINE) < pl.col("_minimum"))
    )
    rule = f" ({minimum.rule})" if minimum.rule else ""
    out = []
    for row in below.sort("agent_id").iter_rows(named=True):
        shown = _money(row["_minimum"])
        basis = _prorated(minimum.prorate, row, _money(row["_full"]))
        message = (
            f"{row['agent_id']} {row['name']}: {of} {_money(row[of])} is below the minimum"
            f" wage {shown}{basis}{rule}; pay at least {shown}, or correct the rule or the"
            " roster"
        )
        out.append(_warning(minimum, rules_file, "scheme.minimum_wage", "W213", message))
    return out


def _outside_range(
    computed: pl.DataFrame, rules: RuleSet, entry: PayRange, rules_file: Path
) -> list[Diagnostic]:
    of = entry.of or rules.total.id
    matched = _has_line(rules, of)
    for field in entry.matches:
        matched = matched & pl.col(field).cast(pl.Utf8).is_in(entry.values(field))
    none = pl.lit(None, dtype=ENGINE)
    low = _bound(dec(entry.min), entry.prorate) if entry.min is not None else none
    high = _bound(dec(entry.max), entry.prorate) if entry.max is not None else none
    amount = pl.col(of).cast(ENGINE)
    outside = (amount < low).fill_null(False) | (amount > high).fill_null(False)
    found = (
        computed.with_columns(low.alias("_low"), high.alias("_high"))
        .filter(matched & outside)
        .sort("agent_id")
    )
    return [
        _warning(entry, rules_file, "checks.pay_range", "W214", _range_message(entry, of, row))
        for row in found.iter_rows(named=True)
    ]


def _span(low: Decimal | None, high: Decimal | None) -> str:
    if low is not None and high is not None:
        return f"{_money(low)}–{_money(high)}"
    return f"from {_money(low)}" if low is not None else f"up to {_money(high)}"


def _range_message(entry: PayRange, of: str, row: dict[str, Any]) -> str:
    amount, low, high = Decimal(row[of]), row["_low"], row["_high"]
    fields = ", ".join(f"{field} {row[field]}" for field in entry.matches)
    who = f"{row['agent_id']} {row['name']}" + (f" ({fields})" if fields else "")
    side = "below" if low is not None and amount < low else "above"
    named = entry.label or "the reference pay range"
    basis = _prorated(entry.prorate, row, _span(entry.min, entry.max))
    rule = f" ({entry.rule})" if entry.rule else ""
    return (
        f"{who}: {of} {_money(amount)} is {side} {named} {_span(low, high)}{basis}{rule};"
        " check the payslip or the range"
    )
