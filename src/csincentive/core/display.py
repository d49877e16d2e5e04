"""How numbers read in explanations: money with two places, ratios as percentages, other
numbers without trailing zeros. Both for Python Decimals (rule bounds) and Polars
expressions (per-agent values), so a bound and a value always look alike; and ``phrase``,
a catalogue message whose placeholders are per-person expressions."""

from __future__ import annotations

import string
from decimal import Decimal

import polars as pl

from csincentive.core.messages import template
from csincentive.core.money import ENGINE, PAY, TENTHS, exact, plain, round_fen


def strip_zeros(text: pl.Expr) -> pl.Expr:
    """'52.3000' → '52.3', '40.00' → '40', '100' stays '100'."""
    return text.str.replace(r"(\.\d*?)0+$", "${1}").str.replace(r"\.$", "")


def show_expr(value: pl.Expr, unit: str) -> pl.Expr:
    if unit == "text":
        return value.cast(pl.Utf8)
    decimal = value.cast(ENGINE)
    if unit == "money":
        return decimal.round(2, mode="half_away_from_zero").cast(PAY).cast(pl.Utf8)
    if unit in ("ratio", "percent"):
        # Truncated, not rounded, to 0.1%: 109.998% reads 109.9%, never the 110% it has
        # not reached (bounds sit on round percentages).
        tenths = (decimal * exact(1000)).floor()
        percent = (tenths / exact(10)).cast(TENTHS)
        return strip_zeros(percent.cast(pl.Utf8)) + pl.lit("%")
    return strip_zeros(decimal.round(4, mode="half_away_from_zero").cast(pl.Utf8))


def show_number(value: Decimal, unit: str) -> str:
    if unit == "money":
        return f"{round_fen(value):.2f}"
    if unit in ("ratio", "percent"):
        return plain(value * 100) + "%"
    return plain(value)


def phrase(key: str, lang: str, /, **parts: str | pl.Expr) -> pl.Expr:
    """A catalogue message (core/messages.py) as a Polars expression: each placeholder
    filled by a text or by a per-person expression, the words around them in ``lang``.
    A null part leaves the whole phrase null, as ``concat_str`` does."""
    pieces: list[pl.Expr] = []
    for literal, name, _, _ in string.Formatter().parse(template(key, lang)):
        if literal:
            pieces.append(pl.lit(literal))
        if name:
            part = parts[name]
            pieces.append(pl.lit(part) if isinstance(part, str) else part)
    return pl.concat_str(pieces) if pieces else pl.lit("")
