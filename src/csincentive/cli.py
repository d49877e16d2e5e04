"""The command line: parse arguments, call the library, render, map errors to exit codes
(0 ok, 1 bad input or rules, 2 usage). No computation lives here."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    help="Monthly pay for e-commerce customer-service teams: rules in TOML, exact to the fen.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

RulesOption = Annotated[
    Path,
    typer.Option("--rules", "-r", help="The rules file (TOML).", dir_okay=False),
]
PeriodArgument = Annotated[
    Path,
    typer.Argument(
        help="The month's folder (agents.csv, chats.csv, orders.csv), e.g. examples/2026-10."
    ),
]
LedgerOption = Annotated[
    Path,
    typer.Option("--ledger", help="Earlier months, for rules over a quarter or a year."),
]
MonthOption = Annotated[
    str | None,
    typer.Option("--month", help="The month paid, YYYY-MM, when the folder is not named so."),
]


def _month(text: str | None) -> tuple[int, int] | None:
    if text is None:
        return None
    try:
        year, month = (int(p) for p in text.split("-"))
        if not 1 <= month <= 12:
            raise ValueError
    except ValueError:
        raise typer.BadParameter(
            f"'{text}' is not a month; write YYYY-MM", param_hint="--month"
        ) from None
    return year, month


def _unwritable(folder: Path, error: OSError, code: str) -> Exception:
    from csincentive.errors import InputError

    reason = error.strerror or str(error)
    where = error.filename or folder
    message = (
        f"could not write here: {reason} — free some space or fix the permissions, or "
        "write elsewhere; nothing was recorded"
    )
    return InputError.single(str(where), message, code=code)


def _fail(error: Exception, *, writes: bool = False) -> typer.Exit:
    """Print every diagnostic and exit 1; `writes`: the command would have written files."""
    from csincentive import render
    from csincentive.errors import InputError

    console = render.stderr()
    if isinstance(error, InputError):
        render.diagnostics(console, error.diagnostics)
        count = len(error.diagnostics)
        summary = f"{count} problem{'s' if count != 1 else ''}"
        console.print(summary + ("; nothing was written." if writes else "."), style="red")
    else:
        console.print(str(error), style="red", markup=False)
    return typer.Exit(code=1)


@app.command()
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
    reconciliation.csv, flags.csv and payroll.xlsx, prints a summary, and records it in the
    ledger (./ledger/2026-10/: Parquet tables and a manifest of input hashes). A month
    sealed with `csincentive close` is not replaced without --force: the run stops, shows
    what would change per person and line, and writes nothing.

    Example: csincentive run examples/2026-10 --rules rules/taobao-presales.toml
    """
    from csincentive import render
    from csincentive.errors import InputError
    from csincentive.ledger import Ledger, diff_lines
    from csincentive.outputs import check_out_dir, write_month
    from csincentive.pipeline import compute_month

    ledger = Ledger(ledger_dir)
    out_dir = out or period / "out"
    try:
        with render.working(render.stderr(), f"{period}") as stage:
            result = compute_month(
                period,
                rules,
                month=_month(month),
                ledger=ledger,
                recording=not no_ledger,
                progress=stage,
            )
        sealed = not no_ledger and ledger.is_sealed(result.period)
        if sealed and not force:
            changes = diff_lines(ledger.lines(result.period), result.lines)
            title = f"{result.period}: the sealed record → this run"
            if changes.height:
                render.stdout().print(render.frame_table(changes, title))
            else:
                render.stdout().print(f"{title}: no line differs.", markup=False)
            raise ledger.sealed_error(result.period)
        check_out_dir(out_dir, force=force)
        options = {"period_dir": str(period), "out": str(out_dir), "month": month}
        with render.working(render.stderr(), f"{period}") as stage:
            stage("writing the payroll files" + ("" if no_ledger else " and the ledger") + " …")
            # The ledger writes its tables on another thread while the payroll files are
            # written here; it is committed only once they are.
            pending = None if no_ledger else ledger.prepare(result, force=force, options=options)
            try:
                written = write_month(result, out_dir, force=force)
            except BaseException as error:
                if pending is not None:
                    pending.discard()
                if isinstance(error, OSError):
                    raise _unwritable(out_dir, error, "O101") from None
                raise
            try:
                recorded = None if pending is None else pending.commit()
            except OSError as error:
                raise _unwritable(ledger_dir, error, "L103") from None
    except InputError as error:
        raise _fail(error, writes=True) from None
    console = render.stdout()
    render.diagnostics(render.stderr(), result.warnings)
    render.month_summary(console, result)
    console.print(f"Wrote {', '.join(str(p) for p in written)}", markup=False)
    if recorded is not None:
        console.print(f"Recorded {result.period} in {recorded.folder}", markup=False)
    if recorded is not None and recorded.reopened and recorded.replaced is not None:
        console.print(
            f"{result.period} was sealed; the sealed run is kept in {recorded.replaced}. "
            f"The month is open again: close it when these figures are final "
            f"(csincentive close {result.period}).",
            markup=False,
        )


