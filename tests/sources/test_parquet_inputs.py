"""Chats and orders may come as Parquet (chats.parquet, orders.parquet) instead of CSV: the
same parsing, the same checks, the same pay."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest
from helpers import MONTH_RULES

from csincentive.core.diagnostics import InputError
from csincentive.month.compute import compute_month

ROOT = Path(__file__).resolve().parents[2]
MONTH = ROOT / "tests" / "months" / "2026-10"
RULES = MONTH_RULES  # the shipped scheme, 云杉:临时工 ignored


def as_parquet(tmp_path: Path) -> Path:
    """The golden month with chats and orders as typed Parquet files."""
    folder = tmp_path / "2026-10"
    folder.mkdir()
    shutil.copy(MONTH / "agents.csv", folder / "agents.csv")
    chats = pl.read_csv(MONTH / "chats.csv", infer_schema=False).with_columns(
        pl.col("start_time").str.strptime(pl.Datetime("us"), "%Y-%m-%d %H:%M:%S"),
        pl.col("first_response_s").cast(pl.Int64),
    )
    chats.write_parquet(folder / "chats.parquet")
    orders = pl.read_csv(MONTH / "orders.csv", infer_schema=False).with_columns(
        pl.col("created_at", "paid_at").str.strptime(pl.Datetime("us"), "%Y-%m-%d %H:%M:%S"),
        pl.col("paid_amount", "refund_amount").cast(pl.Decimal(38, 2)),
    )
    orders.write_parquet(folder / "orders.parquet")
    return folder


def test_parquet_exports_pay_the_same(tmp_path: Path):
    from_csv = compute_month(MONTH, RULES)
    from_parquet = compute_month(as_parquet(tmp_path), RULES)
    assert from_parquet.payroll.equals(from_csv.payroll)
    assert from_parquet.lines.equals(from_csv.lines)
    assert from_parquet.input_files["chats"].name == "chats.parquet"


def test_a_bad_row_in_parquet_names_the_row(tmp_path: Path):
    folder = as_parquet(tmp_path)
    orders = pl.read_parquet(folder / "orders.parquet")
    # Row 2 (line 3, as in the CSV it came from) loses its buyer.
    orders = orders.with_columns(
        pl.when(pl.int_range(pl.len()) == 1).then(None).otherwise(pl.col("buyer")).alias("buyer")
    )
    orders.write_parquet(folder / "orders.parquet")
    with pytest.raises(InputError) as caught:
        compute_month(folder, RULES)
    [problem] = caught.value.diagnostics
    assert problem.file.endswith("orders.parquet") and problem.line == 3
    assert problem.path == "buyer"
