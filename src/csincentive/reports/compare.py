"""Comparing two rules files over the same month: what the whole month costs under each,
how each person's pay moves, and who changes places in a ranking.

A is the baseline (the rules in force), B the proposal; every difference is B − A. The
month is computed once per rules file with ``compute_month`` and nothing is written: the
comparison is a value, and the caller decides whether to show it or save it
(``write_agents_csv``); nothing is recorded in the ledger.

Exactly two rules files: a comparison has one baseline and one proposal, so each figure has
one meaning (to weigh several proposals, compare each against the baseline in turn).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from csincentive.core.diagnostics import Diagnostic, InputError, errors_only
from csincentive.core.money import PAY, TENTHS
from csincentive.month.compute import compute_month
from csincentive.month.result import PERSON, MonthResult
from csincentive.reports.files import write_csv
from csincentive.rules.loader import check_rules

if TYPE_CHECKING:
    from csincentive.ledger.store import Ledger

# --by this ranks by each file's first total, whatever the file calls it; the per-person
# columns gross_a/gross_b likewise hold each file's first total.
TOTAL = "gross"
PCT_PLACE = Decimal("0.1")
AGENT_COLUMNS = [
    *PERSON,
    "gross_a",
    "gross_b",
    "delta",
    "delta_pct",
    "rank_a",
    "rank_b",
    "rank_change",
]


@dataclass(frozen=True)
class Side:
    """One rules file's month in total."""

    rules_file: Path
    scheme: str
    people: int
    totals: dict[str, Decimal]  # each total (gross first) → its month sum, in payroll order
    components: dict[str, Decimal]  # pay component id → month total, in payroll order
    labels: dict[str, str]  # pay component id → its label in the shop's words

    @property
    def gross(self) -> Decimal:
        """The first total: what the month's pay lines cost under this file."""
        return next(iter(self.totals.values()))

    def as_dict(self) -> dict[str, Any]:
        return {
            "rules_file": str(self.rules_file),
            "scheme": self.scheme,
            "people": self.people,
            "gross": self.gross,
            "totals": dict(self.totals),
            "components": dict(self.components),
        }


@dataclass
class Comparison:
    period: str  # "2026-10"
    by: str  # what rank_a / rank_b rank
    a: Side
    b: Side
    # AGENT_COLUMNS, one row per person, largest |delta| first, then agent_id.
    agents: pl.DataFrame
    # component, label, total_a, total_b, delta: pay components both files have (A's order).
    components: pl.DataFrame
    only_in_a: list[str]  # pay component ids only A has
    only_in_b: list[str]
    warnings: list[Diagnostic] = field(default_factory=list)
    lang: str = "zh"  # what a person reads of it: --lang, else A's [scheme] language

    @property
    def difference(self) -> Decimal:
        return self.b.gross - self.a.gross

    @property
    def difference_pct(self) -> Decimal | None:
        return percent(self.difference, self.a.gross)

    def rank_changes(self) -> pl.DataFrame:
        """The people whose rank moved, biggest move first (then agent_id)."""
        moved = self.agents.filter(pl.col("rank_change") != 0)
        return moved.sort(pl.col("rank_change").abs(), "agent_id", descending=[True, False])

    def as_dict(self) -> dict[str, Any]:
        """Plain data for --json: money stays Decimal (the JSON writer prints it exactly)."""
        return {
            "period": self.period,
            "by": self.by,
            "a": self.a.as_dict(),
            "b": self.b.as_dict(),
            "difference": self.difference,
            "difference_pct": self.difference_pct,
            "components": self.components.to_dicts(),
            "only_in_a": _only(self.a, self.only_in_a),
            "only_in_b": _only(self.b, self.only_in_b),
            "agents": self.agents.to_dicts(),
        }


