"""A hand-worked month (examples/contact-centre-scorecard/2026-10) under
rules/contact-centre-scorecard.toml: the KPI scorecard (S003-01), the bonus pool and the
special awards (S003-02), the monthly appraisal (S004-05) and its reward or penalty
(S004-04), and the attendance-rate bands (S004-01).

Every expected figure below is worked by hand from the rule text and the rows of the
example's CSV files (agents, chats, events, attendance, inputs) — not copied from a run.

Roster: ten agents of 在线客服组, October 2026 = 31 days. A08 was hired 2026-07-31: three
whole months by 10-31 (not a newcomer) and probation (3 months) ended 10-30 (regular on the
month's last day). A09 hired 08-17: 2 whole months, on probation to 11-16. A10 hired 10-12:
0 months, on probation. Everyone else was hired in 2025 or before.

From the exports (chats.csv ratings: 很满意/满意 satisfied, 一般/不满意 rated only):
  agent  sessions  rated  satisfied  CSAT     complaints  worked/scheduled  attendance rate
  A01    20        10     10         100%     0           22/22             100%
  A02    18         9      9         100%     0           22/22             100%
  A03    28        12     11         91.67%   0           22/22             100%
  A04    26        24     22         91.67%   1           22/22             100%
  A05    20        10      9         90%      0 (breach)  21/22             95.45%
  A06    20        20     19         95%      0           19/20             95%
  A07    15        10      8         80%      2           19/22             86.36%
  A08    18        10      9         90%      0           18/20             90%
  A09    16         5      5         100%     0           20/22             90.91%
  A10     9         4      4         100%     0           14/14             100%
A05 has a data-security breach (events.csv). From inputs.csv:
  agent  AHT s  answer  FCR   QA   attitude  teamwork  exam  suggestions
  A01    320    98%     88%   95   100       95        92    0
  A02    350    97%     85%   92    95       85        88    0
  A03    300    99%     82%   84    85       80        85    2
  A04    360    95%     82%   88    75       80        78    0
  A05    380    96%     86%   91    88       85        90    4
  A06    350    97%     87%   89    85       80        80    0
  A07    560    88%     65%   62    65       60        55    0
  A08    390    96%     84%   90    88       75        70    0
  A09    450    94%     80%   86    85       90        82    1
  A10    480    92%     75%   80    80       85        65    0

kpi_score (S003-01): each item's points rounded half-up to 0.01 once, then × its weight.
  CSAT 30%: bands < 85% 0 · [85%, 90%) 60 · [90%, 95%) 80 · ≥ 95% 100
  complaint rate 10% = complaints / sessions, linear 5% → 0 … 0% → 100: (5% − rate) / 5%
  AHT 15%, linear 600 s → 0 … 300 s → 100: (600 − AHT) / 3
  answer rate 10%, linear 85% → 0 … 100% → 100: (rate − 85%) / 15%
  FCR 15%, linear 60% → 0 … 90% → 100: (FCR − 60%) / 30%
  QA 20%: bands < 60 0 · [60, 80) 60 · [80, 90) 80 · ≥ 90 100
  grades: < 70 待改进 · [70, 80) 铜牌 · [80, 90) 银牌 · ≥ 90 金牌
         CSAT  compl  AHT    answer FCR    QA   total = Σ points × weight
  A01    100   100    93.33  86.67  93.33  100  30 + 10 + 13.9995 + 8.667 + 13.9995 + 20 = 96.666 金牌
  A02    100   100    83.33  80     83.33  100  30 + 10 + 12.4995 + 8 + 12.4995 + 20 = 92.999 金牌
  A03    80    100    100    93.33  73.33  80   24 + 10 + 15 + 9.333 + 10.9995 + 16 = 85.3325 银牌
  A04    80    23.08  80     66.67  73.33  80   24 + 2.308 + 12 + 6.667 + 10.9995 + 16 = 71.9745 铜牌
         (1/26 = 3.846%: (5% − 3.846%) / 5% = 23.077 → 23.08)
  A05    80    100    73.33  73.33  86.67  100  24 + 10 + 10.9995 + 7.333 + 13.0005 + 20 = 85.333 银牌
  A06    100   100    83.33  80     90     80   30 + 10 + 12.4995 + 8 + 13.5 + 16 = 89.9995 银牌
         (95% is in [95%, …); QA 89 just below the 90 band; unrounded, AHT's 83.333… × 15%
         would be 12.5 and the total 90 → 金牌: the item is rounded first, so 0.0005 short)
  A07    0     0      13.33  20     16.67  60   0 + 0 + 1.9995 + 2 + 2.5005 + 12 = 18.5 待改进
         (2/15 = 13.3% is past the worst 5%: 0)
  A08    80    100    70     73.33  80     100  24 + 10 + 10.5 + 7.333 + 12 + 20 = 83.833 银牌
  A09    100   100    50     60     66.67  80   30 + 10 + 7.5 + 6 + 10.0005 + 16 = 79.5005 铜牌
  A10    100   100    40     46.67  50     80   30 + 10 + 6 + 4.667 + 7.5 + 16 = 74.167 铜牌

bonus_pool (S003-02): 10000.00 shared by kpi_score among the eligible: a medal (A07 待改进
is out), no breach (A05 out), not on probation (A09, A10 out). A08 is regular: shares.
  Σ = 96.666 + 92.999 + 85.3325 + 71.9745 + 89.9995 + 83.833 = 520.8045
  share in fen = 1,000,000 × score / 520.8045, rounded down:
    A01 185608.9953 → 1856.08   A02 178567.9655 → 1785.67   A03 163847.4706 → 1638.47
    A04 138198.6907 → 1381.98   A06 172808.6067 → 1728.08   A08 160968.2712 → 1609.68
  Σ rounded down = 9999.96: 4 fen left, one each to the largest remainders A01 (.9953),
  A02 (.9655), A04 (.6907), A06 (.6067); A03 (.4706) and A08 (.2712) get none.
  A01 1856.09, A02 1785.68, A03 1638.47, A04 1381.99, A06 1728.09, A08 1609.68 = 10000.00.

Special awards (S003-02), one each for the centre (10 agents, one per 30):
  服务之星 300, best CSAT with ≥ 8 rated sessions and no complaint: A01 and A02 both 100%,
    a tie → the smaller agent_id, A01. (A09 5 rated, A10 4: not eligible; A04 complaint.)
  效率先锋 300, most sessions per day worked with FCR ≥ 80% and QA ≥ 85: A03 28/22 = 1.2727
    is first but QA 84 → not eligible; A04 26/22 = 1.1818 (FCR 82%, QA 88) → A04.
  客户好评王 200, most satisfied sessions without a complaint: A04 22 has a complaint → A06 19.
  最佳新人 200, best kpi_score with tenure under 3 months: A09 79.5005 > A10 74.167 → A09
    (A08's 83.833 is higher, but 3 whole months is not under 3).
  创新建议奖 100 per adopted suggestion, at most 300: A03 2 → 200, A05 4 → 400 capped 300,
    A09 1 → 100.

appraisal_score (S004-05), weights 20/20/20/20/10/10%:
  attendance rate: bands < 90% 0 · [90%, 95%) 60 · ≥ 95% 100
  attitude and teamwork, linear 60 → 0 … 100 → 100: (score − 60) × 2.5
  efficiency = (sessions / worked days) / the team's mean of it, linear 50% → 0 … 120% → 100
    per day: A01 20/22, A02 18/22, A03 28/22, A04 26/22, A05 20/21, A06 20/19, A07 15/19,
    A08 18/18, A09 16/20, A10 9/14; Σ 9.41916154, mean 0.941916154; ratio → points:
    A01 96.52% → 66.45, A02 86.86% → 52.66, A03 135.12% → 100 (clamped), A04 125.47% → 100,
    A05 101.11% → 73.02, A06 111.75% → 88.22, A07 83.82% → 48.31, A08 106.17% → 80.24,
    A09 84.93% → 49.90, A10 68.25% → 26.07
  CSAT, linear 80% → 0 … 100% → 100: (CSAT − 80%) × 500
  exam: bands < 60 0 · [60, 80) 60 · [80, 90) 80 · ≥ 90 100
  grades: < 60 不合格 · [60, 80) 合格 · [80, 90) 良好 · ≥ 90 优秀
         att   attitude  eff    CSAT   team  exam  total
  A01    100   100       66.45  100    87.5  100   20 + 20 + 13.29 + 20 + 8.75 + 10 = 92.04 优秀
  A02    100   87.5      52.66  100    62.5  80    20 + 17.5 + 10.532 + 20 + 6.25 + 8 = 82.282 良好
  A03    100   62.5      100    58.33  50    80    20 + 12.5 + 20 + 11.666 + 5 + 8 = 77.166 合格
  A04    100   37.5      100    58.33  50    60    20 + 7.5 + 20 + 11.666 + 5 + 6 = 70.166 合格
  A05    100   70        73.02  50     62.5  100   20 + 14 + 14.604 + 10 + 6.25 + 10 = 74.854 合格
  A06    100   62.5      88.22  75     50    80    20 + 12.5 + 17.644 + 15 + 5 + 8 = 78.144 合格
  A07    0     12.5      48.31  0      0     0     0 + 2.5 + 9.662 + 0 + 0 + 0 = 12.162 不合格
  A08    60    70        80.24  50     37.5  60    12 + 14 + 16.048 + 10 + 3.75 + 6 = 61.798 合格
  A09    60    62.5      49.90  100    75    80    12 + 12.5 + 9.98 + 20 + 7.5 + 8 = 69.98 合格
  A10    100   50        26.07  100    62.5  60    20 + 10 + 5.214 + 20 + 6.25 + 6 = 67.464 合格
appraisal_reward (S004-04): 优秀 300 (A01), 良好 100 (A02); appraisal_penalty: 不合格 −100 (A07).

Attendance rate (S004-01): above 95% +100: A01–A04 and A10 (100%), A05 (95.45%); exactly 95%
(A06), exactly 90% (A08) and 90.91% (A09) neither; below 90% −100: A07 (86.36%).

gross (激励合计) = the sum of the pay lines:
  A01 1856.09 + 300 (服务之星) + 300 (优秀) + 100 = 2556.09
  A02 1785.68 + 100 (良好) + 100 = 1985.68
  A03 1638.47 + 200 (建议) + 100 = 1938.47
  A04 1381.99 + 300 (效率先锋) + 100 = 1781.99
  A05 0 (breach) + 300 (建议, capped) + 100 = 400.00
  A06 1728.09 + 200 (好评王) = 1928.09
  A07 −100 (不合格) − 100 (attendance) = −200.00 (deducted from the pay this file is added to)
  A08 1609.68
  A09 200 (最佳新人) + 100 (建议) = 300.00
  A10 100.00
  Σ = 12400.00 (the pool 10000 + awards 1600 + appraisal 300 + attendance 500)
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from helpers import D, line

from csincentive.month.compute import compute_month
from csincentive.rules.loader import check_rules

ROOT = Path(__file__).resolve().parents[2]
MONTH = ROOT / "examples" / "contact-centre-scorecard" / "2026-10"
RULES = ROOT / "rules" / "contact-centre-scorecard.toml"
AGENTS = ["A01", "A02", "A03", "A04", "A05", "A06", "A07", "A08", "A09", "A10"]


@pytest.fixture(scope="module")
def result():
    return compute_month(MONTH, RULES, lang="en")  # explanations asserted in English


def column(result, component: str) -> list[str]:
    """The amounts of one line for every agent, in agent_id order (scores as written)."""
    rows = result.lines.filter(pl.col("component") == component).sort("agent_id")
    assert rows["agent_id"].to_list() == AGENTS
    return rows["amount"].to_list()


def test_rules_validate_clean():
    assert check_rules(RULES)[1] == []


def test_payroll_worked_by_hand(result):
    payroll = result.payroll
    assert payroll.columns == [
        "agent_id",
        "name",
        "team",
        "role",
        "bonus_pool",
        "service_star",
        "efficiency_pioneer",
        "most_praised",
        "best_newcomer",
        "suggestion_award",
        "appraisal_reward",
        "appraisal_penalty",
        "attendance_rate_penalty",
        "attendance_rate_reward",
        "gross",
    ]
    assert payroll["agent_id"].to_list() == AGENTS
    #                                 A01        A02        A03        A04        A05
    #                                 A06        A07        A08        A09        A10
    assert payroll["bonus_pool"].to_list() == D(
        *("1856.09", "1785.68", "1638.47", "1381.99", "0.00"),
        *("1728.09", "0.00", "1609.68", "0.00", "0.00"),
    )
    assert payroll["service_star"].to_list() == D(
        *("300.00", "0.00", "0.00", "0.00", "0.00"),
        *("0.00", "0.00", "0.00", "0.00", "0.00"),
    )
    assert payroll["efficiency_pioneer"].to_list() == D(
        *("0.00", "0.00", "0.00", "300.00", "0.00"),
        *("0.00", "0.00", "0.00", "0.00", "0.00"),
    )
    assert payroll["most_praised"].to_list() == D(
        *("0.00", "0.00", "0.00", "0.00", "0.00"),
        *("200.00", "0.00", "0.00", "0.00", "0.00"),
    )
    assert payroll["best_newcomer"].to_list() == D(
        *("0.00", "0.00", "0.00", "0.00", "0.00"),
        *("0.00", "0.00", "0.00", "200.00", "0.00"),
    )
    assert payroll["suggestion_award"].to_list() == D(
        *("0.00", "0.00", "200.00", "0.00", "300.00"),
        *("0.00", "0.00", "0.00", "100.00", "0.00"),
    )
    assert payroll["appraisal_reward"].to_list() == D(
        *("300.00", "100.00", "0.00", "0.00", "0.00"),
        *("0.00", "0.00", "0.00", "0.00", "0.00"),
    )
    assert payroll["appraisal_penalty"].to_list() == D(
        *("0.00", "0.00", "0.00", "0.00", "0.00"),
        *("0.00", "-100.00", "0.00", "0.00", "0.00"),
    )
    assert payroll["attendance_rate_penalty"].to_list() == D(
        *("0.00", "0.00", "0.00", "0.00", "0.00"),
        *("0.00", "-100.00", "0.00", "0.00", "0.00"),
    )
    assert payroll["attendance_rate_reward"].to_list() == D(
        *("100.00", "100.00", "100.00", "100.00", "100.00"),
        *("0.00", "0.00", "0.00", "0.00", "100.00"),
    )
    assert payroll["gross"].to_list() == D(
        *("2556.09", "1985.68", "1938.47", "1781.99", "400.00"),
        *("1928.09", "-200.00", "1609.68", "300.00", "100.00"),
    )
    assert sum(payroll["gross"].to_list()) == Decimal("12400.00")


def test_scores_and_grades_worked_by_hand(result):
    # S003-01: the KPI scorecard; S004-05: the monthly appraisal. Scores are not pay.
    assert column(result, "kpi_score") == [
        *("96.666", "92.999", "85.3325", "71.9745", "85.333"),
        *("89.9995", "18.5", "83.833", "79.5005", "74.167"),
    ]
    assert column(result, "appraisal_score") == [
        *("92.04", "82.282", "77.166", "70.166", "74.854"),
        *("78.144", "12.162", "61.798", "69.98", "67.464"),
    ]
    scores = result.lines.filter(pl.col("component").is_in(["kpi_score", "appraisal_score"]))
    assert not scores["pays"].any()
    grades = result.values.sort("agent_id")
    assert grades["kpi_score_grade"].to_list() == [
        *("金牌", "金牌", "银牌", "铜牌", "银牌"),
        *("银牌", "待改进", "银牌", "铜牌", "铜牌"),
    ]
    assert grades["appraisal_score_grade"].to_list() == [
        *("优秀", "良好", "合格", "合格", "合格"),
        *("合格", "不合格", "合格", "合格", "合格"),
    ]


def test_the_pool_adds_up_to_the_fen(result):
    # S003-02: Σ shares = the pool exactly; 4 fen left after rounding down, to the largest
    # remainders (A01, A02, A04, A06).
    assert sum(result.payroll["bonus_pool"].to_list()) == Decimal("10000.00")
    assert line(result, "A04", "bonus_pool")["explanation"] == (
        "pool 10000.00 × kpi_score 71.9745 / Σ 520.8045 → 1381.98 + 0.01 (largest remainder)"
        " = 1381.99"
    )
    assert line(result, "A08", "bonus_pool")["explanation"] == (
        "pool 10000.00 × kpi_score 83.833 / Σ 520.8045 → 1609.68 (rounded down to the fen)"
        " = 1609.68"
    )
    assert line(result, "A05", "bonus_pool")["explanation"] == (
        'not eligible (kpi_score_grade != "待改进" and data_breach == 0 and on_probation == 0'
        " fails): no share of the pool 10000.00 = 0.00"
    )


def test_just_below_gold_because_items_round_first(result):
    # S003-01: A06's AHT 350 s scores 83.333… → 83.33 points before the 15% weight, so the
    # total is 89.9995, not 90: 银牌. CSAT 19/20 = 95% reaches the top band; QA 89 does not.
    assert line(result, "A06", "kpi_score")["explanation"] == (
        "客户满意度 95% → ≥ 95% → 100 points × 30%; "
        "客户投诉率 0% (worst 5%, best 0%, 0–100) → 100 points × 10%; "
        "平均处理时长 350 (worst 600, best 300, 0–100) → 83.33 points × 15%; "
        "接起率 97% (worst 85%, best 100%, 0–100) → 80 points × 10%; "
        "一次性解决率 87% (worst 60%, best 90%, 0–100) → 90 points × 15%; "
        "质检得分 89 → [80, 90) → 80 points × 20%: total 89.9995 points → 银牌 = 89.9995"
    )


def test_awards_tie_and_ineligible_leaders(result):
    # S003-02 服务之星: A01 and A02 tie at 100%; the smaller agent_id wins.
    assert line(result, "A01", "service_star")["explanation"] == (
        "satisfaction 100% (10 members → 1 award(s)): eligible, place 1 = 300.00"
    )
    assert line(result, "A02", "service_star")["explanation"] == (
        "satisfaction 100% (10 members → 1 award(s)): eligible, place 2 = 0.00"
    )
    # 效率先锋: the busiest, A03, misses the QA minimum; A04 wins.
    assert line(result, "A03", "efficiency_pioneer")["explanation"] == (
        "sessions / worked_days 1.2727 (10 members → 1 award(s)): not eligible"
        " (fcr >= efficiency_min_fcr and qa_score >= efficiency_min_qa) = 0.00"
    )
    # 最佳新人: A08 (exactly 3 months) is no newcomer.
    assert line(result, "A08", "best_newcomer")["amount"] == "0.00"
    assert line(result, "A05", "suggestion_award")["explanation"] == (
        "adopted_suggestions * suggestion_reward with adopted_suggestions=4;"
        " suggestion_reward=100; capped at 300 = 300.00"
    )


def test_appraisal_and_attendance_lines(result):
    # S004-04: 不合格 is penalised; S004-01: exactly 95% earns no reward, below 90% a penalty.
    assert line(result, "A07", "appraisal_penalty")["amount"] == "-100.00"
    assert line(result, "A06", "attendance_rate_reward")["explanation"] == (
        "if(attendance_rate > attendance_reward_above, attendance_reward, 0) with"
        " attendance_rate=95%; attendance_reward_above=95%; attendance_reward=100 = 0.00"
    )
    assert line(result, "A07", "attendance_rate_penalty")["explanation"] == (
        "deducted: if(attendance_rate < attendance_penalty_below, attendance_penalty, 0) with"
        " attendance_rate=86.3%; attendance_penalty_below=90%; attendance_penalty=100 = -100.00"
    )


def test_the_month_raises_no_warning_or_flag(result):
    # The pool is shared (no W210/W211); the file has no pay checks and no flags.
    assert result.warnings == []
    assert result.flags.height == 0


def test_the_pool_share_reads_in_chinese_by_default():
    # The same month as the clerk sees it ([scheme] language is zh by default): the share
    # of A04 (KPI 71.9745 of Σ 520.8045, see test_the_pool_adds_up_to_the_fen) in words.
    chinese = compute_month(MONTH, RULES)
    assert line(chinese, "A04", "bonus_pool")["explanation"] == (
        "奖金池 10000.00 × KPI考核得分 71.9745 / Σ 520.8045 → 1381.98 + 0.01（最大余额） = 1381.99"
    )
