"""A big message export is made into sessions buyer by buyer (sources/message_parts.py):
the same month as from the whole file at once, in bounded memory.

Parts are forced here by making a part a few hundred bytes of export, so a small month is
read in several parts; the split itself is watched (the part files it found) so a test
cannot pass by reading the file in one go."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest

import csincentive.sources.message_parts as message_parts
from csincentive.core.diagnostics import InputError
from csincentive.month.compute import compute_month
from csincentive.month.metrics import added_sums
from csincentive.reports.files import payroll_files
from csincentive.sources.message_parts import ChatSessions, part_count

ROOT = Path(__file__).resolve().parents[2]
QIANNIU = ROOT / "examples" / "qianniu" / "2026-10"
RULES = ROOT / "rules" / "taobao-presales.toml"


@pytest.fixture
def parts_seen(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Parts of 400 bytes of export; each read's number of part files, as found."""
    seen: list[int] = []
    found = message_parts._parts_in

    def watched(folder: Path) -> list[Path]:
        paths = found(folder)
        seen.append(len(paths))
        return paths

    monkeypatch.setattr(message_parts, "WHOLE_BYTES", 400)
    monkeypatch.setattr(message_parts, "PART_BYTES", 400)
    monkeypatch.setattr(message_parts, "_parts_in", watched)
    return seen


def written(folder: Path, out: Path) -> dict[str, bytes]:
    """The month's payroll files, byte for byte."""
    result = compute_month(folder, RULES)
    out.mkdir()
    payroll_files(result).write(out)
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.is_file()}


def test_an_export_is_split_only_above_the_whole_size() -> None:
    """Up to WHOLE_BYTES (1 GiB) in one go; above, parts of PART_BYTES (256 MiB), rounded
    up: 1 GiB + 1 byte → 5 parts, 10 GB (a month of 1e8 lines) → 38."""
    whole = message_parts.WHOLE_BYTES
    sizes = (0, 1, whole, whole + 1, 10 * 10**9)
    assert [part_count(n) for n in sizes] == [1, 1, 1, 5, 38]


def test_a_month_read_in_parts_writes_the_same_files(
    tmp_path: Path, parts_seen: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """examples/qianniu/2026-10 (千牛's per-message export, 2,327 bytes: 6 parts of 400
    bytes, an agent found within each buyer's chat): every file the month writes is the
    same byte for byte as when the export is read in one go."""
    folder = tmp_path / "2026-10"
    shutil.copytree(QIANNIU, folder)
    in_parts = written(folder, tmp_path / "parts")
    assert len(parts_seen) == 1 and parts_seen[0] > 1  # really split, in several files
    monkeypatch.setattr(message_parts, "WHOLE_BYTES", 1 << 40)
    whole = written(folder, tmp_path / "whole")
    assert len(parts_seen) == 1  # the second month was read in one go
    assert in_parts.keys() == whole.keys() and "payroll.csv" in whole
    assert in_parts == whole


def test_the_parts_folder_is_removed(tmp_path: Path, parts_seen: list[int]) -> None:
    folder = tmp_path / "2026-10"
    shutil.copytree(QIANNIU, folder)
    work = tmp_path / "work"
    sessions = _sessions_of(folder / "chats.csv", work)
    (chats,), _ = sessions.collect(lambda s: [s.select("agent", "buyer", "start_time")])
    assert parts_seen[0] > 1 and chats.height > 0
    assert [p.name for p in work.iterdir() if p.name.startswith("parts-")] == []


def test_a_bad_line_read_in_parts_is_located(tmp_path: Path, parts_seen: list[int]) -> None:
    """The row checks' flag goes into the parts with the lines: line 5's time is not a
    date, the month stops there with that line, as from the whole file."""
    folder = tmp_path / "2026-10"
    shutil.copytree(QIANNIU, folder)
    lines = (folder / "chats.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    time = lines[4].split(",")[2]
    lines[4] = lines[4].replace(time, time[:-1] + "x", 1)
    (folder / "chats.csv").write_text("".join(lines), encoding="utf-8")
    with pytest.raises(InputError) as info:
        compute_month(folder, RULES)
    assert parts_seen[0] > 1
    [diagnostic] = info.value.diagnostics
    assert (diagnostic.code, diagnostic.line) == ("D300", 5)


def test_an_export_without_lines_in_parts_has_no_sessions(tmp_path: Path) -> None:
    """No part file at all (nothing to split): the derived frames are empty, with their
    columns, rather than missing."""
    lines = pl.LazyFrame({"buyer": [], "line": []}, schema={"buyer": pl.String, "line": pl.Int64})
    sessions = ChatSessions(lines, parts=3, work_dir=tmp_path)
    (frame,), (other,) = sessions.collect(lambda s: [s.select("line")], [pl.LazyFrame({"x": [1]})])
    assert (frame.height, frame.columns, other["x"].to_list()) == (0, ["line"], [1])


def test_added_sums_add_the_parts_exactly() -> None:
    """Worked by hand: account a in month 0 has 2 sessions (first line 7) in one part and 3
    (first line 4, one flagged row) in another → 5 sessions, 900 + 1,250 = 2,150 ms of
    first responses, first line 4, flagged; account b (one part) is as it was."""
    sums = pl.DataFrame(
        {
            "agent": ["a", "b", "a"],
            "relative_month": [0, 0, 0],
            "sessions": [2, 1, 3],
            "first_response_ms": [900, 40, 1250],
            "first_line": [7, 2, 4],
            "row_problem": [False, False, True],
        }
    )
    got = added_sums(sums, account="agent").sort("agent")
    assert got.columns == sums.columns
    assert got.rows() == [("a", 0, 5, 2150, 4, True), ("b", 0, 1, 40, 2, False)]


def _sessions_of(chats: Path, work: Path) -> ChatSessions:
    from csincentive.sources.chats import load_chat_sessions

    sessions, chat_format, _ = load_chat_sessions(chats, work_dir=work)
    assert chat_format == "message" and sessions.parts > 1
    return sessions
