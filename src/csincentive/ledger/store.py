"""The ledger: every month that was run, as it was paid.

Layout (``<root>`` is ``./ledger/`` unless told otherwise; see ledger.layout)::

    <root>/<scheme id>[/<shop>]/2026-10/payroll.parquet   one row per person, as paid
                   lines.parquet     person × component, amount as shown, explanation
                   metrics.parquet   the figures pay was computed from
                   values.parquet    every figure of the month (what later months read)
                   orders.parquet    every order with its outcome and agent
                   manifest.json     BLAKE3 of the rules and every input, version, options,
                                     computed_at, sealed / sealed_at, people, gross,
                                     totals (every total by id), warnings (each as a
                                     dict: file, line, col, code, path, severity, message),
                                     reopened
                   history/20261102T101530123456Z/   a replaced run (same files)
    <root>/<scheme id>[/<shop>]/.lock-2026-10        the month's lock (ledger.lock)
    <root>/<scheme id>[/<shop>]/.publish-2026-10.json   while a run publishes the month:
                                     its journal (ledger.journal)

Parquet keeps the Decimal dtypes (precision and scale) exactly, so a month read back equals
the month computed, fen for fen.

A ``Ledger`` is a ledger folder; ``ledger.for_scheme(id, shop)`` is that folder as one
scheme sees it: its own months only. That is what a month's history functions and
clawbacks read (month.compute binds it), and a month is recorded under its record's
scheme. Read by period on the folder itself (``Ledger(root).manifest("2026-10")``, as
``close`` and ``reopen`` do), a month is found in the one scheme that has it; when several
do, L104 names them and asks which.

Rerunning an open month makes the new run current and moves the previous one into
``history/``, named by its ``computed_at``. ``close`` seals a month: a later ``record``
is refused (L101), forced or not. ``reopen`` opens a sealed month again for a correction,
with a reason: the sealed run is kept in ``history/`` and the manifest notes under
``reopened`` the reason, when, and which run was sealed; later runs are recorded as of an
open month, each still noting the reopening, until someone closes it again.

Every write of a month (record from ``prepare`` to ``commit`` or ``discard``, ``close``,
``reopen``) holds the month's lock, so two runs of one month never interleave (one is
refused, L107), and begins by settling what an interrupted write left — finishing a run
that committed, removing one that did not (ledger.journal) — and by moving the month out
of the earlier layout (ledger.layout.migrate). A run is committed by one rename of its
journal, and its payroll files (month.publish) commit with it.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import polars as pl

from csincentive.core.diagnostics import InputError
from csincentive.ledger import layout
from csincentive.ledger.disk import (
    STAGING,
    day,
    digest_file,
    keep_run,
    leftovers,
    new_folder,
    read_manifest,
    write_json,
)
from csincentive.ledger.disk import now as _now
from csincentive.ledger.layout import HISTORY, MANIFEST, SchemeKey
from csincentive.ledger.lock import MonthLock
from csincentive.ledger.record import (
    TABLES,
    MonthRecord,
    PendingRecord,
    Recordable,
    Recorded,
    sealed_run,
    settle_month,
    writable,
    write_tables_and_hash_inputs,
)

# What the ledger's callers import from here: the records are kept in ledger.record.
__all__ = ["TABLES", "Ledger", "MonthRecord", "PendingRecord", "Recordable", "Recorded"]

HASH_THREADS = 2  # the machines we run on have two cores or more
_HASHING = ThreadPoolExecutor(max_workers=HASH_THREADS, thread_name_prefix="csincentive-hash")
_WRITING = ThreadPoolExecutor(max_workers=1, thread_name_prefix="csincentive-ledger")
# A file up to this size is hashed at once: in less time than a thread takes to start.
HASH_AT_ONCE = 1 << 22


def _hashing(path: Path) -> Future[str]:
    """The file's digest, started on a hashing thread — or, for a small file, done now."""
    try:
        small = Path(path).stat().st_size <= HASH_AT_ONCE
    except OSError:  # digest_file says what is wrong with it, when it is asked for
        small = False
    if not small:
        return _HASHING.submit(digest_file, path)
    done: Future[str] = Future()
    try:
        done.set_result(digest_file(path))
    except Exception as error:  # raised where the digest is taken, as from a thread
        done.set_exception(error)
    return done


