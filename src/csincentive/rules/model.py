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

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    model_validator,
)

from csincentive.core.money import D
from csincentive.core.names import ROSTER_FIELD_TYPES, RosterFieldType


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
# A fixed amount: a number, or the name of a parameter (so a blank in the seed stays a
# parameter the shop sets once).
NumberOrParam = Number | Annotated[str, Field(pattern=r"^[^\W\d]\w*$")]
Display = Literal["money", "percent", "number", "points"]


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


def _regex(pattern: str) -> str:
    """An auto-reply pattern is matched by Polars, whose regular expressions (Rust syntax)
    differ from Python's (no look-around or back-references): check it with Polars itself,
    when the rules are loaded rather than when a month is half computed."""
    import polars as pl  # only when a rules file has patterns: keeps `--help` fast

    try:
        pl.Series([""]).str.contains(pattern)
    except pl.exceptions.ComputeError as exc:
        # Polars quotes the regex parser: the line starting "error:" says what is wrong.
        lines = [line.strip() for line in str(exc).splitlines()]
        reason = next((line[6:].strip() for line in lines if line.startswith("error:")), "")
        raise ValueError(
            f"{pattern!r} is not a regular expression Polars accepts"
            + (f": {reason}" if reason else "")
            + " — write it without look-around or back-references, e.g. '^亲，您好'"
        ) from None
    return pattern


def _roster_fields(value: Any) -> Any:
    """``["education", { name = "si_base", type = "money" }]`` → {name: type}; a table
    ``{ si_base = "money" }`` is that already. A name without a type is text."""
    if not isinstance(value, list):
        return value
    fields: dict[str, Any] = {}
    for entry in value:
        if isinstance(entry, dict):
            unknown = sorted(set(entry) - {"name", "type"})
            if unknown or not isinstance(entry.get("name"), str):
                raise ValueError(
                    f'a roster field is a name or {{ name = "...", type = "money" }}, got '
                    f"{entry!r}; the types are {', '.join(ROSTER_FIELD_TYPES)}"
                )
            name, kind = entry["name"], entry.get("type", "text")
        elif isinstance(entry, str):
            name, kind = entry, "text"
        else:
            raise ValueError(f"a roster field is a name, got {entry!r}")
        if name in fields:
            raise ValueError(f"roster field '{name}' is declared twice; keep one")
        fields[name] = kind
    return fields


class Inputs(Strict):
    """How to read the period folder: extra header mappings (source header → canonical
    name, e.g. "接待客服" = "agent") and how a message-level chat export becomes sessions
    (the gap that ends one, which lines to leave out, what is a slow reply)."""

    columns: dict[str, str] = {}
    session_gap_minutes: int = Field(default=10, ge=1, le=24 * 60)
    # Message-level chats: an agent line whose content matches one of these is an
    # auto-reply (neither an answer nor a message); lines from these senders are dropped;
    # a reply slower than slow_response_s seconds is a slow response.
    auto_reply_patterns: list[Annotated[str, Field(min_length=1), AfterValidator(_regex)]] = []
    system_senders: list[Annotated[str, Field(min_length=1)]] = ["系统", "system"]
    slow_response_s: int = Field(default=120, ge=1, le=24 * 3600)
    # Figures the team keeps by hand, one per agent in inputs.csv (S002-08 execution,
    # tickets …); an agent without a row has 0, except for the names in manual_required.
    manual: list[str] = []
    manual_required: list[str] = []
    # Extra columns of agents.csv and what each holds, e.g. education (text, S002-04) or
    # si_base (money): written as a list of names (all text) whose entries may also be
    # { name = "si_base", type = "money" }, or as a table { si_base = "money" }.
    roster_fields: Annotated[dict[str, RosterFieldType], BeforeValidator(_roster_fields)] = {}
    # The largest amount one order may be paid or refunded (docs/inputs.md): an amount
    # above it is an error at its line in orders.csv (D321). At most 10^12, so no month's
    # sum of amounts can overflow the engine's 28 integer digits.
    max_amount: Decimal = Field(
        default=Decimal(1_000_000), gt=0, le=Decimal(10**12), decimal_places=2
    )


class Event(Strict):
    """A discipline or merit event the team records in events.csv; in formulas its name is
    the month's count of occurrences and <name>_amount the sum of its amounts."""

    label: str
    rule: str = ""


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
    # days_employed: × days employed / days in month; worked_days: × worked / scheduled.
    prorate: Literal["days_employed", "worked_days"] | None = None
    format: Display | None = None
    deduct: bool = False  # a fine or a points deduction: the amount is subtracted
    # A flag (dismissal review, third complaint …) is printed and exported, never acted on.
    flag_when: FormulaText | None = None
    flag: str | None = None
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
    value: NumberOrFormula
    note: str = ""  # shown in the explanation, e.g. "不发绩效" (S002-10)

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
    cases: dict[str, NumberOrFormula] = Field(min_length=1)
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
    prizes: list[NumberOrParam] = Field(min_length=1)


