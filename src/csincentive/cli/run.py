"""`csincentive run PERIOD --rules FILE`: a month's pay, written and recorded."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from csincentive.cli.options import (
    LangOption,
    MonthOption,
    OutOption,
    PeriodArgument,
    RulesOption,
    fail,
    parse_month,
)

if TYPE_CHECKING:
    import polars as pl

    from csincentive.month.publish import Published
    from csincentive.month.result import MonthResult


ForceOption = Annotated[
    bool,
    typer.Option("--force", help="Replace a payroll already written there (not a sealed month)."),
]
RecordOption = Annotated[
    Path,
    typer.Option("--ledger", help="The ledger folder the month is recorded in.", file_okay=False),
]
NoLedgerOption = Annotated[
    bool, typer.Option("--no-ledger", help="Do not record the month in the ledger.")
]


def run(
    period: PeriodArgument,
    rules: RulesOption,
    out: OutOption = None,
    force: ForceOption = False,
    month: MonthOption = None,
    ledger_dir: RecordOption = Path("ledger"),
    no_ledger: NoLedgerOption = False,
    lang: LangOption = None,
) -> None:
    """Calculate a month's pay.

    Writes payroll.csv, lines.csv (every pay line with its explanation), metrics.csv,
    reconciliation.csv, flags.csv, warnings.csv (every warning of the month),
    attribution.csv (every order: outcome, agent credited, the chat that won) and
    payroll.xlsx (docs/outputs.md), prints a summary ending with the count of warnings, and
    records it in the ledger (./ledger/<scheme id>/2026-10/: Parquet tables and a manifest
    of input hashes and the warnings). A month sealed with `csincentive close` is never
    replaced, --force or not: the run stops, shows what would change per person and line,
    and writes nothing (reopen it with `csincentive reopen`).

    Example: csincentive run examples/2026-10 --rules rules/taobao-presales.toml
    """
    import csincentive.cli.render as render
    from csincentive.core.diagnostics import InputError
    from csincentive.ledger.store import Ledger
    from csincentive.month.compute import compute_month
    from csincentive.month.publish import SealedMonth, publish
    from csincentive.reports.files import payroll_files

    ledger = Ledger(ledger_dir)  # earlier months are read even when this one is not recorded
    out_dir = out or period / "out"
    try:
        with render.working(render.stderr(), f"{period}") as stage:
            result = compute_month(
                period,
                rules,
                month=parse_month(month),
                ledger=ledger,
                recording=not no_ledger,
                progress=stage,
                lang=lang,
            )
            stage("writing the payroll files" + ("" if no_ledger else " and the ledger") + " …")
            summary = render.in_background(render.stdout(), render.month_summary, result)
            options = {"period_dir": str(period), "out": str(out_dir), "month": month}
            published = publish(
                result,
                out_dir,
                outputs=payroll_files(result),
                ledger=None if no_ledger else ledger,
                force=force,
                options=options,
            )
    except SealedMonth as refusal:
        _changes(refusal.period, refusal.changes)
        raise fail(refusal, writes=True) from None
    except InputError as error:
        raise fail(error, writes=True) from None
    _summary(result, published, summary)


def _changes(period: str, changes: pl.DataFrame) -> None:
    import csincentive.cli.render as render

    title = f"{period}: the sealed record → this run"
    if changes.height:
        render.stdout().print(render.frame_table(changes, title))
    else:
        render.stdout().print(f"{title}: no line differs.", markup=False)


def _summary(result: MonthResult, published: Published, summary: Callable[[], None]) -> None:
    import csincentive.cli.render as render
    from csincentive.core.messages import t

    console = render.stdout()
    render.diagnostics(render.stderr(), result.warnings)
    summary()  # the tables, made while the payroll files were written
    lang = result.language
    files = ", ".join(str(p) for p in published.written)
    console.print(t("term.wrote", lang, files=files), markup=False)
    recorded = published.recorded
    if recorded is not None:
        console.print(
            t("term.recorded", lang, period=result.period, folder=recorded.folder), markup=False
        )
    if recorded is not None and recorded.sealed_run is not None:
        if published.since_sealed is not None:
            _changes(result.period, published.since_sealed)
        reopened = recorded.manifest["reopened"]
        console.print(
            f"{result.period} was reopened on {str(reopened['at'])[:10]} "
            f"({reopened['reason']}); the sealed run is kept in {recorded.sealed_run}. "
            "The month stays open: close it when these figures are final "
            f"(csincentive close {result.period}).",
            markup=False,
        )
    kept = [str(p) for p in published.written if p.name == "warnings.csv"]
    where = kept[0] if kept else "warnings.csv"
    render.warning_count(console, len(result.warnings), where, lang)
