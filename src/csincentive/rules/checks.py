"""Meaning checks on a rules file whose shape is valid: ids formulas can use, names that
exist, no cycles, parameters that exist, flags that are whole; then each component's own
checks, which its kind holds (tier tables without gaps or overlaps, rates that look like a
forgotten "%" …: rules/kinds/). ``check_meaning`` runs them all."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Mapping

from csincentive.core import names as builtin
from csincentive.core.diagnostics import Diagnostic
from csincentive.core.names import BUILTIN
from csincentive.formula import (
    FUNCTIONS,
    Binary,
    Call,
    Formula,
    FormulaError,
    Name,
    Node,
    Unary,
    history_calls,
    parse,
    this_month_names,
)
from csincentive.rules.kinds import kind_of
from csincentive.rules.kinds.base import Checking, ComponentBase, Loc, Report
from csincentive.rules.locate import SourceMap
from csincentive.rules.model import RuleSet
from csincentive.rules.names import companions, scheme_names
from csincentive.rules.paychecks import check_pay_checks

_KEYWORDS = frozenset({"and", "or", "not", "true", "false"})


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
    report = Report(file, source, prefix)
    context = context or rules
    names = scheme_names(context)
    known = {n: "component" if n in context.components else "name" for n in names}
    # The component each component id and companion (kpi_grade) is read from.
    owners = {cid: cid for cid in context.components}
    owners.update({name: cid for name, (cid, _) in companions(context).items()})
    _check_ids(rules, report)
    _check_totals(rules, report, known)
    edges = _check_formulas(rules, report, known, names, owners)
    _check_cycles(rules, report, edges)
    for cid, component in rules.components.items():
        checking = Checking(report, ("components", cid), names, context.components)
        _check_flag_and_points(checking, component)
        _check_param_references(context, checking, component)
        kind_of(component).check(component, checking)
    minimum = rules.scheme.minimum_wage if rules.scheme else None
    paid = [*context.components, *context.total_ids]
    fields = context.inputs.roster_fields
    amounts = [*context.params, *(f for f, kind in fields.items() if kind != "text")]
    check_pay_checks(minimum, rules.checks, report, names, paid, amounts)
    return sorted(report.items, key=lambda d: (d.line or 0, d.col or 0, d.code))


def _check_param_references(rules: RuleSet, checking: Checking, component: ComponentBase) -> None:
    for where, name in component.param_references().items():
        if name not in rules.params:
            hint = difflib.get_close_matches(name, list(rules.params), n=1)
            message = f"'{name}' is not a parameter; write a number or a name from [params]"
            if hint:
                message += f" (did you mean '{hint[0]}'?)"
            checking.add("E110", where, message)


def _check_flag_and_points(checking: Checking, component: ComponentBase) -> None:
    if (component.flag is None) != (component.flag_when is None):
        missing = "flag" if component.flag is None else "flag_when"
        message = f"flag and flag_when go together; add {missing}"
        checking.add("E154", (), message)
    if component.format == "points" and component.pay:
        message = "points are not money: add pay = false (a points line is not on the payslip)"
        checking.add("E155", ("format",), message)


# ----------------------------------------------------------------------------------- ids


def _check_ids(rules: RuleSet, report: Report) -> None:
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
    for name, (cid, spec) in companions(rules).items():
        clash = _clash(rules, name)
        if clash:
            message = (
                f"component '{cid}' gives '{name}' ({spec.meaning}), which is {clash};"
                " rename one of them"
            )
            report.add("E152", ("components", cid), message)
    for i, total in enumerate(rules.total_ids):
        where = (*_total_loc(report, i), "id")
        if total in BUILTIN or total in rules.params:
            what = "a built-in name" if total in BUILTIN else "also a parameter"
            report.add("E152", where, f"total id '{total}' is {what}; choose another id")
        elif total in rules.total_ids[:i]:
            first = rules.total_ids.index(total)
            report.add("E152", where, f"total id '{total}' is also totals[{first}]'s; rename one")


def _clash(rules: RuleSet, name: str) -> str:
    """What else a name is (a built-in, a parameter, a component, a total), or ''."""
    if name in BUILTIN:
        return "a built-in name"
    if name in rules.params:
        return "also a parameter"
    if name in rules.components:
        return "also a component id"
    return "also a total's id" if name in rules.total_ids else ""


def _total_loc(report: Report, i: int) -> Loc:
    """Where the i-th total is written: [[totals]] entry i, or the one [total] table."""
    listed = ("totals",) in report.source.keys
    return ("totals", i) if listed else ("total",)


def _check_totals(rules: RuleSet, report: Report, known: dict[str, str]) -> None:
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


def _check_total_formula(report: Report, loc: Loc, text: str, known: dict[str, str]) -> None:
    try:
        formula = parse(text)
    except FormulaError as exc:
        report.add(exc.code, loc, f"formula: {exc.message}", offset=exc.offset or 0)
        return
    offsets = _name_offsets(formula.root)
    for name in sorted(formula.names - set(known)):
        report.add("E110", loc, _unknown_name(name, known), offset=offsets[name])


def _check_id(report: Report, loc: Loc, name: str, what: str) -> None:
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


def _check_formulas(
    rules: RuleSet,
    report: Report,
    known: dict[str, str],
    names: Mapping[str, builtin.Name],
    owners: dict[str, str],
) -> dict[str, set[str]]:
    """Parse every formula; unknown names get a did-you-mean. Returns component → the
    components it reads (a companion such as kpi_grade: its component), for the cycle
    check."""
    edges: dict[str, set[str]] = {}
    for cid, component in rules.components.items():
        edges[cid] = {owners[n] for n in component.field_reads().values() if n in owners}
        for field, text in component.formula_fields().items():
            loc = ("components", cid, *field)
            try:
                formula = parse(text)
            except FormulaError as exc:
                report.add(exc.code, loc, f"formula: {exc.message}", offset=exc.offset or 0)
                continue
            _check_history_arguments(report, loc, formula, names)
            offsets = _name_offsets(formula.root)
            this_month = this_month_names(formula)  # year_sum_before(x) reads x's past only
            for name in sorted(formula.names):
                if name not in known:
                    report.add("E110", loc, _unknown_name(name, known), offset=offsets[name])
                elif (
                    name in owners
                    and name in this_month
                    and not (owners[name] == cid and field == ("flag_when",))
                ):
                    # A flag may read its own component's amount: it is raised afterwards.
                    edges[cid].add(owners[name])
    return edges


def _check_history_arguments(
    report: Report, loc: Loc, formula: Formula, names: Mapping[str, builtin.Name]
) -> None:
    """A sum, mean or last month over the ledger's months is of a number: a roster text
    field there (quarter_sum(grade), last_month(team)) could only fail while the month is
    computed. months_in_a_row takes a condition, which may compare text."""
    for call in history_calls(formula):
        root = call.argument.root
        if call.span == "streak" or not isinstance(root, Name) or root.name not in names:
            continue
        if names[root.name].unit == "text":
            message = (
                f"{call.function}() reads a number from the ledger's months, and '{root.name}'"
                " is text: give it a number (to follow a text over months, count them with"
                f' months_in_a_row({root.name} == "…"))'
            )
            report.add("E225", loc, message, offset=root.offset)


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


# -------------------------------------------------------------------------------- cycles


def _check_cycles(rules: RuleSet, report: Report, edges: dict[str, set[str]]) -> None:
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
