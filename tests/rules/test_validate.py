"""Rules-file validation: every check has one tiny broken file in tests/rules/broken/, named
<code>_<what>.toml, and the exact diagnostics it must produce.

Line and column numbers were counted by hand from the files (line 1 is the comment at the top
of each file; columns are 1-based and count characters, so 底薪 is two columns). A key
problem points at the key; a problem inside a formula points at the offending character of
the formula; a missing key points at the table that should hold it.
"""

from __future__ import annotations

import dataclasses
import re
from decimal import Decimal
from pathlib import Path

import pytest

from csincentive.core.diagnostics import Diagnostic, InputError
from csincentive.rules.loader import _real_loc, check_rules, load_rules
from csincentive.rules.model import parse_number

ROOT = Path(__file__).resolve().parents[2]
BROKEN = Path(__file__).resolve().parent / "broken"
SHIPPED = ROOT / "rules" / "taobao-presales.toml"

KINDS = "formula, rate, table, marginal, match, rank, ladder, award, matrix, scorecard, pool"
RATE_KEYS = (
    "annual_bonus, applies_to, base, cap, deduct, flag, flag_when, floor, format, kind, label,"
    " note, pay, prorate, rate, rule, when"
)
NOT_A_NUMBER = '(write 2500, 1.5 or "40%")'
THEN = "where the row before ends"

