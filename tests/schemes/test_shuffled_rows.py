"""The order of rows in an export never changes a payroll (issue 11, Tests): the data rows of
every CSV of a month (roster, chats, orders, and attendance, events and inputs where the
month has them) shuffled, the header kept first, give byte-identical output files.

Each month is computed once as shipped; every shuffle is then compared file by file with
that run, and a difference names the file and the columns that differ."""

from __future__ import annotations

import random
import shutil
import tempfile
from pathlib import Path

import polars as pl
import pytest
from helpers import ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from csincentive.ledger.store import Ledger
from csincentive.month.compute import compute_month
from csincentive.reports.files import payroll_files

MONTHS = [
    # (the month, its rules, how many shuffles): the hand-worked test month, the shipped
    # Taobao month (GBK, CRLF, quoted cells, 1,500 orders), a month with attendance and
    # manual inputs, and one with events (warnings, a ladder that counts them).
    (ROOT / "tests" / "months" / "2026-10", ROOT / "rules" / "taobao-presales.toml", 10),
    (ROOT / "examples" / "2026-10", ROOT / "rules" / "taobao-presales.toml", 4),
    (
        ROOT / "examples" / "callcenter-points" / "2026-10",
        ROOT / "rules" / "callcenter-points.toml",
        4,
    ),
    (ROOT / "examples" / "warning-ladder" / "2026-10", ROOT / "rules" / "warning-ladder.toml", 4),
]


def outputs(month: Path, rules: Path, where: Path) -> dict[str, bytes]:
    """Every file a run of the month writes, by name (an empty ledger: its first month)."""
    result = compute_month(month, rules, ledger=Ledger(where / "ledger"))
    files = payroll_files(result)
    (where / "out").mkdir()
    files.write(where / "out")
    return {name: (where / "out" / name).read_bytes() for name in files.names}


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


def differences(name: str, expected: bytes, got: bytes) -> str:
    """Which columns of a CSV differ (or that the workbook does): the report a real order
    dependence deserves."""
    if not name.endswith(".csv"):
        return f"{name} differs"
    want, have = (pl.read_csv(data, infer_schema=False) for data in (expected, got))
    if want.columns != have.columns or want.height != have.height:
        return (
            f"{name}: columns {want.columns} → {have.columns}, rows {want.height} → {have.height}"
        )
    columns = [c for c in want.columns if not want[c].equals(have[c])]
    return f"{name}: columns {columns} differ (the rows are in another order, or the values are)"


@pytest.mark.parametrize(
    "month,rules,shuffles",
    MONTHS,
    ids=["test-month", "taobao-presales", "callcenter-points", "warning-ladder"],
)
def test_shuffled_rows_give_byte_identical_outputs(month: Path, rules: Path, shuffles: int):
    with tempfile.TemporaryDirectory() as base:
        expected = outputs(month, rules, Path(base))

    @settings(
        max_examples=shuffles,
        deadline=None,
        derandomize=True,  # the same shuffles every run: a failure is one to reproduce
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(seed=st.integers(min_value=0, max_value=2**32 - 1))
    def shuffle_and_run(seed: int) -> None:
        with tempfile.TemporaryDirectory() as scratch:
            copy = Path(scratch) / month.name
            shutil.copytree(month, copy)
            for n, path in enumerate(sorted(copy.glob("*.csv"))):
                path.write_bytes(shuffled(path.read_bytes(), seed + n))
            got = outputs(copy, rules, Path(scratch))
        differ = [differences(n, expected[n], got[n]) for n in expected if got[n] != expected[n]]
        assert differ == [], f"shuffle {seed}: " + "; ".join(differ)

    shuffle_and_run()


def test_a_shuffle_moves_rows_and_keeps_the_header():
    # A shuffle that did not shuffle would make the test above pass for nothing.
    text = b"id,x\r\n1,a\r\n2,b\r\n3,c\r\n4,d"
    moved = shuffled(text, 7)
    assert moved.startswith(b"id,x\r\n") and moved != text + b"\r\n"
    assert sorted(moved.split(b"\r\n")[1:-1]) == [b"1,a", b"2,b", b"3,c", b"4,d"]
