"""`csincentive check PERIOD --rules FILE`: every problem of a month, nothing written."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from csincentive.cli.options import (
    JsonOption,
    MonthOption,
    PeriodArgument,
    RulesOption,
    parse_month,
)

if TYPE_CHECKING:
    from csincentive.month.check import MonthCheck

ReadLedgerOption = Annotated[
    Path,
    typer.Option(
        "--ledger",
        help="The ledger with the earlier months (read, never written).",
        file_okay=False,
    ),
]


def check(
    period: PeriodArgument,
    rules: RulesOption,
    month: MonthOption = None,
    ledger_dir: ReadLedgerOption = Path("ledger"),
    json_output: JsonOption = False,
) -> None:
    """Check a month before running it: the rules file, then the month's data.

    Prints the rules file's problems (as validate does), then every problem of the month
    the run would stop on, or its warnings, each as file:line:col: CODE path: message, and
    ends with a count. Nothing is written: no payroll files, no ledger month. With errors in
    the rules the month is not computed. Exit 0 when there is no error (warnings allowed),
    1 otherwise; --json prints the problems as a list, as validate --json does.

    Example: csincentive check examples/2026-10 --rules rules/taobao-presales.toml
    """
    import csincentive.cli.render as render
    from csincentive.ledger.store import Ledger
    from csincentive.month.check import check_month

    found = check_month(period, rules, month=parse_month(month), ledger=Ledger(ledger_dir))
    if json_output:
        render.stdout().print(
            render.as_json([d.as_dict() for d in found.diagnostics]), markup=False
        )
    else:
        _report(found, period)
    if not found.ok:
        raise typer.Exit(code=1)


def _report(found: MonthCheck, period: Path) -> None:
    import csincentive.cli.render as render

    console = render.stdout()
    render.diagnostics(console, found.diagnostics)
    if not found.computed:
        console.print(
            f"{period} was not computed: fix the rules file's errors first.", markup=False
        )
    errors = len(found.errors)
    warnings = len(found.diagnostics) - errors
    console.print(f"{errors} error(s), {warnings} warning(s); nothing was written.", markup=False)
