"""Policy files (statutory/policy.py): one small broken file per error, each answered at its
file:line:col with its code and what to do; the period in force for a month; where a rules
file's `[statutory] policy` points."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import TEST_POLICY

from csincentive.core.diagnostics import InputError
from csincentive.core.month import Month
from csincentive.statutory.policy import load_policy, policy_path


def _problems(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "city.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_policy(path)
    return [d.render().replace(str(tmp_path) + "/", "") for d in caught.value.diagnostics]


def test_the_test_policy_loads():
    path = Path("testcity.toml")
    path.write_text(TEST_POLICY, encoding="utf-8")
    policy = load_policy(path)
    assert policy.id == "testcity"
    assert policy.in_force(Month(2026, 1)).si_base.cap == 20000


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ("employee = {", "employe = {"),
            "city.toml:11:1: T102 periods[0].employe: unknown key 'employe'; did you mean"
            " 'employee'? Allowed keys here: employee, employer, hf_base, hf_rate, medical_fixed,"
            " note, rounding, si_base, valid_from.",
        ),
        (
            ('valid_from = "2026-01-01"', 'valid_from = "2026-01-15"'),
            "city.toml:8:1: T105 periods[0].valid_from: a period starts on the first day of a"
            " month; write 2026-01-01",
        ),
        (
            ("floor = 5000, cap = 20000", "floor = 25000, cap = 20000"),
            "city.toml:9:1: T107 periods[0].si_base: the floor 25000 is above the cap 20000;"
            " swap them?",
        ),
        (
            ('max = "12%"', 'max = "10%"'),
            "city.toml:13:1: T108 periods[0].hf_rate: the housing fund rate 12% must lie within"
            " hf_rate [5%, 10%] (min ≤ max)",
        ),
        (
            ('pension = "8%"', 'pension = "108%"'),
            "city.toml:11:14: T104 periods[0].employee.pension: a rate is between 0% and 100%,"
            " not '108%'; write \"8%\" or 0.08",
        ),
        (
            ("floor = 2000", "floor = 2000.001"),
            "city.toml:10:13: T104 periods[0].hf_base.floor: Decimal('2000.001') is finer than"
            " the fen; write at most 2 decimal places",
        ),
        (
            ('source = "figures made up for the tests"\n', ""),
            "city.toml:2:1: T103 policy.source: required key 'source' is missing; add source ="
            " … here",
        ),
        (
            ("[[periods]]", "[[periods]\n"),
            "city.toml:7:10: T101 TOML syntax: Expected ']]' at the end of an array declaration",
        ),
    ],
)
def test_a_broken_policy_is_answered_at_its_line(tmp_path, change, expected):
    text = TEST_POLICY.replace(*change)
    assert text != TEST_POLICY
    assert _problems(tmp_path, text)[0] == expected


def test_two_periods_on_the_same_day(tmp_path):
    start = TEST_POLICY.index("[[periods]]")
    problems = _problems(tmp_path, TEST_POLICY + TEST_POLICY[start:])
    assert problems == [
        "city.toml:15:1: T106 periods[1].valid_from: periods[0] starts on the same day; keep one"
        " of the two"
    ]


def test_every_problem_at_once(tmp_path):
    text = TEST_POLICY.replace("employee = {", "employe = {").replace('"16%"', '"x"')
    codes = [p.split(" ")[1] for p in _problems(tmp_path, text)]
    assert codes == ["T102", "T104"]  # no T103 for employee: the hint says it


def test_a_missing_policy_file(tmp_path):
    problems = [d.render() for d in _load_errors(tmp_path / "nope.toml")]
    assert problems == [f"{tmp_path / 'nope.toml'}: T100 cannot read the policy: no such file"]


def _load_errors(path: Path):
    with pytest.raises(InputError) as caught:
        load_policy(path)
    return caught.value.diagnostics


def test_a_month_before_every_period_is_an_error_naming_the_policy_and_the_month():
    path = Path("testcity.toml")
    path.write_text(TEST_POLICY, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_policy(path).in_force(Month(2025, 12))
    assert str(caught.value) == (
        "testcity.toml:1:1: T109 periods: policy 'testcity' has no period in force in 2025-12"
        " (its first period starts 2026-01-01); add a [[periods]] entry with valid_from on or"
        " before 2025-12-01 from the figures published for that month"
    )


def test_the_latest_period_on_or_before_the_first_day_is_in_force():
    start = TEST_POLICY.index("[[periods]]")
    later = TEST_POLICY[start:].replace("2026-01-01", "2026-07-01").replace("5000,", "6000,")
    earlier = TEST_POLICY[start:].replace("2026-01-01", "2025-07-01").replace("5000,", "4000,")
    path = Path("p.toml")
    path.write_text(TEST_POLICY + later + earlier, encoding="utf-8")  # any order
    policy = load_policy(path)
    floors = [policy.in_force(Month(2026, m)).si_base.floor for m in (1, 6, 7, 12)]
    assert floors == [5000, 5000, 6000, 6000]
    assert policy.in_force(Month(2025, 9)).si_base.floor == 4000


def test_where_a_rules_files_policy_points(tmp_path):
    rules = tmp_path / "scheme.toml"
    rules.write_text('[statutory]\npolicy = "x"\n', encoding="utf-8")
    (tmp_path / "statutory").mkdir()
    (tmp_path / "statutory" / "shanghai.toml").write_text("", encoding="utf-8")
    assert policy_path(rules, "shanghai") == tmp_path / "statutory" / "shanghai.toml"
    assert policy_path(rules, "cities/my-city.toml") == tmp_path / "cities" / "my-city.toml"
    with pytest.raises(InputError) as caught:
        policy_path(rules, "shanghia")
    assert caught.value.diagnostics[0].render() == (
        f"{rules}:2:11: T110 statutory.policy: no shipped policy 'shanghia' (no"
        f" {tmp_path / 'statutory' / 'shanghia.toml'}); did you mean 'shanghai'? Shipped:"
        " shanghai. Or write the city's figures in a file and give its path."
    )
    for outside in ("../x.toml", "/etc/x.toml", "a/../../x.toml"):
        with pytest.raises(InputError) as caught:
            policy_path(rules, outside)
        assert caught.value.diagnostics[0].code == "T111"
    with pytest.raises(InputError) as caught:
        policy_path(rules, "my city")
    assert caught.value.diagnostics[0].code == "T110"


def test_validate_checks_the_policy_a_rules_file_names(tmp_path: Path):
    # `validate` reads the rules file's [statutory] policy too: a broken policy is found
    # before any month is run, at the policy's own line (T104: valid_from on line 13 of
    # the shipped example policy, copied beside the rules file and broken).
    from typer.testing import CliRunner

    from csincentive.cli import app

    root = Path(__file__).resolve().parents[2]
    rules = tmp_path / "net-pay.toml"
    rules.write_text((root / "rules" / "net-pay.toml").read_text("utf-8"), encoding="utf-8")
    (tmp_path / "statutory").mkdir()
    policy = (root / "rules" / "statutory" / "example.toml").read_text("utf-8")
    assert policy.splitlines()[12].startswith("valid_from = ")
    lines = policy.splitlines()
    lines[12] = 'valid_from = "soon"'
    (tmp_path / "statutory" / "example.toml").write_text("\n".join(lines) + "\n", "utf-8")
    result = CliRunner().invoke(app, ["validate", str(rules)])
    assert result.exit_code == 1
    assert f"{tmp_path}/statutory/example.toml:13:1: T104 periods[0].valid_from" in result.output
    ok = CliRunner().invoke(app, ["validate", str(root / "rules" / "net-pay.toml")])
    assert ok.exit_code == 0, ok.output
