"""The month's per-agent figures from a per-agent report (赤兔 售前绩效, 生意参谋 客服绩效 /
客服销售): an AgentFigures made of the report's rows, with no orders to credit.

Each row's account (客服 / 旺旺昵称) is matched to the roster as a chat account is: by
chat_nick, else agent_id (attribution.chat_agent_keys). What becomes of each row is its
outcome, and reconciliation.csv sums the rows by it, saying the figures came from the
report (its ``source`` column):

* ``reported`` — a roster person's row: they are paid on its figures;
* ``ignored_account`` — an account ``[inputs] ignore_accounts`` lists: paid to nobody;
* ``not_in_roster`` — an account that matches nobody and sold nothing: W405, its figures
  count for nobody. One that sold (sales, paying buyers or orders) stops the month, as a
  chat account that won orders does (D843): put it in someone's chat_nick, or ignore it.

Late refunds (refunds on orders of sealed months) need orders: a report month has none,
so they are 0 in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from csincentive.core.diagnostics import Diagnostic, InputError, errors_only
from csincentive.core.money import ENGINE, PAY, exact
from csincentive.month.accounts import FIX, IgnoredAccounts, RosterPeople
from csincentive.month.attribution import OUTCOME, chat_agent_keys
from csincentive.sources.agent_report import AgentReport

# The per-agent figures as the month reads them, and their types (metrics.agent_frame).
CHAT_SIDE = {
    "sessions": pl.Int64,
    "inquiring_buyers": pl.Int64,
    "rated_sessions": pl.Int64,
    "satisfied_sessions": pl.Int64,
    "agent_messages": pl.Int64,
    "buyer_messages": pl.Int64,
    "slow_responses": pl.Int64,
    "avg_first_response_s": pl.Float64,
    "avg_response_s": pl.Float64,
    "answer_ratio": ENGINE,
}
GIVEN_RATES = ("conversion", "satisfaction")  # taken as the report gives them (see agent_frame)
SALES_SIDE = {"orders": pl.Int64, "paying_buyers": pl.Int64, "sales": PAY, "refunds": PAY}
# The orders of a month (figures.Attributed.orders): a report month has none.
NO_ORDERS = pl.Schema(
    [
        ("order_id", pl.String()),
        ("buyer", pl.String()),
        ("buyer_key", pl.UInt64()),
        ("status", pl.Categorical()),
        ("created_at", pl.Datetime("us")),
        ("paid_at", pl.Datetime("us")),
        ("paid_amount", PAY),
        ("refund_amount", PAY),
        ("line", pl.Int64()),
        ("outcome", OUTCOME),
        ("agent_key", pl.String()),
        ("chat_time", pl.Datetime("us")),
    ]
)


def report_rows(
    report: AgentReport, roster: pl.DataFrame, ignored: tuple[str, ...]
) -> pl.DataFrame:
    """The report's rows with ``agent_key`` (the roster agent_id, or null) and outcome."""
    keys = chat_agent_keys(roster).collect()
    rows = report.rows.join(
        keys, left_on="account", right_on="key", how="left", maintain_order="left"
    )
    outcome = (
        pl.when(pl.col("agent_key").is_not_null())
        .then(pl.lit("reported"))
        .when(pl.col("account").is_in(list(ignored)))
        .then(pl.lit("ignored_account"))
        .otherwise(pl.lit("not_in_roster"))
    )
    return rows.rename({"agent_id": "agent_key"}).with_columns(outcome.alias("outcome"))


