"""Publishing a computed month: its payroll files and its ledger record, together or not at
all. The transaction every caller gets — the command line and a library user alike::

    result = compute_month(period, rules, ledger=ledger, recording=True)
    published = publish(result, period / "out", outputs=payroll_files(result), ledger=ledger)

In order: a month its scheme sealed is refused, with ``force`` or without (SealedMonth
carries what would change, per person and line; a sealed month is changed by reopening it,
Ledger.reopen); an output that would replace one of the month's own input files is refused,
even with ``force`` (O102: --out pointed at the period folder); a folder that already holds
a payroll is refused without ``force`` (O100); the ledger takes the month's lock (L107 while
another run holds it) and starts writing its tables on its own thread while the files are
written into a staging folder beside the destination; the files are moved in, then the
ledger record is committed and the lock let go. Any failure before the commit discards the
ledger record, so the ledger never holds a month whose files were not written; a disk that
fails is an O101 (the files) or L103 (the ledger) naming the path, never a traceback. A run
of a reopened month comes back with what changed since the sealed run
(Published.since_sealed)."""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import polars as pl

from csincentive.core.diagnostics import InputError
from csincentive.ledger.diff import diff_lines
from csincentive.ledger.store import Ledger, MonthRecord, PendingRecord, Recorded
from csincentive.month.result import MonthResult


class Outputs(Protocol):
    """The files a month is published as (reports.files.payroll_files)."""

    @property
    def names(self) -> tuple[str, ...]:  # every file write() makes, by name
        ...

    def write(self, folder: Path) -> None: ...


@dataclass
class SealedMonth(InputError):
    """A run over a sealed month without force: the refusal, and what would change."""

    period: str = ""
    changes: pl.DataFrame = field(default_factory=pl.DataFrame)


@dataclass(frozen=True)
class Published:
    written: list[Path]  # the files now in the out folder
    recorded: Recorded | None  # None without a ledger
    # A reopened month: its lines that differ from the sealed run's (ledger.diff.diff_lines).
    since_sealed: pl.DataFrame | None = None


def publish(
    result: MonthResult,
    out_dir: Path,
    *,
    outputs: Outputs,
    ledger: Ledger | None = None,
    force: bool = False,
    options: dict[str, Any] | None = None,
) -> Published:
    """Write `outputs` into out_dir and record the month in `ledger`, both or neither.
    ``force`` replaces the payroll files of an open month, never a sealed month."""
    out_dir = Path(out_dir)
    record = None if ledger is None else result.for_ledger()
    book = (
        None
        if ledger is None or record is None
        else ledger.for_scheme(record.scheme_id, record.shop)
    )
    if book is not None and book.is_sealed(result.period):
        changes = diff_lines(book.lines(result.period), result.lines)
        refusal = book.sealed_error(result.period).diagnostics
        raise SealedMonth(refusal, period=result.period, changes=changes)
    check_not_inputs(out_dir, outputs.names, result.input_files)
    check_out_dir(out_dir, outputs.names, force=force)
    # The ledger writes its tables on another thread while the payroll files are written
    # here; it is committed only once they are. (It checks the seal again, holding the
    # month's lock: another run may have closed the month since.)
    pending = None if book is None or record is None else _prepare(book, record, force, options)
    try:
        written = _write_staged(outputs, out_dir)
    except BaseException as error:
        if pending is not None:
            pending.discard()
        if isinstance(error, OSError):
            raise unwritable(out_dir, error, "O101") from None
        raise
    recorded = _commit(pending, book)
    return Published(written, recorded, _since_sealed(book, recorded, result))


def check_out_dir(out_dir: Path, names: tuple[str, ...], *, force: bool = False) -> None:
    """InputError O100 when out_dir already holds a payroll and ``force`` is not given."""
    existing = [Path(out_dir) / name for name in names if (Path(out_dir) / name).exists()]
    if existing and not force:
        raise InputError.single(
            existing[0],
            "a payroll was already written here; pass --force to replace it, or --out to "
            "write somewhere else",
            code="O100",
        )


def check_not_inputs(out_dir: Path, names: tuple[str, ...], inputs: dict[str, Path]) -> None:
    """InputError O102 when an output would be written over an input of the month: an
    output is never named like an input (attribution.csv, not orders.csv), but a folder
    can hold exports under any name, so the names are compared too — casefolded, as a
    Windows or macOS disk would."""
    folder = Path(out_dir).resolve()
    outputs = {name.casefold() for name in names}
    clashes = sorted(
        path
        for path in map(Path, inputs.values())
        if path.name.casefold() in outputs and path.resolve().parent == folder
    )
    if clashes:
        raise InputError.single(
            clashes[0],
            "this input would be replaced by an output file of the same name; write the "
            "outputs elsewhere with --out (the default is the period folder's out/)",
            code="O102",
        )


def unwritable(folder: Path, error: OSError, code: str) -> InputError:
    """A disk that refused: where, why and what to do."""
    reason = error.strerror or str(error)
    where = error.filename or folder
    message = (
        f"could not write here: {reason} — free some space or fix the permissions, or "
        "write elsewhere; nothing was recorded"
    )
    return InputError.single(str(where), message, code=code)


def _write_staged(outputs: Outputs, out_dir: Path) -> list[Path]:
    """Every file written into a staging folder beside the destination, then moved in, so
    a crash never leaves half a payroll."""
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".csincentive-", dir=out_dir))
    try:
        outputs.write(staging)
        written = []
        for name in outputs.names:
            os.replace(staging / name, out_dir / name)
            written.append(out_dir / name)
        return written
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _prepare(
    book: Ledger, record: MonthRecord, force: bool, options: dict[str, Any] | None
) -> PendingRecord:
    try:
        return book.prepare(record, force=force, options=options)
    except OSError as error:
        raise unwritable(book.root, error, "L103") from None


def _since_sealed(
    book: Ledger | None, recorded: Recorded | None, result: MonthResult
) -> pl.DataFrame | None:
    """What changed since the sealed run, for a run of a reopened month."""
    if book is None or recorded is None or not recorded.reopened:
        return None
    sealed = book.sealed_lines(result.period)
    return None if sealed is None else diff_lines(sealed, result.lines)


def _commit(pending: PendingRecord | None, ledger: Ledger | None) -> Recorded | None:
    if pending is None or ledger is None:
        return None
    try:
        return pending.commit()
    except OSError as error:
        raise unwritable(ledger.root, error, "L103") from None
