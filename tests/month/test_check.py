"""month.check.check_month: the month's problems as values, the rules file's apart, and
never an exception for a bad input. (The command and its messages: tests/cli/test_check.py.)"""

from __future__ import annotations

from pathlib import Path

from helpers import ROOT

from csincentive.month.check import check_month

MONTH = ROOT / "examples" / "2026-10"
RULES = ROOT / "rules" / "taobao-presales.toml"


def test_a_clean_month_has_no_problem():
    found = check_month(MONTH, RULES)
    assert (found.computed, found.ok, found.diagnostics) == (True, True, [])


def test_a_missing_month_is_a_problem_not_an_exception(tmp_path: Path):
    found = check_month(tmp_path / "2026-10", RULES)
    assert found.computed and not found.ok
    assert [(d.code, d.file) for d in found.month] == [("D101", str(tmp_path / "2026-10"))]
    assert found.rules == []


def test_a_rules_file_with_errors_leaves_the_month_alone(tmp_path: Path):
    broken = tmp_path / "rules.toml"
    broken.write_text("[scheme\n", encoding="utf-8")
    found = check_month(tmp_path / "no-such-month", broken)
    # Only the rules' error: the missing month folder is never looked at.
    assert [d.code for d in found.diagnostics] == ["E100"]
    assert (found.computed, found.ok, found.month) == (False, False, [])
