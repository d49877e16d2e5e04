"""Deterministic synthetic exports for one shop month: roster, chat sessions, orders.

    python benchmarks/generate.py OUT_DIR --agents N --sessions N --orders N
        [--seed 7] [--month 2026-10] [--orders-format taobao|canonical] [--encoding gbk|utf-8]
        [--chats-format sessions|messages] [--messages-per-session 8]

Writes into OUT_DIR:

* ``agents.csv`` (UTF-8) — the roster:
  ``agent_id,name,team,role,grade,hire_date,probation_end,chat_nick,leave_date,target``
* ``chats.csv`` (UTF-8) — session-level 赤兔/千牛 export:
  ``客服昵称,买家昵称,接待时间,结束时间,首次响应时长,平均响应时长,评价``; or, with
  ``--chats-format messages``, the 千牛 聊天记录 of the same sessions, one line per message:
  ``发送时间,买家,客服,发送方,内容`` (发送方 买家/客服/系统). Each session has on average
  ``--messages-per-session`` real messages (at least 2, buyer first, replies mostly within
  a minute, a few slower than 120 s, no silence of 10 minutes inside a session), 30% an
  auto-reply (亲，您好，欢迎光临…) right after the buyer's first line, 5% a closing system
  line (系统:会话已转接). 5e7 messages ≈ ``--sessions 5.6e6``.
* ``orders.csv`` — either the Taobao seller-backend 订单报表 (ExportOrderList, 46 columns,
  every field quoted, ids as ``="4100…"``, CRLF, GBK by default) or, with
  ``--orders-format canonical``,
  ``order_id,buyer,created_at,paid_at,paid_amount,status,refund_amount`` (UTF-8 by default).
  ``--encoding`` applies to orders.csv only; agents/chats are always UTF-8.

The same seed and arguments give byte-identical files. Everything random is drawn as whole
numpy arrays up front (the taobao-only cosmetic columns are drawn per fixed-size chunk from a
generator seeded by (seed, chunk number)), so the canonical and taobao variants describe the
same orders. Big files are written in chunks: 2e7 sessions / 8e6 orders fit in a few GB.
"""

from __future__ import annotations

import argparse
import calendar
import io
import math
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl

SHOP = "云杉旗舰店"
CHUNK = 1_000_000  # rows per write chunk (fixed: part of the determinism contract)
ORDER_CHUNK = 250_000

CURATED_NAMES = [
    "小美",
    "阿杰",
    "小雨",
    "阿强",
    "小雪",
    "大伟",
    "小玲",
    "阿峰",
    "小芳",
    "阿明",
    "小婷",
    "阿诚",
    "小燕",
    "阿辉",
    "小琪",
    "阿龙",
    "小静",
    "阿斌",
    "小慧",
    "阿涛",
    "小蕾",
    "阿凯",
    "小颖",
    "阿俊",
]
SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = list(
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏飞宇浩凯欣怡婷雪琳晨阳佳悦宁琪颖思倩然"
)

ROLE_AGENT, ROLE_SUP = "agent", "supervisor"
GRADES = ["初级", "中级", "高级"]
RATINGS = ["很满意", "满意", "一般", "不满意", "很不满意"]
RATING_P = [0.58, 0.26, 0.09, 0.04, 0.03]
RATED_SHARE = 0.18

# chat starts by hour of day: quiet at night, peaks late morning, afternoon and evening
HOUR_W = np.array(
    [
        2.0,
        1.0,
        0.5,
        0.3,
        0.2,
        0.2,
        0.4,
        1.0,
        3.0,
        6.0,
        8.0,
        8.5,
        6.0,
        7.0,
        8.0,
        8.0,
        7.0,
        6.0,
        5.5,
        7.0,
        9.0,
        10.0,
        8.0,
        4.0,
    ]
)
HOUR_P = HOUR_W / HOUR_W.sum()

BUYER_ADJ = [
    "爱笑的",
    "快乐的",
    "安静的",
    "勇敢的",
    "温柔的",
    "爱吃鱼的",
    "会飞的",
    "认真的",
    "迷糊的",
    "努力的",
    "酷酷的",
    "甜甜的",
    "慢吞吞的",
    "爱旅行的",
    "早起的",
    "淡定的",
    "可爱的",
    "开心的",
    "倔强的",
    "爱喝茶的",
]
BUYER_NOUN = [
    "小猫",
    "兔子",
    "熊猫",
    "橘子",
    "星星",
    "月亮",
    "考拉",
    "企鹅",
    "鲸鱼",
    "松鼠",
    "蘑菇",
    "柠檬",
    "苹果",
    "向日葵",
    "小鹿",
    "海豚",
    "狐狸",
    "布丁",
    "云朵",
    "土豆",
    "包子",
    "奶茶",
    "西瓜",
    "刺猬",
    "麋鹿",
]

# (宝贝标题, unit price in fen)
PRODUCTS = [
    ("云杉 纯棉短袖T恤男女同款宽松圆领", 2990),
    ("云杉 冰丝防晒袖套夏季户外", 3990),
    ("云杉 简约帆布托特包大容量", 5900),
    ("云杉 法式碎花连衣裙收腰显瘦", 12800),
    ("云杉 高腰阔腿牛仔裤垂感", 15900),
    ("云杉 羊毛混纺针织开衫", 19900),
    ("云杉 轻薄羽绒服短款立领", 45900),
    ("云杉 真皮小方包斜挎", 29900),
    ("云杉 加绒卫衣连帽情侣款", 13900),
    ("云杉 小白鞋百搭休闲板鞋", 16900),
    ("云杉 双面羊绒大衣长款", 89900),
    ("云杉 桑蚕丝衬衫通勤", 39900),
    ("云杉 运动休闲套装两件套", 25900),
    ("云杉 纯色棉袜五双装", 2990),
    ("云杉 保暖打底衫德绒", 6900),
    ("云杉 防水冲锋衣三合一", 59900),
]
PRODUCT_P = np.array([14, 8, 6, 8, 8, 6, 3, 4, 8, 7, 1, 3, 4, 10, 8, 2], dtype=float)
PRODUCT_P /= PRODUCT_P.sum()

