"""`csincentive explain`: one person's payslip as a tree of rules, inputs and roundings."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from csincentive.cli.options import (
    LangOption,
    LedgerOption,
    MonthOption,
    PeriodArgument,
    RulesOption,
    fail,
    parse_month,
)


def explain(
    period: PeriodArgument,
    agent: Annotated[str, typer.Argument(help="The person: an agent_id (A1) or a name (小美).")],
    rules: RulesOption,
    json_output: Annotated[bool, typer.Option("--json", help="The tree as JSON.")] = False,
    month: MonthOption = None,
    ledger_dir: LedgerOption = Path("ledger"),
    lang: LangOption = None,
) -> None:
    """Explain one person's payslip line by line.

    Each pay line with the rule that made it (rule id and file:line), the values it read
    (components it reads are explained in turn), the table row reached, the rank and who
    was above, and the rounding to the fen; then the total and a check that the lines add
    up to it.

    Example: csincentive explain examples/2026-10 A002 --rules rules/taobao-presales.toml
    """
    import csincentive.cli.render as render
    from csincentive.core.diagnostics import InputError
    from csincentive.ledger.store import Ledger
    from csincentive.month.compute import compute_month
    from csincentive.reports.explain import as_text, explain_agent
    from csincentive.reports.explain_json import as_dict

    try:
        result = compute_month(
            period, rules, month=parse_month(month), ledger=Ledger(ledger_dir), lang=lang
        )
        payslip = explain_agent(result, agent)
    except InputError as error:
        raise fail(error) from None
    console = render.stdout()
    if json_output:
        console.print(render.as_json(as_dict(payslip)), markup=False, emoji=False)
        return
    render.diagnostics(render.stderr(), result.warnings)
    console.print(as_text(payslip), markup=False, emoji=False)
