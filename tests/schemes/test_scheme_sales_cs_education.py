"""A hand-worked month (examples/sales-cs-education/2026-10) under rules/sales-cs-education.toml.

Every expected figure below is worked by hand from the rule text (S002-04, S004-01..03) and
the readings written in the rules file, then from agents.csv, attendance.csv and inputs.csv.
Parameters: perf_standard 2000, full_attendance_bonus 500, attendance_penalty 200,
attendance_reward 100 (above 95%), fine_per_late_early 20. October 2026 has 31 days.

base (S002-04, matrix education × tenure_months on 2026-10-31; bands [0,12) [12,24) ≥24):
  E1 本科 hired 2026-03-02 →  7 months → 4000.00
  E2 本科 hired 2025-10-31 → 12 months exactly (满一年 on 10-31) → 4200.00
  E3 本科 hired 2024-05-10 → 29 months → 4500.00
  E4 大专 hired 2025-11-01 → 11 months (one day short of a year) → 3500.00
  E5 大专 hired 2024-10-31 → 24 months exactly (满两年) → 3900.00
  E6 高中 hired 2025-04-20 → 18 months → 3200.00
  E7 高中 hired 2026-01-05 →  9 months → 3000.00
  E8 高中 hired 2026-10-12 →  0 months, employed 20 of 31 days → 3000 × 20 / 31
     = 1935.4838… → 1935.48

performance_monthly (S002-04) = 2000 × appraisal coefficient × 20%:
  E1 95 → ≥90 ×1.2 → 2400 → 480.00     E2 88 → [80,90) ×1.0 → 2000 → 400.00
  E3 90 → ≥90 ×1.2 (boundary) → 480.00 E4 72 → [70,80) ×0.8 → 1600 → 320.00
  E5 55 → <60 ×0 → 0.00                E6 80 → [80,90) ×1.0 → 400.00
  E7 65 → [60,70) ×0.6 → 1200 → 240.00 E8 78 → [70,80) ×0.8 → 320.00

attendance (scheduled / worked days; leave in days; late / early / absent):
        sched worked  rate    breaches (S004-02)                 full  penalty reward fine
  E1    20    20     100%    none                                500    0      100     0
  E2    20    19      95%    1 sick day                            0    0        0     0
  E3    20    20     100%    late ×2                               0    0      100   −40
  E4    20    18      90%    2 days personal leave                 0    0        0     0
  E5    20    17      85%    2 personal + absent 1 + early 1       0  −200       0   −20
  E6    20    20     100%    none (a shift swap and a missed       500    0      100     0
                             clock-in are not in S004-02's list)
  E7    20    19.5   97.5%   0.5 day annual leave (counts)         0    0      100     0
  E8    14    14     100%    none, but hired 10-12: not a whole    0    0      100     0
                             month, so no 全勤奖 (our reading)
  S004-01: exactly 90% (E4) is not "低于90%" and exactly 95% (E2) is not "高于95%".

gross = base + performance_monthly + full_attendance − penalty + reward − fine:
  E1 4000 + 480 + 500 + 100            = 5080.00
  E2 4200 + 400                        = 4600.00
  E3 4500 + 480 + 100 − 40             = 5040.00
  E4 3500 + 320                        = 3820.00
  E5 3900 + 0 − 200 − 20               = 3680.00
  E6 3200 + 400 + 500 + 100            = 4200.00
  E7 3000 + 240 + 100                  = 3340.00
  E8 1935.48 + 320 + 100               = 2355.48
"""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest
from helpers import D, line, moved_month

from csincentive.core.diagnostics import InputError
from csincentive.ledger.store import Ledger
from csincentive.month.compute import compute_month

ROOT = Path(__file__).resolve().parents[2]
MONTH = ROOT / "examples" / "sales-cs-education" / "2026-10"
RULES = ROOT / "rules" / "sales-cs-education.toml"


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    # An empty ledger: October opens a quarter, so the quarterly line reads no earlier month.
    return compute_month(MONTH, RULES, ledger=Ledger(tmp_path_factory.mktemp("ledger")))


