"""kind = "formula": the amount is the formula (a yes/no formula counts 1 or 0)."""

from __future__ import annotations

from typing import ClassVar, Literal

import polars as pl

from csincentive.formula import is_condition, parse
from csincentive.rules.kinds.base import (
    Compiled,
    ComponentBase,
    Context,
    Kind,
    dec,
    no_checks,
)
from csincentive.rules.values import FormulaText


class FormulaComponent(ComponentBase):
    FORMULAS: ClassVar[tuple[str, ...]] = ("expr",)

    kind: Literal["formula"]
    expr: FormulaText


def compile(component: FormulaComponent, context: Context) -> Compiled:
    amount = context.formula(component.expr)
    if is_condition(parse(component.expr)):  # a yes/no line counts 1 or 0
        amount = pl.when(amount.fill_null(False)).then(dec(1)).otherwise(dec(0))
    text = context.rendered(component.expr)
    shown = context.inputs_shown([component.expr])
    why = (
        pl.lit(text)
        if shown is None
        else context.says("why.with_inputs", formula=text, inputs=shown)
    )
    return Compiled(amount, why)


KIND = Kind("formula", FormulaComponent, compile, no_checks)
