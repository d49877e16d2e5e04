"""Net pay in the month (month/net.py, sources/statutory.py, the net-pay files): what the
roster, inputs.csv and ytd.csv may say and the errors when they say something else; the
year so far; the files and the explanation. Amounts worked by hand from the example policy
(rules/statutory/example.toml: base [7,000, 35,000], 8% + 2% + 0.5%, housing fund 7% to
the yuan) and the tables of national law."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest
from helpers import ROOT

from csincentive import compute_month, publish
from csincentive.core.diagnostics import InputError
from csincentive.ledger.store import Ledger
from csincentive.reports.explain import as_text, explain_agent
from csincentive.reports.explain_json import as_dict
from csincentive.reports.net_files import bank_table, cost_table, filing_table

RULES = ROOT / "rules" / "net-pay.toml"
YEAR = ROOT / "examples" / "net-pay"


def _month(tmp_path: Path, name: str = "2026-01") -> Path:
    folder = tmp_path / name
    shutil.copytree(YEAR / name, folder)
    return folder


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def _errors(folder: Path, ledger: Ledger | None = None, rules: Path = RULES) -> list[str]:
    with pytest.raises(InputError) as caught:
        compute_month(folder, rules, ledger=ledger)
    return [f"{d.code} {d.path}: {d.message}" for d in caught.value.diagnostics]


def test_roster_cells_that_are_not_what_their_column_holds(tmp_path):
    folder = _month(tmp_path)
    agents = folder / "agents.csv"
    _edit(agents, "2024-03-01,,,,,6000,", "2024-03-01,,,,,6千,")
    _edit(agents, ",9000,8%,,yes,", ",9000,80%%,,maybe,")
    _edit(agents, ",,,labor,,,,no,", ",,,wages,,,,no,")
    errors = _errors(folder)
    assert errors == [
        "D700 si_base: not an amount: '6千' — write the base like 8000.00",
        "D701 hf_rate: not a rate: '80%%' — write it like 7% or 0.07",
        "D703 first_job_this_year: 'maybe' is not yes or no — write yes, no, or leave it blank",
        "D702 tax_method: 'wages' is not one of salary, labor, none — write one of them",
    ]


def test_an_hf_rate_outside_the_policys_range(tmp_path):
    folder = _month(tmp_path)
    _edit(folder / "agents.csv", ",9000,8%,", ",9000,15%,")
    assert _errors(folder) == [
        "D701 hf_rate: hf_rate 0.15 of N3 is outside example's range [0.05, 0.12] from"
        " 2025-07-01 — write a rate within it, or leave it blank for the policy's rate"
    ]


def test_without_statutory_the_columns_are_unknown(tmp_path):
    folder = _month(tmp_path)
    rules = tmp_path / "rules" / "plain.toml"
    rules.parent.mkdir()
    text = RULES.read_text(encoding="utf-8").replace(
        '[statutory]\npolicy = "statutory/example.toml"\n', ""
    )
    rules.write_text(text, encoding="utf-8")
    codes = {e.split(" ")[0] for e in _errors(folder, rules=rules)}
    assert codes == {"D104"}  # si_base, hf_base … are typos for a scheme without net pay


def test_a_negative_deduction(tmp_path):
    folder = _month(tmp_path)
    _edit(folder / "inputs.csv", "N1,child_education,2000", "N1,child_education,-2000")
    assert _errors(folder) == [
        "D704 child_education: child_education of N1 is -2000: a deduction is 0 or more —"
        " correct the row"
    ]


def test_ytd_csv_errors(tmp_path):
    folder = _month(tmp_path, "2026-03")
    (folder / "ytd.csv").write_text(
        "agent_id,months_counted,income,exempt_income,social_insurance,special_deductions,"
        "other_deductions,tax_withheld\n"
        "N5,3,18000.00,0,2070,0,0,118.80\n"
        "N5,2,x,0,2070,0,0,118.80\n"
        "N9,2,1,0,0,0,0,0\n",
        encoding="utf-8",
    )
    assert _errors(folder, Ledger(tmp_path / "ledger")) == [
        "D716 months_counted: 3 months counted before 2026-03, which has 2 earlier months"
        " this year — count only this year's months before it",
        "D714 agent_id: agent 'N5' is already on line 2 — keep one row: merge lines 2 and 3"
        " or delete one of them",
        "D715 income: not an amount: 'x' — write it like 12000.00",
        "D713 agent_id: agent 'N9' is not in agents.csv — add them there or remove the row",
    ]


def test_a_ledger_month_without_statutory_and_a_row_counted_twice(tmp_path):
    ledger = Ledger(tmp_path / "ledger")
    january = _month(tmp_path)
    publish(compute_month(january, RULES, ledger=ledger), january / "out", ledger=ledger)
    february = _month(tmp_path, "2026-02")
    (february / "ytd.csv").write_text(
        (YEAR / "2026-03" / "ytd.csv").read_text(encoding="utf-8").replace("N5,2,", "N1,1,"),
        encoding="utf-8",
    )
    errors = _errors(february, ledger)
    assert errors == [
        "L115 agent_id: N1 has a year so far here and was paid in 2026-01 of the ledger too:"
        " the year would count twice — delete the row (the ledger has it)"
    ]
    # The ledger's January recorded without [statutory]: its year to date is unknown.
    values = ledger.for_scheme("net-pay").month_folder("2026-01") / "values.parquet"
    pl.read_parquet(values).drop("statutory_tax_withheld").write_parquet(values)
    (february / "ytd.csv").unlink()
    assert [e.split(":")[0] for e in _errors(february, ledger)] == ["L114 statutory"]


def test_a_component_named_like_a_net_pay_column(tmp_path):
    folder = _month(tmp_path)
    rules = tmp_path / "net-pay.toml"
    shutil.copytree(ROOT / "rules" / "statutory", tmp_path / "statutory")
    rules.write_text(
        RULES.read_text(encoding="utf-8").replace("[components.bonus]", "[components.net]"),
        encoding="utf-8",
    )
    assert _errors(folder, rules=rules)[0].startswith("T112 statutory: net: with [statutory] on")


def test_the_files_and_the_explanation(tmp_path):
    folder = _month(tmp_path)
    result = compute_month(folder, RULES, ledger=None)
    # bank.csv: net above 0, the account in clear, 用途 names the month.
    bank = bank_table(result)
    name, account, bank_name, amount, purpose = bank.row(1)
    assert (name, account, bank_name, purpose) == (
        "阿杰",
        "6222000000000022",
        "中国工商银行上海分行",
        "工资 2026-01",
    )
    assert str(amount) == "58368.15"
    # cost.csv: N2's employer shares on 35,000: 16% 5,600 + 9% 3,150 + 0.5% 175 + 0.2% 70 +
    # 7% 2,450 = 11,445; cost 66,020 + 11,445 = 77,465.
    cost = cost_table(result).filter(pl.col("agent_id") == "N2").row(0, named=True)
    assert (str(cost["employer_total"]), str(cost["cost"])) == ("11445.00", "77465.00")
    # The filing sheet: salary people only (not the part-timer N4), 本期收入 without the
    # bonus taxed on its own, which the note names.
    filing = filing_table(result)
    assert filing["工号"].to_list() == ["N1", "N2", "N3"]
    n2 = filing.row(1, named=True)
    assert (str(n2["本期收入"]), n2["*证件号码"]) == ("30020.00", "000000198805050022")
    assert n2["备注"].startswith("全年一次性奖金 36000.00 单独计税")
    # explain: the chain, and no PII (the whole Chinese chain: test_explain_net_zh.py).
    payslip = explain_agent(compute_month(folder, RULES, ledger=None, lang="en"), "N2")
    text = as_text(payslip)
    assert "├─ cumulative taxable income 14895.00" in text
    assert "annual bonus tax 1080.00" in text
    assert "└─ net 58368.15  (66020.00 − 2800.00 − 700.00 − 175.00 − 2450.00 − 1526.85)" in text
    assert "000000198805050022" not in text and "6222000000000022" not in text
    assert as_dict(payslip)["net"][-1] == {
        "name": "net",
        "amount": "58368.15",
        "how": "66020.00 − 2800.00 − 700.00 − 175.00 − 2450.00 − 1526.85",
    }
    chinese = as_dict(explain_agent(result, "N2"))["net"][-1]  # the month's language
    assert chinese["name"] == "实发工资"


def test_a_month_withholding_below_zero_says_the_difference_waits(tmp_path):
    """N3 in February with no pay would be owed back what January withheld: 0, and the
    explanation says the difference waits for the annual settlement."""
    ledger = Ledger(tmp_path / "ledger")
    january = _month(tmp_path)
    publish(compute_month(january, RULES, ledger=ledger), january / "out", ledger=ledger)
    february = _month(tmp_path, "2026-02")
    # 晓雨's base drops to the 兼职 grade's 3,000 (still the salary method).
    _edit(february / "agents.csv", "N3,晓雨,客服一组,agent,中级", "N3,晓雨,客服一组,agent,兼职")
    result = compute_month(february, RULES, ledger=ledger)
    # (7,868.71 + 3,030 − 10,000 − 2 × 1,455) < 0: tax 0 < 42.41 withheld → 0.
    row = result.payroll.filter(pl.col("agent_id") == "N3").row(0, named=True)
    assert str(row["iit"]) == "0.00"
    assert "差额留待年度汇算清缴" in as_text(explain_agent(result, "N3"))
