"""Formula language: parsing, errors with offsets, and exact evaluation through Polars.
Every expected value below was worked out by hand (the arithmetic is in the comments)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from csincentive.formula import (
    FUNCTION_TABLE,
    FUNCTIONS,
    FormulaError,
    Function,
    compile_formula,
    parse,
    render,
    this_month_names,
)

DEC = pl.Decimal(38, 10)


def frame() -> pl.DataFrame:
    # Two teams: A has two agents and a supervisor, B one agent and one supervisor.
    return pl.DataFrame(
        {
            "team": ["A", "A", "A", "B", "B"],
            "role": ["agent", "agent", "supervisor", "agent", "supervisor"],
            "x": [Decimal("10"), Decimal("20"), Decimal("100"), Decimal("7"), Decimal("0")],
            "y": [Decimal("4"), Decimal("0"), Decimal("-0.125"), Decimal("0.125"), Decimal("3")],
        },
        schema={"team": pl.Utf8, "role": pl.Utf8, "x": DEC, "y": DEC},
    )


def column(text: str, df: pl.DataFrame | None = None) -> list[object]:
    df = frame() if df is None else df
    out = df.select(compile_formula(parse(text), pl.col).alias("out"))
    return out["out"].to_list()


def scalar(text: str) -> object:
    """Evaluate a formula without names on a one-row frame."""
    out = pl.DataFrame({"team": ["A"]}).select(compile_formula(parse(text), pl.col).alias("v"))
    return out["v"][0]


def D(text: str) -> Decimal:
    return Decimal(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 + 2 * 3", "7"),  # * binds tighter: 1 + 6
        ("-2 * 3", "-6"),  # unary minus binds tighter still: (-2) * 3
        ("(1+2)*3", "9"),
        ("10 - 4 - 3", "3"),  # left-associative: (10 - 4) - 3
        ("12 / 4 / 3", "1"),  # (12 / 4) / 3
        ("33.3% * 3", "0.999"),  # 0.333 * 3, exact: never a float
        ("12.5%", "0.125"),
        ("1 / 3", "0.3333333333"),  # ten places, the engine scale
        ("5 / 0", "0"),  # documented: division by zero is 0
        ("5 / (2 - 2)", "0"),
        ("if(1 < 2, 10, 20)", "10"),
        ("if(1 > 2, 10, 20)", "20"),
        ("min(3, 1.5, 2)", "1.5"),
        ("max(3, 1.5, 2)", "3"),
        ("abs(-2.5)", "2.5"),
        ("floor(-1.5)", "-2"),
        ("ceil(1.2)", "2"),
        ("clamp(5, 0, 3)", "3"),
        ("clamp(-5, 0, 3)", "0"),
        ("clamp(2, 0, 3)", "2"),
        ("round(0.125, 2)", "0.13"),  # half away from zero, not half-even (0.12)
        ("round(-0.125, 2)", "-0.13"),
        ("round(2.5, 0)", "3"),
    ],
)
def test_numeric_results_are_exact(text: str, expected: str) -> None:
    value = scalar(text)
    assert value == D(expected)
    assert isinstance(value, Decimal)


def test_arithmetic_stays_engine_decimal() -> None:
    df = frame()
    for text in ["x * y", "x / y", "x + 1", "-x", "round(x / 3, 2)", "team_mean(x)", "floor(y)"]:
        assert df.select(compile_formula(parse(text), pl.col)).dtypes == [DEC], text


def test_booleans_and_strings() -> None:
    assert scalar("not 1 == 2 and true") is True  # (not (1 == 2)) and true
    assert scalar("false or 1 >= 1") is True
    assert column('role == "agent"') == [True, True, False, True, False]
    assert column("role != 'agent' or x > 15") == [False, True, True, False, True]


def test_division_by_zero_per_row() -> None:
    # x / y with y = 4, 0, -0.125, 0.125, 3: 10/4, 20/0 → 0, 100/-0.125, 7/0.125, 0/3
    assert column("x / y") == [D("2.5"), D("0"), D("-800"), D("56"), D("0")]


def test_if_with_columns() -> None:
    # supervisors get x, agents get 2000 * y / 4
    got = column('if(role == "supervisor", x, 2000 * y / 4)')
    assert got == [D("2000"), D("0"), D("100"), D("62.5"), D("0")]


def test_team_aggregates() -> None:
    # team A: x = 10, 20, 100 (agents 10, 20); team B: x = 7, 0 (agent 7)
    a_and_b = lambda a, b: [D(a)] * 3 + [D(b)] * 2  # noqa: E731
    assert column("team_sum(x)") == a_and_b("130", "7")
    assert column('team_sum(x, role == "agent")') == a_and_b("30", "7")
    assert column("team_mean(x)") == a_and_b("43.3333333333", "3.5")  # 130/3, 7/2
    assert column('team_mean(x, role == "agent")') == a_and_b("15", "7")  # 30/2, 7/1
    assert column('team_count(role == "agent")') == a_and_b("2", "1")
    assert column("team_max(x)") == a_and_b("100", "7")
    assert column('team_max(x, role == "agent")') == a_and_b("20", "7")
    assert column("team_min(y)") == a_and_b("-0.125", "0.125")
    # No row passes the condition: sum, mean, max all give 0 rather than null or a crash.
    assert column("team_mean(x, x > 1000)") == a_and_b("0", "0")
    assert column("team_max(x, x > 1000)") == a_and_b("0", "0")


def test_team_ratio_from_the_rules_example() -> None:
    # team A agents: y sum 4 + 0 = 4, x sum 30 → 4/30; team B: 0.125 / 7
    got = column('team_sum(y, role == "agent") / team_sum(x, role == "agent")')
    assert got == [D("0.1333333333")] * 3 + [D("0.0178571429")] * 2


def test_team_column_is_configurable() -> None:
    df = frame().rename({"team": "group"})
    out = df.select(compile_formula(parse("team_sum(x)"), pl.col, team_column="group"))
    assert out.to_series().to_list() == [D("130")] * 3 + [D("7")] * 2


def test_names_exclude_functions_and_keywords() -> None:
    f = parse('if(role == "supervisor", supervisor_base, 2000 * probation_days / days_in_month)')
    assert f.names == {"role", "supervisor_base", "probation_days", "days_in_month"}
    assert parse("max(a, 1) and not true").names == {"a"}


def test_cjk_identifiers() -> None:
    f = parse("个人提成 * 1% + 底薪2")
    assert f.names == {"个人提成", "底薪2"}
    df = pl.DataFrame(
        {"个人提成": [D("300")], "底薪2": [D("1")]}, schema={"个人提成": DEC, "底薪2": DEC}
    )
    assert df.select(compile_formula(f, pl.col)).item() == D("4")  # 3 + 1


def test_resolve_is_used_for_names() -> None:
    f = parse("base + bonus")
    expr = compile_formula(f, lambda n: pl.lit(D("2") if n == "base" else D("0.5"), dtype=DEC))
    assert pl.select(expr).item() == D("2.5")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("net_sales*1%", "net_sales * 1%"),
        ("a-(b-c)", "a - (b - c)"),
        ("(a-b)-c", "a - b - c"),
        ("-(a+b)*2", "-(a + b) * 2"),
        ("not(a==b)and c", "not a == b and c"),
        ("(a or b) and c", "(a or b) and c"),
        ("if(role=='agent',1,2)", 'if(role == "agent", 1, 2)'),
    ],
)
def test_render_normalises_spacing(text: str, expected: str) -> None:
    assert render(parse(text)) == expected
    assert render(parse(expected)) == expected  # rendering is a fixed point


@pytest.mark.parametrize(
    ("text", "offset", "fragment"),
    [
        ("maxx(1,2)", 0, "did you mean 'max'"),
        ("1 + ", 4, "end of the formula"),
        ("(1 + 2", 0, "never closed"),
        ("1 + 2)", 5, "unmatched ')'"),
        ("a && b", 2, "use 'and' instead of '&&'"),
        ("a || b", 2, "use 'or' instead of '||'"),
        ("a = b", 2, "use '==' to compare"),
        ("", 0, "empty"),
        ("   ", 0, "empty"),
        ("x + max(1)", 4, "at least 2"),
        ("if(a, b)", 0, "takes 3 arguments"),
        ("team_sum(x, a, b)", 0, "1 or 2 arguments"),
        ("round(x, n)", 9, "whole number"),
        ("1 < 2 < 3", 6, "chained"),
        ("a b", 2, "operator"),
        ("'abc", 0, "never closed"),
        ("a （b）", 2, "ASCII '('"),
        ("0.00000000001", 0, "decimal places"),
        ("x * % 3", 4, "'%'"),
    ],
)
def test_errors_point_at_the_problem(text: str, offset: int, fragment: str) -> None:
    with pytest.raises(FormulaError) as info:
        parse(text)
    assert info.value.offset == offset
    assert fragment in info.value.message


def test_functions_constant() -> None:
    assert {"if", "min", "max", "round", "team_sum", "team_mean", "team_count"} <= FUNCTIONS


def signature_arity(signature: str) -> tuple[int, int | None]:
    """(fewest, most) arguments a documented signature shows: "team_sum(x[, cond])" → (1, 2),
    "min(a, b, …)" → (2, None)."""
    inside = signature[signature.index("(") + 1 : signature.rindex(")")]
    required, _, optional = inside.partition("[")
    names = [a.strip() for a in required.split(",") if a.strip()]
    if names[-1] == "…":
        return len(names) - 1, None
    return len(names), len(names) + optional.count(",")


@pytest.mark.parametrize("function", FUNCTION_TABLE.values(), ids=lambda f: f.name)
def test_every_function_is_fully_described(function: Function) -> None:
    assert function.signature.startswith(function.name + "(")
    assert function.meaning and "|" not in function.meaning  # a cell of the docs table
    assert signature_arity(function.signature) == (function.min_args, function.max_args)
    history = function.group == "history"
    assert (function.span is not None, function.statistic is not None) == (history, history)
    assert history or not function.earlier_only
    assert callable(function.compile)


def docs_function_rows() -> list[str]:
    """The rows of docs/rules.md's function table, header included."""
    lines = (Path(__file__).resolve().parents[2] / "docs" / "rules.md").read_text("utf-8")
    rows = lines.split("| function | value | reads |", 1)[1].split("\n\n", 1)[0]
    return ["| function | value | reads |", *rows.strip().splitlines()]