def test_payroll_worked_by_hand(result):
    payroll = result.payroll
    assert payroll.columns == [
        "agent_id",
        "name",
        "team",
        "role",
        "base",
        "performance_monthly",
        "performance_quarterly",
        "full_attendance",
        "attendance_rate_penalty",
        "attendance_rate_reward",
        "late_early_fine",
        "gross",
    ]
    assert payroll["agent_id"].to_list() == ["E1", "E2", "E3", "E4", "E5", "E6", "E7", "E8"]
    assert payroll["base"].to_list() == D(
        "4000.00", "4200.00", "4500.00", "3500.00", "3900.00", "3200.00", "3000.00", "1935.48"
    )
    assert payroll["performance_monthly"].to_list() == D(
        "480.00", "400.00", "480.00", "320.00", "0.00", "400.00", "240.00", "320.00"
    )
    assert payroll["full_attendance"].to_list() == D(
        "500.00", "0.00", "0.00", "0.00", "0.00", "500.00", "0.00", "0.00"
    )
    assert payroll["attendance_rate_penalty"].to_list() == D(
        "0.00", "0.00", "0.00", "0.00", "-200.00", "0.00", "0.00", "0.00"
    )
    assert payroll["attendance_rate_reward"].to_list() == D(
        "100.00", "0.00", "100.00", "0.00", "0.00", "100.00", "100.00", "100.00"
    )
    assert payroll["late_early_fine"].to_list() == D(
        "0.00", "0.00", "-40.00", "0.00", "-20.00", "0.00", "0.00", "0.00"
    )
    assert payroll["gross"].to_list() == D(
        "5080.00", "4600.00", "5040.00", "3820.00", "3680.00", "4200.00", "3340.00", "2355.48"
    )


def test_tenure_and_days_worked_by_hand(result):
    m = result.metrics
    assert m["tenure_months"].to_list() == [7, 12, 29, 11, 24, 18, 9, 0]
    assert m["days_employed"].to_list() == [31, 31, 31, 31, 31, 31, 31, 20]


def test_intermediate_values(result):
    coefficients = result.lines.filter(pl.col("component") == "appraisal_coefficient")
    assert coefficients["amount"].to_list() == ["1.2", "1", "1.2", "0.8", "0", "1", "0.6", "0.8"]
    breaches = result.lines.filter(pl.col("component") == "attendance_breaches")
    assert breaches["amount"].to_list() == ["0", "1", "2", "2", "4", "0", "0.5", "0"]
    assert not result.lines.filter(pl.col("component") == "performance_pay")["pays"].any()


def test_lines_sum_to_gross(result):
    lines = result.lines.filter(pl.col("pays"))
    sums = lines.group_by("agent_id").agg(pl.col("amount").cast(pl.Decimal(38, 2)).sum())
    by_agent = dict(zip(sums["agent_id"], sums["amount"], strict=True))
    assert by_agent == dict(zip(result.payroll["agent_id"], result.payroll["gross"], strict=True))
    assert result.flags.is_empty()


def test_explanations_read_for_a_clerk(result):
    assert line(result, "E2", "base")["explanation"] == (
        "education 本科，司龄(月) 12 → [12, 24) → 4200 × 在职 31/31 天 = 4200.00"
    )
    assert line(result, "E5", "base")["explanation"] == (
        "education 大专，司龄(月) 24 → ≥ 24 → 3900 × 在职 31/31 天 = 3900.00"
    )
    assert line(result, "E3", "appraisal_coefficient")["explanation"] == (
        "appraisal_score 90 → ≥ 90 优秀 → ×1.2 = 1.2"
    )
    assert line(result, "E1", "performance_monthly")["explanation"] == (
        "绩效工资(考核后) 2400.00 × 20% = 480.00"
    )
    assert line(result, "E5", "attendance_rate_penalty")["explanation"] == (
        "出勤率 85% → < 90% → 200 = -200.00"
    )
    assert line(result, "E4", "attendance_rate_penalty")["explanation"] == (
        "出勤率 90% → 无匹配行 → 默认值 → 0 = 0.00"
    )
    assert line(result, "E2", "attendance_rate_reward")["explanation"] == (
        "if(出勤率 > attendance_reward_above, attendance_reward, 0)，其中 出勤率=95%；attendance_reward_above=95%；attendance_reward=100 = 0.00"
    )
    assert line(result, "E2", "full_attendance")["explanation"] == (
        "if(请假/迟到/早退/旷工 == 0 且 在职天数 == 当月天数, full_attendance_bonus, 0)，其中 请假/迟到/早退/旷工=1；在职天数=31；当月天数=31；full_attendance_bonus=500 = 0.00"
    )
    assert line(result, "E3", "late_early_fine")["explanation"] == (
        "(迟到 + 早退) * fine_per_late_early，其中 迟到=2；早退=0；fine_per_late_early=20 = -40.00"
    )


