"""The pay engine: compile a rule set into Polars expressions over the per-agent frame.

Each component becomes three columns: ``<id>`` (its amount — a pay line rounded half-up to
the fen, or an intermediate value with ten places), ``<id>__why`` (a plain explanation built
by the same vectorised plan) and ``<id>__raw`` (the amount before the one rounding), plus
``<id>__trace``, a struct of what the computation went through for this person — the value
of each name or team aggregate it read, and what its kind records (the row reached, the
rank and the field, the quota …): ``explain`` renders that record and
computes nothing again. Components are added in dependency order, so a component can read
the rounded amounts of the ones it depends on, exactly as a payslip shows them. What a kind
computes is its module's ``compile`` (rules/kinds/); the engine adds what every kind shares.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

import polars as pl

from csincentive.core.diagnostics import Diagnostic
from csincentive.core.display import phrase, show_expr
from csincentive.core.messages import Lang, language_of, t, word
from csincentive.core.money import ENGINE, PAY, to_fen
from csincentive.core.names import ATTENDANCE, CALENDAR, METRICS, ROSTER
from csincentive.formula import (
    HISTORY_FUNCTIONS,
    Call,
    Formula,
    Words,
    compile_formula,
    explain_terms,
    parse,
    render,
    this_month_names,
)
from csincentive.rules.kinds import kind_of
from csincentive.rules.kinds.base import (
    Compiled,
    ComponentBase,
    Picks,
    Ranks,
    Scores,
    Shares,
    companion_name,
    dec,
    recorded,
    scope_mask,
)
from csincentive.rules.locate import dotted
from csincentive.rules.model import RuleSet, formula_fields
from csincentive.rules.names import companions, scheme_names

WHY = "__why"
FLAG = "__flag"
RAW = "__raw"  # the amount before the one rounding, for `explain`
TRACE = "__trace"  # what the computation of a line went through, for `explain`
PROBLEM = "__problem_"  # + a code: a kind's problem found while computing, per person
# prorate = … → (days counted, out of, the message of the explanation)
PRORATION = {
    "days_employed": ("days_employed", "days_in_month", "why.days_employed"),
    "worked_days": ("worked_days", "scheduled_days", "why.worked_days"),
}
# Where a name a formula reads comes from, for the reader of an explanation.
_BUILTIN_SOURCES = {
    **{n.name: "metric" for n in METRICS},
    **{n.name: "roster" for n in ROSTER},
    **{n.name: "calendar" for n in CALENDAR},
    **{n.name: "attendance" for n in ATTENDANCE},
}


@dataclass(frozen=True)
class Read:
    """A name (or a team aggregate as a whole) a component reads; its value for each person
    is in the component's trace as ``input<i>``."""

    text: str
    source: str  # component, parameter, metric, roster, calendar, event, team aggregate …
    used_in: tuple[str, ...]  # the component's keys that read it: expr, rows[1].value …
    unit: str  # how its value is shown

    @staticmethod
    def value(i: int) -> str:
        return f"input{i}"


@dataclass(frozen=True)
class Step:
    """Columns the plan adds for one rule, and which: a component's amount (``part`` ""),
    its flag ("flag_when") or its trace ("trace"); or, with no ``component``, the total at
    index ``total`` of the rules' totals."""

    columns: list[pl.Expr]
    component: str = ""
    part: str = ""
    total: int = 0


def is_overflow(error: Exception) -> bool:
    """Polars' error for a Decimal that does not fit (a product, a sum over a team …)."""
    return "overflow" in str(error)


@dataclass(frozen=True)
class CompiledLine:
    id: str
    label: str
    rule: str
    pays: bool
    unit: str
    kind: str = ""
    reads: tuple[Read, ...] = ()
    picks: Picks | None = None  # a table or a matrix: the trace has the row reached
    ranks: Ranks | None = None  # a rank or an award: the trace has each person's place
    scores: Scores | None = None  # a scorecard: the trace has each item's points
    shares: Shares | None = None  # a pool: the trace has the share and its remainder
    problems: tuple[str, ...] = ()  # the codes of the problems the kind looks for