def test_the_docs_list_every_function_and_no_other() -> None:
    documented = [row.split("`")[1].split("(")[0] for row in docs_function_rows()[2:]]
    assert sorted(documented) == sorted(FUNCTION_TABLE)
    # Row for row as the table says them (to regenerate: print these rows).
    assert docs_function_rows() == [
        "| function | value | reads |",
        "|---|---|---|",
        *(f"| `{f.signature}` | {f.meaning} | {f.source} |" for f in FUNCTION_TABLE.values()),
    ]


def test_arity_messages_come_from_the_table() -> None:
    for text, message in [
        ("clamp(1, 2)", "clamp() takes 3 arguments, got 2"),
        ("abs(1, 2)", "abs() takes 1 argument, got 2"),
        ("min(1)", "min() takes at least 2 arguments, got 1"),
        ("team_max()", "team_max() takes 1 or 2 arguments, got 0"),
        ("year_sum(a, b)", "year_sum() takes 1 argument, got 2"),
    ]:
        with pytest.raises(FormulaError) as info:
            parse(text)
        assert info.value.message == message


def history_resolve(name: str) -> pl.Expr:
    """x = 10 this month; the earlier months' columns: Σ 100 over 2 months, a run of 3."""
    earlier = {"sum": "100", "count": "2", "streak": "3"}
    if name.startswith("__history__"):
        statistic = name.split(":")[1]  # history_column(span, statistic, argument)
        return pl.lit(D(earlier[statistic]), dtype=DEC)
    return pl.lit(D("10"), dtype=DEC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("quarter_sum(x)", "110"),  # 100 earlier + 10 now
        ("year_sum(x * 2)", "120"),  # 100 earlier + 20 now
        ("year_mean(x)", "36.6666666667"),  # 110 / (2 + 1) months
        ("quarter_mean(x)", "36.6666666667"),
        ("months_in_a_row(x > 5)", "4"),  # 3 earlier + this month
        ("months_in_a_row(x > 50)", "0"),  # not this month: the run is broken
        ("year_sum_before(x)", "100"),  # the earlier months alone
        ("quarter_sum_before(x) + x", "110"),
    ],
)
def test_history_functions_join_the_earlier_months(text: str, expected: str) -> None:
    assert pl.select(compile_formula(parse(text), history_resolve)).item() == D(expected)


def test_an_earlier_months_only_call_never_reads_this_month() -> None:
    # iit's own column does not exist while iit is computed: only the ledger's is read.
    def resolve(name: str) -> pl.Expr:
        assert name != "iit", "this month's iit was read"
        return history_resolve(name)

    expr = compile_formula(parse("tax_to_date - year_sum_before(iit)"), resolve)
    assert pl.select(expr).item() == D("-90")  # 10 − 100
    assert this_month_names(parse("tax_to_date - year_sum_before(iit)")) == {"tax_to_date"}
    assert this_month_names(parse("iit + year_sum(iit)")) == {"iit"}


@given(
    st.integers(min_value=-1000, max_value=1000),
    st.integers(min_value=-1000, max_value=1000),
    st.integers(min_value=-1000, max_value=1000),
)
def test_precedence_property(a: int, b: int, c: int) -> None:
    # Literal negatives go through unary minus, so this also checks it binds tighter than *.
    assert scalar(f"{a} + {b} * {c}") == Decimal(a + b * c)
