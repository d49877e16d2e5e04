"""A chat export's sessions, made in one go or, for a big message export, buyer by buyer.

Making sessions from message lines sorts them (by agent-and-buyer pair, time, line), and a
sort holds what it sorts: a month of 5e7 lines needed 4.7 GiB. But nothing crosses buyers
— a session is one (agent, buyer) pair's lines, and in 千牛's export a line's agent is found
within the buyer's own chat — so each buyer's lines can be made into sessions apart from
every other buyer's. A big export is therefore read once, streaming, into parts by a hash
of the buyer (files in the month's work folder), and each part is made into sessions, and
into what the month keeps of them, on its own: the peak is one part's lines and sessions,
whatever the month's size. What the month keeps (the chats attribution needs, the sums
per account) is the same as from the whole file at once: chats are rows whose order no
reader depends on, and the sums are integers, added up over the parts exactly.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

# An export up to WHOLE_BYTES is made into sessions in one go (1e7 lines, about 1 GB, peak
# near 1.2 GB for the whole month); splitting costs a write and a read of the lines (about a
# quarter more CPU at that size), which only pays where one go would not fit. Above, parts of
# PART_BYTES of export: a part's lines take about three times their CSV size while sorted,
# so a part stays well under 1 GiB, and a month of 1e8 lines (about 10 GB) is 38 parts.
WHOLE_BYTES = 1024 * 1024 * 1024
PART_BYTES = 256 * 1024 * 1024
PART = "__part"
HASH_SEED = 20261001  # fixed, so a part holds the same buyers on every run

MakeSessions = Callable[[pl.LazyFrame], pl.LazyFrame]
Derive = Callable[[pl.LazyFrame], Sequence[pl.LazyFrame]]


def part_count(export_bytes: int) -> int:
    """How many parts an export of ``export_bytes`` is read in (1: in one go)."""
    if export_bytes <= WHOLE_BYTES:
        return 1
    return max(2, -(-export_bytes // PART_BYTES))


def _as_is(frame: pl.LazyFrame) -> pl.LazyFrame:
    return frame


@dataclass(frozen=True)
class ChatSessions:
    """The sessions of a chat export: ``make(lines)``, in ``parts`` (see the module).

    A session-level export is its own sessions (``make`` leaves the lines as they are, one
    part)."""

    lines: pl.LazyFrame
    make: MakeSessions = _as_is
    parts: int = 1
    work_dir: Path | None = None

    def whole(self) -> pl.LazyFrame:
        """Every session as one lazy frame (made in one go, whatever ``parts`` says)."""
        return self.make(self.lines)

    def collect(
        self, derive: Derive, alongside: Sequence[pl.LazyFrame] = ()
    ) -> tuple[list[pl.DataFrame], list[pl.DataFrame]]:
        """``derive(sessions)``'s frames, each stacked over the parts, and the
        ``alongside`` frames, collected with the first read of the export.

        In one part, everything is one ``collect_all``; in several, the split runs with
        ``alongside``, then each part's derived frames are collected on their own."""
        if self.parts <= 1 or self.work_dir is None:
            frames = pl.collect_all([*derive(self.whole()), *alongside])
            cut = len(frames) - len(alongside)
            return frames[:cut], frames[cut:]
        self.work_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="parts-", dir=self.work_dir) as folder:
            done = pl.collect_all([self._split(Path(folder)), *alongside])
            paths: list[Path | None] = [*_parts_in(Path(folder))] or [None]
            per_part = [pl.collect_all(derive(self._part(path))) for path in paths]
        stacked = [pl.concat(frames, how="vertical") for frames in zip(*per_part, strict=True)]
        return stacked, done[1:]

    def _split(self, folder: Path) -> pl.LazyFrame:
        """The streaming read of the export into ``folder``, a file per part of the buyers
        (uncompressed: each part is written and read back once, and decompressing cost more
        CPU than the disk saved — about 0.4 s per 1e7 lines; the parts take about 45 bytes a
        line in the work folder while the month runs)."""
        part = (pl.col("buyer").hash(HASH_SEED) % self.parts).cast(pl.UInt32).alias(PART)
        sink = self.lines.with_columns(part).sink_ipc(
            pl.PartitionBy(folder, key=PART, include_key=False),
            compression="uncompressed",
            mkdir=True,
            lazy=True,
        )
        assert sink is not None  # lazy=True
        return sink

    def _part(self, path: Path | None) -> pl.LazyFrame:
        """One part's sessions (none at all: an export with no lines, made like one),
        collected first: the derived frames would each make them again from the part's
        file (a part's plan is not shared between them as the whole file's is)."""
        lines = pl.scan_ipc(path) if path is not None else self.lines.limit(0)
        return self.make(lines).collect().lazy()


def _parts_in(folder: Path) -> list[Path]:
    """The part files in a fixed order (each part's path carries its number)."""
    return sorted((p for p in folder.rglob("*") if p.is_file()), key=str)
