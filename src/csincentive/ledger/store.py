"""The ledger: every month that was run, as it was paid.

Layout (``<root>`` is ``./ledger/`` unless told otherwise)::

    <root>/2026-10/payroll.parquet   one row per person, as paid
                   lines.parquet     person × component, amount as shown, explanation
                   metrics.parquet   the figures pay was computed from
                   values.parquet    every figure of the month (what later months read)
                   orders.parquet    every order with its outcome and agent
                   manifest.json     BLAKE3 of the rules and every input, version, options,
                                     computed_at, sealed / sealed_at, people, gross,
                                     totals (every total by id), warnings (each as a
                                     dict: file, line, col, code, path, severity, message)
                   history/20261102T101530123456Z/   a replaced run (same files)

Parquet keeps the Decimal dtypes (precision and scale) exactly, so a month read back equals
the month computed, fen for fen.

Rerunning an open month makes the new run current and moves the previous one into
``history/``, named by its ``computed_at``. ``close`` seals a month: a later ``record``
refuses unless forced. A forced run over a sealed month becomes the current run, the sealed
run is kept in ``history/`` (its manifest still says sealed), and the month is **open
again**: a correction is not final until someone closes it again. The manifest notes it
under ``reopened`` (when the sealed run was sealed and where it is kept).

A month is written whole or not at all: the new run is written into a staging folder
beside the month (with the month's history hard-linked into it), then the old month folder
is renamed aside and the staging folder renamed into its place. A crash between those two
renames leaves the old month aside under ``.replaced-<period>-…``; the next ``Ledger`` opened
on that folder moves it back. Files are never changed in place (a new file replaces an old
one), so hard links between a month and its history are safe.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

import polars as pl

from csincentive.core.money import PAY
from blake3 import blake3

from csincentive import __version__
from csincentive.core.diagnostics import InputError

TABLES = ("payroll", "lines", "metrics", "values", "orders")
MANIFEST = "manifest.json"
HISTORY = "history"
PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
REPLACED = ".replaced-"
STAGING = ".staging-"
HASH_THREADS = 2  # the machines we run on have two cores or more
_HASHING = ThreadPoolExecutor(max_workers=HASH_THREADS, thread_name_prefix="csincentive-hash")
_WRITING = ThreadPoolExecutor(max_workers=1, thread_name_prefix="csincentive-ledger")
CHUNK = 1 << 22  # bytes read at a time when hashing a file


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
    # The month's warnings as plain dicts (Diagnostic.as_dict): kept with the run.
    warnings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def gross(self) -> Decimal:
        """The first total: what the month's pay lines add up to."""
        return next(iter(self.totals.values()), Decimal(0))


class Recordable(Protocol):
    """A computed month the ledger can record (month.MonthResult)."""

    def for_ledger(self) -> MonthRecord: ...


@dataclass(frozen=True)
class Recorded:
    """What ``Ledger.record`` did."""

    period: str
    folder: Path  # <root>/<period>
    manifest: dict[str, Any]
    replaced: Path | None  # the history folder now holding the run this one replaced
    reopened: bool  # a sealed month was replaced (forced); it is open again


