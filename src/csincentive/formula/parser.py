"""Formula text → syntax tree: a hand-written tokenizer and a precedence-climbing parser.

Formulas are untrusted text, so there is no ``eval``. Mistakes people make often (``&&``,
``=``, full-width brackets from a Chinese input method) are answered with the fix, and every
error carries the offset of the problem.

Formulas are also bounded, so no text can exhaust the parser, the engine or the machine:
limits far above any real scheme (the longest shipped formula has 195 characters, 3
levels of brackets and 17 values), each reported under its own code."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from decimal import Decimal

from csincentive.core.money import ENGINE_SCALE
from csincentive.formula.functions import FUNCTIONS, check_call
from csincentive.formula.syntax import (
    BINARY_PREC,
    CMP_PREC,
    KEYWORDS,
    NOT_PREC,
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
    names_in,
)

_MAX_INT_DIGITS = 38 - ENGINE_SCALE  # what fits in Decimal(38, 10)

# The limits (docs/rules.md, "Limits"). The parser recurses once per level of brackets,
# call or sign, and every later walk of the tree (names, compile, explanations) recurses
# once per node along its deepest path, which a flat sum makes as long as its values: the
# nesting and value limits keep both far inside Python's recursion limit.
MAX_FORMULA_LENGTH = 2_000  # characters
MAX_NESTING = 30  # brackets, function calls and signs inside one another
MAX_VALUES = 200  # numbers, names, texts, true/false

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
            continue
        if c in _DIGITS:
            token, i = _read_number(text, i)
        elif _is_name_start(c):
            token, i = _read_name(text, i)
        elif c in "\"'":
            value, end = _read_string(text, i)
            token, i = _Token("str", value, i), end
        elif text.startswith(_TWO_CHAR, i):
            token, i = _Token("op", text[i : i + 2], i), i + 2
        elif c in _ONE_CHAR:
            token, i = _Token("op", c, i), i + 1
        else:
            raise _not_an_operator(text, i)
        tokens.append(token)
    tokens.append(_Token("eof", "", n))
    return tokens


def _read_number(text: str, start: int) -> tuple[_Token, int]:
    """Digits, an optional fraction and an optional ``%``."""
    i, n = start, len(text)
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
    return _Token("num", text[start:i], start), i


def _read_name(text: str, start: int) -> tuple[_Token, int]:
    i = start
    while i < len(text) and _is_name_char(text[i]):
        i += 1
    return _Token("name", text[start:i], start), i


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


def _not_an_operator(text: str, i: int) -> FormulaError:
    """The error for a character that starts no token, with the fix when there is one."""
    c = text[i]
    if text.startswith(("&&", "||"), i):
        return FormulaError(_MISTAKES[text[i : i + 2]], i)
    if c in _MISTAKES:
        return FormulaError(_MISTAKES[c], i)
    if c in _FULLWIDTH:
        return FormulaError(f"use the ASCII '{_FULLWIDTH[c]}' instead of '{c}'", i)
    return FormulaError(f"unexpected character {c!r}", i)


# -------------------------------------------------------------------------------- parser


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.pos = 0
        self.depth = 0  # brackets, calls and signs open around the current token
        self.values = 0

    def enter(self, tok: _Token) -> None:
        """One more level of nesting at ``tok``; refused past MAX_NESTING."""
        self.depth += 1
        if self.depth > MAX_NESTING:
            message = (
                f"brackets, function calls and signs are nested more than {MAX_NESTING}"
                " deep here; split the formula into components"
            )
            raise FormulaError(message, tok.offset, code="E114")

    def leave(self) -> None:
        self.depth -= 1

    def count_value(self, tok: _Token) -> None:
        self.values += 1
        if self.values > MAX_VALUES:
            message = (
                f"more than {MAX_VALUES} values (numbers, names, texts) in one formula;"
                " split it into components"
            )
            raise FormulaError(message, tok.offset, code="E115")

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
            return BINARY_PREC.get(tok.text)
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
            if prec == CMP_PREC:
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
            self.enter(tok)
            node = Unary(tok.text, self.unary(min_prec), tok.offset)
            self.leave()
            return node
        if tok.kind == "name" and tok.text == "not":
            if min_prec > NOT_PREC:  # e.g. `a + not b`: ambiguous, ask for parentheses
                raise FormulaError("put 'not ...' in parentheses here", tok.offset)
            self.advance()
            self.enter(tok)
            node = Unary("not", self.expr(NOT_PREC), tok.offset)
            self.leave()
            return node
        return self.atom()

    def atom(self) -> Node:
        tok = self.advance()
        if tok.kind in ("num", "str") or (tok.kind == "name" and not self.is_op("(")):
            self.count_value(tok)  # a function's name is not a value; its arguments are
        if tok.kind == "num":
            return _number(tok)
        if tok.kind == "str":
            return Str(tok.text, tok.offset)
        if tok.kind == "name":
            return self.word(tok)
        if tok.kind == "op" and tok.text == "(":
            self.enter(tok)
            node = self.expr(1)
            self.close(tok)
            self.leave()
            return node
        if tok.kind == "eof":
            raise FormulaError("expected a value at the end of the formula", tok.offset)
        raise FormulaError(f"expected a value, found {tok.text!r}", tok.offset)

    def word(self, tok: _Token) -> Node:
        """A name, true/false, or a function call."""
        if tok.text in ("true", "false"):
            return Bool(tok.text == "true", tok.offset)
        if tok.text in KEYWORDS:
            raise FormulaError(f"expected a value before '{tok.text}'", tok.offset)
        if self.is_op("("):
            return self.call(tok)
        return Name(tok.text, tok.offset)

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
        self.enter(name)
        args: list[Node] = []
        if not self.is_op(")"):
            args.append(self.expr(1))
            while self.is_op(","):
                self.advance()
                args.append(self.expr(1))
        self.close(opening)
        self.leave()
        call = Call(name.text, tuple(args), name.offset)
        check_call(call)
        return call


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


def parse(text: str) -> Formula:
    """Parse a formula; raises FormulaError with the offset of the problem."""
    if len(text) > MAX_FORMULA_LENGTH:  # refused before it is read: the text may be huge
        message = (
            f"{len(text):,} characters; a formula may have at most"
            f" {MAX_FORMULA_LENGTH:,}: split it into components"
        )
        raise FormulaError(message, MAX_FORMULA_LENGTH, code="E113")
    root = _Parser(text).parse()
    return Formula(text=text, names=frozenset(names_in(root)), root=root)
