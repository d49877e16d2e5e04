"""The example months of the other input formats (examples/make_formats.py builds them from
examples/2026-10): the same shop and orders as workbooks, and as the item-level 宝贝报表,
each paid exactly what examples/2026-10 is paid under rules/taobao-presales.toml."""

from __future__ import annotations

import polars as pl
import pytest
from helpers import ROOT

from csincentive import compute_month

RULES = ROOT / "rules" / "taobao-presales.toml"
EXAMPLES = ROOT / "examples"


@pytest.fixture(scope="module")
def csv_month():  # type: ignore[no-untyped-def]
    return compute_month(EXAMPLES / "2026-10", RULES)


@pytest.mark.parametrize("name", ["xlsx", "baobei"])
def test_the_month_pays_what_the_csv_month_pays(csv_month, name: str) -> None:  # type: ignore[no-untyped-def]
    result = compute_month(EXAMPLES / name / "2026-10", RULES)
    assert result.payroll.equals(csv_month.payroll)
    assert result.reconciliation.equals(csv_month.reconciliation)
    assert result.metrics.equals(csv_month.metrics)


def test_the_item_report_has_more_lines_than_orders() -> None:
    """1,500 orders, every third one that was paid split into two items (478 of them):
    1,978 lines, and still 1,500 orders paid as before (the test above), so no item is
    counted as an order of its own."""
    lines = pl.read_csv(EXAMPLES / "baobei" / "2026-10" / "orders.csv", encoding="gb18030")
    assert (lines.height, lines["主订单编号"].n_unique()) == (1978, 1500)


def test_the_workbook_month_leaves_out_its_total_row() -> None:
    result = compute_month(EXAMPLES / "xlsx" / "2026-10", RULES)
    assert [d.render().split(" — ")[0] for d in result.warnings] == [
        f"{EXAMPLES}/xlsx/2026-10/agents.xlsx:工资表!19: warning: W400 1 summary row(s) "
        "(汇总/合计/均值 …) left out: row 19"
    ]
