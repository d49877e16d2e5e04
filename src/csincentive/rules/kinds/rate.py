"""kind = "rate": rate × base, e.g. 个人提成 = 销售额 × 1%."""

from __future__ import annotations

from typing import ClassVar, Literal

import polars as pl

from csincentive.core.display import show_expr, show_number
from csincentive.rules.kinds.base import (
    Checking,
    Compiled,
    ComponentBase,
    Context,
    Kind,
    dec,
    formula_unit,
)
from csincentive.rules.kinds.checking import check_rate
from csincentive.rules.values import FormulaText, Number


class RateComponent(ComponentBase):
    """rate × base: 个人提成 = 销售额 × 1%."""

    FORMULAS: ClassVar[tuple[str, ...]] = ("base",)

    kind: Literal["rate"]
    base: FormulaText
    rate: Number


def compile(component: RateComponent, context: Context) -> Compiled:
    base = context.formula(component.base)
    amount = base * dec(component.rate)
    why = pl.concat_str(
        [
            pl.lit(context.rendered(component.base) + " "),
            show_expr(base, formula_unit(context, component.base)),
            pl.lit(f" × {show_number(component.rate, 'ratio')}"),
        ]
    )
    return Compiled(amount, why)


def check(component: RateComponent, checking: Checking) -> None:
    check_rate(checking, ("rate",), component.rate)


KIND = Kind("rate", RateComponent, compile, check)
