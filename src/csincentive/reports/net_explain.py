"""The net-pay part of a payslip explained: gross → each contribution (base, clamp, rate,
rounding) → the cumulative taxable income → the rate row → the cumulative tax less what was
already withheld → this month's tax → net. Read from the columns the month's net-pay frame
recorded while it computed (MonthResult.net.frame); nothing is computed again. No PII."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import polars as pl

from csincentive.core.messages import t
from csincentive.core.money import plain
from csincentive.month.result import MonthResult
from csincentive.statutory.items import EMPLOYEE_ITEMS

TABLES = {
    "salary": "个人所得税预扣率表一 (公告2018年第61号)",
    "bonus": "按月换算后的综合所得税率表 (财税〔2018〕164号)",
    "labor": "个人所得税预扣率表二 (公告2018年第61号)",
}


def _pct(rate: Decimal) -> str:
    return f"{plain(rate * 100)}%"


def _m(amount: Decimal) -> str:
    """An amount as a payslip shows it: to the fen."""
    return f"{Decimal(amount):.2f}"


def net_steps(result: MonthResult, agent_id: str) -> list[dict[str, Any]]:
    """The chain as steps, each a name, an amount (text, exact) and how it was reached."""
    if result.net is None:
        return []
    rows = result.net.frame.filter(pl.col("agent_id") == agent_id)
    if rows.height == 0:
        return []
    r = rows.row(0, named=True)
    period = result.net.period
    steps = [_step("gross", r["gross"], "the sum of the pay lines")]
    for item in EMPLOYEE_ITEMS:
        steps.append(_contribution(r, period, item))
    steps += _tax(r)
    withheld = " − ".join(_m(r[i]) for i in (*EMPLOYEE_ITEMS, "iit"))
    steps.append(_step("net", r["net"], f"{_m(r['gross'])} − {withheld}"))
    return steps


def _step(name: str, amount: object, how: str) -> dict[str, Any]:
    shown = _m(amount) if isinstance(amount, Decimal) else str(amount)
    return {"name": name, "amount": shown, "how": how}


def _contribution(r: dict[str, Any], period: Any, item: str) -> dict[str, Any]:
    if not r["insured"]:
        return _step(item, r[item], "not insured this month (insured = no)")
    fund = item == "housing_fund"
    bounds = period.hf_base if fund else period.si_base
    declared, used = (
        (r["hf_declared"], r["hf_base_used"]) if fund else (r["si_declared"], r["si_base_used"])
    )
    rate = r["hf_rate_used"] if fund else getattr(period.employee, item)
    span = f"[{_m(bounds.floor)}, {_m(bounds.cap)}]"
    clamp = f"declared {_m(declared)}, within {span}"
    if used != declared:
        clamp = f"declared {_m(declared)}, clamped to {span}"
    rounding = "yuan" if period.rounding.of(item) == "yuan" else "fen"
    how = f"base {_m(used)} ({clamp}) × {_pct(rate)}, rounded half-up to the {rounding}"
    if item == "medical" and period.medical_fixed:
        how += f", + {_m(period.medical_fixed)} fixed"
    return _step(item, r[item], how)


def _tax(r: dict[str, Any]) -> list[dict[str, Any]]:
    method = r["tax_method"]
    if method == "none":
        return [_step("iit", r["iit"], "tax_method = none: nothing withheld")]
    if method == "labor":
        how = (
            f"劳务报酬 {_m(r['labor_income'])} → taxable {_m(r['labor_taxable'])}"
            f" (≤ 4,000: less 800; above: 80%); row {r['labor_row']} of {TABLES['labor']}:"
            f" × {_pct(r['labor_rate'])} − {_m(r['labor_quick'])}"
        )
        return [_step("iit", r["iit"], how)]
    basic = (
        "60,000 (annual_60k, 公告2020年第19号)"
        if r["annual_60k"]
        else f"5,000 × {r['months_counted']} months = {_m(r['cum_basic'])}"
    )
    taxable = (
        f"income {_m(r['cum_income'])} − exempt {_m(r['cum_exempt'])} − basic {basic}"
        f" − social insurance and housing fund {_m(r['cum_social_insurance'])}"
        f" − special deductions {_m(r['cum_special_deductions'])}"
        f" − other {_m(r['cum_other_deductions'])} (the year to date, this month included)"
    )
    steps = [
        _step("cumulative taxable income", r["cum_taxable"], taxable),
        _step(
            "cumulative tax",
            r["cum_tax"],
            f"row {r['tax_row']} of {TABLES['salary']}: × {_pct(r['tax_rate'])}"
            f" − {_m(r['tax_quick'])}",
        ),
    ]
    already = r["ytd_tax_withheld"] or Decimal(0)
    how = f"{_m(r['cum_tax'])} − {_m(already)} already withheld this year"
    if r["tax_waits"]:
        how += (
            ": below what was withheld, so 0 — the difference waits for the annual settlement"
            " (汇算清缴)"
        )
    steps.append(_step("tax this month", r["iit_salary"], how))
    if r["bonus_separate"]:
        steps.append(
            _step(
                "annual bonus tax",
                r["iit_bonus"],
                f"全年一次性奖金 {_m(r['bonus_separate'])} taxed on its own: ÷ 12 → row"
                f" {r['bonus_row']} of {TABLES['bonus']}: × {_pct(r['bonus_rate'])}"
                f" − {_m(r['bonus_quick'])}",
            )
        )
    steps.append(_step("iit", r["iit"], "tax this month + annual bonus tax"))
    return steps


def net_text(steps: list[dict[str, Any]], policy: str, lang: str) -> list[str]:
    """The chain as lines of text under the payslip's total (its heading in ``lang``)."""
    if not steps:
        return []
    out = ["", t("explain.net", lang, policy=policy)]
    for i, step in enumerate(steps):
        branch = "└─ " if i == len(steps) - 1 else "├─ "
        out.append(f"{branch}{step['name']} {step['amount']}  ({step['how']})")
    return out
