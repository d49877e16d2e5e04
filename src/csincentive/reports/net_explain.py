"""The net-pay part of a payslip explained: gross → each contribution (base, clamp, rate,
rounding) → the cumulative taxable income → the rate row → the cumulative tax less what was
already withheld → this month's tax → net. Read from the columns the month's net-pay frame
recorded while it computed (MonthResult.net.frame); nothing is computed again. No PII.
The words are the catalogue's ([net], core/messages.toml), in the month's language."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import polars as pl

from csincentive.core.messages import t, word
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
    """The chain as steps, each a name, an amount (text, exact) and how it was reached, in
    the month's language (the catalogue's [net] words)."""
    if result.net is None:
        return []
    rows = result.net.frame.filter(pl.col("agent_id") == agent_id)
    if rows.height == 0:
        return []
    r = rows.row(0, named=True)
    period = result.net.period
    lang = result.language
    steps = [_step(t("net.gross", lang), r["gross"], t("net.gross_how", lang))]
    for item in EMPLOYEE_ITEMS:
        steps.append(_contribution(r, period, item, lang))
    steps += _tax(r, lang)
    withheld = " − ".join(_m(r[i]) for i in (*EMPLOYEE_ITEMS, "iit"))
    steps.append(_step(_name("net", lang), r["net"], f"{_m(r['gross'])} − {withheld}"))
    return steps


def _name(name: str, lang: str) -> str:
    """A built-in name's words (养老保险(个人) …); in English the name itself."""
    return word("name", name, lang) or name


def _step(name: str, amount: object, how: str) -> dict[str, Any]:
    shown = _m(amount) if isinstance(amount, Decimal) else str(amount)
    return {"name": name, "amount": shown, "how": how}


def _contribution(r: dict[str, Any], period: Any, item: str, lang: str) -> dict[str, Any]:
    if not r["insured"]:
        return _step(_name(item, lang), r[item], t("net.not_insured", lang))
    fund = item == "housing_fund"
    bounds = period.hf_base if fund else period.si_base
    declared, used = (
        (r["hf_declared"], r["hf_base_used"]) if fund else (r["si_declared"], r["si_base_used"])
    )
    rate = r["hf_rate_used"] if fund else getattr(period.employee, item)
    span = f"[{_m(bounds.floor)}, {_m(bounds.cap)}]"
    key = "net.within" if used == declared else "net.clamped"
    clamp = t(key, lang, declared=_m(declared), span=span)
    unit = t("net.yuan", lang) if period.rounding.of(item) == "yuan" else t("net.fen", lang)
    how = t("net.contribution", lang, base=_m(used), clamp=clamp, rate=_pct(rate), unit=unit)
    if item == "medical" and period.medical_fixed:
        how += t("net.medical_fixed", lang, amount=_m(period.medical_fixed))
    return _step(_name(item, lang), r[item], how)


def _row(r: dict[str, Any], prefix: str, table: str) -> dict[str, str]:
    """The rate row a tax was read from, as the messages name it."""
    return {
        "row": str(r[f"{prefix}_row"]),
        "table": TABLES[table],
        "rate": _pct(r[f"{prefix}_rate"]),
        "quick": _m(r[f"{prefix}_quick"]),
    }


def _tax(r: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    method = r["tax_method"]
    iit = _name("iit", lang)
    if method == "none":
        return [_step(iit, r["iit"], t("net.no_tax", lang))]
    if method == "labor":
        income, taxable = _m(r["labor_income"]), _m(r["labor_taxable"])
        how = t("net.labor", lang, income=income, taxable=taxable, **_row(r, "labor", "labor"))
        return [_step(iit, r["iit"], how)]
    basic = (
        t("net.basic_60k", lang)
        if r["annual_60k"]
        else t("net.basic_months", lang, months=r["months_counted"], basic=_m(r["cum_basic"]))
    )
    taxable = t(
        "net.taxable",
        lang,
        income=_m(r["cum_income"]),
        exempt=_m(r["cum_exempt"]),
        basic=basic,
        insurance=_m(r["cum_social_insurance"]),
        special=_m(r["cum_special_deductions"]),
        other=_m(r["cum_other_deductions"]),
    )
    steps = [
        _step(t("net.cum_taxable", lang), r["cum_taxable"], taxable),
        _step(
            t("net.cum_tax", lang),
            r["cum_tax"],
            t("net.cum_tax_how", lang, **_row(r, "tax", "salary")),
        ),
    ]
    already = r["ytd_tax_withheld"] or Decimal(0)
    how = t("net.tax_month_how", lang, cum=_m(r["cum_tax"]), already=_m(already))
    if r["tax_waits"]:
        how += t("net.tax_waits", lang)
    steps.append(_step(t("net.tax_month", lang), r["iit_salary"], how))
    if r["bonus_separate"]:
        bonus = _m(r["bonus_separate"])
        how = t("net.bonus_how", lang, bonus=bonus, **_row(r, "bonus", "bonus"))
        steps.append(_step(t("net.bonus_tax", lang), r["iit_bonus"], how))
    steps.append(_step(iit, r["iit"], t("net.iit_how", lang)))
    return steps


def net_text(steps: list[dict[str, Any]], policy: str, lang: str) -> list[str]:
    """The chain as lines of text under the payslip's total (its heading in ``lang``)."""
    if not steps:
        return []
    out = ["", t("explain.net", lang, policy=policy)]
    for i, step in enumerate(steps):
        branch = "└─ " if i == len(steps) - 1 else "├─ "
        out.append(branch + t("net.step", lang, **step))
    return out
