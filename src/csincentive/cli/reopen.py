"""`csincentive reopen PERIOD --reason "…"`: open a sealed month again for a correction."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from csincentive.cli.close import LedgerDirOption, SchemeOption, ShopOption
from csincentive.cli.options import fail, parse_month


def reopen(
    period: Annotated[str, typer.Argument(help="The sealed month to reopen, YYYY-MM.")],
    reason: Annotated[
        str, typer.Option("--reason", help="Why it is reopened (kept in the month's manifest).")
    ],
    ledger_dir: LedgerDirOption = Path("ledger"),
    scheme: SchemeOption = None,
    shop: ShopOption = None,
) -> None:
    """Reopen a sealed month for a correction, with the reason on record.

    The sealed run is kept in the month's history/, and the manifest records the reason,
    the time and that run. The month is then open: run it again (each run shows what
    changed since the sealed run) and close it when the figures are final. `run --force`
    never reopens a month.

    Example: csincentive reopen 2026-10 --reason "order 1041 was refunded after closing"
    """
    import csincentive.cli.render as render
    from csincentive.core.diagnostics import InputError
    from csincentive.ledger.store import Ledger

    name = str(parse_month(period, param_hint=None))
    try:
        book = Ledger(ledger_dir).holding(name, scheme, shop)
        manifest = book.reopen(name, reason)
        folder = book.month_folder(name)
    except InputError as error:
        raise fail(error) from None
    reopened = manifest["reopened"]
    render.stdout().print(
        f"Reopened {name} in {folder}: the sealed run (gross {manifest['gross']}, sealed "
        f"{reopened['sealed_at']}) is kept in {folder / reopened['history']}. Run the month "
        f"again, then close it when the figures are final (csincentive close {name}).",
        markup=False,
    )
