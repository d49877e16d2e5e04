"""`csincentive init FOLDER --from SCHEME`: a starter month and rules file for a new shop."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from csincentive.cli.options import LangOption, MonthOption, fail, parse_month

FromOption = Annotated[
    str,
    typer.Option("--from", help="The shipped scheme to start from, e.g. taobao-presales."),
]
RulesDirOption = Annotated[
    Path | None,
    typer.Option("--rules-dir", help="Where the rules file goes; default FOLDER's parent."),
]
ForceOption = Annotated[bool, typer.Option("--force", help="Write over files in the way.")]


def init(
    folder: Annotated[Path, typer.Argument(help="The month's folder to create, e.g. 2026-11.")],
    scheme: FromOption = "taobao-presales",
    rules_dir: RulesDirOption = None,
    month: MonthOption = None,
    force: ForceOption = False,
    lang: LangOption = None,
) -> None:
    """Start a shop: a month's folder with every input, and a rules file to edit.

    FOLDER gets agents.csv, chats.csv, orders.csv and, when the scheme reads them,
    events.csv, attendance.csv and inputs.csv, each with its header and one example row,
    and a README.md of every column (required or not, what it means, the headers also
    accepted; in --lang, default the scheme's language); the shipped scheme's rules file
    is copied beside the folder (with what it includes and the JSON Schema editors use).
    `csincentive check` accepts the folder as it is; replace the example rows with the
    month's exports.

    Example: csincentive init 2026-11 --from taobao-presales
    """
    import csincentive.cli.render as render
    from csincentive.core.diagnostics import InputError
    from csincentive.core.messages import t
    from csincentive.month.starter import make_starter

    try:
        starter = make_starter(
            folder, scheme, month=parse_month(month), rules_dir=rules_dir, force=force, lang=lang
        )
    except InputError as error:
        raise fail(error, writes=True) from None
    console = render.stdout()
    files = ", ".join(str(p) for p in starter.written)
    console.print(t("term.wrote", starter.lang, files=files), markup=False)
    words = {"folder": starter.folder, "rules": starter.rules_file}
    console.print(t("starter.next", starter.lang, **words), markup=False)
