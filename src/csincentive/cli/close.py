"""`csincentive close PERIOD`: seal a month in the ledger."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from csincentive.cli.options import fail, parse_month

# What close and reopen share: which ledger, and which scheme's month when several have it.
LedgerDirOption = Annotated[
    Path,
    typer.Option("--ledger", help="The ledger folder the month was recorded in.", file_okay=False),
]
SchemeOption = Annotated[
    str | None,
    typer.Option("--scheme", help="The scheme's id, when several schemes have the month."),
]
ShopOption = Annotated[
    str | None,
    typer.Option("--shop", help="The shop, when several shops of the scheme have the month."),
]


def close(
    period: Annotated[str, typer.Argument(help="The month to seal, YYYY-MM.")],
    ledger_dir: LedgerDirOption = Path("ledger"),
    scheme: SchemeOption = None,
    shop: ShopOption = None,
) -> None:
    """Seal a month in the ledger: a later run of it is refused, with or without --force.

    A refused run shows what would change, per person and line, against the sealed record.
    To correct a sealed month, reopen it (csincentive reopen MONTH --reason "…"), run it
    again, and close it again. When several schemes (or shops) share the ledger folder and
    have this month, say which with --scheme (and --shop).

    Example: csincentive close 2026-10
    """
    import csincentive.cli.render as render
    from csincentive.core.diagnostics import InputError
    from csincentive.ledger.store import Ledger

    name = str(parse_month(period, param_hint=None))
    try:
        book = Ledger(ledger_dir).holding(name, scheme, shop)
        manifest = book.close(name)
        folder = book.month_folder(name)
    except InputError as error:
        raise fail(error) from None
    render.stdout().print(
        f"Sealed {name} in {folder}: {manifest['people']} people, gross "
        f"{manifest['gross']} (run {manifest['computed_at']}, sealed {manifest['sealed_at']}).",
        markup=False,
    )
