"""kind = "rank": prizes by rank among a field; ties share a rank (1, 1, 3); a prize is paid
only when `eligible` holds. Records each person's rank, the field and the value ranked."""

from __future__ import annotations

from typing import ClassVar, Literal

import polars as pl
from pydantic import Field

from csincentive.core.display import show_expr
from csincentive.rules.kinds.base import (
    FIELD_SIZE,
    IN_FIELD,
    PLACE,
    VALUE,
    Compiled,
    ComponentBase,
    Context,
    Kind,
    Loc,
    Ranks,
    Scope,
    amounts_named,
    dec,
    formula_unit,
    no_checks,
    no_number,
    one_line,
    recorded,
    scope_mask,
    scope_text,
    scope_words,
)
from csincentive.rules.values import FormulaText, NumberOrParam


class RankComponent(ComponentBase):
    """Rank prizes: ranked by `by` among `among` (optionally within each team); ties share a
    rank (1, 1, 3); a prize is paid only when `eligible` holds."""

    FORMULAS: ClassVar[tuple[str, ...]] = ("by", "eligible")

    kind: Literal["rank"]
    by: FormulaText
    order: Literal["desc", "asc"] = "desc"
    among: Scope = Scope()
    within: Literal["all", "team"] = "all"
    eligible: FormulaText | None = None
    prizes: list[NumberOrParam] = Field(min_length=1)

    def param_references(self) -> dict[Loc, str]:
        return amounts_named("prizes", self.prizes)


def compile(component: RankComponent, context: Context) -> Compiled:
    member = scope_mask(component.among)
    by = context.formula(component.by)
    ranked_value = pl.when(member).then(by).otherwise(no_number())
    rank = ranked_value.rank(method="min", descending=component.order == "desc")
    size = member.cast(pl.Int64).sum()
    if component.within == "team":
        rank, size = rank.over("team"), size.over("team")
    prize: pl.Expr = dec(0)
    for place, amount in reversed(list(enumerate(component.prizes, start=1))):
        prize = pl.when(rank == place).then(dec(context.number(amount))).otherwise(prize)
    unit = formula_unit(context, component.by)
    parts = [
        context.says(
            "why.rank",
            by=context.rendered(component.by),
            value=show_expr(by, unit),
            rank=rank.cast(pl.Utf8).fill_null("—"),
            size=size.cast(pl.Utf8),
            scope=scope_text(component.among, context),
            within=context.text("why.in_the_team") if component.within == "team" else "",
        )
    ]
    if component.eligible:
        ok = context.formula(component.eligible).fill_null(False)
        prize = pl.when(ok).then(prize).otherwise(dec(0))
        condition = one_line(context, component.eligible)
        parts.append(
            pl.when(ok | (rank > len(component.prizes)))
            .then(pl.lit(""))
            .otherwise(pl.lit(context.text("why.not_eligible_fails", condition=condition)))
        )
    prize = pl.when(rank.is_null()).then(dec(0)).otherwise(prize)
    records = {
        PLACE: rank.cast(pl.Int64),
        FIELD_SIZE: size,
        IN_FIELD: member,
        VALUE: recorded(by, unit),
    }
    return Compiled(
        prize, pl.concat_str(parts), records, field=member, ranks=_ranks(component, unit, context)
    )


def _ranks(component: RankComponent, unit: str, context: Context) -> Ranks:
    return Ranks(
        by=component.by,
        unit=unit,
        order=component.order,
        within=component.within,
        among=scope_words(component.among, context) or context.text("why.everyone"),
        note=context.text("why.ties_share"),
        quota=False,
    )


KIND = Kind(
    "rank",
    RankComponent,
    compile,
    no_checks,
    records=(PLACE, FIELD_SIZE, IN_FIELD, VALUE),
)
