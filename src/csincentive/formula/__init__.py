"""The formula language HR writes in rules files, compiled to Polars expressions.

Formulas are untrusted text, so there is no ``eval``: a hand-written tokenizer and a
precedence-climbing parser build a small AST, and a compiler turns it into a ``pl.Expr``.

Numbers are exact. A literal becomes a Decimal built from its source text (``12.5%`` is
exactly 0.125) and every arithmetic result is kept at ``Decimal(38, 10)``, the engine dtype of
``money.py``. ``a / b`` is 0 when ``b`` is 0: Polars aborts the whole query on a Decimal
division by zero, and "no sales this month" must give a zero ratio, not a crash.

Precedence, lowest first: ``or``; ``and``; ``not``; comparisons ``== != < <= > >=``
(non-associative); ``+ -``; ``* /``; unary ``- +``; atoms (number, ``12.5%``, string, ``true``,
``false``, name, ``f(...)``, ``( ... )``).

``parse`` does not import Polars, so validating a rules file stays fast.
"""

from __future__ import annotations

import difflib
import operator
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from csincentive.core.money import ENGINE, ENGINE_SCALE

if TYPE_CHECKING:
    import polars as pl


class FormulaError(Exception):
    """A formula that cannot be parsed. ``offset`` is the 0-based character offset into the
    formula text, so callers can point a caret (or a file:line:col) at the problem."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset

    def __str__(self) -> str:
        return self.message


# ---------------------------------------------------------------------------------- AST


@dataclass(frozen=True)
class Num:
    value: Decimal
    text: str  # as written, e.g. "12.5%", so explanations show what HR typed
    offset: int


@dataclass(frozen=True)
class Str:
    value: str
    offset: int


@dataclass(frozen=True)
class Bool:
    value: bool
    offset: int


@dataclass(frozen=True)
class Name:
    name: str
    offset: int


@dataclass(frozen=True)
class Unary:
    op: str  # "-", "+", "not"
    operand: Node
    offset: int


@dataclass(frozen=True)
class Binary:
    op: str
    left: Node
    right: Node
    offset: int  # of the operator


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Node, ...]
    offset: int  # of the function name


Node = Num | Str | Bool | Name | Unary | Binary | Call


@dataclass(frozen=True)
class Formula:
    text: str
    names: frozenset[str]  # identifiers referenced, not function names
    root: Node


# (min, max) argument counts; max None = variadic.
_ARITY: dict[str, tuple[int, int | None]] = {
    "if": (3, 3),
    "min": (2, None),
    "max": (2, None),
    "abs": (1, 1),
    "floor": (1, 1),
    "ceil": (1, 1),
    "round": (2, 2),
    "clamp": (3, 3),
    "team_sum": (1, 2),
    "team_mean": (1, 2),
    "team_count": (1, 1),
    "team_max": (1, 2),
    "team_min": (1, 2),
    "quarter_sum": (1, 1),
    "quarter_mean": (1, 1),
    "year_sum": (1, 1),
    "year_mean": (1, 1),
    "months_in_a_row": (1, 1),
}
FUNCTIONS: frozenset[str] = frozenset(_ARITY)

# Functions over the months the ledger recorded before this one: name → (span, statistic).
# The earlier months' part arrives as columns named by history_column (see history.py).
HISTORY_FUNCTIONS: dict[str, tuple[str, str]] = {
    "quarter_sum": ("quarter", "sum"),
    "quarter_mean": ("quarter", "mean"),
    "year_sum": ("year", "sum"),
    "year_mean": ("year", "mean"),
    "months_in_a_row": ("streak", "streak"),
}


def history_column(span: str, statistic: str, argument: str) -> str:
    """The column holding a person's earlier months for one history call: the sum, the
    number of months counted, or the run of consecutive months ending last month."""
    return f"__history__{span}:{statistic}:{argument}"


@dataclass(frozen=True)
class HistoryCall:
    function: str
    span: str
    argument: Formula  # the expression evaluated on each earlier month


def history_calls(formula: Formula) -> list[HistoryCall]:
    """Every quarter_sum(…), year_mean(…), months_in_a_row(…) … in a formula."""
    found: list[HistoryCall] = []

    def visit(node: Node) -> None:
        if isinstance(node, Call) and node.name in HISTORY_FUNCTIONS:
            arg = node.args[0]
            text = _render(arg)
            argument = Formula(text=text, names=frozenset(_names(arg)), root=arg)
            found.append(HistoryCall(node.name, HISTORY_FUNCTIONS[node.name][0], argument))
        for child in _children(node):
            visit(child)

    visit(formula.root)
    return found


_KEYWORDS = frozenset({"and", "or", "not", "true", "false"})
_COMPARISONS = frozenset({"==", "!=", "<", "<=", ">", ">="})
_NOT_PREC = 3
_CMP_PREC = 4
_BINARY_PREC: dict[str, int] = {
    "or": 1,
    "and": 2,
    **{op: _CMP_PREC for op in _COMPARISONS},
    "+": 5,
    "-": 5,
    "*": 6,
    "/": 6,
}
_MAX_INT_DIGITS = 38 - ENGINE_SCALE  # what fits in Decimal(38, 10)
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

# ----------------------------------------------------------------------------- tokenizer

_TWO_CHAR = ("==", "!=", "<=", ">=")
_ONE_CHAR = "<>+-*/(),"
# Habits from spreadsheets and C-like languages, answered with the fix instead of "syntax error".
_MISTAKES = {
    "&&": "use 'and' instead of '&&'",
    "||": "use 'or' instead of '||'",
    "&": "use 'and' instead of '&'",
    "|": "use 'or' instead of '|'",
    "!": "use 'not' instead of '!'",
    "=": "use '==' to compare",
    "%": "'%' must directly follow a number, as in 12.5%",
}
# Chinese input methods produce these easily; they look right but are not operators.
_FULLWIDTH = {"（": "(", "）": ")", "，": ",", "“": '"', "”": '"', "‘": "'", "’": "'"}
_FULLWIDTH.update({"％": "%", "＝": "=", "＋": "+", "－": "-", "＊": "*", "／": "/"})
_DIGITS = "0123456789"


@dataclass(frozen=True)
class _Token:
    kind: str  # "num" | "str" | "name" | "op" | "eof"
    text: str  # source text; for "str" the decoded value
    offset: int


def _is_name_start(c: str) -> bool:
    return c == "_" or c.isalpha()  # isalpha covers CJK


def _is_name_char(c: str) -> bool:
    return c == "_" or c.isalpha() or c in _DIGITS


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif c in _DIGITS:
            start = i
            while i < n and text[i] in _DIGITS:
                i += 1
            if i < n and text[i] == ".":
                i += 1
                if i >= n or text[i] not in _DIGITS:
                    raise FormulaError("expected digits after '.'", i)
                while i < n and text[i] in _DIGITS:
                    i += 1
            if i < n and text[i] == "%":
                i += 1
            if i < n and _is_name_start(text[i]):
                raise FormulaError("a name cannot start with a digit", start)
            tokens.append(_Token("num", text[start:i], start))
        elif _is_name_start(c):
            start = i
            while i < n and _is_name_char(text[i]):
                i += 1
            tokens.append(_Token("name", text[start:i], start))
        elif c in "\"'":
            start = i
            value, i = _read_string(text, i)
            tokens.append(_Token("str", value, start))
        elif text.startswith(_TWO_CHAR, i):
            tokens.append(_Token("op", text[i : i + 2], i))
            i += 2
        elif text.startswith(("&&", "||"), i):
            raise FormulaError(_MISTAKES[text[i : i + 2]], i)
        elif c in _ONE_CHAR:
            tokens.append(_Token("op", c, i))
            i += 1
        elif c in _MISTAKES:
            raise FormulaError(_MISTAKES[c], i)
        elif c in _FULLWIDTH:
            raise FormulaError(f"use the ASCII '{_FULLWIDTH[c]}' instead of '{c}'", i)
        else:
            raise FormulaError(f"unexpected character {c!r}", i)
    tokens.append(_Token("eof", "", n))
    return tokens


def _read_string(text: str, start: int) -> tuple[str, int]:
    """Read a quoted string starting at ``start``; only ``\\\\`` and ``\\<quote>`` escape."""
    quote = text[start]
    out: list[str] = []
    i = start + 1
    while i < len(text):
        c = text[i]
        if c == quote:
            return "".join(out), i + 1
        if c == "\\" and i + 1 < len(text) and text[i + 1] in "\\\"'":
            out.append(text[i + 1])
            i += 2
            continue
        out.append(c)
        i += 1
    raise FormulaError("string is never closed", start)


# -------------------------------------------------------------------------------- parser


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.pos = 0

    @property
    def tok(self) -> _Token:
        return self.tokens[self.pos]

    def advance(self) -> _Token:
        tok = self.tokens[self.pos]
        self.pos += 1
        return tok

    def is_op(self, text: str) -> bool:
        return self.tok.kind == "op" and self.tok.text == text

    def binary_prec(self) -> int | None:
        tok = self.tok
        if tok.kind == "op" or (tok.kind == "name" and tok.text in ("and", "or")):
            return _BINARY_PREC.get(tok.text)
        return None

    def parse(self) -> Node:
        if self.tok.kind == "eof":
            raise FormulaError("formula is empty", 0)
        node = self.expr(1)
        tok = self.tok
        if tok.kind != "eof":
            if tok.kind == "op" and tok.text == ")":
                raise FormulaError("unmatched ')'", tok.offset)
            raise FormulaError(f"expected an operator before {tok.text!r}", tok.offset)
        return node

    def expr(self, min_prec: int) -> Node:
        """Precedence climbing: parse operators binding at least as tightly as min_prec."""
        left = self.unary(min_prec)
        compared = False  # comparisons are non-associative: `a < b < c` is an error
        while (prec := self.binary_prec()) is not None and prec >= min_prec:
            op = self.advance()
            if prec == _CMP_PREC:
                if compared:
                    raise FormulaError(
                        "comparisons cannot be chained; combine them with 'and'", op.offset
                    )
                compared = True
            right = self.expr(prec + 1)  # +1: all binary operators are left-associative
            left = Binary(op.text, left, right, op.offset)
        return left

    def unary(self, min_prec: int) -> Node:
        tok = self.tok
        if tok.kind == "op" and tok.text in "-+":
            self.advance()
            return Unary(tok.text, self.unary(min_prec), tok.offset)
        if tok.kind == "name" and tok.text == "not":
            if min_prec > _NOT_PREC:  # e.g. `a + not b`: ambiguous, ask for parentheses
                raise FormulaError("put 'not ...' in parentheses here", tok.offset)
            self.advance()
            return Unary("not", self.expr(_NOT_PREC), tok.offset)
        return self.atom()

    def atom(self) -> Node:
        tok = self.advance()
        if tok.kind == "num":
            return _number(tok)
        if tok.kind == "str":
            return Str(tok.text, tok.offset)
        if tok.kind == "name":
            if tok.text in ("true", "false"):
                return Bool(tok.text == "true", tok.offset)
            if tok.text in _KEYWORDS:
                raise FormulaError(f"expected a value before '{tok.text}'", tok.offset)
            if self.is_op("("):
                return self.call(tok)
            return Name(tok.text, tok.offset)
        if tok.kind == "op" and tok.text == "(":
            node = self.expr(1)
            self.close(tok)
            return node
        if tok.kind == "eof":
            raise FormulaError("expected a value at the end of the formula", tok.offset)
        raise FormulaError(f"expected a value, found {tok.text!r}", tok.offset)

    def close(self, opening: _Token) -> None:
        if self.is_op(")"):
            self.advance()
        elif self.tok.kind == "eof":
            raise FormulaError("'(' is never closed", opening.offset)
        else:
            raise FormulaError(f"expected ')', found {self.tok.text!r}", self.tok.offset)

    def call(self, name: _Token) -> Node:
        if name.text not in FUNCTIONS:
            close = difflib.get_close_matches(name.text, sorted(FUNCTIONS), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise FormulaError(f"unknown function '{name.text}'{hint}", name.offset)
        opening = self.advance()
        args: list[Node] = []
        if not self.is_op(")"):
            args.append(self.expr(1))
            while self.is_op(","):
                self.advance()
                args.append(self.expr(1))
        self.close(opening)
        _check_arity(name, args)
        return Call(name.text, tuple(args), name.offset)


def _number(tok: _Token) -> Num:
    text = tok.text
    # Built from the source digits, never via float; scaleb(-2) is an exact shift for `%`.
    value = Decimal(text[:-1]).scaleb(-2) if text.endswith("%") else Decimal(text)
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)  # finite by construction
    if -exponent > ENGINE_SCALE:
        raise FormulaError(f"{text} has more than {ENGINE_SCALE} decimal places", tok.offset)
    if value.adjusted() >= _MAX_INT_DIGITS:
        raise FormulaError(f"{text} is too large", tok.offset)
    return Num(value, text, tok.offset)


def _check_arity(name: _Token, args: list[Node]) -> None:
    low, high = _ARITY[name.text]
    if high is None and len(args) < low:
        expected = f"at least {low} arguments"
    elif high is not None and not low <= len(args) <= high:
        expected = f"{low} argument" if low == high else f"{low} or {high} arguments"
        expected += "s" if low == high and low != 1 else ""
    else:
        expected = ""
    if expected:
        raise FormulaError(f"{name.text}() takes {expected}, got {len(args)}", name.offset)
    if name.text == "round":
        places = args[1]
        # The number of places must be known when compiling: Polars round takes an int.
        if not (
            isinstance(places, Num)
            and not places.text.endswith("%")
            and places.value == places.value.to_integral_value()
            and 0 <= places.value <= ENGINE_SCALE
        ):
            raise FormulaError(
                f"round() needs a whole number of places from 0 to {ENGINE_SCALE}",
                _node_start(places),
            )


def _node_start(node: Node) -> int:
    if isinstance(node, Binary):
        return _node_start(node.left)
    return node.offset


def _names(node: Node) -> set[str]:
    if isinstance(node, Name):
        return {node.name}
    if isinstance(node, Unary):
        return _names(node.operand)
    if isinstance(node, Binary):
        return _names(node.left) | _names(node.right)
    if isinstance(node, Call):
        return set().union(*(_names(a) for a in node.args))
    return set()


def is_condition(formula: Formula) -> bool:
    """True when the formula is a yes/no test (a comparison, and/or/not, true/false)."""
    root = formula.root
    if isinstance(root, Bool):
        return True
    if isinstance(root, Unary):
        return root.op == "not"
    return isinstance(root, Binary) and (root.op in _COMPARISONS or root.op in ("and", "or"))


def explain_terms(formula: Formula) -> list[Formula]:
    """The values a payslip explanation should show for a formula: each name read directly,
    and each team aggregate as a whole (its result, not the agent's own inputs), in order
    of first appearance."""
    found: dict[str, Formula] = {}

    def visit(node: Node) -> None:
        if isinstance(node, Call) and (
            node.name.startswith("team_") or node.name in HISTORY_FUNCTIONS
        ):
            text = _render(node)
            found.setdefault(text, Formula(text=text, names=frozenset(_names(node)), root=node))
            return
        if isinstance(node, Name):
            found.setdefault(
                node.name, Formula(text=node.name, names=frozenset({node.name}), root=node)
            )
        for child in _children(node):
            visit(child)

    visit(formula.root)
    return list(found.values())


def _children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, Unary):
        return (node.operand,)
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, Call):
        return node.args
    return ()


def parse(text: str) -> Formula:
    """Parse a formula; raises FormulaError with the offset of the problem."""
    root = _Parser(text).parse()
    return Formula(text=text, names=frozenset(_names(root)), root=root)


# ------------------------------------------------------------------------------ renderer


def _prec(node: Node) -> int:
    if isinstance(node, Binary):
        return _BINARY_PREC[node.op]
    if isinstance(node, Unary):
        return _NOT_PREC if node.op == "not" else 7
    return 8


def _render(node: Node) -> str:
    if isinstance(node, Num):
        return node.text
    if isinstance(node, Str):
        quote = "'" if '"' in node.value and "'" not in node.value else '"'
        return quote + node.value.replace("\\", "\\\\").replace(quote, "\\" + quote) + quote
    if isinstance(node, Bool):
        return "true" if node.value else "false"
    if isinstance(node, Name):
        return node.name
    if isinstance(node, Call):
        return f"{node.name}({', '.join(_render(a) for a in node.args)})"
    if isinstance(node, Unary):
        inner = _render(node.operand)
        if _prec(node.operand) < _prec(node):
            inner = f"({inner})"
        return f"not {inner}" if node.op == "not" else f"{node.op}{inner}"
    prec = _BINARY_PREC[node.op]
    left, right = _render(node.left), _render(node.right)
    # Left-associative: the left side may share our precedence (except chained
    # comparisons), the right side needs parentheses when it does, to keep the tree.
    if _prec(node.left) < prec or (prec == _CMP_PREC and _prec(node.left) == prec):
        left = f"({left})"
    if _prec(node.right) <= prec:
        right = f"({right})"
    return f"{left} {node.op} {right}"


def render(formula: Formula) -> str:
    """The formula with normalised spacing and minimal parentheses, numbers as written
    (``net_sales * 1%``); used in payslip explanations."""
    return _render(formula.root)


# ------------------------------------------------------------------------------ compiler


def compile_formula(
    formula: Formula, resolve: Callable[[str], pl.Expr], team_column: str = "team"
) -> pl.Expr:
    """Compile to a Polars expression. ``resolve(name)`` gives the expression for an
    identifier (numbers already Decimal(38, 10), strings Utf8). Team aggregates are windows
    over ``team_column``."""
    import polars as pl

    dec = ENGINE

    def lit(value: Decimal | int) -> pl.Expr:
        return pl.lit(Decimal(value), dtype=dec)

    def divide(a: pl.Expr, b: pl.Expr) -> pl.Expr:
        # Polars evaluates both when/then branches, so the divisor itself must be made
        # non-zero; the outer when then turns x / 0 into 0.
        is_zero = b == lit(0)
        safe = pl.when(is_zero).then(lit(1)).otherwise(b)
        return pl.when(is_zero).then(lit(0)).otherwise((a / safe).cast(dec))

    def team(value: pl.Expr, cond: pl.Expr | None) -> pl.Expr:
        # Rows failing the condition become null, which aggregates skip.
        return value if cond is None else pl.when(cond).then(value)

    def history(name: str, current: pl.Expr, node: Node) -> pl.Expr:
        """This month's value joined with the earlier months' columns."""
        span, statistic = HISTORY_FUNCTIONS[name]
        text = _render(node)
        if statistic == "streak":
            past = resolve(history_column(span, "streak", text))
            return pl.when(current.fill_null(False)).then(past + lit(1)).otherwise(lit(0))
        total = resolve(history_column(span, "sum", text)) + current
        if statistic == "sum":
            return total.cast(dec)
        months = resolve(history_column(span, "count", text)) + lit(1)
        return divide(total.cast(dec), months)

    def call(name: str, args: list[pl.Expr], nodes: tuple[Node, ...]) -> pl.Expr:
        if name in HISTORY_FUNCTIONS:
            return history(name, args[0], nodes[0])
        cond = args[1] if len(args) == 2 else None
        if name == "if":
            return pl.when(args[0]).then(args[1]).otherwise(args[2])
        if name == "min":
            return pl.min_horizontal(*args)
        if name == "max":
            return pl.max_horizontal(*args)
        if name == "abs":
            return args[0].abs()
        if name == "floor":
            return args[0].floor().cast(dec)
        if name == "ceil":
            return args[0].ceil().cast(dec)
        if name == "round":
            places = nodes[1]
            assert isinstance(places, Num)  # checked by the parser
            return args[0].round(int(places.value), mode="half_away_from_zero").cast(dec)
        if name == "clamp":
            return args[0].clip(args[1], args[2])
        if name == "team_sum":
            return team(args[0], cond).sum().over(team_column).cast(dec)
        if name == "team_count":
            hits = args[0].fill_null(False).cast(pl.Int64)
            return hits.sum().over(team_column).cast(dec)
        if name == "team_mean":
            # Exact sum / count: Polars mean of a Decimal is a Float64. Empty → 0.
            value = team(args[0], cond)
            total = value.sum().over(team_column)
            count = value.count().over(team_column).cast(dec)
            return divide(total, count)
        if name in ("team_max", "team_min"):
            value = team(args[0], cond)
            agg = value.max() if name == "team_max" else value.min()
            # No counted row in the team → 0, like team_sum and team_mean.
            return agg.over(team_column).fill_null(lit(0)).cast(dec)
        raise AssertionError(name)  # the parser only accepts FUNCTIONS

    def emit(node: Node) -> pl.Expr:
        if isinstance(node, Num):
            return lit(node.value)
        if isinstance(node, Str):
            return pl.lit(node.value, dtype=pl.Utf8)
        if isinstance(node, Bool):
            return pl.lit(node.value, dtype=pl.Boolean)
        if isinstance(node, Name):
            return resolve(node.name)
        if isinstance(node, Unary):
            operand = emit(node.operand)
            if node.op == "not":
                return ~operand
            return -operand if node.op == "-" else operand
        if isinstance(node, Call):
            return call(node.name, [emit(a) for a in node.args], node.args)
        a, b = emit(node.left), emit(node.right)
        if node.op == "/":
            return divide(a, b)
        result = _OPERATORS[node.op](a, b)
        # Decimal * keeps the larger scale today; cast so the dtype is a promise, not luck.
        return result.cast(dec) if node.op in "+-*" else result

    return emit(formula.root)