ST_SUCCESS = "交易成功"
ST_CLOSED = "交易关闭"
ST_PAID = "买家已付款，等待卖家发货"
ST_SHIPPED = "卖家已发货，等待买家确认"
ST_UNPAID = "等待买家付款"
STATUSES = [ST_SUCCESS, ST_CLOSED, ST_PAID, ST_SHIPPED, ST_UNPAID]
STATUS_P = [0.84, 0.05, 0.03, 0.05, 0.03]
STATUS_P_LATE = [0.35, 0.04, 0.20, 0.33, 0.08]  # orders of the last 3 days are still in flight

TAOBAO_HEADERS = [
    "订单编号",
    "买家会员名",
    "买家支付宝账号",
    "买家应付货款",
    "买家应付邮费",
    "买家支付积分",
    "总金额",
    "返点积分",
    "买家实际支付金额",
    "买家实际支付积分",
    "订单状态",
    "买家留言",
    "收货人姓名",
    "收货地址 ",
    "运送方式",
    "联系电话 ",
    "联系手机",
    "订单创建时间",
    "订单付款时间 ",
    "宝贝标题 ",
    "宝贝种类 ",
    "物流单号 ",
    "物流公司",
    "订单备注",
    "宝贝总数量",
    "店铺Id",
    "店铺名称",
    "订单关闭原因",
    "卖家服务费",
    "买家服务费",
    "发票抬头",
    "是否手机订单",
    "分阶段订单信息",
    "特权订金订单id",
    "是否上传合同照片",
    "是否上传小票",
    "是否代付",
    "定金排名",
    "修改后的sku",
    "修改后的收货地址",
    "异常信息",
    "天猫卡券抵扣",
    "集分宝抵扣",
    "是否是O2O交易",
    "退款金额",
    "预约门店",
]
CANONICAL_HEADERS = [
    "order_id",
    "buyer",
    "created_at",
    "paid_at",
    "paid_amount",
    "status",
    "refund_amount",
]
ADDRESSES = [
    ("浙江省 杭州市 西湖区", "文三路", "310012"),
    ("浙江省 宁波市 鄞州区", "天童南路", "315100"),
    ("上海 上海市 浦东新区", "张杨路", "200120"),
    ("北京 北京市 朝阳区", "建国路", "100022"),
    ("广东省 广州市 天河区", "天河北路", "510620"),
    ("广东省 深圳市 南山区", "科技园路", "518057"),
    ("江苏省 南京市 鼓楼区", "中山北路", "210009"),
    ("江苏省 苏州市 工业园区", "星湖街", "215021"),
    ("四川省 成都市 武侯区", "人民南路", "610041"),
    ("湖北省 武汉市 洪山区", "珞喻路", "430074"),
    ("山东省 青岛市 市南区", "香港中路", "266071"),
    ("福建省 厦门市 思明区", "湖滨南路", "361004"),
    ("陕西省 西安市 雁塔区", "长安南路", "710061"),
    ("河南省 郑州市 金水区", "花园路", "450003"),
    ("湖南省 长沙市 岳麓区", "麓山南路", "410083"),
    ("重庆 重庆市 渝中区", "解放碑", "400010"),
]
CARRIERS = [("中通快递", "7"), ("圆通速递", "YT"), ("韵达快递", "43"), ("顺丰速运", "SF")]
BUYER_MESSAGES = [
    "请尽快发货",
    "麻烦帮我检查一下再发",
    "不要放快递柜",
    "送人的，不要放价格单",
    "能发顺丰吗",
]
SELLER_NOTES = ["已备注赠品", "客服承诺周一发", "换码发L", "老客户，加送袜子"]
PHONE_PREFIX = ["138", "139", "158", "159", "186", "187", "135", "136", "188", "177", "152", "131"]
MAIL_DOMAINS = ["163.com", "qq.com", "126.com", "sina.com", "hotmail.com"]


# ----------------------------------------------------------------------------- helpers


def cn_numeral(k: int) -> str:
    digits = "零一二三四五六七八九"
    if k <= 0 or k >= 100:
        return str(k)
    if k < 10:
        return digits[k]
    tens, ones = divmod(k, 10)
    return ("" if tens == 1 else digits[tens]) + "十" + ("" if ones == 0 else digits[ones])


def unique_names(n: int, rng: np.random.Generator) -> list[str]:
    names = list(CURATED_NAMES[:n])
    if n <= len(names):
        return names
    seen = set(names)
    pool = [s + g for s in SURNAMES for g in GIVEN]
    pool += [s + g1 + g2 for s in SURNAMES for g1 in GIVEN[:20] for g2 in GIVEN[20:]]
    order = rng.permutation(len(pool))
    for i in order:
        nm = pool[i]
        if nm not in seen:
            seen.add(nm)
            names.append(nm)
            if len(names) == n:
                return names
    raise SystemExit(f"cannot make {n} distinct agent names")


