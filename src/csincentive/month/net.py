"""Net pay for the month, when the rules turn it on (``[statutory] policy = …``): the
policy in force, each person's statutory settings from agents.csv, the deductions from
inputs.csv, the year so far (the ledger's earlier months of the year, or ytd.csv), handed
to ``statutory.net.net_pay`` with each person's gross.

The year so far of a person is the year to date the ledger recorded for the latest earlier
month of the year they were paid in; every earlier month of the year from January (or the
hire month, for someone hired this year) must be in the ledger, else the month is refused
with the months missing (L113) — unless ytd.csv gives that person's year so far. A ledger
month run without [statutory] holds no year to date (L114); a person with a ytd.csv row
whom the ledger already paid this year would be counted twice (L115)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from csincentive.core.diagnostics import Diagnostic, InputError
from csincentive.core.money import ENGINE, PAY, exact
from csincentive.core.month import Month
from csincentive.core.names import (
    OTHER_DEDUCTIONS,
    PII_COLUMNS,
    SPECIAL_DEDUCTIONS,
    YTD_COLUMNS,
)
from csincentive.rules.model import RuleSet
from csincentive.statutory.items import PAYROLL

if TYPE_CHECKING:
    from csincentive.ledger.store import Ledger
    from csincentive.statutory.policy import Period, Policy

# payroll.csv's columns after the totals (their words: the catalogue's [column]).
STATUTORY_TOTALS = PAYROLL
# What the ledger keeps of each person's year to date after the month (values.parquet):
# the ytd.csv figures, and each special deduction's (for the filing export's 累计 columns).
RECORDED = {name: f"statutory_{name}" for name in (*YTD_COLUMNS, *SPECIAL_DEDUCTIONS)}
_FROM_FRAME = {
    "months_counted": "months_counted",
    "income": "cum_income",
    "exempt_income": "cum_exempt",
    "social_insurance": "cum_social_insurance",
    "special_deductions": "cum_special_deductions",
    "other_deductions": "cum_other_deductions",
    "tax_withheld": "cum_tax_withheld",
    **{name: f"cum_{name}" for name in SPECIAL_DEDUCTIONS},
}
DEDUCTIONS = (*SPECIAL_DEDUCTIONS, OTHER_DEDUCTIONS)


@dataclass(frozen=True)
class NetPay:
    """The month's net pay: the policy and the period in force, every statutory quantity
    per person (``frame``, see statutory/net.py; no PII), and the PII kept apart (``pii``:
    agent_id, id_type, id_number, bank_name, bank_account) for bank.csv and the filing
    export only."""

    policy: Policy
    period: Period
    frame: pl.DataFrame
    pii: pl.DataFrame

    def payroll_columns(self) -> pl.DataFrame:
        return self.frame.select("agent_id", *(pl.col(c).cast(PAY) for c in STATUTORY_TOTALS))

    def recorded(self) -> pl.DataFrame:
        """agent_id and the year to date after this month, for the ledger."""
        return self.frame.select(
            "agent_id", *(pl.col(_FROM_FRAME[n]).alias(RECORDED[n]) for n in RECORDED)
        )


def split_pii(roster: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(the roster without PII, agent_id + PII): identity numbers and bank accounts never
    reach the month's frames, the terminal, explanations or the ledger."""
    present = [c for c in PII_COLUMNS if c in roster.columns]
    pii = roster.select("agent_id", *present).with_columns(
        pl.lit(None, dtype=pl.String).alias(c) for c in PII_COLUMNS if c not in present
    )
    return roster.drop(present), pii


def net_pay_of(
    rules: RuleSet,
    rules_file: Path,
    month: Month,
    roster: pl.DataFrame,
    roster_file: Path,
    computed: pl.DataFrame,
    pii: pl.DataFrame,
    ledger: Ledger | None,
) -> NetPay | None:
    """The month's net pay, or None when the rules do not turn it on."""
    if rules.statutory is None:
        return None
    # Loaded here, for the months with net pay on: the policy model and the statutory
    # functions are a good part of a run's start-up otherwise.
    from csincentive.statutory.net import net_pay
    from csincentive.statutory.policy import load_policy, policy_path

    policy = load_policy(policy_path(rules_file, rules.statutory.policy))
    period = policy.in_force(month)
    _check_names(rules, rules_file)
    _check_hf_rates(roster, roster_file, period, policy)
    _check_deductions(computed, roster_file.parent / "inputs.csv")
    ytd_rows = computed.select("agent_id", *(c for c in computed.columns if c.startswith("ytd_")))
    ytd = year_so_far(ledger, month, roster, ytd_rows, str(rules_file), roster_file.parent)
    people = _people(rules, roster, computed).join(ytd, on="agent_id", how="left")
    return NetPay(policy, period, net_pay(people, period, month), pii)


