"""`csincentive close PERIOD`: seal a month in the ledger."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from csincentive.cli import _fail, _month, app


@app.command()
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
    from csincentive import render
    from csincentive.errors import InputError
    from csincentive.ledger import Ledger

    year, month = _month_argument(period)
    name = f"{year:04d}-{month:02d}"
    ledger = Ledger(ledger_dir)
    try:
        ledger.close(name)
        manifest = ledger.manifest(name)
    except InputError as error:
        raise _fail(error) from None
    render.stdout().print(
        f"Sealed {name} in {ledger.root / name}: {manifest['people']} people, gross "
        f"{manifest['gross']} (run {manifest['computed_at']}, sealed {manifest['sealed_at']}).",
        markup=False,
    )


def _month_argument(text: str) -> tuple[int, int]:
    try:
        parsed = _month(text)
    except typer.BadParameter:
        raise typer.BadParameter(f"'{text}' is not a month; write YYYY-MM") from None
    assert parsed is not None
    return parsed
