"""Header rows: how every reader finds its canonical columns in a file's first line.

Exports are written by hand, by Excel and by several shop tools, so a column is found by
any of its aliases (客服, 客服昵称 … for ``agent``), ignoring case, surrounding spaces and
full-width punctuation, or by a mapping the rules file gives (``[inputs] columns``). Every
reader — the big exports and the small hand-kept files — resolves its header here, so a
header problem reads the same whichever file it is in (D102 no header, D103 missing
column, D105 two headers meaning the same column).
"""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from csincentive.core.diagnostics import Diagnostic, InputError

Aliases = Mapping[str, Sequence[str]]  # canonical name → the headers that also mean it


@dataclass(frozen=True)
class Column:
    """A canonical column found in a file: where it is and how its header was written."""

    canonical: str
    index: int
    written: str


@dataclass(frozen=True)
class Resolved:
    """A header mapped to canonical columns: what was found, what is wrong (repeated
    columns), and the cells no alias matched (position, text as written)."""

    found: dict[str, Column]
    problems: list[Diagnostic]
    unknown: list[tuple[int, str]]


def norm(name: str) -> str:
    """Header matching ignores case, surrounding spaces and full-width punctuation (（秒）)."""
    return unicodedata.normalize("NFKC", name).strip().casefold()


def read_header(path: Path, display: str) -> list[str]:
    """The header row as written (BOM removed), reading only the first line of the file;
    for a Parquet file its column names."""
    if path.suffix == ".parquet":
        try:
            return list(pl.read_parquet_schema(path))
        except (OSError, pl.exceptions.PolarsError) as exc:
            message = f"not a readable Parquet file: {exc}"
            raise InputError.single(display, message, code="D102") from None
    with path.open(encoding="utf-8-sig", newline="") as handle:
        header = next(csv.reader(handle), [])
    if not any(cell.strip() for cell in header):
        raise InputError.single(
            display,
            "no header row — the first line must name the columns",
            code="D102",
            line=1,
        )
    return header


def alias_table(aliases: Aliases, column_map: Mapping[str, str] | None) -> dict[str, str]:
    """Normalised header → canonical name; caller's column_map wins over built-in aliases."""
    table = {norm(alias): canonical for canonical, names in aliases.items() for alias in names}
    table.update({norm(canonical): canonical for canonical in aliases})
    for source, canonical in (column_map or {}).items():
        if canonical in aliases:  # one map serves all three files; ignore other files' names
            table[norm(source)] = canonical
    return table


def resolve_columns(
    header: Sequence[str],
    aliases: Aliases,
    column_map: Mapping[str, str] | None,
    display: str,
) -> Resolved:
    """Map header cells to canonical columns; also return repeated and unknown cells."""
    table = alias_table(aliases, column_map)
    found: dict[str, Column] = {}
    problems: list[Diagnostic] = []
    unknown: list[tuple[int, str]] = []
    for index, raw in enumerate(header):
        canonical = table.get(norm(raw))
        if canonical is None:
            unknown.append((index, raw))
        elif canonical in found:
            problems.append(_repeated(display, index, raw, found[canonical], canonical))
        else:
            found[canonical] = Column(canonical, index, raw.strip())
    return Resolved(found, problems, unknown)


def _repeated(display: str, index: int, raw: str, first: Column, canonical: str) -> Diagnostic:
    return Diagnostic(
        file=display,
        line=1,
        col=index + 1,
        code="D105",
        path=raw.strip(),
        message=f"column {index + 1} '{raw.strip()}' and column {first.index + 1} "
        f"'{first.written}' both mean '{canonical}' — delete one of them",
    )


def missing_columns(
    display: str,
    found: Mapping[str, Column],
    required: Iterable[str],
    aliases: Aliases,
) -> list[Diagnostic]:
    """D103 for each required column the header lacks, naming the aliases it accepts."""
    problems = []
    for canonical in required:
        if canonical in found:
            continue
        accepted = ", ".join(aliases.get(canonical, ()))
        also = f" (or one of: {accepted})" if accepted else ""
        problems.append(
            Diagnostic(
                file=display,
                line=1,
                code="D103",
                path=canonical,
                message=f"missing required column '{canonical}'{also} — add it, or map your "
                f"header to it with column_map={{'your header': '{canonical}'}}",
            )
        )
    return problems


def cells_by_name(cells: Sequence[str], columns: Iterable[Column]) -> dict[str, str]:
    """A row's cells by canonical name; a cell missing from a short row is ''."""
    return {c.canonical: cells[c.index] if c.index < len(cells) else "" for c in columns}