class Compiler:
    """Turns one rule set into (column name, expression) steps. ``lang``: the language the
    explanations are written in (``[scheme] language`` unless given; Chinese by default):
    in Chinese a name reads as its label (a component's, an event's, a metric's words)."""

    def __init__(self, rules: RuleSet, lang: str | None = None) -> None:
        self.rules = rules
        self.lang: Lang = language_of(lang or rules.language)
        self.order = dependency_order(rules)
        self.names = scheme_names(rules)
        self.companions = companions(rules)
        keywords = ("and", "or", "not", "true", "false")
        self.words = Words(self.label, {k: t(f"formula.{k}", self.lang) for k in keywords})

    # -- words --------------------------------------------------------------------------
    def label(self, name: str) -> str:
        """A name as the explanations show it: itself in English; in Chinese the shop's
        label of a component or event, a built-in's words, else the name as written."""
        if self.lang == "en":
            return name
        rules = self.rules
        if name in rules.components:
            return rules.components[name].label
        if name in self.companions:
            owner = rules.components[self.companions[name][0]]
            return t("why.grade_of", self.lang, label=owner.label)
        if name in rules.events:
            return rules.events[name].label
        event = name[: -len("_amount")] if name.endswith("_amount") else ""
        if event in rules.events:
            return t("why.event_amount", self.lang, label=rules.events[event].label)
        return word("name", name, self.lang) or name

    def rendered(self, text: str) -> str:
        """A formula as the explanations print it, in the reader's words."""
        return render(parse(text), self.words)

    def says(self, key: str, /, **parts: str | pl.Expr) -> pl.Expr:
        """A catalogue message in the explanations' language, per person."""
        return phrase(key, self.lang, **parts)

    def text(self, key: str, /, **values: object) -> str:
        """A catalogue message in the explanations' language."""
        return t(key, self.lang, **values)

    # -- names --------------------------------------------------------------------------
    def resolve(self, name: str) -> pl.Expr:
        if self.unit_of(name) == "text":
            return pl.col(name).cast(pl.Utf8)
        if name in self.rules.params:
            return dec(self.rules.params[name])
        return pl.col(name).cast(ENGINE)

    def shown(self, name: str) -> pl.Expr:
        """A name as this month's lines show it, for the ledger functions: a component shown
        as money (a pay line, or format = "money") at the fen, as month.history reads the
        earlier months, so quarter_sum(x) adds exactly the amounts the monthly lines showed."""
        if name in self.rules.components and self.unit_of(name) == "money":
            return to_fen(pl.col(name).cast(ENGINE)).cast(ENGINE)
        return self.resolve(name)

    def unit_of(self, name: str) -> str:
        known = self.names.get(name)
        return known.unit if known else "number"

    def number(self, value: Decimal | str) -> Decimal:
        """A fixed amount written as a number or as the name of a parameter."""
        return self.rules.params[value] if isinstance(value, str) else value

    def formula(self, text: str) -> pl.Expr:
        return compile_formula(parse(text), self.resolve, shown=self.shown)

    def inputs_shown(self, texts: list[str]) -> pl.Expr | None:
        """'net_sales=52340.00; role=agent' for the values a formula reads (parameters
        included, so the clerk sees every number); a team aggregate shows its result."""
        terms: dict[str, Formula] = {}
        for text in texts:
            for term in explain_terms(parse(text)):
                terms.setdefault(term.text, term)
        if not terms:
            return None
        parts: list[pl.Expr] = []
        separator = self.text("why.separator")
        for i, (text, term) in enumerate(terms.items()):
            unit = self.unit_of(text) if text in term.names else self.aggregate_unit(term)
            parts.append(pl.lit((separator if i else "") + f"{render(term, self.words)}="))
            value = compile_formula(term, self.resolve, shown=self.shown)
            parts.append(show_expr(value, unit).fill_null("—"))
        return pl.concat_str(parts)

    def aggregate_unit(self, term: Formula) -> str:
        """team_sum(net_sales) is money; team_count(...) and sums of counts are counts."""
        if term.text.startswith(("team_mean", "quarter_mean", "year_mean", "months_in_a_row")):
            return "number"  # a mean of fen amounts has more places than the fen; show them
        units = {self.unit_of(n) for n in term.names if self.unit_of(n) != "text"}
        return units.pop() if len(units) == 1 else "number"

    # -- components ---------------------------------------------------------------------
    @cached_property
    def compiled(self) -> dict[str, Compiled]:
        """Each component's kind compiled once, in dependency order."""
        components = self.rules.components
        return {cid: kind_of(components[cid]).compile(components[cid], self) for cid in self.order}

    def lines(self) -> list[CompiledLine]:
        out = []
        for cid in self.order:
            component, compiled = self.rules.components[cid], self.compiled[cid]
            out.append(
                CompiledLine(
                    *(cid, component.label, component.rule, component.pay, self.unit_of(cid)),
                    kind=kind_of(component).name,
                    reads=tuple(read for read, _ in self.reads(component)),
                    picks=compiled.picks,
                    ranks=compiled.ranks,
                    scores=compiled.scores,
                    shares=compiled.shares,
                    problems=tuple(compiled.problems),
                )
            )
        return out

    def apply(self, frame: pl.LazyFrame) -> pl.LazyFrame:
        for together in self.steps():
            frame = frame.with_columns(column for step in together for column in step.columns)
        return frame

    def steps(self) -> list[list[Step]]:
        """The plan as columns added in turn: each inner list is one ``with_columns``, each
        step in it the columns one rule adds (so a failing step names its rule)."""
        steps: list[list[Step]] = []
        for cid in self.order:
            component = self.rules.components[cid]
            amount, why, raw = self.component(cid, component)
            columns = [amount.alias(cid), why.alias(cid + WHY), raw.alias(cid + RAW)]
            steps.append([Step([*columns, *self.extras(cid, component)], cid)])
            if component.flag_when and component.flag:
                # After the amount, so a flag can read its own component's value.
                raised = self.formula(component.flag_when).fill_null(False)
                raised = raised & scope_mask(component.applies_to)
                flag = pl.when(raised).then(pl.lit(component.flag)).alias(cid + FLAG)
                steps.append([Step([flag], cid, "flag_when")])
        pay_ids = [cid for cid in self.order if self.rules.components[cid].pay]
        total = pl.sum_horizontal([pl.col(c) for c in pay_ids]) if pay_ids else dec(0)
        steps.append([Step([total.cast(PAY).alias(self.rules.total.id)])])
        for i, later in enumerate(self.rules.totals[1:], start=1):  # net pay …: a formula
            assert later.expr is not None  # the checks refuse a later total without one
            to_pay = to_fen(self.formula(later.expr)).alias(later.id)
            steps.append([Step([to_pay], total=i)])
        # Last, over the finished month: a trace reads amounts as the payslip shows them
        # (a flag may read its own line), and team aggregates see everyone.
        traces = ((cid, self.trace(cid)) for cid in self.order)
        steps.append([Step([trace], cid, "trace") for cid, trace in traces if trace is not None])
        return steps

    def first_overflow(self, frame: pl.LazyFrame) -> tuple[Step, pl.exceptions.PolarsError] | None:
        """The first step whose value does not fit the engine, and Polars' error: each step
        collected on its own over the one before. Only for a plan that failed, so a month
        that computes fine never pays for it; None when every step fits on its own."""
        done = frame.collect()
        for step in (step for together in self.steps() for step in together):
            try:
                done = done.lazy().with_columns(step.columns).collect()
            except pl.exceptions.ComputeError as error:
                if is_overflow(error):
                    return step, error
                raise
        return None

    def component(self, cid: str, component: ComponentBase) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
        """(amount, explanation, the amount before rounding) of one component."""
        compiled = self.compiled[cid]
        amount, why = self._limits(component, compiled.amount.cast(ENGINE), compiled.why)
        if component.deduct:
            amount = -amount
            why = self.says("why.deducted", why=why)
        raw = amount
        if component.pay:
            amount = to_fen(amount)
        # A lookup with no matching row and no default has no value: say so (the pipeline
        # then refuses the month) rather than lose the whole explanation.
        shown = show_expr(amount, self.unit_of(cid)).fill_null(self.text("why.no_value"))
        why = pl.concat_str([why, pl.lit(" = "), shown])
        applies = scope_mask(component.applies_to)
        if compiled.field is not None:
            applies = applies & compiled.field  # outside a rank's field: no line
        zero = dec(0).cast(PAY) if component.pay else dec(0)
        if component.when:
            condition = self.formula(component.when).fill_null(False)
            reason = component.note or self.rendered(component.when)
            unmet = self.text("why.not_met", reason=reason)
            why = pl.when(condition).then(why).otherwise(pl.lit(unmet))
            amount = pl.when(condition).then(amount).otherwise(zero)
            raw = pl.when(condition).then(raw).otherwise(dec(0))
        amount = pl.when(applies).then(amount).otherwise(zero)
        raw = pl.when(applies).then(raw).otherwise(dec(0))
        why = pl.when(applies).then(why).otherwise(pl.lit(None, dtype=pl.Utf8))
        return amount, why, raw

    def extras(self, cid: str, component: ComponentBase) -> list[pl.Expr]:
        """A kind's companions (kpi_grade: none where the line does not apply or its
        `when` fails) and the problems it found (<id>__problem_<code>)."""
        compiled = self.compiled[cid]
        shown = scope_mask(component.applies_to)
        if compiled.field is not None:
            shown = shown & compiled.field
        if component.when and compiled.columns:
            shown = shown & self.formula(component.when).fill_null(False)
        out = [
            pl.when(shown).then(expr).alias(companion_name(cid, suffix))
            for suffix, expr in compiled.columns.items()
        ]
        out += [expr.alias(cid + PROBLEM + code) for code, expr in compiled.problems.items()]
        return out

    # -- what explain renders -----------------------------------------------------------
    def trace(self, cid: str) -> pl.Expr | None:
        """``<id>__trace``: each value the component read and what its kind recorded, for
        every person (values, not text: showing them is left to whoever reads them); None
        for a constant, which reads and records nothing."""
        fields = {
            Read.value(i): recorded(self.formula(term.text), read.unit)
            for i, (read, term) in enumerate(self.reads(self.rules.components[cid]))
        }
        fields.update(self.compiled[cid].records)
        if not fields:
            return None
        return pl.struct([expr.alias(name) for name, expr in fields.items()]).alias(cid + TRACE)

    def reads(self, component: ComponentBase) -> list[tuple[Read, Formula]]:
        """Each term a component reads (a name, or a team aggregate as a whole), in order
        of first appearance, with the keys of the component that read it."""
        found: dict[str, tuple[Formula, list[str]]] = {}
        written = [
            *((where, parse(name)) for where, name in component.field_reads().items()),
            *(
                (where, term)
                for where, text in component.formula_fields().items()
                for term in explain_terms(parse(text))
            ),
            *((where, parse(name)) for where, name in component.param_references().items()),
        ]
        for where, term in written:
            _, used = found.setdefault(term.text, (term, []))
            if dotted(where) not in used:
                used.append(dotted(where))
        return [
            (Read(text, self._source(term), tuple(used), self._unit(term)), term)
            for text, (term, used) in found.items()
        ]

    def _unit(self, term: Formula) -> str:
        return self.aggregate_unit(term) if isinstance(term.root, Call) else self.unit_of(term.text)

    def _source(self, term: Formula) -> str:
        text = term.text
        if isinstance(term.root, Call):
            if term.root.name in HISTORY_FUNCTIONS:
                return HISTORY_FUNCTIONS[term.root.name].source
            return "team aggregate"
        if text in self.rules.components:
            return "component"
        if text in self.companions:
            return self.companions[text][1].meaning
        if text in self.rules.params:
            return "parameter"
        events = self.rules.events
        if text in events or (text.endswith("_amount") and text[: -len("_amount")] in events):
            return "event"
        if text in self.rules.inputs.manual:
            return "manual input"
        if text in self.rules.inputs.roster_fields:
            return "roster"
        return _BUILTIN_SOURCES.get(text, "value")

    def _limits(
        self, component: ComponentBase, amount: pl.Expr, why: pl.Expr
    ) -> tuple[pl.Expr, pl.Expr]:
        """cap/floor, then proration by days employed (both before the one rounding)."""
        for bound, keep_if, key in (
            (component.cap, "le", "why.capped"),
            (component.floor, "ge", "why.floored"),
        ):
            if bound is None:
                continue
            limit = self.formula(bound) if isinstance(bound, str) else dec(bound)
            inside = amount <= limit if keep_if == "le" else amount >= limit
            why = (
                pl.when(inside)
                .then(why)
                .otherwise(pl.concat_str([why, self.says(key, limit=show_expr(limit, "number"))]))
            )
            amount = pl.when(inside).then(amount).otherwise(limit)
        if component.prorate is not None:
            part, whole, key = PRORATION[component.prorate]
            share = pl.col(part).cast(ENGINE) / pl.col(whole).cast(ENGINE)
            share = pl.when(pl.col(whole).cast(ENGINE) == dec(0)).then(dec(0)).otherwise(share)
            amount = amount * share.cast(ENGINE)
            days = {"part": show_expr(pl.col(part), "number")}
            days["whole"] = show_expr(pl.col(whole), "number")
            why = pl.concat_str([why, self.says(key, **days)])
        return amount.cast(ENGINE), why


