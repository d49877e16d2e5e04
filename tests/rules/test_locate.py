"""SourceMap: positions of keys and values in TOML text. Expected (line, col) pairs were
counted by hand from RULES below (line 1 is the comment line, columns are 1-based)."""

from __future__ import annotations

import sys
from typing import Any

import pytest

from csincentive.rules.locate import SourceMap

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

RULES = """\
# 淘宝客服激励制度 [not a table] {nor = this}
[scheme]
id = "taobao-presales"   # a comment with "quotes" and [brackets]
name = '淘宝 # not a comment'

[components.commission]
kind = "rate"
rate = "1%"
applies_to = { role = ["agent", "supervisor"], note = "a, b } c" }

[ components . "个人提成" ]
expr = 'net_sales * 1%'

[components.coefficient]
rows = [
  { below = "40%", value = 1.2 },   # first
  { from = "40%", below = "50%", value = 1.4 },
  # a comment between elements, with a { brace
  { from = "50%", value = 2.0 },
]
prizes = [150, 100]
dates.start = 2026-01-01
expr = \"\"\"
if(role == "supervisor",
   supervisor_base, 0)\"\"\"
escaped = "say \\"hi\\" then x"

[[adjustments]]
agent = "A001"
amount = 100

[[adjustments]]
agent = "A002"
amount = -50
"""


@pytest.fixture(scope="module")
def source() -> SourceMap:
    return SourceMap.from_text(RULES)


def test_section_header(source: SourceMap) -> None:
    assert source.position(("scheme",)) == (2, 1)
    assert source.position(("components", "commission")) == (6, 1)
    # spaces and a quoted CJK key in the header
    assert source.position(("components", "个人提成")) == (11, 1)
    # an implicit table points at its name in the first header that mentions it
    assert source.position(("components",)) == (6, 2)


def test_key_in_section(source: SourceMap) -> None:
    assert source.position(("scheme", "name")) == (4, 1)
    assert source.position(("components", "commission", "rate")) == (8, 1)
    assert source.position(("components", "个人提成", "expr")) == (12, 1)
    # dotted key: each part where it is written
    assert source.position(("components", "coefficient", "dates")) == (22, 1)
    assert source.position(("components", "coefficient", "dates", "start")) == (22, 7)


def test_inline_tables_and_arrays(source: SourceMap) -> None:
    applies = ("components", "commission", "applies_to")
    assert source.position((*applies, "role")) == (9, 16)
    assert source.position((*applies, "role", 1)) == (9, 33)
    # the "}" and "," inside the string do not end the inline table
    assert source.position((*applies, "note")) == (9, 48)
    assert source.value_position((*applies, "note")) == (9, 56)


def test_multiline_array_of_inline_tables(source: SourceMap) -> None:
    rows = ("components", "coefficient", "rows")
    assert source.position(rows) == (15, 1)
    assert source.position((*rows, 0)) == (16, 3)
    assert source.position((*rows, 1)) == (17, 3)
    assert source.position((*rows, 1, "value")) == (17, 34)
    assert source.value_position((*rows, 1, "value")) == (17, 42)
    # the comment line between elements is not an element
    assert source.position((*rows, 2)) == (19, 3)
    assert source.position(("components", "coefficient", "prizes", 1)) == (21, 16)


def test_array_of_tables_counts_occurrences(source: SourceMap) -> None:
    assert source.position(("adjustments",)) == (28, 1)
    assert source.position(("adjustments", 1)) == (32, 1)
    assert source.position(("adjustments", 1, "amount")) == (34, 1)
    assert source.value_position(("adjustments", 1, "amount")) == (34, 10)


def test_missing_path_falls_back_to_ancestor(source: SourceMap) -> None:
    assert source.position(("components", "commission", "cap")) == (6, 1)
    assert source.position(("components", "coefficient", "rows", 7, "value")) == (15, 1)
    assert source.position(("nothing", "here")) == (1, 1)
    assert source.position(()) == (1, 1)


def test_value_position_of_strings(source: SourceMap) -> None:
    # the character after the opening quote, so a formula offset can be added to the column
    assert source.value_position(("scheme", "id")) == (3, 7)
    assert source.value_position(("components", "个人提成", "expr")) == (12, 9)
    line, col = source.value_position(("components", "个人提成", "expr"))
    offset = "net_sales * 1%".index("1%")
    assert RULES.splitlines()[line - 1][col - 1 + offset :].startswith("1%")
    # a multi-line string starts right after the opening quotes, at the end of line 23
    multi = ("components", "coefficient", "expr")
    assert source.value_position(multi) == (23, 11)
    assert source.line_rest(23, 11) == ""


def test_string_position_handles_escapes_and_lines(source: SourceMap) -> None:
    multi = ("components", "coefficient", "expr")
    text = 'if(role == "supervisor",\n   supervisor_base, 0)'
    assert source.string_position(multi, 0) == (24, 1)
    assert source.string_position(multi, text.index("supervisor_base")) == (25, 4)
    escaped = ("components", "coefficient", "escaped")
    # decoded 'say "hi" then x': the x is at offset 14, in the source after two backslashes
    assert source.string_position(escaped, 14) == (26, 28)
    assert source.string_position(escaped, 99) == (26, 29)  # past the end: closing quote


def _leaves(data: Any, path: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    if isinstance(data, dict):
        return [p for k, v in data.items() for p in _leaves(v, (*path, k))]
    if isinstance(data, list):
        return [p for i, v in enumerate(data) for p in _leaves(v, (*path, i))]
    return [path]


def test_every_value_tomllib_sees_is_located(source: SourceMap) -> None:
    # Cross-check against a real parser: every leaf is found exactly (no fallback), and
    # string values decode to what tomllib says.
    data = tomllib.loads(RULES)
    for path in _leaves(data):
        assert path in source.keys, path
        value = data
        for part in path:
            value = value[part]
        if isinstance(value, str):
            assert len(source.strings[path]) == len(value) + 1, path


def test_crlf_line_endings() -> None:
    crlf = SourceMap.from_text(RULES.replace("\n", "\r\n"))
    assert crlf.position(("adjustments", 1, "amount")) == (34, 1)
    assert crlf.value_position(("components", "coefficient", "expr")) == (23, 11)
    assert crlf.line_rest(23, 11) == ""