@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(help="Rules files to check.")],
    json_output: Annotated[bool, typer.Option("--json", help="Diagnostics as JSON.")] = False,
) -> None:
    """Check rules files: shape, names, cycles, tier tables, likely mistakes.

    Every problem is printed as file:line:col: CODE path: message. Exit 0 when every file is
    valid (warnings allowed), 1 otherwise.

    Example: csincentive validate rules/*.toml
    """
    from csincentive import render
    from csincentive.errors import errors_only
    from csincentive.rules.loader import check_rules

    found = []
    for file in files:
        found.extend(check_rules(file)[1])
    if json_output:
        render.stdout().print(render.as_json([d.as_dict() for d in found]), markup=False)
    else:
        render.diagnostics(render.stdout(), found)
        errors = len(errors_only(found))
        plural = "s" if len(files) != 1 else ""
        summary = f"{len(files)} file{plural}: {errors} error(s), {len(found) - errors} warning(s)"
        render.stdout().print(summary, markup=False)
    if errors_only(found):
        raise typer.Exit(code=1)


@app.command()
def rank(
    period: PeriodArgument,
    rules: RulesOption,
    by: Annotated[
        str, typer.Option(help="A metric (conversion, net_sales…) or a component id.")
    ] = "net_sales",
    team: Annotated[str | None, typer.Option(help="Only this team.")] = None,
    top: Annotated[int | None, typer.Option(min=1, help="Only ranks 1..N.")] = None,
    ascending: Annotated[bool, typer.Option("--ascending", help="Smallest first.")] = False,
    json_output: Annotated[bool, typer.Option("--json", help="The table as JSON.")] = False,
    month: MonthOption = None,
    ledger_dir: LedgerOption = Path("ledger"),
) -> None:
    """Rank people by a metric or a component; ties share a rank.

    Example: csincentive rank examples/2026-10 -r rules/taobao-presales.toml --by conversion --top 3
    """
    from csincentive import render
    from csincentive.errors import InputError
    from csincentive.ledger import Ledger
    from csincentive.pipeline import compute_month
    from csincentive.ranking import rank_table

    try:
        with render.working(render.stderr(), f"{period}") as stage:
            result = compute_month(
                period, rules, month=_month(month), ledger=Ledger(ledger_dir), progress=stage
            )
        table = rank_table(result, by, team=team, top=top, ascending=ascending)
    except InputError as error:
        raise _fail(error) from None
    if json_output:
        render.stdout().print(render.as_json(table.to_dicts()), markup=False)
        return
    render.stdout().print(render.frame_table(table, f"{result.period} by {by}"))


@app.command()
def names() -> None:
    """List the metrics, roster fields and calendar facts a rules formula can use."""
    from csincentive import render
    from csincentive.names import CALENDAR, METRICS, ROSTER

    console = render.stdout()
    for title, group in (("metrics", METRICS), ("roster", ROSTER), ("calendar", CALENDAR)):
        console.print(f"[bold]{title}[/bold]")
        for item in group:
            console.print(f"  {item.name:<22} {item.unit:<8} {item.meaning}", markup=False)


def main() -> None:
    app()


# Commands in modules of their own (csincentive/commands/) register on `app` on import.
# One line per command module, below.
import csincentive.commands.close  # noqa: E402,F401
import csincentive.commands.compare  # noqa: E402,F401
import csincentive.commands.explain  # noqa: E402,F401
import csincentive.commands.grades  # noqa: E402,F401
