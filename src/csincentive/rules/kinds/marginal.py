"""kind = "marginal": marginal tiers, each slice of `on` paid at its own rate."""

from __future__ import annotations

from typing import ClassVar, Literal

import polars as pl
from pydantic import ConfigDict, Field

from csincentive.core.display import show_expr, show_number
from csincentive.core.money import ENGINE
from csincentive.rules.kinds.base import (
    Checking,
    Compiled,
    ComponentBase,
    Context,
    Kind,
    dec,
    formula_unit,
    interval,
)
from csincentive.rules.kinds.checking import check_intervals, check_rate
from csincentive.rules.values import FormulaText, Number, Strict


class MarginalRow(Strict):
    from_: Number = Field(alias="from")
    below: Number | None = None
    rate: Number

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class MarginalComponent(ComponentBase):
    """Marginal tiers: each slice of `on` is paid at its own rate."""

    FORMULAS: ClassVar[tuple[str, ...]] = ("on",)

    kind: Literal["marginal"]
    on: FormulaText
    rows: list[MarginalRow] = Field(min_length=1)


def compile(component: MarginalComponent, context: Context) -> Compiled:
    on = context.formula(component.on)
    unit = formula_unit(context, component.on)
    amount = dec(0)
    pieces: list[pl.Expr] = []
    for row in component.rows:
        top = on if row.below is None else pl.min_horizontal(on, dec(row.below))
        slice_ = pl.max_horizontal(top - dec(row.from_), dec(0)).cast(ENGINE)
        amount = amount + slice_ * dec(row.rate)
        words = context.says(
            "why.marginal_slice",
            interval=interval(row.from_, row.below, unit, context.lang),
            rate=show_number(row.rate, "ratio"),
            slice=show_expr(slice_, unit),
        )
        pieces.append(pl.when(slice_ > dec(0)).then(words))
    why = context.says(
        "why.marginal",
        on=context.rendered(component.on),
        value=show_expr(on, unit),
        slices=pl.concat_str(pieces, separator=" + ", ignore_nulls=True),
    )
    return Compiled(amount, why)


def check(component: MarginalComponent, checking: Checking) -> None:
    check_intervals(checking, "rows", component.rows, open_start=False)
    for i, row in enumerate(component.rows):
        check_rate(checking, ("rows", i, "rate"), row.rate)


KIND = Kind("marginal", MarginalComponent, compile, check)
