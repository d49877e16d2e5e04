"""kind = "ladder": occurrences in the month → an amount per occurrence (S000-12/13,
S001-02): the first `free` are warnings only, then `amounts` in turn; past the list the
last amount repeats, doubles each time (S000-13) or stops."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar, Literal

import polars as pl
from pydantic import Field

from csincentive.core.display import show_expr
from csincentive.core.money import ENGINE, plain
from csincentive.rules.kinds.base import (
    Checking,
    Compiled,
    ComponentBase,
    Context,
    Kind,
    Loc,
    amounts_named,
    dec,
)
from csincentive.rules.values import FormulaText, NumberOrParam


class LadderComponent(ComponentBase):
    """Occurrences in the month → an amount per occurrence: the first `free` are warnings
    only, then `amounts` in turn; past the list the last amount repeats, doubles each time
    (S000-13) or stops."""

    FORMULAS: ClassVar[tuple[str, ...]] = ("count",)

    kind: Literal["ladder"]
    count: FormulaText
    free: int = Field(default=0, ge=0)
    amounts: list[NumberOrParam] = Field(min_length=1)
    after: Literal["repeat", "double", "none"] = "repeat"

    def param_references(self) -> dict[Loc, str]:
        return amounts_named("amounts", self.amounts)


def compile(component: LadderComponent, context: Context) -> Compiled:
    """Σ of the per-occurrence amounts after the free ones."""
    count = context.formula(component.count)
    charged = pl.max_horizontal(count - dec(component.free), dec(0)).cast(pl.Int64)
    amounts = [context.number(a) for a in component.amounts]
    prefix = [sum(amounts[:k], Decimal(0)) for k in range(len(amounts) + 1)]
    amount, past_text = _past_the_list(component.after, amounts, charged, context)
    terms: pl.Expr = pl.concat_str([pl.lit(" + ".join(plain(a) for a in amounts)), past_text])
    for k in range(len(amounts), -1, -1):
        shown = " + ".join(plain(a) for a in amounts[:k]) or context.text("why.ladder_nothing")
        amount = pl.when(charged == k).then(dec(prefix[k])).otherwise(amount)
        terms = pl.when(charged == k).then(pl.lit(shown)).otherwise(terms)
    free = context.text("why.ladder_free", free=component.free) if component.free else ""
    parts: dict[str, str | pl.Expr] = {"count": context.rendered(component.count), "free": free}
    parts.update(times=show_expr(count, "count"), terms=terms)
    why = (
        pl.when(count == dec(1))
        .then(context.says("why.ladder_once", **parts))
        .otherwise(context.says("why.ladder", **parts))
    )
    return Compiled(amount, why)


def _past_the_list(
    after: str, amounts: list[Decimal], charged: pl.Expr, context: Context
) -> tuple[pl.Expr, pl.Expr]:
    """The amount when the count goes past the list (the whole list, then what the
    occurrences beyond it add), and its words."""
    whole = sum(amounts, Decimal(0))
    last, beyond = amounts[-1], (charged - len(amounts)).clip(lower_bound=0)
    if after == "repeat":
        words = (
            pl.when(beyond == 1)
            .then(pl.lit(f" + {plain(last)}"))
            .otherwise(
                pl.concat_str([pl.lit(" + "), beyond.cast(pl.Utf8), pl.lit(f" × {plain(last)}")])
            )
        )
        return dec(whole) + beyond.cast(ENGINE) * dec(last), words
    if after == "double":
        # a, 2a, 4a …: the k occurrences past the list add last × (2^(k+1) − 2).
        doubling = pl.lit(2, dtype=pl.Int64).pow(beyond.clip(upper_bound=60) + 1) - 2
        words = context.says("why.ladder_doubling", beyond=beyond.cast(pl.Utf8))
        return dec(whole) + doubling.cast(ENGINE) * dec(last), words
    return dec(whole), pl.lit(context.text("why.ladder_stops", after=len(amounts)))


def check(component: LadderComponent, checking: Checking) -> None:
    for i, amount in enumerate(component.amounts):
        if not isinstance(amount, str) and amount < 0:
            message = "amounts are positive; a fine is a ladder with deduct = true"
            checking.add("E103", ("amounts", i), message)


KIND = Kind("ladder", LadderComponent, compile, check)
