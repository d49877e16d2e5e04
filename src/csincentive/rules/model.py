"""The rules file as data: pydantic models for every building block.

A rules file is a scheme header, attribution settings, named parameters, components keyed
by id and the total. Unknown keys are errors (``extra="forbid"``) so a typo never silently
drops a rule. Numbers are exact Decimals; "40%" is accepted wherever a number is, and means
exactly 0.4.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from csincentive.money import D


def parse_number(value: Any) -> Decimal:
    """1, 1.5, "1.5" and "40%" (exactly 0.4) — never via float."""
    if isinstance(value, str):
        text = value.strip().replace(",", "")
        try:
            if text.endswith("%"):
                return D(text[:-1]) / 100
            return D(text)
        except InvalidOperation:
            raise ValueError(f'not a number: {value!r} (write 2500, 1.5 or "40%")') from None
    try:
        return D(value)
    except (InvalidOperation, ValueError):
        raise ValueError(f'not a number: {value!r} (write 2500, 1.5 or "40%")') from None


Number = Annotated[Decimal, BeforeValidator(parse_number)]
FormulaText = Annotated[str, Field(min_length=1)]
NumberOrFormula = Number | FormulaText
Display = Literal["money", "percent", "number"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Scheme(Strict):
    id: str
    name: str
    rule: str = ""
    currency: Literal["CNY"] = "CNY"
    valid_from: dt.date
    description: str = ""


class Attribution(Strict):
    # 询单->最终付款: how many calendar days a chat stays "live" for an order (1 = same day).
    window_days: int = Field(default=2, ge=1, le=15)
    judge_by: Literal["created", "paid"] = "created"


class Inputs(Strict):
    """How to read the period folder: extra header mappings (source header → canonical
    name, e.g. "接待客服" = "agent") and the gap that ends a message-level chat session."""

    columns: dict[str, str] = {}
    session_gap_minutes: int = Field(default=10, ge=1, le=24 * 60)


class Scope(Strict):
    """Who a component applies to; an empty list means everyone."""

    role: list[Literal["agent", "supervisor"]] = []
    grade: list[str] = []
    team: list[str] = []


class ComponentBase(Strict):
    label: str
    rule: str = ""
    pay: bool = True  # False: an intermediate value (a coefficient), not a payslip line
    applies_to: Scope = Scope()
    when: FormulaText | None = None
    cap: NumberOrFormula | None = None
    floor: NumberOrFormula | None = None
    prorate: Literal["days_employed"] | None = None
    format: Display | None = None
    note: str = ""


class FormulaComponent(ComponentBase):
    kind: Literal["formula"]
    expr: FormulaText


class RateComponent(ComponentBase):
    """rate × base: 个人提成 = 销售额 × 1%."""

    kind: Literal["rate"]
    base: FormulaText
    rate: Number


class TableRow(Strict):
    """One interval [from, below); a missing bound is open."""

    from_: Number | None = Field(None, alias="from")
    below: Number | None = None
    value: Number

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class TableComponent(ComponentBase):
    """Interval lookup: the row whose [from, below) holds `on` gives `value` — a coefficient,
    or with `times` a step tier paying value × times on the whole amount."""

    kind: Literal["table"]
    on: FormulaText
    rows: list[TableRow] = Field(min_length=1)
    times: FormulaText | None = None
    default: Number | None = None  # when `on` falls in no row; None → an error row


class MarginalRow(Strict):
    from_: Number = Field(alias="from")
    below: Number | None = None
    rate: Number

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class MarginalComponent(ComponentBase):
    """Marginal tiers: each slice of `on` is paid at its own rate."""

    kind: Literal["marginal"]
    on: FormulaText
    rows: list[MarginalRow] = Field(min_length=1)


class MatchComponent(ComponentBase):
    """Categorical lookup: grade → base pay."""

    kind: Literal["match"]
    on: str
    cases: dict[str, Number] = Field(min_length=1)
    default: Number | None = None


class RankComponent(ComponentBase):
    """Rank prizes: ranked by `by` among `among` (optionally within each team); ties share a
    rank (1, 1, 3); a prize is paid only when `eligible` holds."""

    kind: Literal["rank"]
    by: FormulaText
    order: Literal["desc", "asc"] = "desc"
    among: Scope = Scope()
    within: Literal["all", "team"] = "all"
    eligible: FormulaText | None = None
    prizes: list[Number] = Field(min_length=1)


Component = Annotated[
    FormulaComponent
    | RateComponent
    | TableComponent
    | MarginalComponent
    | MatchComponent
    | RankComponent,
    Field(discriminator="kind"),
]


class Total(Strict):
    id: str = "gross"
    label: str = "应发合计"


class RuleSet(Strict):
    scheme: Scheme
    attribution: Attribution = Attribution()
    inputs: Inputs = Inputs()
    params: dict[str, Number] = {}
    components: dict[str, Component] = Field(min_length=1)
    total: Total = Total()


COMPONENT_KINDS = ("formula", "rate", "table", "marginal", "match", "rank")

COMPONENT_CLASSES: dict[str, type[ComponentBase]] = {
    "formula": FormulaComponent,
    "rate": RateComponent,
    "table": TableComponent,
    "marginal": MarginalComponent,
    "match": MatchComponent,
    "rank": RankComponent,
}


def formula_fields(component: ComponentBase) -> dict[str, str]:
    """Every field of a component that holds a formula, by field name (for name checks,
    dependency edges and error positions)."""
    names = ("expr", "base", "on", "times", "by", "eligible", "when", "cap", "floor")
    out: dict[str, str] = {}
    for name in names:
        value = getattr(component, name, None)
        if isinstance(value, str) and not (isinstance(component, MatchComponent) and name == "on"):
            out[name] = value
    return out
