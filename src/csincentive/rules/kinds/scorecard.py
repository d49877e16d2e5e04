"""kind = "scorecard" (S003-01/02, S004-05): a weighted KPI scorecard. Each item scores its
value by bands (like a table's rows) or linearly between a `worst` and a `best` value, is
capped, rounded half-up to 0.01 point and weighted; the total is Σ points × weight, with an
optional grade (金牌/银牌/铜牌) from the total. The total is a score (pay = false), or pays
money with `per_point`. Records each item's value, band and points, the total and the grade.

Weights are fractions of the total written as percentages ("30%"): they add up to 100%, so
items scored out of 100 give a total out of 100. Without weights the points add up as
they are (a sheet that writes each item out of its own maximum, 30 + 20 + …)."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any, ClassVar, Literal

import polars as pl
from pydantic import ConfigDict, Field, model_validator

from csincentive.core.display import show_expr, show_number
from csincentive.core.messages import t
from csincentive.core.money import ENGINE, plain
from csincentive.core.names import Unit
from csincentive.formula.exprs import divide
from csincentive.rules.kinds.base import (
    Checking,
    Compiled,
    ComponentBase,
    Context,
    Kind,
    Loc,
    ScoredItem,
    Scores,
    dec,
    formula_unit,
    inside,
    interval,
    number_or_none,
    one_line,
    value_of,
)
from csincentive.rules.kinds.checking import check_intervals
from csincentive.rules.values import Display, FormulaText, Number, NumberOrFormula, Strict

# What a scorecard records per person in its trace (``<id>__trace``).
ITEMS = "items"  # one struct per item: value, band (0-based, null: linear or none), points …
TOTAL = "total"  # Σ points × weight (or Σ points without weights)
GRADE = "grade"  # the grade text reached; null: no grade table, or no row holds the total
GRADE_ROW = "grade_row"  # 0-based index of the grade row reached
PER_POINT = "per_point"  # money per point; null when the value is the score
# The fields of each item's struct.
ITEM_VALUE, ITEM_BAND, ITEM_POINTS, ITEM_WEIGHTED = "value", "band", "points", "weighted"
GRADE_SUFFIX = "grade"  # the grade's companion name: <id>_grade
POINT_PLACES = 2  # item points are rounded half-up to 0.01 point, once


class ScoreBand(Strict):
    """Values in [from, below) score `points`; a missing bound is open."""

    from_: Number | None = Field(None, alias="from")
    below: Number | None = None
    points: Number

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class ScoreItem(Strict):
    """One KPI of the scorecard: its value (a metric or a formula) scored by bands, or
    linearly from 0 points at `worst` to `max` points at `best` (clamped)."""

    label: str
    rule: str = ""
    value: FormulaText
    format: Display | None = None  # how the value reads: "percent" shows 96.2%
    weight: Number | None = None
    bands: list[ScoreBand] | None = Field(None, min_length=1)
    default: Number | None = None  # points of a value in no band; None → no value
    worst: Number | None = None
    best: Number | None = None
    max: Number = Decimal(100)
    cap: Number | None = None  # the most points the item may score
    note: str = ""


class Grade(Strict):
    """Totals in [from, below) get the grade (金牌 …)."""

    from_: Number | None = Field(None, alias="from")
    below: Number | None = None
    grade: str = Field(min_length=1)

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class ScorecardComponent(ComponentBase):
    """A weighted KPI scorecard (S003-01/02, S004-05): items scored by bands or linearly,
    capped and weighted; the total is a score, or money with `per_point`; a grade table
    names the total (金牌/银牌/铜牌), readable by later components as ``<id>_grade``."""

    FORMULAS: ClassVar[tuple[str, ...]] = ("per_point",)

    kind: Literal["scorecard"]
    items: list[ScoreItem] = Field(min_length=1)
    grades: list[Grade] = []
    per_point: NumberOrFormula | None = None  # money per point: pays total × per_point

    @model_validator(mode="before")
    @classmethod
    def _a_score_reads_as_points(cls, data: Any) -> Any:
        """A score that pays nothing reads as points unless the file says otherwise."""
        if (
            isinstance(data, dict)
            and data.get("pay") is False
            and "per_point" not in data
            and "format" not in data
        ):
            return {**data, "format": "points"}
        return data

    def formula_fields(self) -> dict[Loc, str]:
        out: dict[Loc, str] = {
            ("items", i, "value"): item.value for i, item in enumerate(self.items)
        }
        return {**out, **super().formula_fields()}

    def companions(self) -> dict[str, tuple[Unit, str]]:
        if not self.grades:
            return {}
        return {GRADE_SUFFIX: ("text", t("why.grade_of", "en", label=self.label))}


# ------------------------------------------------------------------------------ compile


@dataclasses.dataclass(frozen=True)
class _Scored:
    """One item, per person: its value, the band reached, its points (rounded), its
    points × weight and its words."""

    value: pl.Expr
    band: pl.Expr
    points: pl.Expr
    weighted: pl.Expr
    why: pl.Expr


def compile(component: ScorecardComponent, context: Context) -> Compiled:
    """Σ item points × weight (S003-01): the total, its grade, and money per point."""
    weighted = any(item.weight is not None for item in component.items)
    scored = [_score(item, context, weighted) for item in component.items]
    total = scored[0].weighted
    for item in scored[1:]:
        total = (total + item.weighted).cast(ENGINE)  # a null (no band) leaves no value
    grade, grade_row = _grade(component.grades, total)
    shown_total = show_expr(total, "number").fill_null("—")
    tail: list[pl.Expr] = [context.says("why.score_total", total=shown_total)]
    if component.grades:
        tail += [pl.lit(" → "), grade.fill_null(context.text("why.no_grade"))]
    amount, per_point = total, pl.lit(None, dtype=ENGINE)
    if component.per_point is not None:
        per_point = value_of(context, component.per_point).cast(ENGINE)
        amount = (total * per_point).cast(ENGINE)
        shown = show_expr(per_point, _per_point_unit(component, context))
        tail += [context.says("why.per_point", per_point=shown.fill_null("—"))]
    separator = context.text("why.separator")
    why = pl.concat_str([pl.concat_str([s.why for s in scored], separator=separator), *tail])
    items = [
        pl.struct(
            s.value.alias(ITEM_VALUE),
            s.band.alias(ITEM_BAND),
            s.points.alias(ITEM_POINTS),
            s.weighted.alias(ITEM_WEIGHTED),
        )
        for s in scored
    ]
    records = {
        ITEMS: pl.concat_list(items),
        TOTAL: total,
        GRADE: grade,
        GRADE_ROW: grade_row,
        PER_POINT: per_point,
    }
    columns = {GRADE_SUFFIX: grade} if component.grades else {}
    return Compiled(amount, why, records, columns=columns, scores=_scores(component, context))


def _scores(component: ScorecardComponent, context: Context) -> Scores:
    """What explain needs to show the items beside what the trace recorded."""
    per_point = component.per_point
    return Scores(
        items=tuple(_item_words(item, context) for item in component.items),
        grades=tuple(interval(g.from_, g.below, "number", context.lang) for g in component.grades),
        per_point=(
            ""
            if per_point is None
            else context.rendered(per_point)
            if isinstance(per_point, str)
            else plain(per_point)
        ),
    )


def _per_point_unit(component: ScorecardComponent, context: Context) -> str:
    if isinstance(component.per_point, str):
        unit = formula_unit(context, component.per_point)
        return unit if unit != "number" else "money"
    return "money"


def _unit(item: ScoreItem, context: Context) -> str:
    if item.format is not None:
        return "ratio" if item.format == "percent" else item.format
    return formula_unit(context, item.value)


def _score(item: ScoreItem, context: Context, weighted: bool) -> _Scored:
    value = context.formula(item.value).cast(ENGINE)
    unit = _unit(item, context)
    head: dict[str, str | pl.Expr] = {"label": item.label}
    head["value"] = show_expr(value, unit).fill_null("—")
    if item.bands is not None:
        points, band, label = _banded(item, value, unit, context)
        key = "why.item_banded"
        head["band"] = label
    else:
        points, band = _linear(item, value), pl.lit(None, dtype=pl.Int64)
        key = "why.item_linear"
        head["worst"] = show_number(item.worst or Decimal(0), unit)
        head["best"] = show_number(item.best or Decimal(0), unit)
        head["max"] = plain(item.max)
    if item.cap is not None:
        points = pl.when(points > dec(item.cap)).then(dec(item.cap)).otherwise(points)
    points = points.round(POINT_PLACES, mode="half_away_from_zero").cast(ENGINE)
    head["points"] = show_expr(points, "number").fill_null(context.text("why.no_points"))
    words = [context.says(key, **head)]
    total = points
    if weighted:
        weight = item.weight if item.weight is not None else Decimal(0)
        total = (points * dec(weight)).cast(ENGINE)
        words.append(pl.lit(f" × {show_number(weight, 'ratio')}"))
    return _Scored(value, band, points, total, pl.concat_str(words))


def _banded(
    item: ScoreItem, value: pl.Expr, unit: str, context: Context
) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """(points, the band reached, its words): the first band that holds the value."""
    assert item.bands is not None
    points = number_or_none(item.default)
    words = "why.no_band_default" if item.default is not None else "why.no_band"
    label: pl.Expr = pl.lit(context.text(words))
    band: pl.Expr = pl.lit(None, dtype=pl.Int64)
    for index in reversed(range(len(item.bands))):
        row = item.bands[index]
        holds = inside(value, row.from_, row.below)
        points = pl.when(holds).then(dec(row.points)).otherwise(points)
        shown = interval(row.from_, row.below, unit, context.lang)
        label = pl.when(holds).then(pl.lit(shown)).otherwise(label)
        band = pl.when(holds).then(pl.lit(index, dtype=pl.Int64)).otherwise(band)
    return points, band, label


def _linear(item: ScoreItem, value: pl.Expr) -> pl.Expr:
    """0 points at `worst`, `max` at `best`, straight between, clamped to [0, max]; worst
    above best (a complaint rate) scores lower values higher. One division, last."""
    worst = item.worst if item.worst is not None else Decimal(0)
    best = item.best if item.best is not None else Decimal(0)
    top = dec(item.max)
    raw = divide(((value - dec(worst)) * top).cast(ENGINE), dec(best - worst))
    return pl.when(raw < dec(0)).then(dec(0)).when(raw > top).then(top).otherwise(raw)


def _grade(grades: list[Grade], total: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """The first grade row that holds the total, and its index (null: none holds it)."""
    grade: pl.Expr = pl.lit(None, dtype=pl.Utf8)
    row: pl.Expr = pl.lit(None, dtype=pl.Int64)
    for index in reversed(range(len(grades))):
        holds = inside(total, grades[index].from_, grades[index].below)
        grade = pl.when(holds).then(pl.lit(grades[index].grade)).otherwise(grade)
        row = pl.when(holds).then(pl.lit(index, dtype=pl.Int64)).otherwise(row)
    return grade, row


def _item_words(item: ScoreItem, context: Context) -> ScoredItem:
    unit = _unit(item, context)
    bands = tuple(interval(b.from_, b.below, unit, context.lang) for b in item.bands or ())
    return ScoredItem(
        label=item.label,
        value=one_line(context, item.value),
        unit=unit,
        weight=item.weight,
        bands=bands,
        worst=item.worst,
        best=item.best,
        max=item.max,
        cap=item.cap,
    )


# ------------------------------------------------------------------------------- checks


def check(component: ScorecardComponent, checking: Checking) -> None:
    for i, item in enumerate(component.items):
        _check_item(dataclasses.replace(checking, loc=(*checking.loc, "items", i)), item)
    _check_weights(component, checking)
    check_intervals(checking, "grades", component.grades, open_start=True)
    if component.pay and component.per_point is None:
        message = (
            "a scorecard's total is a score, not money: add pay = false to use it as a score"
            " (a pool's basis, a formula), or per_point = … to pay money per point"
        )
        checking.add("E205", (), message)


def _check_item(checking: Checking, item: ScoreItem) -> None:
    """One way of scoring (bands, or worst and best), a spread, a cap of 0 or more."""
    linear = item.worst is not None or item.best is not None
    name = f"item '{item.label}'"
    if item.bands is None and not linear:
        message = (
            f"{name} has no scoring: add bands = [{{ from = …, below = …, points = … }}, …]"
            " or a linear scale with worst = … and best = …"
        )
        checking.add("E203", (), message)
    elif item.bands is not None and linear:
        message = f"{name} has both bands and worst/best; keep one way of scoring it"
        checking.add("E203", ("worst",) if item.worst is not None else ("best",), message)
    elif linear and (item.worst is None or item.best is None):
        missing = "best" if item.best is None else "worst"
        message = f"{name} is scored linearly but has no {missing}; add {missing} = …"
        checking.add("E203", (), message)
    elif linear and item.worst == item.best:
        assert item.best is not None
        shown = checking.report.written((*checking.loc, "best"), item.best)
        message = (
            f"worst and best are both {shown}: no points can be spread between them; give a"
            " best above the worst (higher is better) or below it (lower is better, e.g. a"
            " complaint rate)"
        )
        checking.add("E202", ("best",), message)
    if linear and item.default is not None:
        message = "default is the points of a value in no band; a linear item has no bands"
        checking.add("E203", ("default",), message + ": remove default")
    if item.bands is not None:
        check_intervals(checking, "bands", item.bands, open_start=True)
    if item.max <= 0:
        checking.add("E204", ("max",), f"max {plain(item.max)} must be above 0")
    if item.cap is not None and item.cap < 0:
        message = (
            f"cap {plain(item.cap)} is below 0; cap is the most points the item may score:"
            " write 0 or more, or remove it"
        )
        checking.add("E204", ("cap",), message)


def _check_weights(component: ScorecardComponent, checking: Checking) -> None:
    """Every item weighted, the weights adding up to 100% — or no item weighted."""
    weights = [item.weight for item in component.items]
    given = [i for i, w in enumerate(weights) if w is not None]
    if not given:
        return
    if len(given) < len(weights):
        first = next(i for i, w in enumerate(weights) if w is None)
        message = (
            f"items[{first}] has no weight but items[{given[0]}] has one: give every item a"
            " weight (together 100%), or none (the points then add up as they are)"
        )
        checking.add("E201", ("items", first), message)
        return
    total = sum((w for w in weights if w is not None), Decimal(0))
    if total == 1:
        return
    written = [
        checking.report.written((*checking.loc, "items", i, "weight"), w)
        for i, w in enumerate(weights)
        if w is not None
    ]
    message = (
        f"the weights add up to {show_number(total, 'ratio')} ({' + '.join(written)});"
        " they must add up to 100%"
    )
    above = next((w for w in weights if w is not None and w > 1), None)
    if above is not None:
        message += (
            f"; a weight of {plain(above)} means {plain(above * 100)}%: write weights as"
            f' percentages, e.g. weight = "{plain(above)}%"'
        )
    checking.add("E200", ("items",), message)


KIND = Kind(
    "scorecard",
    ScorecardComponent,
    compile,
    check,
    records=(ITEMS, TOTAL, GRADE, GRADE_ROW, PER_POINT),
)
