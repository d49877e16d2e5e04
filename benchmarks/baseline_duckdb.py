"""Baseline: per-agent metrics and a simple pay in DuckDB (ASOF JOIN).

    python benchmarks/baseline_duckdb.py DATA_DIR [--month 2026-10] [--out per_agent.csv]

DATA_DIR holds agents.csv, chats.csv and canonical orders.csv (UTF-8), as written by
``generate.py --orders-format canonical``; chats.csv is either the session-level export or,
with ``--chats-format messages``, a message log (发送时间,买家,客服,发送方,内容), made into
sessions in SQL first as csincentive does (see _message_sessions). The computation
(identical in baseline_pandas.py):

* chats are keyed to agents by chat_nick or agent_id (unknown keys are ignored);
* a paid order (paid_at not blank) is credited to the agent whose chat with the same buyer
  started most recently at or before the order's created_at, provided that chat's calendar
  date >= the order's date - 1 day; chats starting at the same second are tie-broken in favour
  of the smallest agent_id, as csincentive does (one integer asof key: epoch_ms * 65536 +
  65535 - agent rank);
* per agent: sessions and distinct inquiring buyers (chats inside the month), credited orders,
  distinct paying buyers, conversion, sales, refunds, net sales (all money in integer fen),
  pay = 2500.00 + 1% of net sales rounded half up to the fen.

Prints one summary line so engines can be compared.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

TS = "%Y-%m-%d %H:%M:%S"


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("data_dir", type=Path)
    p.add_argument("--month", default="2026-10")
    p.add_argument("--out", type=Path)
    p.add_argument("--threads", type=int)
    a = p.parse_args()
    y, m = (int(x) for x in a.month.split("-"))
    m_start = f"{y:04d}-{m:02d}-01"
    m_end = f"{y + (m == 12):04d}-{m % 12 + 1:02d}-01"
    d = a.data_dir
    con = duckdb.connect()
    if a.threads:
        con.execute(f"SET threads = {a.threads}")
    con.execute("SET preserve_insertion_order = false")

    con.execute(
        f"""
        CREATE TEMP TABLE ag AS
        SELECT agent_id, chat_nick, (row_number() OVER (ORDER BY agent_id) - 1)::BIGINT AS aix
        FROM read_csv('{d / "agents.csv"}', header = true, all_varchar = true)
        """
    )
    (n_ag,) = con.execute("SELECT count(*) FROM ag").fetchone()
    if n_ag >= 65536:
        sys.exit("too many agents for the asof key encoding")
    chats = d / "chats.csv"
    source = _message_sessions(chats) if _is_message_log(chats) else _session_rows(chats)
    con.execute(
        f"""
        CREATE TEMP TABLE ch AS
        WITH keys AS (
            SELECT chat_nick AS k, agent_id, aix FROM ag WHERE chat_nick IS NOT NULL
            UNION ALL SELECT agent_id, agent_id, aix FROM ag
        )
        SELECT k.agent_id, c.buyer, c.ts, epoch_ms(c.ts) * 65536 + (65535 - k.aix) AS akey
        FROM ({source}) c
        JOIN keys k ON c.agent = k.k
        """
    )
    con.execute(
        f"""
        CREATE TEMP TABLE od AS
        SELECT buyer, created_at,
               CAST(paid_amount * 100 AS BIGINT) AS paid,
               CAST(refund_amount * 100 AS BIGINT) AS refund,
               epoch_ms(created_at) * 65536 + 65535 AS okey
        FROM read_csv('{d / "orders.csv"}', header = true,
                      columns = {{'order_id': 'VARCHAR', 'buyer': 'VARCHAR',
                                  'created_at': 'TIMESTAMP', 'paid_at': 'TIMESTAMP',
                                  'paid_amount': 'DECIMAL(18,2)', 'status': 'VARCHAR',
                                  'refund_amount': 'DECIMAL(18,2)'}},
                      timestampformat = '{TS}')
        WHERE paid_at IS NOT NULL
        """
    )
    rows = con.execute(
        "SELECT * FROM (" + _PER_AGENT.format(m_start=m_start, m_end=m_end) + ") ORDER BY agent_id"
    ).fetchall()
    cols = [c[0] for c in con.description]
    if a.out:
        import csv

        with open(a.out, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(cols)
            w.writerows(rows)
    ix = {c: i for i, c in enumerate(cols)}
    net = sum(r[ix["net_fen"]] for r in rows)
    pay = sum(r[ix["pay_fen"]] for r in rows)
    orders = sum(r[ix["orders"]] for r in rows)
    sessions = sum(r[ix["sessions"]] for r in rows)
    print(
        f"agents={len(rows)} sessions={sessions} credited_orders={orders} "
        f"net_sales={net / 100:.2f} pay={pay / 100:.2f}"
    )


MESSAGE_HEADER = ["发送时间", "买家", "客服", "发送方", "内容"]
SYSTEM_SENDERS = ("系统", "system")  # csincentive's default [inputs] system_senders
GAP_S = 600  # csincentive's default session_gap_minutes = 10


def _is_message_log(chats: Path) -> bool:
    """chats.csv is a message log (千牛 聊天记录) when its header is generate.py's."""
    with open(chats, encoding="utf-8-sig") as fh:
        return fh.readline().strip().split(",") == MESSAGE_HEADER


