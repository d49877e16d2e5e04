"""Contributions on the declared base (statutory/contributions.py): the floor and cap, the
defaults of a blank base, the rounding a policy asks for, a fixed medical amount, and the
period in force — each figure worked by hand in its comment (the test policy is in
tests/helpers.py: 8% + 2% + 0.5% on [5,000, 20,000], housing fund 12% on [2,000, 20,000])."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from helpers import TEST_POLICY, statutory_people

from csincentive.core.month import Month
from csincentive.statutory.net import net_pay
from csincentive.statutory.policy import load_policy


def _policy(tmp_path: Path, text: str = TEST_POLICY):
    path = tmp_path / "p.toml"
    path.write_text(text, encoding="utf-8")
    return load_policy(path)


def test_a_base_below_the_floor_and_one_above_the_cap(tmp_path):
    """si_base 3,000 is raised to the floor 5,000: pension 8% = 400, medical 2% = 100,
    unemployment 0.5% = 25; its housing fund base 3,000 (the declared si_base) is within
    [2,000, 20,000]: 12% = 360. si_base 50,000 is cut to the cap 20,000: 1,600, 400, 100,
    and 2,400. A blank si_base is the floor: 400, 100, 25 and 12% × 5,000 = 600."""
    period = _policy(tmp_path).in_force(Month(2026, 3))
    people = statutory_people(gross=["8000"] * 3, si_base=["3000", "50000", None])
    out = net_pay(people, period, Month(2026, 3))
    assert out["si_base_used"].to_list() == [Decimal(5000), Decimal(20000), Decimal(5000)]
    assert out["hf_base_used"].to_list() == [Decimal(3000), Decimal(20000), Decimal(5000)]
    assert out["pension"].to_list() == [Decimal(400), Decimal(1600), Decimal(400)]
    assert out["medical"].to_list() == [Decimal(100), Decimal(400), Decimal(100)]
    assert out["unemployment"].to_list() == [Decimal(25), Decimal(100), Decimal(25)]
    assert out["housing_fund"].to_list() == [Decimal(360), Decimal(2400), Decimal(600)]
    # The employer's shares on the same bases: 16% + 9% + 0.5% + 0.2% of 5,000 = 1,285, and
    # 12% × 3,000 = 360: 1,645 on top of the 8,000 of gross.
    first = out.row(0, named=True)
    assert first["employer_total"] == Decimal(1645)
    assert first["cost"] == Decimal(9645)


def test_hf_base_and_hf_rate_of_a_person(tmp_path):
    """hf_base 1,000 is raised to the housing fund floor 2,000; hf_rate 5% is paid by both
    sides: 2,000 × 5% = 100 each."""
    period = _policy(tmp_path).in_force(Month(2026, 3))
    people = statutory_people(gross=["8000"], si_base=["8000"], hf_base=["1000"], hf_rate=["0.05"])
    row = net_pay(people, period, Month(2026, 3)).row(0, named=True)
    assert (row["housing_fund"], row["employer_housing_fund"]) == (Decimal(100), Decimal(100))


def test_not_insured_pays_no_contribution(tmp_path):
    period = _policy(tmp_path).in_force(Month(2026, 3))
    people = statutory_people(gross=["8000"], insured=[False])
    row = net_pay(people, period, Month(2026, 3)).row(0, named=True)
    items = ("pension", "medical", "unemployment", "housing_fund", "employer_total")
    assert [row[i] for i in items] == [0] * 5


def test_rounding_per_item_and_a_fixed_medical_amount(tmp_path):
    """A city rounding its housing fund to the yuan, and 3 yuan of medical on top of 2%
    (Beijing's kind): base 7,777.77 → pension 8% = 622.2216 → 622.22; medical 2% = 155.5554
    → 155.56 + 3 = 158.56; housing fund 12% = 933.3324 → 933 (yuan, half-up)."""
    text = TEST_POLICY.replace(
        'hf_rate = { min = "5%", max = "12%" }',
        'hf_rate = { min = "5%", max = "12%" }\n'
        'rounding = { default = "fen", housing_fund = "yuan" }\nmedical_fixed = 3',
    )
    period = _policy(tmp_path, text).in_force(Month(2026, 3))
    people = statutory_people(gross=["9000"], si_base=["7777.77"])
    row = net_pay(people, period, Month(2026, 3)).row(0, named=True)
    assert (row["pension"], row["medical"], row["housing_fund"]) == (
        Decimal("622.22"),
        Decimal("158.56"),
        Decimal("933.00"),
    )
    # The employer pays no fixed amount: 9% × 7,777.77 = 699.9993 → 700.00.
    assert row["employer_medical"] == Decimal("700.00")


def test_half_a_fen_rounds_up(tmp_path):
    """0.5% of 5,001 = 25.005 → 25.01 (half-up, never to even)."""
    period = _policy(tmp_path).in_force(Month(2026, 3))
    row = net_pay(statutory_people(gross=["9000"], si_base=["5001"]), period, Month(2026, 3))
    assert row["unemployment"].to_list() == [Decimal("25.01")]


DATED = (
    TEST_POLICY
    + """
[[periods]]
valid_from = "2026-07-01"
note = "new bases from July"
si_base = { floor = 6000, cap = 24000 }
hf_base = { floor = 2000, cap = 24000 }
employee = { pension = "8%", medical = "2%", unemployment = "0.5%", housing_fund = "12%" }
employer = { pension = "16%", medical = "9%", unemployment = "0.5%", injury = "0.2%", housing_fund = "12%" }
hf_rate = { min = "5%", max = "12%" }
"""
)


@pytest.mark.parametrize(
    ("month", "floor", "pension"),
    [(6, 5000, "400.00"), (7, 6000, "480.00"), (12, 6000, "480.00")],
)
def test_a_period_change_in_july_takes_effect_in_july(tmp_path, month, floor, pension):
    """The floor moves from 5,000 to 6,000 on 2026-07-01: a blank si_base pays 8% of 5,000
    = 400 in June, 8% of 6,000 = 480 from July."""
    policy = _policy(tmp_path, DATED)
    period = policy.in_force(Month(2026, month))
    assert period.si_base.floor == floor
    out = net_pay(statutory_people(gross=["9000"]), period, Month(2026, month))
    assert out["pension"].to_list() == [Decimal(pension)]
