"""Text encodings of the CSV files people actually download.

Taobao/Tmall seller-backend exports are GBK (we decode as GB18030, its superset), other tools
write UTF-8 with or without a BOM. ``pl.scan_csv`` reads only UTF-8, so anything else is
transcoded once, in constant memory, into a UTF-8 copy inside the caller's work dir and the
copy is scanned lazily. Line endings are copied unchanged so physical line numbers agree
between the original and the copy — except a file whose lines end in a bare CR (classic
Mac, some old tools), which the CSV reader would see as one line: its copy ends each line
in LF instead, one for one, so line numbers still agree.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import os
import tempfile
from pathlib import Path
from typing import Literal

from csincentive.core.diagnostics import Diagnostic, InputError

Encoding = Literal["utf-8", "gb18030"]

SNIFF_BYTES = 1 << 20  # 1 MB from the start (and from the end) decides the encoding
CHUNK_BYTES = 1 << 20  # transcoding buffer: memory use is constant whatever the file size


def detect_encoding_of_bytes(sample: bytes, *, complete: bool = False) -> Encoding:
    """Encoding of a byte sample: BOM → utf-8; valid UTF-8 → utf-8; anything else → gb18030.

    ``complete`` says the sample is the whole file. When it is not, the sample may end in the
    middle of a multibyte character; an incremental decoder keeps such a tail pending instead
    of failing, so a cut at the sniff boundary does not turn a UTF-8 file into "GBK".
    """
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(sample, final=complete)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


def _skip_continuation_bytes(sample: bytes) -> bytes:
    """A tail sample may start inside a UTF-8 character: drop up to 3 continuation bytes."""
    start = 0
    while start < min(3, len(sample)) and 0x80 <= sample[start] <= 0xBF:
        start += 1
    return sample[start:]


def detect_encoding(path: Path, *, sniff_bytes: int = SNIFF_BYTES) -> Encoding:
    """Encoding of a file from its first ``sniff_bytes`` and, for big files, its last ones.

    The tail is checked too because a chat export with an ASCII header and ASCII first rows
    can still carry GBK nicknames further down; checking costs one extra 1 MB read.
    """
    size = path.stat().st_size
    with path.open("rb") as handle:
        head = handle.read(sniff_bytes)
        if size <= sniff_bytes:
            return detect_encoding_of_bytes(head, complete=True)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8"  # a BOM is an explicit statement
        if detect_encoding_of_bytes(head) == "gb18030":
            return "gb18030"
        handle.seek(max(size - sniff_bytes, sniff_bytes))
        tail = _skip_continuation_bytes(handle.read(sniff_bytes))
    return detect_encoding_of_bytes(tail, complete=True)


def cr_only(path: Path, *, sniff_bytes: int = SNIFF_BYTES) -> bool:
    """Lines end in a bare CR: the file's start holds a CR and no LF at all."""
    with path.open("rb") as handle:
        head = handle.read(sniff_bytes)
    return b"\r" in head and b"\n" not in head


def _cache_name(path: Path, lf: bool = False) -> str:
    """Name of the UTF-8 copy: changes when the source changes, so a stale copy is never used."""
    stat = path.stat()
    key = f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{lf}".encode()
    return f"{path.stem}-{hashlib.sha1(key).hexdigest()[:12]}.utf8{path.suffix}"


def transcode_to_utf8(
    path: Path,
    work_dir: Path,
    *,
    encoding: str = "gb18030",
    display: str | None = None,
    lf: bool = False,
) -> Path:
    """Stream ``path`` from ``encoding`` into a UTF-8 file in ``work_dir`` and return it;
    with ``lf``, each CR becomes an LF (a file whose lines end in a bare CR, see cr_only).

    Written to a temp name and renamed, so a crash never leaves a half copy that a later run
    would reuse. Undecodable bytes raise an InputError pointing at the physical line.
    """
    work_dir.mkdir(parents=True, exist_ok=True)
    target = work_dir / _cache_name(path, lf)
    if target.exists():
        return target
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    fd, tmp_name = tempfile.mkstemp(dir=work_dir, prefix=f".{path.stem}-", suffix=".part")
    newlines_before = 0
    try:
        with path.open("rb") as src, os.fdopen(fd, "w", encoding="utf-8", newline="") as dst:
            while chunk := src.read(CHUNK_BYTES):
                if lf:
                    chunk = chunk.replace(b"\r", b"\n")  # CR is one byte in both encodings
                try:
                    dst.write(decoder.decode(chunk))
                except UnicodeDecodeError as exc:
                    line = newlines_before + chunk.count(b"\n", 0, max(exc.start, 0)) + 1
                    raise _decode_error(display or str(path), encoding, line) from None
                newlines_before += chunk.count(b"\n")
            try:
                dst.write(decoder.decode(b"", final=True))
            except UnicodeDecodeError:
                raise _decode_error(display or str(path), encoding, newlines_before + 1) from None
        os.replace(tmp_name, target)
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
    return target


def _decode_error(display: str, encoding: str, line: int) -> InputError:
    return InputError(
        [
            Diagnostic(
                file=display,
                line=line,
                code="D107",
                message=f"bytes that are neither UTF-8 nor {encoding.upper()} — re-export the "
                "file, or open it in Excel and save it as 'CSV UTF-8'",
            )
        ]
    )


def head_text(path: Path, size: int = SNIFF_BYTES) -> io.StringIO:
    """The first ``size`` bytes of a text file, decoded in its own encoding, its line ends
    read as LF and a BOM dropped: enough to look at a header and the rows near it without
    transcoding the whole file (a gigabyte GBK export takes seconds). A character cut at
    the end is left out; bytes that decode as nothing show as U+FFFD."""
    encoding = detect_encoding(path)
    with path.open("rb") as handle:
        raw = handle.read(size)
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    text = decoder.decode(raw, final=len(raw) < size)
    return io.StringIO(text.removeprefix("\ufeff"), newline=None)


def ensure_utf8(path: Path, work_dir: Path, *, display: str | None = None) -> Path:
    """The file to scan: ``path`` itself when it is UTF-8 with LF or CRLF line ends (or
    Parquet), else its UTF-8 copy with LF line ends."""
    if path.suffix == ".parquet":
        return path
    encoding = detect_encoding(path)
    lf = cr_only(path)
    if encoding == "utf-8" and not lf:
        return path
    return transcode_to_utf8(path, work_dir, encoding=encoding, display=display, lf=lf)
