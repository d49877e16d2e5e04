"""`csincentive compare`: a month under two rules files, side by side. Writes nothing
unless --out is given (and then only that one CSV file)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from csincentive.cli.options import LangOption, MonthOption, PeriodArgument, fail, parse_month

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
    lang: LangOption = None,
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
    from csincentive.core.messages import t
    from csincentive.ledger.store import Ledger
    from csincentive.reports.compare import compare_month, write_agents_csv

    _require_two(rules)
    try:
        ledger = None if no_ledger else Ledger(ledger_dir)
        comparison = compare_month(
            period, rules, month=parse_month(month), by=by, ledger=ledger, lang=lang
        )
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
        console.print(t("term.wrote", comparison.lang, files=written), markup=False)


def _require_two(rules: list[Path]) -> None:
    if len(rules) != 2:
        raise typer.BadParameter(
            f"give --rules exactly twice (the rules in force, then the proposal), not {len(rules)}",
            param_hint="--rules",
        )


def _show(comparison: Comparison) -> None:
    import csincentive.cli.render as render
    from csincentive.core.messages import t
    from csincentive.reports.compare import signed, terminal_rows
    from csincentive.reports.words import column_label

    console = render.stdout()
    lang = comparison.lang
    a, b = comparison.a, comparison.b
    pct = comparison.difference_pct
    console.print(t("compare.people", lang, period=comparison.period, count=a.people), markup=False)
    for name, side in (("A", a), ("B", b)):
        words = {"side": name, "file": side.rules_file, "scheme": side.scheme, "gross": side.gross}
        console.print(t("compare.side", lang, **words), markup=False)
    change = f"{signed(comparison.difference)}" + (f" ({signed(pct)}%)" if pct is not None else "")
    console.print(t("compare.difference", lang, change=change), markup=False)

    components = comparison.components
    headers = {c: column_label(c, lang) for c in components.columns}
    console.print(render.frame_table(components, t("compare.components", lang), headers=headers))
    for side, name, ids in ((a, "A", comparison.only_in_a), (b, "B", comparison.only_in_b)):
        for c in ids:
            words = {"side": name, "id": c, "label": side.labels[c], "total": side.components[c]}
            console.print(t("compare.only", lang, **words), markup=False)

    people = comparison.agents.height
    title = t("compare.per_person", lang, by=comparison.by)
    if people > TERMINAL_ROWS:
        title += t("compare.largest", lang, rows=TERMINAL_ROWS, people=people)
    rows = terminal_rows(comparison, TERMINAL_ROWS)
    headers = {c: column_label(c, lang) for c in rows.columns}
    console.print(render.frame_table(rows, title, headers=headers))
    _show_movers(comparison)


def _show_movers(comparison: Comparison) -> None:
    import csincentive.cli.render as render
    from csincentive.core.messages import t

    lang = comparison.lang
    moved = comparison.rank_changes()
    if moved.height == 0:
        render.stdout().print(t("compare.no_moves", lang, by=comparison.by), markup=False)
        return
    named = [
        f"{r['agent_id']} {r['name']} {r['rank_a']}→{r['rank_b']}"
        for r in moved.head(MOVERS_NAMED).iter_rows(named=True)
    ]
    more = moved.height - len(named)
    tail = t("compare.more", lang, more=more) if more else ""
    words = {
        "by": comparison.by,
        "count": moved.height,
        "named": t("compare.separator", lang).join(named),
        "more": tail,
    }
    render.stdout().print(t("compare.moves", lang, **words), markup=False)
