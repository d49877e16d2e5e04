"""What a formula reads beyond this month's names: the ledger calls month/history.py must
prepare, the terms a payslip explanation shows, and the names this month's figures must
supply (a name read only by an earlier-months-only call comes from the ledger alone)."""

from __future__ import annotations

from dataclasses import dataclass

from csincentive.formula.functions import FUNCTION_TABLE, HISTORY_FUNCTIONS
from csincentive.formula.syntax import Call, Formula, Name, Node, children, formula_of


@dataclass(frozen=True)
class HistoryCall:
    function: str
    span: str
    argument: Formula  # the expression evaluated on each earlier month
    # last_month(x, fallback) and change(x, fallback): the call has a value for a person
    # without a last month, so month/history.py does not refuse one.
    fallback: bool = False


def _calls(node: Node) -> list[Call]:
    """Every call in the tree, outermost first, in order of appearance."""
    found = [node] if isinstance(node, Call) else []
    for child in children(node):
        found += _calls(child)
    return found


def history_calls(formula: Formula) -> list[HistoryCall]:
    """Every quarter_sum(…), year_sum_before(…), months_in_a_row(…) … in a formula."""
    return [
        HistoryCall(
            call.name,
            str(HISTORY_FUNCTIONS[call.name].span),
            formula_of(call.args[0]),
            fallback=len(call.args) > 1,
        )
        for call in _calls(formula.root)
        if call.name in HISTORY_FUNCTIONS
    ]


def explain_terms(formula: Formula) -> list[Formula]:
    """The values a payslip explanation should show for a formula: each name read directly,
    and each team or ledger aggregate as a whole (its result, not the agent's own inputs),
    in order of first appearance."""
    found: dict[str, Formula] = {}

    def visit(node: Node) -> None:
        if isinstance(node, Call) and FUNCTION_TABLE[node.name].group != "value":
            shown = FUNCTION_TABLE[node.name].also_shown
            for call in (node, *(shown(node) if shown else ())):
                term = formula_of(call)
                found.setdefault(term.text, term)
            return
        if isinstance(node, Name):
            found.setdefault(node.name, formula_of(node))
        for child in children(node):
            visit(child)

    visit(formula.root)
    return list(found.values())


def this_month_names(formula: Formula) -> frozenset[str]:
    """The names the formula reads from this month's figures: all of ``formula.names`` but
    those read only inside an earlier-months-only call's first argument. Component ``iit``
    with ``tax_to_date - year_sum_before(iit)`` reads its own earlier months from the
    ledger, so it does not depend on itself; the fallback of ``last_month(x, fallback)`` is
    read this month."""

    def visit(node: Node) -> set[str]:
        if isinstance(node, Name):
            return {node.name}
        if isinstance(node, Call) and FUNCTION_TABLE[node.name].earlier_only:
            return set().union(*(visit(arg) for arg in node.args[1:]))
        return set().union(*(visit(child) for child in children(node)))

    return frozenset(visit(formula.root))
