"""Parsed exports are kept between runs, and read again when a file or a setting changes."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from helpers import MONTH_RULES

import csincentive.month.figures as figures
from csincentive.month.compute import compute_month

ROOT = Path(__file__).resolve().parents[2]
MONTH = ROOT / "tests" / "months" / "2026-10"
RULES = MONTH_RULES  # the shipped scheme, 云杉:临时工 ignored


@pytest.fixture
def month(tmp_path: Path) -> Path:
    copy = tmp_path / "2026-10"
    shutil.copytree(MONTH, copy)
    return copy


def count_reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    reads: list[int] = []
    original = figures.read_exports

    def counting(inputs):  # type: ignore[no-untyped-def]
        reads.append(1)
        return original(inputs)

    monkeypatch.setattr(figures, "read_exports", counting)
    return reads


def test_a_repeat_run_reads_the_exports_once(month: Path, monkeypatch: pytest.MonkeyPatch):
    reads = count_reads(monkeypatch)
    first = compute_month(month, RULES)
    second = compute_month(month, RULES)
    assert len(reads) == 1
    assert second.payroll.equals(first.payroll)
    assert second.lines.equals(first.lines)


def test_a_changed_file_is_read_again(month: Path, monkeypatch: pytest.MonkeyPatch):
    reads = count_reads(monkeypatch)
    first = compute_month(month, RULES)
    orders = month / "orders.csv"
    # o03 200.50 → 300.50: A1's commission 10.51 → 11.51 (net 1150.50 × 1% = 11.505 → 11.51).
    orders.write_text(orders.read_text(encoding="utf-8").replace("200.50", "300.50"), "utf-8")
    second = compute_month(month, RULES)
    assert len(reads) == 2
    commission = dict(zip(second.payroll["agent_id"], second.payroll["commission"], strict=True))
    assert str(commission["A1"]) == "11.51"
    assert not second.payroll.equals(first.payroll)


def test_the_cache_can_be_turned_off(month: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("CSINCENTIVE_CACHE", "off")
    reads = count_reads(monkeypatch)
    compute_month(month, RULES)
    compute_month(month, RULES)
    assert len(reads) == 2
    assert not any(p.name == ".parsed-cache" for p in Path(os.getcwd()).iterdir())


def test_an_entry_missing_a_column_is_read_again(month: Path, monkeypatch: pytest.MonkeyPatch):
    # An entry written by another build (here: without buyer hashes) is not trusted.
    import polars as pl

    from csincentive.sources import cache

    reads = count_reads(monkeypatch)
    compute_month(month, RULES)
    for saving in list(cache._PENDING.values()):  # the entry is written on the cache's thread
        saving.result()
    [entry] = [
        p for p in (Path(os.getcwd()) / ".parsed-cache").iterdir() if not p.name.startswith(".")
    ]
    chats = pl.read_parquet(entry / "chats.parquet").drop("buyer_key")
    chats.write_parquet(entry / "chats.parquet")
    compute_month(month, RULES)
    assert len(reads) == 2


def test_an_entry_is_written_beside_the_run_and_waited_for(
    month: Path, monkeypatch: pytest.MonkeyPatch
):
    # A first run hands its entry to the cache's own thread; a repeat run in the same
    # process waits for that entry rather than reading the exports again.
    import threading

    from csincentive.sources import cache

    writers: list[str] = []
    original = cache.ParsedCache.save

    def recording(self, *frames):  # type: ignore[no-untyped-def]
        writers.append(threading.current_thread().name)
        threading.Event().wait(0.2)  # a slow disk: the second run must still find the entry
        original(self, *frames)

    monkeypatch.setattr(cache.ParsedCache, "save", recording)
    reads = count_reads(monkeypatch)
    compute_month(month, RULES)
    compute_month(month, RULES)
    assert len(reads) == 1
    assert [name.startswith("csincentive-cache") for name in writers] == [True]


def test_an_unwritable_cache_is_skipped(month: Path, monkeypatch: pytest.MonkeyPatch):
    blocker = Path(os.getcwd()) / "not-a-folder"
    blocker.write_text("a file where the cache folder would be", encoding="utf-8")
    monkeypatch.setenv("CSINCENTIVE_CACHE", str(blocker))
    reads = count_reads(monkeypatch)
    first = compute_month(month, RULES)
    second = compute_month(month, RULES)
    assert len(reads) == 2  # nothing was kept, and nothing failed
    assert second.payroll.equals(first.payroll)


def test_another_month_of_the_same_files_is_read_again(
    month: Path, monkeypatch: pytest.MonkeyPatch
):
    # The kept chat sums are split at the paid month's bounds: paying November from the
    # same exports must not reuse October's entry (nor clobber it).
    reads = count_reads(monkeypatch)
    october = compute_month(month, RULES)
    november = compute_month(month, RULES, month=(2026, 11))
    again = compute_month(month, RULES)
    assert len(reads) == 2
    assert november.period == "2026-11" and again.payroll.equals(october.payroll)
    assert november.metrics["sessions"].sum() == 0  # the test month's chats are October's


@pytest.mark.parametrize(
    ("value", "expected"),
    [("off", None), ("0", None), ("FALSE", None), ("no", None), ("on", "home"), ("1", "home")]
    + [("true", "home"), ("", "home"), ("/srv/cache", "/srv/cache")],
)
def test_the_cache_variable_is_a_folder_or_on_or_off(
    value: str, expected: str | None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """CSINCENTIVE_CACHE=on (or 1, true) is the usual folder, not a folder named "on"; off
    (or 0, no, false) is no cache; anything else is the folder itself."""
    from csincentive.sources.cache import cache_root

    monkeypatch.setenv("CSINCENTIVE_CACHE", value)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    want = tmp_path / "csincentive" if expected == "home" else expected
    assert cache_root() == (Path(want) if want is not None else None)
