"""Baseline: per-agent metrics and a simple pay in pandas (merge_asof).

    python benchmarks/baseline_pandas.py DATA_DIR [--month 2026-10] [--out per_agent.csv]

Same computation and tie-break rule as baseline_duckdb.py (see its docstring), for a
session-level chats.csv or a message log (sessions made first, see _chats); prints the same
summary line, so the two can be compared.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

TS = "%Y-%m-%d %H:%M:%S"
# asof key = epoch_ms * K + (K - 1 - agent rank): same-ms ties go to the smallest agent_id
K = 65536
MESSAGE_HEADER = ["发送时间", "买家", "客服", "发送方", "内容"]
SYSTEM_SENDERS = ("系统", "system")  # csincentive's default [inputs] system_senders
GAP = np.timedelta64(600, "s")  # csincentive's default session_gap_minutes = 10


def _chats(path: Path) -> pd.DataFrame:
    """(agent key as written, buyer, start time) per session. A message log (发送时间,买家,
    客服,发送方,内容) is made into sessions first, as csincentive and baseline_duckdb.py do:
    system senders' lines dropped; per (agent key, buyer) the lines in time order (pairs as
    integer codes, one lexsort); a session starts at the pair's first line or after a
    silence >= 10 minutes, at that line's time."""
    with open(path, encoding="utf-8-sig") as fh:
        header = fh.readline().strip().split(",")
    if header != MESSAGE_HEADER:
        ch = pd.read_csv(
            path, usecols=["客服昵称", "买家昵称", "接待时间"], dtype=str, keep_default_na=False
        )
        return pd.DataFrame(
            {
                "agent": ch["客服昵称"].to_numpy(),
                "buyer": ch["买家昵称"].to_numpy(),
                "ts": pd.to_datetime(ch["接待时间"], format=TS).to_numpy(),
            }
        )
    m = pd.read_csv(path, usecols=MESSAGE_HEADER[:4], dtype=str, keep_default_na=False)
    m = m[~m["发送方"].str.lower().isin(SYSTEM_SENDERS).to_numpy()]
    agent, agents = pd.factorize(m["客服"])
    buyer, buyers = pd.factorize(m["买家"])
    ts = pd.to_datetime(m["发送时间"], format=TS).to_numpy()
    pair = agent.astype(np.int64) * max(len(buyers), 1) + buyer
    order = np.lexsort((ts, pair))
    pair, ts = pair[order], ts[order]
    new = np.ones(len(pair), dtype=bool)
    new[1:] = (pair[1:] != pair[:-1]) | (ts[1:] - ts[:-1] >= GAP)
    first = order[new]
    return pd.DataFrame(
        {"agent": agents[agent[first]], "buyer": buyers[buyer[first]], "ts": ts[new]}
    )


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("data_dir", type=Path)
    p.add_argument("--month", default="2026-10")
    p.add_argument("--out", type=Path)
    a = p.parse_args()
    m_start = pd.Timestamp(a.month + "-01")
    m_end = m_start + pd.offsets.MonthBegin(1)
    d = a.data_dir

    ag = pd.read_csv(d / "agents.csv", dtype=str, keep_default_na=False)
    ag = ag.sort_values("agent_id", kind="stable").reset_index(drop=True)
    if len(ag) >= K:
        sys.exit("too many agents for the asof key encoding")
    aix = pd.Series(np.arange(len(ag), dtype=np.int64), index=ag["agent_id"])
    key_to_ix = dict(zip(ag["chat_nick"], aix.values, strict=True))
    key_to_ix.update(zip(ag["agent_id"], aix.values, strict=True))
    key_to_ix.pop("", None)

    ch = _chats(d / "chats.csv")
    ix = ch["agent"].map(key_to_ix)
    keep = ix.notna().to_numpy()
    ch = pd.DataFrame(
        {
            "aix": ix[keep].astype(np.int64).to_numpy(),
            "buyer": ch["buyer"].to_numpy()[keep],
            "ts": ch["ts"].to_numpy()[keep],
        }
    )
    ms = ch["ts"].to_numpy().astype("datetime64[ms]").astype(np.int64)
    ch["akey"] = ms * K + (K - 1 - ch["aix"])

    od = pd.read_csv(
        d / "orders.csv",
        usecols=["buyer", "created_at", "paid_at", "paid_amount", "refund_amount"],
        dtype={"buyer": str, "created_at": str, "paid_at": str},
        keep_default_na=False,
    )
    od = od[od["paid_at"] != ""]
    od = pd.DataFrame(
        {
            "buyer": od["buyer"].to_numpy(),
            "created": pd.to_datetime(od["created_at"], format=TS).to_numpy(),
            "paid": np.rint(od["paid_amount"].to_numpy(dtype=np.float64) * 100).astype(np.int64),
            "refund": np.rint(od["refund_amount"].to_numpy(dtype=np.float64) * 100).astype(
                np.int64
            ),
        }
    )
    od["okey"] = od["created"].to_numpy().astype("datetime64[ms]").astype(np.int64) * K + (K - 1)

    right = ch[["buyer", "akey", "aix", "ts"]].sort_values("akey", kind="stable")
    left = od.sort_values("okey", kind="stable")
    cr = pd.merge_asof(
        left, right, left_on="okey", right_on="akey", by="buyer", direction="backward"
    )
    cr = cr[cr["aix"].notna()]
    in_win = cr["ts"].dt.normalize() >= cr["created"].dt.normalize() - pd.Timedelta(days=1)
    cr = cr[in_win]
    cr["aix"] = cr["aix"].astype(np.int64)

    in_month = (ch["ts"] >= m_start) & (ch["ts"] < m_end)
    s = (
        ch[in_month]
        .groupby("aix")
        .agg(sessions=("buyer", "size"), inquiring_buyers=("buyer", "nunique"))
    )
    o = cr.groupby("aix").agg(
        orders=("buyer", "size"),
        paying_buyers=("buyer", "nunique"),
        sales_fen=("paid", "sum"),
        refunds_fen=("refund", "sum"),
    )
    per = pd.DataFrame({"agent_id": ag["agent_id"]}).join(s).join(o)
    for c in (
        "sessions",
        "inquiring_buyers",
        "orders",
        "paying_buyers",
        "sales_fen",
        "refunds_fen",
    ):
        per[c] = per[c].fillna(0).astype(np.int64)
    per["conversion"] = np.where(
        per["inquiring_buyers"] > 0,
        per["paying_buyers"] / per["inquiring_buyers"].where(per["inquiring_buyers"] > 0, 1),
        0.0,
    )
    per["net_fen"] = per["sales_fen"] - per["refunds_fen"]
    per["pay_fen"] = 250000 + (per["net_fen"] + 50) // 100
    if a.out:
        per.to_csv(a.out, index=False)
    print(
        f"agents={len(per)} sessions={int(per['sessions'].sum())} "
        f"credited_orders={int(per['orders'].sum())} "
        f"net_sales={per['net_fen'].sum() / 100:.2f} pay={per['pay_fen'].sum() / 100:.2f}"
    )


if __name__ == "__main__":
    main()
