"""The month's summary on a terminal of 80 and 120 columns (Rich with a fixed width): it fits
the width, never cuts a number, heads the columns with the shop's labels in the month's
language, repeats who a row is when it splits a wide payroll, and ends with a totals row."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.cells import cell_len
from rich.console import Console

from csincentive.cli.render import month_summary
from csincentive.month.compute import compute_month
from csincentive.month.result import MonthResult

ROOT = Path(__file__).resolve().parents[2]
MONTH = ROOT / "examples" / "2026-10"
RULES = ROOT / "rules" / "taobao-presales.toml"


@pytest.fixture(scope="module")
def months() -> dict[str, MonthResult]:
    return {lang: compute_month(MONTH, RULES, lang=lang) for lang in ("zh", "en")}


def shown(result: MonthResult, width: int) -> str:
    out = io.StringIO()
    month_summary(Console(file=out, width=width, highlight=False, color_system=None), result)
    return out.getvalue()


@pytest.mark.parametrize("width", [80, 120])
def test_the_summary_fits_and_cuts_no_number(months: dict[str, MonthResult], width: int):
    result = months["zh"]
    text = shown(result, width)
    assert max(cell_len(line) for line in text.splitlines()) <= width
    assert "…" not in text
    cells = {cell.strip() for line in text.splitlines() for cell in line.split("│")}
    # Every amount of every person and every column's total is there whole.
    for column in result.money_columns:
        for amount in result.payroll[column].to_list():
            assert str(amount) in cells, (column, amount)
        assert str(result.payroll[column].sum()) in cells, column
    assert "38260.93" in cells  # the month's gross, worked in examples/2026-10/README.md


def test_labels_not_ids_and_who_a_row_is_on_every_part(months: dict[str, MonthResult]):
    text = shown(months["zh"], 80)
    titles = [line for line in text.splitlines() if line.startswith("淘宝客服激励制度 — 2026-10")]
    # 13 money columns do not fit 80 columns: three tables, each with 工号 and 姓名.
    assert [t.strip() for t in titles] == [
        f"淘宝客服激励制度 — 2026-10（{i}/3）" for i in (1, 2, 3)
    ]
    heads = [line for line in text.splitlines() if "工号" in line]
    assert len(heads) == 3 and all("姓名" in line for line in heads)
    assert "个人接单提成" in text and "应发合计" in text and "commission" not in text
    totals = [line for line in text.splitlines() if "合计" in line and "16 人" in line]
    assert len(totals) == 1  # the first part names the head count; every part has a total
    assert text.count("│      │ 合计 │") == 3
    assert "订单核对" in text and "静默下单（下单前无接待）" in text
    assert "主管" in text  # the role in words


def test_at_120_columns_two_parts(months: dict[str, MonthResult]):
    text = shown(months["zh"], 120)
    assert "淘宝客服激励制度 — 2026-10（2/2）" in text
    assert "（3/3）" not in text


def test_english(months: dict[str, MonthResult]):
    text = shown(months["en"], 120)
    # The shop's labels stay the shop's words; the catalogue's words are English.
    assert "agent_id" in text and "个人接单提成" in text
    assert "16 people" in text and "total" in text
    assert "Orders reconciliation" in text and "silent (静默, no chat before the order)" in text
    assert "supervisor" in text


def test_a_wide_terminal_shows_one_table(months: dict[str, MonthResult]):
    text = shown(months["zh"], 200)
    assert text.splitlines()[0].rstrip() == "淘宝客服激励制度 — 2026-10"
    assert "（1/" not in text