EXPECTED: dict[str, list[str]] = {
    # `label = "底薪` — the line break after 薪 (col 12) ends the string too early.
    "E100_unclosed_string": [
        "8:12: E100 TOML syntax: Illegal character '\\n'; a string is not closed on this line;"
        ' add the closing quote (use """ … """ for text over several lines)'
    ],
    # The E102 for the missing `label` is folded into the did-you-mean.
    "E101_unknown_key": [
        "8:1: E101 components.commission.lable: unknown key 'lable'; did you mean 'label'?"
        f" Allowed keys here: {RATE_KEYS}."
    ],
    # A missing key points at its table's header, [components.commission] on line 7.
    "E102_missing_key": [
        "7:1: E102 components.commission.rate: required key 'rate' is missing; add rate = … here"
    ],
    "E103_bad_number": [
        f"11:1: E103 components.commission.rate: not a number: 'one percent' {NOT_A_NUMBER}"
    ],
    # `  { from = "4o%", …` — the key `from` starts at col 5.
    "E103_bad_row_bound": [
        f"13:5: E103 components.coef.rows[1].from: not a number: '4o%' {NOT_A_NUMBER}"
    ],
    # cap is `number | formula`: both members fail, one diagnostic.
    "E103_empty_cap": [
        "11:1: E103 components.base.cap: is empty;"
        ' write a number (500 or "40%") or a formula in quotes'
    ],
    # A TOML number of a million digits and a rate of 12 places: neither fits the
    # engine's Decimal(38, 10); each named by its key.
    "E105_number_too_large": [
        "8:1: E105 params.target: 1E+999999 is too large: a number may have at most 28 digits"
        " before the decimal point",
        "14:1: E105 components.commission.rate: 0.012345678912 has more than 10 decimal places;"
        " round it to 10 places",
    ],
    # The [components] header is line 7; nothing else of the file is checked.
    "E107_too_many_components": [
        "7:1: E107 components: 501 components; a scheme may have at most 500"
    ],
    # `include = ["/etc/passwd", "../../../etc/passwd", "fines.txt"]`: the strings start at
    # cols 12, 27 and 50; none of them is opened.
    "E108_include_outside": [
        "3:12: E108 include[0]: '/etc/passwd' is an absolute path; an include is a path"
        ' relative to this file, like "fines.toml" or "shared/fines.toml"',
        "3:27: E108 include[1]: '../../../etc/passwd' leads out of the folder of the top-level"
        " rules file; an include must be in that folder or below it (copy the file there)",
        "3:50: E108 include[2]: 'fines.txt' is not a .toml file; only rules files can be included",
    ],
    "E104_unknown_kind": [
        "9:1: E104 components.commission.kind: unknown component kind 'percent';"
        f" kind must be one of: {KINDS}"
    ],
    # Inside the \"\"\" formula: line 12 is `   net_sale * 2%,`, the name starts at col 4.
    "E110_unknown_name": [
        "12:4: E110 components.bonus.expr: unknown name 'net_sale'; did you mean 'net_sales'?"
    ],
    # `expr = "net_sales * (1% + 2%"`: the text starts at col 9, the `(` is its 13th char.
    "E111_formula_syntax": ["10:21: E111 components.bonus.expr: formula: '(' is never closed"],
    # The formula starts at col 9 (`expr = "`): its 2,001st character is at col 2009, the
    # 31st `(` at col 39, the 201st value (200 × `sessions+` further) at col 1809.
    "E113_formula_too_long": [
        "10:2009: E113 components.bonus.expr: formula: 2,001 characters; a formula may have at"
        " most 2,000: split it into components"
    ],
    "E114_formula_too_deep": [
        "10:39: E114 components.bonus.expr: formula: brackets, function calls and signs are"
        " nested more than 30 deep here; split the formula into components"
    ],
    "E115_formula_too_many_values": [
        "10:1809: E115 components.bonus.expr: formula: more than 200 values (numbers, names,"
        " texts) in one formula; split it into components"
    ],
    "E112_match_on_number": [
        "10:1: E112 components.base.on: match compares text, but 'sales' is a money value;"
        ' match on one of agent_id, grade, name, role, team, or use kind = "table" for number'
        " ranges"
    ],
    "E120_cycle": [
        "7:1: E120 components.a: components depend on each other in a cycle: a → b → a;"
        " one of them must not use the other"
    ],
    "E130_tier_gap": [
        '13:5: E130 components.coef.rows[1].from: gap: values from "40%" up to "50%" match no'
        f' row; start this row at from = "40%", {THEN}'
    ],
    "E131_tier_overlap": [
        '13:5: E131 components.coef.rows[1].from: overlap: values from "40%" up to "50%" match'
        f' two rows; start this row at from = "50%", {THEN}'
    ],
    # `  { from = "40%", below = "30%", …`: `below` starts at col 19.
    "E132_bounds_not_ascending": [
        '13:19: E132 components.coef.rows[1].below: bounds do not ascend: from "40%" is not'
        " below \"30%\"; 'below' must be greater than 'from'"
    ],
    # Scorecards (S003-01): the inline `items` list starts on line 11 (its key).
    "E200_weights_not_100": [
        '11:1: E200 components.kpi.items: the weights add up to 90% ("30%" + "60%"); they'
        " must add up to 100%"
    ],
    # The second item's `{` is at col 3 of line 13.
    "E201_weight_on_some_items": [
        "13:3: E201 components.kpi.items[1]: items[1] has no weight but items[0] has one: give"
        " every item a weight (together 100%), or none (the points then add up as they are)"
    ],
    "E202_worst_equals_best": [
        '16:1: E202 components.kpi.items[0].best: worst and best are both "2%": no points can be'
        " spread between them; give a best above the worst (higher is better) or below it"
        " (lower is better, e.g. a complaint rate)"
    ],
    # An item without scoring points at its [[components.kpi.items]] header (line 12); one
    # with both at its `worst` (line 20); one without `best` at its header (line 22).
    "E203_item_without_scoring": [
        "12:1: E203 components.kpi.items[0]: item '接待量' has no scoring: add bands ="
        " [{ from = …, below = …, points = … }, …] or a linear scale with worst = … and best = …",
        "20:1: E203 components.kpi.items[1].worst: item '转化率' has both bands and worst/best;"
        " keep one way of scoring it",
        "22:1: E203 components.kpi.items[2]: item '满意度' is scored linearly but has no best;"
        " add best = …",
    ],
    "E204_cap_below_0": [
        "17:1: E204 components.kpi.items[0].cap: cap -5 is below 0; cap is the most points the"
        " item may score: write 0 or more, or remove it"
    ],
    # The component's table header, line 7.
    "E205_score_paid": [
        "7:1: E205 components.kpi: a scorecard's total is a score, not money: add pay = false"
        " to use it as a score (a pool's basis, a formula), or per_point = … to pay money per"
        " point"
    ],
    # The gap and the overlap checks of tables, on grades (line 11) and an item's bands
    # (line 16); in both lines the second row's `from` is at col 43.
    "E130_scorecard_band_gap": [
        "11:43: E131 components.kpi.grades[1].from: overlap: values from 70 up to 80 match two"
        " rows; start this row at from = 80, where the row before ends",
        '16:43: E130 components.kpi.items[0].bands[1].from: gap: values from "40%" up to "50%"'
        f' match no row; start this row at from = "40%", {THEN}',
    ],
    "E152_grade_name_taken": [
        "10:1: E152 components.kpi: component 'kpi' gives 'kpi_grade' (the grade of 月度KPI),"
        " which is also a parameter; rename one of them"
    ],
    # Pools (S003-01/02).
    "E210_pool_below_0": [
        "10:1: E210 components.pool.amount: a pool's amount is 0 or more; a fine is a component"
        " with deduct = true"
    ],
    "E211_pool_amount_per_person": [
        "10:1: E211 components.pool.amount: a pool's amount is one value for everyone sharing"
        " it, but 'net_sales' is each person's own value; use a parameter, or team_sum(…) with"
        ' per = "team"',
        "16:1: E211 components.team_pool.amount: a pool's amount is one value for everyone"
        ' sharing it, but team_sum(net_sales) is one value per team: write per = "team" to'
        " share a pool in each team",
    ],
    "E212_pool_with_when": [
        "12:1: E212 components.pool.when: a pool's shares add up to the pool, and when would"
        " change a share after it is allocated; write the condition as eligible (the shares of"
        " those not eligible go to the others)",
        "13:1: E212 components.pool.cap: a pool's shares add up to the pool, and cap would"
        ' change a share after it is allocated; cap the basis instead (basis = "min(kpi, 100)")',
    ],
    # A whole row is unreachable: point at its `{` (col 3).
    "W133_after_open_row": [
        "14:3: warning: W133 components.coef.rows[2]: unreachable: the row before has no"
        " 'below', so it takes every value from its 'from' up; give that row a 'below' or"
        " remove this one"
    ],
    "W133_ratio_above_100": [
        "13:5: warning: W133 components.coef.rows[1].from: unreachable: 'conversion' is a ratio"
        ' (at most 100%) and this row starts at 40; did you mean "40%"?'
    ],
    "E152_id_collision": [
        "8:1: E152 params.sales: parameter 'sales' is a built-in name; rename the parameter",
        "11:1: E152 components.conversion: component id 'conversion' is a built-in name;"
        " rename the component",
        "16:1: E152 components.bonus: component id 'bonus' is also a parameter;"
        " rename the component",
        "21:1: E152 components.gross: component id 'gross' is the total's id; rename the component",
    ],
    "E153_bad_id": [
        "8:1: E153 params.min-rate: parameter id 'min-rate' cannot be used in formulas: start"
        " with a letter or _ and use only letters, digits and _ (e.g. 'min_rate')",
        "10:1: E153 components.2nd-bonus: component id '2nd-bonus' cannot be used in formulas:"
        " start with a letter or _ and use only letters, digits and _ (e.g. '_2nd_bonus')",
        "15:1: E153 components.and: component id 'and' is a formula word (keyword);"
        " rename the component",
    ],
    "W140_rate_above_1": [
        "11:1: warning: W140 components.commission.rate: rate 5 means ×5 (500%);"
        ' if you meant 5%, write "5%"'
    ],
    # Shape errors in three components: all four are reported, in file order.
    "MULTI_shape": [
        "8:1: E101 components.commission.lable: unknown key 'lable'; did you mean 'label'?"
        f" Allowed keys here: {RATE_KEYS}.",
        f"11:1: E103 components.commission.rate: not a number: 'one percent' {NOT_A_NUMBER}",
        "15:1: E104 components.coef.kind: unknown component kind 'tabel'; did you mean"
        f" 'table'? kind must be one of: {KINDS}",
        "17:1: E102 components.base.expr: required key 'expr' is missing; add expr = … here",
    ],
    # Meaning errors everywhere (and a warning): all five are reported, in file order.
    # `base = "net_sale"` and `expr = "commision * coef"`: the text starts at col 9;
    # `when = "sales >"`: the formula ends at its closing quote, col 16.
    "MULTI_meaning": [
        "10:9: E110 components.commission.base: unknown name 'net_sale'; did you mean 'net_sales'?",
        "11:1: warning: W140 components.commission.rate: rate 5 means ×5 (500%);"
        ' if you meant 5%, write "5%"',
        '19:5: E130 components.coef.rows[1].from: gap: values from "40%" up to "50%" match no'
        f' row; start this row at from = "40%", {THEN}',
        "25:9: E110 components.bonus.expr: unknown name 'commision'; did you mean 'commission'?",
        "26:16: E111 components.bonus.when: formula: expected a value at the end of the formula",
    ],
}