def compare_month(
    period_dir: str | Path,
    rules_files: Sequence[str | Path],
    *,
    month: tuple[int, int] | None = None,
    by: str = TOTAL,
    ledger: Ledger | None = None,
    lang: str | None = None,
) -> Comparison:
    """Compare a month under rules_files[0] (A, the baseline) and rules_files[1] (B).

    ``ledger`` is only read, as ``run`` reads it (rules over a quarter or a year, refunds
    clawed back from sealed months), so both sides see the same earlier months; the month
    compared is never recorded.

    Raises InputError with every problem in both rules files (checked before any month is
    computed), or with the period's problems, or for an unknown ``by``. ``lang``: the
    language the comparison is shown in (default: A's [scheme] language)."""
    if len(rules_files) != 2:
        raise ValueError(f"compare needs exactly two rules files, got {len(rules_files)}")
    paths = [Path(f) for f in rules_files]
    _check_all(paths)
    result_a, result_b = (
        compute_month(period_dir, p, month=month, ledger=ledger, lang=lang) for p in paths
    )
    side_a, side_b = _side(result_a), _side(result_b)
    ranked = _rank(result_a, "rank_a", by).join(_rank(result_b, "rank_b", by), on="agent_id")
    agents = _agents(result_a, result_b).join(ranked, on="agent_id", how="left")
    rank_change = (pl.col("rank_a") - pl.col("rank_b")).alias("rank_change")
    agents = agents.with_columns(rank_change).select(AGENT_COLUMNS)
    shared = [c for c in side_a.components if c in side_b.components]
    return Comparison(
        period=result_a.period,
        by=by,
        a=side_a,
        b=side_b,
        agents=agents,
        components=_components(side_a, side_b, shared),
        only_in_a=[c for c in side_a.components if c not in side_b.components],
        only_in_b=[c for c in side_b.components if c not in side_a.components],
        warnings=_unique(result_a.warnings + result_b.warnings),
        lang=result_a.language,
    )


def percent(delta: Decimal, base: Decimal) -> Decimal | None:
    """delta as a percentage of |base|, half-up to one place; None when base is 0.

    Against |base|, so the sign always says whether B pays more. Python's Decimal (28
    significant digits) rather than a Decimal(38, 10) column: rounding a rate to ten places
    and then to one could turn …x49999999995 into …x5 and round it the wrong way."""
    if base == 0:
        return None
    return (delta * 100 / abs(base)).quantize(PCT_PLACE, rounding=ROUND_HALF_UP)


def signed(value: object) -> str:
    """+1.50, -2, 0: the sign always shown, so a change reads as one."""
    text = str(value)
    return text if text.startswith("-") or value == 0 else "+" + text


def terminal_rows(comparison: Comparison, limit: int) -> pl.DataFrame:
    """The per-person table as text for the terminal: the first ``limit`` rows (the largest
    moves), signed deltas and rank moves, and '—' where a percentage has no base."""
    shown = comparison.agents.head(limit)
    pct = [signed(p) + "%" if p is not None else "—" for p in shown["delta_pct"]]
    moves = [signed(m) if m is not None else "—" for m in shown["rank_change"]]
    return shown.with_columns(
        pl.Series("delta", [signed(d) for d in shown["delta"]]),
        pl.Series("delta_pct", pct, dtype=pl.String),
        pl.Series("rank_change", moves, dtype=pl.String),
    )


def write_agents_csv(comparison: Comparison, path: Path, *, force: bool = False) -> Path:
    """The per-person table as CSV (UTF-8 with BOM, like the payroll), written to a
    temporary file beside ``path`` and moved in, so a crash never leaves half a file. An
    existing file is replaced only with ``force``."""
    path = Path(path)
    if path.exists() and not force:
        raise InputError.single(
            path, "the file already exists; pass --force to replace it", code="O100"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=".csincentive-", suffix=".csv", dir=path.parent)
    os.close(handle)
    try:
        write_csv(comparison.agents, Path(temp), null_value="—")
        os.replace(temp, path)
    finally:
        Path(temp).unlink(missing_ok=True)
    return path


# ------------------------------------------------------------------------------ helpers