@dataclass
class PendingRecord:
    """A month being recorded (Ledger.prepare): commit it or discard it."""

    ledger: Ledger
    result: MonthRecord
    force: bool
    options: dict[str, Any]
    previous: dict[str, Any] | None
    staging: Path
    job: Future[tuple[dict[str, str], dict[str, Any]]]

    def commit(self) -> Recorded:
        """Wait for the tables, write the manifest, keep the replaced run in history and
        swap the staging folder in as the month."""
        result, previous = self.result, self.previous
        folder = self.ledger.root / result.period
        sealed = bool(previous and previous.get("sealed"))
        try:
            tables, inputs = self.job.result()
            manifest = _manifest(result, inputs, force=self.force, options=self.options)
            replaced = None
            if previous is not None:
                replaced = _keep_history(folder, self.staging, previous)
                manifest["replaces"] = f"{HISTORY}/{replaced}"
                if sealed:
                    manifest["reopened"] = {
                        "sealed_at": previous.get("sealed_at"),
                        "history": f"{HISTORY}/{replaced}",
                    }
                elif "reopened" in previous:  # still a correction of a sealed month
                    manifest["reopened"] = previous["reopened"]
            manifest["files"] = tables
            _write_json(self.staging / MANIFEST, manifest)
            _swap(self.staging, folder)
        finally:
            shutil.rmtree(self.staging, ignore_errors=True)
        return Recorded(
            period=result.period,
            folder=folder,
            manifest=manifest,
            replaced=folder / HISTORY / replaced if replaced else None,
            reopened=sealed,
        )

    def discard(self) -> None:
        """Drop the month: the ledger stays as it was (whatever the writing came to)."""
        wait([self.job])
        shutil.rmtree(self.staging, ignore_errors=True)


