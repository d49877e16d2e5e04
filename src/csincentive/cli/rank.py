"""`csincentive rank PERIOD`: people ordered by a metric or a component."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from csincentive.cli.options import (
    JsonOption,
    LangOption,
    LedgerOption,
    MonthOption,
    PeriodArgument,
    RulesOption,
    fail,
    parse_month,
)


def rank(
    period: PeriodArgument,
    rules: RulesOption,
    by: Annotated[
        str, typer.Option(help="A metric (conversion, net_sales…) or a component id.")
    ] = "net_sales",
    team: Annotated[str | None, typer.Option(help="Only this team.")] = None,
    top: Annotated[int | None, typer.Option(min=1, help="Only ranks 1..N.")] = None,
    ascending: Annotated[bool, typer.Option("--ascending", help="Smallest first.")] = False,
    json_output: JsonOption = False,
    month: MonthOption = None,
    ledger_dir: LedgerOption = Path("ledger"),
    lang: LangOption = None,
) -> None:
    """Rank people by a metric or a component; ties share a rank.

    Example: csincentive rank examples/2026-10 -r rules/taobao-presales.toml --by conversion --top 3
    """
    import csincentive.cli.render as render
    from csincentive.core.diagnostics import InputError
    from csincentive.ledger.store import Ledger
    from csincentive.month.compute import compute_month
    from csincentive.reports.ranking import rank_table

    try:
        with render.working(render.stderr(), f"{period}") as stage:
            result = compute_month(
                period,
                rules,
                month=parse_month(month),
                ledger=Ledger(ledger_dir),
                progress=stage,
                lang=lang,
            )
        table = rank_table(result, by, team=team, top=top, ascending=ascending)
    except InputError as error:
        raise fail(error) from None
    if json_output:
        render.stdout().print(render.as_json(table.to_dicts()), markup=False)
        return
    from csincentive.core.messages import t
    from csincentive.reports.words import labels

    title = t("term.by", result.language, period=result.period, by=labels(result).get(by, by))
    render.stdout().print(render.frame_table(table, title, headers=labels(result)))
