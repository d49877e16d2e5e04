"""What the HTML files share (payslips, the month report): escaping, the fonts, and filling a
page template from Polars columns, so that one page per person is a column expression over
everyone at once rather than a Python loop over people.

Every page is self-contained and works offline: no script from elsewhere, no web font, no
CDN. Chinese is set in the fonts the reader's system has (``FONTS``: macOS, Windows, the
Noto/Source Han fonts of Linux), which every browser falls back through in order.

A template is plain text with slots written ``⟦name⟧``; ``fill`` turns it into one string
expression, the text between slots as literals (so CSS braces need no escaping) and each
slot a column expression. Text from the data is escaped with ``escaped`` (an expression) or
``escape`` (a Python string) before it reaches a page."""

from __future__ import annotations

import html
import re

import polars as pl

# The system fonts for Chinese, then the generic family: no font is downloaded.
FONTS = (
    '"PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", '
    '"Source Han Sans SC", "Noto Sans SC", "WenQuanYi Micro Hei", sans-serif'
)
SLOT = re.compile(r"⟦(\w+)⟧")
_ENTITIES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"), ("'", "&#x27;"))


def escape(text: str) -> str:
    """A Python string made safe for HTML text and attribute values."""
    return html.escape(text, quote=True)


def escaped(expr: pl.Expr) -> pl.Expr:
    """A text column made safe for HTML text and attribute values (as ``escape``); a
    missing value becomes the empty string."""
    text = expr.cast(pl.String).fill_null("")
    for char, entity in _ENTITIES:  # & first, so no entity is escaped twice
        text = text.str.replace_all(char, entity, literal=True)
    return text


def fill(template: str, **slots: pl.Expr) -> pl.Expr:
    """The template with each ``⟦name⟧`` replaced by ``slots[name]`` (already escaped, or
    markup built from escaped text); every slot of the template must be given."""
    parts: list[pl.Expr] = []
    position = 0
    for match in SLOT.finditer(template):
        if match.start() > position:
            parts.append(pl.lit(template[position : match.start()]))
        parts.append(slots[match[1]].cast(pl.String).fill_null(""))
        position = match.end()
    if position < len(template):
        parts.append(pl.lit(template[position:]))
    return pl.concat_str(parts) if parts else pl.lit("")


def fill_text(template: str, **slots: str) -> str:
    """``fill`` for one page made in Python (the report): slots are strings."""
    return SLOT.sub(lambda match: slots[match[1]], template)