def _session_rows(chats: Path) -> str:
    """A session-level export: one row per session, (agent key, buyer, start time)."""
    return f"""
        SELECT "客服昵称" AS agent, "买家昵称" AS buyer, "接待时间" AS ts
        FROM read_csv('{chats}', header = true,
                      columns = {{'客服昵称': 'VARCHAR', '买家昵称': 'VARCHAR',
                                  '接待时间': 'TIMESTAMP', '结束时间': 'VARCHAR',
                                  '首次响应时长': 'VARCHAR', '平均响应时长': 'VARCHAR',
                                  '评价': 'VARCHAR'}},
                      timestampformat = '{TS}')
    """


def _message_sessions(chats: Path) -> str:
    """A message log made into sessions as csincentive does (sources/messages.py): lines of
    a system sender dropped; per (agent key as written, buyer) the lines in time order; a
    session starts at the pair's first line or after a silence >= 10 minutes; its start is
    that line's time. The file line only breaks ties between lines of the same second, which
    change neither where a session starts nor its start time, so it is not needed here.
    内容 is not read (the bundled rules have no auto_reply_patterns)."""
    system = ", ".join(f"'{s}'" for s in SYSTEM_SENDERS)
    return f"""
        SELECT agent, buyer, ts FROM (
            SELECT "客服" AS agent, "买家" AS buyer, "发送时间" AS ts,
                   lag("发送时间") OVER (PARTITION BY "客服", "买家" ORDER BY "发送时间")
                       AS prev
            FROM read_csv('{chats}', header = true,
                          columns = {{'发送时间': 'TIMESTAMP', '买家': 'VARCHAR',
                                      '客服': 'VARCHAR', '发送方': 'VARCHAR',
                                      '内容': 'VARCHAR'}},
                          timestampformat = '{TS}')
            WHERE NOT coalesce(lower("发送方") IN ({system}), false)
        )
        WHERE prev IS NULL OR ts - prev >= INTERVAL {GAP_S} SECOND
    """


_PER_AGENT = """
WITH credited AS (
    SELECT c.agent_id, o.buyer, o.paid, o.refund
    FROM od o ASOF JOIN ch c ON o.buyer = c.buyer AND o.okey >= c.akey
    WHERE CAST(c.ts AS DATE) >= CAST(o.created_at AS DATE) - 1
),
s AS (
    SELECT agent_id, count(*) AS sessions, count(DISTINCT buyer) AS inquiring_buyers
    FROM ch WHERE ts >= TIMESTAMP '{m_start}' AND ts < TIMESTAMP '{m_end}'
    GROUP BY agent_id
),
o AS (
    SELECT agent_id, count(*) AS orders, count(DISTINCT buyer) AS paying_buyers,
           sum(paid)::BIGINT AS sales, sum(refund)::BIGINT AS refunds
    FROM credited GROUP BY agent_id
),
per AS (
    SELECT ag.agent_id,
           coalesce(s.sessions, 0) AS sessions,
           coalesce(s.inquiring_buyers, 0) AS inquiring_buyers,
           coalesce(o.orders, 0) AS orders,
           coalesce(o.paying_buyers, 0) AS paying_buyers,
           coalesce(o.sales, 0) AS sales_fen,
           coalesce(o.refunds, 0) AS refunds_fen
    FROM ag LEFT JOIN s USING (agent_id) LEFT JOIN o USING (agent_id)
)
SELECT *,
       CASE WHEN inquiring_buyers = 0 THEN 0.0
            ELSE paying_buyers / inquiring_buyers END AS conversion,
       sales_fen - refunds_fen AS net_fen,
       250000 + CAST(floor((sales_fen - refunds_fen + 50) / 100) AS BIGINT) AS pay_fen
FROM per
"""


if __name__ == "__main__":
    main()
