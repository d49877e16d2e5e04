"""A month being recorded: what the ledger keeps of it (MonthRecord), the record under way
from Ledger.prepare to its commit or discard (PendingRecord), the manifest made of it, and
what a record came to (Recorded). The ledger's folder as a whole is ledger.store."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Future, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

import polars as pl

from csincentive import __version__
from csincentive.core.diagnostics import InputError
from csincentive.ledger.disk import (
    REPLACED,
    STAGING,
    adopt_table,
    digest_file,
    keep_history,
    recover,
    write_json,
    write_tables,
)
from csincentive.ledger.disk import now as _now
from csincentive.ledger.journal import (
    COMMITTED,
    STAGED,
    FileMove,
    FolderSwap,
    Journal,
    journal_path,
    settle,
)
from csincentive.ledger.layout import HISTORY, MANIFEST
from csincentive.ledger.lock import MonthLock

TABLES = ("payroll", "lines", "metrics", "values", "orders")


@dataclass(frozen=True)
class MonthRecord:
    """What the ledger keeps of a month, handed to it by whoever computed the month (the
    ledger knows frames and files, not how pay was made)."""

    period: str
    tables: dict[str, pl.DataFrame]  # every name of TABLES
    input_files: dict[str, Path]  # hashed into the manifest
    rules_files: list[Path]  # the rules file, then every file it includes
    scheme_id: str | None
    title: str
    people: int
    # Each total (gross first, then any later ones) summed over the people, in order.
    totals: dict[str, Decimal]
    shop: str | None = None  # [scheme] shop: shops sharing a ledger folder are kept apart
    # The month's warnings as plain dicts (Diagnostic.as_dict): kept with the run.
    warnings: list[dict[str, Any]] = field(default_factory=list)
    # Tables the caller writes itself as a file of the same bytes (month.publish: the
    # per-order file above a spreadsheet's rows is the ledger's orders): not written on
    # the ledger's thread, but copied from that file at the commit (PendingRecord.commit).
    adopted: frozenset[str] = frozenset()

    @property
    def gross(self) -> Decimal:
        """The first total: what the month's pay lines add up to."""
        return next(iter(self.totals.values()), Decimal(0))

    def for_ledger(self) -> MonthRecord:
        return self


class Recordable(Protocol):
    """A computed month the ledger can record (month.MonthResult, or a MonthRecord)."""

    def for_ledger(self) -> MonthRecord: ...


@dataclass(frozen=True)
class Recorded:
    """What ``Ledger.record`` did."""

    period: str
    folder: Path  # <root>/<scheme id>[/<shop>]/<period>
    manifest: dict[str, Any]
    replaced: Path | None  # the history folder now holding the run this one replaced
    # The month was reopened and is not closed again: the history folder of its sealed run.
    sealed_run: Path | None = None

    @property
    def reopened(self) -> bool:
        return self.sealed_run is not None


@dataclass
class PendingRecord:
    """A month being recorded (Ledger.prepare), its lock held: commit it or discard it.

    Files to publish with the month (month.publish's payroll files) are joined to it with
    ``begin``: then the one commit moves them and the month together (ledger.journal)."""

    folder: Path  # the scheme's folder the month is recorded in
    result: MonthRecord
    force: bool
    options: dict[str, Any]
    previous: dict[str, Any] | None
    staging: Path
    job: Future[tuple[dict[str, str], dict[str, Any]]]
    lock: MonthLock
    files: FileMove | None = None

    @property
    def journal(self) -> Journal:
        """The month's journal: these files and this month folder."""
        folder = self.folder.absolute()
        period = self.result.period
        aside = folder / f"{REPLACED}{self.staging.name.removeprefix(STAGING)}"
        swap = FolderSwap(self.staging.absolute(), folder / period, aside)
        return Journal(journal_path(folder, period), files=self.files, month=swap)

    def begin(self, files: FileMove) -> None:
        """Join staged files to the month, before they are written: a run that dies before
        the commit leaves a journal by which the next one removes them with the month."""
        self.files = files
        with writable(self.folder):
            self.journal.write(STAGED)

    def commit(self, adopted: dict[str, Path] | None = None) -> Recorded:
        """Wait for the tables, write the manifest, keep the replaced run in history, then
        commit (the journal's one rename) and move the month, and the files begun with it,
        into place; then let go of the month. L103 when the ledger cannot be written
        (nothing is recorded), L108 when the move after the commit fails (the month is
        recorded; the next run or command opening the ledger finishes the move)."""
        try:
            manifest, replaced = self._complete(adopted or {})
            journal = self.journal
            with writable(self.folder):
                journal.write(COMMITTED)  # the commit point
        except BaseException:
            self.discard()
            raise
        try:
            journal.finish()
        except OSError as error:
            raise _unfinished(journal, error) from None
        finally:
            self.lock.release()
        folder = self.folder / self.result.period
        return Recorded(
            period=self.result.period,
            folder=folder,
            manifest=manifest,
            replaced=folder / HISTORY / replaced if replaced else None,
            sealed_run=sealed_run(folder, manifest),
        )

    def discard(self) -> None:
        """Drop the month, and the files begun with it: the ledger stays as it was
        (whatever the writing came to)."""
        wait([self.job])
        try:
            self.journal.abandon()
        finally:
            self.lock.release()

    def _complete(self, adopted: dict[str, Path]) -> tuple[dict[str, Any], str | None]:
        """The staged month made whole: the manifest and the history (the replaced run's
        entry, by name) beside the tables the writing thread wrote, and the tables the
        caller wrote (``adopted``: name → its file; one not given is written here)."""
        result, previous = self.result, self.previous
        replaced = None
        with writable(self.folder):
            tables, inputs = self.job.result()
            for name in sorted(result.adopted):
                source = adopted.get(name)
                if source is not None and source.is_file():
                    tables |= adopt_table(source, self.staging, name)
                else:
                    tables |= write_tables({name: result.tables[name]}, self.staging)
            tables = {f"{name}.parquet": tables[f"{name}.parquet"] for name in TABLES}
            manifest = _manifest(result, inputs, force=self.force, options=self.options)
            if previous is not None:
                folder = self.folder / result.period
                replaced = keep_history(folder, self.staging, previous, _kept(previous))
                manifest["replaces"] = f"{HISTORY}/{replaced}"
                if "reopened" in previous:  # a correction of a sealed month, not closed yet
                    manifest["reopened"] = previous["reopened"]
            manifest["files"] = tables
            write_json(self.staging / MANIFEST, manifest)
        return manifest, replaced


