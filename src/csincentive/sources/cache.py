"""Parsed exports kept between runs.

Reading and validating a month's CSV exports is most of a run's time. After a month has
been read once, its parsed and validated frames are kept as Parquet in a cache folder, so
the next `run`, `rank`, `explain` or `compare` of the same files starts from them. An entry
is found by the files' paths, sizes and modification times, the reading settings of the
rules ([inputs]), the month paid and the csincentive version: change any of them and the
exports are read again. The cache is `$CSINCENTIVE_CACHE` (or `~/.cache/csincentive`);
`CSINCENTIVE_CACHE=off` (or 0, no, false) turns it off, and on (1, yes, true) means the
usual folder, never a folder named "on". A cache that cannot be written is skipped, never
an error.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from csincentive import __version__

CACHE_ENV = "CSINCENTIVE_CACHE"
KEEP = 8  # entries kept; the least recently used beyond this are removed
TABLES = ("chats", "sums", "orders")  # see month.figures.ParsedExports
# Entries are written on a thread of their own while the month is computed (the process
# waits for it before it exits): a first run should not wait for its cache. A load of an
# entry still being written waits for it (_PENDING), so a repeat run in the same process
# finds it.
_SAVING = ThreadPoolExecutor(max_workers=1, thread_name_prefix="csincentive-cache")
_PENDING: dict[Path, Future[None]] = {}


OFF = ("off", "0", "no", "false")
ON = ("on", "1", "yes", "true")  # the usual folder, as when the variable is not set


def cache_root() -> Path | None:
    value = os.environ.get(CACHE_ENV, "")
    if value.strip().lower() in OFF:
        return None
    if value and value.strip().lower() not in ON:
        return Path(value)
    try:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    except RuntimeError:  # no home folder to find: run without a cache
        return None
    return Path(base) / "csincentive"


@dataclass(frozen=True)
class ParsedCache:
    folder: Path

    def load(self, required: dict[str, list[str]]) -> tuple[pl.DataFrame, ...] | None:
        """The kept frames, or None when there are none — or when they lack a column this
        version needs (an entry written by another build of csincentive)."""
        pending = _PENDING.pop(self.folder, None)
        if pending is not None:
            pending.result()
        try:
            frames = [pl.read_parquet(self.folder / f"{name}.parquet") for name in TABLES]
            os.utime(self.folder)  # recently used
        except (OSError, pl.exceptions.PolarsError):
            return None
        for name, frame in zip(TABLES, frames, strict=True):
            if not set(required.get(name, [])) <= set(frame.columns):
                return None
        return tuple(frames)

    def save(self, *frames: pl.DataFrame) -> None:
        """Keep frames, one per name in TABLES. The entry appears whole or not at all."""
        root = self.folder.parent
        try:
            root.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=root))
            for name, frame in zip(TABLES, frames, strict=True):
                path = staging / f"{name}.parquet"
                frame.write_parquet(path, compression="lz4", statistics=False)
            os.replace(staging, self.folder)
        except (OSError, pl.exceptions.PolarsError):
            shutil.rmtree(locals().get("staging", root / ".none"), ignore_errors=True)
            return
        _prune(root)

    def save_in_background(self, *frames: pl.DataFrame) -> Future[None]:
        """``save`` on the cache's own thread; the frames are only read."""
        _PENDING[self.folder] = _SAVING.submit(self.save, *frames)
        return _PENDING[self.folder]


def parsed_cache(files: dict[str, Path], settings: str) -> ParsedCache | None:
    """The cache entry for these input files read with these settings (None: no cache)."""
    root = cache_root()
    if root is None:
        return None
    try:
        stamp = [
            (name, str(path.resolve()), path.stat().st_size, path.stat().st_mtime_ns)
            for name, path in sorted(files.items())
        ]
    except OSError:
        return None
    key = json.dumps([__version__, settings, stamp], ensure_ascii=False)
    return ParsedCache(root / hashlib.sha256(key.encode()).hexdigest()[:32])


def _prune(root: Path) -> None:
    entries = sorted(
        (p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for stale in entries[KEEP:]:
        shutil.rmtree(stale, ignore_errors=True)
