"""The formula's limits (issue 11): a formula longer than 2,000 characters (E113), nested
more than 30 deep (E114) or with more than 200 values (E115) is refused at the place it
passes the limit, before anything recurses through it; a formula right at every limit
still computes, to the value worked by hand."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from helpers import ROOT, ignoring_the_temp

from csincentive.formula import FormulaError, parse
from csincentive.formula.parser import MAX_FORMULA_LENGTH, MAX_NESTING, MAX_VALUES
from csincentive.month.compute import compute_month
from csincentive.rules.loader import check_rules

MONTH = ROOT / "tests" / "months" / "2026-10"


def refused(text: str) -> FormulaError:
    with pytest.raises(FormulaError) as caught:
        parse(text)
    return caught.value


def test_the_limits_are_those_the_docs_give():
    assert (MAX_FORMULA_LENGTH, MAX_NESTING, MAX_VALUES) == (2_000, 30, 200)
    limits = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8").split("## Limits")[1]
    for figure in ("| a formula: 2,000 characters", "nested 30 deep", "200 values"):
        assert figure in limits


def test_a_formula_too_long_is_refused_before_it_is_read():
    # 10,000 nested brackets were a RecursionError; now the length stops them first, at the
    # first character past the limit (offset 2,000).
    error = refused("(" * 10_000 + "1" + ")" * 10_000)
    assert (error.code, error.offset) == ("E113", 2_000)
    assert error.message == (
        "20,001 characters; a formula may have at most 2,000: split it into components"
    )
    # A 100,000-term sum (a RecursionError in names_in before).
    assert refused("+".join(["sessions"] * 100_000)).code == "E113"
    assert parse("1" + " " * 1_999).root.value == 1  # exactly 2,000 characters: accepted


@pytest.mark.parametrize(
    ("text", "offset"),
    [
        ("(" * 31 + "1" + ")" * 31, 30),  # the 31st bracket
        ("-" * 31 + "1", 30),  # 31 signs: each one is a level
        ("not " * 31 + "true", 120),  # the 31st `not`, 4 characters each
        ("max(" * 31 + "1" + ", 1)" * 31, 120),  # the 31st call's name
        ("-(" * 16 + "1" + ")" * 16, 30),  # sign, bracket, sign …: the 16th sign
    ],
)
def test_nesting_past_30_is_refused_where_it_passes(text: str, offset: int):
    error = refused(text)
    assert (error.code, error.offset) == ("E114", offset)
    assert error.message == (
        "brackets, function calls and signs are nested more than 30 deep here;"
        " split the formula into components"
    )


def test_nesting_of_30_is_accepted_and_nesting_is_not_length():
    assert parse("(" * 30 + "1" + ")" * 30).root.value == 1
    assert parse("-" * 30 + "1").root is not None
    # Thirty levels open and close many times: never more than 2 deep at once.
    assert parse(" + ".join(["((1))"] * 40)).root is not None


def test_more_than_200_values_are_refused_at_the_201st():
    error = refused("+".join(["1"] * 201))  # "1+1+…": the 201st 1 is at offset 400
    assert (error.code, error.offset) == ("E115", 400)
    assert error.message == (
        "more than 200 values (numbers, names, texts) in one formula; split it into components"
    )
    assert parse("+".join(["1"] * 200)).names == frozenset()
    # A function's name is not a value; its arguments are: 100 × max(x, 1) is 200 values.
    assert parse("+".join(["max(x, 1)"] * 100)).names == {"x"}
    assert refused("+".join(["max(x, 1)"] * 100) + "+x").code == "E115"


def test_a_rules_file_reports_each_limit_at_its_line_and_column(tmp_path: Path):
    # Line 8 is `expr = "…"`: the formula starts at col 9, its 31st bracket at col 39.
    path = tmp_path / "r.toml"
    header = '[scheme]\nid = "t"\nname = "T"\nvalid_from = "2026-01-01"\n'
    path.write_text(
        header + '[components.b]\nlabel = "b"\nkind = "formula"\n'
        f'expr = "{"(" * 40}sessions{")" * 40}"\n',
        encoding="utf-8",
    )
    [d] = check_rules(path)[1]
    assert (d.code, d.line, d.col, d.path) == ("E114", 8, 9 + 30, "components.b.expr")


def test_formulas_at_every_limit_compute(tmp_path: Path):
    """No later walk of the tree (names, compile, explanations) runs out of recursion at
    the limits: 200 values in a flat sum inside 29 brackets (1,857 characters), 30 signs,
    and calls nested with a long sum inside them."""
    flat = "(" * 29 + "+".join(["sessions"] * 200) + ")" * 29
    signs = "-" * 30 + "sessions"
    calls = "max(" * 29 + "+".join(["sessions"] * 170) + ", 1)" * 29
    body = "".join(
        f'[components.{cid}]\nlabel = "{cid}"\nkind = "formula"\nexpr = "{expr}"\n'
        for cid, expr in (("flat", flat), ("signs", signs), ("calls", calls))
    )
    rules = tmp_path / "at-the-limits.toml"
    header = '[scheme]\nid = "t"\nname = "T"\nvalid_from = "2026-01-01"\n'
    rules.write_text(ignoring_the_temp(header + body), encoding="utf-8")
    assert check_rules(rules)[1] == []
    month = tmp_path / "2026-10"
    shutil.copytree(MONTH, month)
    payroll = compute_month(month, rules).payroll
    a1 = payroll.filter(payroll["agent_id"] == "A1").row(0, named=True)
    # A1 (小美) has 5 chat sessions in chats.csv: 200 × 5, 30 signs cancel out, 170 × 5.
    assert (a1["flat"], a1["signs"], a1["calls"]) == (
        Decimal("1000.00"),
        Decimal("5.00"),
        Decimal("850.00"),
    )