@dataclass(frozen=True)
class ReportFigures:
    """The per-agent figures made from a report (an AgentFigures): ``rows`` are
    report_rows of it."""

    report: AgentReport
    rows: pl.DataFrame
    roster: pl.DataFrame

    @property
    def chat_stats(self) -> pl.DataFrame:
        given = tuple(n for n in GIVEN_RATES if n in self.rows.columns)
        return self._side(CHAT_SIDE, given).collect()

    @property
    def orders(self) -> pl.DataFrame:
        return pl.DataFrame(schema=NO_ORDERS)

    def sales_stats(self) -> pl.LazyFrame:
        return self._side(SALES_SIDE)

    def _side(self, names: dict[str, Any], given: tuple[str, ...] = ()) -> pl.LazyFrame:
        """The roster people's rows: agent_key and each figure (null where the report has
        none: the month counts it 0), then the rates the report gives as they are."""
        columns = self.rows.columns
        figures = [
            (pl.col(n) if n in columns else pl.lit(None)).cast(dtype).alias(n)
            for n, dtype in names.items()
        ]
        rates = [pl.col(n).cast(ENGINE) for n in given]
        reported = self.rows.lazy().filter(pl.col("outcome") == "reported")
        return reported.select("agent_key", *figures, *rates)

    def audit_plans(self) -> tuple[pl.LazyFrame, pl.LazyFrame]:
        """reconciliation.csv of a report month: its rows by outcome, with the accounts,
        the orders (when the report counts them), the sales and refunds, and the report
        they came from; and the rows of accounts not in the roster."""
        rows = self.rows.lazy()
        money = exact(0, PAY)

        def total(name: str, dtype: Any) -> pl.Expr:
            present = name in self.rows.columns
            return (pl.col(name).sum() if present else pl.lit(None)).cast(dtype)

        source = f"{self.report.file.name} ({self.report.tool})"
        reconciled = (
            rows.group_by("outcome")
            .agg(
                pl.len().cast(pl.Int64).alias("accounts"),
                total("orders", pl.Int64).alias("orders"),
                total("sales", PAY).fill_null(money).alias("paid_amount"),
                total("refunds", PAY).fill_null(money).alias("refund_amount"),
            )
            .with_columns(pl.lit(source).alias("source"))
            .sort("outcome")
        )
        return reconciled, rows.filter(pl.col("outcome") == "not_in_roster")

    def warnings(
        self, reconciled: pl.DataFrame, unknown: pl.DataFrame, people: pl.DataFrame
    ) -> list[Diagnostic]:
        """D843 for an account not in the roster that sold (raised), W405 for one that did
        not."""
        found = unknown_accounts(self.report, unknown, self.roster)
        if errors_only(found):
            raise InputError(sorted(found, key=lambda d: d.severity != "error"))
        return found + self._without_rows(people)

    def _without_rows(self, people: pl.DataFrame) -> list[Diagnostic]:
        """W408 for each agent employed in the month the report has no row of: every
        figure of theirs is 0, which is right for someone who did not chat and wrong for
        a filtered report or a chat_nick the report writes differently."""
        rows = self.rows.filter(pl.col("outcome") == "reported")["agent_key"].implode()
        absent = people.filter(
            (pl.col("role") == "agent")
            & (pl.col("days_employed") > 0)
            & ~pl.col("agent_id").is_in(rows)
        )
        out = []
        for agent_id, name in absent.select("agent_id", "name").iter_rows():
            message = (
                f"{agent_id} {name} has no row in the report, so every figure of theirs is 0 — "
                "right if they did not work the month; otherwise check the report covers "
                "every agent (a filter on a group?) and their chat_nick in agents.csv"
            )
            out.append(self.report.problem(message, "W408", severity="warning"))
        return out


def unknown_accounts(
    report: AgentReport, unknown: pl.DataFrame, roster: pl.DataFrame
) -> list[Diagnostic]:
    """Each report row of an account that matches nobody: D843 when it sold, else W405."""
    people = RosterPeople(roster)
    sold = [n for n in ("sales", "paying_buyers", "orders") if n in unknown.columns]
    out = []
    for row in unknown.iter_rows(named=True):
        account = row["account"]
        likely = people.likely(account)
        where = f"{likely.rows()} in agents.csv" if likely else "its agent's row in agents.csv"
        fix = f"add chat_nick = '{account}' to {where}, {FIX}"
        hint = f"most likely {likely}: {fix}" if likely else fix
        problem = f"account '{account}' matches no agent_id or chat_nick in the roster"
        stake = [f"{report.label(n)} {row[n]}" for n in sold if row[n]]
        if stake:
            message = f"{problem}, and its {', '.join(stake)} would be paid to nobody — {hint}"
            out.append(report.problem(message, "D843", row["line"], "account"))
        else:
            message = f"{problem} (no sales): its figures count for nobody — {hint}"
            out.append(report.problem(message, "W405", row["line"], "account", "warning"))
    return out


def report_figures(
    report: AgentReport, roster: pl.DataFrame, ignoring: IgnoredAccounts
) -> ReportFigures:
    """The month's figures from ``report``, its accounts matched to ``roster``."""
    return ReportFigures(report, report_rows(report, roster, ignoring.accounts), roster)
