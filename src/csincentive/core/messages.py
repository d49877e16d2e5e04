"""The one catalogue of the words a person reads: explanations, terminal labels, the
headers of the workbook, the payslips and the report — each in Chinese and English.

The messages are data, in ``messages.toml`` beside this module: one table per area
(``[why]`` the explanations the engine writes, ``[explain]`` the payslip tree, ``[term]``
the terminal, ``[sheet]`` the workbook, ``[name]`` the built-in names and file columns …),
each message a ``{ zh = "…", en = "…" }`` with ``{placeholders}`` filled by ``t``. A test
fails when a message lacks either language or its placeholders differ between them.

The public API, for every layer:

- ``t(key, lang, **values)`` — the message ``"area.key"`` in ``lang``, placeholders filled;
- ``word(area, key, lang)`` — a message looked up by a key that is data (a built-in name,
  an outcome, a column), or None when the catalogue has none;
- ``words_of(area, lang)`` — every message of an area a page reads whole (``[payslip]``,
  ``[report]`` …) by key;
- ``language_of(text)`` — "zh" or "en" from what a user typed (``--lang``, ``[scheme]
  language``), ``LANGUAGES`` and ``DEFAULT_LANGUAGE`` (Chinese);
- ``catalogue()`` — every message, for tests and tools.

CSV files keep machine-readable ids as headers (agent_id, component ids): only what a
person reads goes through here. Diagnostics (docs/errors.md) stay in English for now.
Standard library only, so the command line can use it before Polars is imported."""

from __future__ import annotations

import string
import sys
from functools import cache
from pathlib import Path
from typing import Literal

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

Lang = Literal["zh", "en"]
LANGUAGES: tuple[Lang, ...] = ("zh", "en")
DEFAULT_LANGUAGE: Lang = "zh"
CATALOGUE = Path(__file__).with_name("messages.toml")
# Areas whose keys are data rather than code (looked up with ``word``): every key there
# is reachable, so the test that each message is used skips them.
# Areas a page reads whole (``words_of``): the words of a payslip, 工资条.xlsx, the report.
SECTIONS = frozenset({"payslip", "payslip_net", "figure", "payslip_book", "report"})
DATA_AREAS = (
    frozenset(
        {"name", "column", "outcome", "role", "severity", "formula", "source", "decision", "input"}
    )
    | SECTIONS
)


@cache
def catalogue() -> dict[str, dict[str, str]]:
    """Every message by its key ("why.deducted"), each {"zh": …, "en": …}."""
    data = tomllib.loads(CATALOGUE.read_text(encoding="utf-8"))
    return {
        f"{area}.{key}": dict(message)
        for area, messages in data.items()
        for key, message in messages.items()
    }


def template(key: str, lang: str) -> str:
    """The message as written in the catalogue, placeholders unfilled."""
    return catalogue()[key][language_of(lang)]


def t(key: str, lang: str, /, **values: object) -> str:
    """The message ``key`` in ``lang`` with its placeholders filled from ``values``."""
    return template(key, lang).format(**values)


def word(area: str, key: str, lang: str) -> str | None:
    """The message ``area.key`` when the catalogue has one (a built-in name's words, an
    outcome's), else None."""
    message = catalogue().get(f"{area}.{key}")
    return None if message is None else message[language_of(lang)]


def words_of(area: str, lang: str) -> dict[str, str]:
    """Every message of an area in ``lang``, by key, placeholders unfilled: the words a
    page reads whole (``words_of("payslip", "zh")["amount"]`` is 金额)."""
    prefix = f"{area}."
    lang = language_of(lang)
    return {
        key.removeprefix(prefix): message[lang]
        for key, message in catalogue().items()
        if key.startswith(prefix)
    }


def placeholders(text: str) -> set[str]:
    """The names of a message's placeholders: {"why", "amount"}."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def language_of(text: str | None) -> Lang:
    """The language a user asked for (zh, en; zh-CN, en-US, 中文 …); Chinese by default."""
    if text is None:
        return DEFAULT_LANGUAGE
    folded = text.strip().casefold()
    if folded in ("en", "english") or folded.startswith("en-") or folded.startswith("en_"):
        return "en"
    return "zh"


__all__ = [
    "CATALOGUE",
    "DATA_AREAS",
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "SECTIONS",
    "Lang",
    "catalogue",
    "language_of",
    "placeholders",
    "t",
    "template",
    "word",
    "words_of",
]
