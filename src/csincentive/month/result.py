"""What a computed month is: the frames every report is made from. Produced by
``month.compute.compute_month``; read by the reports, the ledger and the command line, none
of which needs to import the pipeline to know it."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from pathlib import Path

import polars as pl

from csincentive.core.diagnostics import Diagnostic
from csincentive.ledger.store import MonthRecord
from csincentive.month.engine import CompiledLine
from csincentive.month.net import STATUTORY_TOTALS, NetPay
from csincentive.month.orders import per_order_table
from csincentive.rules.model import RuleSet

PERSON = ["agent_id", "name", "team", "role"]  # who a payroll row is, before the money
# warnings.csv and the workbook's warnings sheet: one row per warning of the month.
WARNING_SCHEMA = {
    "file": pl.String,
    "line": pl.Int64,
    "col": pl.Int64,
    "code": pl.String,
    "severity": pl.String,
    "field": pl.String,  # the Diagnostic's dotted path (a column, a rules key)
    "message": pl.String,
}


@dataclass
class MonthResult:
    period: str  # "2026-10"
    rules: RuleSet
    rules_file: Path
    lines_meta: list[CompiledLine]
    payroll: pl.DataFrame  # one row per person: PERSON, pay components, the totals
    lines: pl.DataFrame  # person × component: amount, explanation
    metrics: pl.DataFrame  # person × built-in metrics and calendar facts
    reconciliation: pl.DataFrame  # orders by outcome
    unknown_agents: pl.DataFrame  # chat accounts not in the roster
    flags: pl.DataFrame  # person × component flags (dismissal review …), never acted on
    # Every figure of the month per person (metrics, inputs, each component's amount and,
    # as <id>__raw, its value before rounding): what the ledger keeps for later months.
    values: pl.DataFrame
    orders: pl.DataFrame  # every order with its outcome and the agent it was credited to
    # agent_id and, per component, <id>__trace: what its computation went through for each
    # person (the values it read, the row reached, the rank …), which `explain` renders.
    traces: pl.DataFrame
    warnings: list[Diagnostic] = field(default_factory=list)
    input_files: dict[str, Path] = field(default_factory=dict)
    # Net pay, when the rules turn it on ([statutory]): contributions, tax, the year to
    # date, employer shares per person, and the PII kept apart for bank.csv and the filing.
    net: NetPay | None = None
    # The language the explanations were written in, and the workbook and terminal use
    # ("zh" or "en": [scheme] language, or the command's --lang).
    language: str = "zh"

    @cached_property
    def per_order(self) -> pl.DataFrame:
        """Every order with who it was credited to (month.orders): the ledger's orders and
        the per-order file, built once."""
        return per_order_table(self.orders, self.values)

    @property
    def totals(self) -> list[str]:
        """The totals' ids in payroll order: gross first, then any later ones (withholdings
        …), then, with [statutory] on, pension, medical, unemployment, housing_fund, iit
        and net."""
        statutory = list(STATUTORY_TOTALS) if self.net is not None else []
        return [*self.rules.total_ids, *statutory]

    @property
    def total_id(self) -> str:
        """The first total, the sum of the pay components (gross)."""
        return self.totals[0]

    @property
    def person_columns(self) -> list[str]:
        """The payroll columns that say who a row is; every other column is money."""
        return list(PERSON)

    @property
    def money_columns(self) -> list[str]:
        """The payroll's money columns in order: the pay components, then the totals."""
        return [c for c in self.payroll.columns if c not in PERSON]

    @property
    def pay_columns(self) -> list[str]:
        """The pay components' columns of the payroll (the money columns but the totals)."""
        return [c for c in self.money_columns if c not in self.totals]

    def by_team(self) -> pl.DataFrame:
        """Team, head count and the sum of every money column, teams in name order."""
        return (
            self.payroll.group_by("team")
            .agg(pl.len().alias("people"), *[pl.col(c).sum() for c in self.money_columns])
            .sort("team")
        )

    def total_sums(self) -> dict[str, Decimal]:
        """Each total summed over the people, in order (0 for a month without people)."""
        return {
            total: Decimal(self.payroll[total].sum()) if self.payroll.height else Decimal(0)
            for total in self.totals
        }

    def warnings_frame(self) -> pl.DataFrame:
        """Every warning of the month, one row each in the order found (WARNING_SCHEMA); a
        warning about a whole file has no line, col or field (empty cells, not "")."""
        rows = [
            (_place(d), d.line, d.col, d.code, d.severity, d.path or None, d.message)
            for d in self.warnings
        ]
        return pl.DataFrame(rows, schema=WARNING_SCHEMA, orient="row")

    def for_ledger(self) -> MonthRecord:
        """What the ledger keeps of this month."""
        scheme = self.rules.scheme
        return MonthRecord(
            period=self.period,
            tables={
                "payroll": self.payroll,
                "lines": self.lines,
                "metrics": self.metrics,
                "values": self.values,
                "orders": self.per_order,
            },
            input_files=self.input_files,
            rules_files=list(self.rules.files) or [Path(self.rules_file).resolve()],
            scheme_id=scheme.id if scheme else None,
            shop=scheme.shop if scheme else None,
            title=self.rules.title,
            people=self.payroll.height,
            totals=self.total_sums(),
            warnings=[d.as_dict() for d in self.warnings],
        )


def _place(diagnostic: Diagnostic) -> str:
    """The file of a warning, with its sheet when it is in a workbook (agents.xlsx:工资表)."""
    return f"{diagnostic.file}:{diagnostic.sheet}" if diagnostic.sheet else diagnostic.file
