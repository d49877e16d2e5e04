"""Meaning checks on a rules file whose shape is valid: names that exist, no cycles, tier
tables without gaps or overlaps, rates that look like a forgotten "%". Each check is a
small function returning diagnostics; ``check_meaning`` runs them all."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from decimal import Decimal

from csincentive.core.diagnostics import Diagnostic, Severity
from csincentive.core.money import plain
from csincentive.core.names import BUILTIN
from csincentive.core.names import Name as NameInfo
from csincentive.formula import (
    FUNCTIONS,
    Binary,
    Call,
    FormulaError,
    Name,
    Node,
    Unary,
    parse,
    this_month_names,
)
from csincentive.rules.locate import SourceMap
from csincentive.rules.model import (
    ComponentBase,
    LadderComponent,
    MarginalComponent,
    MatchComponent,
    MatrixComponent,
    RateComponent,
    RuleSet,
    TableComponent,
    formula_fields,
    param_references,
)
from csincentive.rules.names import scheme_names

Loc = tuple[str | int, ...]
_KEYWORDS = frozenset({"and", "or", "not", "true", "false"})


class _Report:
    """Collects diagnostics with their positions in the rules file."""

    def __init__(self, file: str, source: SourceMap, prefix: Loc = ()) -> None:
        self.file = file
        self.source = source
        self.prefix = prefix  # ("changes", 2) while checking a dated change's tables
        self.items: list[Diagnostic] = []

    def add(self, code: str, loc: Loc, message: str, *, offset: int | None = None) -> None:
        """`offset`: point at that character of the string value at `loc` (a formula)."""
        from csincentive.rules.loader import dotted

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


def check_meaning(
    rules: RuleSet,
    file: str,
    source: SourceMap,
    context: RuleSet | None = None,
    prefix: Loc = (),
) -> list[Diagnostic]:
    """Check one file's rules. `context` is the whole rule set the file is part of (itself
    merged over what it includes): the names a formula may use come from there. `prefix`
    locates the tables checked (a dated change's, under changes[i])."""
    report = _Report(file, source, prefix)
    context = context or rules
    names = scheme_names(context)
    known = {n: "component" if n in context.components else "name" for n in names}
    _check_ids(rules, report)
    _check_totals(rules, report, known)
    edges = _check_formulas(rules, report, known)
    _check_cycles(rules, report, edges)
    for cid, component in rules.components.items():
        _check_component(context, report, ("components", cid), component, names)
    return sorted(report.items, key=lambda d: (d.line or 0, d.col or 0, d.code))


def _check_component(
    rules: RuleSet, report: _Report, loc: Loc, component: ComponentBase, names: dict[str, NameInfo]
) -> None:
    _check_flag_and_points(report, loc, component)
    _check_param_references(rules, report, loc, component)
    if isinstance(component, LadderComponent):
        for i, amount in enumerate(component.amounts):
            if not isinstance(amount, str) and amount < 0:
                message = "amounts are positive; a fine is a ladder with deduct = true"
                report.add("E103", (*loc, "amounts", i), message)
    if isinstance(component, MatrixComponent):
        _check_intervals(report, (*loc, "bands"), component.bands, open_start=True)
        _check_match_on(report, (*loc, "row"), component.row, names)
        for row_key, cells in component.cells.items():
            if len(cells) != len(component.bands):
                message = (
                    f"row '{row_key}' has {len(cells)} values but there are "
                    f"{len(component.bands)} bands; give one value per band"
                )
                report.add("E134", (*loc, "cells", row_key), message)
    if isinstance(component, TableComponent):
        _check_intervals(report, (*loc, "rows"), component.rows, open_start=True)
        _check_ratio_rows(rules, report, loc, component)
    if isinstance(component, MarginalComponent):
        _check_intervals(report, (*loc, "rows"), component.rows, open_start=False)
        for i, row in enumerate(component.rows):
            _check_rate(report, (*loc, "rows", i, "rate"), row.rate)
    if isinstance(component, RateComponent):
        _check_rate(report, (*loc, "rate"), component.rate)
    if isinstance(component, MatchComponent):
        _check_match_on(report, (*loc, "on"), component.on, names)


def _check_param_references(
    rules: RuleSet, report: _Report, loc: Loc, component: ComponentBase
) -> None:
    for where, name in param_references(component).items():
        if name not in rules.params:
            hint = difflib.get_close_matches(name, list(rules.params), n=1)
            message = f"'{name}' is not a parameter; write a number or a name from [params]"
            if hint:
                message += f" (did you mean '{hint[0]}'?)"
            report.add("E110", (*loc, *where), message)


def _check_flag_and_points(report: _Report, loc: Loc, component: ComponentBase) -> None:
    if (component.flag is None) != (component.flag_when is None):
        missing = "flag" if component.flag is None else "flag_when"
        message = f"flag and flag_when go together; add {missing}"
        report.add("E154", loc, message)
    if component.format == "points" and component.pay:
        message = "points are not money: add pay = false (a points line is not on the payslip)"
        report.add("E155", (*loc, "format"), message)


# ----------------------------------------------------------------------------------- ids


def _check_ids(rules: RuleSet, report: _Report) -> None:
    for name in rules.params:
        _check_id(report, ("params", name), name, "parameter")
        if name in BUILTIN:
            message = f"parameter '{name}' is a built-in name; rename the parameter"
            report.add("E152", ("params", name), message)
    for cid in rules.components:
        loc = ("components", cid)
        _check_id(report, loc, cid, "component")
        if cid in BUILTIN or cid in rules.params:
            what = "a built-in name" if cid in BUILTIN else "also a parameter"
            report.add("E152", loc, f"component id '{cid}' is {what}; rename the component")
        if cid in rules.total_ids:
            message = f"component id '{cid}' is the total's id; rename the component"
            report.add("E152", loc, message)
    for i, total in enumerate(rules.total_ids):
        where = (*_total_loc(report, i), "id")
        if total in BUILTIN or total in rules.params:
            what = "a built-in name" if total in BUILTIN else "also a parameter"
            report.add("E152", where, f"total id '{total}' is {what}; choose another id")
        elif total in rules.total_ids[:i]:
            first = rules.total_ids.index(total)
            report.add("E152", where, f"total id '{total}' is also totals[{first}]'s; rename one")


def _total_loc(report: _Report, i: int) -> Loc:
    """Where the i-th total is written: [[totals]] entry i, or the one [total] table."""
    listed = ("totals",) in report.source.keys
    return ("totals", i) if listed else ("total",)


def _check_totals(rules: RuleSet, report: _Report, known: dict[str, str]) -> None:
    """The first total is the sum of the pay components; each later one (withholdings, net
    pay …) is a formula that may read the components, the metrics and the totals before it."""
    for i, total in enumerate(rules.totals):
        loc = _total_loc(report, i)
        if i == 0 and total.expr is not None:
            message = (
                f"the first total ('{total.id}') is the sum of the pay components; remove expr"
                " (a later total in [[totals]] can be a formula)"
            )
            report.add("E156", (*loc, "expr"), message)
        elif i > 0 and total.expr is None:
            message = (
                f"total '{total.id}' comes after the first, so it needs a formula; add expr = …"
                f' (e.g. expr = "{rules.totals[0].id} - withholdings")'
            )
            report.add("E157", loc, message)
        elif i > 0 and total.expr is not None:
            earlier = {t.id: "total" for t in rules.totals[:i]}
            _check_total_formula(report, (*loc, "expr"), total.expr, {**known, **earlier})


def _check_total_formula(report: _Report, loc: Loc, text: str, known: dict[str, str]) -> None:
    try:
        formula = parse(text)
    except FormulaError as exc:
        report.add("E111", loc, f"formula: {exc.message}", offset=exc.offset or 0)
        return
    offsets = _name_offsets(formula.root)
    for name in sorted(formula.names - set(known)):
        report.add("E110", loc, _unknown_name(name, known), offset=offsets[name])


def _check_id(report: _Report, loc: Loc, name: str, what: str) -> None:
    """An id is a name formulas can use: a letter or _, then letters, digits or _."""
    if name in _KEYWORDS or name in FUNCTIONS:
        word = "keyword" if name in _KEYWORDS else "function"
        message = f"{what} id '{name}' is a formula word ({word}); rename the {what}"
        report.add("E153", loc, message)
    elif not re.fullmatch(r"[^\W\d]\w*", name) or not name.isidentifier():
        fixed = re.sub(r"\W", "_", name)
        fixed = fixed if fixed[:1].isalpha() or fixed[:1] == "_" else f"_{fixed}"
        message = (
            f"{what} id '{name}' cannot be used in formulas: start with a letter or _ and"
            f" use only letters, digits and _ (e.g. '{fixed}')"
        )
        report.add("E153", loc, message)


# ------------------------------------------------------------------------------ formulas


def _check_formulas(rules: RuleSet, report: _Report, known: dict[str, str]) -> dict[str, set[str]]:
    """Parse every formula; unknown names get a did-you-mean. Returns component → the
    components it reads, for the cycle check."""
    edges: dict[str, set[str]] = {}
    for cid, component in rules.components.items():
        edges[cid] = set()
        for field, text in formula_fields(component).items():
            loc = ("components", cid, *field)
            try:
                formula = parse(text)
            except FormulaError as exc:
                report.add("E111", loc, f"formula: {exc.message}", offset=exc.offset or 0)
                continue
            offsets = _name_offsets(formula.root)
            this_month = this_month_names(formula)  # year_sum_before(x) reads x's past only
            for name in sorted(formula.names):
                if name not in known:
                    report.add("E110", loc, _unknown_name(name, known), offset=offsets[name])
                elif (
                    known[name] == "component"
                    and name in this_month
                    and not (name == cid and field == ("flag_when",))
                ):
                    # A flag may read its own component's amount: it is raised afterwards.
                    edges[cid].add(name)
    return edges


def _name_offsets(node: Node) -> dict[str, int]:
    """Each name's first use in the formula (a name inside a "string" is not a use)."""
    out: dict[str, int] = {}
    stack: list[Node] = [node]
    while stack:
        here = stack.pop()
        if isinstance(here, Name):
            out[here.name] = min(here.offset, out.get(here.name, here.offset))
        elif isinstance(here, Unary):
            stack.append(here.operand)
        elif isinstance(here, Binary):
            stack.extend((here.left, here.right))
        elif isinstance(here, Call):
            stack.extend(here.args)
    return out


def _unknown_name(name: str, known: dict[str, str]) -> str:
    hint = difflib.get_close_matches(name, [*known, *FUNCTIONS], n=1)
    message = f"unknown name '{name}'"
    if hint:
        return message + f"; did you mean '{hint[0]}'?"
    return (
        message + "; it is not a metric, roster field, parameter or component"
        " (run `csincentive names` to list them, or add it under [params])"
    )


def _check_match_on(report: _Report, loc: Loc, on: str, names: dict[str, NameInfo]) -> None:
    text_fields = sorted(n for n, spec in names.items() if spec.unit == "text")
    if on in text_fields:
        return
    fields = ", ".join(text_fields)
    if on in names:
        message = (
            f"match compares text, but '{on}' is a {names[on].unit} value; match on one of"
            f' {fields}, or use kind = "table" for number ranges'
        )
    else:
        message = f"'{on}' is not a roster text field; match on one of {fields}"
    report.add("E112", loc, message)


# -------------------------------------------------------------------------------- cycles


def _check_cycles(rules: RuleSet, report: _Report, edges: dict[str, set[str]]) -> None:
    reported: set[frozenset[str]] = set()
    for start in rules.components:
        cycle = _find_cycle(start, edges)
        if cycle and frozenset(cycle) not in reported:
            reported.add(frozenset(cycle))
            path = " → ".join([*cycle, cycle[0]])
            message = (
                f"components depend on each other in a cycle: {path};"
                " one of them must not use the other"
            )
            report.add("E120", ("components", cycle[0]), message)


def _find_cycle(start: str, edges: dict[str, set[str]]) -> list[str] | None:
    stack: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(edges.get(start, ()))))]
    path = [start]
    seen: set[str] = set()
    while stack:
        node, children = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            path.pop()
            seen.add(node)
            continue
        if child == start:
            return list(path)
        if child not in seen and child not in path:
            stack.append((child, iter(sorted(edges.get(child, ())))))
            path.append(child)
    return None


