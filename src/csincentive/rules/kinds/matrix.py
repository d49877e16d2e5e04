"""kind = "matrix" (S002-04): a two-way lookup, a text field picking the row (education) and
a number's band the column (tenure). Records the band reached and the row's key."""

from __future__ import annotations

from typing import ClassVar, Literal

import polars as pl
from pydantic import ConfigDict, Field

from csincentive.core.display import show_expr
from csincentive.rules.kinds.base import (
    ROW,
    ROW_KEY,
    Checking,
    Compiled,
    ComponentBase,
    Context,
    Kind,
    Loc,
    Picks,
    dec,
    formula_unit,
    inside,
    interval,
    number_or_none,
)
from csincentive.rules.kinds.checking import check_intervals, check_text_field
from csincentive.rules.values import FormulaText, Number, Strict


class Band(Strict):
    from_: Number | None = Field(None, alias="from")
    below: Number | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class MatrixComponent(ComponentBase):
    """Two-way lookup (S002-04): a text field picks the row, a number's band the column."""

    FORMULAS: ClassVar[tuple[str, ...]] = ("column",)

    kind: Literal["matrix"]
    row: str  # a roster text field, by name (not a formula)
    column: FormulaText
    bands: list[Band] = Field(min_length=1)
    cells: dict[str, list[Number]] = Field(min_length=1)
    default: Number | None = None

    def field_reads(self) -> dict[Loc, str]:
        return {("row",): self.row}


def compile(component: MatrixComponent, context: Context) -> Compiled:
    """S002-04: base by education (row) × tenure band (column)."""
    key = pl.col(component.row).cast(pl.Utf8)
    column = context.formula(component.column)
    unit = formula_unit(context, component.column)
    band: pl.Expr = pl.lit(None, dtype=pl.Int64)
    label: pl.Expr = pl.lit(context.text("why.no_band"))
    for j, b in reversed(list(enumerate(component.bands))):
        holds = inside(column, b.from_, b.below)
        band = pl.when(holds).then(pl.lit(j, dtype=pl.Int64)).otherwise(band)
        words = interval(b.from_, b.below, unit, context.lang)
        label = pl.when(holds).then(pl.lit(words)).otherwise(label)
    amount = number_or_none(component.default)
    for row, cells in component.cells.items():
        for j, cell in enumerate(cells):
            amount = pl.when((key == row) & (band == j)).then(dec(cell)).otherwise(amount)
    known = key.is_in(list(component.cells))
    why = context.says(
        "why.matrix",
        row=context.label(component.row),
        key=key.fill_null("—"),
        unlisted=pl.when(known).then(pl.lit("")).otherwise(pl.lit(context.text("why.not_listed"))),
        column=context.rendered(component.column),
        value=show_expr(column, unit),
        band=label,
        cell=show_expr(amount, "number").fill_null(context.text("why.no_value")),
    )
    # The cell reached: a listed row and a band (else the default, or no value).
    records = {ROW: pl.when(known).then(band), ROW_KEY: key}
    picks = Picks(of=len(component.bands), path="cells")
    return Compiled(amount, why, records, picks=picks)


def check(component: MatrixComponent, checking: Checking) -> None:
    check_intervals(checking, "bands", component.bands, open_start=True)
    check_text_field(checking, "row", component.row)
    for row_key, cells in component.cells.items():
        if len(cells) != len(component.bands):
            message = (
                f"row '{row_key}' has {len(cells)} values but there are "
                f"{len(component.bands)} bands; give one value per band"
            )
            checking.add("E134", ("cells", row_key), message)


KIND = Kind("matrix", MatrixComponent, compile, check, records=(ROW, ROW_KEY))
