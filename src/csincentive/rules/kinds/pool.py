"""kind = "pool" (S003-01/02: 奖金池): a pool of money shared by a basis (a score, sales,
points) among the people it applies to who are `eligible`, over everyone or per team.

The pool is rounded half-up to the fen, then shared exactly in whole fen: each share is
pool × basis / Σ basis rounded down to the fen, and the fen left over go one each by the
largest remainder — ties to the larger basis, then to the smaller agent_id — so the shares
add up to the pool exactly. A basis below 0 counts as 0. Where Σ basis is 0 nobody is paid
(W210); a pool below 0 shares nothing (W211). Records the pool, the basis, Σ basis, the
share rounded down, the remainder fen and the place in the remainder order."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar, Literal

import polars as pl

from csincentive.core.display import show_expr
from csincentive.core.money import ENGINE
from csincentive.core.names import BUILTIN
from csincentive.formula import FUNCTION_TABLE, Call, FormulaError, explain_terms, parse
from csincentive.rules.kinds.base import (
    Checking,
    Compiled,
    ComponentBase,
    Context,
    Kind,
    Shares,
    dec,
    formula_unit,
    one_line,
    rendered,
    scope_mask,
    value_of,
)
from csincentive.rules.values import FormulaText, NumberOrFormula

# What a pool records per person in its trace (``<id>__trace``); money at the fen.
POOL = "pool"  # the pool shared (the person's team's, per = "team")
BASIS = "basis"  # the person's basis as counted: 0 when not eligible or below 0
BASIS_TOTAL = "basis_total"  # Σ basis over the pool's people
ELIGIBLE = "eligible"  # in the pool's people (applies_to) and eligible
SHARERS = "sharers"  # people with a basis above 0
FLOOR = "floor"  # pool × basis / Σ basis rounded down to the fen
EXTRA = "extra"  # 0.01 when a remainder fen came to this person, else 0.00
LEFTOVER = "leftover"  # the fen left after rounding down, handed out one each
PLACE = "remainder_place"  # 1-based place in the remainder order; null: no share
# Names whose value is the same for everyone in a month: a pool's amount may read them.
MONTH_WIDE = frozenset({"days_in_month", "month_of_quarter", "month_of_year", "quarter_end"})
MONTH_WIDE |= {"year_end"}


class PoolComponent(ComponentBase):
    """A pool shared by `basis` among the eligible (S003-01): whole fen by the largest
    remainder, so the shares add up to the pool; per team with per = "team"."""

    FORMULAS: ClassVar[tuple[str, ...]] = ("amount", "basis", "eligible")

    kind: Literal["pool"]
    amount: NumberOrFormula  # one value for the pool: parameters, team figures (per team)
    basis: FormulaText
    eligible: FormulaText | None = None
    per: Literal["all", "team"] = "all"


@dataclass(frozen=True)
class _Pool:
    """A pool's figures per person, each over the person's pool (everyone, or the team)."""

    pool: pl.Expr  # at the fen
    pool_fen: pl.Expr  # the pool in whole fen
    anyone: pl.Expr  # someone in the pool's group is in applies_to
    member: pl.Expr  # applies_to and eligible
    basis: pl.Expr  # the formula's value
    counted: pl.Expr  # the basis as shared: 0 outside, not eligible or below 0
    total: pl.Expr  # Σ counted
    shared: pl.Expr  # a pool above 0 and Σ basis above 0
    fen: pl.Expr  # the share rounded down, in fen
    remainder: pl.Expr  # pool_fen × counted − fen × total: above 0 when rounded down
    extra: pl.Expr  # 1 where a remainder fen comes to the person
    leftover: pl.Expr  # fen left after rounding down
    place: pl.Expr  # 1-based remainder place of a sharer; null for others


def compile(component: PoolComponent, context: Context) -> Compiled:
    """Shares of the pool in whole fen that add up to it (S003-01)."""
    within: Callable[[pl.Expr], pl.Expr] = (
        (lambda expr: expr.over("team")) if component.per == "team" else (lambda expr: expr)
    )
    figures = _figures(component, context, within)
    fen = figures.fen + figures.extra
    amount = _in_yuan(fen)
    records = {
        POOL: figures.pool,
        BASIS: figures.counted,
        BASIS_TOTAL: figures.total,
        ELIGIBLE: figures.member,
        SHARERS: within((figures.shared & (figures.counted > dec(0))).cast(pl.Int64).sum()),
        FLOOR: _in_yuan(figures.fen),
        EXTRA: _in_yuan(figures.extra),
        LEFTOVER: _in_yuan(figures.leftover),
        PLACE: figures.place,
    }
    unit = formula_unit(context, component.basis)
    shares = Shares(
        basis=context.rendered(component.basis),
        unit=unit,
        eligible=one_line(context, component.eligible),
        per=component.per,
        order=context.text("why.pool_order"),
    )
    why = _why(component, figures, unit, context)
    problems = _problems(component, figures, within)
    return Compiled(amount, why, records, problems=problems, shares=shares)


def _in_yuan(fen: pl.Expr) -> pl.Expr:
    return (fen.cast(ENGINE) / dec(100)).cast(ENGINE)


def _figures(
    component: PoolComponent, context: Context, within: Callable[[pl.Expr], pl.Expr]
) -> _Pool:
    eligible = pl.lit(True)
    if component.eligible:
        eligible = context.formula(component.eligible).fill_null(False)
    scope = scope_mask(component.applies_to)
    member = scope & eligible
    basis = context.formula(component.basis).cast(ENGINE)
    counted = pl.when(member & (basis > dec(0))).then(basis).otherwise(dec(0))
    total = within(counted.sum()).cast(ENGINE)
    pool = value_of(context, component.amount).round(2, mode="half_away_from_zero").cast(ENGINE)
    pool_fen = (pool * dec(100)).cast(ENGINE)
    shared = (pool_fen > dec(0)) & (total > dec(0))
    sharer = shared & (counted > dec(0))
    # pool_fen × basis / Σ basis rounded down, exactly: the division is rounded at ten
    # places, so the whole number below it is checked (and moved by one) in exact
    # products — pool_fen is whole, so they have no more places than the basis.
    product = (pool_fen * counted).cast(ENGINE)
    divisor = pl.when(total == dec(0)).then(dec(1)).otherwise(total)
    guess = (product / divisor).cast(ENGINE).floor().cast(ENGINE)
    fen = (
        pl.when((guess * divisor).cast(ENGINE) > product)
        .then(guess - dec(1))
        .when(((guess + dec(1)) * divisor).cast(ENGINE) <= product)
        .then(guess + dec(1))
        .otherwise(guess)
    )
    fen = pl.when(sharer).then(fen).otherwise(dec(0)).cast(ENGINE)
    remainder = pl.when(sharer).then((product - fen * divisor).cast(ENGINE))
    leftover = pl.when(shared).then(pool_fen - within(fen.sum())).otherwise(dec(0))
    keys = [remainder, counted, pl.col("agent_id")]
    order = pl.int_range(pl.len()).sort_by(keys, descending=[True, True, False], nulls_last=True)
    place = within(order.arg_sort()).cast(pl.Int64) + 1
    place = pl.when(sharer).then(place)
    extra = pl.when(sharer & (place.cast(ENGINE) <= leftover)).then(dec(1)).otherwise(dec(0))
    return _Pool(
        *(pool, pool_fen, within(scope.any()), member, basis, counted, total, shared),
        *(fen, remainder, extra.cast(ENGINE), leftover.cast(ENGINE), place),
    )


def _why(component: PoolComponent, f: _Pool, unit: str, context: Context) -> pl.Expr:
    """The share in words: pool 10000.00 × kpi 86 / Σ 430 → 2000.00 + 0.01 (remainder)."""
    pool = context.says("why.pool", pool=show_expr(f.pool, "money"))
    if component.per == "team":
        pool = pl.concat_str(
            [pool, context.says("why.pool_team", team=pl.col("team").cast(pl.Utf8))]
        )
    basis_text = context.rendered(component.basis)
    share = [
        pool,
        pl.lit(f" × {basis_text} "),
        show_expr(f.counted, unit),
        pl.lit(" / Σ "),
        show_expr(f.total, unit),
        pl.lit(" → "),
        show_expr(_in_yuan(f.fen), "money"),
        pl.when(f.extra > dec(0))
        .then(pl.lit(context.text("why.largest_remainder")))
        .when(f.remainder > dec(0))
        .then(pl.lit(context.text("why.rounded_down")))
        .otherwise(pl.lit("")),
    ]
    eligible = one_line(context, component.eligible)
    basis = show_expr(f.basis, unit).fill_null("—")
    return (
        pl.when(f.pool_fen < dec(0))
        .then(context.says("why.pool_below_zero", pool=pool))
        .when(f.pool_fen == dec(0))
        .then(context.says("why.pool_empty", pool=pool))
        .when(f.total == dec(0))
        .then(context.says("why.pool_unshared", basis=basis_text, pool=pool))
        .when(~f.member)
        .then(context.says("why.pool_not_eligible", condition=eligible, pool=pool))
        .when(f.counted == dec(0))
        .then(context.says("why.pool_no_basis", basis=basis_text, value=basis, pool=pool))
        .otherwise(_words(*share))
    )


def _words(*parts: str | pl.Expr) -> pl.Expr:
    return pl.concat_str([pl.lit(p) if isinstance(p, str) else p for p in parts])


def _problems(
    component: PoolComponent, f: _Pool, within: Callable[[pl.Expr], pl.Expr]
) -> dict[str, pl.Expr]:
    """Per person, the month's problems of the person's pool (null where none)."""
    where = f"{component.label}" + (" in team " if component.per == "team" else "")
    team = pl.col("team").cast(pl.Utf8) if component.per == "team" else pl.lit("")
    pool = show_expr(f.pool, "money")
    low = within(pl.when(f.member).then(f.pool).min())
    high = within(pl.when(f.member).then(f.pool).max())
    varies = _words(
        *(where, team, ": the pool's amount is not one value for everyone sharing it ("),
        *(show_expr(low, "money"), " to ", show_expr(high, "money")),
        '); write it from parameters or, with per = "team", from team figures (team_sum …)',
    )
    unshared = _words(
        *(where, team, f": Σ {rendered(component.basis)} of the eligible is 0, so the pool of "),
        pool,
        " is not shared; check the eligibility condition and the basis",
    )
    below = _words(where, team, ": the pool is ", pool, ", below 0; nothing is shared")
    return {
        "E213": pl.when(low != high).then(varies),
        "W210": pl.when(f.anyone & (f.pool_fen > dec(0)) & (f.total == dec(0))).then(unshared),
        "W211": pl.when(f.anyone & (f.pool_fen < dec(0))).then(below),
    }


# ------------------------------------------------------------------------------- checks


def check(component: PoolComponent, checking: Checking) -> None:
    if not isinstance(component.amount, str) and component.amount < 0:
        message = "a pool's amount is 0 or more; a fine is a component with deduct = true"
        checking.add("E210", ("amount",), message)
    if isinstance(component.amount, str):
        _check_amount(component, checking, component.amount)
    for key, instead in _INSTEAD.items():
        if getattr(component, key) is not None:
            message = (
                f"a pool's shares add up to the pool, and {key} would change a share after it"
                f" is allocated; {instead}"
            )
            checking.add("E212", (key,), message)


_INSTEAD = {
    "when": "write the condition as eligible (the shares of those not eligible go to the others)",
    "cap": 'cap the basis instead (basis = "min(kpi, 100)")',
    "floor": 'raise the basis instead (basis = "max(kpi, 60)")',
    "prorate": 'prorate the basis instead (basis = "kpi * days_employed / days_in_month")',
}


def _check_amount(component: PoolComponent, checking: Checking, text: str) -> None:
    """The amount is one value for the pool: no figure of one person, and a team figure
    only in a pool per team."""
    try:
        terms = explain_terms(parse(text))
    except FormulaError:
        return  # the formula checks report it
    advice = 'use a parameter, or team_sum(…) with per = "team"'
    for term in terms:
        root = term.root
        if isinstance(root, Call):
            group = FUNCTION_TABLE[root.name].group
            if group == "team" and component.per == "team":
                continue
            if group == "team":
                reason = f'{term.text} is one value per team: write per = "team" to share a pool'
                reason += " in each team"
            else:
                reason = f"{term.text} is each person's own figure over months; {advice}"
        elif term.text in BUILTIN and term.text not in MONTH_WIDE:
            if term.text == "team" and component.per == "team":
                continue
            reason = f"'{term.text}' is each person's own value; {advice}"
        else:
            continue
        message = f"a pool's amount is one value for everyone sharing it, but {reason}"
        checking.add("E211", ("amount",), message)


KIND = Kind(
    "pool",
    PoolComponent,
    compile,
    check,
    records=(POOL, BASIS, BASIS_TOTAL, ELIGIBLE, SHARERS, FLOOR, EXTRA, LEFTOVER, PLACE),
)