class Ledger:
    """A ledger folder; ``for_scheme`` gives one scheme's view of it."""

    def __init__(self, root: Path) -> None:
        # Nothing is created here: a ledger that is only read (or a run with --no-ledger)
        # leaves no folder behind.
        self.root = Path(root)
        self.scheme: SchemeKey | None = None
        self._digests: dict[Path, Future[str]] = {}
        self._recover()

    def for_scheme(self, scheme_id: str | None, shop: str | None = None) -> Ledger:
        """The ledger as one scheme (and shop) sees it: only its months are read, and
        written. Inputs hashed early (hash_early) are shared with this ledger."""
        view = copy.copy(self)
        view.scheme = SchemeKey.of(scheme_id, shop)
        return view

    def holding(self, period: str, scheme_id: str | None = None, shop: str | None = None) -> Ledger:
        """The view of the one scheme that has ``period`` (among those of ``scheme_id`` and
        ``shop`` when given): L100 when none has it, L104 naming them when several do."""
        if self.scheme is not None and scheme_id is None and shop is None:
            return self
        found = [
            key
            for key, months in layout.schemes(self.root).items()
            if period in months
            and scheme_id in (None, key.id)
            and (shop is None or key.shop == shop)
        ]
        if not found:
            raise self._not_recorded(period, scheme_id and str(SchemeKey.of(scheme_id, shop)))
        if len(found) > 1:
            raise self._ambiguous(period, found)
        return self.for_scheme(found[0].id, found[0].shop)

    @property
    def folder(self) -> Path:
        """Where this scheme's months are kept (the root, for the folder as a whole)."""
        return self.root if self.scheme is None else self.scheme.folder(self.root)

    def hash_early(self, files: Iterable[Path]) -> None:
        """Start hashing input files in the background, for the month about to be recorded.

        The pipeline calls this once it has read the exports: what is left of a run
        (attribution, reports, the payroll workbook) leaves a core free often enough for
        gigabytes of exports to be hashed by the time ``record`` needs their digests."""
        for path in files:  # a run's own hashes replace any left by a run never recorded
            self._digests[path] = _hashing(path)

    def _digest(self, path: Path) -> Future[str]:
        """The digest started early for this run, taken (a later run hashes its own
        inputs again, whatever became of the files), or started now."""
        early = self._digests.pop(path, None)
        return early if early is not None else _hashing(path)

    # Reading -----------------------------------------------------------------------------

    def schemes(self) -> dict[SchemeKey, list[str]]:
        """Every scheme with a month here, and its months, oldest first."""
        return layout.schemes(self.root)

    def months(self) -> list[str]:
        """Recorded periods, "YYYY-MM", oldest first (of every scheme, for the folder as a
        whole)."""
        if self.scheme is None:
            return sorted({m for months in self.schemes().values() for m in months})
        legacy = [m for m in layout.months_in(self.root) if self._legacy(m)]
        return sorted(set(layout.months_in(self.folder)) | set(legacy))

    def has(self, period: str) -> bool:
        if self.scheme is None:
            return period in self.months()
        return self._where(period) is not None

    def month_folder(self, period: str) -> Path:
        """Where the month's files are; L100 when it is not recorded (L104 when several
        schemes have it, for the folder as a whole)."""
        book = self.holding(period)
        where = book._where(period)
        if where is None:
            raise book._not_recorded(period, str(book.scheme))
        return where

    def manifest(self, period: str) -> dict[str, Any]:
        return read_manifest(self.month_folder(period))

    def is_sealed(self, period: str) -> bool:
        return self.has(period) and bool(self.manifest(period).get("sealed"))

    def values(self, period: str) -> pl.DataFrame:
        return self._table(period, "values")

    def lines(self, period: str) -> pl.DataFrame:
        return self._table(period, "lines")

    def payroll(self, period: str) -> pl.DataFrame:
        return self._table(period, "payroll")

    def metrics(self, period: str) -> pl.DataFrame:
        return self._table(period, "metrics")

    def orders(self, period: str) -> pl.DataFrame:
        return self._table(period, "orders")

    def history(self, period: str) -> list[Path]:
        """The replaced runs of a month (and the sealed runs reopen kept), oldest first."""
        if not self.has(period):
            return []
        folder = self.month_folder(period) / HISTORY
        if not folder.is_dir():
            return []
        return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))

    def sealed_lines(self, period: str) -> pl.DataFrame | None:
        """The lines of the sealed run a reopened month was reopened from (None when the
        month is not a reopened one): what a correction is compared with."""
        run = sealed_run(self.month_folder(period), self.manifest(period))
        return None if run is None else pl.read_parquet(run / "lines.parquet")

    # Writing -----------------------------------------------------------------------------

    def sealed_error(self, period: str) -> InputError:
        """The refusal for recording over a sealed month (forced or not)."""
        book = self.holding(period)
        manifest = book.manifest(period)
        message = (
            f"{period} is sealed ({book.scheme}, closed on {day(manifest.get('sealed_at'))}, "
            f"gross {manifest.get('gross')}); a sealed month is not replaced, with or "
            f"without --force. To correct it, reopen it first — {book._reopen_hint(period)} "
            "(the sealed run is kept in its history/) — then run it again"
        )
        return InputError.single(book.month_folder(period) / MANIFEST, message, code="L101")

    def record(
        self,
        result: Recordable,
        *,
        force: bool = False,
        options: dict[str, Any] | None = None,
    ) -> Recorded:
        """Record a month's result as its current run, under the result's scheme.

        An open month's previous run moves to history. A sealed month raises InputError
        L101, whatever ``force`` says (reopen it first); ``force`` is noted in the
        manifest's options."""
        return self.prepare(result, force=force, options=options).commit()

    def prepare(
        self,
        month: Recordable,
        *,
        force: bool = False,
        options: dict[str, Any] | None = None,
    ) -> PendingRecord:
        """Start recording a month: take its lock (L107 if another run holds it), then
        write its tables into a staging folder on a background thread while the caller
        writes its own files. Nothing is in the ledger until ``commit``; ``discard`` drops
        it; either lets go of the lock. Raises InputError L101 right away for a sealed
        month."""
        result = month.for_ledger()
        period = result.period
        book = self.for_scheme(result.scheme_id, result.shop)
        lock = book._lock(period)
        try:
            previous = book.manifest(period) if book.has(period) else None
            if previous and previous.get("sealed"):
                raise book.sealed_error(period)
            with writable(book.folder):
                staging = new_folder(book.folder, f"{STAGING}{period}-")
        except BaseException:
            lock.release()
            raise
        job = _WRITING.submit(write_tables_and_hash_inputs, result, staging, book._digest)
        options = options or {}
        return PendingRecord(book.folder, result, force, options, previous, staging, job, lock)

    def close(self, period: str) -> dict[str, Any]:
        """Seal a recorded month; its manifest now. L100 if it is not recorded, L102 if it
        is sealed already."""
        book = self.holding(period)
        with book._locked(period):
            manifest = book.manifest(period)
            if manifest.get("sealed"):
                message = (
                    f"{period} was already sealed on {day(manifest.get('sealed_at'))}; "
                    f"nothing to do (to change it, reopen it: {book._reopen_hint(period)}, "
                    "run it again, then close it again)"
                )
                raise InputError.single(book._manifest_path(period), message, code="L102")
            manifest["sealed"] = True
            manifest["sealed_at"] = _now()
            with writable(book.folder):
                write_json(book._manifest_path(period), manifest)
        return manifest

    def reopen(self, period: str, reason: str) -> dict[str, Any]:
        """Open a sealed month again for a correction; its manifest now. The sealed run
        is kept in history/ and ``reopened`` records the reason, the time and that run.
        L106 without a reason, L100 if the month is not recorded, L105 if it is open."""
        if not reason.strip():
            message = f'say why {period} is reopened: --reason "…" (it is kept in the manifest)'
            raise InputError.single(self.root, message, code="L106")
        book = self.holding(period)
        with book._locked(period):
            folder = book.month_folder(period)
            manifest = read_manifest(folder)
            if not manifest.get("sealed"):
                raise book._not_sealed(period, manifest)
            with writable(book.folder):
                entry = keep_run(folder, folder / HISTORY, manifest)
                manifest = {
                    **manifest,
                    "sealed": False,
                    "sealed_at": None,
                    "reopened": {
                        "reason": reason.strip(),
                        "at": _now(),
                        "sealed_at": manifest.get("sealed_at"),
                        "computed_at": manifest.get("computed_at"),
                        "history": f"{HISTORY}/{entry}",
                    },
                }
                write_json(folder / MANIFEST, manifest)
        return manifest

    # Internals ---------------------------------------------------------------------------

    def _where(self, period: str) -> Path | None:
        """Where this scheme's month is: its folder, or the earlier layout's, or None."""
        own = self.folder / period
        if (own / MANIFEST).is_file():
            return own
        return self.root / period if self._legacy(period) else None

    def _legacy(self, period: str) -> bool:
        """The month is kept in the earlier layout, and is this scheme's."""
        return self.scheme is not None and layout.legacy_scheme(self.root, period) == self.scheme

    def _manifest_path(self, period: str) -> Path:
        return self.month_folder(period) / MANIFEST

    def _table(self, period: str, name: str) -> pl.DataFrame:
        return pl.read_parquet(self.month_folder(period) / f"{name}.parquet")

    def _lock(self, period: str) -> MonthLock:
        """The month's lock (this scheme's), with the month recovered and migrated."""
        key = self.scheme or SchemeKey.of(None)  # a view: for_scheme or holding made it
        with writable(self.folder):
            lock = MonthLock.take(self.folder, period, f"{period} of {key}")
        try:
            with writable(self.folder):
                settle_month(self.folder, period)
                layout.migrate(self.root, key, period)
        except BaseException:
            lock.release()
            raise
        return lock

    @contextmanager
    def _locked(self, period: str) -> Iterator[None]:
        lock = self._lock(period)
        try:
            yield
        finally:
            lock.release()

    def _recover(self) -> None:
        """Finish or undo the writes a crash interrupted, each under its month's lock (a
        month another run is writing now is left to it). A ledger that cannot be written
        here is only read: the next run that writes the month says why (L103, L108)."""
        for folder in layout.month_folders(self.root):
            for period in sorted(leftovers(folder)):
                lock = MonthLock.try_take(folder, period)
                if lock is None:
                    continue
                try:
                    settle_month(folder, period)
                except (OSError, InputError):
                    pass
                finally:
                    lock.release()

    def _reopen_hint(self, period: str) -> str:
        command = f'csincentive reopen {period} --reason "…"'
        if self.scheme is None or len(self._holders(period)) < 2:
            return command
        shop = f" --shop {self.scheme.shop}" if self.scheme.shop else ""
        return f"{command} --scheme {self.scheme.id}{shop}"

    def _holders(self, period: str) -> list[SchemeKey]:
        return [key for key, months in self.schemes().items() if period in months]

    def _not_recorded(self, period: str, scheme: str | None) -> InputError:
        recorded = self.months()
        known = f"it has {', '.join(recorded)}" if recorded else "it has no months yet"
        where = f"{self.root}/" + (f" for {scheme}" if scheme else "")
        message = (
            f"{period} is not in the ledger {where} ({known}); run the month first, "
            "or pass --ledger with the folder that recorded it"
        )
        return InputError.single(self.root, message, code="L100")

    def _ambiguous(self, period: str, found: list[SchemeKey]) -> InputError:
        which = "--scheme ID" + (" and --shop SHOP" if any(k.shop for k in found) else "")
        message = (
            f"{period} is in the ledger {self.root}/ for {len(found)} schemes: "
            f"{', '.join(str(k) for k in found)}; say which with {which}"
        )
        return InputError.single(self.root, message, code="L104")

    def _not_sealed(self, period: str, manifest: dict[str, Any]) -> InputError:
        message = (
            f"{period} is open ({self.scheme}, run {manifest.get('computed_at')}); there is "
            "nothing to reopen: run it again to replace it (--force only if its payroll "
            "files are in the way)"
        )
        return InputError.single(self.month_folder(period) / MANIFEST, message, code="L105")