def _check_all(paths: list[Path]) -> None:
    """Both rules files are checked before either month is computed, so the user sees
    every mistake in both files at once rather than A's, then (a run later) B's."""
    problems = []
    for path in paths:
        problems += errors_only(check_rules(path)[1])
    if problems:
        raise InputError(problems)


def _side(result: MonthResult) -> Side:
    payroll = result.payroll
    pay_ids = result.pay_columns
    labels = {line.id: line.label for line in result.lines_meta}
    return Side(
        rules_file=result.rules_file,
        scheme=result.rules.title,
        people=payroll.height,
        totals={total: _sum(payroll[total]) for total in result.totals},
        components={c: _sum(payroll[c]) for c in pay_ids},
        labels={c: labels.get(c, c) for c in pay_ids},
    )


def _sum(column: pl.Series) -> Decimal:
    total = column.sum()
    return Decimal(total) if total is not None else Decimal("0.00")


def _agents(result_a: MonthResult, result_b: MonthResult) -> pl.DataFrame:
    """Each person's first total (gross) under A and B. Both runs read the same roster;
    should one side lack a person all the same, that side pays them 0."""
    who = result_a.person_columns
    a = result_a.payroll.select(*who, pl.col(result_a.total_id).alias("gross_a"))
    b = result_b.payroll.select(*who, pl.col(result_b.total_id).alias("gross_b"))
    joined = a.join(b, on="agent_id", how="full", coalesce=True, suffix="_b")
    person = [pl.coalesce(c, f"{c}_b").alias(c) for c in who if c != "agent_id"]
    money = [pl.col(c).fill_null(Decimal("0.00")) for c in ("gross_a", "gross_b")]
    joined = joined.select("agent_id", *person, *money)
    joined = joined.with_columns((pl.col("gross_b") - pl.col("gross_a")).alias("delta"))
    pct = [percent(d, g) for d, g in zip(joined["delta"], joined["gross_a"], strict=True)]
    joined = joined.with_columns(pl.Series("delta_pct", pct, dtype=TENTHS))
    return joined.sort(pl.col("delta").abs(), "agent_id", descending=[True, False])


def _rank(result: MonthResult, name: str, by: str) -> pl.DataFrame:
    """agent_id and the rank by ``by`` (highest first, ties share the best rank)."""
    values = _ranked_values(result, by)
    rank = pl.col("value").rank(method="min", descending=True).cast(pl.Int64)
    return values.select("agent_id", rank.alias(name))


def _ranked_values(result: MonthResult, by: str) -> pl.DataFrame:
    column = result.total_id if by == TOTAL else by
    if column in result.money_columns:
        return result.payroll.select("agent_id", pl.col(column).alias("value"))
    numeric = _numeric_metrics(result)
    if by in numeric:
        return result.metrics.select("agent_id", pl.col(by).alias("value"))
    choices = list(dict.fromkeys([TOTAL, *result.totals[1:], *result.pay_columns, *numeric]))
    raise InputError.single(
        result.rules_file,
        f"cannot rank by '{by}': not a pay component or total of this file, or a metric; choose "
        "one of: " + ", ".join(choices),
        code="U100",
        path="--by",
    )


def _numeric_metrics(result: MonthResult) -> list[str]:
    metrics = result.metrics
    who = result.person_columns
    return [c for c in metrics.columns if c not in who and metrics[c].dtype.is_numeric()]


def _components(a: Side, b: Side, shared: list[str]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            pl.Series("component", shared, dtype=pl.String),
            pl.Series("label", [a.labels[c] for c in shared], dtype=pl.String),
            pl.Series("total_a", [a.components[c] for c in shared], dtype=PAY),
            pl.Series("total_b", [b.components[c] for c in shared], dtype=PAY),
            pl.Series("delta", [b.components[c] - a.components[c] for c in shared], dtype=PAY),
        ]
    )


def _only(side: Side, ids: list[str]) -> list[dict[str, Any]]:
    return [{"component": c, "label": side.labels[c], "total": side.components[c]} for c in ids]


def _unique(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """Data warnings (an unknown chat account …) come once from each run: show them once."""
    return list(dict.fromkeys(diagnostics))
