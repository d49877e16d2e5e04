"""What every component kind shares: the keys of a component whatever its kind, the small
interface a kind compiles against (``Context``, given by the pay engine), what a kind hands
back (``Compiled``: its amount, its explanation and what it records for ``explain``), what
its checks are given (``Checking``), the ``Kind`` record the registry lists, and the
helpers several kinds use to build their Polars expressions."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar, Literal, Protocol

import polars as pl

from csincentive.core.diagnostics import Diagnostic, Severity
from csincentive.core.display import show_number
from csincentive.core.messages import t, word
from csincentive.core.money import ENGINE, exact, plain
from csincentive.core.names import Name, Unit
from csincentive.formula import parse, render
from csincentive.rules.locate import SourceMap, dotted
from csincentive.rules.values import Display, FormulaText, NumberOrFormula, Strict

Loc = tuple[str | int, ...]

# The names of what a kind records per person in its trace (``<id>__trace``), beside the
# values its formulas read (recorded by the engine for every kind). Values are recorded,
# not their text: explain shows them as every value is shown (core/display.py).
ROW = "row"  # 0-based index of the row (table) or band (matrix) reached; null: none
ROW_KEY = "row_key"  # matrix: the text that picked the row of cells
PLACE = "place"  # rank: the rank (ties share one); award: the place among the eligible
FIELD_SIZE = "field_size"  # people in the field ranked (the whole field or the team's)
IN_FIELD = "in_field"  # whether this person is in the field at all
VALUE = "value"  # the value ranked by
QUOTA = "quota"  # award: winners in this field


class Scope(Strict):
    """Who a component applies to; an empty list means everyone."""

    role: list[Literal["agent", "supervisor"]] = []
    grade: list[str] = []
    team: list[str] = []


class ComponentBase(Strict):
    # The kind's own formula keys, in the order an explanation lists what they read; the
    # keys every kind has (when, cap, floor, flag_when) follow them.
    FORMULAS: ClassVar[tuple[str, ...]] = ()

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
    # 全年一次性奖金: with [statutory] on, this line is taxed on its own by the monthly table
    # (财税〔2018〕164号), unless the person's bonus_tax is "merged".
    annual_bonus: bool = False

    def formula_fields(self) -> dict[Loc, str]:
        """Every formula of the component by its path inside it, e.g. ("expr",) or
        ("rows", 2, "value"): for name checks, dependency edges and error positions."""
        keys = (*self.FORMULAS, "when", "cap", "floor", "flag_when")
        out: dict[Loc, str] = {}
        for key in keys:
            value = getattr(self, key)
            if isinstance(value, str):
                out[(key,)] = value
        return out

    def field_reads(self) -> dict[Loc, str]:
        """Roster fields read by name rather than through a formula (a match's `on`)."""
        return {}

    def param_references(self) -> dict[Loc, str]:
        """Amounts written as a parameter's name, by their path inside the component."""
        return {}

    def companions(self) -> dict[str, tuple[Unit, str]]:
        """Values the component gives beside its amount, each a name later formulas can
        read (a scorecard's grade is ``<id>_grade``), by suffix: (unit, meaning). The
        kind's ``Compiled.columns`` computes them by the same suffix."""
        return {}


def companion_name(cid: str, suffix: str) -> str:
    """The name a formula reads a component's companion by: kpi_grade."""
    return f"{cid}_{suffix}"


def amounts_named(key: str, values: list[Decimal | str]) -> dict[Loc, str]:
    """The parameter names among a list of amounts (prizes, ladder amounts)."""
    return {(key, i): value for i, value in enumerate(values) if isinstance(value, str)}


class Context(Protocol):
    """What a kind needs from the engine to compile: formulas over the month's frame, the
    value of a fixed amount (a number or a parameter's name) and the unit of a name; and
    for the explanation, the language it is written in (``lang``), a formula or a name in
    the reader's words (``rendered``, ``label``) and the catalogue's messages in that
    language (``says`` per person, ``text`` as it is; core/messages.py)."""

    @property
    def lang(self) -> str: ...

    def formula(self, text: str) -> pl.Expr: ...

    def rendered(self, text: str) -> str: ...

    def label(self, name: str) -> str: ...

    def says(self, key: str, /, **parts: str | pl.Expr) -> pl.Expr: ...

    def text(self, key: str, /, **values: object) -> str: ...

    def number(self, value: Decimal | str) -> Decimal: ...

    def unit_of(self, name: str) -> str: ...

    def inputs_shown(self, texts: list[str]) -> pl.Expr | None: ...


@dataclass(frozen=True)
class Picks:
    """A kind whose value is one row of a list: the trace records the index reached."""

    of: int  # rows (or bands) in the list
    path: Literal["rows", "cells"]  # where row i is written: rows[i] or cells.<key>[i]


@dataclass(frozen=True)
class Ranks:
    """A kind that ranks a field of people: the trace records each person's place."""

    by: str
    unit: str  # of the value ranked by, to show it
    order: str
    within: str
    among: str  # the field in words, "everyone" when open
    note: str
    quota: bool  # an award: places up to the quota win


@dataclass(frozen=True)
class ScoredItem:
    """One item of a scorecard as its explanation shows it: how it scores (bands, with the
    words of each band, or linear between worst and best) and its weight."""

    label: str
    value: str  # the formula, as explanations print it
    unit: str  # of the value, to show it
    weight: Decimal | None  # None: the points add up as they are
    bands: tuple[str, ...] = ()  # each band's interval in words; () for a linear item
    worst: Decimal | None = None
    best: Decimal | None = None
    max: Decimal = Decimal(100)
    cap: Decimal | None = None


@dataclass(frozen=True)
class Scores:
    """A scorecard: the trace records each item's value, band and points, the total and
    the grade reached (see rules/kinds/scorecard.py)."""

    items: tuple[ScoredItem, ...]
    grades: tuple[str, ...]  # each grade row's interval in words
    per_point: str  # money per point, as printed; "" when the value is the score


@dataclass(frozen=True)
class Shares:
    """A pool: the trace records the pool, the person's basis, the total basis and the
    share with its remainder fen (see rules/kinds/pool.py)."""

    basis: str  # the formula, as printed
    unit: str  # of the basis
    eligible: str  # the condition, as printed; "" when everyone is
    per: str  # all or team
    order: str  # how the remainder fen go, in words


@dataclass(frozen=True)
class Compiled:
    """One kind's part of a component: its amount before the common keys (cap, floor,
    proration, deduct, when, applies_to) and the rounding, its explanation, and the
    expressions it records per person for ``explain``."""

    amount: pl.Expr
    why: pl.Expr
    records: dict[str, pl.Expr] = field(default_factory=dict)
    # The companions' values (ComponentBase.companions), by name.
    columns: dict[str, pl.Expr] = field(default_factory=dict)
    # Problems found while computing, by code (W… a warning, E… an error that stops the
    # month): per person the message, null where there is none; one diagnostic per
    # distinct message (a pool's problem is its team's, said once).
    problems: dict[str, pl.Expr] = field(default_factory=dict)
    field: pl.Expr | None = None  # rank and award: outside the field there is no line
    picks: Picks | None = None
    ranks: Ranks | None = None
    scores: Scores | None = None
    shares: Shares | None = None


class Report:
    """Collects diagnostics with their positions in the rules file."""

    def __init__(self, file: str, source: SourceMap, prefix: Loc = ()) -> None:
        self.file = file
        self.source = source
        self.prefix = prefix  # ("changes", 2) while checking a dated change's tables
        self.items: list[Diagnostic] = []

    def add(self, code: str, loc: Loc, message: str, *, offset: int | None = None) -> None:
        """`offset`: point at that character of the string value at `loc` (a formula)."""
        loc = (*self.prefix, *loc)
        if offset is None:
            line, col = self.source.position(loc)
        else:
            line, col = self.source.string_position(loc, offset)
        severity: Severity = "warning" if code.startswith("W") else "error"
        self.items.append(Diagnostic(self.file, message, code, line, col, dotted(loc), severity))

    def written(self, loc: Loc, value: Decimal) -> str:
        """A number as the file wrote it: "40%" when it was written as a percentage."""
        chars = self.source.strings.get((*self.prefix, *loc))
        text = "".join(self.source.text[i] for i in chars[:-1]) if chars else ""
        if text.strip().endswith("%"):
            return f'"{plain(value * 100)}%"'
        return plain(value)


@dataclass(frozen=True)
class Checking:
    """One component being checked: its place (``("components", id)``), the report, the
    names a formula may use and every component of the rule set it is part of."""

    report: Report
    loc: Loc
    names: Mapping[str, Name]
    components: Mapping[str, ComponentBase]

    def add(self, code: str, where: Loc, message: str) -> None:
        self.report.add(code, (*self.loc, *where), message)


@dataclass(frozen=True)
class Kind:
    """One entry of the registry: everything a kind of component is."""

    name: str
    model: type[ComponentBase]
    compile: Callable[[Any, Context], Compiled]
    check: Callable[[Any, Checking], None]
    records: tuple[str, ...] = ()  # the names of what compile records, beside the inputs


def no_checks(component: Any, checking: Checking) -> None:
    """A kind whose keys pydantic checks entirely."""


# ------------------------------------------------------------------- expression helpers


def dec(value: Decimal | int) -> pl.Expr:
    return exact(value)


def no_number() -> pl.Expr:
    return pl.lit(None, dtype=ENGINE)


def number_or_none(value: Decimal | None) -> pl.Expr:
    return dec(value) if value is not None else no_number()


def value_of(context: Context, value: Decimal | str) -> pl.Expr:
    """A row value or a case: a number, or a formula (a parameter's name is one)."""
    return context.formula(value) if isinstance(value, str) else dec(value)


def rendered(text: str) -> str:
    """A formula as written (normalised): for messages about the rules file."""
    return render(parse(text))


def one_line(context: Context, text: str | None) -> str:
    """A condition in the explanation's words, or "" when there is none."""
    return context.rendered(text) if text else ""


def recorded(value: pl.Expr, unit: str) -> pl.Expr:
    """A value as a trace keeps it: text, or exact to the engine's ten places."""
    return value.cast(pl.Utf8) if unit == "text" else value.cast(ENGINE)


def formula_unit(context: Context, text: str) -> str:
    """The unit of a formula that is a bare name (net_sales → money), else number."""
    return context.unit_of(text.strip())


def scope_mask(scope: Scope) -> pl.Expr:
    # A column, not a literal, so sums and windows over the mask count rows.
    mask = pl.col("agent_id").is_not_null()
    for name in ("role", "grade", "team"):
        allowed = getattr(scope, name)
        if allowed:
            mask = mask & pl.col(name).is_in(list(allowed))
    return mask


def scope_words(scope: Scope, context: Context) -> str:
    """'role=agent, grade=初级/中级' ('岗位=客服，职级=初级/中级'), or '' for everyone."""
    out = []
    for name in ("role", "grade", "team"):
        values = getattr(scope, name)
        if values:
            shown = (
                [word("role", v, context.lang) or v for v in values] if name == "role" else values
            )
            out.append(f"{context.label(name)}={'/'.join(shown)}")
    return context.text("why.scope_separator").join(out)


def scope_text(scope: Scope, context: Context) -> str:
    words = scope_words(scope, context)
    return context.text("why.scope", words=words) if words else ""


def inside(value: pl.Expr, start: Decimal | None, end: Decimal | None) -> pl.Expr:
    """value in [start, end); a missing bound is open."""
    holds = pl.lit(True)
    if start is not None:
        holds = holds & (value >= dec(start))
    if end is not None:
        holds = holds & (value < dec(end))
    return holds


def interval(start: Decimal | None, end: Decimal | None, unit: str, lang: str) -> str:
    if start is None and end is not None:
        return f"< {show_number(end, unit)}"
    if end is None and start is not None:
        return f"≥ {show_number(start, unit)}"
    if start is None or end is None:
        return t("why.any", lang)
    return f"[{show_number(start, unit)}, {show_number(end, unit)})"
