"""Syntax tree → one Polars expression.

Numbers are exact: a literal is a Decimal built from its source text and every arithmetic
result is kept at the engine dtype (``core.money.ENGINE``, Decimal(38, 10)); ``a / b`` is 0
where ``b`` is 0. A function call compiles as its entry in the function table says."""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import polars as pl

from csincentive.core.money import ENGINE
from csincentive.formula.exprs import divide, lit
from csincentive.formula.functions import FUNCTION_TABLE, Site
from csincentive.formula.syntax import Binary, Bool, Call, Formula, Name, Node, Num, Str, Unary

_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "or": operator.or_,
    "and": operator.and_,
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
}


@dataclass(frozen=True)
class _Compiler:
    resolve: Callable[[str], pl.Expr]
    team_column: str
    # How a name reads inside a ledger function (quarter_sum(x) …): as the month's lines
    # show it, so this month is added as the earlier months were (see compile_formula).
    shown: Callable[[str], pl.Expr] | None = None

    def emit(self, node: Node) -> pl.Expr:
        if isinstance(node, Num):
            return lit(node.value)
        if isinstance(node, Str):
            return pl.lit(node.value, dtype=pl.Utf8)
        if isinstance(node, Bool):
            return pl.lit(node.value, dtype=pl.Boolean)
        if isinstance(node, Name):
            return self.resolve(node.name)
        if isinstance(node, Unary):
            return self.unary(node)
        if isinstance(node, Call):
            return self.call(node)
        return self.binary(node)

    def unary(self, node: Unary) -> pl.Expr:
        operand = self.emit(node.operand)
        if node.op == "not":
            return ~operand
        return -operand if node.op == "-" else operand

    def binary(self, node: Binary) -> pl.Expr:
        a, b = self.emit(node.left), self.emit(node.right)
        if node.op == "/":
            return divide(a, b)
        result = _OPERATORS[node.op](a, b)
        # Decimal * keeps the larger scale today; cast so the dtype is a promise, not luck.
        return result.cast(ENGINE) if node.op in "+-*" else result

    def call(self, node: Call) -> pl.Expr:
        function = FUNCTION_TABLE[node.name]  # the parser only accepts the table's names
        emit = self.emit
        if function.reads_history and self.shown is not None:
            emit = _Compiler(self.shown, self.team_column).emit
        return function.compile(Site(function, node, emit, self.resolve, self.team_column))


def compile_formula(
    formula: Formula,
    resolve: Callable[[str], pl.Expr],
    team_column: str = "team",
    *,
    shown: Callable[[str], pl.Expr] | None = None,
) -> pl.Expr:
    """Compile to a Polars expression. ``resolve(name)`` gives the expression for an
    identifier (numbers already Decimal(38, 10), strings Utf8). Team aggregates are windows
    over ``team_column``; a ledger function reads the columns month/history.py joined, plus
    this month's value of its argument, whose names ``shown`` resolves when given (``resolve``
    otherwise): a quarter's sum adds this month as its line shows it, like the months before."""
    return _Compiler(resolve, team_column, shown).emit(formula.root)
