"""last_month(x[, fallback]) and change(x[, fallback]) in the formula language: how they
compile over the columns month/history.py fills, what they read this month, what an
explanation shows. Values worked by hand in the comments."""

from __future__ import annotations

from decimal import Decimal

import polars as pl
import pytest

from csincentive.core.money import ENGINE
from csincentive.formula import (
    FormulaError,
    compile_formula,
    explain_terms,
    history_calls,
    history_column,
    parse,
    this_month_names,
)
from csincentive.formula.functions import LAST_NEW_HIRE, LAST_RECORDED

# Three people: one recorded last month with x = 100, one hired this month, one the ledger's
# last month does not have (null: only a call with a fallback meets them). x = 130 now.
PEOPLE = pl.DataFrame(
    {
        history_column("last", "value", "x"): [Decimal(100), Decimal(0), Decimal(0)],
        history_column("last", "known", "x"): [LAST_RECORDED, LAST_NEW_HIRE, None],
        "x": [Decimal(130)] * 3,
        "target": [Decimal(7)] * 3,
    },
    schema_overrides={
        history_column("last", "value", "x"): ENGINE,
        history_column("last", "known", "x"): ENGINE,
        "x": ENGINE,
        "target": ENGINE,
    },
)


def values(text: str) -> list[Decimal | None]:
    expr = compile_formula(parse(text), lambda name: pl.col(name))
    return PEOPLE.select(expr.alias("v"))["v"].to_list()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # recorded: 100; hired this month: 0; not recorded: null (refused before compiling)
        ("last_month(x)", [Decimal(100), Decimal(0), None]),
        # 130 − 100 = 30; a newcomer 130 − 0 = 130
        ("change(x)", [Decimal(30), Decimal(130), None]),
        # the fallback for everyone without a last month, the newcomer included
        ("last_month(x, 5)", [Decimal(100), Decimal(5), Decimal(5)]),
        ("change(x, 0)", [Decimal(30), Decimal(0), Decimal(0)]),
        # a fallback is a formula of this month: target = 7
        ("last_month(x, target * 2)", [Decimal(100), Decimal(14), Decimal(14)]),
    ],
)
def test_last_month_and_change(text: str, expected: list[Decimal | None]) -> None:
    assert values(text) == expected


def test_last_month_never_reads_this_months_x() -> None:
    # A component may read its own last month: x itself is not read this month.
    def resolve(name: str) -> pl.Expr:
        assert name != "x", "this month's x was read"
        return pl.col(name)

    expr = compile_formula(parse("last_month(x, target)"), resolve)
    assert PEOPLE.select(expr)[:, 0].to_list() == [Decimal(100), Decimal(7), Decimal(7)]
    assert this_month_names(parse("last_month(x)")) == frozenset()
    assert this_month_names(parse("last_month(x, target)")) == {"target"}  # read this month
    assert this_month_names(parse("change(x)")) == {"x"}


def test_the_ledger_calls_say_whether_they_have_a_fallback() -> None:
    calls = history_calls(parse("change(sales) + last_month(orders, 0)"))
    assert [(c.function, c.span, c.argument.text, c.fallback) for c in calls] == [
        ("change", "last", "sales", False),
        ("last_month", "last", "orders", True),
    ]


def test_a_change_is_explained_with_last_month() -> None:
    terms = explain_terms(parse("100 * floor(max(change(sales, 0), 0) / step)"))
    assert [t.text for t in terms] == ["change(sales, 0)", "last_month(sales)", "step"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("last_month()", "last_month() takes 1 or 2 arguments, got 0"),
        ("change(x, 0, 1)", "change() takes 1 or 2 arguments, got 3"),
    ],
)
def test_arity(text: str, message: str) -> None:
    with pytest.raises(FormulaError) as info:
        parse(text)
    assert info.value.message == message
