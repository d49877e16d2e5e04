"""The ledger's store, measured two ways: today's lz4 Parquet file per table and month, or one
embedded DuckDB database (a table per kind, the month as a key column, one transaction per
month). Writes one month's tables (what `run` records) and reads a quarter back (what the
history functions and clawbacks read: values and orders of three months).

    python benchmarks/ledger_store.py benchmarks/data/5m [--repeat 3]

Needs duckdb and pyarrow (DuckDB reads Polars frames through Arrow): pip install pyarrow.
The month is computed once with the shipped taobao-presales rules; only the store is timed.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import polars as pl

HERE = Path(__file__).resolve().parent
QUARTER = ("2026-10", "2026-11", "2026-12")


def parquet_write(tables: dict[str, pl.DataFrame], folder: Path) -> None:
    folder.mkdir(parents=True)
    for name, frame in tables.items():  # as ledger/store.py writes them
        frame.write_parquet(folder / f"{name}.parquet", compression="lz4", statistics=False)


def duckdb_write(tables: dict[str, pl.DataFrame], database: Path, month: str) -> None:
    import duckdb

    con = duckdb.connect(str(database))
    con.execute("BEGIN")
    for name, frame in tables.items():
        keyed = frame.with_columns(pl.lit(month).alias("period"))
        texts = [c for c, t in keyed.schema.items() if isinstance(t, (pl.Enum, pl.Categorical))]
        keyed = keyed.with_columns(pl.col(texts).cast(pl.String))
        con.register("frame", keyed.to_arrow())
        known = con.execute(
            "select count(*) from information_schema.tables where table_name = ?", [name]
        ).fetchall()[0][0]
        verb = f'insert into "{name}"' if known else f'create table "{name}" as'
        con.execute(f"{verb} select * from frame")
        con.unregister("frame")
    con.execute("COMMIT")
    con.close()


def parquet_read(root: Path) -> None:
    for month in QUARTER:
        for name in ("values", "orders"):
            pl.read_parquet(root / month / f"{name}.parquet")


def duckdb_read(database: Path) -> None:
    import duckdb

    con = duckdb.connect(str(database), read_only=True)
    for month in QUARTER:
        for name in ("values", "orders"):
            query = con.sql(f"select * from \"{name}\" where period = '{month}'")
            pl.from_arrow(query.to_arrow_table())
    con.close()


def timed(run: Callable[[], None], repeat: int) -> str:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    times.sort()
    return f"min {times[0]:.2f} s, median {times[len(times) // 2]:.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("period", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    try:
        import duckdb  # noqa: F401
        import pyarrow  # noqa: F401
    except ModuleNotFoundError as missing:
        sys.exit(f"{missing.name} is needed: pip install duckdb pyarrow")
    from csincentive import compute_month
    from csincentive.core.month import Month

    warnings.simplefilter("ignore")
    rules = HERE.parent / "rules" / "taobao-presales.toml"
    tables = compute_month(args.period, rules, month=Month(2026, 10)).for_ledger().tables
    print({name: frame.shape for name, frame in tables.items()})
    work = Path(tempfile.mkdtemp(prefix="ledger-store-"))
    try:
        runs = iter(range(10_000))
        print(
            "write a month, Parquet:",
            timed(lambda: parquet_write(tables, work / f"p{next(runs)}"), args.repeat),
        )
        print(
            "write a month, DuckDB: ",
            timed(lambda: duckdb_write(tables, work / f"d{next(runs)}.db", "2026-10"), args.repeat),
        )
        for month in QUARTER:
            parquet_write(tables, work / "quarter" / month)
            duckdb_write(tables, work / "quarter.db", month)
        print(
            "read a quarter, Parquet:", timed(lambda: parquet_read(work / "quarter"), args.repeat)
        )
        print(
            "read a quarter, DuckDB: ", timed(lambda: duckdb_read(work / "quarter.db"), args.repeat)
        )
        parquet_size = sum(p.stat().st_size for p in (work / "quarter").rglob("*.parquet"))
        duckdb_size = (work / "quarter.db").stat().st_size
        print(
            f"a quarter on disk: Parquet {parquet_size / 1e6:.0f} MB,"
            f" DuckDB {duckdb_size / 1e6:.0f} MB"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
