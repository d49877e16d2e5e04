"""The limits of a rules file (issue 11): numbers the engine's Decimal(38, 10) cannot hold
(E105, naming the key), and files too large, too nested, with too many components or
reading too many files (E107). Each was a traceback, a silently rounded rate or minutes of
work before; each is now one located diagnostic."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from csincentive.core.diagnostics import Diagnostic
from csincentive.rules.limits import MAX_COMPONENTS, MAX_RULES_BYTES, MAX_TOML_DEPTH
from csincentive.rules.loader import check_rules
from csincentive.rules.values import out_of_range, parse_number

HEADER = '[scheme]\nid = "t"\nname = "T"\nvalid_from = "2026-01-01"\n'  # lines 1-4
BASE = '[components.base]\nlabel = "底薪"\nkind = "formula"\nexpr = "2500"\n'
TOO_LARGE = "is too large: a number may have at most 28 digits before the decimal point"


def check(tmp_path: Path, text: str, name: str = "rules.toml") -> list[Diagnostic]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return check_rules(path)[1]


def where(diagnostics: list[Diagnostic]) -> list[tuple[str, int | None, str, str]]:
    return [(d.code, d.line, d.path, d.message) for d in diagnostics]


def test_the_limits_are_those_the_docs_give():
    assert (MAX_COMPONENTS, MAX_RULES_BYTES, MAX_TOML_DEPTH) == (500, 1_000_000, 32)
    docs = Path(__file__).resolve().parents[2] / "docs" / "rules.md"
    limits = docs.read_text(encoding="utf-8").split("## Limits")[1].split("\n## ")[0]
    for figure in ("28 digits", "10 after", "500 components", "1 MB", "nested 32 deep", "50 files"):
        assert figure in limits


# ---------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        # A traceback in the engine before. A TOML number is quoted as Decimal shows it.
        ("1e999999", f"1E+999999 {TOO_LARGE}"),
        ('"1e999999"', f"1e999999 {TOO_LARGE}"),
        ('"1e999999%"', f"1e999999% {TOO_LARGE}"),
        ("10000000000000000000000000000", f"10000000000000000000000000000 {TOO_LARGE}"),
        ('"0.12345678901"', "0.12345678901 has more than 10 decimal places; round it to 10 places"),
        # 12.123456789% is 0.12123456789: 11 places once divided by 100.
        ('"12.123456789%"', "12.123456789% has more than 10 decimal places; round it to 10 places"),
        ("1" * 4_000, f"11111111111111111111… (4,000 characters) {TOO_LARGE}"),
    ],
)
def test_a_parameter_the_engine_cannot_hold_is_named(tmp_path: Path, value: str, problem: str):
    found = check(tmp_path, HEADER + f"[params]\nx = {value}\n" + BASE)
    assert where(found) == [("E105", 6, "params.x", problem)]  # line 6: `x = …`


@pytest.mark.parametrize(
    "value",
    [
        "9999999999999999999999999999.9999999999",  # 28 digits and 10 places: the largest
        '"0.0000000001"',
        '"12.12345678%"',  # 0.1212345678: 10 places
        '"2500.000000000000"',  # trailing zeros are not places
        "0",
        "-5",
    ],
)
def test_a_number_the_engine_holds_is_accepted(tmp_path: Path, value: str):
    assert check(tmp_path, HEADER + f"[params]\nx = {value}\n" + BASE) == []


def test_a_whole_number_field_and_a_tier_bound_are_checked_too(tmp_path: Path):
    # `free` is a whole number: pydantic takes 10^40, the engine did not (a traceback).
    ladder = '[components.fine]\nlabel = "罚款"\nkind = "ladder"\ncount = "sessions"\n'
    ladder += "free = 10000000000000000000000000000000000000000\namounts = [1]\n"  # line 9
    table = '[components.coef]\nlabel = "系数"\nkind = "table"\non = "conversion"\n'
    table += 'rows = [{ below = "1e30", value = 1 }, { from = "1e30", value = 2 }]\n'  # 15
    found = check(tmp_path, HEADER + ladder + table)
    assert [(d.code, d.line, d.path) for d in found] == [
        ("E105", 9, "components.fine.free"),
        ("E105", 15, "components.coef.rows[0].below"),
        ("E105", 15, "components.coef.rows[1].from"),
    ]


def test_a_number_refused_once_even_where_a_formula_may_stand(tmp_path: Path):
    # cap is `number | formula`: a TOML number too large is one E105, not "a number or a
    # formula" (E103), and the raw check and the model do not both report it.
    body = BASE.replace('expr = "2500"\n', 'expr = "2500"\ncap = 1e40\n')
    assert where(check(tmp_path, HEADER + body)) == [
        ("E105", 9, "components.base.cap", f"1E+40 {TOO_LARGE}")
    ]


def test_a_number_of_5000_digits_is_refused_where_it_is_written(tmp_path: Path):
    # tomllib itself refuses integers over 4,300 digits with a bare ValueError.
    [d] = check(tmp_path, HEADER + "[params]\nx = " + "7" * 5_000 + "\n" + BASE)
    assert (d.code, d.line, d.col) == ("E105", 6, 5)
    assert d.message == f"a number of 5,000 digits {TOO_LARGE}"


def test_parse_number_refuses_without_arithmetic():
    # Worked by hand: 40% is 40 / 100 = 0.4 exactly, in the usual representation.
    assert str(parse_number("40%")) == "0.4"
    assert out_of_range(Decimal("1E+999999999999"), "1e999999999999") == (
        f"1e999999999999 {TOO_LARGE}"
    )
    assert out_of_range(Decimal("0E+50"), "0e50") is None  # zero, however written
    with pytest.raises(ValueError, match="has more than 10 decimal places"):
        parse_number("1e-999999%")  # not silently 0


# ------------------------------------------------------------------ size and nesting


def test_more_than_500_components_in_one_file(tmp_path: Path):
    rows = "".join(f'c{i} = {{ label = "c", kind = "formula", expr = "1" }}\n' for i in range(501))
    found = check(tmp_path, HEADER + "[components]\n" + rows)
    assert where(found) == [
        ("E107", 5, "components", "501 components; a scheme may have at most 500")
    ]
    exactly = "".join(
        f'c{i} = {{ label = "c", kind = "formula", expr = "1" }}\n' for i in range(500)
    )
    assert check(tmp_path, HEADER + "[components]\n" + exactly) == []
    assert MAX_COMPONENTS == 500


def test_more_than_500_components_with_the_included_files(tmp_path: Path):
    # Two files of 300 each are within the limit alone; the scheme is not.
    for name in ("a", "b"):
        rows = "".join(
            f'{name}{i} = {{ label = "c", kind = "formula", expr = "1" }}\n' for i in range(300)
        )
        (tmp_path / f"{name}.toml").write_text("[components]\n" + rows, encoding="utf-8")
    found = check(tmp_path, 'include = ["a.toml", "b.toml"]\n' + HEADER)
    assert where(found) == [
        (
            "E107",
            1,
            "components",
            "600 components with the included files and dated changes; a scheme may have at"
            " most 500",
        )
    ]


def test_a_rules_file_over_1_mb_is_not_parsed(tmp_path: Path):
    text = HEADER + BASE + "# " + "x" * MAX_RULES_BYTES + "\n"
    [d] = check(tmp_path, text)
    assert (d.code, d.line, d.message) == (
        "E107",
        1,
        "the rules file is larger than 1 MB; split it into files that include others",
    )


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero here")
def test_an_endless_file_is_read_only_to_the_limit():
    [d] = check_rules("/dev/zero")[1]
    assert (d.file, d.code) == ("/dev/zero", "E107")


@pytest.mark.parametrize("depth", [MAX_TOML_DEPTH + 1, 5_000])  # 5,000: tomllib recursed
def test_arrays_nested_too_deep(tmp_path: Path, depth: int):
    [d] = check(tmp_path, HEADER + "[params]\nx = " + "[" * depth + "]" * depth + "\n" + BASE)
    # `x = [[[…` on line 6: params.x is 2 levels, each bracket one more, so the 32nd
    # bracket (col 5 + 31) is the 33rd level; the same place when tomllib ran out of
    # recursion (5,000) and the loader had to find it in the text.
    assert (d.code, d.line, d.col, d.message) == (
        "E107",
        6,
        36,
        "tables and arrays are nested more than 32 deep",
    )


def test_includes_that_double_at_each_level_stop_at_50_files(tmp_path: Path):
    # Level k's two files each include both files of level k + 1: without the limit,
    # checking reads 2 + 4 + … + 2^20 files, about two million. With it, every include
    # past the 50th file read is refused at its line, and nothing else is reported.
    for k in range(20):
        for name in (f"x{k}", f"y{k}"):
            text = f'include = ["x{k + 1}.toml", "y{k + 1}.toml"]\n' if k < 19 else ""
            (tmp_path / f"{name}.toml").write_text(text, encoding="utf-8")
    found = check(tmp_path, 'include = ["x0.toml", "y0.toml"]\n' + HEADER + BASE)
    refusals = [d for d in found if d.code == "E107"]
    assert refusals, where(found)
    assert {d.message for d in refusals} == {
        "checking this rules file reads more than 50 files (counting a file each time it is"
        " included); include each shared file once"
    }
    assert all(d.path.startswith("include[") and d.line == 1 for d in refusals)
    assert {d.code for d in found} == {"E107"}


def test_rules_files_lists_each_file_once_within_the_limits(tmp_path: Path):
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "fines.toml").write_text('include = ["../common.toml"]\n')
    (tmp_path / "common.toml").write_text("")
    main = tmp_path / "main.toml"
    main.write_text('include = ["shared/fines.toml", "common.toml"]\n' + HEADER + BASE)
    rules, diagnostics = check_rules(main)
    assert diagnostics == [] and rules is not None
    # common.toml is included twice (by main and by fines): listed once, where first met.
    assert rules.files == (
        main.resolve(),
        (tmp_path / "shared" / "fines.toml").resolve(),
        (tmp_path / "common.toml").resolve(),
    )
