"""Publishing a computed month: its payroll files and its ledger record, together or not at
all. The transaction every caller gets — the command line and a library user alike::

    result = compute_month(period, rules, ledger=ledger, recording=True)
    published = publish(result, period / "out", outputs=payroll_files(result), ledger=ledger)

In order: a month its scheme sealed is refused, with ``force`` or without (SealedMonth
carries what would change, per person and line; a sealed month is changed by reopening it,
Ledger.reopen); what an interrupted publish left in the out folder is settled; an output
that would replace one of the month's own input files is refused, even with ``force`` (O102:
--out pointed at the period folder); a folder that already holds a payroll is refused
without ``force`` (O100); the ledger takes the month's
lock (L107 while another run holds it) and starts writing its tables on its own thread while
the files are written into a staging folder in the out folder (``.csincentive-<id>/``).
Then one commit moves both into place (ledger.journal: the journal is written "staged"
naming both staging folders before any file is written, and "committed" once all are; that
rename is the commit point): killed before it, the next run finds the old month and the
old files, complete; killed after it, the new ones, the move finished by the next run or
the next command that opens the ledger. A failure before the commit discards both; a disk
that fails is an O101 (the files) or L103 (the ledger) naming the path, a move that fails
after the commit an L108 (O103 without a ledger), never a traceback. A run of a reopened
month comes back with what changed since the sealed run (Published.since_sealed).

A staging folder in out/ holds ``.journal`` (the path of the journal it belongs to: the
month's in the ledger, or its own ``.publish.json`` without one) and ``.lock-publish``,
locked while its run lives. A publish into the folder settles every staging folder whose
run is over: one whose journal committed is moved in, any other removed."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import polars as pl

from csincentive.core.diagnostics import InputError
from csincentive.ledger import journal
from csincentive.ledger.diff import diff_lines
from csincentive.ledger.disk import new_folder
from csincentive.ledger.journal import FileMove
from csincentive.ledger.lock import MonthLock
from csincentive.ledger.record import MonthRecord, PendingRecord, Recorded
from csincentive.ledger.store import Ledger
from csincentive.month.result import MonthResult

STAGING = ".csincentive-"  # out/.csincentive-<id>/: a run's payroll files before the commit
POINTER = ".journal"  # in a staging folder: the path of its journal
OWN_JOURNAL = ".publish.json"  # the journal of files published without a ledger
LOCK = "publish"  # .lock-publish in a staging folder: held while its run lives


class Outputs(Protocol):
    """The files a month is published as (reports.files.payroll_files)."""

    @property
    def names(self) -> tuple[str, ...]:  # every file write() makes, by name
        ...

    @property
    def retired(self) -> tuple[str, ...]:  # files of other runs these replace, to remove
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
    settle_out_dir(out_dir)
    touched = outputs.names + outputs.retired
    check_not_inputs(out_dir, touched, result.input_files)
    check_out_dir(out_dir, touched, force=force)
    # The ledger writes its tables on another thread while the payroll files are written
    # here; it is committed only once they are. (It checks the seal again, holding the
    # month's lock: another run may have closed the month since.)
    pending = None if book is None or record is None else _prepare(book, record, force, options)
    staged = _stage(outputs, out_dir, pending)
    try:
        recorded = None if pending is None else _commit(pending)
        if pending is None:
            _commit_files(staged)
    except BaseException:
        # Undone before the commit, or committed and left for the next run to finish (its
        # journal says which): either way the staging folder is no longer this run's.
        staged.lock.release()
        raise
    staged.close()
    written = [out_dir / name for name in outputs.names]
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


@dataclass
class _Staged:
    """The payroll files of one run, in their staging folder in the out folder."""

    move: FileMove
    lock: MonthLock

    @property
    def folder(self) -> Path:
        return self.move.staged

    @classmethod
    def make(cls, out_dir: Path, outputs: Outputs, journal: Path | None) -> _Staged:
        """A staging folder locked for this run, naming its journal (its own without a
        ledger)."""
        out_dir.mkdir(parents=True, exist_ok=True)
        folder = new_folder(out_dir.absolute(), STAGING)
        lock = MonthLock.take(folder, LOCK, "the payroll files being written")
        move = FileMove(folder, out_dir.absolute(), outputs.names, outputs.retired)
        staged = cls(move, lock)
        try:
            (folder / POINTER).write_text(str(journal or staged.own_journal), encoding="utf-8")
        except BaseException:
            staged.close()
            raise
        return staged

    @property
    def own_journal(self) -> Path:
        return self.folder / OWN_JOURNAL

    def close(self) -> None:
        """Let go of the folder and remove what is left of it (nothing, once moved in)."""
        self.lock.release()
        shutil.rmtree(self.folder, ignore_errors=True)


def settle_out_dir(out_dir: Path) -> None:
    """What interrupted publishes left in out_dir: the files of a run that committed are
    moved in (its journal says so), any other run's staging folder is removed. A folder a
    live run is writing (its lock held) is left to it. O102 when the move fails."""
    if not Path(out_dir).is_dir():
        return
    for folder in sorted(Path(out_dir).absolute().glob(f"{STAGING}*")):
        lock = MonthLock.try_take(folder, LOCK) if folder.is_dir() else None
        if lock is None:
            continue
        try:
            committed = _committed_files(folder)
            if committed is not None:
                committed.apply()
        except (OSError, InputError) as error:
            raise _unfinished(folder, error) from None
        finally:
            lock.release()
        shutil.rmtree(folder, ignore_errors=True)


def _committed_files(folder: Path) -> FileMove | None:
    """The files in a staging folder, if the journal it names committed them."""
    try:
        named = (folder / POINTER).read_text("utf-8").strip()
    except FileNotFoundError:  # killed before it was written: nothing can have committed
        return None
    found = journal.read(Path(named))
    if found is None or found[0] != journal.COMMITTED:
        return None
    files = found[1].files
    return files if files is not None and files.staged == folder else None


def _stage(outputs: Outputs, out_dir: Path, pending: PendingRecord | None) -> _Staged:
    """The payroll files written into their staging folder, joined to the ledger's record
    first (so that a run killed while writing them leaves a journal that removes both)."""
    staged = None
    try:
        journal_of_month = None if pending is None else pending.journal.path
        staged = _Staged.make(out_dir, outputs, journal_of_month)
        if pending is not None:
            pending.begin(staged.move)
        outputs.write(staged.folder)
    except BaseException as error:
        if pending is not None:
            pending.discard()
        if staged is not None:
            staged.close()
        if isinstance(error, OSError):
            raise unwritable(out_dir, error, "O101") from None
        raise
    return staged


def _commit_files(staged: _Staged) -> None:
    """Without a ledger: the files' own journal is the commit, then they are moved in."""
    own = journal.Journal(staged.own_journal, files=staged.move)
    try:
        own.write(journal.COMMITTED)
    except OSError as error:
        staged.close()
        raise unwritable(staged.move.into, error, "O101") from None
    try:
        own.finish()
    except OSError as error:
        raise _unfinished(staged.folder, error) from None


def _unfinished(folder: Path, error: OSError | InputError) -> InputError:
    """Files committed that could not all be moved into the out folder."""
    if isinstance(error, InputError):
        return error
    reason = error.strerror or str(error)
    message = (
        f"the payroll files were written, but moving them into {folder.parent} failed: "
        f"{reason}. Fix that, then run again: the next run into the folder finishes the "
        f"move (they wait in {folder.name})"
    )
    where = error.filename2 or error.filename or folder  # where it was going
    return InputError.single(str(where), message, code="O103")


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


def _commit(pending: PendingRecord) -> Recorded:
    try:
        return pending.commit()
    except OSError as error:  # L103 and L108 come as InputError already
        raise unwritable(pending.folder, error, "L103") from None
