"""The one message catalogue (core/messages.toml): every message in both languages with the
same placeholders, every key the code names is there, every message is used, and every
built-in name has its words."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from csincentive.core.messages import (
    DATA_AREAS,
    LANGUAGES,
    catalogue,
    language_of,
    placeholders,
    t,
    word,
    words_of,
)
from csincentive.core.names import BUILTIN

SRC = Path(__file__).resolve().parents[2] / "src" / "csincentive"
MESSAGES = catalogue()
# A key as the code writes it: "why.deducted", "term.total" … (an area, a dot, a name).
AREAS = sorted({key.split(".")[0] for key in MESSAGES} - DATA_AREAS)
KEY = re.compile(r"""["'](?P<key>(?:""" + "|".join(AREAS) + r""")\.[a-z0-9_]+)["']""")


def keys_in_code() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in sorted(SRC.rglob("*.py")):
        for match in KEY.finditer(path.read_text(encoding="utf-8")):
            found.setdefault(match["key"], []).append(path.name)
    return found


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_every_message_has_both_languages_with_the_same_placeholders(key: str):
    message = MESSAGES[key]
    assert sorted(message) == sorted(LANGUAGES), f"{key}: give exactly zh and en"
    for lang in LANGUAGES:
        assert message[lang].strip(), f"{key} has no {lang}"
    assert placeholders(message["zh"]) == placeholders(message["en"]), key


def test_every_key_the_code_names_is_in_the_catalogue():
    missing = {key: files for key, files in keys_in_code().items() if key not in MESSAGES}
    assert missing == {}


def test_every_message_is_used():
    used = keys_in_code()
    unused = [key for key in MESSAGES if key.split(".")[0] not in DATA_AREAS and key not in used]
    assert unused == []


def test_every_built_in_name_has_its_words():
    assert [name for name in BUILTIN if word("name", name, "zh") is None] == []
    # In English a name reads as the CSV files and formulas write it.
    assert [name for name in BUILTIN if word("name", name, "en") != name] == []


def test_a_message_is_filled_in_either_language():
    # The example, in both languages (S000-12: the first two late arrivals are free).
    count, free, terms = "迟到", 2, "20 + 2 × 20"
    zh = t(
        "why.ladder",
        "zh",
        count=count,
        times=5,
        free=t("why.ladder_free", "zh", free=free),
        terms=terms,
    )
    assert zh == "迟到 5 次，前 2 次不罚：20 + 2 × 20"
    en = t(
        "why.ladder",
        "en",
        count="late",
        times=5,
        free=t("why.ladder_free", "en", free=free),
        terms=terms,
    )
    assert en == "late 5 times, first 2 a warning only: 20 + 2 × 20"


@pytest.mark.parametrize(
    ("typed", "lang"),
    [(None, "zh"), ("zh", "zh"), ("zh-CN", "zh"), ("en", "en"), ("EN", "en"), ("en-US", "en")],
)
def test_language_of_what_was_typed(typed: str | None, lang: str):
    assert language_of(typed) == lang


def test_a_section_is_read_whole_and_the_net_columns_keep_the_names_words():
    # words_of reads an area a page uses whole ([payslip], [report] …), in either language.
    assert words_of("payslip", "zh")["amount"] == "金额"
    assert words_of("payslip", "en")["amount"] == "Amount"
    assert sorted(words_of("report", "zh")) == sorted(words_of("report", "en"))
    # The net-pay columns of a payslip say in Chinese what every other header says ([name]).
    net = words_of("payslip_net", "zh")
    assert net == {column: word("name", column, "zh") for column in net}