# ------------------------------------------------------------------------------- tiers


def _check_intervals(report: _Report, loc: Loc, rows: list, *, open_start: bool) -> None:
    """Rows must ascend and touch: each row's `from` equals the previous row's `below`.
    `loc` is the list's own path (…rows or …bands)."""
    previous_below: Decimal | None = None
    for i, row in enumerate(rows):
        here = (*loc, i)
        start, end = row.from_, row.below
        if start is None and i > 0:
            message = (
                "only the first row may leave 'from' open; this row overlaps the rows before"
                f" it (add from = {_previous(report, loc, i, previous_below)})"
            )
            report.add("E131", here, message)
        if start is not None and end is not None and start >= end:
            low = report.written((*here, "from"), start)
            high = report.written((*here, "below"), end)
            message = (
                f"bounds do not ascend: from {low} is not below {high};"
                " 'below' must be greater than 'from'"
            )
            report.add("E132", (*here, "below"), message)
        if i > 0:
            _check_touch(report, loc, i, start, previous_below)
        previous_below = end
    if not open_start and rows and rows[0].from_ != 0:
        report.add(
            "E130",
            (*loc, 0, "from"),
            "marginal tiers must start at 0; write from = 0 in the first row",
        )


def _check_touch(
    report: _Report, loc: Loc, i: int, start: Decimal | None, previous_below: Decimal | None
) -> None:
    here = (*loc, i)
    if previous_below is None:
        message = (
            "unreachable: the row before has no 'below', so it takes every value from its"
            " 'from' up; give that row a 'below' or remove this one"
        )
        report.add("W133", here, message)
    elif start is not None and start != previous_below:
        shown = report.written((*here, "from"), start)
        before = _previous(report, loc, i, previous_below)
        if start > previous_below:
            message = (
                f"gap: values from {before} up to {shown} match no row;"
                f" start this row at from = {before}, where the row before ends"
            )
            report.add("E130", (*here, "from"), message)
        else:
            message = (
                f"overlap: values from {shown} up to {before} match two rows;"
                f" start this row at from = {before}, where the row before ends"
            )
            report.add("E131", (*here, "from"), message)


def _previous(report: _Report, loc: Loc, i: int, previous_below: Decimal | None) -> str:
    if previous_below is None:
        return "…"
    return report.written((*loc, i - 1, "below"), previous_below)


def _check_ratio_rows(rules: RuleSet, report: _Report, loc: Loc, table: TableComponent) -> None:
    """A table on a ratio (conversion, refund rate…) cannot reach a row starting above 100%."""
    on = table.on.strip()
    source = rules.components.get(on)
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
            report.add("W133", (*loc, "rows", i, "from"), message)


def _check_rate(report: _Report, loc: Loc, rate: Decimal) -> None:
    if rate > 1:
        shown = plain(rate)
        percent = plain(rate * 100)
        message = (
            f'rate {shown} means ×{shown} ({percent}%); if you meant {shown}%, write "{shown}%"'
        )
        report.add("W140", loc, message)
