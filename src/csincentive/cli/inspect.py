"""`csincentive inspect FILE…`: what each file of a month is taken for, before a run."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from csincentive.cli.options import JsonOption

if TYPE_CHECKING:
    from csincentive.sources.detect import Inspection


def inspect(
    files: Annotated[list[Path], typer.Argument(help="Files of a month's folder.")],
    json_output: JsonOption = False,
) -> None:
    """Show what each file is read as: its format and encoding, the sheet and header row
    of a workbook, the rows and the months its dates fall in, each header cell and the
    column it is read as, the columns nobody reads, the summary rows left out.

    Nothing is paid and no row is checked; the header's problems (a column missing …)
    are listed. Exit 1 when a file cannot be opened or its header has a problem.

    Example: csincentive inspect examples/xlsx/2026-10/agents.xlsx examples/2026-10/orders.csv
    """
    import csincentive.cli.render as render
    from csincentive.core.diagnostics import InputError, errors_only
    from csincentive.sources.detect import inspect_file

    found: list[Inspection] = []
    failed: list = []
    for file in files:
        try:
            found.append(inspect_file(file))
        except InputError as error:
            failed += error.diagnostics
    problems = failed + [d for f in found for d in f.problems]
    if json_output:
        shown = [f.as_dict() for f in found]
        render.stdout().print(
            render.as_json({"files": shown, "problems": [d.as_dict() for d in failed]}),
            markup=False,
        )
    else:
        console = render.stdout()
        for item in found:
            console.print("\n".join(_text(item)), markup=False)
        render.diagnostics(render.stderr(), problems)
    if errors_only(problems):
        raise typer.Exit(code=1)


def _text(found: Inspection) -> list[str]:
    """The inspection as lines for a person."""
    what = found.kind + (f" ({found.variant})" if found.variant else "")
    where = [found.format]
    if found.encoding:
        where.append(f"{found.encoding}, {found.line_ends} line ends")
    if found.sheet:
        others = f" of {len(found.sheets)}" if len(found.sheets) > 1 else ""
        where.append(f"sheet {found.sheet}{others}")
    header = (
        f"header on row {found.header_row}"
        if found.header_rows == 1
        else (f"header on rows {found.header_row - 1}-{found.header_row}")
    )
    rows = f"{found.rows:,} rows" + (
        f" ({found.orders:,} orders)" if found.orders is not None else ""
    )
    lines = [f"{found.file}: {what}", f"  {', '.join(where)}; {header}; {rows}"]
    if found.first:
        lines.append(f"  dates {found.first} … {found.last} (months {', '.join(found.months)})")
    if found.summary_rows:
        shown = ", ".join(str(r) for r in found.summary_rows)
        lines.append(f"  summary rows left out: {shown}")
    mapped = [
        f"{c.column} {c.header.strip()} → {c.canonical}" for c in found.columns if c.canonical
    ]
    lines.append("  columns read: " + ("; ".join(mapped) or "none"))
    unknown = found.unknown
    lines.append("  not read: " + (", ".join(u.strip() for u in unknown) if unknown else "none"))
    return lines
