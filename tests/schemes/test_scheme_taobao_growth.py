"""Two hand-worked months (examples/taobao-growth/2026-09 and 2026-10) under
rules/taobao-growth.toml (S000-15, S000-16), run in order into one ledger: October's growth,
improvement and run of months on target read September from it.

Every expected figure below is worked by hand from the rule text (S000-15, S000-16), the
readings written in the rules file and the rows of the example's CSV files. Parameters:
local_minimum 2690; experience 50 a whole year, at most 300; housing 300; growth 100 per
whole 2,000 of net sales over last month; 2 per positive review; exam prize 100; 50 per
adopted suggestion; best service at satisfaction ≥ 90% with ≥ 5 rated sessions → gift 100;
most improved 200; most orders 200; a run of 2 months on target → gift 300.

Roster (售前组; S1 the supervisor, A1..A9 agents; post_wage is each contract's post pay):
  id  hired       post_wage  target   tenure_months Sep / Oct (whole months to the last day)
  S1  2022-03-01  4000       —        54 / 55  → 4 years → 200
  A1  2023-06-01  3200       10000    39 / 40  → 3 → 150
  A2  2024-09-01  3000        8000    24 / 25  → 2 → 100
  A3  2025-02-10  3000        8000    19 / 20  → 1 → 50
  A4  2019-04-01  3200       10000    89 / 90  → 7 → 350, capped at 300
  A5  2024-03-15  3000        9000    30 / 31  → 2 → 100
  A6  2025-11-20  2800        8000    10 / 11  → 0 (a month short of a year in October)
  A7  2025-10-15  3000       10000    11 / 12  → 0 in September, 1 → 50 in October
  A8  2026-09-16  2800        5000     0 /  1  → 0; in September 15 of 30 days employed
  A9  2026-10-12  2400       —         — /  0  → 0; new in October: 20 of 31 days employed

Credited orders (each an order half an hour after the buyer's chat, same day; one refund:
A7's third October order, 1500.00 of its 2000.00), and chat ratings (rated / satisfied):
      September                              October
  A1  5 × 2000.00 = 10000.00   5 / 4         8 × 1812.50 = 14500.00            10 / 9
  A2  4 × 2000.00 =  8000.00   4 / 4         5 × 1999.80 =  9999.00             9 / 8
  A3  3 × 2000.00 =  6000.00   5 / 5         5 × 1600.00 =  8000.00             8 / 8
  A4  6 × 2000.00 = 12000.00   6 / 6         4 × 2250.00 =  9000.00            10 / 7
  A5  4 × 1250.00 =  5000.00   5 / 3         8 × 1375.00 = 11000.00             6 / 5
  A6  4 × 1750.00 =  7000.00   5 / 4         4 × 1750.00 =  7000.00             4 / 4
  A7  5 × 1800.00 =  9000.00   6 / 5         6 × 2000.00 = 12000.00 − 1500 = 10500.00 (net)  7 / 6
  A8  2 × 1500.00 =  3000.00   2 / 2         7 × 1000.00 =  7000.00             5 / 5
  A9  —                                      2 × 1000.00 =  2000.00             2 / 2

S000-16 base (prorated by days employed, rounded half-up to the fen):
  post_pay: the contract's post_wage; A8 September 2800 × 15/30 = 1400.00; A9 October
    2400 × 20/31 = 1548.387… → 1548.39.
  experience_pay: 50 × whole years (above), at most 300.
  housing_allowance: 300; A8 September 300 × 15/30 = 150.00; A9 October 300 × 20/31 =
    193.548… → 193.55.
  minimum wage (of post_pay): 2690 × days employed / days in month. Everyone's post pay is at
    least 2800 for a full month except A9: October 1548.39 < 2690 × 20/31 = 1735.483… →
    1735.48 → W213. A8 September 1400.00 ≥ 2690 × 15/30 = 1345.00: no warning.

S000-15 (agents only):
  full_month (1 when employed every day): September everyone but A8; October everyone but A9.
  sales_growth = this month's net sales − last month's, only after a full last month:
    September: no last month (the scheme's first month) → 0 for everyone.
    October: A1 14500 − 10000 = 4500; A2 9999 − 8000 = 1999; A3 8000 − 6000 = 2000;
      A4 9000 − 12000 = −3000; A5 11000 − 5000 = 6000; A6 7000 − 7000 = 0;
      A7 10500 − 9000 = 1500 (its sales grew 3000, its net sales 1500);
      A8 0 (September was half a month; 7000 − 3000 = 4000 is not counted); A9 0 (new).
  growth_reward = 100 × floor(max(growth, 0) / 2000): October A1 2 steps → 200.00; A2 1999
    is just short of a step → 0.00; A3 exactly one step → 100.00; A5 3 steps → 300.00;
    A4 (a fall), A6, A7, A8, A9 → 0.00. September: 0.00 for everyone.
  review_reward = 2 × positive_reviews (inputs.csv):
    September A1 30 → 60, A2 20 → 40, A3 22 → 44, A4 15 → 30, A5 18 → 36, A6 16 → 32,
      A7 25 → 50, A8 5 → 10.
    October A1 40 → 80, A2 25 → 50, A3 30 → 60, A4 12 → 24, A5 35 → 70, A6 18 → 36,
      A7 20 → 40, A8 15 → 30, A9 3 → 6.
  exam_award (rank by exam_score, those who sat it): September no exam → nobody.
    October A2 96 and A5 96 tie for first → 100.00 each (ties share the rank); A3 90 third
    … A7 did not sit it (no row: 0) → not eligible.
  suggestion_reward = 50 × adopted_suggestions: September A1 1 → 50.00; October A3 2 →
    100.00, A6 1 → 50.00, A9 1 → 50.00.

S000-16 gift awards (pay = false: not in gross; their sum is the total `gifts`):
  best_service_award (satisfaction ≥ 90% and ≥ 5 rated) → 100:
    September A3 5/5 = 100%, A4 6/6 = 100%; not A1 4/5 = 80%, A2 (4 rated), A5 60%, A6 80%,
      A7 83.3%, A8 (2 rated).
    October A1 9/10 = 90% (exactly the bar), A3 8/8, A8 5/5 (exactly 5 rated); not A2
      8/9 = 88.9% (just below), A4 70%, A5 83.3%, A6 4/4 = 100% but only 4 rated, A7 85.7%,
      A9 (2 rated).
  order_improvement = this month's orders − last month's, after a full last month:
    September 0 for everyone; October A1 8 − 5 = 3, A2 5 − 4 = 1, A3 5 − 3 = 2,
    A4 4 − 6 = −2, A5 8 − 4 = 4, A6 4 − 4 = 0, A7 6 − 5 = 1, A8 0 (its 7 − 2 = 5 would have
    been the largest), A9 0.
  most_improved_award (the largest improvement above 0) → 200: September nobody; October A5.
  most_orders_award (the most orders) → 200: September A4 (6); October A1 and A5 tie at 8
    → 200 each.
  on_target (net sales ≥ target): September A1 10000 ≥ 10000, A2 8000 ≥ 8000, A4 12000 ≥
    10000; October A1, A2 9999 ≥ 8000, A3 8000 ≥ 8000, A5, A7 10500 ≥ 10000, A8 7000 ≥ 5000
    (not A4 9000, A6 7000 < 8000, A9 without a target).
  on_target_streak (months in a row ending now): September 1 for A1, A2, A4; October A1 2,
    A2 2, A3 1, A5 1, A7 1, A8 1, A4 0 (the run broke), A6 0, A9 0.
  on_target_streak_award (a run completing a period of 2 months) → 300: September nobody;
    October A1 and A2.

gross = the pay lines; gifts = the gift lines:
  September: S1 4000 + 200 + 300 = 4500.00
    A1 3200 + 150 + 300 + 60 + 50 = 3760.00    A5 3000 + 100 + 300 + 36 = 3436.00
    A2 3000 + 100 + 300 + 40      = 3440.00    A6 2800 + 0 + 300 + 32   = 3132.00
    A3 3000 + 50 + 300 + 44       = 3394.00    A7 3000 + 0 + 300 + 50   = 3350.00
    A4 3200 + 300 + 300 + 30      = 3830.00    A8 1400 + 0 + 150 + 10   = 1560.00
    gifts A3 100.00, A4 100 + 200 = 300.00; total gross 30402.00, gifts 400.00
  October: S1 4500.00
    A1 3200 + 150 + 300 + 200 + 80             = 3930.00   gifts 100 + 200 + 300 = 600.00
    A2 3000 + 100 + 300 + 50 + 100             = 3550.00   gifts 300.00
    A3 3000 + 50 + 300 + 100 + 60 + 100        = 3610.00   gifts 100.00
    A4 3200 + 300 + 300 + 24                   = 3824.00
    A5 3000 + 100 + 300 + 300 + 70 + 100       = 3870.00   gifts 200 + 200 = 400.00
    A6 2800 + 0 + 300 + 36 + 50                = 3186.00
    A7 3000 + 50 + 300 + 40                    = 3390.00
    A8 2800 + 0 + 300 + 30                     = 3130.00   gifts 100.00
    A9 1548.39 + 0 + 193.55 + 6 + 50           = 1797.94
    total gross 34787.94, gifts 1500.00
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from helpers import D, line, moved_month

from csincentive.core.diagnostics import InputError
from csincentive.ledger.store import Ledger
from csincentive.month.compute import compute_month

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "taobao-growth"
RULES = ROOT / "rules" / "taobao-growth.toml"
SEPTEMBER = ["A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8", "S1"]
OCTOBER = ["A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8", "A9", "S1"]
PAY = [
    "post_pay",
    "experience_pay",
    "housing_allowance",
    "growth_reward",
    "review_reward",
    "exam_award",
    "suggestion_reward",
]


@pytest.fixture(scope="module")
def months(tmp_path_factory):
    """September then October, each recorded in one ledger as `run` records it."""
    ledger = Ledger(tmp_path_factory.mktemp("ledger"))
    results = {}
    for period in ("2026-09", "2026-10"):
        results[period] = compute_month(EXAMPLE / period, RULES, ledger=ledger, lang="en")
        ledger.record(results[period])
    return results


@pytest.fixture(scope="module")
def september(months):
    return months["2026-09"]


@pytest.fixture(scope="module")
def october(months):
    return months["2026-10"]


def amounts(result, component: str, people: list[str]) -> list[str]:  # type: ignore[no-untyped-def]
    """A component's line amounts (as lines.csv writes them) for people, in that order; a
    person without the line (it does not apply to them) is '—'."""
    rows = result.lines.filter(pl.col("component") == component)
    by_agent = dict(zip(rows["agent_id"], rows["amount"], strict=True))
    return [by_agent.get(agent, "—") for agent in people]


def test_september_payroll_worked_by_hand(september):
    payroll = september.payroll
    assert payroll.columns == ["agent_id", "name", "team", "role", *PAY, "gross", "gifts"]
    assert payroll["agent_id"].to_list() == SEPTEMBER
    #                                   A1         A2         A3         A4         A5
    #                                   A6         A7         A8         S1
    expected = {
        "post_pay": ("3200.00", "3000.00", "3000.00", "3200.00", "3000.00",
                     "2800.00", "3000.00", "1400.00", "4000.00"),
        "experience_pay": ("150.00", "100.00", "50.00", "300.00", "100.00",
                           "0.00", "0.00", "0.00", "200.00"),
        "housing_allowance": ("300.00", "300.00", "300.00", "300.00", "300.00",
                              "300.00", "300.00", "150.00", "300.00"),
        "growth_reward": ("0.00",) * 9,
        "review_reward": ("60.00", "40.00", "44.00", "30.00", "36.00",
                          "32.00", "50.00", "10.00", "0.00"),
        "exam_award": ("0.00",) * 9,
        "suggestion_reward": ("50.00", "0.00", "0.00", "0.00", "0.00",
                              "0.00", "0.00", "0.00", "0.00"),
        "gross": ("3760.00", "3440.00", "3394.00", "3830.00", "3436.00",
                  "3132.00", "3350.00", "1560.00", "4500.00"),
        "gifts": ("0.00", "0.00", "100.00", "300.00", "0.00",
                  "0.00", "0.00", "0.00", "0.00"),
    }  # fmt: skip
    for column, values in expected.items():
        assert payroll[column].to_list() == D(*values), column
    assert payroll["gross"].sum() == Decimal("30402.00")
    assert payroll["gifts"].sum() == Decimal("400.00")


def test_september_gifts_and_figures_worked_by_hand(september):
    agents = SEPTEMBER[:-1]
    # The scheme's first month: no last month, so no growth and no improvement (S000-15/16).
    assert amounts(september, "sales_growth", agents) == ["0.00"] * 8
    assert amounts(september, "order_improvement", agents) == ["0"] * 8
    assert amounts(september, "full_month", SEPTEMBER) == ["1"] * 7 + ["0", "1"]
    assert amounts(september, "best_service_award", agents) == [
        "0.00", "0.00", "100.00", "100.00", "0.00", "0.00", "0.00", "0.00",
    ]  # fmt: skip
    assert amounts(september, "most_improved_award", agents) == ["0.00"] * 8
    assert amounts(september, "most_orders_award", agents) == [
        "0.00", "0.00", "0.00", "200.00", "0.00", "0.00", "0.00", "0.00",
    ]  # fmt: skip
    assert amounts(september, "on_target", agents) == ["1", "1", "0", "1", "0", "0", "0", "0"]
    assert amounts(september, "on_target_streak", agents) == [
        "1", "1", "0", "1", "0", "0", "0", "0",
    ]  # fmt: skip
    assert amounts(september, "on_target_streak_award", agents) == ["0.00"] * 8
    # A8 employed 15 of 30 days: post pay 1400.00 ≥ 2690 × 15/30 = 1345.00 (S000-16).
    assert september.warnings == []


def test_october_payroll_worked_by_hand(october):
    payroll = october.payroll
    assert payroll.columns == ["agent_id", "name", "team", "role", *PAY, "gross", "gifts"]
    assert payroll["agent_id"].to_list() == OCTOBER
    #                                   A1         A2         A3         A4         A5
    #                                   A6         A7         A8         A9         S1
    expected = {
        "post_pay": ("3200.00", "3000.00", "3000.00", "3200.00", "3000.00",
                     "2800.00", "3000.00", "2800.00", "1548.39", "4000.00"),
        "experience_pay": ("150.00", "100.00", "50.00", "300.00", "100.00",
                           "0.00", "50.00", "0.00", "0.00", "200.00"),
        "housing_allowance": ("300.00", "300.00", "300.00", "300.00", "300.00",
                              "300.00", "300.00", "300.00", "193.55", "300.00"),
        "growth_reward": ("200.00", "0.00", "100.00", "0.00", "300.00",
                          "0.00", "0.00", "0.00", "0.00", "0.00"),
        "review_reward": ("80.00", "50.00", "60.00", "24.00", "70.00",
                          "36.00", "40.00", "30.00", "6.00", "0.00"),
        "exam_award": ("0.00", "100.00", "0.00", "0.00", "100.00",
                       "0.00", "0.00", "0.00", "0.00", "0.00"),
        "suggestion_reward": ("0.00", "0.00", "100.00", "0.00", "0.00",
                              "50.00", "0.00", "0.00", "50.00", "0.00"),
        "gross": ("3930.00", "3550.00", "3610.00", "3824.00", "3870.00",
                  "3186.00", "3390.00", "3130.00", "1797.94", "4500.00"),
        "gifts": ("600.00", "300.00", "100.00", "0.00", "400.00",
                  "0.00", "0.00", "100.00", "0.00", "0.00"),
    }  # fmt: skip
    for column, values in expected.items():
        assert payroll[column].to_list() == D(*values), column
    assert payroll["gross"].sum() == Decimal("34787.94")
    assert payroll["gifts"].sum() == Decimal("1500.00")


def test_october_gifts_and_figures_worked_by_hand(october):
    agents = OCTOBER[:-1]
    assert amounts(october, "full_month", OCTOBER) == ["1"] * 8 + ["0", "1"]
    assert amounts(october, "sales_growth", agents) == [
        "4500.00", "1999.00", "2000.00", "-3000.00", "6000.00",
        "0.00", "1500.00", "0.00", "0.00",
    ]  # fmt: skip
    assert amounts(october, "order_improvement", agents) == [
        "3", "1", "2", "-2", "4", "0", "1", "0", "0",
    ]  # fmt: skip
    assert amounts(october, "best_service_award", agents) == [
        "100.00", "0.00", "100.00", "0.00", "0.00", "0.00", "0.00", "100.00", "0.00",
    ]  # fmt: skip
    assert amounts(october, "most_improved_award", agents) == [
        "0.00", "0.00", "0.00", "0.00", "200.00", "0.00", "0.00", "0.00", "0.00",
    ]  # fmt: skip
    assert amounts(october, "most_orders_award", agents) == [
        "200.00", "0.00", "0.00", "0.00", "200.00", "0.00", "0.00", "0.00", "0.00",
    ]  # fmt: skip
    assert amounts(october, "on_target", agents) == [
        "1", "1", "1", "0", "1", "0", "1", "1", "0",
    ]  # fmt: skip
    assert amounts(october, "on_target_streak", agents) == [
        "2", "2", "1", "0", "1", "0", "1", "1", "0",
    ]  # fmt: skip
    assert amounts(october, "on_target_streak_award", agents) == [
        "300.00", "300.00", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00",
    ]  # fmt: skip
    # The supervisor has the base only: the S000-15 rewards and the gifts are for agents.
    assert amounts(october, "growth_reward", ["S1"]) == ["—"]
    assert amounts(october, "best_service_award", ["S1"]) == ["—"]
    gifts = october.lines.filter(pl.col("component").str.ends_with("_award") & ~pl.col("pays"))
    assert set(gifts["rule"]) == {"S000-16"}


def test_metrics_worked_by_hand(october):
    m = october.metrics.sort("agent_id")
    assert m["orders"].to_list() == [8, 5, 5, 4, 8, 4, 6, 7, 2, 0]
    assert m["net_sales"].to_list() == D(
        "14500.00", "9999.00", "8000.00", "9000.00", "11000.00",
        "7000.00", "10500.00", "7000.00", "2000.00", "0.00",
    )  # fmt: skip
    assert m["rated_sessions"].to_list() == [10, 9, 8, 10, 6, 4, 7, 5, 2, 0]
    assert m["satisfied_sessions"].to_list() == [9, 8, 8, 7, 5, 4, 6, 5, 2, 0]
    recon = {r["outcome"]: r["orders"] for r in october.reconciliation.iter_rows(named=True)}
    assert recon == {"credited": 49}


def test_post_pay_below_the_minimum_wage_is_warned(october):
    # S000-16: A9's contract post pay 2400 × 20/31 = 1548.39 is below the minimum wage held
    # to the same 20 days, 2690 × 20/31 = 1735.48; line 31 of the rules is minimum_wage.
    assert [(w.code, w.line, w.path, w.message) for w in october.warnings] == [
        (
            "W213",
            31,
            "scheme.minimum_wage",
            "A9 小唐: post_pay 1548.39 is below the minimum wage 1735.48 = 2690.00 × 20/31 "
            "days employed (S000-16); pay at least 1735.48, or correct the rule or the roster",
        )
    ]


def test_explanations_read_for_a_clerk(october):
    assert line(october, "A1", "sales_growth")["explanation"] == (
        "change(net_sales, 0) with change(net_sales, 0)=4500.00; "
        "last_month(net_sales)=10000.00 = 4500.00"
    )
    assert line(october, "A2", "growth_reward")["explanation"] == (
        "growth_reward_per_step * floor(max(sales_growth, 0) / growth_step) with "
        "growth_reward_per_step=100; sales_growth=1999.00; growth_step=2000 = 0.00"
    )
    assert line(october, "A8", "sales_growth")["explanation"] == (
        "0: condition not met (上月未全月在岗, 不计增长 — no full last month to compare with)"
    )
    assert line(october, "A9", "post_pay")["explanation"] == (
        "post_wage with post_wage=2400.00 × 20/31 days employed = 1548.39"
    )
    assert line(october, "A5", "exam_award")["explanation"] == (
        "exam_score 96 → rank 1 of 9 (role=agent) = 100.00"
    )
    assert line(october, "A7", "experience_pay")["explanation"] == (
        "experience_pay_per_year * floor(tenure_months / 12) with experience_pay_per_year=50;"
        " tenure_months=12 × 31/31 days employed = 50.00"
    )
    assert line(october, "A1", "on_target_streak")["explanation"] == (
        "months_in_a_row(on_target == 1) with months_in_a_row(on_target == 1)=2 = 2"
    )
    assert line(october, "A5", "on_target_streak_award")["explanation"] == (
        "0: condition not met (连续达标未满一个周期 — the run has not completed a period)"
    )


def test_lines_sum_to_gross_and_gifts(october):
    lines = october.lines
    for paid, total in ((True, "gross"), (False, "gifts")):
        chosen = lines.filter(pl.col("pays") == paid)
        if not paid:
            chosen = chosen.filter(pl.col("component").str.ends_with("_award"))
        sums = chosen.group_by("agent_id").agg(pl.col("amount").cast(pl.Decimal(38, 2)).sum())
        by_agent = dict(zip(sums["agent_id"], sums["amount"], strict=True))
        payroll = october.payroll
        for agent, amount in zip(payroll["agent_id"], payroll[total], strict=True):
            assert by_agent.get(agent, Decimal("0.00")) == amount, (total, agent)


def test_the_streak_gift_is_once_a_period(tmp_path: Path, october):
    # October again as November, after the two months (S000-16 "___月为期限", 2 months):
    # the same people are on target, so the runs grow by one — A1 and A2 reach 3 months
    # (no gift: the next period ends at 4), A3, A5, A7 and A8 reach 2 (a gift of 300 each).
    # November's sales equal October's: no growth, no improvement, for anyone.
    ledger = Ledger(tmp_path / "ledger")
    for period in ("2026-09", "2026-10"):
        ledger.record(compute_month(EXAMPLE / period, RULES, ledger=ledger))
    november = compute_month(moved_month(EXAMPLE / "2026-10", tmp_path, 11), RULES, ledger=ledger)
    agents = OCTOBER[:-1]
    assert amounts(november, "on_target_streak", agents) == [
        "3", "3", "2", "0", "2", "0", "2", "2", "0",
    ]  # fmt: skip
    assert amounts(november, "on_target_streak_award", agents) == [
        "0.00", "0.00", "300.00", "0.00", "300.00", "0.00", "300.00", "300.00", "0.00",
    ]  # fmt: skip
    assert november.payroll["growth_reward"].to_list() == D(*["0.00"] * 10)
    assert amounts(november, "most_improved_award", agents) == ["0.00"] * 9


def test_october_without_september_in_the_ledger_is_refused(tmp_path: Path):
    # change(…, 0)'s fallback stands in for a person without a last month and for the
    # month before the scheme's valid_from (2026-09-01), never for a month the scheme
    # should have paid: October alone, with no September in the ledger, would pay no
    # growth to anyone without a word (S000-15), so it stops with E181 at the formula.
    with pytest.raises(InputError) as raised:
        compute_month(EXAMPLE / "2026-10", RULES, ledger=Ledger(tmp_path / "ledger"))
    [problem] = raised.value.diagnostics
    assert problem.code == "E181" and Path(problem.file).name == "taobao-growth.toml"
    assert "reads 2026-09, and the ledger" in problem.message
    assert "run 2026-09 first (the fallback stands in for people" in problem.message
