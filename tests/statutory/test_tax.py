"""Withholding by the tables of national law (statutory/tax.py, statutory/net.py): every
vector of issue 13, each worked by hand in its comment from the rule texts — 累计预扣法
(公告2018年第61号, 预扣率表一), the annual bonus taxed on its own (财税〔2018〕164号, the
monthly table), 劳务报酬 (预扣率表二), 公告2020年第13号 and 公告2020年第19号."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from helpers import TEST_POLICY, statutory_people

from csincentive.core.month import Month
from csincentive.statutory.net import net_pay
from csincentive.statutory.policy import Period, load_policy


@pytest.fixture
def period(tmp_path: Path) -> Period:
    path = tmp_path / "testcity.toml"
    path.write_text(TEST_POLICY, encoding="utf-8")
    return load_policy(path).in_force(Month(2026, 1))


def _year(period: Period, months: list[dict[str, str]], **person: object) -> list[dict]:
    """Run one person through consecutive months of 2026, each month's year so far being
    the month before's year to date (as the ledger hands it on)."""
    ytd: dict[str, object] = {}
    rows = []
    for number, month in enumerate(months, start=1):
        columns = {k: [v] for k, v in {**person, **month}.items()}
        columns.update({f"ytd_{k}": [v] for k, v in ytd.items()})
        row = net_pay(statutory_people(**columns), period, Month(2026, number)).row(0, named=True)
        rows.append(row)
        ytd = {
            "months_counted": None,
            "income": str(row["cum_income"]),
            "social_insurance": str(row["cum_social_insurance"]),
            "special_deductions": str(row["cum_special_deductions"]),
            "other_deductions": str(row["cum_other_deductions"]),
            "tax_withheld": str(row["cum_tax_withheld"]),
        }
    return rows


def test_30000_a_month_with_4500_of_contributions_and_2000_of_special_deductions(period):
    """30,000 a month on a declared base of 30,000, clamped to the test cap of 20,000:
    10.5% × 20,000 = 2,100 of social insurance + 12% × 20,000 = 2,400 of housing fund =
    4,500; special deductions 2,000 (child_education 1,000 + elderly_support 1,000).
    Each month adds 30,000 − 5,000 − 4,500 − 2,000 = 18,500 of cumulative taxable income
    (预扣率表一):
      Jan 18,500 × 3% = 555                                  → 555
      Feb 37,000 × 10% − 2,520 = 1,180                       → 1,180 − 555 = 625
      Mar 55,500 × 10% − 2,520 = 3,030                       → 1,850
      Apr 74,000 → 4,880; May 92,500 → 6,730; Jun 111,000 → 8,580; Jul 129,500 → 10,430:
      each month 1,850
      Aug 148,000 × 20% − 16,920 = 12,680                    → 12,680 − 10,430 = 2,250
      Sep 166,500 → 16,380 (3,700); Oct 185,000 → 20,080; Nov 203,500 → 23,780;
      Dec 222,000 × 20% − 16,920 = 27,480: each month 3,700; the year 27,480."""
    month = {"gross": "30000", "si_base": "30000", "child_education": "1000",
             "elderly_support": "1000"}  # fmt: skip
    rows = _year(period, [month] * 12)
    assert [r["social_insurance"] for r in rows] == [Decimal(4500)] * 12
    withheld = [r["iit"] for r in rows]
    assert withheld == [Decimal(v) for v in
                        ["555", "625", "1850", "1850", "1850", "1850", "1850", "2250",
                         "3700", "3700", "3700", "3700"]]  # fmt: skip
    assert sum(withheld) == Decimal(27480)
    assert rows[11]["cum_tax"] == Decimal(27480)
    # net = gross − contributions − tax, to the fen: 30,000 − 4,500 − 555 in January.
    assert rows[0]["net"] == Decimal("24945.00")


def test_without_social_insurance_a_smaller_month_withholds_nothing(period):
    """insured = no: no contributions. Jan 20,000 − 5,000 = 15,000 × 3% = 450.
    Feb: 23,000 − 10,000 = 13,000 × 3% = 390 < 450 withheld → 0 (never negative; the 60
    waits for the annual settlement). Mar: 33,000 − 15,000 = 18,000 × 3% = 540 − 450 = 90."""
    months = [{"gross": g} for g in ("20000", "3000", "10000")]
    rows = _year(period, months, insured=False)
    assert [r["iit"] for r in rows] == [Decimal(450), Decimal(0), Decimal(90)]
    assert [r["tax_waits"] for r in rows] == [False, True, False]
    assert [r["pension"] + r["housing_fund"] for r in rows] == [Decimal(0)] * 3


@pytest.mark.parametrize(
    ("bonus", "tax"),
    [
        # 36,000 ÷ 12 = 3,000: the first bracket of the monthly table, 36,000 × 3% = 1,080.
        ("36000", "1080.00"),
        # 36,001 ÷ 12 = 3,000.08 > 3,000: 10% less 210, 3,600.10 − 210 = 3,390.10.
        ("36001", "3390.10"),
        # 144,000 ÷ 12 = 12,000: still 10%, 14,400 − 210 = 14,190.
        ("144000", "14190.00"),
    ],
)
def test_an_annual_bonus_taxed_on_its_own(period, bonus, tax):
    """全年一次性奖金 taxed separately (财税〔2018〕164号): the person has no other pay, so
    the cumulative part is 0 and the whole withholding is the bonus's."""
    people = statutory_people(gross=[bonus], annual_bonus=[bonus], insured=[False])
    row = net_pay(people, period, Month(2026, 1)).row(0, named=True)
    assert row["iit_bonus"] == Decimal(tax)
    assert row["iit_salary"] == Decimal(0)
    assert row["iit"] == Decimal(tax)
    assert row["net"] == Decimal(bonus) - Decimal(tax)


