"""The formula language's syntax tree: the error a bad formula raises, the nodes the parser
builds, operator precedence, walking a tree, and printing one back as text.

Nothing here knows what a function does (that is ``functions.py``) or how a tree becomes a
Polars expression (``compile.py``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal


class FormulaError(Exception):
    """A formula that cannot be parsed. ``offset`` is the 0-based character offset into the
    formula text, so callers can point a caret (or a file:line:col) at the problem; ``code``
    is the diagnostic code to report it under (E111, or the code of the limit it passes)."""

    def __init__(self, message: str, offset: int, code: str = "E111") -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset
        self.code = code

    def __str__(self) -> str:
        return self.message


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


def formula_of(node: Node) -> Formula:
    """A sub-tree as a formula of its own (a history call's argument, a term to explain)."""
    return Formula(text=render_node(node), names=frozenset(names_in(node)), root=node)


# ---------------------------------------------------------------------------- precedence

KEYWORDS = frozenset({"and", "or", "not", "true", "false"})
COMPARISONS = frozenset({"==", "!=", "<", "<=", ">", ">="})
NOT_PREC = 3
CMP_PREC = 4
BINARY_PREC: dict[str, int] = {
    "or": 1,
    "and": 2,
    **{op: CMP_PREC for op in COMPARISONS},
    "+": 5,
    "-": 5,
    "*": 6,
    "/": 6,
}
_UNARY_SIGN_PREC = 7  # -x, +x bind tighter than * and /
_ATOM_PREC = 8


# ------------------------------------------------------------------------------ walking


def children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, Unary):
        return (node.operand,)
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, Call):
        return node.args
    return ()


def names_in(node: Node) -> set[str]:
    """The identifiers a tree reads (function names are not identifiers)."""
    if isinstance(node, Name):
        return {node.name}
    return set().union(*(names_in(child) for child in children(node)))


def node_start(node: Node) -> int:
    """Where the node's text begins: a binary node's offset is its operator's."""
    if isinstance(node, Binary):
        return node_start(node.left)
    return node.offset


def is_condition(formula: Formula) -> bool:
    """True when the formula is a yes/no test (a comparison, and/or/not, true/false)."""
    root = formula.root
    if isinstance(root, Bool):
        return True
    if isinstance(root, Unary):
        return root.op == "not"
    return isinstance(root, Binary) and (root.op in COMPARISONS or root.op in ("and", "or"))


# ------------------------------------------------------------------------------ printing


def _prec(node: Node) -> int:
    if isinstance(node, Binary):
        return BINARY_PREC[node.op]
    if isinstance(node, Unary):
        return NOT_PREC if node.op == "not" else _UNARY_SIGN_PREC
    return _ATOM_PREC


def _render_string(value: str) -> str:
    quote = "'" if '"' in value and "'" not in value else '"'
    return quote + value.replace("\\", "\\\\").replace(quote, "\\" + quote) + quote


@dataclass(frozen=True)
class Words:
    """How a formula is printed for a reader: each name in their words (a component's
    label, a metric's name in Chinese) and the keywords and, or, not, true, false in
    their language. None prints the formula as written."""

    name: Callable[[str], str]
    keywords: Mapping[str, str]

    def keyword(self, text: str) -> str:
        return self.keywords.get(text, text)


def _keyword(text: str, words: Words | None) -> str:
    return text if words is None else words.keyword(text)


def _render_unary(node: Unary, words: Words | None) -> str:
    inner = render_node(node.operand, words)
    if _prec(node.operand) < _prec(node):
        inner = f"({inner})"
    return f"{_keyword('not', words)} {inner}" if node.op == "not" else f"{node.op}{inner}"


def _render_binary(node: Binary, words: Words | None) -> str:
    prec = BINARY_PREC[node.op]
    left, right = render_node(node.left, words), render_node(node.right, words)
    # Left-associative: the left side may share our precedence (except chained
    # comparisons), the right side needs parentheses when it does, to keep the tree.
    if _prec(node.left) < prec or (prec == CMP_PREC and _prec(node.left) == prec):
        left = f"({left})"
    if _prec(node.right) <= prec:
        right = f"({right})"
    op = _keyword(node.op, words) if node.op in ("and", "or") else node.op
    return f"{left} {op} {right}"


def render_node(node: Node, words: Words | None = None) -> str:
    if isinstance(node, Num):
        return node.text
    if isinstance(node, Str):
        return _render_string(node.value)
    if isinstance(node, Bool):
        return _keyword("true" if node.value else "false", words)
    if isinstance(node, Name):
        return node.name if words is None else words.name(node.name)
    if isinstance(node, Call):
        return f"{node.name}({', '.join(render_node(a, words) for a in node.args)})"
    if isinstance(node, Unary):
        return _render_unary(node, words)
    return _render_binary(node, words)


def render(formula: Formula, words: Words | None = None) -> str:
    """The formula with normalised spacing and minimal parentheses, numbers as written
    (``net_sales * 1%``); used in payslip explanations, with ``words`` in the reader's."""
    return render_node(formula.root, words)