def rendered(path: Path) -> list[str]:
    """Every diagnostic for the file, rendered, with the file shown by its bare name."""
    _, diagnostics = check_rules(path)
    return [dataclasses.replace(d, file=path.name).render() for d in diagnostics]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_broken_file_diagnostics(name: str) -> None:
    path = BROKEN / f"{name}.toml"
    assert rendered(path) == [f"{name}.toml:{line}" for line in EXPECTED[name]]


def test_every_broken_file_is_in_the_table() -> None:
    assert sorted(p.stem for p in BROKEN.glob("*.toml")) == sorted(EXPECTED)


def test_every_check_has_a_broken_file() -> None:
    codes = {"E100", "E101", "E102", "E103", "E104", "E110", "E111", "E112", "E120"}
    codes |= {"E130", "E131", "E132", "W133", "E152", "E153", "W140"}
    codes |= {"E105", "E107", "E108", "E113", "E114", "E115"}  # the limits (issue 11)
    codes |= {"E200", "E201", "E202", "E203", "E204", "E205"}  # scorecards (issue 12)
    codes |= {"E210", "E211", "E212"}  # pools (issue 12)
    assert codes <= {name.split("_")[0] for name in EXPECTED}
    for name in EXPECTED:  # each single-check file reports its own code
        code = name.split("_")[0]
        if code in codes:
            assert any(f" {code} " in line for line in EXPECTED[name]), name