def dependency_order(rules: RuleSet) -> list[str]:
    """Components in file order, each after the components it reads (validated acyclic)."""
    # A companion (kpi_grade) is read from the component that gives it.
    owner = {cid: cid for cid in rules.components}
    owner.update({name: cid for name, (cid, _) in companions(rules).items()})
    reads: dict[str, set[str]] = {}
    for cid, component in rules.components.items():
        names: set[str] = set(component.field_reads().values())  # a match on kpi_grade
        for text in formula_fields(component).values():
            names |= this_month_names(parse(text))  # year_sum_before(x) needs no x yet
        reads[cid] = {owner[n] for n in names if n in owner and owner[n] != cid}
    order: list[str] = []
    placed: set[str] = set()

    def place(cid: str, trail: tuple[str, ...]) -> None:
        if cid in placed or cid in trail:
            return
        for dep in sorted(reads[cid], key=list(rules.components).index):
            place(dep, (*trail, cid))
        placed.add(cid)
        order.append(cid)

    for cid in rules.components:
        place(cid, ())
    return order


def values_of(computed: pl.DataFrame) -> pl.DataFrame:
    """Every figure of a computed month per person, without the explanations, flags and
    traces: what the ledger keeps."""
    return computed.select(
        c for c in computed.columns if not c.endswith((WHY, FLAG, TRACE)) and PROBLEM not in c
    )


