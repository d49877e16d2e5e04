"""kind = "award" (S000-10/11): among the people who are `eligible`, the best by `by` in
each team wins `amount`, at most one winner per `per_members` team members (rounded up);
ties go to the smaller agent_id. Where anyone in a team is `nominated`, the nominees win
instead. Records each person's place among the eligible, the field and its quota."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

import polars as pl
from pydantic import Field

from csincentive.core.display import show_expr
from csincentive.rules.kinds.base import (
    FIELD_SIZE,
    IN_FIELD,
    PLACE,
    QUOTA,
    VALUE,
    Compiled,
    ComponentBase,
    Context,
    Kind,
    Loc,
    Ranks,
    Scope,
    dec,
    formula_unit,
    no_checks,
    one_line,
    recorded,
    scope_mask,
    scope_words,
)
from csincentive.rules.values import FormulaText, NumberOrParam


class AwardComponent(ComponentBase):
    """An award (S000-10/11): among the people who are `eligible`, the best by `by` in each
    team wins `amount`, at most one winner per `per_members` team members (rounded up);
    ties go to the smaller agent_id. Where anyone in a team is `nominated`, the nominees
    win instead (a manual nomination takes precedence over the data)."""

    FORMULAS: ClassVar[tuple[str, ...]] = ("by", "eligible", "nominated")

    kind: Literal["award"]
    by: FormulaText
    order: Literal["desc", "asc"] = "desc"
    among: Scope = Scope()
    within: Literal["all", "team"] = "team"
    eligible: FormulaText | None = None
    nominated: FormulaText | None = None
    per_members: int = Field(default=10, ge=1)
    amount: NumberOrParam

    def param_references(self) -> dict[Loc, str]:
        return {("amount",): self.amount} if isinstance(self.amount, str) else {}


@dataclass(frozen=True)
class _Places:
    """An award's field, per person: its size and quota, and the places of the eligible
    and of the nominees (each within the team when the award is per team)."""

    size: pl.Expr
    quota: pl.Expr
    candidate: pl.Expr  # in the field and eligible
    place: pl.Expr  # among the candidates
    nominated: pl.Expr
    nominee_place: pl.Expr
    any_nominee: pl.Expr  # someone in the field is nominated: the nominees win


def compile(component: AwardComponent, context: Context) -> Compiled:
    """The best eligible people per team win, one per `per_members` members (rounded up);
    nominations from inputs.csv take precedence."""
    member = scope_mask(component.among)
    by = context.formula(component.by)
    places = _places(component, context, member, by)
    wins = (
        pl.when(places.any_nominee)
        .then(places.nominated & (places.nominee_place <= places.quota))
        .otherwise(places.candidate & (places.place <= places.quota))
    ).fill_null(False)
    amount = pl.when(wins).then(dec(context.number(component.amount))).otherwise(dec(0))
    unit = formula_unit(context, component.by)
    why = context.says(
        "why.award",
        by=context.rendered(component.by),
        value=show_expr(by, unit),
        size=places.size.cast(pl.Utf8),
        quota=places.quota.cast(pl.Utf8),
        reason=_reason(component, places, context),
    )
    records = {
        PLACE: places.place.cast(pl.Int64),
        FIELD_SIZE: places.size,
        IN_FIELD: member,
        QUOTA: places.quota,
        VALUE: recorded(by, unit),
    }
    return Compiled(amount, why, records, field=member, ranks=_ranks(component, unit, context))


def _places(component: AwardComponent, context: Context, member: pl.Expr, by: pl.Expr) -> _Places:
    eligible = (
        context.formula(component.eligible).fill_null(False) if component.eligible else pl.lit(True)
    )
    nominated = (
        context.formula(component.nominated).fill_null(False) & member
        if component.nominated
        else pl.lit(False)
    )
    descending = component.order == "desc"

    def within(expr: pl.Expr) -> pl.Expr:
        return expr.over("team") if component.within == "team" else expr

    size = within(member.cast(pl.Int64).sum())
    candidate = member & eligible
    # "ordinal": equal values rank in row order, and rows are in agent_id order.
    return _Places(
        size=size,
        quota=(size + component.per_members - 1) // component.per_members,
        candidate=candidate,
        place=within(pl.when(candidate).then(by).rank("ordinal", descending=descending)),
        nominated=nominated,
        nominee_place=within(pl.when(nominated).then(by).rank("ordinal", descending=descending)),
        any_nominee=within(nominated.any()),
    )


def _reason(component: AwardComponent, places: _Places, context: Context) -> pl.Expr:
    """Why this person won or did not, in the explanation's words."""
    condition = one_line(context, component.eligible)
    return (
        pl.when(places.any_nominee & places.nominated)
        .then(context.says("why.nominated", place=places.nominee_place.cast(pl.Utf8)))
        .when(places.any_nominee)
        .then(pl.lit(context.text("why.not_nominated")))
        .when(places.candidate)
        .then(context.says("why.eligible_place", place=places.place.cast(pl.Utf8)))
        .otherwise(pl.lit(context.text("why.not_eligible", condition=condition)))
    )


def _ranks(component: AwardComponent, unit: str, context: Context) -> Ranks:
    note = context.text("why.award_note")
    if component.nominated:
        note += context.text("why.award_note_nominees")
    return Ranks(
        by=component.by,
        unit=unit,
        order=component.order,
        within=component.within,
        among=scope_words(component.among, context) or context.text("why.everyone"),
        note=note,
        quota=True,
    )


KIND = Kind(
    "award",
    AwardComponent,
    compile,
    no_checks,
    records=(PLACE, FIELD_SIZE, IN_FIELD, QUOTA, VALUE),
)