def _copy_month(tmp_path: Path) -> Path:
    folder = tmp_path / "2026-10"
    shutil.copytree(MONTH, folder)
    return folder


def test_missing_appraisal_score_is_an_error(tmp_path):
    folder = _copy_month(tmp_path)
    inputs = folder / "inputs.csv"
    rows = inputs.read_text(encoding="utf-8").splitlines()
    inputs.write_text("\n".join(r for r in rows if not r.startswith("E4,")) + "\n", "utf-8")
    with pytest.raises(InputError) as caught:
        compute_month(folder, RULES, ledger=Ledger(tmp_path / "ledger"))
    assert [d.code for d in caught.value.diagnostics] == ["D608"]
    assert "E4" in caught.value.diagnostics[0].message


def test_unlisted_education_is_not_silently_dropped(tmp_path):
    folder = _copy_month(tmp_path)
    agents = folder / "agents.csv"
    agents.write_text(
        agents.read_text(encoding="utf-8").replace("云杉:小美,,,本科", "云杉:小美,,,硕士"), "utf-8"
    )
    # No row for 硕士 and no default: the month is refused, not paid short.
    with pytest.raises(InputError) as caught:
        compute_month(folder, RULES, ledger=Ledger(tmp_path / "ledger"))
    [problem] = caught.value.diagnostics
    assert problem.code == "E170" and problem.path == "components.base"
    # The message quotes the line's explanation as the month wrote it (in Chinese).
    assert problem.message.startswith("no value for E1 小美 (education 硕士（未列出），")
    assert problem.message.endswith("add the missing row or case, or a default")


def test_matrix_explanation_shows_the_cell(result):
    why = line(result, "E8", "base")["explanation"]
    # 高中, first year → 3000, prorated by 20 of 31 days employed: 3000 × 20 / 31 = 1935.48.
    assert why == "education 高中，司龄(月) 0 → [0, 12) → 3000 × 在职 20/31 天 = 1935.48"


def test_quarterly_thirty_percent_in_the_quarters_last_month(tmp_path):
    # S002-04: 30% of the quarter's performance pay (perf_standard 2000 × the appraisal
    # coefficient, the same each month here), paid in December.
    # E1 95 → 1.2 → 2400 a month → 3 × 2400 × 30% = 2160.00; E4 72 → 0.8 → 1600 → 1440.00;
    # E5 55 → 0 (不合格) → 0.00; E7 65 → 0.6 → 1200 → 1080.00.
    ledger = Ledger(tmp_path / "ledger")
    results = {}
    for month in (10, 11, 12):
        folder = moved_month(MONTH, tmp_path, month)
        results[month] = compute_month(folder, RULES, ledger=ledger)
        ledger.record(results[month])
    quarterly = dict(
        zip(
            results[12].payroll["agent_id"],
            results[12].payroll["performance_quarterly"],
            strict=True,
        )
    )
    assert [quarterly[a] for a in ("E1", "E4", "E5", "E7")] == D(
        "2160.00", "1440.00", "0.00", "1080.00"
    )
    assert results[11].payroll["performance_quarterly"].sum() == 0  # not the quarter's end