def test_shipped_rules_have_no_diagnostics() -> None:
    rules, diagnostics = check_rules(SHIPPED)
    assert rules is not None
    assert [d.render() for d in diagnostics] == []
    assert load_rules(SHIPPED)[1] == []


def test_load_rules_raises_every_error_but_warnings_pass() -> None:
    with pytest.raises(InputError) as caught:
        load_rules(BROKEN / "MULTI_meaning.toml")
    assert [d.code for d in caught.value.diagnostics] == ["E110", "E130", "E110", "E111"]
    rules, warnings = load_rules(BROKEN / "W140_rate_above_1.toml")
    assert rules.components["commission"].kind == "rate"
    assert [d.code for d in warnings] == ["W140"]


def test_missing_file() -> None:
    rules, diagnostics = check_rules(BROKEN / "no-such-file.toml")
    assert rules is None
    assert [(d.code, d.message) for d in diagnostics] == [("E001", "no such rules file")]


# ---------------------------------------------------------------------- error paths

_CLEAN_PATH = re.compile(r"[^\s\[\].]+(\.[^\s\[\].]+|\[\d+\])*")


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_paths_are_clean_dotted_paths(name: str) -> None:
    """No pydantic union tags (function-after[…], decimal, constrained-str, the kind)."""
    _, diagnostics = check_rules(BROKEN / f"{name}.toml")
    for d in diagnostics:
        assert d.path == "" or _CLEAN_PATH.fullmatch(d.path), d.path
        assert not re.search(r"function-|decimal|constrained|\.(rate|table)\.", d.path), d.path


def _check_text(tmp_path: Path, body: str) -> list[Diagnostic]:
    header = '[scheme]\nid = "t"\nname = "T"\nvalid_from = "2026-01-01"\n\n'
    path = tmp_path / "rules.toml"
    path.write_text(header + body, encoding="utf-8")
    return check_rules(path)[1]


def test_path_keeps_keys_that_look_like_tags(tmp_path: Path) -> None:
    """A component called `rate` of kind rate, a match case called `decimal`: real keys stay."""
    body = '[components.rate]\nlabel = "r"\nkind = "rate"\nrate = "x"\n'
    body += '[components.m]\nlabel = "m"\nkind = "match"\non = "grade"\n'
    body += 'cases = { decimal = "" }\n'  # a case may be a number or a formula: not empty
    got = [(d.code, d.path) for d in _check_text(tmp_path, body)]
    assert got == [
        ("E102", "components.rate.base"),
        ("E103", "components.rate.rate"),
        ("E103", "components.m.cases.decimal"),
    ]


