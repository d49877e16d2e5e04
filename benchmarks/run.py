"""Benchmark driver: csincentive vs DuckDB vs pandas vs the Polars I/O floor.

    python benchmarks/run.py --size small|5m|20m|msg10|msg20|msg50|msg100
                             [--only csincentive,duckdb,pandas,floor,read]
                             [--repeat N] [--timeout S] [--keep-out]
    python benchmarks/run.py --size example [--repeat N]

Generates the data set (canonical UTF-8 orders) into benchmarks/data/<size>/ unless it is
already there (the msg* sizes: chats.csv a message log, ``--chats-format messages``, about
8.3 lines a session), then runs every contender in a fresh subprocess and prints wall time
and peak RSS (from wait4's rusage of that very child). A contender that fails is reported
and the driver carries on.

`--size example` is the small case: the bundled example month (examples/2026-10, 16 people)
end to end and `csincentive --help`, each run --repeat times (5 unless given) in turn; it
prints the median, min and max wall and the peak RSS. At this size start-up and fixed work
are what is measured.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BIN = Path(sys.executable).parent

SIZES = {  # agents, sessions, orders
    "small": (200, 100_000, 40_000),
    "5m": (2000, 5_000_000, 2_000_000),
    "20m": (2000, 20_000_000, 8_000_000),
    # message-level months (chats.csv one line per message, ~8.3 lines a session):
    "msg10": (2000, 1_250_000, 1_000_000),  # 1.04e7 lines, chats.csv 1.0 GB
    "msg20": (2000, 2_400_000, 1_000_000),  # 2.0e7 lines
    "msg50": (2000, 6_000_000, 2_400_000),  # 5.0e7 lines, 4.8 GB
    "msg100": (2000, 12_000_000, 4_800_000),  # 1.0e8 lines, 9.6 GB
}
SEED = 7
MONTH = "2026-10"
FILES = ("agents.csv", "chats.csv", "orders.csv")
CONTENDERS = ("floor", "read", "csincentive", "duckdb", "pandas")
# The chat columns a month needs, by chats.csv format (READ reads them as text).
CHAT_COLUMNS = {
    "sessions": ["客服昵称", "买家昵称", "接待时间", "首次响应时长", "评价"],
    "messages": ["发送时间", "买家", "客服", "发送方"],
}
EXAMPLE = ROOT / "examples" / MONTH  # --size example: the bundled month
EXAMPLE_RUNS = 5

FLOOR = """
import sys
import polars as pl
d = sys.argv[1]
n = [
    pl.scan_csv(f"{d}/{f}", infer_schema=False).select(pl.len()).collect().item()
    for f in ("agents.csv", "chats.csv", "orders.csv")
]
print("rows agents/chats/orders=" + "/".join(map(str, n)))
"""

# The read floor: Polars reading every column pay needs as text (Σ of their byte lengths),
# the least any CSV-based pipeline must do before parsing a date or a number. The chat
# columns are the arguments after DATA_DIR (CHAT_COLUMNS).
READ = """
import sys
import polars as pl
d = sys.argv[1]
needed = {
    "chats.csv": sys.argv[2:],
    "orders.csv": ["order_id", "buyer", "created_at", "paid_at", "paid_amount", "status",
                   "refund_amount"],
}
plans = [
    pl.scan_csv(f"{d}/{f}", infer_schema=False)
    .select(pl.sum_horizontal(pl.col(c).str.len_bytes().sum() for c in cols))
    for f, cols in needed.items()
]
print("bytes chats/orders=" + "/".join(str(df.item()) for df in pl.collect_all(plans)))
"""


def chats_format(size: str) -> str:
    return "messages" if size.startswith("msg") else "sessions"


def generator_args(size: str) -> list[str]:
    """generate.py's arguments after OUT_DIR for ``size``; joined by spaces, the stamp."""
    agents, sessions, orders = SIZES[size]
    args = [
        "--agents",
        str(agents),
        "--sessions",
        str(sessions),
        "--orders",
        str(orders),
        "--seed",
        str(SEED),
        "--month",
        MONTH,
        "--orders-format",
        "canonical",
        "--encoding",
        "utf-8",
    ]
    if chats_format(size) == "messages":  # the session sizes keep their stamps
        args += ["--chats-format", "messages"]
    return args


def link_data(size: str, source: Path) -> None:
    """Use files generated elsewhere with exactly generator_args(size): link the three into
    benchmarks/data/<size>/ (file by file, so the stamp is written here, not into source)
    and write the stamp, so ensure_data takes them as they are."""
    missing = [f for f in FILES if not (source / f).is_file()]
    if missing:
        sys.exit(f"{source} has no {', '.join(missing)}")
    out = HERE / "data" / size
    out.mkdir(parents=True, exist_ok=True)
    for f in FILES:
        (out / f).unlink(missing_ok=True)
        (out / f).symlink_to((source / f).resolve())
    stamp = " ".join(generator_args(size))
    (out / ".generated").write_text(stamp + "\n")
    print(f"linked {source} into {out} as generated with: {stamp}", flush=True)


