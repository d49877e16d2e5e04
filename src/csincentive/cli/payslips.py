"""`csincentive payslips PERIOD --rules FILE`: each person's payslip, to hand out."""

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
    bool, typer.Option("--force", help="Replace payslips already written there.")
]


def payslips(
    period: PeriodArgument,
    rules: RulesOption,
    out: OutOption = None,
    force: ForceOption = False,
    month: MonthOption = None,
    ledger_dir: LedgerOption = Path("ledger"),
    lang: LangOption = None,
) -> None:
    """Write every person's payslip: 工资条.xlsx and one HTML page each.

    工资条.xlsx is the printable sheet HR cuts into slips: per person a title, a header row,
    the values and a blank row to cut along. payslips/<agent_id>-<name>.html is one
    self-contained page per person (it prints on A4, or A5 with [outputs] paper = "A5"):
    every line with its explanation, the figures behind it, the totals (and net pay), the
    flags and how to appeal ([outputs] appeal_days, S001-08). Bank accounts are masked and
    identity numbers left out. A sealed month's payslips are refused if its inputs or rules
    now pay any line differently (U120). `run` writes the same files when the rules say
    [outputs] payslips = true.

    Example: csincentive payslips examples/2026-10 --rules rules/taobao-presales.toml
    """
    import csincentive.cli.render as render
    from csincentive.core.diagnostics import InputError
    from csincentive.ledger.store import Ledger
    from csincentive.month.compute import compute_month
    from csincentive.reports.payslip_files import publish_payslips

    ledger = Ledger(ledger_dir)
    try:
        with render.working(render.stderr(), f"{period}") as stage:
            result = compute_month(
                period, rules, month=parse_month(month), ledger=ledger, progress=stage, lang=lang
            )
            stage("writing the payslips …")
            published = publish_payslips(
                result, out or period / "out", ledger=ledger, force=force, lang=lang
            )
    except InputError as error:
        raise fail(error, writes=True) from None
    render.diagnostics(render.stderr(), result.warnings)
    console = render.stdout()
    console.print(
        f"Wrote {result.payroll.height} payslips: {', '.join(str(p) for p in published.written)}",
        markup=False,
    )