def traces_of(computed: pl.DataFrame) -> pl.DataFrame:
    """agent_id and every ``<id>__trace`` of a computed month (what ``explain`` reads)."""
    return computed.select("agent_id", *(c for c in computed.columns if c.endswith(TRACE)))


def problems_of(
    computed: pl.DataFrame, meta: list[CompiledLine], rules: RuleSet, rules_file: str
) -> list[Diagnostic]:
    """The problems the kinds found while computing the month (a pool nobody shares …), at
    the component that found them: one per distinct message, in agent_id order."""
    found: list[Diagnostic] = []
    people = computed.sort("agent_id")
    for line in meta:
        written = rules.written.get(line.id)
        at = written.at() if written is not None else None
        for code in line.problems:
            messages = people[line.id + PROBLEM + code].drop_nulls().unique(maintain_order=True)
            for message in messages:
                found.append(
                    Diagnostic(
                        at.file if at is not None else rules_file,
                        message,
                        code,
                        at.line if at is not None else None,
                        at.col if at is not None else None,
                        f"components.{line.id}",
                        "warning" if code.startswith("W") else "error",
                    )
                )
    return found


__all__ = [
    "CompiledLine",
    "Compiler",
    "Read",
    "Step",
    "is_overflow",
    "dependency_order",
    "problems_of",
    "traces_of",
    "values_of",
]