class LadderComponent(ComponentBase):
    """Occurrences in the month → an amount per occurrence: the first `free` are warnings
    only, then `amounts` in turn; past the list the last amount repeats, doubles each time
    (S000-13) or stops."""

    kind: Literal["ladder"]
    count: FormulaText
    free: int = Field(default=0, ge=0)
    amounts: list[NumberOrParam] = Field(min_length=1)
    after: Literal["repeat", "double", "none"] = "repeat"


class AwardComponent(ComponentBase):
    """An award (S000-10/11): among the people who are `eligible`, the best by `by` in each
    team wins `amount`, at most one winner per `per_members` team members (rounded up);
    ties go to the smaller agent_id. Where anyone in a team is `nominated`, the nominees
    win instead (a manual nomination takes precedence over the data)."""

    kind: Literal["award"]
    by: FormulaText
    order: Literal["desc", "asc"] = "desc"
    among: Scope = Scope()
    within: Literal["all", "team"] = "team"
    eligible: FormulaText | None = None
    nominated: FormulaText | None = None
    per_members: int = Field(default=10, ge=1)
    amount: NumberOrParam


class Band(Strict):
    from_: Number | None = Field(None, alias="from")
    below: Number | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class MatrixComponent(ComponentBase):
    """Two-way lookup (S002-04): a text field picks the row, a number's band the column."""

    kind: Literal["matrix"]
    row: str
    column: FormulaText
    bands: list[Band] = Field(min_length=1)
    cells: dict[str, list[Number]] = Field(min_length=1)
    default: Number | None = None


Component = Annotated[
    FormulaComponent
    | RateComponent
    | TableComponent
    | MarginalComponent
    | MatchComponent
    | RankComponent
    | LadderComponent
    | AwardComponent
    | MatrixComponent,
    Field(discriminator="kind"),
]


class GradeRule(Strict):
    """How one grade moves at the quarterly review (S002-12..14)."""

    promote_to: str | None = None
    # Promotion needs all of these: tenure, the quarter's average coefficient, and every
    # month's conversations at least the average of the person's role (all grades).
    min_tenure_months: int = Field(default=0, ge=0)
    min_average_coefficient: Number | None = None
    volume_at_least_role_average: bool = True
    demote_to: str | None = None
    # Demotion: the coefficient below this bound in this many consecutive months.
    demote_below: Number | None = None
    demote_after_months: int | None = Field(default=None, ge=1)


class Grades(Strict):
    """The quarterly grade review (S002-12..14), read from the ledger's months."""

    coefficient: str  # the component (or metric) holding each month's coefficient
    volume: str = "sessions"  # the monthly conversation count compared with the role average
    # The roster column whose average the volume is compared with (S002-13 "所在岗位").
    peers: str = "role"
    rules: dict[str, GradeRule] = Field(min_length=1)  # by grade name, as in agents.csv


class Change(Strict):
    """A dated change to the rules (OpenFisca style): from `valid_from` (the first day of a
    month) these parameters, events and components replace the earlier ones; months before
    it keep being paid by the earlier version."""

    valid_from: dt.date
    note: str = ""
    params: dict[str, Number] = {}
    events: dict[str, Event] = {}
    components: dict[str, Component] = {}


class Total(Strict):
    """One bottom line of the payslip. The first total is the sum of the pay components
    (``gross`` unless renamed); each later one (withholdings, net pay …) is a formula over
    the components, the metrics and the totals before it, rounded to the fen."""

    id: str = "gross"
    label: str = "应发合计"
    expr: str | None = None  # None for the first total; required for every later one