def money_expr(fen: pl.Expr) -> pl.Expr:
    """Integer fen -> '128.00' (non-negative amounts only)."""
    return pl.concat_str(
        (fen // 100).cast(pl.String), pl.lit("."), (fen % 100).cast(pl.String).str.zfill(2)
    )


def ts_expr(sec: pl.Expr) -> pl.Expr:
    return pl.from_epoch(sec, time_unit="s").dt.strftime("%Y-%m-%d %H:%M:%S")


def epoch(d: date | datetime) -> int:
    if not isinstance(d, datetime):
        d = datetime(d.year, d.month, d.day)
    return int((d - datetime(1970, 1, 1)).total_seconds())


def day_index(d: date | None, month_start: date, default: int) -> int:
    return default if d is None else (d - month_start).days


def rand_date(rng: np.random.Generator, lo: date, hi: date) -> date:
    return lo + timedelta(days=int(rng.integers(0, (hi - lo).days + 1)))


def q(e: pl.Expr) -> pl.Expr:
    """Quote a taobao cell: "value"."""
    return pl.concat_str(pl.lit('"'), e.fill_null(""), pl.lit('"'))


def eq_id(e: pl.Expr) -> pl.Expr:
    """Excel-protected id, written literally as ="4100…" (blank cells stay "")."""
    return (
        pl.when(e.is_null())
        .then(pl.lit('""'))
        .otherwise(pl.concat_str(pl.lit('="'), e, pl.lit('"')))
    )


def write_text(fh, text: str, encoding: str) -> None:
    fh.write(text.encode(encoding))


def write_frame(fh, df: pl.DataFrame, encoding: str, header: bool, eol: str = "\n", **kw) -> None:
    if encoding == "utf-8":
        df.write_csv(fh, include_header=header, line_terminator=eol, **kw)
    else:  # polars writes UTF-8 only: transcode this chunk
        buf = io.BytesIO()
        df.write_csv(buf, include_header=header, line_terminator=eol, **kw)
        fh.write(buf.getvalue().decode("utf-8").encode(encoding))


# ----------------------------------------------------------------------------- roster


def make_agents(n: int, rng: np.random.Generator, month_start: date, month_last: date):
    n_teams = max(1, math.ceil(n / 12))
    team_of = [i * n_teams // n for i in range(n)]
    names = unique_names(n, rng)
    width = max(3, len(str(n)))
    ids = [f"A{i + 1:0{width}d}" for i in range(n)]
    is_sup = [i == 0 or team_of[i] != team_of[i - 1] for i in range(n)]
    team_names = [f"售前{cn_numeral(t + 1)}组" for t in range(n_teams)]

    prev3 = month_start - timedelta(days=92)  # "hired within the last 3 months"
    hire: list[date] = []
    for i in range(n):
        if is_sup[i]:
            hire.append(rand_date(rng, date(2017, 3, 1), month_start - timedelta(days=700)))
        else:
            hire.append(rand_date(rng, date(2019, 3, 1), prev3 - timedelta(days=30)))
    probation_end: list[date | None] = [None] * n
    leave: list[date | None] = [None] * n

    regular = [i for i in range(n) if not is_sup[i]]
    perm = [regular[j] for j in rng.permutation(len(regular))]
    k_new = max(1, round(0.05 * len(regular)))
    k_prob = max(2, round(0.08 * len(regular)))
    k_pend = max(1, round(0.01 * len(regular)))
    k_leave = max(1, round(0.01 * len(regular)))
    cut = np.cumsum([k_new, k_prob, k_pend, k_leave])
    new_hires, on_prob = perm[: cut[0]], perm[cut[0] : cut[1]]
    explicit, leavers = perm[cut[1] : cut[2]], perm[cut[2] : cut[3]]
    for i in new_hires:  # hired during the month itself
        hire[i] = rand_date(rng, month_start + timedelta(days=1), month_start + timedelta(days=19))
    for i in on_prob:  # hired in the last 3 months: default probation still running
        hire[i] = rand_date(rng, prev3 + timedelta(days=10), month_start - timedelta(days=5))
    for i in explicit:  # probation extended, explicit end inside the month
        hire[i] = rand_date(rng, prev3 - timedelta(days=60), prev3 - timedelta(days=15))
        probation_end[i] = rand_date(
            rng, month_start + timedelta(days=9), month_start + timedelta(days=19)
        )
    for i in leavers:  # leaves inside the month
        leave[i] = rand_date(rng, month_start + timedelta(days=11), month_last - timedelta(days=6))

    grade, target = [], []
    junior = set(new_hires) | set(on_prob) | set(explicit)
    for i in range(n):
        if is_sup[i]:
            grade.append("高级")
            target.append(None)
            continue
        g = "初级" if i in junior else GRADES[int(rng.choice(3, p=[0.3, 0.45, 0.25]))]
        base = {"初级": 40000, "中级": 60000, "高级": 80000}[g]
        if i in new_hires:
            base = 30000
        else:
            base += int(rng.choice([-5000, 0, 0, 5000]))
        grade.append(g)
        target.append(f"{base}.00")

    df = pl.DataFrame(
        {
            "agent_id": ids,
            "name": names,
            "team": [team_names[t] for t in team_of],
            "role": [ROLE_SUP if s else ROLE_AGENT for s in is_sup],
            "grade": grade,
            "hire_date": [d.isoformat() for d in hire],
            "probation_end": [d.isoformat() if d else None for d in probation_end],
            "chat_nick": [f"{SHOP}:{nm}" for nm in names],
            "leave_date": [d.isoformat() if d else None for d in leave],
            "target": target,
        },
        schema={
            c: pl.String
            for c in (
                "agent_id",
                "name",
                "team",
                "role",
                "grade",
                "hire_date",
                "probation_end",
                "chat_nick",
                "leave_date",
                "target",
            )
        },
    )
    first_day = np.array([day_index(h, month_start, 0) for h in hire])  # may be < 0
    last_day = np.array(
        [day_index(lv, month_start, (month_last - month_start).days) for lv in leave]
    )
    return df, np.array(is_sup), first_day, last_day


# ----------------------------------------------------------------------------- chats


def buyer_names(n: int) -> pl.Series:
    """Distinct buyer nicks for buyer numbers 0..n-1 (vectorised, bijective)."""
    i = np.arange(n, dtype=np.int64)
    # ~1 in 4 buyers has a Chinese nick; the choice is a fixed function of i (no rng needed)
    h = (i * 2654435761) % 1_000_003
    chinese = h % 4 == 0
    num = 1_000_000 + (i * 2654435761) % 9_000_000_000  # 7–10 digits, unique per i
    suffix = h % 100
    df = pl.DataFrame({"i": i, "num": num, "suffix": suffix, "zh": chinese})
    na, nn = len(BUYER_ADJ), len(BUYER_NOUN)
    adj = pl.Series(BUYER_ADJ)
    noun = pl.Series(BUYER_NOUN)
    out = df.select(
        pl.when(pl.col("zh"))
        .then(
            pl.concat_str(
                pl.col("i").mod(na).map_batches(lambda s: adj.gather(s), return_dtype=pl.String),
                (pl.col("i") // na)
                .mod(nn)
                .map_batches(lambda s: noun.gather(s), return_dtype=pl.String),
                pl.when(pl.col("i") >= na * nn)
                .then((pl.col("i") // (na * nn)).cast(pl.String))
                .otherwise(pl.lit("")),
            )
        )
        .otherwise(
            pl.concat_str(
                pl.lit("tb"),
                pl.col("num").cast(pl.String),
                pl.when(pl.col("suffix") < 60)
                .then(pl.concat_str(pl.lit("_"), pl.col("suffix").cast(pl.String).str.zfill(2)))
                .otherwise(pl.lit("")),
            )
        )
        .alias("buyer")
    )
    return out["buyer"]


def make_sessions(
    n: int,
    rng: np.random.Generator,
    is_sup: np.ndarray,
    first_day: np.ndarray,
    last_day: np.ndarray,
    n_days: int,
    t0: int,
):
    """Return (start_sec, agent, buyer, n_chat_buyers) sorted by start time."""
    n_agents = len(is_sup)
    lo = np.maximum(first_day, 0)
    hi = np.minimum(last_day, n_days - 1)
    active_days = np.maximum(hi - lo + 1, 0)
    prod = np.where(is_sup, 0.06, rng.lognormal(0.0, 0.3, n_agents))
    w = prod * active_days
    w = w / w.sum()

    n_follow = int(round(n * 0.15)) if n >= 10 else 0
    n_base = n - n_follow
    agent = rng.choice(n_agents, size=n_base, p=w).astype(np.int32)
    day = lo[agent] + (rng.random(n_base) * active_days[agent]).astype(np.int64)
    # a few chats on the last day of the previous month (for agents already employed)
    prev = (rng.random(n_base) < 0.004) & (first_day[agent] <= -1)
    day = np.where(prev, -1, day)
    hour = rng.choice(24, size=n_base, p=HOUR_P)
    start = t0 + day * 86400 + hour * 3600 + rng.integers(0, 3600, n_base)
    n_cb = max(1, int(n_base * 0.72))
    buyer = rng.integers(0, n_cb, n_base)

    if n_follow:
        # the same buyer comes back minutes–hours later, often to another agent
        j = rng.integers(0, n_base, n_follow)
        off = rng.integers(300, 6 * 3600, n_follow)
        t_end = t0 + n_days * 86400
        ft = start[j] + off
        ft = np.where(ft < t_end, ft, start[j] - off)
        fa = rng.choice(n_agents, size=n_follow, p=w).astype(np.int32)
        fday = (ft - t0) // 86400
        ok = (first_day[fa] <= fday) & (fday <= last_day[fa])
        # fall back: same agent as the base session, one minute later/earlier (same day)
        same_day = (start[j] + 60 - t0) // 86400 == (start[j] - t0) // 86400
        fb_t = np.where(same_day, start[j] + 60, start[j] - 60)
        ft = np.where(ok, ft, fb_t)
        fa = np.where(ok, fa, agent[j]).astype(np.int32)
        start = np.concatenate([start, ft])
        agent = np.concatenate([agent, fa])
        buyer = np.concatenate([buyer, buyer[j]])

    order = np.argsort(start, kind="stable")
    return start[order], agent[order], buyer[order], n_cb


def write_chats(
    path: Path,
    rng: np.random.Generator,
    start: np.ndarray,
    agent: np.ndarray,
    buyer: np.ndarray,
    agents: pl.DataFrame,
    buyers: pl.Series,
) -> None:
    n = len(start)
    dur = np.clip(rng.lognormal(math.log(420), 0.8, n), 20, 7200).astype(np.int64)
    first = np.clip(np.rint(rng.lognormal(math.log(8), 0.9, n)), 1, 600).astype(np.int64)
    avg = np.clip(np.rint(rng.lognormal(math.log(22), 0.6, n)), 2, 900).astype(np.int64)
    rated = rng.random(n) < RATED_SHARE
    rating = np.where(rated, rng.choice(len(RATINGS), size=n, p=RATING_P), -1)
    use_id = rng.random(n) < 0.03
    key = agent.astype(np.int64) + np.where(use_id, len(agents), 0)
    agent_keys = pl.concat([agents["chat_nick"], agents["agent_id"]])
    rating_s = pl.Series([None, *RATINGS], dtype=pl.String)

    with open(path, "wb") as fh:
        for c0 in range(0, max(n, 1), CHUNK):
            sl = slice(c0, min(n, c0 + CHUNK))
            r = rating[sl]
            df = pl.DataFrame(
                {
                    "客服昵称": agent_keys.gather(key[sl]),
                    "买家昵称": buyers.gather(buyer[sl]),
                    "s": start[sl],
                    "e": start[sl] + dur[sl],
                    "首次响应时长": first[sl],
                    "平均响应时长": avg[sl],
                    "评价": rating_s.gather(r + 1),
                }
            ).select(
                "客服昵称",
                "买家昵称",
                ts_expr(pl.col("s")).alias("接待时间"),
                ts_expr(pl.col("e")).alias("结束时间"),
                "首次响应时长",
                "平均响应时长",
                "评价",
            )
            write_frame(fh, df, "utf-8", header=c0 == 0)


MSG_CHUNK = 125_000  # sessions per message chunk (fixed: part of the determinism contract)
BUYER_LINES = [
    "在吗",
    "这个有货吗",
    "什么时候发货",
    "能便宜点吗",
    "尺码怎么选，身高165体重50kg",
    "包邮吗",
    "好的",
    "谢谢",
    "有优惠券吗",
    "质量怎么样",
    "可以开发票吗",
    "拍了，麻烦尽快发",
]
AGENT_LINES = [
    "在的亲",
    "有货的亲，现在拍下今天就发",
    "亲，48小时内发货哦",
    "亲，已经是活动价了，可以领店铺券",
    "亲，按平时的尺码拍就可以，建议M码",
    "亲，全国包邮（偏远地区除外）",
    "不客气亲，有问题随时联系",
    "好的亲，已备注优先发货",
]
AUTO_REPLY = "亲，您好，欢迎光临云杉旗舰店，有什么可以帮您？"
SYSTEM_LINE = "系统:会话已转接"
SENDERS = ["买家", "客服", "系统"]  # kind 0 buyer, 1 agent (real or auto-reply), 2 system


def _message_chunk(
    rng: np.random.Generator, start: np.ndarray, per_session: float
) -> tuple[np.ndarray, ...]:
    """Messages of the sessions starting at ``start``, all drawn as arrays:
    (session, time, kind, content index into BUYER_LINES + AGENT_LINES + [AUTO, SYSTEM])."""
    m = len(start)
    k = 2 + rng.poisson(max(per_session - 2, 0), m)  # real messages per session
    sess = np.repeat(np.arange(m), k)
    first = np.cumsum(k) - k  # index of each session's first message
    pos = np.arange(len(sess)) - first[sess]
    # Who writes: the buyer opens; then the speaker changes 3 times in 4.
    switch = (rng.random(len(sess)) < 0.75) & (pos > 0)
    turns = np.cumsum(switch)
    kind = (turns - turns[first][sess]) % 2
    answer = (kind == 1) & switch
    # Gaps: an agent answers in ~25 s (a few slower than 120 s); the buyer takes ~40 s.
    # Both stay under 10 minutes, so a session never splits in two.
    reply = rng.lognormal(math.log(25), 1.0, len(sess))
    other = rng.lognormal(math.log(40), 0.8, len(sess))
    gap = np.clip(np.rint(np.where(answer, reply, other)), 1, 590).astype(np.int64)
    gap[first] = 0
    cum = np.cumsum(gap)
    t = start[sess] + cum - cum[first][sess]
    n_buyer, n_agent = len(BUYER_LINES), len(AGENT_LINES)
    text = np.where(
        kind == 0,
        rng.integers(0, n_buyer, len(sess)),
        n_buyer + rng.integers(0, n_agent, len(sess)),
    )
    # An auto-reply one second after the buyer's first line; a system line after the last.
    auto = np.flatnonzero(rng.random(m) < 0.30)
    system = np.flatnonzero(rng.random(m) < 0.05)
    last = first + k - 1
    sess = np.concatenate([sess, auto, system])
    t = np.concatenate([t, start[auto] + 1, t[last[system]] + 5])
    kind = np.concatenate([kind, np.ones(len(auto), np.int64), np.full(len(system), 2)])
    auto_text, system_text = n_buyer + n_agent, n_buyer + n_agent + 1
    text = np.concatenate([text, np.full(len(auto), auto_text), np.full(len(system), system_text)])
    order = np.lexsort((np.arange(len(sess)), t, sess))  # session by session, then time
    return sess[order], t[order], kind[order], text[order]


def write_messages(
    path: Path,
    seed: int,
    start: np.ndarray,
    agent: np.ndarray,
    buyer: np.ndarray,
    agents: pl.DataFrame,
    buyers: pl.Series,
    per_session: float,
) -> int:
    """chats.csv as a message log (千牛 聊天记录) of the given sessions; returns the line count.

    Each chunk of MSG_CHUNK sessions draws from its own generator seeded by (seed, chunk),
    so the file does not depend on anything drawn before it."""
    agent_keys = pl.concat([agents["chat_nick"], agents["agent_id"]])
    lines = pl.Series([*BUYER_LINES, *AGENT_LINES, AUTO_REPLY, SYSTEM_LINE], dtype=pl.String)
    senders = pl.Series(SENDERS, dtype=pl.String)
    written = 0
    with open(path, "wb") as fh:
        for c, c0 in enumerate(range(0, max(len(start), 1), MSG_CHUNK)):
            sl = slice(c0, min(len(start), c0 + MSG_CHUNK))
            rng = np.random.default_rng([seed, 3, c])
            use_id = rng.random(sl.stop - sl.start) < 0.03
            key = agent[sl].astype(np.int64) + np.where(use_id, len(agents), 0)
            sess, t, kind, text = _message_chunk(rng, start[sl], per_session)
            df = pl.DataFrame(
                {
                    "t": t,
                    "买家": buyers.gather(buyer[sl][sess]),
                    "客服": agent_keys.gather(key[sess]),
                    "发送方": senders.gather(kind),
                    "内容": lines.gather(text),
                }
            ).select(ts_expr(pl.col("t")).alias("发送时间"), "买家", "客服", "发送方", "内容")
            write_frame(fh, df, "utf-8", header=c0 == 0)
            written += df.height
    return written


# ----------------------------------------------------------------------------- orders


def draw_from_sessions(rng, start, k, lo_off, hi_off, t_start, t_end, mix_short=False):
    """k (session index, created) pairs: order placed lo_off..hi_off seconds after a chat."""
    got_j, got_t = [], []
    need = k
    n = len(start)
    while need > 0 and n > 0:
        m = int(need * 1.3) + 16
        j = rng.integers(0, n, m)
        if mix_short:  # impulse buys: 60% within 2 hours, the rest up to hi_off
            short = rng.random(m) < 0.6
            off = np.where(short, rng.integers(lo_off, 7200, m), rng.integers(7200, hi_off, m))
        else:
            off = rng.integers(lo_off, hi_off, m)
        t = start[j] + off
        keep = (t >= t_start) & (t < t_end)
        got_j.append(j[keep][:need])
        got_t.append(t[keep][:need])
        need -= len(got_j[-1])
    if not got_j:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(got_j), np.concatenate(got_t)


def make_orders(n, rng, start, buyer, n_cb, t0, n_days):
    t_end = t0 + n_days * 86400
    n_silent = int(round(n * 0.20))
    n_late = int(round(n * 0.08)) if len(start) else 0
    n_chat = n - n_silent - n_late if len(start) else 0
    n_silent = n - n_chat - n_late

    j1, c1 = draw_from_sessions(rng, start, n_chat, 60, 30 * 3600, t0, t_end, mix_short=True)
    j2, c2 = draw_from_sessions(rng, start, n_late, 3 * 86400, 6 * 86400, t0, t_end)
    n_sb = max(1, int(n_silent * 0.85))
    sb = n_cb + rng.integers(0, n_sb, n_silent)
    sday = rng.integers(0, n_days, n_silent)
    c3 = (
        t0
        + sday * 86400
        + rng.choice(24, n_silent, p=HOUR_P) * 3600
        + rng.integers(0, 3600, n_silent)
    )
    ob = np.concatenate([buyer[j1], buyer[j2], sb]).astype(np.int64)
    created = np.concatenate([c1, c2, c3]).astype(np.int64)
    order = np.argsort(created, kind="stable")
    ob, created = ob[order], created[order]

    oid = 4100000000000000 + np.cumsum(rng.integers(1, 997, n, dtype=np.int64))
    prod = rng.choice(len(PRODUCTS), size=n, p=PRODUCT_P)
    qty = rng.choice([1, 2, 3], size=n, p=[0.82, 0.14, 0.04])
    price = np.array([p for _, p in PRODUCTS], dtype=np.int64)[prod]
    goods = price * qty
    postage = np.where((goods < 4900) & (rng.random(n) < 0.5), 1000, 0)
    total = goods + postage
    coupon = np.array([300, 500, 1000, 2000])[rng.integers(0, 4, n)]
    coupon = np.where((rng.random(n) < 0.3) & (coupon * 2 < total), coupon, 0)
    late = created >= t_end - 3 * 86400
    st_a = rng.choice(5, size=n, p=STATUS_P)
    st_b = rng.choice(5, size=n, p=STATUS_P_LATE)
    status = np.where(late, st_b, st_a)
    unpaid = status == 4
    paid_fen = np.where(unpaid, 0, total - coupon)
    paid_at = np.where(unpaid, -1, created + rng.integers(5, 1800, n))
    partial = (status == 0) & (rng.random(n) < 0.06)
    part_fen = np.rint(paid_fen * rng.uniform(0.1, 0.6, n)).astype(np.int64)
    refund = np.where(status == 1, paid_fen, np.where(partial, part_fen, 0))
    return {
        "oid": oid,
        "buyer": ob,
        "created": created,
        "paid_at": paid_at,
        "status": status,
        "prod": prod,
        "qty": qty,
        "goods": goods,
        "postage": postage,
        "total": total,
        "paid": paid_fen,
        "refund": refund,
    }


def write_orders_canonical(path: Path, o: dict, buyers: pl.Series, encoding: str) -> None:
    n = len(o["oid"])
    status_s = pl.Series(STATUSES)
    with open(path, "wb") as fh:
        for c0 in range(0, max(n, 1), CHUNK):
            sl = slice(c0, min(n, c0 + CHUNK))
            df = pl.DataFrame(
                {
                    "oid": o["oid"][sl],
                    "buyer": buyers.gather(o["buyer"][sl]),
                    "created": o["created"][sl],
                    "paid_at": o["paid_at"][sl],
                    "paid": o["paid"][sl],
                    "status": status_s.gather(o["status"][sl]),
                    "refund": o["refund"][sl],
                }
            ).select(
                pl.col("oid").cast(pl.String).alias("order_id"),
                "buyer",
                ts_expr(pl.col("created")).alias("created_at"),
                pl.when(pl.col("paid_at") >= 0).then(ts_expr(pl.col("paid_at"))).alias("paid_at"),
                money_expr(pl.col("paid")).alias("paid_amount"),
                "status",
                money_expr(pl.col("refund")).alias("refund_amount"),
            )
            write_frame(fh, df, encoding, header=c0 == 0)


def write_orders_taobao(path: Path, o: dict, buyers: pl.Series, seed: int, encoding: str) -> None:
    n = len(o["oid"])
    # newest first, like the seller backend's download
    rev = np.arange(n - 1, -1, -1)
    st = pl.Series(STATUSES)
    titles = pl.Series([t for t, _ in PRODUCTS])
    surn = pl.Series(SURNAMES)
    addr = pl.Series([a for a, _, _ in ADDRESSES])
    street = pl.Series([s for _, s, _ in ADDRESSES])
    postcode = pl.Series([p for _, _, p in ADDRESSES])
    carrier = pl.Series([c for c, _ in CARRIERS])
    cprefix = pl.Series([p for _, p in CARRIERS])
    phone_p = pl.Series(PHONE_PREFIX)
    domains = pl.Series(MAIL_DOMAINS)
    msgs = pl.Series([None, *BUYER_MESSAGES], dtype=pl.String)
    notes = pl.Series([None, *SELLER_NOTES], dtype=pl.String)
    letters = pl.Series(list("abcdefghijklmnopqrstuvwxyz"))

    header = ",".join(f'"{h}"' for h in TAOBAO_HEADERS) + "\r\n"
    with open(path, "wb") as fh:
        write_text(fh, header, encoding)
        for ci, c0 in enumerate(range(0, n, ORDER_CHUNK)):
            idx = rev[c0 : c0 + ORDER_CHUNK]
            m = len(idx)
            r = np.random.default_rng([seed, 1000 + ci])
            status = o["status"][idx]
            shipped = (status == 0) | (status == 3)
            addr_i = r.integers(0, len(ADDRESSES), m)
            car_i = r.integers(0, len(CARRIERS), m)
            msg_i = r.integers(0, len(BUYER_MESSAGES), m)
            note_i = r.integers(0, len(SELLER_NOTES), m)
            df = pl.DataFrame(
                {
                    "oid": o["oid"][idx],
                    "buyer": buyers.gather(o["buyer"][idx]),
                    "mail": r.random(m) < 0.3,
                    "pp": phone_p.gather(r.integers(0, len(PHONE_PREFIX), m)),
                    "p4": r.integers(0, 10000, m),
                    "pp2": phone_p.gather(r.integers(0, len(PHONE_PREFIX), m)),
                    "p42": r.integers(0, 10000, m),
                    "l1": letters.gather(r.integers(0, 26, m)),
                    "l2": letters.gather(r.integers(0, 26, m)),
                    "dom": domains.gather(r.integers(0, len(MAIL_DOMAINS), m)),
                    "goods": o["goods"][idx],
                    "postage": o["postage"][idx],
                    "total": o["total"][idx],
                    "paid": o["paid"][idx],
                    "status": st.gather(status),
                    "closed": status == 1,
                    "msg": msgs.gather(np.where(r.random(m) < 0.05, msg_i + 1, 0)),
                    "surname": surn.gather(r.integers(0, len(SURNAMES), m)),
                    "addr": addr.gather(addr_i),
                    "street": street.gather(addr_i),
                    "postcode": postcode.gather(addr_i),
                    "created": o["created"][idx],
                    "paid_at": o["paid_at"][idx],
                    "title": titles.gather(o["prod"][idx]),
                    "qty": o["qty"][idx],
                    "shipped": shipped,
                    "carrier": carrier.gather(car_i),
                    "cprefix": cprefix.gather(car_i),
                    "track": r.integers(10**11, 10**12, m),
                    "note": notes.gather(np.where(r.random(m) < 0.03, note_i + 1, 0)),
                    "mobile": r.random(m) < 0.85,
                    "proxy": r.random(m) < 0.01,
                    "refund": o["refund"][idx],
                }
            )
            phone = pl.concat_str(
                pl.col("pp"), pl.lit("****"), pl.col("p4").cast(pl.String).str.zfill(4)
            )
            alipay = (
                pl.when(pl.col("mail"))
                .then(pl.concat_str(pl.col("l1"), pl.col("l2"), pl.lit("***@"), pl.col("dom")))
                .otherwise(phone)
            )
            mobile = pl.concat_str(
                pl.col("pp2"), pl.lit("****"), pl.col("p42").cast(pl.String).str.zfill(4)
            )
            address = pl.concat_str(
                pl.col("addr"),
                pl.lit(" "),
                pl.col("street"),
                pl.lit("***号("),
                pl.col("postcode"),
                pl.lit(")"),
            )
            blank = pl.lit("")
            cells = [
                eq_id(pl.col("oid").cast(pl.String)),  # 订单编号
                q(pl.col("buyer")),  # 买家会员名
                q(alipay),  # 买家支付宝账号
                q(money_expr(pl.col("goods"))),  # 买家应付货款
                q(money_expr(pl.col("postage"))),  # 买家应付邮费
                q(pl.lit("0")),  # 买家支付积分
                q(money_expr(pl.col("total"))),  # 总金额
                q(pl.lit("0")),  # 返点积分
                q(money_expr(pl.col("paid"))),  # 买家实际支付金额
                q(pl.lit("0")),  # 买家实际支付积分
                q(pl.col("status")),  # 订单状态
                q(pl.col("msg")),  # 买家留言
                q(pl.concat_str(pl.col("surname"), pl.lit("**"))),  # 收货人姓名
                q(address),  # 收货地址
                q(pl.lit("快递")),  # 运送方式
                q(blank),  # 联系电话
                q(mobile),  # 联系手机
                q(ts_expr(pl.col("created"))),  # 订单创建时间
                q(pl.when(pl.col("paid_at") >= 0).then(ts_expr(pl.col("paid_at")))),  # 付款时间
                q(pl.col("title")),  # 宝贝标题
                q(pl.lit("1")),  # 宝贝种类
                eq_id(
                    pl.when(pl.col("shipped")).then(
                        pl.concat_str(pl.col("cprefix"), pl.col("track").cast(pl.String))
                    )
                ),  # 物流单号
                q(pl.when(pl.col("shipped")).then(pl.col("carrier"))),  # 物流公司
                q(pl.col("note")),  # 订单备注
                q(pl.col("qty").cast(pl.String)),  # 宝贝总数量
                q(pl.lit("0")),  # 店铺Id
                q(pl.lit(SHOP)),  # 店铺名称
                q(pl.when(pl.col("closed")).then(pl.lit("退款")).otherwise(pl.lit("订单未关闭"))),
                q(pl.lit("0.00")),  # 卖家服务费
                q(pl.lit("0.00")),  # 买家服务费
                q(blank),  # 发票抬头
                q(pl.when(pl.col("mobile")).then(pl.lit("手机订单"))),  # 是否手机订单
                q(blank),  # 分阶段订单信息
                q(blank),  # 特权订金订单id
                q(pl.lit("否")),  # 是否上传合同照片
                q(pl.lit("否")),  # 是否上传小票
                q(pl.when(pl.col("proxy")).then(pl.lit("是")).otherwise(pl.lit("否"))),  # 是否代付
                q(blank),  # 定金排名
                q(blank),  # 修改后的sku
                q(blank),  # 修改后的收货地址
                q(blank),  # 异常信息
                q(blank),  # 天猫卡券抵扣
                q(pl.lit("0.00")),  # 集分宝抵扣
                q(blank),  # 是否是O2O交易
                q(money_expr(pl.col("refund"))),  # 退款金额
                q(blank),  # 预约门店
            ]
            assert len(cells) == len(TAOBAO_HEADERS)
            line = df.select(pl.concat_str(cells, separator=",").alias("line"))
            write_frame(fh, line, encoding, header=False, eol="\r\n", quote_style="never")


# ----------------------------------------------------------------------------- main


def generate(
    out: Path,
    n_agents: int,
    n_sessions: int,
    n_orders: int,
    seed: int = 7,
    month: str = "2026-10",
    orders_format: str = "taobao",
    encoding: str | None = None,
    verbose: bool = True,
    chats_format: str = "sessions",
    messages_per_session: float = 8.0,
) -> None:
    if n_agents < 2:
        raise SystemExit("--agents must be at least 2 (one supervisor and one agent)")
    if encoding is None:
        encoding = "gbk" if orders_format == "taobao" else "utf-8"
    y, m = (int(x) for x in month.split("-"))
    month_start = date(y, m, 1)
    n_days = calendar.monthrange(y, m)[1]
    month_last = date(y, m, n_days)
    t0 = epoch(month_start)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    clock = time.perf_counter()

    def log(msg: str) -> None:
        if verbose:
            print(f"[{time.perf_counter() - clock:6.1f}s] {msg}", file=sys.stderr, flush=True)

    agents, is_sup, first_day, last_day = make_agents(n_agents, rng, month_start, month_last)
    agents.write_csv(out / "agents.csv")
    log(f"agents.csv: {len(agents)} rows")

    start, agent, buyer, n_cb = make_sessions(
        n_sessions, rng, is_sup, first_day, last_day, n_days, t0
    )
    orders = make_orders(n_orders, rng, start, buyer, n_cb, t0, n_days)
    n_buyers = int(max(buyer.max(initial=-1), orders["buyer"].max(initial=-1))) + 1
    buyers = buyer_names(n_buyers)
    log(f"drew {len(start)} sessions, {n_orders} orders, {n_buyers} buyers")

    if chats_format == "messages":
        lines = write_messages(
            out / "chats.csv", seed, start, agent, buyer, agents, buyers, messages_per_session
        )
        log(f"chats.csv written ({lines} messages)")
    else:
        write_chats(out / "chats.csv", rng, start, agent, buyer, agents, buyers)
        log("chats.csv written")
    del start, agent, buyer
    if orders_format == "taobao":
        write_orders_taobao(out / "orders.csv", orders, buyers, seed, encoding)
    else:
        write_orders_canonical(out / "orders.csv", orders, buyers, encoding)
    log(f"orders.csv written ({orders_format}, {encoding})")


def count(text: str) -> int:
    """Row counts may be written 5e6 or 5_000_000."""
    v = float(text.replace("_", ""))
    if v < 0 or v != int(v):
        raise argparse.ArgumentTypeError(f"not a count: {text}")
    return int(v)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("out_dir", type=Path)
    p.add_argument("--agents", type=count, required=True)
    p.add_argument("--sessions", type=count, required=True)
    p.add_argument("--orders", type=count, required=True)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--month", default="2026-10")
    p.add_argument("--orders-format", choices=["taobao", "canonical"], default="taobao")
    p.add_argument(
        "--encoding",
        choices=["gbk", "utf-8"],
        default=None,
        help="encoding of orders.csv (default: gbk for taobao, utf-8 for canonical)",
    )
    p.add_argument(
        "--chats-format",
        choices=["sessions", "messages"],
        default="sessions",
        help="chats.csv as sessions (default) or as a message log of the same sessions",
    )
    p.add_argument("--messages-per-session", type=float, default=8.0)
    p.add_argument("-q", "--quiet", action="store_true")
    a = p.parse_args(argv)
    generate(
        a.out_dir,
        a.agents,
        a.sessions,
        a.orders,
        a.seed,
        a.month,
        a.orders_format,
        a.encoding,
        verbose=not a.quiet,
        chats_format=a.chats_format,
        messages_per_session=a.messages_per_session,
    )


if __name__ == "__main__":
    main()
