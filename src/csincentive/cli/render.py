"""Terminal rendering — the only module that imports rich."""

from __future__ import annotations

import json
import sys
import types
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from rich.cells import cell_len
from rich.console import Console
from rich.table import Table

from csincentive.core.messages import t

if TYPE_CHECKING:
    import polars as pl

    from csincentive.core.diagnostics import Diagnostic
    from csincentive.month.result import MonthResult


def light_help_formatter() -> None:
    """Import typer's help formatter (typer.rich_utils) without the two modules it imports
    only for what this app turns off — rich.markdown (markdown-it, Pygments) for a Markdown
    markup mode, rich.traceback for pretty tracebacks —, a third of `csincentive --help`'s
    time. While it is imported, each is a stand-in whose class loads the real one if it is
    ever used; the stand-ins are then taken out, so any other import gets the real module."""
    if "typer.rich_utils" in sys.modules:
        return

    class Markdown:
        def __new__(cls, *args: Any, **kwargs: Any) -> Any:
            from rich.markdown import Markdown

            return Markdown(*args, **kwargs)

    class Traceback:
        @staticmethod
        def from_exception(*args: Any, **kwargs: Any) -> Any:
            from rich.traceback import Traceback

            return Traceback.from_exception(*args, **kwargs)

    stand_ins = {}
    for name, cls in (("rich.markdown", Markdown), ("rich.traceback", Traceback)):
        if name not in sys.modules:
            stand_ins[name] = sys.modules[name] = types.ModuleType(name)
            setattr(stand_ins[name], cls.__name__, cls)
    try:
        import typer.rich_utils  # noqa: F401 (imported for typer, which finds it loaded)
    finally:
        for name, module in stand_ins.items():
            if sys.modules.get(name) is module:
                del sys.modules[name]


def _console(**options: Any) -> Console:
    console = Console(highlight=False, soft_wrap=True, **options)
    if not console.is_terminal:  # piped or captured: don't squeeze tables into 80 columns
        console.width = max(console.width, 160)
    return console


@contextmanager
def working(console: Console, message: str) -> Iterator[Callable[[str], None]]:
    """A spinner while a long month is read and computed — only on a terminal, so piped
    output and tests stay clean. Yields a function that shows the stage reached beside
    ``message`` ("… — attributing 8,000,000 orders to 19,924,509 chats …")."""
    if not console.is_terminal:
        yield lambda stage: None
        return
    with console.status(message) as status:
        yield lambda stage: status.update(f"{message} — {stage}")


Subject = TypeVar("Subject")


def in_background(
    console: Console, draw: Callable[[Console, Subject], None], subject: Subject
) -> Callable[[], None]:
    """``draw(console, subject)`` rendered now on a thread of its own, printed when the
    returned function is called. `run` makes its summary (Rich lays out a few hundred
    table rows at 2,000 people: 0.1-0.15 s) while the payroll files are written, in the
    time the main thread waits for the per-order file. The text is what ``draw`` would
    print, byte for byte (Console.capture); a legacy Windows console, which Rich writes
    through the Windows API rather than as text, is drawn when called."""
    if console.legacy_windows:
        return lambda: draw(console, subject)

    def text() -> str:
        with console.capture() as captured:
            draw(console, subject)
        return captured.get()

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="csincentive-summary")
    made = pool.submit(text)
    pool.shutdown(wait=False)

    def show() -> None:
        console.file.write(made.result())
        console.file.flush()

    return show


def stdout() -> Console:
    return _console()


def stderr() -> Console:
    return _console(stderr=True)


def diagnostics(console: Console, items: list[Diagnostic]) -> None:
    for item in items:
        style = "yellow" if item.severity == "warning" else "red"
        console.print(item.render(), style=style, markup=False)


def warning_count(console: Console, count: int, where: str, lang: str = "en") -> None:
    """The last line of a run: how many warnings the month has and where they are kept
    (they scroll past on stderr; the file stays with the month)."""
    if count == 0:
        console.print(t("term.no_warnings", lang), markup=False)
        return
    key = "term.warning" if count == 1 else "term.warnings"
    console.print(t(key, lang, count=count, where=where), markup=False)


HEADER_CELLS = 12  # a header wider than this folds onto more lines; a number never does


def frame_table(
    frame: pl.DataFrame,
    title: str,
    *,
    total_row: list[str] | None = None,
    headers: dict[str, str] | None = None,
) -> Table:
    """One table of a frame: numbers right-aligned and never cut (a column is as wide as
    its widest number), text folded rather than cut, ``headers`` in place of the ids."""
    return fitted_tables(frame, title, total_row=total_row, headers=headers, width=None)[0]