class RuleSet(Strict):
    # A file that others include (shared awards, shared fines) may leave out the scheme.
    scheme: Scheme | None = None
    include: list[str] = []
    attribution: Attribution = Attribution()
    inputs: Inputs = Inputs()
    params: dict[str, Number] = {}
    events: dict[str, Event] = {}
    components: dict[str, Component] = {}
    # Written as `[total]` (one total, as most files do) or `[[totals]]` (several, in
    # order). Either way `totals` is the whole list and `total` its first member.
    total: Total = Total()
    totals: list[Total] = Field(default_factory=lambda: [Total()], min_length=1)
    grades: Grades | None = None
    changes: list[Change] = []
    # Parameters written as a percentage ("95%"), so explanations show them that way.
    # Filled from the file itself, never written by hand.
    percent_params: frozenset[str] = Field(default=frozenset(), exclude=True)

    @model_validator(mode="before")
    @classmethod
    def _remember_percent_params(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        tables = [data.get("params")]
        changes = data.get("changes")
        if isinstance(changes, list):
            tables += [c.get("params") for c in changes if isinstance(c, dict)]
        percent = frozenset(
            name
            for table in tables
            if isinstance(table, dict)
            for name, value in table.items()
            if isinstance(value, str) and value.strip().endswith("%")
        )
        return {**data, "percent_params": percent}

    @model_validator(mode="wrap")
    @classmethod
    def _one_list_of_totals(cls, data: Any, handler: ModelWrapValidatorHandler[RuleSet]) -> RuleSet:
        """`[total]` and `[[totals]]` are two spellings of one list: keep both views in step
        (a file that writes either has declared its totals, so includes do not replace
        them)."""
        if isinstance(data, dict) and "total" in data and "totals" in data:
            raise ValueError(
                "write the totals once: [total] for the one total, or [[totals]] for several"
                " (the first of them is the sum of the pay components)"
            )
        rules = handler(data)
        written = rules.model_fields_set
        if "totals" in written and rules.total != rules.totals[0]:
            return rules.model_copy(update={"total": rules.totals[0]})
        if "total" in written and rules.totals != [rules.total]:
            return rules.model_copy(update={"totals": [rules.total]})
        return rules

    @property
    def total_ids(self) -> list[str]:
        """The totals' ids in payroll order: gross first, then any later totals."""
        return [total.id for total in self.totals]

    def in_force(self, year: int, month: int) -> RuleSet:
        """The rules for a month: the base with every change dated on or before its first
        day applied in date order."""
        first = dt.date(year, month, 1)
        rules = self
        for change in sorted(self.changes, key=lambda c: c.valid_from):
            if change.valid_from <= first:
                rules = rules.with_change(change)
        return rules

    def with_change(self, change: Change) -> RuleSet:
        return self.model_copy(
            update={
                "params": {**self.params, **change.params},
                "events": {**self.events, **change.events},
                "components": {**self.components, **change.components},
            }
        )

    @property
    def title(self) -> str:
        return self.scheme.name if self.scheme else ""

    def merged_over(self, base: RuleSet) -> RuleSet:
        """This file on top of an included one: its params, events, manual inputs and
        components are added, and a component or parameter with the same id replaces the
        included one (that is how a file extends another)."""
        inputs = self.inputs.model_copy(
            update={
                "manual": _union(base.inputs.manual, self.inputs.manual),
                "manual_required": _union(base.inputs.manual_required, self.inputs.manual_required),
                "roster_fields": {**base.inputs.roster_fields, **self.inputs.roster_fields},
                "columns": {**base.inputs.columns, **self.inputs.columns},
                # Reading settings this file does not write come from the included one.
                **{
                    key: getattr(base.inputs, key)
                    for key in (
                        "session_gap_minutes",
                        "auto_reply_patterns",
                        "system_senders",
                        "slow_response_s",
                    )
                    if key not in self.inputs.model_fields_set
                },
            }
        )
        # Settings the including file does not write are inherited from the included one.
        attribution = (
            self.attribution if "attribution" in self.model_fields_set else base.attribution
        )
        own_totals = {"total", "totals"} & self.model_fields_set
        totals = self.totals if own_totals else base.totals
        return self.model_copy(
            update={
                "attribution": attribution,
                "total": totals[0],
                "totals": totals,
                "inputs": inputs,
                "params": {**base.params, **self.params},
                "percent_params": (base.percent_params - set(self.params)) | self.percent_params,
                "events": {**base.events, **self.events},
                "components": {**base.components, **self.components},
            }
        )


def _union(first: list[str], second: list[str]) -> list[str]:
    return [*first, *(name for name in second if name not in first)]


COMPONENT_KINDS = (
    "formula",
    "rate",
    "table",
    "marginal",
    "match",
    "rank",
    "ladder",
    "award",
    "matrix",
)

COMPONENT_CLASSES: dict[str, type[ComponentBase]] = {
    "formula": FormulaComponent,
    "rate": RateComponent,
    "table": TableComponent,
    "marginal": MarginalComponent,
    "match": MatchComponent,
    "rank": RankComponent,
    "ladder": LadderComponent,
    "award": AwardComponent,
    "matrix": MatrixComponent,
}


def param_references(component: ComponentBase) -> dict[tuple[str | int, ...], str]:
    """Amounts written as a parameter's name, by their path inside the component."""
    out: dict[tuple[str | int, ...], str] = {}
    for key in ("amounts", "prizes"):
        for i, value in enumerate(getattr(component, key, None) or []):
            if isinstance(value, str):
                out[(key, i)] = value
    amount = getattr(component, "amount", None)
    if isinstance(amount, str):
        out[("amount",)] = amount
    return out


def formula_fields(component: ComponentBase) -> dict[tuple[str | int, ...], str]:
    """Every formula of a component by its path inside the component, e.g. ("expr",) or
    ("rows", 2, "value"): for name checks, dependency edges and error positions."""
    names = (
        "expr",
        "base",
        "on",
        "times",
        "by",
        "eligible",
        "nominated",
        "count",
        "column",
        "when",
        "cap",
        "floor",
        "flag_when",
    )
    out: dict[tuple[str | int, ...], str] = {}
    for name in names:
        value = getattr(component, name, None)
        if isinstance(value, str) and not (isinstance(component, MatchComponent) and name == "on"):
            out[(name,)] = value
    if isinstance(component, TableComponent):
        for i, row in enumerate(component.rows):
            if isinstance(row.value, str):
                out[("rows", i, "value")] = row.value
    if isinstance(component, MatchComponent):
        for case, value in component.cases.items():
            if isinstance(value, str):
                out[("cases", case)] = value
    return out
