"""The dry run a clerk does before the real one: every problem of the rules file and of the
month, collected as values, with nothing written — no payroll files, no ledger month.

The rules file is checked first, as ``validate`` checks it (errors and warnings). With an
error there the month is not computed: a month paid by broken rules would only report
problems the fix may change. Otherwise the month is computed exactly as ``run`` computes
it, and its problems are the InputError ``run`` would stop on (every diagnostic it
carries), or else its warnings; a month its scheme sealed in the ledger, which ``run``
would refuse with or without ``--force``, is reported too (L101).

The ledger is only read (earlier months for history functions and clawbacks; opening it
finishes a write a crash interrupted, as every command does). The parsed-exports cache
(sources.cache) may be filled: it is not an output, it is keyed by the exports' bytes and
the reading settings so it cannot change a figure, and the real run that follows then
reads no export again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from csincentive.core.diagnostics import Diagnostic, InputError, errors_only
from csincentive.month.compute import compute_with_rules
from csincentive.rules.loader import check_rules

if TYPE_CHECKING:
    from csincentive.ledger.store import Ledger
    from csincentive.month.result import MonthResult


@dataclass(frozen=True)
class MonthCheck:
    """What ``check_month`` found: the rules file's problems, then the month's (empty when
    the month was not computed)."""

    rules: list[Diagnostic]
    month: list[Diagnostic] = field(default_factory=list)
    computed: bool = False  # False: the rules have errors, so the month was not computed

    @property
    def diagnostics(self) -> list[Diagnostic]:
        """Every problem, the rules file's first."""
        return [*self.rules, *self.month]

    @property
    def errors(self) -> list[Diagnostic]:
        return errors_only(self.diagnostics)

    @property
    def ok(self) -> bool:
        """No error (warnings allowed): the real run would go through."""
        return not self.errors


def check_month(
    period_dir: str | Path,
    rules_file: str | Path,
    *,
    month: tuple[int, int] | None = None,
    ledger: Ledger | None = None,
) -> MonthCheck:
    """Every problem ``run`` would meet for this month under these rules, without writing.
    Never raises InputError: the problems are the result."""
    rules, found = check_rules(rules_file)
    if rules is None or errors_only(found):
        return MonthCheck(found)
    try:
        result = compute_with_rules(period_dir, rules_file, rules, month=month, ledger=ledger)
    except InputError as error:
        return MonthCheck(found, list(error.diagnostics), computed=True)
    return MonthCheck(found, [*result.warnings, *_sealed(result, ledger)], computed=True)


def _sealed(result: MonthResult, ledger: Ledger | None) -> list[Diagnostic]:
    """L101 when the month's scheme has it sealed: ``run`` would refuse it, --force or not."""
    scheme = result.rules.scheme
    if ledger is None or scheme is None:  # check_rules refuses rules without a [scheme]
        return []
    book = ledger.for_scheme(scheme.id, scheme.shop)
    if not book.is_sealed(result.period):
        return []
    return book.sealed_error(result.period).diagnostics
