"""The cells of a per-agent report (赤兔 售前绩效, 生意参谋 客服绩效 / 客服销售) as values,
read the way the tools write them — each a Polars expression over a column of text, so a
report's figures are parsed column by column, never cell by cell in Python:

* counts ``132``, ``1,204`` (and ``45.0``, how a spreadsheet may hold a whole number);
* money ``12,345.60``, ``¥12,345.60``, ``12345.6元`` — at most two decimals, except that a
  spreadsheet's binary float a hair off a fen (``60234.00000000001``) is that fen;
* durations ``35``, ``35秒``, ``2分30秒``, ``7小时41分52秒``, ``1天2小时``, ``00:02:30``;
* rates ``45.20%`` or ``0.452`` (a bare number above 1 is not a rate: D835); an answer
  ratio (答问比) may be above 1: ``1.35`` or ``135%``;
* ``-``, ``--``, ``—``, ``/`` or a blank cell: no figure (null).

A cell that says the tool has not finished counting (``延迟统计``, ``统计中`` …) is not a
value at all: ``not_final`` finds it, and the report is downloaded again later (D832).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

import polars as pl

from csincentive.core.money import ENGINE, PAY, exact
from csincentive.sources.parsing import MONEY_PATTERN

Kind = Literal["count", "money", "seconds", "rate", "ratio"]

NONE_MARKERS = ("-", "--", "—", "——", "/", "－")
# What 赤兔 writes in a cell whose figure is still being counted (payments are counted up to
# 7–8 days after the day: ../shared/EXPORTS.md), and the words of the same meaning.
NOT_FINAL_WORDS = ("延迟统计", "统计中", "计算中", "更新中", "待更新", "待统计", "未统计")
WHAT = {
    "count": "a whole number",
    "money": "an amount (at most two decimals)",
    "seconds": "a duration (35, 35秒, 2分30秒, 7小时41分52秒, 00:02:30)",
    "rate": "a rate (45.20% or 0.452)",
    "ratio": "a ratio (1.35 or 135%)",
}
# 1天2小时3分4秒 and every part of it optional; each unit also as its short form.
DURATION = (
    r"^(?:(\d+(?:\.\d+)?)天)?(?:(\d+(?:\.\d+)?)(?:小时|时|h))?"
    r"(?:(\d+(?:\.\d+)?)(?:分钟|分|min|m))?(?:(\d+(?:\.\d+)?)(?:秒|s))?$"
)
CLOCK = r"^(\d+):(\d{1,2}):(\d{1,2}(?:\.\d+)?)$|^(\d+):(\d{1,2}(?:\.\d+)?)$"
WHOLE = r"^[+-]?\d+(?:\.0+)?$"
NUMBER = r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$"
HUNDREDTH = Decimal("0.01")  # a percentage written as 45.20%


def cleaned(text: pl.Expr) -> pl.Expr:
    """The cell without spaces, full-width commas or thousands separators; null for a
    blank cell or a none marker (``-``)."""
    stripped = text.str.replace_all(r"\s", "").str.replace_all("，", ",", literal=True)
    none = stripped.is_in(NONE_MARKERS) | (stripped.str.len_chars() == 0)
    return pl.when(~none).then(stripped.str.replace_all(",", "", literal=True))


def not_final(text: pl.Expr) -> pl.Expr:
    """The cell says its figure is not counted yet (延迟统计 …)."""
    return text.str.contains("|".join(NOT_FINAL_WORDS)).fill_null(False)


def parse(kind: Kind, text: pl.Expr) -> pl.Expr:
    """The value of a cleaned cell (see cleaned) of a column of this kind, else null:
    Int64 counts, PAY money, Float64 seconds, ENGINE rates and ratios."""
    if kind == "count":
        return (
            pl.when(text.str.contains(WHOLE))
            .then(text.cast(pl.Float64, strict=False))
            .cast(pl.Int64, strict=False)
        )
    if kind == "money":
        return _money(text)
    if kind == "seconds":
        return _seconds(text)
    return _rate(text)


def _money(text: pl.Expr) -> pl.Expr:
    """Amounts as written; a binary float within a millionth of a fen is that fen."""
    amount = text.str.strip_chars_start("¥￥").str.strip_suffix("元")
    exact = pl.when(amount.str.contains(MONEY_PATTERN)).then(amount).cast(PAY, strict=False)
    number = pl.when(amount.str.contains(r"^[+-]?\d+\.\d{3,}$")).then(
        amount.cast(pl.Float64, strict=False)
    )
    near_fen = ((number * 100).round(0) - number * 100).abs() < 1e-4
    nearly = pl.when(near_fen).then(number.round(2).cast(pl.String)).cast(PAY, strict=False)
    return pl.coalesce(exact, nearly)


def _seconds(text: pl.Expr) -> pl.Expr:
    """Seconds from a plain number, 2分30秒-style units or a clock (H:MM:SS, M:SS)."""
    plain = pl.when(text.str.contains(NUMBER)).then(text.cast(pl.Float64, strict=False))
    units = text.str.extract_groups(DURATION)
    worded = pl.when(text.str.len_chars() > 0).then(
        pl.sum_horizontal(
            units.struct.field(str(i)).cast(pl.Float64).fill_null(0) * factor
            for i, factor in ((1, 86400), (2, 3600), (3, 60), (4, 1))
        )
    )
    has_unit = pl.any_horizontal(units.struct.field(str(i)).is_not_null() for i in range(1, 5))
    clock = text.str.extract_groups(CLOCK)

    def part(index: int) -> pl.Expr:
        return clock.struct.field(str(index)).cast(pl.Float64)

    timed = pl.coalesce(
        part(1) * 3600 + part(2) * 60 + part(3),
        part(4) * 60 + part(5),
    )
    return pl.coalesce(plain, pl.when(has_unit).then(worded), timed)


def _rate(text: pl.Expr) -> pl.Expr:
    """45.20% → 0.452, 0.452 → 0.452 (exact Decimals)."""
    percent = text.str.strip_suffix("%")
    written = pl.when(percent.str.contains(NUMBER)).then(percent.cast(ENGINE, strict=False))
    return (
        pl.when(text.str.ends_with("%"))
        .then(written * exact(HUNDREDTH))
        .otherwise(written)
        .cast(ENGINE)
    )


def bare_rate_above_one(text: pl.Expr) -> pl.Expr:
    """A rate written as a bare number above 1 (45.2): meant as 45.2%, or a wrong column."""
    number = pl.when(text.str.contains(NUMBER)).then(text.cast(pl.Float64, strict=False))
    return (~text.str.ends_with("%") & (number > 1)).fill_null(False)