def ensure_data(size: str) -> Path:
    out = HERE / "data" / size
    args = [str(out), *generator_args(size)]
    marker = out / ".generated"
    stamp = " ".join(args[1:])
    if (
        marker.exists()
        and marker.read_text().strip() == stamp
        and all((out / f).exists() for f in FILES)
    ):
        return out
    print(f"generating {size} data into {out} ...", flush=True)
    t = time.perf_counter()
    subprocess.run([sys.executable, str(HERE / "generate.py"), *args], check=True)
    marker.write_text(stamp + "\n")
    print(f"generated in {time.perf_counter() - t:.1f} s", flush=True)
    return out


def warm(data: Path) -> None:
    """Read the inputs once so no contender pays for a cold page cache."""
    for f in FILES:
        with open(data / f, "rb") as fh:
            while fh.read(1 << 23):
                pass


def command(name: str, data: Path, out_dir: Path, chats: str) -> list[str] | str:
    if name == "floor":
        return [sys.executable, "-c", FLOOR, str(data)]
    if name == "read":
        return [sys.executable, "-c", READ, str(data), *CHAT_COLUMNS[chats]]
    if name == "duckdb":
        return [sys.executable, str(HERE / "baseline_duckdb.py"), str(data)]
    if name == "pandas":
        return [sys.executable, str(HERE / "baseline_pandas.py"), str(data)]
    if name == "csincentive":
        exe = BIN / "csincentive"
        if not exe.exists():
            return f"no executable {exe}"
        rules = ROOT / "rules" / "taobao-presales.toml"
        return [
            str(exe),
            "run",
            str(data),
            "--rules",
            str(rules),
            "--out",
            str(out_dir),
            "--force",
            "--month",
            MONTH,
            "--ledger",  # the month is recorded, as a real run does, but not into the repo
            str(out_dir / "ledger"),
        ]
    raise ValueError(name)


def measure(cmd: list[str], timeout: float) -> dict:
    """Run cmd; wall seconds and peak RSS of that child (wait4 rusage, KiB on Linux)."""
    with tempfile.TemporaryFile() as so, tempfile.TemporaryFile() as se:
        t0 = time.perf_counter()
        # A cold run: csincentive's cache of parsed exports would make repeats faster.
        env = {**os.environ, "CSINCENTIVE_CACHE": "off"}
        p = subprocess.Popen(
            cmd, cwd=ROOT, stdout=so, stderr=se, stdin=subprocess.DEVNULL, env=env
        )
        killer = threading.Timer(timeout, p.kill)
        killer.start()
        try:
            _, status, ru = os.wait4(p.pid, 0)
        finally:
            killer.cancel()
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        so.seek(0)
        se.seek(0)
        out = so.read().decode("utf-8", "replace")
        err = se.read().decode("utf-8", "replace")
    return {
        "rc": p.returncode,
        "wall": wall,
        "rss_mb": ru.ru_maxrss / 1024,
        "stdout": out,
        "stderr": err,
        "timed_out": wall >= timeout and p.returncode != 0,
    }


def csincentive_summary(out_dir: Path) -> str | None:
    """The baselines' summary line, recomputed from csincentive's metrics.csv."""
    import csv
    from decimal import Decimal

    path = out_dir / "metrics.csv"
    if not path.exists():
        return None
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh))
        sessions = sum(int(r["sessions"]) for r in rows)
        orders = sum(int(r["orders"]) for r in rows)
        net = sum(Decimal(r["net_sales"]) for r in rows)
    except (KeyError, ValueError, ArithmeticError):
        return None
    return f"agents={len(rows)} sessions={sessions} credited_orders={orders} net_sales={net:.2f}"


def last_line(text: str) -> str:
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    return lines[-1] if lines else ""


