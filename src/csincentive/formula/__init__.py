"""The formula language HR writes in rules files, compiled to Polars expressions.

- ``syntax``: the syntax tree, ``FormulaError``, precedence, printing (``render``);
- ``parser``: text → tree (``parse``), with errors that point at the problem;
- ``functions``: the one table of functions (arity, compile, ledger use);
- ``terms``: what a formula reads from the ledger and what its explanation shows;
- ``compile``: tree → ``pl.Expr`` (``compile_formula``), exact Decimal arithmetic.

Precedence, lowest first: ``or``; ``and``; ``not``; comparisons ``== != < <= > >=``
(non-associative); ``+ -``; ``* /``; unary ``- +``; atoms (number, ``12.5%``, string, ``true``,
``false``, name, ``f(...)``, ``( ... )``). ``a / b`` is 0 when ``b`` is 0.

Every name other modules use is importable from ``csincentive.formula`` itself.
"""

from __future__ import annotations

from csincentive.formula.compile import compile_formula
from csincentive.formula.functions import (
    FUNCTION_TABLE,
    FUNCTIONS,
    HISTORY_FUNCTIONS,
    Function,
    Site,
    history_column,
)
from csincentive.formula.parser import parse
from csincentive.formula.syntax import (
    Binary,
    Bool,
    Call,
    Formula,
    FormulaError,
    Name,
    Node,
    Num,
    Str,
    Unary,
    Words,
    is_condition,
    render,
)
from csincentive.formula.terms import HistoryCall, explain_terms, history_calls, this_month_names

__all__ = [
    "FUNCTIONS",
    "FUNCTION_TABLE",
    "HISTORY_FUNCTIONS",
    "Binary",
    "Bool",
    "Call",
    "Formula",
    "FormulaError",
    "Function",
    "HistoryCall",
    "Name",
    "Node",
    "Num",
    "Site",
    "Str",
    "Unary",
    "Words",
    "compile_formula",
    "explain_terms",
    "history_calls",
    "history_column",
    "is_condition",
    "parse",
    "render",
    "this_month_names",
]