class Ledger:
    def __init__(self, root: Path) -> None:
        # Nothing is created here: a ledger that is only read (or a run with --no-ledger)
        # leaves no folder behind.
        self.root = Path(root)
        self._digests: dict[Path, Future[str]] = {}
        self._recover()

    def hash_early(self, files: Iterable[Path]) -> None:
        """Start hashing input files in the background, for the month about to be recorded.

        The pipeline calls this once it has read the exports: what is left of a run
        (attribution, reports, the payroll workbook) leaves a core free often enough for
        gigabytes of exports to be hashed by the time ``record`` needs their digests."""
        for path in files:  # a run's own hashes replace any left by a run never recorded
            self._digests[path] = _HASHING.submit(digest_file, path)

    def _digest(self, path: Path) -> Future[str]:
        """The digest started early for this run, taken (a later run hashes its own
        inputs again, whatever became of the files), or started now."""
        early = self._digests.pop(path, None)
        return early if early is not None else _HASHING.submit(digest_file, path)

    # Reading -----------------------------------------------------------------------------

    def months(self) -> list[str]:
        """Recorded periods, "YYYY-MM", oldest first."""
        if not self.root.is_dir():
            return []
        return sorted(
            p.name for p in self.root.iterdir() if PERIOD.match(p.name) and self.has(p.name)
        )

    def has(self, period: str) -> bool:
        return (self.root / period / MANIFEST).is_file()

    def manifest(self, period: str) -> dict[str, Any]:
        self._require(period)
        data: dict[str, Any] = json.loads((self.root / period / MANIFEST).read_text("utf-8"))
        return data

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
        """The replaced runs of a month, oldest first."""
        folder = self.root / period / HISTORY
        return sorted(p for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []

    # Writing -----------------------------------------------------------------------------

    def sealed_error(self, period: str) -> InputError:
        """The refusal for recording over a sealed month without force."""
        manifest = self.manifest(period)
        message = (
            f"{period} is sealed (closed on {_day(manifest.get('sealed_at'))}, gross "
            f"{manifest.get('gross')}); rerun with --force to record a new run (the sealed one "
            f"is kept in {self.root / period / HISTORY}/ and the month is open again until "
            "you close it)"
        )
        return InputError.single(self.root / period / MANIFEST, message, code="L101")

    def record(
        self,
        result: Recordable,
        *,
        force: bool = False,
        options: dict[str, Any] | None = None,
    ) -> Recorded:
        """Record a month's result as its current run.

        An open month's previous run moves to history. A sealed month raises InputError
        unless ``force``; forced, the sealed run moves to history and the month is open
        again (manifest ``reopened``)."""
        return self.prepare(result, force=force, options=options).commit()

    def prepare(
        self,
        month: Recordable,
        *,
        force: bool = False,
        options: dict[str, Any] | None = None,
    ) -> PendingRecord:
        """Start recording a month: its tables are written into a staging folder on a
        background thread, while the caller writes its own files. Nothing is in the
        ledger until ``commit``; ``discard`` drops it. Raises InputError right away for a
        sealed month without ``force``."""
        result = month.for_ledger()
        period = result.period
        previous = self.manifest(period) if self.has(period) else None
        if previous and previous.get("sealed") and not force:
            raise self.sealed_error(period)
        self.root.mkdir(parents=True, exist_ok=True)
        staging = _new_folder(self.root, f"{STAGING}{period}-")
        job = _WRITING.submit(_write_tables_and_hash_inputs, result, staging, self._digest)
        return PendingRecord(self, result, force, options or {}, previous, staging, job)

    def close(self, period: str) -> None:
        """Seal a recorded month. InputError if it is not recorded or already sealed."""
        self._require(period)
        manifest = self.manifest(period)
        if manifest.get("sealed"):
            message = (
                f"{period} was already sealed on {_day(manifest.get('sealed_at'))}; nothing "
                "to do (to change it, rerun the month with --force, then close it again)"
            )
            raise InputError.single(self.root / period / MANIFEST, message, code="L102")
        manifest["sealed"] = True
        manifest["sealed_at"] = _now()
        _write_json(self.root / period / MANIFEST, manifest)

    # Internals ---------------------------------------------------------------------------

    def _require(self, period: str) -> None:
        if not self.has(period):
            recorded = self.months()
            known = f"it has {', '.join(recorded)}" if recorded else "it has no months yet"
            message = (
                f"{period} is not in the ledger {self.root}/ ({known}); run the month first, "
                "or pass --ledger with the folder that recorded it"
            )
            raise InputError.single(self.root, message, code="L100")

    def _table(self, period: str, name: str) -> pl.DataFrame:
        self._require(period)
        return pl.read_parquet(self.root / period / f"{name}.parquet")

    def _recover(self) -> None:
        """Finish a replacement a crash interrupted between its two renames."""
        if not self.root.is_dir():
            return
        for aside in sorted(self.root.glob(f"{REPLACED}*")):
            month = self.root / aside.name[len(REPLACED) :][:7]
            if not month.exists() and (aside / "month").is_dir():
                os.rename(aside / "month", month)  # the new run never arrived: keep the old
            shutil.rmtree(aside, ignore_errors=True)


def diff_lines(old: pl.DataFrame, new: pl.DataFrame) -> pl.DataFrame:
    """Per person and component, the lines whose amount differs between two runs.

    Columns: agent_id, name, component, label, old, new (the amounts as shown in
    lines.csv, strings: "10.51", "44.4%"; null where the line is absent), delta (new − old
    as Decimal(38, 2) for pay lines, an absent line counting as 0; null for intermediate
    values, which have no common unit). Sorted by agent_id, then the rules' order."""
    keys = ["agent_id", "component"]

    def side(frame: pl.DataFrame, suffix: str) -> pl.DataFrame:
        return frame.select(
            *keys,
            pl.col("name").alias(f"name{suffix}"),
            pl.col("label").alias(f"label{suffix}"),
            pl.col("pays").alias(f"pays{suffix}"),
            pl.col("amount").alias(suffix.strip("_")),
            # the rules' order within each person, for sorting
            pl.int_range(pl.len()).over("agent_id").alias(f"pos{suffix}"),
        )

    joined = side(old, "_old").join(side(new, "_new"), on=keys, how="full", coalesce=True)
    pays = pl.coalesce("pays_new", "pays_old")
    fen = {c: pl.col(c).cast(PAY, strict=False).fill_null(Decimal(0)) for c in ("old", "new")}
    return (
        joined.filter(pl.col("old").ne_missing(pl.col("new")))
        .with_columns(
            pl.coalesce("name_new", "name_old").alias("name"),
            pl.coalesce("label_new", "label_old").alias("label"),
            pl.when(pays).then((fen["new"] - fen["old"]).cast(PAY)).alias("delta"),
            pl.coalesce("pos_new", "pos_old").alias("_pos"),
        )
        .sort("agent_id", "_pos", "component")
        .select("agent_id", "name", "component", "label", "old", "new", "delta")
    )


def _manifest(
    result: MonthRecord, inputs: dict[str, Any], *, force: bool, options: dict[str, Any]
) -> dict[str, Any]:
    rules_file, *includes = result.rules_files
    return {
        "period": result.period,
        "scheme": {"id": result.scheme_id, "name": result.title},
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


def digest_file(path: str | Path) -> str:
    """The file's BLAKE3 (hex): a cryptographic hash like SHA-256 at over twice its speed
    — a contact centre's month is gigabytes of exports. Check one with `b3sum FILE`."""
    digest = blake3()
    # Read in chunks (a memory map would count the whole file in the process's memory).
    chunk = bytearray(CHUNK)
    view = memoryview(chunk)
    with open(path, "rb") as handle:
        while size := handle.readinto(chunk):
            digest.update(view[:size])
    return digest.hexdigest()


def _write_tables_and_hash_inputs(
    result: MonthRecord, folder: Path, digest: Callable[[Path], Future[str]]
) -> tuple[dict[str, str], dict[str, Any]]:
    """The tables written into folder (file → BLAKE3), and each input's path and BLAKE3.

    The inputs (gigabytes for a contact centre) are hashed on other threads — started
    early if the pipeline said so (Ledger.hash_early) — while Polars writes the tables:
    BLAKE3 and Polars both work outside the GIL."""
    jobs = {name: (path, digest(path)) for name, path in sorted(result.input_files.items())}
    tables = _write_tables(result, folder)
    inputs = {
        name: {"path": str(path), "blake3": job.result()} for name, (path, job) in jobs.items()
    }
    return tables, inputs


def _write_tables(result: MonthRecord, folder: Path) -> dict[str, str]:
    hashes = {}
    for name in TABLES:
        path = folder / f"{name}.parquet"
        # lz4: a third less time than the default zstd for the orders of a big month, and
        # reads back twice as fast; the files are about half again as large. No min/max
        # statistics: the ledger reads whole tables, and they cost a sixth of the time.
        result.tables[name].write_parquet(path, compression="lz4", statistics=False)
        hashes[path.name] = digest_file(path)
    return hashes


def _keep_history(folder: Path, staging: Path, previous: dict[str, Any]) -> str:
    """Link the month's history and its current run (as a new history entry) into the
    staging folder; returns the new entry's name."""
    history = staging / HISTORY
    if (folder / HISTORY).is_dir():
        shutil.copytree(folder / HISTORY, history, copy_function=_link)
    history.mkdir(exist_ok=True)
    name = _compact(str(previous.get("computed_at", "unknown")))
    entry, n = history / name, 1
    while entry.exists():  # two runs in the same microsecond
        entry, n = history / f"{name}-{n}", n + 1
    entry.mkdir()
    for path in sorted(folder.iterdir()):
        if path.is_file():
            _link(path, entry / path.name)
    return entry.name


def _link(source: str | Path, target: str | Path) -> None:
    try:
        os.link(source, target)
    except OSError:  # a filesystem without hard links
        shutil.copy2(source, target)


def _swap(staging: Path, folder: Path) -> None:
    if not folder.exists():
        os.rename(staging, folder)
        return
    aside = _new_folder(folder.parent, f"{REPLACED}{folder.name}-")
    os.rename(folder, aside / "month")
    os.rename(staging, folder)
    shutil.rmtree(aside, ignore_errors=True)


def _new_folder(parent: Path, prefix: str) -> Path:
    """A fresh folder; unlike tempfile.mkdtemp (0700) it gets the umask's permissions,
    since it becomes the month folder others read."""
    folder = parent / f"{prefix}{uuid.uuid4().hex[:12]}"
    folder.mkdir()
    return folder


def _write_json(path: Path, data: dict[str, Any]) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    text = json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n"
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _compact(stamp: str) -> str:
    """ "2026-11-02T10:15:30.123456Z" → "20261102T101530123456Z"."""
    return re.sub(r"[-:.]", "", stamp)


def _day(stamp: object) -> str:
    return str(stamp)[:10] if stamp else "an unknown date"
