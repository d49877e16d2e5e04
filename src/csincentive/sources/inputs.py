"""The columns of every input file of a month, as the readers define them: for each file
its canonical columns in order, which of them the reader requires, and the other headers
it accepts for each (sources/headers.py matches a header by these). Gathered here from the
readers' own tables (roster.py, chats.py, orders.py, events.py, attendance.py, manual.py,
statutory.py), so that what describes an input — `init`'s starter files and their
README.md — never keeps a second list of what a file holds."""

from __future__ import annotations

from dataclasses import dataclass

from csincentive.sources.attendance import (
    ATTENDANCE_ALIASES,
    ATTENDANCE_COLUMNS,
    ATTENDANCE_REQUIRED,
)
from csincentive.sources.chats import CHAT_ALIASES, SESSION_OPTIONAL, SESSION_REQUIRED
from csincentive.sources.events import EVENT_ALIASES, EVENT_REQUIRED
from csincentive.sources.manual import MANUAL_ALIASES, MANUAL_REQUIRED
from csincentive.sources.orders import ORDER_ALIASES, ORDER_REQUIRED
from csincentive.sources.roster import ROSTER_OPTIONAL, ROSTER_REQUIRED
from csincentive.sources.statutory import YTD_ALIASES, YTD_FILE, YTD_REQUIRED


@dataclass(frozen=True)
class InputColumns:
    """One input file's columns: ``columns`` in the order a starter writes them, the
    ``required`` ones, and the other headers ``aliases`` accepts for a column."""

    file: str
    columns: tuple[str, ...]
    required: tuple[str, ...]
    aliases: dict[str, tuple[str, ...]]

    def accepts(self, column: str) -> tuple[str, ...]:
        return self.aliases.get(column, ())


def _columns(
    file: str, required: tuple[str, ...], rest: tuple[str, ...], aliases: dict[str, tuple[str, ...]]
) -> InputColumns:
    ordered = tuple(dict.fromkeys((*required, *rest)))
    return InputColumns(file, ordered, required, {c: aliases.get(c, ()) for c in ordered})


# The roster's fixed columns; a rules file adds its [inputs] roster_fields (required) and,
# with [statutory] on, the net-pay columns (optional: core/names.py STATUTORY_ROSTER).
INPUT_COLUMNS: dict[str, InputColumns] = {
    c.file: c
    for c in (
        _columns("agents.csv", ROSTER_REQUIRED, ROSTER_OPTIONAL, {}),
        _columns("chats.csv", SESSION_REQUIRED, SESSION_OPTIONAL, CHAT_ALIASES),
        _columns("orders.csv", ORDER_REQUIRED, tuple(ORDER_ALIASES), ORDER_ALIASES),
        _columns("events.csv", EVENT_REQUIRED, tuple(EVENT_ALIASES), EVENT_ALIASES),
        _columns(
            "attendance.csv",
            ATTENDANCE_REQUIRED,
            ("agent_id", *ATTENDANCE_COLUMNS),
            ATTENDANCE_ALIASES,
        ),
        _columns("inputs.csv", MANUAL_REQUIRED, tuple(MANUAL_ALIASES), MANUAL_ALIASES),
        _columns(YTD_FILE, YTD_REQUIRED, tuple(YTD_ALIASES), YTD_ALIASES),
    )
}

__all__ = ["INPUT_COLUMNS", "InputColumns"]
