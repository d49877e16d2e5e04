"""What the commands share: the options and arguments several take, the month parser and
the way a library error becomes exit 1. Typer and these helpers only: no command logic."""

from __future__ import annotations

import enum
import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

if TYPE_CHECKING:
    from csincentive.core.month import Month

Command = TypeVar("Command", bound=Callable[..., Any])
# Set to 1 to let an unexpected error through with its traceback instead of the report.
DEBUG_VARIABLE = "CSINCENTIVE_DEBUG"
UNEXPECTED = "X000"  # the catch-all's code: no bad input may ever be reported under it

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
OutOption = Annotated[Path | None, typer.Option(help="Where to write; default PERIOD/out/.")]
JsonOption = Annotated[bool, typer.Option("--json", help="The result as JSON.")]


class Language(str, enum.Enum):
    """--lang: what a person reads is in Chinese (zh) or English (en)."""

    zh = "zh"
    en = "en"


LangOption = Annotated[
    Language | None,
    typer.Option(
        "--lang",
        help="The language of explanations, labels and headers: zh or en (default: the rules'"
        " [scheme] language, Chinese unless it says otherwise). CSV headers stay ids.",
    ),
]


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


def guarded(command: Command) -> Command:
    """The command, with the catch-all every command goes through: an exception that is
    neither a library error the command turned into an exit code nor Typer's own becomes a
    one-paragraph report and exit 1, never a traceback (unless CSINCENTIVE_DEBUG=1).
    Every bad input has its own located code; reaching this is a bug in csincentive."""

    @functools.wraps(command)
    def run_guarded(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise
        except Exception as error:
            if os.environ.get(DEBUG_VARIABLE, "") not in ("", "0"):
                raise
            raise unexpected(error, command.__name__) from None

    return run_guarded  # type: ignore[return-value]


def unexpected(error: Exception, command: str) -> typer.Exit:
    """Print the report of an error no check foresaw and exit 1."""
    import csincentive
    import csincentive.cli.render as render

    what = " ".join(f"{type(error).__name__}: {error}".split())  # one paragraph
    if len(what) > 300:
        what = what[:299] + "…"
    report = (
        f"{UNEXPECTED} csincentive {csincentive.__version__} stopped on an unexpected error in"
        f" `{command}`: {what}. This is a bug; please report it with the command you ran"
        f" and this message. {DEBUG_VARIABLE}=1 shows the traceback."
    )
    render.stderr().print(report, style="red", markup=False)
    return typer.Exit(code=1)
