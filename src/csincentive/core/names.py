"""Every name a rules formula can use that is not a parameter or a component: per-agent
metrics from the exports, roster fields and calendar facts of the month. The unit decides
how a value is shown in explanations and outputs (a ratio as 52.3%, money with 2 places)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Unit = Literal[
    "count", "money", "ratio", "seconds", "days", "months", "text", "flag", "number", "points"
]
# What an extra roster column ([inputs] roster_fields) holds: text (the default; usable in
# a match), a number, or money (2 decimals, like target). A formula reads it in that unit.
RosterFieldType = Literal["text", "number", "money"]
ROSTER_FIELD_TYPES: tuple[RosterFieldType, ...] = ("text", "number", "money")


@dataclass(frozen=True)
class Name:
    name: str
    unit: Unit
    meaning: str


METRICS: tuple[Name, ...] = (
    Name("sessions", "count", "chat sessions the agent handled"),
    Name("inquiring_buyers", "count", "distinct buyers the agent chatted with (询单人数)"),
    Name("paying_buyers", "count", "distinct buyers with a paid order credited to the agent"),
    Name("orders", "count", "paid orders credited to the agent"),
    Name("conversion", "ratio", "paying_buyers / inquiring_buyers (询单转化率)"),
    Name("sales", "money", "Σ 买家实际支付金额 of credited paid orders"),
    Name("refunds", "money", "Σ 退款金额 of credited paid orders"),
    Name("net_sales", "money", "sales − refunds"),
    Name("refund_rate", "ratio", "refunds / sales"),
    Name("avg_order_value", "money", "sales / orders"),
    Name("avg_first_response_s", "seconds", "mean first response time of sessions that have one"),
    Name(
        "avg_response_s",
        "seconds",
        "mean reply time over every reply of the month (message-level chats; a session-level "
        "export: mean of its sessions' 平均响应时长)",
    ),
    Name(
        "agent_messages",
        "count",
        "messages the agent sent, auto-replies and system lines excluded (message-level chats)",
    ),
    Name("buyer_messages", "count", "messages buyers sent the agent (message-level chats)"),
    Name("answer_ratio", "ratio", "agent_messages / buyer_messages (答问比)"),
    Name(
        "slow_responses",
        "count",
        "replies slower than [inputs] slow_response_s, default 120 s (message-level chats)",
    ),
    Name("rated_sessions", "count", "sessions with a satisfaction rating"),
    Name("satisfied_sessions", "count", "sessions rated 满意/很满意 (or 4–5)"),
    Name("satisfaction", "ratio", "satisfied_sessions / rated_sessions"),
    Name(
        "late_refunds",
        "money",
        "refunds that arrived on orders of sealed earlier months credited to the agent",
    ),
)

ROSTER: tuple[Name, ...] = (
    Name("agent_id", "text", "roster id"),
    Name("name", "text", "roster name"),
    Name("team", "text", "roster team"),
    Name("role", "text", "agent or supervisor"),
    Name("grade", "text", "roster grade"),
    Name("target", "money", "the agent's monthly sales target (0 when blank)"),
)

CALENDAR: tuple[Name, ...] = (
    Name("days_in_month", "days", "calendar days in the month"),
    Name("days_employed", "days", "calendar days of the month between hire_date and leave_date"),
    Name("probation_days", "days", "days employed in the month while on probation"),
    Name("regular_days", "days", "days employed in the month after probation"),
    Name("tenure_months", "months", "whole months from hire_date to the month's last day"),
    Name("on_probation", "flag", "1 when on probation on the month's last day, else 0"),
    Name("month_of_quarter", "count", "1, 2 or 3: the month's place in its quarter"),
    Name("month_of_year", "count", "1 to 12: the month's place in its year (not in metrics.csv)"),
    Name("quarter_end", "flag", "1 in March, June, September and December, else 0"),
    Name("year_end", "flag", "1 in December, else 0"),
)

# From attendance.csv (S002-04/08, S004-01..03); a rules file that uses them needs the file.
ATTENDANCE: tuple[Name, ...] = (
    Name("scheduled_days", "days", "days the agent was scheduled to work"),
    Name("worked_days", "days", "days actually worked"),
    Name("late", "count", "times late"),
    Name("early_leave", "count", "times left early"),
    Name("absent", "days", "days absent without leave (旷工)"),
    Name("leave_personal", "days", "personal leave (事假)"),
    Name("leave_sick", "days", "sick leave (病假)"),
    Name("leave_annual", "days", "annual leave (年假)"),
    Name("leave_marriage", "days", "marriage leave (婚假)"),
    Name("leave_bereavement", "days", "bereavement leave (丧假)"),
    Name("leave_maternity", "days", "maternity leave (产假)"),
    Name("shift_swap", "count", "unapproved shift swaps (调班)"),
    Name("missed_clock_in", "count", "missed clock-ins without a make-up form (缺卡)"),
    Name("attendance_rate", "ratio", "worked_days / scheduled_days"),
)

BUILTIN: dict[str, Name] = {n.name: n for n in (*METRICS, *ROSTER, *CALENDAR, *ATTENDANCE)}
ATTENDANCE_NAMES = frozenset(n.name for n in ATTENDANCE)


# -- net pay ([statutory] on): the names the roster, inputs.csv and ytd.csv use for it.
# Optional agents.csv columns, by what each holds (sources/statutory.py reads them).
STATUTORY_ROSTER: dict[str, str] = {
    "si_base": "money",  # declared social insurance base (blank: the floor in force)
    "hf_base": "money",  # declared housing fund base (blank: si_base)
    "hf_rate": "rate",  # within the policy's range (blank: the policy's rate)
    "tax_method": "choice",  # salary (blank) | labor (劳务报酬) | none
    "insured": "flag",  # no: no social insurance and no housing fund this month
    "first_job_this_year": "flag",  # 公告2020年第13号
    "annual_60k": "flag",  # 公告2020年第19号
    "bonus_tax": "choice",  # separate (blank) | merged: how an annual bonus is taxed
    "id_type": "pii",  # 居民身份证 … (the filing export carries it)
    "id_number": "pii",
    "bank_name": "pii",
    "bank_account": "pii",
}
PII_COLUMNS = tuple(n for n, kind in STATUTORY_ROSTER.items() if kind == "pii")
STATUTORY_CHOICES = {"tax_method": ("salary", "labor", "none"), "bonus_tax": ("separate", "merged")}
# inputs.csv names for the monthly special additional deductions (专项附加扣除), and the
# other deductions (annuity, commercial health insurance, personal pension …): known names
# once [statutory] is on, 0 for a person without a row.
SPECIAL_DEDUCTIONS = (
    "child_education",
    "infant_care",
    "elderly_support",
    "continuing_education",
    "housing_loan_interest",
    "housing_rent",
)
OTHER_DEDUCTIONS = "other_deductions"
# ytd.csv: the year so far before the month, for each person (months_counted is a count,
# the rest amounts); the ledger records the same figures after each month.
YTD_COLUMNS = (
    "months_counted",
    "income",
    "exempt_income",
    "social_insurance",
    "special_deductions",
    "other_deductions",
    "tax_withheld",
)
