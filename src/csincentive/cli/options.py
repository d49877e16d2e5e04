"""What the commands share: the options and arguments several take, the month parser and
the way a library error becomes exit 1. Typer and these helpers only: no command logic."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from csincentive.core.month import Month

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
JsonOption = Annotated[bool, typer.Option("--json", help="The result as JSON.")]


def parse_month(text: str | None, *, param_hint: str | None = "--month") -> Month | None:
    """The month a user typed, or a usage error (exit 2) saying how to write one."""
    from csincentive.core.month import Month

    if text is None:
        return None
    try:
        return Month.parse(text)
    except ValueError:
        raise typer.BadParameter(
            f"'{text}' is not a month; write YYYY-MM", param_hint=param_hint
        ) from None


def fail(error: Exception, *, writes: bool = False) -> typer.Exit:
    """Print every diagnostic and exit 1; `writes`: the command would have written files."""
    import csincentive.cli.render as render
    from csincentive.core.diagnostics import InputError

    console = render.stderr()
    if isinstance(error, InputError):
        render.diagnostics(console, error.diagnostics)
        count = len(error.diagnostics)
        summary = f"{count} problem{'s' if count != 1 else ''}"
        console.print(summary + ("; nothing was written." if writes else "."), style="red")
    else:
        console.print(str(error), style="red", markup=False)
    return typer.Exit(code=1)