def test_real_loc_drops_pydantic_tags() -> None:
    data = {"components": {"c": {"kind": "formula", "cap": "", "rows": [{"from": "x"}]}}}
    loc = ("components", "c", "formula", "cap", "function-before[parse_number(), decimal]")
    assert _real_loc(loc, data) == ("components", "c", "cap")
    loc = ("components", "c", "formula", "cap", "constrained-str")
    assert _real_loc(loc, data) == ("components", "c", "cap")
    assert _real_loc(("components", "c", "table", "rows", 0, "from"), data) == (
        "components",
        "c",
        "rows",
        0,
        "from",
    )
    assert _real_loc(("components", "c", "rate", "rate"), data) == ("components", "c", "rate")


# ---------------------------------------------------------------- unknown keys


def test_unknown_key_in_a_table_row_lists_the_row_keys(tmp_path: Path) -> None:
    body = '[components.c]\nlabel = "c"\nkind = "table"\non = "conversion"\n'
    body += "rows = [{ form = 0, value = 1 }]\n"
    [d] = _check_text(tmp_path, body)
    # line 10 `rows = [{ form …`: `form` starts at col 11
    assert (d.line, d.col, d.code, d.path) == (10, 11, "E101", "components.c.rows[0].form")
    assert d.message == (
        "unknown key 'form'; did you mean 'from'? Allowed keys here: below, from, note, value."
    )


def test_unknown_key_without_a_close_match(tmp_path: Path) -> None:
    body = '[components.c]\nlabel = "c"\nkind = "formula"\nexpr = "1"\nzzz = 1\n'
    [d] = _check_text(tmp_path, body)
    assert d.code == "E101" and d.message.startswith("unknown key 'zzz'. Allowed keys here: ")
    assert "expr" in d.message and "rows" not in d.message and "base" not in d.message


# -------------------------------------------------------------- value messages


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("[attribution]\nwindow_days = 30\n", "attribution.window_days: must be at most 15"),
        ('[attribution]\njudge_by = "sent"\n', 'attribution.judge_by: "sent" is not allowed'),
        ("[params]\nx = nan\n", 'params.x: must be a finite number; write 2500, 1.5 or "40%"'),
        ('[components.b]\nlabel = "b"\nkind = "formula"\nexpr = ""\n', "expr: must not be empty"),
        (
            '[components.b]\nlabel = "b"\nkind = "formula"\nexpr = "1"\ncap = true\n',
            'cap: expected a number (500 or "40%") or a formula in quotes, not true',
        ),
        (
            '[components.b]\nlabel = "b"\nexpr = "1"\n',
            "components.b.kind: every component needs a kind; add kind = one of: formula,",
        ),
    ],
)
def test_value_messages_say_what_to_write(tmp_path: Path, body: str, expected: str) -> None:
    if not body.startswith("[components"):
        body += '[components.b]\nlabel = "b"\nkind = "formula"\nexpr = "1"\n'
    [d] = _check_text(tmp_path, body)
    assert expected in d.render()


