"""Validating the pay checks: [scheme] minimum_wage (S000-16) and [[checks.pay_range]]
(S002-03). One small broken file per problem and the exact diagnostics it must give; lines
and columns counted by hand (line 1 is the [scheme] header of HEADER)."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path

import pytest

from csincentive.rules.loader import check_rules

HEADER = """[scheme]
id = "t"
name = "T"
valid_from = "2026-01-01"
{minimum}

[params]
local_minimum = 2690

[inputs]
roster_fields = ["post", {{ name = "city_minimum", type = "money" }}]

[components.post_pay]
label = "基本岗位工资"
kind = "formula"
expr = "2600"
"""
# Line 5 is the minimum wage (empty when a case has none); the first pay range's header
# is line 18.
RANGE = "\n[[checks.pay_range]]\n"

CASES: dict[str, tuple[str, str, list[str]]] = {
    # (the minimum wage line, the pay ranges, the diagnostics)
    "fine": (
        'minimum_wage = { amount = "local_minimum", of = "post_pay", rule = "S000-16" }',
        RANGE
        + 'post = "客服代表"\nmin = 3000\nmax = 5000\n'
        + RANGE
        + 'role = ["supervisor"]\ngrade = ["高级", "资深"]\nmin = 8000\n',
        [],
    ),
    "bare number": ("minimum_wage = 2690", "", []),
    "a roster field per person": ('minimum_wage = { amount = "city_minimum" }', "", []),
    "unknown of": (
        'minimum_wage = { amount = 2690, of = "post_py" }',
        "",
        [
            "5:33: E110 scheme.minimum_wage.of: 'post_py' is no component or total;"
            " did you mean 'post_pay'?"
        ],
    ),
    "of a metric": (
        'minimum_wage = { amount = 2690, of = "sales" }',
        "",
        [
            "5:33: E224 scheme.minimum_wage.of: 'sales' is a money value, not a pay line: name a"
            " component or a total (gross, post_pay)"
        ],
    ),
    "amount of nothing": (
        'minimum_wage = { amount = "local_minimun" }',
        "",
        [
            "5:18: E110 scheme.minimum_wage.amount: 'local_minimun' is not defined; write the"
            " amount, a parameter or a roster field (did you mean 'local_minimum'?)"
        ],
    ),
    "amount of a metric": (
        'minimum_wage = { amount = "sales" }',
        "",
        [
            "5:18: E224 scheme.minimum_wage.amount: 'sales' is a money value; the minimum wage is"
            " a number, a parameter or a money roster field (a city's minimum, per person)"
        ],
    ),
    "amount of zero": (
        "minimum_wage = 0",
        "",
        ["5:1: E103 scheme.minimum_wage.amount: the minimum wage must be above 0, not 0"],
    ),
    "unknown key": (
        'minimum_wage = { amount = 2690, off = "post_pay" }',
        "",
        [
            "5:33: E101 scheme.minimum_wage.off: unknown key 'off'; did you mean 'of'? Allowed"
            " keys here: amount, applies_to, of, prorate, rule."
        ],
    ),
    "min above max": (
        "",
        RANGE + 'post = "客服代表"\nmin = 5000\nmax = 3000\n',
        ["20:1: E221 checks.pay_range[0].min: min 5000 is above max 3000; swap them"],
    ),
    "no bounds": (
        "",
        RANGE + 'post = "客服代表"\n',
        [
            "18:1: E222 checks.pay_range[0]: a pay range needs min, max or both (e.g. min = 3000,"
            " max = 5000)"
        ],
    ),
    "unknown field": (
        "",
        RANGE + 'pots = "客服代表"\nmin = 3000\n',
        [
            "19:1: E220 checks.pay_range[0].pots: 'pots' is neither a key of a pay range (rule,"
            " label, of, min, max, prorate) nor a roster text field to match on (agent_id, grade,"
            " name, post, role, team); did you mean 'post'?"
        ],
    ),
    "a number field": (
        "",
        RANGE + "city_minimum = 2690\nmin = 3000\n",
        [
            "19:1: E220 checks.pay_range[0].city_minimum: 'city_minimum' is neither a key of a pay"
            " range (rule, label, of, min, max, prorate) nor a roster text field to match on"
            " (agent_id, grade, name, post, role, team)"
        ],
    ),
    "a value that is not text": (
        "",
        RANGE + "grade = 3\nmin = 3000\n",
        [
            "19:1: E103 checks.pay_range[0].grade: grade takes a text or a list of texts, e.g."
            ' grade = ["初级", "中级"]'
        ],
    ),
    "a role that never matches": (
        "",
        RANGE + 'role = ["agent", "售前客服"]\nmin = 3000\n',
        [
            "19:1: E223 checks.pay_range[0].role: role is agent or supervisor in agents.csv, so"
            " '售前客服' never matches; match on grade or a roster field (e.g. post) instead"
        ],
    ),
    "of nothing": (
        "",
        RANGE + 'of = "gros"\nmin = 3000\n',
        [
            "19:1: E110 checks.pay_range[0].of: 'gros' is no component or total; did you mean"
            " 'gross'?"
        ],
    ),
    "a bad prorate": (
        "",
        RANGE + 'min = 3000\nprorate = "days"\n',
        [
            '20:1: E103 checks.pay_range[0].prorate: "days" is not allowed here; write'
            " 'days_employed', 'worked_days' or 'none'"
        ],
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_pay_check_diagnostics(tmp_path: Path, case: str) -> None:
    minimum, ranges, expected = CASES[case]
    path = tmp_path / "rules.toml"
    path.write_text(HEADER.format(minimum=minimum) + ranges, encoding="utf-8")
    _, diagnostics = check_rules(path)
    rendered = [dataclasses.replace(d, file="rules.toml").render() for d in diagnostics]
    assert rendered == [f"rules.toml:{line}" for line in expected]


def test_the_checks_as_the_rules_hold_them(tmp_path: Path) -> None:
    minimum, ranges, _ = CASES["fine"]
    path = tmp_path / "rules.toml"
    path.write_text(HEADER.format(minimum=minimum) + ranges, encoding="utf-8")
    rules, _ = check_rules(path)
    assert rules is not None and rules.scheme is not None
    wage = rules.scheme.minimum_wage
    assert wage is not None
    assert (wage.amount, wage.of, wage.prorate, wage.rule) == (
        "local_minimum",
        "post_pay",
        "days_employed",
        "S000-16",
    )
    first, second = rules.checks.pay_range
    assert (first.matches, first.min, first.max) == (
        {"post": "客服代表"},
        Decimal(3000),
        Decimal(5000),
    )
    assert second.values("grade") == ["高级", "资深"] and second.max is None
    # Where each is written, for the month's warnings.
    assert wage.site is not None and second.site is not None
    assert (wage.site[0].line, wage.site[1]) == (5, "scheme.minimum_wage")
    assert (second.site[0].line, second.site[1]) == (23, "checks.pay_range[1]")


def test_an_included_files_ranges_come_first(tmp_path: Path) -> None:
    # Pay ranges add up over includes: the included file's, then the including file's.
    (tmp_path / "ranges.toml").write_text(
        '[[checks.pay_range]]\ngrade = "初级"\nmax = 4000\n', encoding="utf-8"
    )
    text = 'include = ["ranges.toml"]\n' + HEADER.format(minimum="") + RANGE + "min = 1\n"
    (tmp_path / "rules.toml").write_text(text, encoding="utf-8")
    rules, diagnostics = check_rules(tmp_path / "rules.toml")
    assert diagnostics == [] and rules is not None
    first, second = rules.checks.pay_range
    assert (first.max, second.min) == (Decimal(4000), Decimal(1))
    assert first.site is not None and first.site[0].file.endswith("ranges.toml")
