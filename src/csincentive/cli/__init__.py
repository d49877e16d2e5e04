"""The command line: parse arguments, call the library, render, map errors to exit codes
(0 ok, 1 bad input or rules, 2 usage). One module per command; this one composes them,
each behind the catch-all of cli/options.py (``guarded``).
No computation lives here, and no command module imports Polars at import time, so
`csincentive --help` starts in a fraction of a second."""

from __future__ import annotations

import gc
import os
import sys

import typer

from csincentive.cli import (
    check,
    close,
    compare,
    explain,
    grades,
    init,
    inspect,
    names,
    payslips,
    rank,
    reopen,
    report,
    run,
    schema,
    validate,
)
from csincentive.cli.options import guarded

app = typer.Typer(
    help="Monthly pay for e-commerce customer-service teams: rules in TOML, exact to the fen.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# In the order `--help` lists them.
for command in (
    init.init,
    run.run,
    check.check,
    validate.validate,
    inspect.inspect,
    rank.rank,
    names.names,
    close.close,
    reopen.reopen,
    compare.compare,
    explain.explain,
    payslips.payslips,
    report.report,
    grades.grades,
    schema.schema,
):
    app.command()(guarded(command))  # an unexpected error: a report, never a traceback


def main() -> None:
    # The rules' models are csincentive's own: no third-party Pydantic plugin is looked
    # for (the search reads every installed package's entry points, at each start).
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    arguments = sys.argv[1:]
    if not arguments or "--help" in arguments:  # the help pages: see light_help_formatter
        from csincentive.cli.render import light_help_formatter

        light_help_formatter()
    try:
        app()
    finally:
        # The process ends here. Python's last garbage collections would walk every
        # object the run made, only to free memory the system takes back at exit: 0.12 s
        # of the bundled month's 0.9 s, 0.1 s of a 2,000-person month's. Frozen, they are
        # skipped; nothing else changes: the payroll files and the ledger are closed by
        # now, and a thread still saving the parsed exports' cache is joined by Python as
        # before. (main is the process's entry point: a program calls `app` or the library.)
        gc.freeze()