@contextmanager
def writable(folder: Path) -> Iterator[None]:
    """An OSError while writing the ledger becomes L103 naming the path."""
    try:
        yield
    except OSError as error:
        reason = error.strerror or str(error)
        message = (
            f"could not write the ledger here: {reason} — free some space or fix the "
            "permissions, or pass --ledger with another folder; nothing was recorded"
        )
        raise InputError.single(str(error.filename or folder), message, code="L103") from None


def settle_month(folder: Path, period: str) -> None:
    """What an interrupted write of the month left: a committed publication is finished
    (its files and its month moved into place), anything else removed."""
    settle(journal_path(folder, period))
    recover(folder, period)


def _unfinished(journal: Journal, error: OSError) -> InputError:
    """A publication committed whose moves failed: the month is recorded, not yet in place."""
    reason = error.strerror or str(error)
    where = error.filename2 or error.filename or journal.path  # where it was going
    message = (
        f"the month was recorded, but moving it into place failed: {reason}. Fix that, "
        f"then run any csincentive command with this ledger: it finishes the move "
        f"({journal.path.name} names what is left)"
    )
    return InputError.single(str(where), message, code="L108")


def _kept(previous: dict[str, Any]) -> str | None:
    """The history entry reopen made of the current run, if the current run is the one it
    reopened (a rerun after it is not kept yet)."""
    reopened = previous.get("reopened") or {}
    if reopened.get("computed_at") != previous.get("computed_at"):
        return None
    return str(reopened.get("history", "")).removeprefix(f"{HISTORY}/") or None


def sealed_run(folder: Path, manifest: dict[str, Any]) -> Path | None:
    """The history folder of the sealed run a reopened month (not closed again) came from."""
    reopened = manifest.get("reopened")
    if not reopened or manifest.get("sealed") or not reopened.get("history"):
        return None
    return folder / str(reopened["history"])


def _manifest(
    result: MonthRecord, inputs: dict[str, Any], *, force: bool, options: dict[str, Any]
) -> dict[str, Any]:
    rules_file, *includes = result.rules_files
    return {
        "period": result.period,
        "scheme": _scheme(result),
        "rules": {
            "path": str(rules_file),
            "blake3": digest_file(rules_file),
            "includes": [{"path": str(p), "blake3": digest_file(p)} for p in includes],
        },
        "inputs": inputs,
        "csincentive_version": __version__,
        "options": {**options, "force": force},
        "computed_at": _now(),
        "sealed": False,
        "sealed_at": None,
        "people": result.people,
        # "gross" is the first total, whatever the rules call it (a sealed month's message
        # and earlier ledgers read that key); "totals" has every total by its id, in order.
        "gross": str(result.gross),
        "totals": {total: str(amount) for total, amount in result.totals.items()},
        "warnings": list(result.warnings),
    }


def _scheme(result: MonthRecord) -> dict[str, Any]:
    """Which scheme the month is of (the shop only when the rules name one)."""
    scheme: dict[str, Any] = {"id": result.scheme_id, "name": result.title}
    return {**scheme, "shop": result.shop} if result.shop else scheme


def write_tables_and_hash_inputs(
    result: MonthRecord, folder: Path, digest: Callable[[Path], Future[str]]
) -> tuple[dict[str, str], dict[str, Any]]:
    """The tables written into folder (file → BLAKE3), and each input's path and BLAKE3.

    The inputs (gigabytes for a contact centre) are hashed on other threads — started
    early if the pipeline said so (Ledger.hash_early) — while Polars writes the tables:
    BLAKE3 and Polars both work outside the GIL."""
    jobs = {name: (path, digest(path)) for name, path in sorted(result.input_files.items())}
    written = [name for name in TABLES if name not in result.adopted]
    tables = write_tables({name: result.tables[name] for name in written}, folder)
    inputs = {
        name: {"path": str(path), "blake3": job.result()} for name, (path, job) in jobs.items()
    }
    return tables, inputs