def _people(rules: RuleSet, roster: pl.DataFrame, computed: pl.DataFrame) -> pl.DataFrame:
    """One row per person: what statutory.net.net_pay reads, defaults filled."""
    bonus_lines = [
        cid for cid, c in rules.components.items() if c.annual_bonus and c.pay and not c.deduct
    ]
    bonus = (
        pl.sum_horizontal([pl.col(c).cast(ENGINE) for c in bonus_lines])
        if bonus_lines
        else pl.lit(0, dtype=ENGINE)
    )
    money = computed.select(
        "agent_id",
        pl.col(rules.total_ids[0]).cast(PAY).alias("gross"),
        bonus.cast(PAY).alias("annual_bonus"),
        *(
            pl.col(n).cast(ENGINE) if n in computed.columns else pl.lit(0, dtype=ENGINE).alias(n)
            for n in DEDUCTIONS
        ),
    )
    settings = roster.select(
        "agent_id",
        "hire_date",
        "si_base",
        "hf_base",
        "hf_rate",
        pl.col("insured").fill_null(True),
        pl.col("tax_method").fill_null("salary"),
        pl.col("first_job_this_year").fill_null(False),
        pl.col("annual_60k").fill_null(False),
        (pl.col("bonus_tax") == "merged").fill_null(False).alias("bonus_merged"),
    )
    return settings.join(money, on="agent_id", how="left")


def _check_names(rules: RuleSet, rules_file: Path) -> None:
    """payroll.csv gains pension … net: no component or total may be called that."""
    taken = sorted((set(rules.components) | set(rules.total_ids)) & set(STATUTORY_TOTALS))
    if taken:
        message = (
            f"{', '.join(taken)}: with [statutory] on, payroll.csv has columns of these names"
            " after the totals; rename the component or total"
        )
        raise InputError([Diagnostic(str(rules_file), message, "T112", path="statutory")])


def _check_hf_rates(
    roster: pl.DataFrame, roster_file: Path, period: Period, policy: Policy
) -> None:
    """D701 for a housing fund rate outside the policy's range, at its roster line."""
    span = period.hf_range
    outside = roster.filter(
        (pl.col("hf_rate") < exact(span.min)) | (pl.col("hf_rate") > exact(span.max))
    )
    problems = [
        Diagnostic(
            str(roster_file),
            f"hf_rate {rate.normalize():f} of {agent} is outside {policy.id}'s range"
            f" [{span.min.normalize():f}, {span.max.normalize():f}] from {period.valid_from}"
            " — write a rate within it, or leave it blank for the policy's rate",
            "D701",
            line,
            path="hf_rate",
        )
        for agent, rate, line in outside.select("agent_id", "hf_rate", "line").iter_rows()
    ]
    if problems:
        raise InputError(problems)


def _check_deductions(computed: pl.DataFrame, inputs_file: Path) -> None:
    """D704 for a deduction below 0 in inputs.csv: it would raise the taxable income."""
    problems = [
        Diagnostic(
            str(inputs_file),
            f"{name} of {agent} is {value.normalize():f}: a deduction is 0 or more — correct"
            " the row",
            "D704",
            path=name,
        )
        for name in DEDUCTIONS
        if name in computed.columns
        for agent, value in computed.filter(pl.col(name) < 0).select("agent_id", name).iter_rows()
    ]
    if problems:
        raise InputError(problems)


# ----------------------------------------------------------------------- the year so far


