"""The one table of formula functions: for each name its arity, how it compiles to Polars,
whether it reads the ledger's earlier months and whether it reads only those.

The parser (unknown names, arity messages), the compiler, month/history (which earlier
months to read), the checks and docs/rules.md's function table all read this table, so a
new function is one entry here (tests/test_formula.py fails until the docs list it too)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import polars as pl

from csincentive.core.money import ENGINE, ENGINE_SCALE
from csincentive.formula.exprs import divide, lit
from csincentive.formula.syntax import Call, FormulaError, Node, Num, node_start, render_node

Group = Literal["value", "team", "history"]
# Which earlier months a history function reads: this quarter's, this year's, the run of
# consecutive months ending last month ("streak"), or the calendar month before ("last").
Span = Literal["quarter", "year", "streak", "last"]
Statistic = Literal["sum", "mean", "streak", "value", "change"]


@dataclass(frozen=True)
class Site:
    """One call being compiled: the call, and how to compile its arguments and names."""

    function: Function
    call: Call
    emit: Callable[[Node], pl.Expr]
    resolve: Callable[[str], pl.Expr]
    team_column: str

    @cached_property
    def args(self) -> list[pl.Expr]:
        # Compiled on first use only: an earlier-months-only call never reads this month's
        # value, which may not exist yet (year_sum_before(iit) inside iit itself).
        return [self.emit(arg) for arg in self.call.args]


Compile = Callable[[Site], pl.Expr]


@dataclass(frozen=True)
class Function:
    name: str
    signature: str  # as docs/rules.md writes it: "team_sum(x[, cond])"
    meaning: str  # one line for docs/rules.md
    min_args: int
    max_args: int | None  # None: any number from min_args on
    compile: Compile
    group: Group = "value"  # "team": over the person's team; "history": the ledger's months
    span: Span | None = None  # history functions only
    statistic: Statistic | None = None  # history functions only
    earlier_only: bool = False  # history functions only: without this month's value
    check: Callable[[Call], None] | None = None  # a parse-time check beyond the arity
    # Further terms an explanation shows beside the call's own value: change(x) shows
    # last_month(x) too, so a payslip says what this month is compared with.
    also_shown: Callable[[Call], tuple[Call, ...]] | None = None

    @property
    def reads_history(self) -> bool:
        return self.group == "history"

    @property
    def source(self) -> str:
        """What the value is made of, as payslip explanations and docs/rules.md say it."""
        if self.group == "team":
            return "this month's values of the person's team"
        if not self.reads_history:
            return "this month's values"
        earlier = (
            "the ledger's last month" if self.span == "last" else "the ledger's earlier months"
        )
        return earlier if self.earlier_only else f"this month and {earlier}"


# --------------------------------------------------------------------- compiled values


def _if(site: Site) -> pl.Expr:
    condition, then, otherwise = site.args
    return pl.when(condition).then(then).otherwise(otherwise)


def _min(site: Site) -> pl.Expr:
    return pl.min_horizontal(*site.args)


def _max(site: Site) -> pl.Expr:
    return pl.max_horizontal(*site.args)


def _abs(site: Site) -> pl.Expr:
    return site.args[0].abs()


def _floor(site: Site) -> pl.Expr:
    return site.args[0].floor().cast(ENGINE)


def _ceil(site: Site) -> pl.Expr:
    return site.args[0].ceil().cast(ENGINE)


def _round(site: Site) -> pl.Expr:
    places = site.call.args[1]
    assert isinstance(places, Num)  # checked by _check_places when parsing
    return site.args[0].round(int(places.value), mode="half_away_from_zero").cast(ENGINE)


def _check_places(call: Call) -> None:
    places = call.args[1]
    # The number of places must be known when compiling: Polars round takes an int.
    if not (
        isinstance(places, Num)
        and not places.text.endswith("%")
        and places.value == places.value.to_integral_value()
        and 0 <= places.value <= ENGINE_SCALE
    ):
        message = f"round() needs a whole number of places from 0 to {ENGINE_SCALE}"
        raise FormulaError(message, node_start(places))


def _clamp(site: Site) -> pl.Expr:
    value, low, high = site.args
    return value.clip(low, high)


# --------------------------------------------------------------------- team aggregates


def _counted(site: Site) -> pl.Expr:
    """The value where the optional condition holds; null elsewhere, which aggregates skip."""
    value, *condition = site.args
    return pl.when(condition[0]).then(value) if condition else value


def _team_sum(site: Site) -> pl.Expr:
    return _counted(site).sum().over(site.team_column).cast(ENGINE)


def _team_count(site: Site) -> pl.Expr:
    hits = site.args[0].fill_null(False).cast(pl.Int64)
    return hits.sum().over(site.team_column).cast(ENGINE)


def _team_mean(site: Site) -> pl.Expr:
    # Exact sum / count: Polars mean of a Decimal is a Float64. Empty → 0.
    value = _counted(site)
    total = value.sum().over(site.team_column)
    return divide(total, value.count().over(site.team_column).cast(ENGINE))


def _team_max(site: Site) -> pl.Expr:
    # No counted row in the team → 0, like team_sum and team_mean.
    return _counted(site).max().over(site.team_column).fill_null(lit(0)).cast(ENGINE)


def _team_min(site: Site) -> pl.Expr:
    return _counted(site).min().over(site.team_column).fill_null(lit(0)).cast(ENGINE)


# ------------------------------------------------------------------- the ledger's months


def history_column(span: str, statistic: str, argument: str) -> str:
    """The column holding a person's earlier months for one history call: the sum, the
    number of months counted, or the run of consecutive months ending last month. Filled
    by month/history.py before the month is computed."""
    return f"__history__{span}:{statistic}:{argument}"


def _earlier(site: Site, statistic: str) -> pl.Expr:
    """One of the columns month/history.py filled from the earlier months for this call."""
    argument = render_node(site.call.args[0])
    return site.resolve(history_column(str(site.function.span), statistic, argument))


def _history(site: Site) -> pl.Expr:
    """The earlier months' columns, with this month's value unless earlier-months-only."""
    function = site.function
    if function.statistic == "streak":
        held = site.args[0].fill_null(False)
        return pl.when(held).then(_earlier(site, "streak") + lit(1)).otherwise(lit(0))
    if function.earlier_only:
        total, months = _earlier(site, "sum"), _earlier(site, "count")
    else:
        total = _earlier(site, "sum") + site.args[0]
        months = _earlier(site, "count") + lit(1)
    if function.statistic == "sum":
        return total.cast(ENGINE)
    return divide(total.cast(ENGINE), months)


# How month/history.py marks, per person, what the ledger's last month holds (the column
# history_column("last", "known", x)): recorded there, hired this month (nothing to
# record: 0 last month), or neither (null: the month or the person is missing, which only
# a call with a fallback, its second argument, may meet).
LAST_RECORDED = 1
LAST_NEW_HIRE = 0


def _last_month(site: Site) -> pl.Expr:
    """last_month(x[, fallback]) and change(x[, fallback]): x as the ledger's last month
    recorded it, or this month's x minus that. A person hired this month counts 0 last
    month; the fallback, when given, is the call's value for everyone without a last month
    (the new hire included)."""
    known = _earlier(site, "known")
    last = _earlier(site, "value")
    if site.function.statistic == "change":
        this = site.args[0]
        value, new_hire = this - last, this
    else:  # never compile x: this month's value is not read (and may not exist yet)
        value, new_hire = last, lit(0)
    if len(site.call.args) > 1:
        fallback = site.emit(site.call.args[1])
        return pl.when(known == LAST_RECORDED).then(value).otherwise(fallback).cast(ENGINE)
    # Without a fallback, month/history.py has refused a person neither recorded nor new;
    # an explanation's last_month(x) beside change(x, 0) shows "—" for them (null).
    return (
        pl.when(known == LAST_RECORDED)
        .then(value)
        .when(known == LAST_NEW_HIRE)
        .then(new_hire)
        .otherwise(None)
        .cast(ENGINE)
    )


def _beside_change(call: Call) -> tuple[Call, ...]:
    """change(x[, fallback]) is explained with last_month(x): what this month's x is
    compared with ("—" where there was no last month)."""
    return (Call("last_month", call.args[:1], call.offset),)


# ---------------------------------------------------------------------------- the table


def _team(name: str, signature: str, meaning: str, max_args: int, compile: Compile) -> Function:
    return Function(name, signature, meaning, 1, max_args, compile, "team")


def _ledger(
    name: str, meaning: str, span: Span, statistic: Statistic, *, earlier_only: bool = False
) -> Function:
    signature = f"{name}(cond)" if statistic == "streak" else f"{name}(x)"
    return Function(
        name, signature, meaning, 1, 1, _history, "history", span, statistic, earlier_only
    )


_COUNTED = "over the person's team (only the rows where cond holds, if given)"
_TABLE: tuple[Function, ...] = (
    Function("if", "if(c, a, b)", "a where c holds, else b", 3, 3, _if),
    Function("min", "min(a, b, …)", "the smallest", 2, None, _min),
    Function("max", "max(a, b, …)", "the largest", 2, None, _max),
    Function("abs", "abs(x)", "x without its sign", 1, 1, _abs),
    Function("floor", "floor(x)", "x rounded down to a whole number", 1, 1, _floor),
    Function("ceil", "ceil(x)", "x rounded up to a whole number", 1, 1, _ceil),
    Function(
        "round",
        "round(x, n)",
        f"x to n places (a whole number 0–{ENGINE_SCALE}), half away from zero: 0.125 → 0.13",
        2,
        2,
        _round,
        check=_check_places,
    ),
    Function("clamp", "clamp(x, lo, hi)", "x kept within lo and hi", 3, 3, _clamp),
    _team("team_sum", "team_sum(x[, cond])", f"Σ x {_COUNTED}", 2, _team_sum),
    _team(
        "team_mean", "team_mean(x[, cond])", f"the mean of x {_COUNTED}; 0 if none", 2, _team_mean
    ),
    _team(
        "team_count",
        "team_count(cond)",
        "how many of the person's team satisfy cond",
        1,
        _team_count,
    ),
    _team("team_max", "team_max(x[, cond])", f"the largest x {_COUNTED}; 0 if none", 2, _team_max),
    _team("team_min", "team_min(x[, cond])", f"the smallest x {_COUNTED}; 0 if none", 2, _team_min),
    _ledger("quarter_sum", "Σ x over this quarter's months so far", "quarter", "sum"),
    _ledger("quarter_mean", "the mean of x over this quarter's months so far", "quarter", "mean"),
    _ledger("year_sum", "Σ x over this year's months so far", "year", "sum"),
    _ledger("year_mean", "the mean of x over this year's months so far", "year", "mean"),
    _ledger(
        "quarter_sum_before",
        "Σ x over this quarter's months before this one (0 in a quarter's first month)",
        "quarter",
        "sum",
        earlier_only=True,
    ),
    _ledger(
        "year_sum_before",
        "Σ x over this year's months before this one (0 in January)",
        "year",
        "sum",
        earlier_only=True,
    ),
    _ledger(
        "months_in_a_row",
        "consecutive months, ending with this one, in which cond held",
        "streak",
        "streak",
    ),
    Function(
        "last_month",
        "last_month(x[, fallback])",
        "x in the calendar month before this one; 0 for a person hired this month; fallback"
        " (if given) for anyone without a last month",
        1,
        2,
        _last_month,
        "history",
        "last",
        "value",
        earlier_only=True,
    ),
    Function(
        "change",
        "change(x[, fallback])",
        "x this month minus last_month(x) (x for a person hired this month); fallback (if"
        " given) for anyone without a last month",
        1,
        2,
        _last_month,
        "history",
        "last",
        "change",
        also_shown=_beside_change,
    ),
)

FUNCTION_TABLE: dict[str, Function] = {function.name: function for function in _TABLE}
FUNCTIONS: frozenset[str] = frozenset(FUNCTION_TABLE)
# The functions that read the ledger's earlier months (see month/history.py).
HISTORY_FUNCTIONS: dict[str, Function] = {
    name: function for name, function in FUNCTION_TABLE.items() if function.reads_history
}


def expected_arguments(function: Function) -> str:
    """How many arguments the function takes, as an error message says it."""
    low, high = function.min_args, function.max_args
    if high is None:
        return f"at least {low} arguments"
    if low == high:
        return f"{low} argument" + ("" if low == 1 else "s")
    return f"{low} or {high} arguments"


def check_call(call: Call) -> None:
    """Raise FormulaError when a call of a known function has the wrong arguments."""
    function = FUNCTION_TABLE[call.name]
    count = len(call.args)
    if count < function.min_args or (function.max_args is not None and count > function.max_args):
        message = f"{call.name}() takes {expected_arguments(function)}, got {count}"
        raise FormulaError(message, call.offset)
    if function.check is not None:
        function.check(call)
