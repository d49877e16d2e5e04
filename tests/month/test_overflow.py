"""A value that does not fit the engine's Decimal(38, 10) while the month is computed is
E171 (issue 11, item 4), at the formula that overflowed, never Polars' error: the month's
plan fails as a whole, and only then are the rules computed one at a time to find it.

The month is the hand-worked one (tests/months/2026-10): team 售前一组 has five people
(S1, A1–A4), 售前二组 one (A5). The engine keeps 28 digits before the point, so 10^28 is
the first value that does not fit."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from helpers import MONTH_RULES, ignoring_the_temp

from csincentive.core.diagnostics import Diagnostic, InputError
from csincentive.month.compute import compute_month
from csincentive.month.engine import Compiler

ROOT = Path(__file__).resolve().parents[2]
MONTH = ROOT / "tests" / "months" / "2026-10"
SCHEME = '[scheme]\nid = "t"\nname = "T"\nvalid_from = "2026-01-01"\n\n'  # lines 1-5
ADVICE = "the value exceeds 10^28: check the parameters and the formula's units"
E27 = "1" + "0" * 27  # 10^27: fits the engine


def params(x: str) -> str:
    return f"[params]\nx = {x}\n\n"  # lines 6-8


def component(cid: str, expr: str, *more: str) -> str:
    """[components.<cid>] on its first line, its expr on the fourth."""
    keys = "".join(f"{key}\n" for key in more)
    return f'[components.{cid}]\nlabel = "{cid}"\nkind = "formula"\nexpr = "{expr}"\n{keys}\n'


def refused(rules: Path, text: str) -> list[Diagnostic]:
    rules.write_text(ignoring_the_temp(text), encoding="utf-8")
    with pytest.raises(InputError) as raised:
        compute_month(MONTH, rules)
    return raised.value.diagnostics


def e171(file: Path, path: str, subject: str, line: int | None = None) -> Diagnostic:
    message = f"{subject} overflowed while the month was computed — {ADVICE}"
    col = None if line is None else 1
    return Diagnostic(str(file), message, code="E171", line=line, col=col, path=path)


def test_a_product_that_overflows_is_located_at_its_formula(tmp_path: Path):
    # 10^27 × 10^27 = 10^54.
    rules = tmp_path / "overflow.toml"
    text = SCHEME + params(E27) + component("b", "x * x")  # expr: line 12
    assert refused(rules, text) == [e171(rules, "components.b.expr", "'x * x'", 12)]


def test_a_team_sum_that_overflows_is_located_at_its_formula(tmp_path: Path):
    # Each person's a = 3×10^27 fits; 售前一组's five make 1.5×10^28, which does not.
    rules = tmp_path / "overflow.toml"
    a = component("a", "x", "pay = false")  # lines 9-13
    text = SCHEME + params("3" + "0" * 27) + a + component("b", "team_sum(a)")  # expr: 18
    assert refused(rules, text) == [e171(rules, "components.b.expr", "'team_sum(a)'", 18)]


def test_a_team_sum_just_under_the_limit_is_paid(tmp_path: Path):
    # 5 × 1.9×10^27 = 9.5×10^27 < 10^28: it fits, and is paid to the fen, worked by hand.
    rules = tmp_path / "fits.toml"
    a = component("a", "x", "pay = false")
    text = SCHEME + params("19" + "0" * 26) + a + component("b", "team_sum(a)")
    rules.write_text(ignoring_the_temp(text), encoding="utf-8")
    payroll = compute_month(MONTH, rules).payroll.sort("agent_id")
    assert payroll["agent_id"].to_list() == ["A1", "A2", "A3", "A4", "A5", "S1"]
    team_one, team_two = Decimal("95" + "0" * 26), Decimal("19" + "0" * 26)
    assert payroll["b"].to_list() == [team_one] * 4 + [team_two, team_one]


def test_a_flag_that_overflows_is_located_at_flag_when(tmp_path: Path):
    rules = tmp_path / "overflow.toml"
    flag = ('flag = "look"', 'flag_when = "x * x > 0"')  # flag_when: line 14
    text = SCHEME + params(E27) + component("b", "1", *flag)
    assert refused(rules, text) == [e171(rules, "components.b.flag_when", "'x * x > 0'", 14)]


def test_a_component_with_several_formulas_is_located_at_its_table(tmp_path: Path):
    # expr and cap are both formulas: which one overflowed is not told apart, so the
    # diagnostic points at [components.b] (line 9).
    rules = tmp_path / "overflow.toml"
    text = SCHEME + params(E27) + component("b", "x * x", 'cap = "x"')
    assert refused(rules, text) == [e171(rules, "components.b", "the component", 9)]


def test_a_later_total_that_overflows_names_it(tmp_path: Path):
    # gross = 1 for everyone, × 10^27 × 10^27 for net: totals have no recorded position.
    rules = tmp_path / "overflow.toml"
    totals = '[[totals]]\nid = "gross"\nlabel = "G"\n\n[[totals]]\nid = "net"\nlabel = "N"\n'
    text = SCHEME + params(E27) + component("b", "1") + totals + 'expr = "gross * x * x"\n'
    assert refused(rules, text) == [e171(rules, "totals[1]", "total 'net'")]


def test_a_component_written_in_an_included_file_names_that_file(tmp_path: Path):
    included = tmp_path / "parts.toml"
    part = params(E27) + component("b", "x * x")  # expr: line 7
    included.write_text(part, encoding="utf-8")
    rules = tmp_path / "overflow.toml"
    text = 'include = ["parts.toml"]\n' + SCHEME
    assert refused(rules, text) == [e171(included, "components.b.expr", "'x * x'", 7)]


def test_a_month_that_computes_fine_never_looks_for_an_overflow(
    monkeypatch: pytest.MonkeyPatch,
):
    def looked(*args: object) -> None:
        raise AssertionError("a month that computed fine was computed again")

    monkeypatch.setattr(Compiler, "first_overflow", looked)
    assert compute_month(MONTH, MONTH_RULES).payroll.height == 6


def test_figures_that_cannot_be_computed_before_any_rule_are_a_located_d303(
    monkeypatch: pytest.MonkeyPatch,
):
    # Every row passed its checks, but a figure made from many rows together fails (here
    # forced: a per-person sales figure multiplied past Decimal(38, 2)). That is no rule's
    # fault, so no E171: D303 names the exports, never Polars' error or X000.
    import polars as pl

    from csincentive.core.money import PAY
    from csincentive.month import compute

    real = compute.agent_frame

    def overflowing(*args, **kwargs):
        huge = pl.lit(Decimal(10) ** 35, dtype=PAY)
        return real(*args, **kwargs).with_columns((pl.col("sales").cast(PAY) * huge).cast(PAY))

    monkeypatch.setattr(compute, "agent_frame", overflowing)
    with pytest.raises(InputError) as raised:
        compute_month(MONTH, MONTH_RULES)
    found = raised.value.diagnostics
    assert [(Path(d.file).name, d.code) for d in found] == [
        ("chats.csv", "D303"),
        ("orders.csv", "D303"),
    ]
    assert found[0].message.startswith(
        "the month's figures per person could not be computed from this file ("
    )
