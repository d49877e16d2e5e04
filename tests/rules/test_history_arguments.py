"""A history function that adds, averages or reads last month's value is given a number: a
roster text field there is refused when the rules are checked (E225), not left to fail
while a month is computed. months_in_a_row takes a condition, which may compare text."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from csincentive.rules.loader import check_rules

RULES = """[scheme]
id = "t"
name = "T"
valid_from = "2026-01-01"

[components.c]
label = "c"
kind = "formula"
pay = false
expr = "{expr}"
"""


def diagnostics(tmp_path: Path, expr: str) -> list[str]:
    path = tmp_path / "rules.toml"
    path.write_text(RULES.format(expr=expr), encoding="utf-8")
    _, found = check_rules(path)
    return [dataclasses.replace(d, file="rules.toml").render() for d in found]


@pytest.mark.parametrize(
    ("expr", "function", "name", "col"),
    [
        # expr = "…" starts its text at col 9; the name's place in it is added.
        ("quarter_sum(grade)", "quarter_sum", "grade", 9 + 12),
        ("1 + last_month(team, team)", "last_month", "team", 9 + 15),
        ("change(role)", "change", "role", 9 + 7),
    ],
)
def test_a_text_field_over_months_is_refused(tmp_path: Path, expr, function, name, col):
    assert diagnostics(tmp_path, expr) == [
        f"rules.toml:10:{col}: E225 components.c.expr: {function}() reads a number from the"
        f" ledger's months, and '{name}' is text: give it a number (to follow a text over"
        f' months, count them with months_in_a_row({name} == "…"))'
    ]


def test_a_condition_over_months_may_compare_text(tmp_path: Path):
    assert diagnostics(tmp_path, "months_in_a_row(grade == '高级')") == []
