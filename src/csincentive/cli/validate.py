"""`csincentive validate FILE…`: check rules files without running a month."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from csincentive.cli.options import JsonOption


def validate(
    files: Annotated[list[Path], typer.Argument(help="Rules files to check.")],
    json_output: JsonOption = False,
) -> None:
    """Check rules files: shape, names, cycles, tier tables, likely mistakes, and the
    statutory policy a file's [statutory] names.

    Every problem is printed as file:line:col: CODE path: message. Exit 0 when every file is
    valid (warnings allowed), 1 otherwise.

    Example: csincentive validate rules/*.toml
    """
    import csincentive.cli.render as render
    from csincentive.core.diagnostics import errors_only
    from csincentive.rules.loader import check_rules
    from csincentive.statutory.policy import policy_problems

    found = []
    for file in files:
        rules, problems = check_rules(file)
        found.extend(problems)
        if rules is not None and rules.statutory is not None:
            found.extend(policy_problems(file, rules.statutory.policy))
    if json_output:
        render.stdout().print(render.as_json([d.as_dict() for d in found]), markup=False)
    else:
        render.diagnostics(render.stdout(), found)
        errors = len(errors_only(found))
        plural = "s" if len(files) != 1 else ""
        summary = f"{len(files)} file{plural}: {errors} error(s), {len(found) - errors} warning(s)"
        render.stdout().print(summary, markup=False)
    if errors_only(found):
        raise typer.Exit(code=1)
