"""Whether an export was cut short: a download that did not finish ends in the middle of a
row, and the cells missing from that last row would be read as blank — a session as not
rated, an order as not refunded — without a word.

Polars fills the missing cells of a short row as it fills empty ones, so a short row
cannot be told from its blanks while reading. The cut that matters leaves its mark at
the end of the file: a last row with fewer cells than the header and no line break after
it. Only the file's last 64 KiB is read. (A short row that ends with a line break is
left alone: Excel writes some rows without their trailing empty cells.)"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from csincentive.core.diagnostics import Diagnostic

TAIL_BYTES = 64 * 1024


def cut_short(path: Path, header: Sequence[str], display: str) -> Diagnostic | None:
    """D111 when the CSV at ``path`` (UTF-8, \\n line ends: what ensure_utf8 gives) ends
    in a row shorter than its header with no line break after it."""
    if path.suffix == ".parquet":
        return None  # a Parquet file cut short cannot be opened at all (D102)
    try:
        with path.open("rb") as handle:
            size = handle.seek(0, 2)
            handle.seek(max(0, size - TAIL_BYTES))
            tail = handle.read()
    except OSError:
        return None  # the read that follows reports it
    if not tail or tail.endswith((b"\n", b"\r")):
        return None
    if b"\n" not in tail and len(tail) == size:
        return None  # the header line alone
    last = tail.rsplit(b"\n", 1)[-1]
    if last.count(b'"') % 2:  # inside a quoted value: a line break in it, or never closed
        return None
    cells = next(csv.reader([last.decode("utf-8", errors="replace")]), [])
    if len(cells) >= len(header):
        return None
    missing = header[len(cells)]
    message = (
        f"the last row has {len(cells)} of the header's {len(header)} cells and the file "
        "does not end with a line break: the export looks cut short (a download that did "
        f"not finish), and the cells from {missing} on would be read as blank — download "
        "the export again"
    )
    line = _line_count(path)
    return Diagnostic(display, message, code="D111", line=line, col=len(cells) + 1, path=missing)


def _line_count(path: Path) -> int | None:
    """The number of the file's last line (only counted when the file was cut): read in
    chunks, so a multi-gigabyte export is counted at disk speed in little memory."""
    lines = 1
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 24):
                lines += chunk.count(b"\n")
    except OSError:
        return None
    return lines