def year_so_far(
    ledger: Ledger | None,
    month: Month,
    roster: pl.DataFrame,
    ytd_rows: pl.DataFrame,
    rules_file: str,
    folder: Path,
) -> pl.DataFrame:
    """agent_id + ytd_<column> per person: ytd.csv's row, else the ledger's year to date
    of the latest earlier month of the year the person was paid in (none: nothing yet)."""
    has_row = (
        ytd_rows.filter(pl.col("ytd_line").is_not_null())
        if "ytd_line" in ytd_rows.columns
        else ytd_rows.clear()
    )
    from_csv = set(has_row["agent_id"].to_list())
    needed = _months_needed(roster.filter(~pl.col("agent_id").is_in(list(from_csv))), month)
    missing = [m for m in needed if ledger is None or not ledger.has(str(m))]
    if missing:
        raise InputError([_missing(missing, needed, month, ledger, rules_file)])
    recorded = _recorded(ledger, [str(m) for m in month.earlier_in("year")], rules_file)
    _refuse_twice_counted(has_row, recorded, folder / "ytd.csv")
    latest = (
        pl.concat(recorded.values(), how="vertical").unique("agent_id", keep="first")
        if recorded
        else pl.DataFrame(
            schema={"agent_id": pl.String, **dict.fromkeys(RECORDED.values(), ENGINE)}
        )
    )
    from_ledger = latest.filter(
        ~pl.col("agent_id").is_in(list(from_csv))
    ).select(
        "agent_id",
        pl.lit(None, dtype=pl.Int64).alias("ytd_months_counted"),  # counted from the dates
        *(pl.col(RECORDED[n]).cast(ENGINE).alias(f"ytd_{n}") for n in list(RECORDED)[1:]),
    )
    csv = has_row.select(
        "agent_id",
        *(f"ytd_{n}" for n in YTD_COLUMNS),
        *(pl.lit(None, dtype=ENGINE).alias(f"ytd_{n}") for n in SPECIAL_DEDUCTIONS),
    )
    return pl.concat([csv, from_ledger], how="vertical_relaxed")


def _months_needed(people: pl.DataFrame, month: Month) -> list[Month]:
    """The earlier months of the year some person was employed in (from January, or their
    hire month if hired this year)."""
    hired = people.select(pl.col("hire_date").min()).item() if people.height else None
    if hired is None or hired > month.last_day:
        return []
    start = 1 if hired.year < month.year else hired.month
    return [m for m in month.earlier_in("year") if m.month >= start]


def _missing(
    missing: list[Month], needed: list[Month], month: Month, ledger: Ledger | None, rules_file: str
) -> Diagnostic:
    shown = ", ".join(str(m) for m in missing)
    where = f"the ledger ({ledger.root})" if ledger is not None else "a ledger (none was given)"
    message = (
        f"{month} withholds tax on the year so far, which needs {shown} in {where}: run those"
        f" months first (in order, with the same ledger), or put the year so far before {month}"
        " in ytd.csv in the month's folder (agent_id, months_counted, income, exempt_income,"
        " social_insurance, special_deductions, other_deductions, tax_withheld)"
    )
    return Diagnostic(rules_file, message, "L113", path="statutory")


def _recorded(ledger: Ledger | None, months: list[str], rules_file: str) -> dict[str, pl.DataFrame]:
    """Each earlier month's recorded year to date, newest first (months not in the ledger
    left out: nobody needed them)."""
    out: dict[str, pl.DataFrame] = {}
    if ledger is None:
        return out
    for period in reversed(months):
        if not ledger.has(period):
            continue
        values = ledger.values(period)
        if any(c not in values.columns for c in RECORDED.values()):
            message = (
                f"the ledger's {period} was run without [statutory], so it holds no tax"
                f" withheld: rerun {period} with these rules, or give the year so far in ytd.csv"
            )
            raise InputError([Diagnostic(rules_file, message, "L114", path="statutory")])
        out[period] = values.select("agent_id", *RECORDED.values())
    return out


def _refuse_twice_counted(
    has_row: pl.DataFrame, recorded: dict[str, pl.DataFrame], ytd_file: Path
) -> None:
    problems = []
    for agent, line in has_row.select("agent_id", "ytd_line").iter_rows():
        months = [p for p, frame in recorded.items() if agent in frame["agent_id"]]
        if months:
            message = (
                f"{agent} has a year so far here and was paid in {', '.join(sorted(months))} of"
                " the ledger too: the year would count twice — delete the row (the ledger has it)"
            )
            problems.append(Diagnostic(str(ytd_file), message, "L115", line, path="agent_id"))
    if problems:
        raise InputError(problems)
