"""Small files kept by hand — the roster, attendance, events, manual figures.

A few hundred rows at most, so they are read eagerly, row by row, and every cell is
parsed in Python with its physical line: every problem of a file can be reported at
once, each at its file:line. The cell parsers here are shared by every small-file reader
(a date, an amount, a number read the same in agents.csv and events.csv).
"""

from __future__ import annotations

import csv
import difflib
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from csincentive.core.diagnostics import Diagnostic, InputError
from csincentive.sources.encoding import ensure_utf8
from csincentive.sources.headers import Column, cells_by_name, norm, read_header, resolve_columns
from csincentive.sources.parsing import MONEY_PATTERN

DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d")
NUMBER_SCALE = 10  # decimals a number may have: the engine's scale
MIDNIGHT = re.compile(r"\s+0?0:00(?::00)?$")
NUMBER_PATTERN = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")


# --------------------------------------------------------------------------- cells


def csv_rows(path: Path) -> Iterable[tuple[int, list[str]]]:
    """(physical line, stripped cells) for each non-blank data row."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        next(reader, None)
        for cells in reader:
            if any(cell.strip() for cell in cells):
                yield reader.line_num, [cell.strip() for cell in cells]


def width_of(header: Sequence[str]) -> int:
    """How many cells a row needs: up to the header's last named column (a header may end
    in empty cells from stray commas, which rows need not repeat)."""
    named = [i for i, cell in enumerate(header) if cell.strip()]
    return named[-1] + 1 if named else 0


def short_row(
    display: str, line: int, cells: Sequence[str], header: Sequence[str], width: int
) -> list[Diagnostic]:
    """D110 when a row has fewer cells than the header names: the missing last cells would
    be read as empty (a target as none, a leave_date as still employed, days as 0), which
    is what a row cut short — by a hand edit or a truncated file — looks like."""
    if len(cells) >= width:
        return []
    missing = header[len(cells)].strip()
    message = (
        f"the row has {len(cells)} cells, the header {width}: '{missing}' and the cells after "
        "it are missing — add the missing cells (an empty one is just a comma) or re-export"
    )
    return [Diagnostic(display, message, code="D110", line=line, col=len(cells) + 1, path=missing)]


def parse_date(text: str) -> date | None:
    """YYYY-MM-DD or YYYY/MM/DD, else None. A midnight time after it (``2026-10-05
    00:00:00``: how a workbook's date cell reads, and Excel's CSV of one) is the date."""
    text = MIDNIGHT.sub("", text)
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def parse_money(text: str) -> Decimal | None:
    """Money cell → Decimal with 2 places, or None if it is not an amount (roster, small)."""
    cleaned = text.strip().removeprefix("=").strip('"').replace(",", "").strip("¥￥ ")
    if not re.fullmatch(MONEY_PATTERN, cleaned):
        return None
    try:
        return Decimal(cleaned).quantize(Decimal("0.01"))
    except InvalidOperation:
        return None


def parse_number(text: str) -> Decimal | None:
    """A decimal number with at most 10 decimals (full-width digits allowed), else None."""
    cleaned = norm(text).replace(",", "")
    if not NUMBER_PATTERN.fullmatch(cleaned):
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
        return None
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -NUMBER_SCALE:
        return None
    return value


def clean_id(text: str) -> str:
    """An id without the ="…" wrapper Excel exports put around digits."""
    return text.strip().removeprefix("=").strip('"').strip()


def did_you_mean(value: str, known: Collection[str]) -> str:
    """ "did you mean 'x'? " for a close name, else the first known names."""
    guess = difflib.get_close_matches(value, sorted(known), n=1, cutoff=0.6)
    if guess:
        return f"did you mean '{guess[0]}'? "
    listed = ", ".join(sorted(known)[:12])
    return f"known: {listed}; " if known else ""


# --------------------------------------------------------------------------- one file


@dataclass(frozen=True)
class Codes:
    """The diagnostic codes one small-file reader uses (D4xx, D5xx or D6xx)."""

    unknown_column: str
    missing_column: str
    empty: str
    unknown_agent: str


class SmallFile:
    """One small CSV being validated: its columns and the problems found so far."""

    def __init__(
        self,
        path: Path,
        work_dir: Path,
        aliases: Mapping[str, Sequence[str]],
        required: Sequence[str],
        codes: Codes,
    ) -> None:
        self.display = str(path)
        self.codes = codes
        self.readable = ensure_utf8(path, work_dir, display=self.display)
        self.header = header = read_header(self.readable, self.display)
        resolved = resolve_columns(header, aliases, None, self.display)
        self.columns: dict[str, Column] = resolved.found
        self.problems: list[Diagnostic] = resolved.problems
        for index, raw in resolved.unknown:
            self.problems.append(self._unknown_column(index, raw, aliases))
        for name in required:
            if name not in resolved.found:
                self.problems.append(self._missing_column(name, aliases))
        self.fail_if_problems()

    def _unknown_column(
        self, index: int, raw: str, aliases: Mapping[str, Sequence[str]]
    ) -> Diagnostic:
        written = raw.strip()
        accepted = {norm(a): name for name, names in aliases.items() for a in (name, *names)}
        guess = difflib.get_close_matches(norm(written), list(accepted), n=1, cutoff=0.6)
        hint = f"did you mean '{accepted[guess[0]]}'? " if guess else ""
        return Diagnostic(
            file=self.display,
            line=1,
            col=index + 1,
            code=self.codes.unknown_column,
            path=written,
            message=f"unknown column '{written}' — {hint}rename or delete it; known columns: "
            f"{', '.join(aliases)}",
        )

    def _missing_column(self, name: str, aliases: Mapping[str, Sequence[str]]) -> Diagnostic:
        also = f" (or one of: {', '.join(aliases[name])})" if aliases.get(name) else ""
        return Diagnostic(
            file=self.display,
            line=1,
            code=self.codes.missing_column,
            path=name,
            message=f"missing required column '{name}'{also} — add it to the header",
        )

    def rows(self) -> Iterable[tuple[int, dict[str, str]]]:
        """(physical line, {canonical: stripped cell}) per non-blank row; a row with fewer
        cells than the header is reported (D110) and its absent cells are ''."""
        width = width_of(self.header)
        for line, cells in csv_rows(self.readable):
            self.problems += short_row(self.display, line, cells, self.header, width)
            yield line, cells_by_name(cells, self.columns.values())

    def problem(self, line: int, name: str, code: str, message: str) -> None:
        column = self.columns[name]
        self.problems.append(
            Diagnostic(
                file=self.display,
                line=line,
                col=column.index + 1,
                code=code,
                path=column.written,
                message=message,
            )
        )

    def required(self, line: int, row: Mapping[str, str], names: Iterable[str]) -> bool:
        """Report each empty required cell; True when none is empty."""
        ok = True
        for name in names:
            if not row.get(name):
                self.problem(line, name, self.codes.empty, "required value is empty — fill it in")
                ok = False
        return ok

    def agent(self, line: int, row: Mapping[str, str], agent_ids: Collection[str]) -> str:
        """The row's agent id (without an Excel ="…" wrapper), reported if not on the roster."""
        agent_id = clean_id(row.get("agent_id", ""))
        if agent_id and agent_id not in agent_ids:
            self.problem(
                line,
                "agent_id",
                self.codes.unknown_agent,
                f"agent '{agent_id}' is not in agents.csv — add them there or remove the row",
            )
        return agent_id

    def duplicate(
        self, line: int, key: object, seen: dict[object, int], name: str, code: str, what: str
    ) -> None:
        """Report ``key`` if an earlier line had it; otherwise remember this line."""
        if key in seen:
            self.problem(
                line,
                name,
                code,
                f"{what} is already on line {seen[key]} — keep one row: merge lines "
                f"{seen[key]} and {line} or delete one of them",
            )
        else:
            seen[key] = line

    def fail_if_problems(self) -> None:
        if self.problems:
            raise InputError(sorted(self.problems, key=lambda d: (d.line or 0, d.col or 0)))
