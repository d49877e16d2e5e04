"""`csincentive compare`: a month under two rules files, side by side. Writes nothing
unless --out is given (and then only that one CSV file)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from csincentive.cli.options import MonthOption, PeriodArgument, fail, parse_month

if TYPE_CHECKING:
    from csincentive.reports.compare import Comparison

TERMINAL_ROWS = 20  # people shown on the terminal; --json and --out carry everyone
MOVERS_NAMED = 20  # rank changes named on the terminal

# The options only compare takes (the shared ones are in cli/options.py).
TwoRulesOption = Annotated[
    list[Path],
    typer.Option(
        "--rules",
        "-r",
        help="Twice: the rules in force (A) first, then the proposal (B).",
        dir_okay=False,
    ),
]
ByOption = Annotated[
    str,
    typer.Option(help="Rank people by this for the rank changes: gross, a component, a metric."),
]
EverythingJson = Annotated[bool, typer.Option("--json", help="Everything as JSON.")]
OutOption = Annotated[
    Path | None,
    typer.Option(help="Also write the per-person table to this CSV file.", dir_okay=False),
]
ForceOption = Annotated[bool, typer.Option("--force", help="Replace the --out file.")]
ReadLedgerOption = Annotated[
    Path,
    typer.Option(
        "--ledger",
        help="The ledger earlier months are read from (never written).",
        file_okay=False,
    ),
]
NoLedgerOption = Annotated[
    bool, typer.Option("--no-ledger", help="Read no earlier months from the ledger.")
]


def compare(
    period: PeriodArgument,
    rules: TwoRulesOption,
    by: ByOption = "gross",
    json_output: EverythingJson = False,
    out: OutOption = None,
    force: ForceOption = False,
    month: MonthOption = None,
    ledger_dir: ReadLedgerOption = Path("ledger"),
    no_ledger: NoLedgerOption = False,
) -> None:
    """Compare a month's pay under two rules files: total cost, per-person deltas, rank changes.

    B − A everywhere: what the month costs under each, each person's gross under each with
    the difference (largest first), each shared pay component's total, the components only
    one file has, and who moves in the ranking by --by (highest first, ties share a rank).
    Earlier months are read from the ledger as `run` reads them; nothing is written to the
    ledger or the period folder, and nothing anywhere unless --out is given.

    Example: csincentive compare examples/2026-10 -r rules/taobao-presales.toml -r proposal.toml
    """
    import csincentive.cli.render as render
    from csincentive.core.diagnostics import InputError
    from csincentive.ledger.store import Ledger
    from csincentive.reports.compare import compare_month, write_agents_csv

    _require_two(rules)
    try:
        ledger = None if no_ledger else Ledger(ledger_dir)
        comparison = compare_month(period, rules, month=parse_month(month), by=by, ledger=ledger)
        written = write_agents_csv(comparison, out, force=force) if out is not None else None
    except InputError as error:
        raise fail(error) from None
    render.diagnostics(render.stderr(), comparison.warnings)
    console = render.stdout()
    if json_output:
        console.print(render.as_json(comparison.as_dict()), markup=False)
        return
    _show(comparison)
    if written is not None:
        console.print(f"Wrote {written}", markup=False)


def _require_two(rules: list[Path]) -> None:
    if len(rules) != 2:
        raise typer.BadParameter(
            f"give --rules exactly twice (the rules in force, then the proposal), not {len(rules)}",
            param_hint="--rules",
        )


def _show(comparison: Comparison) -> None:
    import csincentive.cli.render as render
    from csincentive.reports.compare import signed, terminal_rows

    console = render.stdout()
    a, b = comparison.a, comparison.b
    pct = comparison.difference_pct
    console.print(f"{comparison.period}: {a.people} people", markup=False)
    console.print(f"  A  {a.rules_file} ({a.scheme}): {a.gross}", markup=False)
    console.print(f"  B  {b.rules_file} ({b.scheme}): {b.gross}", markup=False)
    change = f"{signed(comparison.difference)}" + (f" ({signed(pct)}%)" if pct is not None else "")
    console.print(f"  B − A: {change}", markup=False)

    console.print(render.frame_table(comparison.components, "Pay components in both (B − A)"))
    for side, name, ids in ((a, "A", comparison.only_in_a), (b, "B", comparison.only_in_b)):
        for c in ids:
            line = f"Only in {name}: {c} ({side.labels[c]}), total {side.components[c]}"
            console.print(line, markup=False)

    people = comparison.agents.height
    title = f"Per person (B − A), ranks by {comparison.by}"
    if people > TERMINAL_ROWS:
        title += f"; the {TERMINAL_ROWS} largest changes of {people} (all in --json or --out)"
    console.print(render.frame_table(terminal_rows(comparison, TERMINAL_ROWS), title))
    _show_movers(comparison)


def _show_movers(comparison: Comparison) -> None:
    import csincentive.cli.render as render

    moved = comparison.rank_changes()
    if moved.height == 0:
        render.stdout().print(f"No rank changes by {comparison.by}.", markup=False)
        return
    named = [
        f"{r['agent_id']} {r['name']} {r['rank_a']}→{r['rank_b']}"
        for r in moved.head(MOVERS_NAMED).iter_rows(named=True)
    ]
    more = moved.height - len(named)
    tail = f", and {more} more" if more else ""
    text = f"Rank changes by {comparison.by} ({moved.height}): {', '.join(named)}{tail}"
    render.stdout().print(text, markup=False)