def test_bad_date(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(
        '[scheme]\nid = "t"\nname = "T"\nvalid_from = "someday"\n'
        '[components.b]\nlabel = "b"\nkind = "formula"\nexpr = "1"\n',
        encoding="utf-8",
    )
    [d] = check_rules(path)[1]
    assert (d.line, d.col, d.code, d.path) == (4, 1, "E103", "scheme.valid_from")
    assert d.message == 'not a date: "someday"; write a date like 2026-01-01'


def test_syntax_error_at_end_of_document(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text("a = 1\na = 2\n", encoding="utf-8")
    [d] = check_rules(path)[1]
    assert (d.code, d.line) == ("E100", 2)
    assert d.message.startswith("TOML syntax: Cannot overwrite a value; ")


# --------------------------------------------------------------- meaning details


def test_unknown_name_inside_a_string_literal_is_not_the_one_pointed_at(
    tmp_path: Path,
) -> None:
    body = '[components.b]\nlabel = "b"\nkind = "formula"\n'
    body += "expr = 'if(team == \"bonus\", bonus * 2, 0)'\n"
    [d] = _check_text(tmp_path, body)
    # line 9: `expr = '` is 8 chars, so the formula starts at col 9; the name `bonus` is at
    # offset 20 of the formula (the "bonus" text at offset 12 is not a name)
    assert (d.line, d.col, d.code) == (9, 9 + 20, "E110")


def test_ratio_table_on_a_percent_component(tmp_path: Path) -> None:
    """A table on a component shown as a percentage is on a ratio too."""
    body = '[components.rate_]\nlabel = "r"\nkind = "formula"\nexpr = "conversion"\n'
    body += 'format = "percent"\n'
    body += '[components.c]\nlabel = "c"\nkind = "table"\non = "rate_"\n'
    body += "rows = [{ below = 40, value = 1 }, { from = 40, value = 2 }]\n"
    [d] = _check_text(tmp_path, body)
    assert (d.code, d.path) == ("W133", "components.c.rows[1].from")


def test_total_id_collision(tmp_path: Path) -> None:
    body = '[params]\nx = 1\n[components.b]\nlabel = "b"\nkind = "formula"\nexpr = "x"\n'
    body += '[total]\nid = "x"\n'
    [d] = _check_text(tmp_path, body)
    assert d.render().endswith("E152 total.id: total id 'x' is also a parameter; choose another id")


def test_marginal_tiers_start_at_zero(tmp_path: Path) -> None:
    body = '[components.m]\nlabel = "m"\nkind = "marginal"\non = "net_sales"\n'
    body += 'rows = [{ from = 100, below = 1000, rate = "1%" }, { from = 1000, rate = 2 }]\n'
    got = [(d.code, d.path) for d in _check_text(tmp_path, body)]
    assert got == [("E130", "components.m.rows[0].from"), ("W140", "components.m.rows[1].rate")]


def test_self_reference_is_a_cycle(tmp_path: Path) -> None:
    body = '[components.b]\nlabel = "b"\nkind = "formula"\nexpr = "b + 1"\n'
    [d] = _check_text(tmp_path, body)
    assert d.code == "E120" and "b → b" in d.message


# ------------------------------------------------------------------ parse_number


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("40%", Decimal("0.4")),
        ("12.5%", Decimal("0.125")),
        ("1,000", Decimal(1000)),
        (" 2500 ", Decimal(2500)),
        (1, Decimal(1)),
        (0.1, Decimal("0.1")),
        (Decimal("1.5"), Decimal("1.5")),
    ],
)
def test_parse_number(text: object, expected: Decimal) -> None:
    got = parse_number(text)
    assert got == expected and isinstance(got, Decimal)


def test_parse_number_percent_is_exact() -> None:
    assert parse_number("40%") == Decimal("0.4")
    assert str(parse_number("40%")) == "0.4"  # not 0.40000000000000002220…


@pytest.mark.parametrize("text", ["abc", "", "%", "4o%", "one percent", True, None])
def test_parse_number_rejects_text(text: object) -> None:
    with pytest.raises(ValueError, match="not a number"):
        parse_number(text)


def test_loading_records_where_each_component_is_written(tmp_path: Path, monkeypatch) -> None:
    # What explain points at, recorded once by the loader: main.toml's own base replaces
    # the shared one; the fine stays where shared/fines.toml writes it. Its second amount,
    # 60, is on line 5 at column 16 (`amounts = [30, 60]`).
    monkeypatch.chdir(tmp_path)
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "fines.toml").write_text(
        "[components.fine]\n"
        'label = "罚款"\n'
        'kind = "ladder"\n'
        'count = "sessions"\n'
        "amounts = [30, 60]\n"
        "deduct = true\n"
        "[components.base]\n"
        'label = "底薪"\n'
        'kind = "formula"\n'
        'expr = "1000"\n',
        encoding="utf-8",
    )
    (tmp_path / "main.toml").write_text(
        'include = ["shared/fines.toml"]\n'
        '[scheme]\nid = "m"\nname = "m"\nvalid_from = "2026-01-01"\n'
        '[components.base]\nlabel = "底薪"\nkind = "formula"\nexpr = "2000"\n',
        encoding="utf-8",
    )
    rules, _ = load_rules("main.toml")
    assert str(rules.written["base"].at()) == "main.toml:6:1"
    assert str(rules.written["fine"].at()) == "shared/fines.toml:1:1"
    assert str(rules.written["fine"].at("amounts", 1)) == "shared/fines.toml:5:16"
    # A part the file does not write points at the component itself.
    assert str(rules.written["fine"].at("rows", 0)) == "shared/fines.toml:1:1"
