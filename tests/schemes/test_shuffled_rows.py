"""The order of rows in an export never changes a payroll (issue 11, Tests): the data rows of
every CSV of a month (roster, chats, orders, and attendance, events and inputs where the
month has them) shuffled, the header kept first, give byte-identical output files — also
when two agents' chats with a buyer start in the same second — and the same tables for the
ledger (where a row came from aside: a shuffle moves it).

Each month is computed once as shipped; every shuffle is then compared file by file with
that run, and a difference names the file and the columns that differ."""

from __future__ import annotations

import random
import shutil
import tempfile
from pathlib import Path

import polars as pl
import pytest
from helpers import MONTH_RULES, ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from csincentive.ledger.store import Ledger
from csincentive.month.compute import compute_month
from csincentive.reports.files import payroll_files

TEST_MONTH = ROOT / "tests" / "months" / "2026-10"
PRESALES = ROOT / "rules" / "taobao-presales.toml"
# 老王 (A4) chats with b2 in the very second 小美 (A1) does: a tie the attribution breaks by
# agent id (A1 wins), never by which row came first.
TIE = "云杉:老王,b2,2026-10-10 20:00:00,9,\n".encode()
MONTHS = {
    # id: (the month, its rules, rows added to its chats.csv, how many shuffles): the
    # hand-worked test month, the same with a tie, the shipped Taobao month (GBK, CRLF,
    # quoted cells, 1,500 orders), a month with attendance and manual inputs, and one with
    # events (warnings, a ladder that counts them).
    "test-month": (TEST_MONTH, MONTH_RULES, b"", 4),
    "tied-chats": (TEST_MONTH, MONTH_RULES, TIE, 4),
    "taobao-presales": (ROOT / "examples" / "2026-10", PRESALES, b"", 4),
    "callcenter-points": (
        ROOT / "examples" / "callcenter-points" / "2026-10",
        ROOT / "rules" / "callcenter-points.toml",
        b"",
        4,
    ),
    "warning-ladder": (
        ROOT / "examples" / "warning-ladder" / "2026-10",
        ROOT / "rules" / "warning-ladder.toml",
        b"",
        4,
    ),
}


def copied(month: Path, where: Path, extra: bytes) -> Path:
    """The month copied into where, with `extra` rows at the end of its chats.csv."""
    copy = where / month.name
    shutil.copytree(month, copy)
    chats = copy / "chats.csv"
    chats.write_bytes(chats.read_bytes() + extra)
    return copy


def outputs(month: Path, rules: Path, where: Path) -> dict[str, bytes | pl.DataFrame]:
    """Every file a run of the month writes, by name (an empty ledger: its first month),
    and every table the ledger would keep of it, by name."""
    result = compute_month(month, rules, ledger=Ledger(where / "ledger"))
    files = payroll_files(result)
    (where / "out").mkdir()
    files.write(where / "out")
    found: dict[str, bytes | pl.DataFrame] = {
        name: (where / "out" / name).read_bytes() for name in files.names
    }
    return found | {
        f"ledger {name}": kept(table) for name, table in result.for_ledger().tables.items()
    }


def kept(table: pl.DataFrame) -> pl.DataFrame:
    """A ledger table as the same month, however its exports were ordered: the ledger keeps
    where each row came from (``line``, a location in the export, which a shuffle moves) and
    its orders in the export's order, so those are left out of the comparison."""
    table = table.drop("line", strict=False)
    return table.sort("order_id") if "order_id" in table.columns else table


def shuffled(text: bytes, seed: int) -> bytes:
    """The data rows of a CSV in another order, the header first. Every row keeps its own
    line end, and a last row without one gets the file's, so no two rows run together."""
    lines = text.splitlines(keepends=True)
    if len(lines) < 3:
        return text
    end = b"\r\n" if lines[0].endswith(b"\r\n") else b"\n"
    header, rows = lines[0], [r if r.endswith(end) else r + end for r in lines[1:]]
    random.Random(seed).shuffle(rows)
    return header + b"".join(rows)


def same(expected: bytes | pl.DataFrame, got: bytes | pl.DataFrame) -> bool:
    if isinstance(expected, pl.DataFrame) and isinstance(got, pl.DataFrame):
        return expected.equals(got)
    return expected == got


def differences(name: str, expected: bytes | pl.DataFrame, got: bytes | pl.DataFrame) -> str:
    """Which columns of a CSV differ (or that the workbook does): the report a real order
    dependence deserves."""
    if isinstance(expected, pl.DataFrame) and isinstance(got, pl.DataFrame):
        want, have = expected, got
    elif name.endswith(".csv") and isinstance(expected, bytes) and isinstance(got, bytes):
        want, have = (pl.read_csv(data, infer_schema=False) for data in (expected, got))
    else:
        return f"{name} differs"
    if want.columns != have.columns or want.height != have.height:
        return (
            f"{name}: columns {want.columns} → {have.columns}, rows {want.height} → {have.height}"
        )
    columns = [c for c in want.columns if not want[c].equals(have[c])]
    return f"{name}: columns {columns} differ (the rows are in another order, or the values are)"


@pytest.mark.parametrize("name", MONTHS)
def test_shuffled_rows_give_byte_identical_outputs(name: str):
    month, rules, extra, shuffles = MONTHS[name]
    with tempfile.TemporaryDirectory() as base:
        expected = outputs(copied(month, Path(base), extra), rules, Path(base))

    @settings(
        max_examples=shuffles,
        deadline=None,
        derandomize=True,  # the same shuffles every run: a failure is one to reproduce
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(seed=st.integers(min_value=0, max_value=2**32 - 1))
    def shuffle_and_run(seed: int) -> None:
        with tempfile.TemporaryDirectory() as scratch:
            copy = copied(month, Path(scratch), extra)
            for n, path in enumerate(sorted(copy.glob("*.csv"))):
                path.write_bytes(shuffled(path.read_bytes(), seed + n))
            got = outputs(copy, rules, Path(scratch))
        differ = [
            differences(n, expected[n], got[n]) for n in expected if not same(expected[n], got[n])
        ]
        assert differ == [], f"shuffle {seed}: " + "; ".join(differ)

    shuffle_and_run()


def test_a_shuffle_moves_rows_and_keeps_the_header():
    # A shuffle that did not shuffle would make the test above pass for nothing.
    text = b"id,x\r\n1,a\r\n2,b\r\n3,c\r\n4,d"
    moved = shuffled(text, 7)
    assert moved.startswith(b"id,x\r\n") and moved != text + b"\r\n"
    assert sorted(moved.split(b"\r\n")[1:-1]) == [b"1,a", b"2,b", b"3,c", b"4,d"]
