"""Fairness check: a baseline computes what csincentive computes, agent by agent.

    python benchmarks/fairness.py DATA_DIR [--baseline duckdb|pandas] [--metrics metrics.csv]

Runs csincentive on DATA_DIR (``--no-ledger``, cache off; or reads an existing
``--metrics`` metrics.csv of that month) and the baseline with ``--out per_agent.csv``, then
compares, for every agent of the roster: sessions, inquiring_buyers, orders (paid orders
credited), paying_buyers, sales, refunds and net_sales (to the fen). Prints the number of
agents compared and the first differences; exits 1 if any. Works for session-level and
message-level chats.csv alike (for a message log, this is what shows that the baseline
makes the same sessions).
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
MONTH = "2026-10"
COUNTS = ("sessions", "inquiring_buyers", "orders", "paying_buyers")
MONEY = {"sales": "sales_fen", "refunds": "refunds_fen", "net_sales": "net_fen"}


def _rows(path: Path) -> dict[str, dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return {r["agent_id"]: r for r in csv.DictReader(fh)}


def _run(cmd: list[str]) -> None:
    env = {**os.environ, "CSINCENTIVE_CACHE": "off"}
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd[:3])} … failed:\n{done.stderr[-2000:]}")


def _differences(ours: dict, theirs: dict) -> list[str]:
    out = [f"{a}: only in csincentive's metrics.csv" for a in ours.keys() - theirs.keys()]
    out += [f"{a}: only in the baseline's per_agent.csv" for a in theirs.keys() - ours.keys()]
    for agent in sorted(ours.keys() & theirs.keys()):
        m, b = ours[agent], theirs[agent]
        for c in COUNTS:
            if int(m[c]) != int(b[c]):
                out.append(f"{agent}: {c} csincentive {m[c]} baseline {b[c]}")
        for c, fen in MONEY.items():
            if Decimal(m[c]) * 100 != Decimal(b[fen]):
                out.append(f"{agent}: {c} csincentive {m[c]} baseline {b[fen]} fen")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data_dir", type=Path)
    ap.add_argument("--baseline", choices=["duckdb", "pandas"], default="duckdb")
    ap.add_argument("--metrics", type=Path, help="csincentive's metrics.csv (else it is run)")
    a = ap.parse_args()
    bin_dir = Path(sys.executable).parent
    with tempfile.TemporaryDirectory(prefix="fairness-") as tmp:
        metrics = a.metrics
        if metrics is None:
            out = Path(tmp) / "out"
            rules = ROOT / "rules" / "taobao-presales.toml"
            _run(
                [str(bin_dir / "csincentive"), "run", str(a.data_dir), "--rules", str(rules)]
                + ["--out", str(out), "--force", "--month", MONTH, "--no-ledger"]
            )
            metrics = out / "metrics.csv"
        per_agent = Path(tmp) / "per_agent.csv"
        script = HERE / f"baseline_{a.baseline}.py"
        _run([sys.executable, str(script), str(a.data_dir), "--out", str(per_agent)])
        ours, theirs = _rows(metrics), _rows(per_agent)
    diff = _differences(ours, theirs)
    fields = ", ".join([*COUNTS, *MONEY])
    print(f"{len(ours)} agents compared ({fields}): {len(diff)} differences")
    for line in diff[:20]:
        print("  " + line)
    sys.exit(1 if diff else 0)


if __name__ == "__main__":
    main()
