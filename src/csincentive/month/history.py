"""Rules over several months: the functions the formula table marks as reading the ledger
(quarter_sum, year_mean, months_in_a_row …) read the months it recorded before this one.

For each such call the earlier months' part becomes per-person columns (see
formula.history_column), joined to the month's frame; the formula adds this month's value.
A quarter or year total that would silently miss a month is refused: every earlier month
of the span (from the scheme's valid_from on) must be in the ledger. A run of months stops
at the first month the ledger does not have.

A component shown as money is read as its line showed it, at the fen (a pay line is kept
so; a money line that is not paid, an accrual, is kept with ten places), and this month's
value is read the same way (month.engine.Compiler.shown): a quarter's payout is the sum of
the monthly lines.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

import polars as pl

from csincentive.core.diagnostics import Diagnostic, InputError
from csincentive.core.money import ENGINE, to_fen
from csincentive.core.month import Month
from csincentive.formula import HistoryCall, compile_formula, history_calls, history_column, parse
from csincentive.rules.model import RuleSet, formula_fields
from csincentive.rules.names import scheme_names

if TYPE_CHECKING:
    from csincentive.ledger.store import Ledger


def uses_history(rules: RuleSet) -> list[tuple[str, HistoryCall]]:
    """(component id, call) for every history call in the rules, in file order."""
    found = []
    for cid, component in rules.components.items():
        for text in formula_fields(component).values():
            found += [(cid, call) for call in history_calls(parse(text))]
    return found


def history_frame(
    rules: RuleSet,
    ledger: Ledger | None,
    people: pl.DataFrame,
    *,
    year: int,
    month: int,
    rules_file: str,
) -> pl.DataFrame | None:
    """agent_id + one column per history call statistic, or None when the rules use none."""
    calls = uses_history(rules)
    if not calls:
        return None
    if ledger is None:
        cid, call = calls[0]
        message = (
            f"components.{cid} uses {call.function}(…), which reads earlier months from the "
            "ledger; run with the ledger that recorded them (--ledger DIR)"
        )
        raise InputError([Diagnostic(rules_file, message, code="E180")])
    this = Month(year, month)
    out = people.select("agent_id")
    done: set[str] = set()  # year_sum(x) and year_mean(x) share their columns
    for cid, call in calls:
        if call.span != "streak":
            _require(ledger, this.earlier_in(call.span), rules, cid, call, rules_file)
        column, part = _earlier_months(rules, ledger, this, call, done)
        if part is not None:
            out = out.join(part, on="agent_id", how="left")
            done.add(column)
    return out.with_columns(pl.exclude("agent_id").fill_null(0).cast(ENGINE))


def _earlier_months(
    rules: RuleSet, ledger: Ledger, this: Month, call: HistoryCall, done: set[str]
) -> tuple[str, pl.DataFrame | None]:
    """The call's columns over the earlier months its span reads (the function table's
    span: this quarter's, this year's, or the run ending last month); None if done."""
    if call.span == "streak":
        column = history_column("streak", "streak", call.argument.text)
        if column in done:
            return column, None
        return column, _streak(rules, ledger, _run_back(ledger, this), call, column)
    sum_column = history_column(call.span, "sum", call.argument.text)
    if sum_column in done:
        return sum_column, None
    count_column = history_column(call.span, "count", call.argument.text)
    months = [str(m) for m in this.earlier_in(call.span)]
    return sum_column, _sum_and_count(rules, ledger, months, call, sum_column, count_column)


def _require(
    ledger: Ledger,
    months: list[Month],
    rules: RuleSet,
    cid: str,
    call: HistoryCall,
    rules_file: str,
) -> None:
    """Refuse a quarter or year that would silently miss a month since the scheme began."""
    start = Month.of(rules.scheme.valid_from) if rules.scheme else Month(1, 1)
    missing = [str(m) for m in months if m >= start and not ledger.has(str(m))]
    if missing:
        message = (
            f"components.{cid} uses {call.function}({call.argument.text}), which needs "
            f"{', '.join(missing)} in the ledger ({ledger.root}); run those months first"
        )
        raise InputError([Diagnostic(rules_file, message, code="E181")])


def _run_back(ledger: Ledger, this: Month) -> list[str]:
    """The ledger's months immediately before this one, newest first, until a gap."""
    months: list[str] = []
    period = this.previous()
    while ledger.has(str(period)):
        months.append(str(period))
        period = period.previous()
    return months


def _evaluate(rules: RuleSet, values: pl.DataFrame, call: HistoryCall, period: str) -> pl.DataFrame:
    """agent_id + `value`: the call's argument on one earlier month's recorded figures."""
    names = scheme_names(rules)
    missing = sorted(
        n for n in call.argument.names if n not in values.columns and n not in rules.params
    )
    if missing:
        message = (
            f"{call.function}({call.argument.text}) reads {', '.join(missing)}, which the "
            f"ledger's {period} did not record; rerun {period} with these rules"
        )
        raise InputError([Diagnostic(period, message, code="E182")])

    def resolve(name: str) -> pl.Expr:
        if name in rules.params:
            return pl.lit(Decimal(rules.params[name]), dtype=ENGINE)
        unit = names[name].unit if name in names else "number"
        if unit == "text":
            return pl.col(name).cast(pl.Utf8)
        if unit == "money" and name in rules.components:
            # The amount the month's line showed: pay lines are kept at the fen already; a
            # money line that is not paid (an accrual) is kept with ten places and shown
            # at the fen. This month is read the same way (Compiler.shown).
            return to_fen(pl.col(name).cast(ENGINE)).cast(ENGINE)
        return pl.col(name).cast(ENGINE)

    return values.select("agent_id", compile_formula(call.argument, resolve).alias("value"))


def _sum_and_count(
    rules: RuleSet,
    ledger: Ledger,
    months: list[str],
    call: HistoryCall,
    sum_column: str,
    count_column: str,
) -> pl.DataFrame:
    parts = [_evaluate(rules, ledger.values(m), call, m) for m in months if ledger.has(m)]
    if not parts:
        return pl.DataFrame(
            schema={"agent_id": pl.String, sum_column: ENGINE, count_column: ENGINE}
        )
    stacked = pl.concat([p.with_columns(pl.col("value").cast(ENGINE)) for p in parts])
    return stacked.group_by("agent_id").agg(
        pl.col("value").fill_null(0).sum().cast(ENGINE).alias(sum_column),
        pl.len().cast(ENGINE).alias(count_column),
    )


def _streak(
    rules: RuleSet, ledger: Ledger, months: list[str], call: HistoryCall, column: str
) -> pl.DataFrame:
    """Consecutive months, going back from last month, in which the condition held."""
    streak: pl.DataFrame | None = None
    for period in months:  # newest first
        held = _evaluate(rules, ledger.values(period), call, period).select(
            "agent_id", pl.col("value").fill_null(False).alias("held")
        )
        if streak is None:
            streak = held.select(
                "agent_id",
                pl.col("held").alias("alive"),
                pl.col("held").cast(pl.Int64).alias(column),
            )
            continue
        streak = (
            streak.join(held, on="agent_id", how="left")
            .with_columns((pl.col("alive") & pl.col("held").fill_null(False)).alias("alive"))
            .with_columns((pl.col(column) + pl.col("alive").cast(pl.Int64)).alias(column))
            .drop("held")
        )
    if streak is None:
        return pl.DataFrame(schema={"agent_id": pl.String, column: pl.Int64})
    return streak.select("agent_id", column)
