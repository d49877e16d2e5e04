"""kind = "table": the row whose [from, below) holds `on` gives `value` — a coefficient, or
with `times` a step tier paying value × times on the whole amount. Records the row
reached."""

from __future__ import annotations

from typing import ClassVar, Literal

import polars as pl
from pydantic import ConfigDict, Field

from csincentive.core.display import show_expr
from csincentive.core.money import plain
from csincentive.core.names import BUILTIN
from csincentive.rules.kinds.base import (
    ROW,
    Checking,
    Compiled,
    ComponentBase,
    Context,
    Kind,
    Loc,
    Picks,
    formula_unit,
    inside,
    interval,
    number_or_none,
    value_of,
)
from csincentive.rules.kinds.checking import check_intervals
from csincentive.rules.values import FormulaText, Number, NumberOrFormula, Strict


class TableRow(Strict):
    """One interval [from, below); a missing bound is open."""

    from_: Number | None = Field(None, alias="from")
    below: Number | None = None
    value: NumberOrFormula
    note: str = ""  # shown in the explanation, e.g. "不发绩效" (S002-10)

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class TableComponent(ComponentBase):
    """Interval lookup: the row whose [from, below) holds `on` gives `value` — a coefficient,
    or with `times` a step tier paying value × times on the whole amount."""

    FORMULAS: ClassVar[tuple[str, ...]] = ("on", "times")

    kind: Literal["table"]
    on: FormulaText
    rows: list[TableRow] = Field(min_length=1)
    times: FormulaText | None = None
    default: Number | None = None  # when `on` falls in no row; None → an error row

    def formula_fields(self) -> dict[Loc, str]:
        out = super().formula_fields()
        for i, row in enumerate(self.rows):
            if isinstance(row.value, str):
                out[("rows", i, "value")] = row.value
        return out


def compile(component: TableComponent, context: Context) -> Compiled:
    on = context.formula(component.on)
    unit = formula_unit(context, component.on)
    value = number_or_none(component.default)
    label: pl.Expr = pl.lit(
        context.text("why.no_row" if component.default is None else "why.no_row_default")
    )
    reached: pl.Expr = pl.lit(None, dtype=pl.Int64)
    for index in reversed(range(len(component.rows))):  # the first row that holds wins
        row = component.rows[index]
        holds = inside(on, row.from_, row.below)
        value = pl.when(holds).then(value_of(context, row.value)).otherwise(value)
        text = interval(row.from_, row.below, unit, context.lang) + (
            f" {row.note}" if row.note else ""
        )
        label = pl.when(holds).then(pl.lit(text)).otherwise(label)
        reached = pl.when(holds).then(pl.lit(index, dtype=pl.Int64)).otherwise(reached)
    why_parts = [pl.lit(context.rendered(component.on) + " "), show_expr(on, unit), pl.lit(" → ")]
    why_parts += [label, pl.lit(" → ")]
    if component.times is None:
        amount = value
        if component.format == "percent":  # a percentage reads as one, not as a factor
            why_parts += [show_expr(value, "ratio")]
        else:
            why_parts += [pl.lit("" if component.pay else "×"), show_expr(value, "number")]
    else:
        times = context.formula(component.times)
        amount = value * times
        why_parts += [
            show_expr(value, "number"),
            pl.lit(f" × {context.rendered(component.times)} "),
            show_expr(times, formula_unit(context, component.times)),
        ]
    picks = Picks(of=len(component.rows), path="rows")
    return Compiled(amount, pl.concat_str(why_parts), records={ROW: reached}, picks=picks)


def check(component: TableComponent, checking: Checking) -> None:
    check_intervals(checking, "rows", component.rows, open_start=True)
    _check_ratio_rows(component, checking)


def _check_ratio_rows(table: TableComponent, checking: Checking) -> None:
    """A table on a ratio (conversion, refund rate…) cannot reach a row starting above 100%."""
    on = table.on.strip()
    source = checking.components.get(on)
    # The unit of `on`, not of the table's own value (`format` describes the value).
    is_ratio = (on in BUILTIN and BUILTIN[on].unit == "ratio") or (
        source is not None and source.format == "percent"
    )
    if not is_ratio:
        return
    for i, row in enumerate(table.rows):
        if row.from_ is not None and row.from_ > 1:
            shown = plain(row.from_)
            message = (
                f"unreachable: '{on}' is a ratio (at most 100%) and this row starts at"
                f' {shown}; did you mean "{shown}%"?'
            )
            checking.add("W133", ("rows", i, "from"), message)


KIND = Kind("table", TableComponent, compile, check, records=(ROW,))
