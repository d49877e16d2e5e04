"""What a person reads as the name of a column or an outcome, in the month's language: the
shop's labels for the components and the totals, the catalogue's words for the built-in
names and the columns of the month's tables (core/messages.py). The terminal, the workbook,
the payslips and the report take their headers from here; the CSV files keep the ids."""

from __future__ import annotations

from csincentive.core.messages import t, word
from csincentive.month.result import MonthResult


def column_label(column: str, lang: str) -> str:
    """A column of the month's tables (agent_id, sessions, paid_amount, explanation …) as a
    header: the catalogue's words ([column], then [name]), else the column itself."""
    return word("column", column, lang) or word("name", column, lang) or column


def labels(result: MonthResult, lang: str | None = None) -> dict[str, str]:
    """Every column of the month's tables by its header: the components and totals by
    their labels in the rules (the shop's words), everything else from the catalogue."""
    lang = lang or result.language
    out = {column: column_label(column, lang) for column in _columns(result)}
    out.update({line.id: line.label for line in result.lines_meta})
    out.update({total.id: total.label for total in result.rules.totals})
    return out


def _columns(result: MonthResult) -> list[str]:
    frames = (result.payroll, result.lines, result.metrics, result.reconciliation, result.flags)
    return list(dict.fromkeys(c for frame in frames for c in frame.columns))


def outcome_words(outcome: str, lang: str) -> str:
    """An order's outcome (credited, silent …) in words."""
    return word("outcome", outcome, lang) or outcome


def role_words(role: str, lang: str) -> str:
    return word("role", role, lang) or role


def people(count: int, lang: str) -> str:
    """'16 people' / '16 人'."""
    return t("term.people", lang, count=count)


__all__ = ["column_label", "labels", "outcome_words", "people", "role_words"]
