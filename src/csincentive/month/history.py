"""Rules over several months: the functions the formula table marks as reading the ledger
(quarter_sum, year_mean, months_in_a_row …) read the months it recorded before this one.

For each such call the earlier months' part becomes per-person columns (see
formula.history_column), joined to the month's frame; the formula adds this month's value.
A quarter or year total that would silently miss a month is refused: every earlier month
of the span (from the scheme's valid_from on) must be in the ledger. A run of months stops
at the first month the ledger does not have. ``last_month(x)`` and ``change(x)`` read the
calendar month before this one: a person it did not record is refused — unless hired this
month (0 last month) or the call gives a fallback, its value for anyone without a last month.

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
from csincentive.core.money import ENGINE, exact, to_fen
from csincentive.core.month import Month
from csincentive.formula import HistoryCall, compile_formula, history_calls, history_column, parse
from csincentive.formula.functions import LAST_NEW_HIRE, LAST_RECORDED
from csincentive.rules.kinds.base import Loc
from csincentive.rules.locate import dotted
from csincentive.rules.model import RuleSet, formula_fields
from csincentive.rules.names import scheme_names

if TYPE_CHECKING:
    from csincentive.ledger.store import Ledger


def _history_uses(rules: RuleSet) -> list[tuple[str, Loc, HistoryCall]]:
    """(component id, the key of its formula, call) for every history call, in file order."""
    found = []
    for cid, component in rules.components.items():
        for where, text in formula_fields(component).items():
            found += [(cid, where, call) for call in history_calls(parse(text))]
    return found


def _diagnostic(
    rules: RuleSet, cid: str, where: Loc, rules_file: str, message: str, code: str
) -> Diagnostic:
    """A diagnostic at the formula that makes the call (file:line:col when the loader
    recorded where the component is written)."""
    path = dotted(("components", cid, *where))
    written = rules.written.get(cid)
    if written is None:
        return Diagnostic(rules_file, message, code=code, path=path)
    at = written.at(*where)
    return Diagnostic(at.file, message, code=code, line=at.line, col=at.col, path=path)


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
    calls = _history_uses(rules)
    if not calls:
        return None
    if ledger is None:
        cid, where, call = calls[0]
        message = (
            f"components.{cid} uses {call.function}(…), which reads earlier months from the "
            "ledger; run with the ledger that recorded them (--ledger DIR)"
        )
        raise InputError([_diagnostic(rules, cid, where, rules_file, message, "E180")])
    this = Month(year, month)
    out = people.select("agent_id")
    done: set[str] = set()  # year_sum(x) and year_mean(x) share their columns
    last = _LastMonth(rules, ledger, people, this, rules_file)
    for cid, where, call in calls:
        if call.span == "last":
            column, part = last.columns(cid, where, call, done)
        else:
            if call.span != "streak":
                _require(ledger, this.earlier_in(call.span), rules, cid, call, rules_file)
            column, part = _earlier_months(rules, ledger, this, call, done)
        if part is not None:
            out = out.join(part, on="agent_id", how="left")
            done.add(column)
    # Whether last month recorded a person stays null where it did not (see _LastMonth).
    known = history_column("last", "known", "")
    counted = [c for c in out.columns if c != "agent_id" and not c.startswith(known)]
    return out.with_columns(pl.col(counted).fill_null(0).cast(ENGINE))


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
            return exact(Decimal(rules.params[name]))
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


class _LastMonth:
    """last_month(x) and change(x): x on the calendar month before this one, read once per
    x for every call. Per person: x's value there (0 where there is none) and whether it
    was recorded — LAST_RECORDED, LAST_NEW_HIRE for a person hired this month (0 last
    month, whatever the ledger holds), null for anyone else the month does not have (or
    when the ledger has no such month). A call without a fallback refuses the month when
    anyone is null: E181 when the month itself is missing, L110 naming the people."""

    def __init__(
        self, rules: RuleSet, ledger: Ledger, people: pl.DataFrame, this: Month, rules_file: str
    ) -> None:
        self.rules, self.ledger, self.rules_file = rules, ledger, rules_file
        self.people = people.select(
            "agent_id",
            "name",
            "hire_date",
            (pl.col("hire_date") >= this.first_day).alias("new_hire"),
        )
        self.period = str(this.previous())
        self.frames: dict[str, pl.DataFrame] = {}

    def columns(
        self, cid: str, where: Loc, call: HistoryCall, done: set[str]
    ) -> tuple[str, pl.DataFrame | None]:
        """The value column and the call's two columns (None when another call made them)."""
        value = history_column("last", "value", call.argument.text)
        known = history_column("last", "known", call.argument.text)
        frame = self.frames.get(call.argument.text)
        if frame is None:
            frame = self.frames[call.argument.text] = self._read(call, value, known)
        # A fallback stands in for a person without a last month, and for the month before
        # the scheme's first; never for a month the scheme should have paid and the ledger
        # lacks (a month forgotten would silently pay no growth at all).
        if not call.fallback or self._month_missing():
            self._refuse_the_unknown(cid, where, call, frame.filter(pl.col(known).is_null()))
        return value, None if value in done else frame.select("agent_id", value, known)

    def _before_the_scheme(self) -> bool:
        scheme = self.rules.scheme
        return scheme is not None and Month.parse(self.period) < Month.of(scheme.valid_from)

    def _month_missing(self) -> bool:
        """Last month is one the scheme should have paid, and the ledger does not have it."""
        return not self.ledger.has(self.period) and not self._before_the_scheme()

    def _read(self, call: HistoryCall, value: str, known: str) -> pl.DataFrame:
        people = self.people
        if self.ledger.has(self.period):
            recorded = _evaluate(self.rules, self.ledger.values(self.period), call, self.period)
            people = people.join(
                recorded.select("agent_id", "value", pl.lit(True).alias("recorded")),
                on="agent_id",
                how="left",
            )
        else:
            people = people.with_columns(
                pl.lit(None, dtype=ENGINE).alias("value"), pl.lit(None).alias("recorded")
            )
        status = (
            pl.when(pl.col("new_hire"))
            .then(LAST_NEW_HIRE)
            .when(pl.col("recorded").fill_null(False))
            .then(LAST_RECORDED)
            .otherwise(None)
        )
        return people.select(
            "agent_id",
            "name",
            "hire_date",
            pl.when(pl.col("new_hire")).then(0).otherwise(pl.col("value")).alias(value),
            status.cast(ENGINE).alias(known),
        ).with_columns(pl.col(value).fill_null(0).cast(ENGINE))

    def _refuse_the_unknown(
        self, cid: str, where: Loc, call: HistoryCall, unknown: pl.DataFrame
    ) -> None:
        if unknown.is_empty():
            return
        used = f"{call.function}({call.argument.text})"
        fallback = (
            f"give {used} a value for people without a last month as its second argument,"
            f" e.g. {call.function}({call.argument.text}, 0)"
        )
        if self.ledger.has(self.period):
            who = unknown.select("agent_id", "name", "hire_date").rows()
            people = [f"{agent} {name} (hired {hired})" for agent, name, hired in who]
            more = f" and {len(people) - 5} more" if len(people) > 5 else ""
            message = (
                f"components.{cid} uses {used}, but the ledger's {self.period} did not pay "
                f"{', '.join(people[:5])}{more}: rerun {self.period} with them on the roster,"
                f" or {fallback}"
            )
            code = "L110"
        else:
            scheme = self.rules.scheme
            if scheme is not None and self._before_the_scheme():
                missing = (
                    f"a month before the scheme's valid_from ({scheme.valid_from}), which no "
                    f"run recorded: {fallback}"
                )
            elif call.fallback:
                missing = (
                    f"and the ledger ({self.ledger.root}) does not have it: run {self.period}"
                    " first (the fallback stands in for people without a last month and for"
                    " the month before the scheme's valid_from, not for a month not run)"
                )
            else:
                missing = (
                    f"and the ledger ({self.ledger.root}) does not have it: run {self.period}"
                    f" first, or {fallback}"
                )
            message = f"components.{cid} uses {used}, which reads {self.period}, {missing}"
            code = "E181"
        raise InputError([_diagnostic(self.rules, cid, where, self.rules_file, message, code)])
