"""docs/inputs.md's table of every accepted format: each sample header, written as the
first line of a file named for its input, is read by `inspect` as that input and format.
A header shortened with … is checked for its kind and format only (the columns left out
may be required ones); a whole one is also read without a problem."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from csincentive.sources.detect import inspect_file

ROOT = Path(__file__).resolve().parents[2]
KIND = {
    "agents": "roster",
    "chats": "chats",
    "orders": "orders",
    "agent_report": "agent report",
    "attendance": "attendance",
    "events": "events",
    "inputs": "manual figures",
    "ytd": "year so far",
}
# The format column's words → what inspect calls the variant ("" for files of one format).
VARIANT = {
    "session export (赤兔 / 千牛 接待记录)": "sessions",
    "message log with an agent column": "messages",
    "千牛 per-message export": "千牛 messages, no agent column",
    "订单报表 (ExportOrderList, 2017)": "订单报表",
    "订单报表, later header": "订单报表 (later header)",
    "宝贝报表 (ExportOrderDetailList)": "宝贝报表: items added up to orders",
}


def _table() -> list[tuple[str, str, str]]:
    text = (ROOT / "docs" / "inputs.md").read_text(encoding="utf-8")
    section = text[text.index("## Every accepted format") :]
    table = section[section.index("| input") :].split("\n\n", 1)[0]
    rows = []
    for line in table.splitlines()[2:]:  # below the header and its rule
        name, form, sample = (cell.strip() for cell in line.strip().strip("|").split("|"))
        rows.append((name, form.split(" ([")[0], sample.strip("`")))
    return rows


ROWS = _table()


def test_the_table_lists_every_input_and_report():
    assert {name for name, _, _ in ROWS} == set(KIND)
    reports = [form for name, form, _ in ROWS if name == "agent_report"]
    assert reports == ["赤兔 售前绩效", "生意参谋 客服绩效", "生意参谋 客服销售"]


@pytest.mark.parametrize("name,form,sample", ROWS, ids=[f"{n}: {f}" for n, f, _ in ROWS])
def test_each_sample_header_reads_as_its_format(tmp_path: Path, name: str, form: str, sample: str):
    cells = [c for c in next(csv.reader(io.StringIO(sample))) if c.strip() != "…"]
    path = tmp_path / f"{name}.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerow(cells)
    found = inspect_file(path)
    assert found.kind == KIND[name]
    if name == "agent_report":
        assert found.variant == form  # the tool that writes it
    elif form != "canonical":
        assert found.variant == VARIANT.get(form, "")
    if "…" not in sample:
        assert [d.render() for d in found.problems] == []
