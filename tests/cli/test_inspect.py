"""`csincentive inspect`: what each file is read as, as text and as JSON (issue 15, item 6)."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import ROOT, workbook
from typer.testing import CliRunner

from csincentive.cli import app

EXAMPLES = ROOT / "examples"
runner = CliRunner()


def invoke(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), env={"COLUMNS": "200", "NO_COLOR": "1"})


def test_a_workbook_roster_and_an_item_report_are_described():
    agents = EXAMPLES / "xlsx" / "2026-10" / "agents.xlsx"
    items = EXAMPLES / "baobei" / "2026-10" / "orders.csv"
    result = invoke("inspect", str(agents), str(items))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"{agents}: roster",
        "  xlsx, sheet 工资表; header on row 2; 16 rows",
        "  summary rows left out: 19",
        "  columns read: A agent_id → agent_id; B name → name; C team → team; D role → role; "
        "E grade → grade; F hire_date → hire_date; G probation_end → probation_end; "
        "H chat_nick → chat_nick; I leave_date → leave_date; J target → target",
        "  not read: none",
        f"{items}: orders (宝贝报表: items added up to orders)",
        "  csv, gb18030, CRLF line ends; header on row 1; 1,978 rows (1,500 orders)",
        "  dates 2026-10-01 00:11:11 … 2026-11-01 00:10:31 (months 2026-10, 2026-11)",
        "  columns read: 1 子订单编号 → sub_order_id; 2 主订单编号 → order_id; 9 订单状态 → status; "
        "11 买家实付金额 → paid_amount; 13 退款金额 → refund_amount; 14 订单创建时间 → created_at; "
        "15 订单付款时间 → paid_at; 20 买家会员名 → buyer",
        "  not read: 商品标题, 商品价格, 购买数量, 外部系统编号, 商品属性, 套餐信息, 商家编码, 退款状态, "
        "商品ID, 发货时间, 物流单号, 物流公司",
    ]


def test_json_gives_the_same_for_tools():
    orders = EXAMPLES / "2026-10" / "orders.csv"
    result = invoke("inspect", str(orders), "--json")
    assert result.exit_code == 0, result.output
    (found,) = json.loads(result.output)["files"]
    assert {k: found[k] for k in ("kind", "variant", "encoding", "rows", "months")} == {
        "kind": "orders",
        "variant": "订单报表",
        "encoding": "gb18030",
        "rows": 1500,
        "months": ["2026-10", "2026-11"],
    }
    assert found["columns"][0] == {"column": "1", "header": "订单编号", "canonical": "order_id"}
    assert len(found["unknown_columns"]) == 39  # 46 columns, 7 read


def test_a_grouped_header_and_a_missing_column_are_shown(tmp_path: Path):
    """A chat export whose header takes two rows under a title, without its buyer column:
    the header rows are named, and the missing column is the error (exit 1)."""
    path = workbook(
        tmp_path / "chats.xlsx",
        [["接待记录 2026-10"], ["客服", "时间", None], [None, "开始时间", "结束时间"],
         ["云杉:小美", "2026-10-05 09:00:00", "2026-10-05 09:10:00"]],
        merges=("A1:C1", "A2:A3", "B2:C2"),
    )  # fmt: skip
    result = invoke("inspect", str(path))
    assert result.exit_code == 1
    assert result.output.splitlines()[:2] == [
        f"{path}: chats (sessions)",
        "  xlsx, sheet Sheet1; header on rows 2-3; 1 rows",
    ]
    assert result.output.splitlines()[-1] == (
        f"{path}:Sheet1!3: D103 buyer: missing required column 'buyer' (or one of: 买家, 客户名, 买家昵称, "
        "买家旺旺, 顾客) — add it, or map your header to it with column_map={'your header': 'buyer'}"
    )


def test_a_per_agent_report_is_described_as_its_reader_finds_it():
    """agent_report.xlsx is read by the report's own reader (sources.agent_report): the
    tool, the two header rows, each figure's column, the period of its title."""
    report = EXAMPLES / "taobao-report" / "2026-10" / "agent_report.xlsx"
    result = invoke("inspect", str(report))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[:4] == [
        f"{report}: agent report (赤兔 售前绩效)",
        "  xlsx, sheet 售前绩效; header on rows 4-5; 7 rows",
        "  dates 2026-10-01 … 2026-10-31 (months 2026-10)",
        "  summary rows left out: 13, 14",
    ]
    assert "D 询单->最终付款人数 → paying_buyers" in result.output


def test_a_report_saved_under_another_name_is_still_a_report(tmp_path: Path):
    """The 赤兔 report of examples/taobao-report saved as 售前绩效.xlsx: known by its header
    (客服 beside 接待人数, 询单人数 …), not its name — the same rows, header rows and summary
    rows 13 and 14 as under agent_report.xlsx, as text and as JSON."""
    source = EXAMPLES / "taobao-report" / "2026-10" / "agent_report.xlsx"
    report = tmp_path / "售前绩效.xlsx"
    report.write_bytes(source.read_bytes())
    result = invoke("inspect", str(report))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[:2] == [
        f"{report}: agent report (赤兔 售前绩效)",
        "  xlsx, sheet 售前绩效; header on rows 4-5; 7 rows",
    ]
    result = invoke("inspect", str(report), "--json")
    assert result.exit_code == 0, result.output
    (found,) = json.loads(result.output)["files"]
    assert {k: found[k] for k in ("kind", "variant", "header_row", "rows", "summary_rows")} == {
        "kind": "agent report",
        "variant": "赤兔 售前绩效",
        "header_row": 5,
        "rows": 7,
        "summary_rows": [13, 14],
    }