def example(repeat: int, timeout: float) -> None:
    """The small case: the bundled month end to end and `--help`, in turn, median of runs."""
    exe = BIN / "csincentive"
    if not exe.exists():
        sys.exit(f"no executable {exe}")
    out_dir = Path(tempfile.mkdtemp(prefix="bench-example-"))
    rules = ROOT / "rules" / "taobao-presales.toml"
    commands = {
        "help": [str(exe), "--help"],
        "run": [str(exe), "run", str(EXAMPLE), "--rules", str(rules), "--out", str(out_dir)]
        + ["--force", "--ledger", str(out_dir / "ledger")],
    }
    print(
        f"size=example: {EXAMPLE.relative_to(ROOT)} end to end and --help, {repeat} runs each "
        f"in turn; {os.cpu_count()} CPUs, python {sys.version.split()[0]}",
        flush=True,
    )
    runs: dict[str, list[dict]] = {name: [] for name in commands}
    for _ in range(repeat):
        for name, cmd in commands.items():
            r = measure(cmd, timeout)
            if r["rc"] != 0:
                shutil.rmtree(out_dir, ignore_errors=True)
                sys.exit(f"{name} FAILED (exit {r['rc']}): {last_line(r['stderr'])}")
            runs[name].append(r)
    summary = csincentive_summary(out_dir) or ""
    shutil.rmtree(out_dir, ignore_errors=True)
    print()
    print("| command | wall s, median | min | max | peak RSS MB | result |")
    print("|---------|---------------:|----:|----:|------------:|--------|")
    for name, rs in runs.items():
        walls = sorted(r["wall"] for r in rs)
        rss = max(r["rss_mb"] for r in rs)
        note = summary if name == "run" else f"{len(rs[-1]['stdout'])} characters of help"
        median = walls[len(walls) // 2]
        print(f"| {name} | {median:.3f} | {walls[0]:.3f} | {walls[-1]:.3f} | {rss:.0f} | {note} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", choices=[*SIZES, "example"], default="small")
    ap.add_argument("--only", default=",".join(CONTENDERS))
    ap.add_argument(
        "--repeat", type=int, help="runs per contender; best wall kept (example: median of 5)"
    )
    ap.add_argument("--timeout", type=float, default=1800.0, help="seconds per run")
    ap.add_argument("--keep-out", action="store_true", help="keep csincentive's output dir")
    ap.add_argument(
        "--data-from",
        type=Path,
        metavar="DIR",
        help="DIR holds this size's files, generated with exactly its arguments and seed: "
        "link them into benchmarks/data/<size>/ instead of generating",
    )
    a = ap.parse_args()
    if a.size == "example":
        example(a.repeat or EXAMPLE_RUNS, a.timeout)
        return
    a.repeat = a.repeat or 1
    only = [c.strip() for c in a.only.split(",") if c.strip()]
    bad = [c for c in only if c not in CONTENDERS]
    if bad:
        ap.error(f"unknown contender(s): {', '.join(bad)}; choose from {', '.join(CONTENDERS)}")

    if a.data_from:
        link_data(a.size, a.data_from)
    data = ensure_data(a.size)
    if not only:  # --only '': the data set is ready, nothing is run
        print(f"data ready in {data}")
        return
    sizes = {f: (data / f).stat().st_size / 1e6 for f in FILES}
    agents, sessions, orders = SIZES[a.size]
    kind = " (chats.csv: message lines)" if chats_format(a.size) == "messages" else ""
    print(
        f"size={a.size}: {agents} agents, {sessions:,} sessions{kind}, {orders:,} orders "
        f"({' + '.join(f'{f} {mb:.0f} MB' for f, mb in sizes.items())}); "
        f"{os.cpu_count()} CPUs, python {sys.version.split()[0]}",
        flush=True,
    )
    warm(data)

    rows = []
    for name in only:
        out_dir = Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))
        cmd = command(name, data, out_dir, chats_format(a.size))
        best = None
        if isinstance(cmd, str):
            best = {"rc": None, "wall": float("nan"), "rss_mb": float("nan"), "note": cmd}
        else:
            for _ in range(a.repeat):
                r = measure(cmd, a.timeout)
                if r["rc"] != 0:
                    why = "timeout" if r["timed_out"] else f"exit {r['rc']}"
                    r["note"] = f"FAILED ({why}): " + (
                        last_line(r["stderr"]) or last_line(r["stdout"])
                    )
                    best = r
                    break
                r["note"] = last_line(r["stdout"])
                if name == "csincentive":
                    r["note"] = csincentive_summary(out_dir) or r["note"][:100]
                if best is None or r["wall"] < best["wall"]:
                    best = r
        if best.get("rc") not in (0,) and best.get("stderr"):
            sys.stderr.write(f"--- {name} stderr (tail) ---\n")
            sys.stderr.write("\n".join(best["stderr"].strip().splitlines()[-15:]) + "\n")
        if a.keep_out and name == "csincentive":
            print(f"csincentive output kept in {out_dir}")
        else:
            shutil.rmtree(out_dir, ignore_errors=True)
        rows.append((name, best))
        print(
            f"  {name:<12} {best['wall']:8.2f} s {best['rss_mb']:9.0f} MB  {best['note']}",
            flush=True,
        )

    print()
    print(f"| contender   |   wall s | peak RSS MB | result / note (size={a.size}) |")
    print("|-------------|---------:|------------:|---------------|")
    for name, r in rows:
        wall = "—" if r["wall"] != r["wall"] else f"{r['wall']:.2f}"
        rss = "—" if r["rss_mb"] != r["rss_mb"] else f"{r['rss_mb']:.0f}"
        print(f"| {name:<11} | {wall:>8} | {rss:>11} | {r['note']} |")
    failed = [name for name, r in rows if r.get("rc") != 0]
    if failed:  # a smoke run (CI) must notice a contender that no longer runs
        sys.exit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
