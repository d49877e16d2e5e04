"""kind = "match": a categorical lookup, e.g. grade → base pay."""

from __future__ import annotations

from typing import Literal

import polars as pl
from pydantic import Field

from csincentive.rules.kinds.base import (
    Checking,
    Compiled,
    ComponentBase,
    Context,
    Kind,
    Loc,
    number_or_none,
    value_of,
)
from csincentive.rules.kinds.checking import check_text_field
from csincentive.rules.values import Number, NumberOrFormula


class MatchComponent(ComponentBase):
    """Categorical lookup: grade → base pay."""

    kind: Literal["match"]
    on: str  # a roster text field, by name (not a formula)
    cases: dict[str, NumberOrFormula] = Field(min_length=1)
    default: Number | None = None

    def formula_fields(self) -> dict[Loc, str]:
        out = super().formula_fields()
        for case, value in self.cases.items():
            if isinstance(value, str):
                out[("cases", case)] = value
        return out

    def field_reads(self) -> dict[Loc, str]:
        return {("on",): self.on}


def compile(component: MatchComponent, context: Context) -> Compiled:
    key = pl.col(component.on).cast(pl.Utf8)
    amount = number_or_none(component.default)
    for case, value in reversed(component.cases.items()):
        amount = pl.when(key == case).then(value_of(context, value)).otherwise(amount)
    known = key.is_in(list(component.cases))
    fallback = (
        "why.not_listed_default" if component.default is not None else "why.not_listed_no_default"
    )
    why = pl.concat_str(
        [
            pl.lit(f"{context.label(component.on)} "),
            key,
            pl.when(known).then(pl.lit("")).otherwise(pl.lit(context.text(fallback))),
        ]
    )
    return Compiled(amount, why)


def check(component: MatchComponent, checking: Checking) -> None:
    check_text_field(checking, "on", component.on)


KIND = Kind("match", MatchComponent, compile, check)
