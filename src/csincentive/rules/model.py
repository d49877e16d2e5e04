"""The rules file as data: pydantic models for the scheme, its inputs, parameters, events,
grades, dated changes and the total; each component kind's model lives in rules/kinds/.

A rules file is a scheme header, attribution settings, named parameters, components keyed
by id and the total. Unknown keys are errors (``extra="forbid"``) so a typo never silently
drops a rule. Numbers are exact Decimals; "40%" is accepted wherever a number is, and means
exactly 0.4.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    ModelWrapValidatorHandler,
    model_validator,
)

from csincentive.core.names import ROSTER_FIELD_TYPES, RosterFieldType
from csincentive.rules.kinds import Component
from csincentive.rules.kinds.base import ComponentBase as ComponentBase
from csincentive.rules.kinds.base import Loc
from csincentive.rules.kinds.base import Scope as Scope
from csincentive.rules.locate import Written
from csincentive.rules.paychecks import Checks, MinimumWageField
from csincentive.rules.values import Number, Strict
from csincentive.rules.values import parse_number as parse_number


class Scheme(Strict):
    id: str
    name: str
    rule: str = ""
    currency: Literal["CNY"] = "CNY"
    valid_from: dt.date
    description: str = ""
    shop: str | None = None  # shops sharing one ledger folder are kept apart by it
    # S000-16: a base below the local minimum wage is a warning (rules/paychecks.py).
    minimum_wage: MinimumWageField = None
    # The language of the explanations, the workbook and the terminal (core/messages.py);
    # `--lang` overrides it for one command. CSV headers stay ids whatever it is.
    language: Literal["zh", "en"] = "zh"


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
    # Chat accounts, as the chats export writes them, that are nobody's on the roster (a
    # bot, former staff): orders their chats win are paid to nobody, where any other
    # account missing from the roster stops the month (D301).
    ignore_accounts: list[Annotated[str, Field(min_length=1)]] = []
    # The largest amount one order may be paid or refunded (docs/inputs.md): an amount
    # above it is an error at its line in orders.csv (D321). At most 10^12, so no month's
    # sum of amounts can overflow the engine's 28 integer digits.
    max_amount: Decimal = Field(
        default=Decimal(1_000_000), gt=0, le=Decimal(10**12), decimal_places=2
    )
    # The sheet a workbook input (agents.xlsx …) is read from: one name for every workbook,
    # or a table by file, { agents = "工资表", orders = "订单报表" }; else the first sheet.
    sheet: (
        Annotated[str, Field(min_length=1)] | dict[str, Annotated[str, Field(min_length=1)]] | None
    ) = None
    # A per-agent report (agent_report.xlsx) beside chats.csv and orders.csv is compared
    # with the figures made from them: a difference above this share of the report's figure
    # (for a rate: these points) is a warning (W406, docs/inputs.md).
    report_tolerance: Number = Field(default=Decimal("0.02"), ge=0, le=1)


class Event(Strict):
    """A discipline or merit event the team records in events.csv; in formulas its name is
    the month's count of occurrences and <name>_amount the sum of its amounts."""

    label: str
    rule: str = ""


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
    # Where this change's components are written (recorded by the loader, as RuleSet's).
    written: dict[str, Written] = Field(default_factory=dict, exclude=True)


class Total(Strict):
    """One bottom line of the payslip. The first total is the sum of the pay components
    (``gross`` unless renamed); each later one (withholdings, net pay …) is a formula over
    the components, the metrics and the totals before it, rounded to the fen."""

    id: str = "gross"
    label: str = "应发合计"
    expr: str | None = None  # None for the first total; required for every later one


class Statutory(Strict):
    """Net pay on: social insurance, housing fund and income tax withheld by the city's
    policy — a shipped id ("shanghai": statutory/shanghai.toml beside the rules file) or a
    path ending in .toml relative to the rules file."""

    policy: str = Field(min_length=1)


class Outputs(Strict):
    """What a month writes besides the payroll files, and what a payslip says."""

    # `run` also writes 工资条.xlsx and payslips/<agent_id>-<name>.html (as
    # `csincentive payslips` does).
    payslips: bool = False
    # The note on every payslip on how to raise a question (S000-17, S001-08: an appeal in
    # writing within 3 days of the notice, answered within a week).
    appeal_days: int = Field(default=3, ge=1, le=90)
    appeal_to: str = ""  # whom an appeal goes to, e.g. "客服主管" (blank: not named)
    paper: Literal["A4", "A5"] = "A4"  # the page size a printed payslip is laid out for


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
    # Warnings on the finished payslips: reference pay ranges (S002-03, rules/paychecks.py).
    checks: Checks = Checks()
    statutory: Statutory | None = None
    outputs: Outputs = Outputs()
    changes: list[Change] = []
    # Parameters written as a percentage ("95%"), so explanations show them that way.
    # Filled from the file itself, never written by hand.
    percent_params: frozenset[str] = Field(default=frozenset(), exclude=True)
    # Where each component is written (its file, and the line and column of each of its
    # keys): recorded by the loader, so an explanation points at a rule without reading
    # the files again.
    written: dict[str, Written] = Field(default_factory=dict, exclude=True)
    # The rules file and every file it includes, directly or not, each once (resolved, the
    # including file before what it includes): recorded by the loader, for the ledger's
    # manifest, so nothing walks the includes a second time.
    files: tuple[Path, ...] = Field(default=(), exclude=True)

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
                "written": {**self.written, **change.written},
            }
        )

    @property
    def title(self) -> str:
        return self.scheme.name if self.scheme else ""

    @property
    def language(self) -> str:
        """[scheme] language: what the explanations and headers are written in."""
        return self.scheme.language if self.scheme else "zh"

    def merged_over(self, base: RuleSet) -> RuleSet:
        """This file on top of an included one: its params, events, manual inputs and
        components are added, and a component or parameter with the same id replaces the
        included one (that is how a file extends another)."""
        inputs = self.inputs.model_copy(
            update={
                "manual": _union(base.inputs.manual, self.inputs.manual),
                "manual_required": _union(base.inputs.manual_required, self.inputs.manual_required),
                "ignore_accounts": _union(base.inputs.ignore_accounts, self.inputs.ignore_accounts),
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
        statutory = self.statutory if self.statutory is not None else base.statutory
        outputs = self.outputs if "outputs" in self.model_fields_set else base.outputs
        own_totals = {"total", "totals"} & self.model_fields_set
        totals = self.totals if own_totals else base.totals
        return self.model_copy(
            update={
                "attribution": attribution,
                "statutory": statutory,
                "outputs": outputs,
                "total": totals[0],
                "totals": totals,
                "inputs": inputs,
                "params": {**base.params, **self.params},
                "percent_params": (base.percent_params - set(self.params)) | self.percent_params,
                "events": {**base.events, **self.events},
                "components": {**base.components, **self.components},
                "written": {**base.written, **self.written},
                "checks": self.checks.merged_over(base.checks),
            }
        )


def _union(first: list[str], second: list[str]) -> list[str]:
    return [*first, *(name for name in second if name not in first)]


def param_references(component: ComponentBase) -> dict[Loc, str]:
    """Amounts written as a parameter's name, by their path inside the component."""
    return component.param_references()


def formula_fields(component: ComponentBase) -> dict[Loc, str]:
    """Every formula of a component by its path inside the component, e.g. ("expr",) or
    ("rows", 2, "value"): for name checks, dependency edges and error positions."""
    return component.formula_fields()
