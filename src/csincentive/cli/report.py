"""`csincentive report PERIOD --rules FILE`: the month on one page, for the manager."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from csincentive.cli.options import (
    LangOption,
    LedgerOption,
    MonthOption,
    OutOption,
    PeriodArgument,
    RulesOption,
    fail,
    parse_month,
)

ForceOption = Annotated[
    bool, typer.Option("--force", help="Replace a report already written there.")
]


def report(
    period: PeriodArgument,
    rules: RulesOption,
    out: OutOption = None,
    force: ForceOption = False,
    month: MonthOption = None,
    ledger_dir: LedgerOption = Path("ledger"),
    lang: LangOption = None,
) -> None:
    """Write the month report: one HTML page with charts, tables and every payslip.

    report.html holds the month's totals, the cost by component and by team, the pay
    distribution, a ranking for each rank or award component, conversion against net
    sales, the months before from the ledger (cost, gross per head, conversion), the
    orders reconciliation, the flags and the warnings, and each person's payslip, opened
    by a click. It works offline: the charts are drawn into the page as SVG, and Chinese
    is shown in the system's fonts.

    Example: csincentive report examples/2026-10 --rules rules/taobao-presales.toml
    """
    import csincentive.cli.render as render
    from csincentive.core.diagnostics import InputError
    from csincentive.ledger.store import Ledger
    from csincentive.month.compute import compute_month
    from csincentive.reports.report_files import publish_report

    ledger = Ledger(ledger_dir)
    try:
        with render.working(render.stderr(), f"{period}") as stage:
            result = compute_month(
                period, rules, month=parse_month(month), ledger=ledger, progress=stage, lang=lang
            )
            stage("drawing the report …")
            published = publish_report(
                result, out or period / "out", ledger=ledger, force=force, lang=lang
            )
    except InputError as error:
        raise fail(error, writes=True) from None
    render.diagnostics(render.stderr(), result.warnings)
    written = ", ".join(str(p) for p in published.written)
    render.stdout().print(f"Wrote {written}", markup=False)
