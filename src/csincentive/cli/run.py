"""`csincentive run PERIOD --rules FILE`: a month's pay, written and recorded."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from csincentive.cli.options import MonthOption, PeriodArgument, RulesOption, fail, parse_month

if TYPE_CHECKING:
    from csincentive.ledger.store import Ledger
    from csincentive.month.publish import Published, SealedMonth
    from csincentive.month.result import MonthResult


def run(
    period: PeriodArgument,
    rules: RulesOption,
    out: Annotated[Path | None, typer.Option(help="Where to write; default PERIOD/out/.")] = None,
    force: Annotated[
        bool,
        typer.Option("--force", help="Replace a payroll already written there, or a sealed month."),
    ] = False,
    month: MonthOption = None,
    ledger_dir: Annotated[
        Path,
        typer.Option(
            "--ledger", help="The ledger folder the month is recorded in.", file_okay=False
        ),
    ] = Path("ledger"),
    no_ledger: Annotated[
        bool, typer.Option("--no-ledger", help="Do not record the month in the ledger.")
    ] = False,
) -> None:
    """Calculate a month's pay.

    Writes payroll.csv, lines.csv (every pay line with its explanation), metrics.csv,
    reconciliation.csv, flags.csv, warnings.csv (every warning of the month),
    attribution.csv (every order: outcome, agent credited, the chat that won) and
    payroll.xlsx (docs/outputs.md), prints a summary ending with the count of warnings,
    and records it in the ledger (./ledger/2026-10/: Parquet tables and a manifest of input
    hashes and the warnings). A month sealed with `csincentive close` is not replaced
    without --force: the run stops, shows what would change per person and line, and
    writes nothing.

    Example: csincentive run examples/2026-10 --rules rules/taobao-presales.toml
    """
    import csincentive.cli.render as render
    from csincentive.core.diagnostics import InputError
    from csincentive.ledger.store import Ledger
    from csincentive.month.compute import compute_month
    from csincentive.month.publish import SealedMonth

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
            )
            stage("writing the payroll files" + ("" if no_ledger else " and the ledger") + " …")
            options = {"period_dir": str(period), "out": str(out_dir), "month": month}
            recording = None if no_ledger else ledger
            published = _publish(result, out_dir, recording, force=force, options=options)
    except SealedMonth as refusal:
        _show_changes(refusal)
        raise fail(refusal, writes=True) from None
    except InputError as error:
        raise fail(error, writes=True) from None
    _summary(result, published)


def _publish(
    result: MonthResult,
    out_dir: Path,
    ledger: Ledger | None,
    *,
    force: bool,
    options: dict[str, Any],
) -> Published:
    from csincentive.month.publish import publish
    from csincentive.reports.files import payroll_files

    outputs = payroll_files(result)
    return publish(result, out_dir, outputs=outputs, ledger=ledger, force=force, options=options)


def _show_changes(refusal: SealedMonth) -> None:
    import csincentive.cli.render as render

    title = f"{refusal.period}: the sealed record → this run"
    if refusal.changes.height:
        render.stdout().print(render.frame_table(refusal.changes, title))
    else:
        render.stdout().print(f"{title}: no line differs.", markup=False)


def _summary(result: MonthResult, published: Published) -> None:
    import csincentive.cli.render as render

    console = render.stdout()
    render.diagnostics(render.stderr(), result.warnings)
    render.month_summary(console, result)
    console.print(f"Wrote {', '.join(str(p) for p in published.written)}", markup=False)
    recorded = published.recorded
    if recorded is not None:
        console.print(f"Recorded {result.period} in {recorded.folder}", markup=False)
    if recorded is not None and recorded.reopened and recorded.replaced is not None:
        console.print(
            f"{result.period} was sealed; the sealed run is kept in {recorded.replaced}. "
            f"The month is open again: close it when these figures are final "
            f"(csincentive close {result.period}).",
            markup=False,
        )
    kept = [str(p) for p in published.written if p.name == "warnings.csv"]
    render.warning_count(console, len(result.warnings), kept[0] if kept else "warnings.csv")
