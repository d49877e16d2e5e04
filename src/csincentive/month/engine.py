"""The pay engine: compile a rule set into Polars expressions over the per-agent frame.

Each component becomes two columns: ``<id>`` (its amount — a pay line rounded half-up to the
fen, or an intermediate value with ten places) and ``<id>__why`` (a plain explanation built
by the same vectorised plan). Components are added in dependency order, so a component can
read the rounded amounts of the ones it depends on, exactly as a payslip shows them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import polars as pl

from csincentive.core.display import show_expr, show_number
from csincentive.core.money import ENGINE, PAY, plain, to_fen
from csincentive.formula import (
    Formula,
    compile_formula,
    explain_terms,
    is_condition,
    parse,
    render,
    this_month_names,
)
from csincentive.rules.model import (
    AwardComponent,
    ComponentBase,
    FormulaComponent,
    LadderComponent,
    MarginalComponent,
    MatchComponent,
    MatrixComponent,
    RankComponent,
    RateComponent,
    RuleSet,
    Scope,
    TableComponent,
    formula_fields,
)
from csincentive.rules.names import scheme_names

WHY = "__why"
FLAG = "__flag"
RAW = "__raw"  # the amount before the one rounding, for `explain`
# prorate = … → (days counted, out of, words for the explanation)
PRORATION = {
    "days_employed": ("days_employed", "days_in_month", "days employed"),
    "worked_days": ("worked_days", "scheduled_days", "days worked"),
}


def dec(value: Decimal | int) -> pl.Expr:
    return pl.lit(Decimal(value), dtype=ENGINE)


@dataclass(frozen=True)
class CompiledLine:
    id: str
    label: str
    rule: str
    pays: bool
    unit: str


class Compiler:
    """Turns one rule set into (column name, expression) steps."""

    def __init__(self, rules: RuleSet) -> None:
        self.rules = rules
        self.order = dependency_order(rules)
        self.names = scheme_names(rules)

    # -- names --------------------------------------------------------------------------
    def resolve(self, name: str) -> pl.Expr:
        if self.unit_of(name) == "text":
            return pl.col(name).cast(pl.Utf8)
        if name in self.rules.params:
            return dec(self.rules.params[name])
        return pl.col(name).cast(ENGINE)

    def unit_of(self, name: str) -> str:
        known = self.names.get(name)
        return known.unit if known else "number"

    def number(self, value: Decimal | str) -> Decimal:
        """A fixed amount written as a number or as the name of a parameter."""
        return self.rules.params[value] if isinstance(value, str) else value

    def formula(self, text: str) -> pl.Expr:
        return compile_formula(parse(text), self.resolve)

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
        for i, (text, term) in enumerate(terms.items()):
            unit = self.unit_of(text) if text in term.names else self.aggregate_unit(term)
            parts.append(pl.lit(("; " if i else "") + f"{text}="))
            value = compile_formula(term, self.resolve)
            parts.append(show_expr(value, unit).fill_null("—"))
        return pl.concat_str(parts)

    def aggregate_unit(self, term: Formula) -> str:
        """team_sum(net_sales) is money; team_count(...) and sums of counts are counts."""
        if term.text.startswith(("team_mean", "quarter_mean", "year_mean", "months_in_a_row")):
            return "number"  # a mean of fen amounts has more places than the fen; show them
        units = {self.unit_of(n) for n in term.names if self.unit_of(n) != "text"}
        return units.pop() if len(units) == 1 else "number"

    # -- components ---------------------------------------------------------------------
    def lines(self) -> list[CompiledLine]:
        return [
            CompiledLine(cid, c.label, c.rule, c.pay, self.unit_of(cid))
            for cid, c in ((cid, self.rules.components[cid]) for cid in self.order)
        ]

    def apply(self, frame: pl.LazyFrame) -> pl.LazyFrame:
        for cid in self.order:
            component = self.rules.components[cid]
            amount, why, raw = self.component(cid, component)
            frame = frame.with_columns(
                amount.alias(cid), why.alias(cid + WHY), raw.alias(cid + RAW)
            )
            if component.flag_when and component.flag:
                # After the amount, so a flag can read its own component's value.
                raised = self.formula(component.flag_when).fill_null(False)
                raised = raised & scope_mask(component.applies_to)
                frame = frame.with_columns(
                    pl.when(raised).then(pl.lit(component.flag)).alias(cid + FLAG)
                )
        pay_ids = [cid for cid in self.order if self.rules.components[cid].pay]
        total = pl.sum_horizontal([pl.col(c) for c in pay_ids]) if pay_ids else dec(0)
        frame = frame.with_columns(total.cast(PAY).alias(self.rules.total.id))
        for later in self.rules.totals[1:]:  # net pay …: a formula over what came before
            assert later.expr is not None  # the checks refuse a later total without one
            frame = frame.with_columns(to_fen(self.formula(later.expr)).alias(later.id))
        return frame

    def component(self, cid: str, component: ComponentBase) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
        """(amount, explanation, the amount before rounding) of one component."""
        builders: dict[type, Callable[..., tuple[pl.Expr, pl.Expr]]] = {
            FormulaComponent: self._formula,
            RateComponent: self._rate,
            TableComponent: self._table,
            MarginalComponent: self._marginal,
            MatchComponent: self._match,
            RankComponent: self._rank,
            LadderComponent: self._ladder,
            AwardComponent: self._award,
            MatrixComponent: self._matrix,
        }
        builder = builders[type(component)]
        amount, why = builder(component)
        amount, why = self._limits(component, amount.cast(ENGINE), why)
        if component.deduct:
            amount = -amount
            why = pl.concat_str([pl.lit("deducted: "), why])
        unit = self.unit_of(cid)
        raw = amount
        if component.pay:
            amount = to_fen(amount)
        # A lookup with no matching row and no default has no value: say so (the pipeline
        # then refuses the month) rather than lose the whole explanation.
        shown = show_expr(amount, unit).fill_null("no value")
        why = pl.concat_str([why, pl.lit(" = "), shown])
        applies = scope_mask(component.applies_to)
        if isinstance(component, (RankComponent, AwardComponent)):
            applies = applies & scope_mask(component.among)  # outside the field: no line
        zero = dec(0).cast(PAY) if component.pay else dec(0)
        if component.when:
            condition = self.formula(component.when).fill_null(False)
            reason = component.note or render(parse(component.when))
            why = pl.when(condition).then(why).otherwise(pl.lit(f"0: condition not met ({reason})"))
            amount = pl.when(condition).then(amount).otherwise(zero)
            raw = pl.when(condition).then(raw).otherwise(dec(0))
        amount = pl.when(applies).then(amount).otherwise(zero)
        raw = pl.when(applies).then(raw).otherwise(dec(0))
        why = pl.when(applies).then(why).otherwise(pl.lit(None, dtype=pl.Utf8))
        return amount, why, raw

    def _limits(
        self, component: ComponentBase, amount: pl.Expr, why: pl.Expr
    ) -> tuple[pl.Expr, pl.Expr]:
        """cap/floor, then proration by days employed (both before the one rounding)."""
        for bound, keep_if, word in (
            (component.cap, "le", "capped at"),
            (component.floor, "ge", "raised to the floor"),
        ):
            if bound is None:
                continue
            limit = self.formula(bound) if isinstance(bound, str) else dec(bound)
            inside = amount <= limit if keep_if == "le" else amount >= limit
            why = (
                pl.when(inside)
                .then(why)
                .otherwise(pl.concat_str([why, pl.lit(f"; {word} "), show_expr(limit, "number")]))
            )
            amount = pl.when(inside).then(amount).otherwise(limit)
        if component.prorate is not None:
            part, whole, words = PRORATION[component.prorate]
            share = pl.col(part).cast(ENGINE) / pl.col(whole).cast(ENGINE)
            share = pl.when(pl.col(whole).cast(ENGINE) == dec(0)).then(dec(0)).otherwise(share)
            amount = amount * share.cast(ENGINE)
            why = pl.concat_str(
                [
                    why,
                    pl.lit(" × "),
                    show_expr(pl.col(part), "number"),
                    pl.lit("/"),
                    show_expr(pl.col(whole), "number"),
                    pl.lit(f" {words}"),
                ]
            )
        return amount.cast(ENGINE), why

    def _formula(self, component: FormulaComponent) -> tuple[pl.Expr, pl.Expr]:
        amount = self.formula(component.expr)
        if is_condition(parse(component.expr)):  # a yes/no line counts 1 or 0
            amount = pl.when(amount.fill_null(False)).then(dec(1)).otherwise(dec(0))
        text = render(parse(component.expr))
        shown = self.inputs_shown([component.expr])
        why = pl.lit(text) if shown is None else pl.concat_str([pl.lit(text + " with "), shown])
        return amount, why

    def _rate(self, component: RateComponent) -> tuple[pl.Expr, pl.Expr]:
        base = self.formula(component.base)
        amount = base * dec(component.rate)
        base_text = render(parse(component.base))
        why = pl.concat_str(
            [
                pl.lit(base_text + " "),
                show_expr(base, self._formula_unit(component.base)),
                pl.lit(f" × {show_number(component.rate, 'ratio')}"),
            ]
        )
        return amount, why

    def _formula_unit(self, text: str) -> str:
        """The unit of a formula that is a bare name (net_sales → money), else number."""
        return self.unit_of(text.strip())

    def _table(self, component: TableComponent) -> tuple[pl.Expr, pl.Expr]:
        on = self.formula(component.on)
        unit = self._formula_unit(component.on)
        value: pl.Expr = (
            dec(component.default) if component.default is not None else pl.lit(None, dtype=ENGINE)
        )
        label: pl.Expr = pl.lit(
            "no row matches" if component.default is None else "no row → default"
        )
        for row in reversed(component.rows):
            inside = pl.lit(True)
            if row.from_ is not None:
                inside = inside & (on >= dec(row.from_))
            if row.below is not None:
                inside = inside & (on < dec(row.below))
            row_value = self.formula(row.value) if isinstance(row.value, str) else dec(row.value)
            value = pl.when(inside).then(row_value).otherwise(value)
            text = _interval(row.from_, row.below, unit) + (f" {row.note}" if row.note else "")
            label = pl.when(inside).then(pl.lit(text)).otherwise(label)
        on_text = render(parse(component.on))
        why_parts = [
            pl.lit(on_text + " "),
            show_expr(on, unit),
            pl.lit(" → "),
            label,
            pl.lit(" → "),
        ]
        if component.times is None:
            amount = value
            if component.format == "percent":  # a percentage reads as one, not as a factor
                why_parts += [show_expr(value, "ratio")]
            else:
                why_parts += [pl.lit("" if component.pay else "×"), show_expr(value, "number")]
        else:
            times = self.formula(component.times)
            amount = value * times
            why_parts += [
                show_expr(value, "number"),
                pl.lit(f" × {render(parse(component.times))} "),
                show_expr(times, self._formula_unit(component.times)),
            ]
        return amount, pl.concat_str(why_parts)

    def _marginal(self, component: MarginalComponent) -> tuple[pl.Expr, pl.Expr]:
        on = self.formula(component.on)
        unit = self._formula_unit(component.on)
        amount = dec(0)
        pieces: list[pl.Expr] = []
        for row in component.rows:
            top = on if row.below is None else pl.min_horizontal(on, dec(row.below))
            slice_ = pl.max_horizontal(top - dec(row.from_), dec(0)).cast(ENGINE)
            amount = amount + slice_ * dec(row.rate)
            text = f"{_interval(row.from_, row.below, unit)} × {show_number(row.rate, 'ratio')}"
            pieces.append(
                pl.when(slice_ > dec(0)).then(
                    pl.concat_str([pl.lit(text + " on "), show_expr(slice_, unit)])
                )
            )
        on_text = render(parse(component.on))
        why = pl.concat_str(
            [
                pl.lit(on_text + " "),
                show_expr(on, unit),
                pl.lit(": "),
                pl.concat_str(pieces, separator=" + ", ignore_nulls=True),
            ]
        )
        return amount, why

    def _match(self, component: MatchComponent) -> tuple[pl.Expr, pl.Expr]:
        key = pl.col(component.on).cast(pl.Utf8)
        default = (
            dec(component.default) if component.default is not None else pl.lit(None, dtype=ENGINE)
        )
        amount = default
        for case, value in reversed(component.cases.items()):
            case_value = self.formula(value) if isinstance(value, str) else dec(value)
            amount = pl.when(key == case).then(case_value).otherwise(amount)
        known = key.is_in(list(component.cases))
        fallback = (
            "not listed → default" if component.default is not None else "not listed, no default"
        )
        why = pl.concat_str(
            [
                pl.lit(f"{component.on} "),
                key,
                pl.when(known).then(pl.lit("")).otherwise(pl.lit(f" ({fallback})")),
            ]
        )
        return amount, why

    def _rank(self, component: RankComponent) -> tuple[pl.Expr, pl.Expr]:
        member = scope_mask(component.among)
        by = self.formula(component.by)
        ranked_value = pl.when(member).then(by).otherwise(pl.lit(None, dtype=ENGINE))
        descending = component.order == "desc"
        rank = ranked_value.rank(method="min", descending=descending)
        field = member.cast(pl.Int64).sum()
        if component.within == "team":
            rank, field = rank.over("team"), field.over("team")
        prize: pl.Expr = dec(0)
        for place, amount in reversed(list(enumerate(component.prizes, start=1))):
            prize = pl.when(rank == place).then(dec(self.number(amount))).otherwise(prize)
        unit = self._formula_unit(component.by)
        among = _scope_text(component.among)
        where = " in the team" if component.within == "team" else ""
        parts = [
            pl.lit(render(parse(component.by)) + " "),
            show_expr(by, unit),
            pl.lit(" → rank "),
            rank.cast(pl.Utf8).fill_null("—"),
            pl.lit(" of "),
            field.cast(pl.Utf8),
            pl.lit(f"{among}{where}"),
        ]
        if component.eligible:
            ok = self.formula(component.eligible).fill_null(False)
            prize = pl.when(ok).then(prize).otherwise(dec(0))
            parts.append(
                pl.when(ok | (rank > len(component.prizes)))
                .then(pl.lit(""))
                .otherwise(pl.lit(f"; not eligible ({_one_line(component.eligible)} fails)"))
            )
        prize = pl.when(rank.is_null()).then(dec(0)).otherwise(prize)
        return prize, pl.concat_str(parts)

    def _ladder(self, component: LadderComponent) -> tuple[pl.Expr, pl.Expr]:
        """Σ of the per-occurrence amounts after the free ones (S000-12/13, S001-02)."""
        count = self.formula(component.count)
        charged = pl.max_horizontal(count - dec(component.free), dec(0)).cast(pl.Int64)
        amounts = [self.number(a) for a in component.amounts]
        prefix = [sum(amounts[:k], Decimal(0)) for k in range(len(amounts) + 1)]
        last, beyond = amounts[-1], (charged - len(amounts)).clip(lower_bound=0)
        if component.after == "repeat":
            past = dec(prefix[-1]) + beyond.cast(ENGINE) * dec(last)
            past_text = (
                pl.when(beyond == 1)
                .then(pl.lit(f" + {plain(last)}"))
                .otherwise(
                    pl.concat_str(
                        [pl.lit(" + "), beyond.cast(pl.Utf8), pl.lit(f" × {plain(last)}")]
                    )
                )
            )
        elif component.after == "double":
            # a, 2a, 4a …: the k occurrences past the list add last × (2^(k+1) − 2).
            doubling = pl.lit(2, dtype=pl.Int64).pow(beyond.clip(upper_bound=60) + 1) - 2
            past = dec(prefix[-1]) + doubling.cast(ENGINE) * dec(last)
            past_text = pl.concat_str(
                [pl.lit(" + "), beyond.cast(pl.Utf8), pl.lit(" more, doubling")]
            )
        else:
            past = dec(prefix[-1])
            past_text = pl.lit(f"; no amount after the first {len(amounts)}")
        amount: pl.Expr = past
        terms: pl.Expr = pl.concat_str([pl.lit(" + ".join(plain(a) for a in amounts)), past_text])
        for k in range(len(amounts), -1, -1):
            shown = " + ".join(plain(a) for a in amounts[:k]) or "nothing"
            amount = pl.when(charged == k).then(dec(prefix[k])).otherwise(amount)
            terms = pl.when(charged == k).then(pl.lit(shown)).otherwise(terms)
        free = f", first {component.free} a warning only" if component.free else ""
        why = pl.concat_str(
            [
                pl.lit(render(parse(component.count)) + " "),
                show_expr(count, "count"),
                pl.when(count == dec(1)).then(pl.lit(" time")).otherwise(pl.lit(" times")),
                pl.lit(f"{free}: "),
                terms,
            ]
        )
        return amount, why

    def _award(self, component: AwardComponent) -> tuple[pl.Expr, pl.Expr]:
        """S000-10/11: the best eligible people per team win, one per `per_members`
        members (rounded up); nominations from inputs.csv take precedence."""
        member = scope_mask(component.among)
        by = self.formula(component.by)
        eligible = (
            self.formula(component.eligible).fill_null(False)
            if component.eligible
            else pl.lit(True)
        )
        nominated = (
            self.formula(component.nominated).fill_null(False) & member
            if component.nominated
            else pl.lit(False)
        )
        descending = component.order == "desc"

        def within(expr: pl.Expr) -> pl.Expr:
            return expr.over("team") if component.within == "team" else expr

        size = within(member.cast(pl.Int64).sum())
        quota = (size + component.per_members - 1) // component.per_members
        candidate = member & eligible
        # "ordinal": equal values rank in row order, and rows are in agent_id order.
        place = within(pl.when(candidate).then(by).rank("ordinal", descending=descending))
        nominee_place = within(pl.when(nominated).then(by).rank("ordinal", descending=descending))
        any_nominee = within(nominated.any())
        wins = (
            pl.when(any_nominee)
            .then(nominated & (nominee_place <= quota))
            .otherwise(candidate & (place <= quota))
        ).fill_null(False)
        amount = pl.when(wins).then(dec(self.number(component.amount))).otherwise(dec(0))
        unit = self._formula_unit(component.by)
        field = pl.concat_str([size.cast(pl.Utf8), pl.lit(" members → "), quota.cast(pl.Utf8)])
        reason = (
            pl.when(any_nominee & nominated)
            .then(pl.concat_str([pl.lit("nominated, place "), nominee_place.cast(pl.Utf8)]))
            .when(any_nominee)
            .then(pl.lit("not among the nominees"))
            .when(candidate)
            .then(pl.concat_str([pl.lit("eligible, place "), place.cast(pl.Utf8)]))
            .otherwise(pl.lit(f"not eligible ({_one_line(component.eligible)})"))
        )
        why = pl.concat_str(
            [
                pl.lit(render(parse(component.by)) + " "),
                show_expr(by, unit),
                pl.lit(" ("),
                field,
                pl.lit(" award(s)): "),
                reason,
            ]
        )
        return amount, why

    def _matrix(self, component: MatrixComponent) -> tuple[pl.Expr, pl.Expr]:
        """S002-04: base by education (row) × tenure band (column)."""
        key = pl.col(component.row).cast(pl.Utf8)
        column = self.formula(component.column)
        unit = self._formula_unit(component.column)
        band: pl.Expr = pl.lit(None, dtype=pl.Int64)
        label: pl.Expr = pl.lit("no band matches")
        for j, b in reversed(list(enumerate(component.bands))):
            inside = pl.lit(True)
            if b.from_ is not None:
                inside = inside & (column >= dec(b.from_))
            if b.below is not None:
                inside = inside & (column < dec(b.below))
            band = pl.when(inside).then(pl.lit(j, dtype=pl.Int64)).otherwise(band)
            label = pl.when(inside).then(pl.lit(_interval(b.from_, b.below, unit))).otherwise(label)
        default = (
            dec(component.default) if component.default is not None else pl.lit(None, dtype=ENGINE)
        )
        amount: pl.Expr = default
        for row, cells in component.cells.items():
            for j, cell in enumerate(cells):
                amount = pl.when((key == row) & (band == j)).then(dec(cell)).otherwise(amount)
        known = key.is_in(list(component.cells))
        why = pl.concat_str(
            [
                pl.lit(f"{component.row} "),
                key.fill_null("—"),
                pl.when(known).then(pl.lit("")).otherwise(pl.lit(" (not listed)")),
                pl.lit(f", {render(parse(component.column))} "),
                show_expr(column, unit),
                pl.lit(" → "),
                label,
                pl.lit(" → "),
                show_expr(amount, "number").fill_null("no value"),
            ]
        )
        return amount, why


def scope_mask(scope: Scope) -> pl.Expr:
    # A column, not a literal, so sums and windows over the mask count rows.
    mask = pl.col("agent_id").is_not_null()
    for field in ("role", "grade", "team"):
        allowed = getattr(scope, field)
        if allowed:
            mask = mask & pl.col(field).is_in(list(allowed))
    return mask


def scope_words(scope: Scope) -> str:
    """'role=agent, grade=初级/中级', or '' for everyone."""
    fields = ("role", "grade", "team")
    return ", ".join(f"{f}={'/'.join(getattr(scope, f))}" for f in fields if getattr(scope, f))


def _scope_text(scope: Scope) -> str:
    words = scope_words(scope)
    return f" ({words})" if words else ""


def _one_line(text: str | None) -> str:
    return render(parse(text)) if text else ""


def _interval(start: Decimal | None, end: Decimal | None, unit: str) -> str:
    if start is None and end is not None:
        return f"< {show_number(end, unit)}"
    if end is None and start is not None:
        return f"≥ {show_number(start, unit)}"
    if start is None and end is None:
        return "any"
    return f"[{show_number(start, unit)}, {show_number(end, unit)})"  # type: ignore[arg-type]


def dependency_order(rules: RuleSet) -> list[str]:
    """Components in file order, each after the components it reads (validated acyclic)."""
    reads: dict[str, set[str]] = {}
    for cid, component in rules.components.items():
        names: set[str] = set()
        for text in formula_fields(component).values():
            names |= this_month_names(parse(text))  # year_sum_before(x) needs no x yet
        reads[cid] = {n for n in names if n in rules.components and n != cid}
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


__all__ = ["Compiler", "CompiledLine", "dependency_order", "scope_mask", "Formula", "WHY"]