def test_a_bonus_merged_is_wages_of_the_month(period):
    """bonus_tax = merged: 36,000 of bonus joins the month's wages: January 36,000 − 5,000 =
    31,000 × 3% = 930 (less than the 1,080 it would cost on its own)."""
    people = statutory_people(
        gross=["36000"], annual_bonus=["36000"], insured=[False], bonus_merged=[True]
    )
    row = net_pay(people, period, Month(2026, 1)).row(0, named=True)
    assert (row["iit_bonus"], row["iit_salary"], row["iit"]) == (0, Decimal(930), Decimal(930))


def test_after_2027_a_bonus_is_merged_whatever_the_person_says(period):
    """公告2023年第30号 lets a bonus be taxed on its own until 2027-12-31 only: in January
    2028 the 36,000 is wages, 31,000 × 3% = 930."""
    people = statutory_people(gross=["36000"], annual_bonus=["36000"], insured=[False])
    row = net_pay(people, period, Month(2028, 1)).row(0, named=True)
    assert (row["iit_bonus"], row["iit"]) == (0, Decimal(930))


@pytest.mark.parametrize(
    ("payment", "taxable", "tax"),
    [
        # at most 4,000: less 800; 3,000 − 800 = 2,200 × 20% = 440.
        ("3000", "2200", "440.00"),
        # above 4,000: 80%; 25,000 × 80% = 20,000 (still the first bracket) × 20% = 4,000.
        ("25000", "20000", "4000.00"),
        # 50,000 × 80% = 40,000: 30% less 2,000 = 10,000.
        ("50000", "40000", "10000.00"),
        # 700 − 800 is nothing to tax.
        ("700", "0", "0.00"),
    ],
)
def test_labour_remuneration_withheld_per_payment(period, payment, taxable, tax):
    """劳务报酬 (tax_method = labor, part-time staff, S002-05), 预扣率表二."""
    people = statutory_people(gross=[payment], tax_method=["labor"], insured=[False])
    row = net_pay(people, period, Month(2026, 3)).row(0, named=True)
    assert row["labor_taxable"] == Decimal(taxable)
    assert row["iit"] == Decimal(tax)
    assert row["cum_income"] == 0  # not wages: the cumulative method never sees it


def test_tax_method_none_withholds_nothing(period):
    people = statutory_people(gross=["50000"], tax_method=["none"], insured=[False])
    row = net_pay(people, period, Month(2026, 3)).row(0, named=True)
    assert (row["iit"], row["net"]) == (0, Decimal(50000))


def test_a_mid_year_hire_counts_the_basic_deduction_from_the_hire_month(period):
    """Hired 2026-06-20, paid 10,000 in June without social insurance: June counts whole,
    so 10,000 − 5,000 = 5,000 × 3% = 150. Someone hired before 2026 would be counted 6
    months in June (30,000 of basic deduction) and, with no year so far, withhold 0 — but a
    first job this year (公告2020年第13号) counts from January too."""
    hired = dt.date(2026, 6, 20)
    people = statutory_people(
        gross=["10000"] * 3,
        insured=[False] * 3,
        hire_date=[hired, dt.date(2020, 1, 1), hired],
        first_job_this_year=[False, False, True],
    )
    out = net_pay(people, period, Month(2026, 6))
    assert out["months_counted"].to_list() == [1, 6, 6]
    assert out["iit"].to_list() == [Decimal(150), 0, 0]


def test_annual_60k_deducts_the_whole_60000_from_january(period):
    """公告2020年第19号: 60,000 deducted from January, so 40,000 in January withholds 0; the
    same person without it: 40,000 − 5,000 = 35,000 × 3% = 1,050."""
    people = statutory_people(gross=["40000"] * 2, insured=[False] * 2, annual_60k=[True, False])
    out = net_pay(people, period, Month(2026, 1))
    assert out["cum_basic"].to_list() == [Decimal(60000), Decimal(5000)]
    assert out["iit"].to_list() == [0, Decimal(1050)]


def test_ytd_csv_months_counted_replaces_the_count_from_dates(period):
    """A year so far from ytd.csv: 2 months counted, 20,000 of income, 600 withheld; March
    10,000 more: 30,000 − 3 × 5,000 = 15,000 × 3% = 450 − 600 → 0 (waits)."""
    people = statutory_people(
        gross=["10000"],
        insured=[False],
        ytd_months_counted=[2],
        ytd_income=["20000"],
        ytd_tax_withheld=["600"],
    )
    row = net_pay(people, period, Month(2026, 3)).row(0, named=True)
    assert (row["months_counted"], row["cum_tax"], row["iit"]) == (3, Decimal(450), 0)
    assert row["tax_waits"] is True


def test_one_vectorised_pass_over_many_people(period):
    """The same arithmetic for 3,000 people at once (one frame, no per-person loop)."""
    n = 3000
    people = statutory_people(gross=["30000"] * n, si_base=["30000"] * n)
    out = net_pay(people, period, Month(2026, 1))
    # (30,000 − 5,000 − 4,500) × 3% = 615 each.
    assert out["iit"].unique().to_list() == [Decimal(615)]
    assert out.height == n
    assert out.schema["net"] == pl.Decimal(38, 2)
