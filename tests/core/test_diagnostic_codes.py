"""The registry of diagnostic codes (core/diagnostics.py): every code the package emits is
registered with its severity and meaning, every registered code is emitted somewhere, and
docs/errors.md is the page generated from it."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from csincentive.core import diagnostics
from csincentive.core.diagnostics import CODES, GROUPS, Diagnostic, UnregisteredCode, errors_page

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "csincentive"
CODE = re.compile(r"[A-Z]\d{3}")


def _is_registry(node: ast.AST) -> bool:
    target = node.target if isinstance(node, ast.AnnAssign) else None
    return isinstance(target, ast.Name) and target.id == "CODES"


def codes_in_source() -> dict[str, list[str]]:
    """Every string in the package that is a whole code ("E120"): in Diagnostic(...) and
    InputError.single(...) calls, `code=` keywords, tables of codes (the extra inputs'
    D4xx/D5xx/D6xx) and the dataclass default, by code → where. The registry's own table is
    left out, so a code only it mentions counts as unused."""
    found: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        registry = {id(n) for top in ast.walk(tree) if _is_registry(top) for n in ast.walk(top)}
        for node in ast.walk(tree):
            if id(node) in registry or not isinstance(node, ast.Constant):
                continue
            if isinstance(node.value, str) and CODE.fullmatch(node.value):
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                found.setdefault(node.value, []).append(where)
    return found


def test_the_scan_finds_codes_in_every_form():
    """A check that cannot see codes would pass for nothing: it finds a keyword (E190), a
    positional argument (E101), a table of codes (D401) and the default (E000)."""
    found = codes_in_source()
    assert {"E190", "E101", "D401", "E000"} <= set(found)
    assert any("sources/" in where for where in found["D401"])
    assert not any("core/diagnostics.py" in where for where in found["E120"])  # not CODES


def test_every_code_in_the_source_is_registered():
    unregistered = {code: where for code, where in codes_in_source().items() if code not in CODES}
    assert unregistered == {}


def test_every_registered_code_is_used():
    assert sorted(set(CODES) - set(codes_in_source())) == []


def test_codes_are_grouped_and_severities_follow_the_letter():
    """W… are warnings and nothing else is: the rules checks and the month's warnings give
    the severity by that letter."""
    assert {code[0] for code in CODES} == set(GROUPS)
    assert {c for c, e in CODES.items() if e.severity == "warning"} == {
        c for c in CODES if c.startswith("W")
    }
    assert all(entry.meaning and "\n" not in entry.meaning for entry in CODES.values())
    assert list(CODES) == sorted(CODES, key=lambda c: (list(GROUPS).index(c[0]), c))


def test_errors_page_is_generated_from_the_registry():
    page = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    assert page == errors_page()
    assert "| E120 | error | components depend on each other in a cycle |" in page
    assert "## W: Warnings (the month is still paid)" in page


def test_errors_page_is_what_the_module_prints():
    printed = subprocess.run(
        [sys.executable, "-m", "csincentive.core.diagnostics"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=True,
    ).stdout
    assert printed == errors_page()


def test_an_unregistered_code_fails_under_test():
    with pytest.raises(UnregisteredCode, match="'E999' is not registered"):
        Diagnostic("rules.toml", "something", code="E999")


def test_an_unregistered_code_never_stops_a_users_run(monkeypatch: pytest.MonkeyPatch):
    """Outside the tests the hook accepts it: the message is shown as it is."""
    monkeypatch.setattr(diagnostics, "on_unregistered", diagnostics._accept_unregistered)
    problem = Diagnostic("rules.toml", "something", code="E999", line=3)
    assert problem.render() == "rules.toml:3: E999 something"
