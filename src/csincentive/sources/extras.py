"""The optional small inputs of a period folder, as far as the rules use them, widened to
one row per roster person: attendance.csv (:mod:`.attendance`), events.csv
(:mod:`.events`) and inputs.csv (:mod:`.manual`).

Files may be UTF-8 (with or without BOM) or GBK, with English or Chinese headers. Every
problem of every file comes back in one :class:`InputError`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from csincentive.core.diagnostics import Diagnostic, InputError
from csincentive.core.money import ENGINE, PAY
from csincentive.core.month import Month
from csincentive.sources.attendance import ATTENDANCE_ALIASES, attendance_rate, load_attendance
from csincentive.sources.events import EVENT_ALIASES, load_events, no_events, per_agent_events
from csincentive.sources.manual import (
    MANUAL_ALIASES,
    load_manual,
    no_manual,
    per_agent_manual,
    required_manual,
)
from csincentive.sources.statutory import YTD_ALIASES, YTD_FILE, YTD_SCHEMA, load_ytd
from csincentive.sources.workbook import Workbooks, input_file

EXTRA_FILES = {
    "attendance": "attendance.csv",
    "events": "events.csv",
    "manual": "inputs.csv",
    "ytd": YTD_FILE,
}
EXTRA_ALIASES = {
    "attendance": ATTENDANCE_ALIASES,
    "events": EVENT_ALIASES,
    "manual": MANUAL_ALIASES,
    "ytd": YTD_ALIASES,
}


@dataclass(frozen=True)
class ExtrasWanted:
    """What the rules in force read from the small files: the attendance names their
    formulas use (attendance.csv is then required), the declared events, the manual
    inputs and those every person must have a row for — and the per-agent figures
    (sessions, sales …) they read, which an export with only its header cannot give."""

    attendance: tuple[str, ...] = ()
    events: tuple[str, ...] = ()
    manual: tuple[str, ...] = ()
    manual_required: tuple[str, ...] = ()
    figures: tuple[str, ...] = ()
    ytd: bool = False  # [statutory] is on: ytd.csv, when the folder has one


NO_EXTRAS = ExtrasWanted()


@dataclass
class Extras:
    """The optional inputs a rule set needs, one row per roster person."""

    frame: pl.DataFrame  # agent_id + attendance, event and manual columns
    files: dict[str, Path]  # logical name → file read


@dataclass
class _Reading:
    """The extras being read: where, for whom, and what was read or went wrong so far."""

    paths: dict[str, Path]
    roster: pl.DataFrame
    work_dir: Path
    workbooks: Workbooks
    files: dict[str, Path] = field(default_factory=dict)
    problems: list[Diagnostic] = field(default_factory=list)

    @property
    def agent_ids(self) -> set[str]:
        return set(self.roster["agent_id"].to_list())

    def attempt(self, name: str, load: Callable[[Path], pl.DataFrame]) -> pl.DataFrame | None:
        """``load`` the file (a workbook's CSV copy), recording that it was read; its
        problems are kept, not raised."""
        self.files[name] = path = self.paths[name]
        table = EXTRA_ALIASES[name]
        known = [*table, *(a for aliases in table.values() for a in aliases)]
        try:
            return load(self.workbooks.readable(name, path, known))
        except InputError as exc:
            self.problems.extend(exc.diagnostics)
            return None


def read_extras(
    folder: Path,
    wanted: ExtrasWanted,
    roster: pl.DataFrame,
    *,
    year: int,
    month: int,
    work_dir: Path,
    workbooks: Workbooks | None = None,
) -> Extras:
    """Read attendance.csv, events.csv and inputs.csv as far as the rules use them and
    widen them to one row per roster person. A file the rules need but the folder lacks is
    an error; events and manual figures an agent has no row for count as 0 (except the
    names in [inputs] manual_required). Each may be a workbook (attendance.xlsx …), read
    through ``workbooks``."""
    paths = {name: input_file(folder, file) for name, file in EXTRA_FILES.items()}
    books = workbooks if workbooks is not None else Workbooks(work_dir / "sheets")
    reading = _Reading(paths, roster, work_dir, books)
    frame = roster.select("agent_id")
    if wanted.attendance:
        frame = _with_attendance(reading, frame, wanted.attendance)
    if wanted.events:
        frame = _with_events(reading, frame, list(wanted.events), year, month)
    if wanted.manual:
        frame = _with_manual(reading, frame, wanted)
    if wanted.ytd:
        frame = _with_ytd(reading, frame, Month(year, month))
    if reading.problems:
        raise InputError(reading.problems)
    return Extras(frame=frame, files=reading.files)


def _with_attendance(reading: _Reading, frame: pl.DataFrame, used: tuple[str, ...]) -> pl.DataFrame:
    path = reading.paths["attendance"]
    if not path.is_file():
        reading.problems.append(_missing_attendance(path, list(used)))
        return frame
    agent_ids = reading.agent_ids
    table = reading.attempt(
        "attendance", lambda p: load_attendance(p, work_dir=reading.work_dir, agent_ids=agent_ids)
    )
    if table is None:
        return frame
    reading.problems.extend(_unlisted(path, agent_ids, table, "attendance"))
    return frame.join(table, on="agent_id", how="left").with_columns(attendance_rate())


def _with_events(
    reading: _Reading, frame: pl.DataFrame, names: list[str], year: int, month: int
) -> pl.DataFrame:
    events: pl.DataFrame | None = no_events()
    if reading.paths["events"].is_file():
        agent_ids, known = reading.agent_ids, set(names)
        events = reading.attempt(
            "events",
            lambda p: load_events(
                p,
                work_dir=reading.work_dir,
                agent_ids=agent_ids,
                known_events=known,
                year=year,
                month=month,
            ),
        )
    if events is None:
        return frame
    return frame.join(per_agent_events(events, names), on="agent_id", how="left").with_columns(
        *[pl.col(n).fill_null(0) for n in names],
        *[pl.col(f"{n}_amount").fill_null(pl.lit(0, dtype=PAY)) for n in names],
    )


def _with_manual(reading: _Reading, frame: pl.DataFrame, wanted: ExtrasWanted) -> pl.DataFrame:
    names = list(wanted.manual)
    manual: pl.DataFrame | None = no_manual()
    if reading.paths["manual"].is_file():
        agent_ids, known = reading.agent_ids, set(names)
        manual = reading.attempt(
            "manual",
            lambda p: load_manual(
                p, work_dir=reading.work_dir, agent_ids=agent_ids, known_names=known
            ),
        )
    if manual is None:
        return frame
    wide = reading.roster.select("agent_id").join(
        per_agent_manual(manual, names), on="agent_id", how="left"
    )
    required = list(wanted.manual_required)
    reading.problems.extend(required_manual(reading.paths["manual"], wide, required))
    return frame.join(wide, on="agent_id", how="left").with_columns(
        pl.col(n).fill_null(pl.lit(0, dtype=ENGINE)) for n in names
    )


def _with_ytd(reading: _Reading, frame: pl.DataFrame, month: Month) -> pl.DataFrame:
    """ytd_<column> and ytd_line per person: null for a person without a row (or with no
    ytd.csv at all), whose year so far then comes from the ledger."""
    ytd: pl.DataFrame | None = pl.DataFrame(schema=YTD_SCHEMA)
    if reading.paths["ytd"].is_file():
        agent_ids = reading.agent_ids
        ytd = reading.attempt(
            "ytd",
            lambda p: load_ytd(p, work_dir=reading.work_dir, agent_ids=agent_ids, month=month),
        )
    if ytd is None:
        return frame
    return frame.join(ytd, on="agent_id", how="left")


def _missing_attendance(path: Path, names: list[str]) -> Diagnostic:
    shown = ", ".join(names[:5]) + (" …" if len(names) > 5 else "")
    message = (
        f"file not found — the rules use attendance ({shown}); put {path.name} in {path.parent}"
    )
    return Diagnostic(file=str(path), message=message, code="D409")


def _unlisted(path: Path, agent_ids: set[str], table: pl.DataFrame, what: str) -> list[Diagnostic]:
    """Every roster person needs an attendance row: a missing one is not zero days."""
    missing = sorted(agent_ids - set(table["agent_id"].to_list()))
    return [
        Diagnostic(
            file=str(path),
            code="D410",
            path="agent_id",
            message=f"agent '{agent}' has no row — add their {what} (scheduled and worked days)",
        )
        for agent in missing
    ]
