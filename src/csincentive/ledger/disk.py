"""How the ledger puts a month on disk: hashes, Parquet tables, history entries made of hard
links, and the leftovers an interrupted write leaves.

Files are never changed in place (a new file replaces an old one), so hard links between a
month and its history are safe. A new run of a month is written into a staging folder
beside the month (``.staging-<period>-…``) and swapped in under a journal
(ledger.journal): the old month folder renamed aside (``.replaced-<period>-…``), the staging
folder renamed into its place. ``recover`` removes what a run that never committed left;
the journal (``.publish-<period>.json``) says when a run did commit, and is settled first.
Ledgers written before the journal may hold a month renamed aside whose new run never
arrived: ``recover`` moves it back."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import uuid
from pathlib import Path
from typing import Any

import polars as pl
from blake3 import blake3

from csincentive.ledger.journal import PREFIX as JOURNAL
from csincentive.ledger.layout import HISTORY, MANIFEST

REPLACED = ".replaced-"
STAGING = ".staging-"
CHUNK = 1 << 22  # bytes read at a time when hashing a file
ROW_GROUP = 512 * 512  # rows per Parquet row group (Polars' default size)


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


def write_tables(tables: dict[str, pl.DataFrame], folder: Path) -> dict[str, str]:
    """Each table as <name>.parquet in folder; file name → BLAKE3."""
    hashes = {}
    for name, table in tables.items():
        path = folder / f"{name}.parquet"
        write_table(table, path)
        hashes[path.name] = digest_file(path)
    return hashes


def write_table(table: pl.DataFrame, path: Path) -> None:
    """A table as the ledger writes it — and as an output that is the same table writes
    it, so the ledger can take that file as it is (PendingRecord.commit's ``adopted``)."""
    # lz4: a third less time than the default zstd for the orders of a big month, and
    # reads back twice as fast; the files are about half again as large. No min/max
    # statistics: the ledger reads whole tables, and they cost a sixth of the time.
    # Row groups of a fixed size: left to Polars they follow the chunks the table happens
    # to be held in, which move with the query that made it, so the same table could be
    # written as different bytes (and hash differently in the manifest).
    table.write_parquet(path, compression="lz4", statistics=False, row_group_size=ROW_GROUP)


def adopt_table(source: Path, folder: Path, name: str) -> dict[str, str]:
    """A table written by the caller (an output file holding the very table) copied into
    folder as <name>.parquet: file name → BLAKE3. A copy, not a link: the out folder's file
    may be edited or deleted, the ledger's never."""
    path = folder / f"{name}.parquet"
    shutil.copyfile(source, path)
    return {path.name: digest_file(path)}


def keep_history(folder: Path, staging: Path, previous: dict[str, Any], kept: str | None) -> str:
    """Link the month's history into the staging folder and, unless it is there already
    (``kept``: the entry reopen made of the current run), the current run as a new entry;
    returns the entry's name."""
    history = staging / HISTORY
    if (folder / HISTORY).is_dir():
        shutil.copytree(folder / HISTORY, history, copy_function=link)
    history.mkdir(exist_ok=True)
    if kept is not None and (history / kept).is_dir():
        return kept
    return keep_run(folder, history, previous)


def keep_run(folder: Path, history: Path, manifest: dict[str, Any]) -> str:
    """A new history entry holding the month folder's files (hard links), named by the
    run's computed_at; it appears whole (made under a hidden name, then renamed)."""
    history.mkdir(exist_ok=True)
    name = compact(str(manifest.get("computed_at", "unknown")))
    entry, n = history / name, 1
    while entry.exists():  # two runs in the same microsecond
        entry, n = history / f"{name}-{n}", n + 1
    making = new_folder(history, ".entry-")
    for path in sorted(folder.iterdir()):
        if path.is_file() and not path.name.startswith("."):  # not a manifest half-written
            link(path, making / path.name)
    os.rename(making, entry)
    return entry.name


def link(source: str | Path, target: str | Path) -> None:
    try:
        os.link(source, target)
    except OSError:  # a filesystem without hard links
        shutil.copy2(source, target)


def leftovers(folder: Path) -> set[str]:
    """The months with leftovers of an interrupted write in a folder."""
    if not folder.is_dir():
        return set()
    found = set()
    for path in folder.iterdir():
        for prefix in (REPLACED, STAGING, JOURNAL):
            if path.name.startswith(prefix):
                found.add(path.name[len(prefix) :][:7])
    return found


def recover(folder: Path, period: str) -> None:
    """Remove what an interrupted write of ``period`` that never committed left in
    ``folder`` (the caller holds the month's lock, so no write is under way, and has settled
    the month's journal): a half-written staging folder is removed, and a month renamed aside
    by an earlier version whose new run never arrived is moved back."""
    month = folder / period
    for aside in sorted(folder.glob(f"{REPLACED}{period}-*")):
        if not month.exists() and (aside / "month").is_dir():
            os.rename(aside / "month", month)
        shutil.rmtree(aside, ignore_errors=True)
    for staging in sorted(folder.glob(f"{STAGING}{period}-*")):
        shutil.rmtree(staging, ignore_errors=True)


def new_folder(parent: Path, prefix: str) -> Path:
    """A fresh folder; unlike tempfile.mkdtemp (0700) it gets the umask's permissions,
    since it becomes the month folder others read."""
    folder = parent / f"{prefix}{uuid.uuid4().hex[:12]}"
    folder.mkdir()
    return folder


def read_manifest(folder: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / MANIFEST).read_text("utf-8"))
    return data


def write_json(path: Path, data: dict[str, Any]) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    text = json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n"
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def compact(stamp: str) -> str:
    """ "2026-11-02T10:15:30.123456Z" → "20261102T101530123456Z"."""
    return re.sub(r"[-:.]", "", stamp)


def day(stamp: object) -> str:
    return str(stamp)[:10] if stamp else "an unknown date"
