"""Terminal rendering — the only module that imports rich."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    import polars as pl

    from csincentive.core.diagnostics import Diagnostic
    from csincentive.month.result import MonthResult

OUTCOME_WORDS = {
    "credited": "credited to an agent",
    "ignored_account": "won by an account the rules ignore (ignore_accounts): paid to nobody",
    "silent": "silent (静默, no chat before the order)",
    "outside_window": "outside the window (last chat too old)",
    "unpaid": "unpaid (no 付款时间)",
    "other_month": "paid in another month",
    # a month paid from a per-agent report (赤兔 / 生意参谋): its rows, by whose they are
    "reported": "a roster person's row of the report: paid on its figures",
    "not_in_roster": "an account of the report not in the roster (no sales): paid to nobody",
}


def _console(**options: Any) -> Console:
    console = Console(highlight=False, soft_wrap=True, **options)
    if not console.is_terminal:  # piped or captured: don't squeeze tables into 80 columns
        console.width = max(console.width, 160)
    return console


@contextmanager
def working(console: Console, message: str) -> Iterator[Callable[[str], None]]:
    """A spinner while a long month is read and computed — only on a terminal, so piped
    output and tests stay clean. Yields a function that shows the stage reached beside
    ``message`` ("… — attributing 8,000,000 orders to 19,924,509 chats …")."""
    if not console.is_terminal:
        yield lambda stage: None
        return
    with console.status(message) as status:
        yield lambda stage: status.update(f"{message} — {stage}")


def stdout() -> Console:
    return _console()


def stderr() -> Console:
    return _console(stderr=True)


def diagnostics(console: Console, items: list[Diagnostic]) -> None:
    for item in items:
        style = "yellow" if item.severity == "warning" else "red"
        console.print(item.render(), style=style, markup=False)


def warning_count(console: Console, count: int, where: str) -> None:
    """The last line of a run: how many warnings the month has and where they are kept
    (they scroll past on stderr; the file stays with the month)."""
    if count == 0:
        console.print("no warnings", markup=False)
        return
    plural = "warning" if count == 1 else "warnings"
    console.print(f"{count} {plural} (see {where})", markup=False)


def frame_table(frame: pl.DataFrame, title: str, *, total_row: list[str] | None = None) -> Table:
    table = Table(title=title, title_justify="left")
    for column in frame.columns:
        numeric = frame[column].dtype.is_numeric() or str(frame[column].dtype).startswith("Decimal")
        table.add_column(column, justify="right" if numeric else "left")
    for row in frame.iter_rows():
        table.add_row(*["" if v is None else str(v) for v in row])
    if total_row is not None:
        table.add_section()
        table.add_row(*total_row, style="bold")
    return table


SUMMARY_ROWS = 40  # above this many people the terminal gets team totals, not every row


def month_summary(console: Console, result: MonthResult) -> None:
    payroll = result.payroll
    title = f"{result.rules.title} — {result.period}"
    sums = [str(payroll[c].sum()) for c in result.money_columns]
    if payroll.height <= SUMMARY_ROWS:
        totals = [*_people_cells(len(result.person_columns), payroll.height), *sums]
        console.print(frame_table(payroll, title, total_row=totals))
    else:
        teams = result.by_team()
        totals = ["total", str(payroll.height), *sums]
        console.print(
            frame_table(teams, f"{title} (by team; every person in payroll.csv)", total_row=totals)
        )
    recon = result.reconciliation.with_columns(
        result.reconciliation["outcome"].replace_strict(
            OUTCOME_WORDS, default=result.reconciliation["outcome"]
        )
    )
    report = "source" in recon.columns  # the figures came from a per-agent report
    console.print(frame_table(recon, "Report rows" if report else "Orders reconciliation"))
    if result.flags.height:
        flags = result.flags.select("agent_id", "name", "label", "rule", "flag")
        console.print(frame_table(flags, "Flags for review (nothing was done about them)"))


def _people_cells(width: int, people: int) -> list[str]:
    """The person columns of the summary's total row: "total" under the name, the head
    count under the last of them (agent_id, name, team, role → "", total, "", 16 people)."""
    cells = [""] * width
    cells[min(1, width - 1)] = "total"
    cells[-1] = f"{people} people"
    return cells


def as_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)