def fitted_tables(
    frame: pl.DataFrame,
    title: str,
    *,
    total_row: list[str] | None = None,
    headers: dict[str, str] | None = None,
    keys: int = 0,
    width: int | None = None,
    lang: str = "zh",
) -> list[Table]:
    """The frame as tables that fit ``width`` columns of terminal: when every column does
    not fit, the columns after the first ``keys`` (who a row is) are split over several
    tables, each repeating the keys, each with its part of the totals row. A number is
    never cut: each column is as wide as its widest cell (headers fold)."""
    names = frame.columns
    numeric = [_is_number(frame[c].dtype) for c in names]
    cells = [["" if v is None else str(v) for v in row] for row in frame.iter_rows()]
    shown = [(headers or {}).get(c, c) for c in names]
    sizes = [
        _column_width(shown[i], [row[i] for row in cells], total_row[i] if total_row else "")
        for i in range(len(names))
    ]
    parts = _split(sizes, keys, width)
    tables = []
    for number, part in enumerate(parts, start=1):
        name = (
            title
            if len(parts) == 1
            else t("term.part", lang, title=title, part=number, parts=len(parts))
        )
        table = Table(title=name, title_justify="left")
        for i in part:
            table.add_column(
                shown[i],
                justify="right" if numeric[i] else "left",
                overflow="fold",  # a header may fold; a number fits its column's width
                width=sizes[i],
            )
        for row in cells:
            table.add_row(*[row[i] for i in part])
        if total_row is not None:
            table.add_section()
            table.add_row(*[total_row[i] for i in part], style="bold")
        tables.append(table)
    return tables


def _is_number(dtype: pl.DataType) -> bool:
    return dtype.is_numeric() or str(dtype).startswith("Decimal")


def _column_width(header: str, values: list[str], total: str) -> int:
    """As wide as the widest line of a cell (a cell of several lines: its longest)."""
    lines = [line for v in values for line in v.split("\n")]
    longest = max([cell_len(v) for v in lines] + [cell_len(total), 1])
    return max(longest, min(cell_len(header), HEADER_CELLS))


def _split(sizes: list[int], keys: int, width: int | None) -> list[list[int]]:
    """Column indexes per table: all in one when they fit (or no width is given), else
    the keys and as many of the rest as fit, in order. A column takes its width, two of
    padding and a border; a table one border more."""
    every = list(range(len(sizes)))
    if width is None or 1 + sum(s + 3 for s in sizes) <= width or keys >= len(sizes):
        return [every]
    base = 1 + sum(sizes[i] + 3 for i in every[:keys])
    parts: list[list[int]] = []
    current: list[int] = []
    used = base
    for i in every[keys:]:
        if current and used + sizes[i] + 3 > width:
            parts.append(every[:keys] + current)
            current, used = [], base
        current.append(i)
        used += sizes[i] + 3
    parts.append(every[:keys] + current)
    return parts


SUMMARY_ROWS = 40  # above this many people the terminal gets team totals, not every row


def month_summary(console: Console, result: MonthResult) -> None:
    import polars as pl

    from csincentive.reports.words import (
        column_label,
        labels,
        outcome_words,
        people,
        role_words,
    )

    lang = result.language
    headers = {**labels(result), "people": column_label("people", lang)}
    payroll = result.payroll
    title = f"{result.rules.title} — {result.period}"
    sums = [str(payroll[c].sum()) for c in result.money_columns]
    total = t("term.total", lang)
    if payroll.height <= SUMMARY_ROWS:
        # Who a row is (agent_id, name) is repeated when the payroll is split to fit.
        keys = ["", total] + [""] * (len(result.person_columns) - 2)
        keys[-1] = people(payroll.height, lang)
        roles = [role_words(r, lang) for r in payroll["role"].to_list()]
        frame, keys_count = payroll.with_columns(pl.Series("role", roles, dtype=pl.String)), 2
    else:
        keys = [total, str(payroll.height)]
        frame, keys_count = result.by_team(), 2
        title = t("term.by_team", lang, title=title)
    for table in fitted_tables(
        frame,
        title,
        total_row=[*keys, *sums],
        headers=headers,
        keys=keys_count,
        width=console.width,
        lang=lang,
    ):
        console.print(table)
    recon = result.reconciliation
    words = [outcome_words(o, lang) for o in recon["outcome"].to_list()]
    recon = recon.with_columns(pl.Series("outcome", words, dtype=pl.String))
    report = "source" in recon.columns  # the figures came from a per-agent report
    title = t("term.report_rows" if report else "term.reconciliation", lang)
    console.print(frame_table(recon, title, headers=headers))
    if result.flags.height:
        flags = result.flags.select("agent_id", "name", "label", "rule", "flag")
        console.print(frame_table(flags, t("term.flags", lang), headers=headers))


def as_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)
