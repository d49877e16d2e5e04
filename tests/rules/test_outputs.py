"""[outputs] in a rules file (rules/model.py Outputs): the payslip settings, checked like
every other table, and inherited by a file that includes one that sets them."""

from __future__ import annotations

from pathlib import Path

from csincentive.rules.loader import check_rules

BASE = """
[scheme]
id = "s"
name = "方案"
valid_from = 2026-01-01

[components.base]
label = "底薪"
kind = "formula"
expr = "2500"
"""


def codes(path: Path) -> list[str]:
    return [f"{d.code} {d.path}" for d in check_rules(path)[1]]


def test_defaults_and_settings(tmp_path: Path):
    plain = tmp_path / "plain.toml"
    plain.write_text(BASE, encoding="utf-8")
    rules = check_rules(plain)[0]
    assert rules is not None
    outputs = rules.outputs
    # S001-08: an appeal in writing within 3 days of the notice.
    assert (outputs.payslips, outputs.appeal_days, outputs.appeal_to, outputs.paper) == (
        False, 3, "", "A4",
    )  # fmt: skip
    set_ = tmp_path / "set.toml"
    set_.write_text(BASE + '\n[outputs]\npayslips = true\nappeal_days = 5\npaper = "A5"\n', "utf-8")
    rules = check_rules(set_)[0]
    assert rules is not None and rules.outputs.payslips and rules.outputs.paper == "A5"


def test_a_bad_key_or_value_is_an_error_at_its_key(tmp_path: Path):
    bad = tmp_path / "bad.toml"
    bad.write_text(BASE + '\n[outputs]\npayslip = true\nappeal_days = 0\npaper = "A3"\n', "utf-8")
    assert codes(bad) == [
        "E101 outputs.payslip",
        "E103 outputs.appeal_days",
        "E103 outputs.paper",
    ]


def test_an_including_file_inherits_the_outputs(tmp_path: Path):
    (tmp_path / "shared.toml").write_text(BASE + "\n[outputs]\npayslips = true\n", "utf-8")
    main = tmp_path / "main.toml"
    main.write_text('include = ["shared.toml"]\n' + BASE.replace('"s"', '"m"'), "utf-8")
    rules = check_rules(main)[0]
    assert rules is not None and rules.outputs.payslips
