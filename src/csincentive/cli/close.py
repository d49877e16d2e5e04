"""`csincentive close PERIOD`: seal a month in the ledger."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from csincentive.cli.options import fail, parse_month


def close(
    period: Annotated[str, typer.Argument(help="The month to seal, YYYY-MM.")],
    ledger_dir: Annotated[
        Path,
        typer.Option(
            "--ledger", help="The ledger folder the month was recorded in.", file_okay=False
        ),
    ] = Path("ledger"),
) -> None:
    """Seal a month in the ledger: a later run of it refuses without --force.

    A refused run shows what would change, per person and line, against the sealed record.
    A forced run is recorded, the sealed run is kept in the month's history/, and the month
    is open again until it is closed again.

    Example: csincentive close 2026-10
    """
    import csincentive.cli.render as render
    from csincentive.core.diagnostics import InputError
    from csincentive.ledger.store import Ledger

    name = str(parse_month(period, param_hint=None))
    ledger = Ledger(ledger_dir)
    try:
        ledger.close(name)
        manifest = ledger.manifest(name)
    except InputError as error:
        raise fail(error) from None
    render.stdout().print(
        f"Sealed {name} in {ledger.root / name}: {manifest['people']} people, gross "
        f"{manifest['gross']} (run {manifest['computed_at']}, sealed {manifest['sealed_at']}).",
        markup=False,
    )
