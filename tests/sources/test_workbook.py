"""Workbook inputs (.xlsx): the sheet found, its header below title rows and across merged
cells, dates, formulas, empty sheets — and every problem at its cell, agents.xlsx:工资表!C12."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from helpers import ROOT, workbook

from csincentive import compute_month
from csincentive.core.diagnostics import InputError
from csincentive.sources.folder import Reading, read_month
from csincentive.sources.workbook import csv_copy, read_sheet

MONTH = ROOT / "tests" / "months" / "2026-10"
RULES = ROOT / "tests" / "months" / "taobao-presales.toml"
ROSTER = ["agent_id", "name", "team", "role", "grade", "hire_date", "probation_end", "chat_nick"]
ROSTER += ["leave_date", "target"]


def errors(call) -> list[str]:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError) as caught:
        call()
    return [d.render() for d in caught.value.diagnostics]


def month_with(tmp_path: Path, name: str, rows: list[list[object]], **options) -> Path:  # type: ignore[no-untyped-def]
    """tests/months/2026-10 with one of its CSV files replaced by a workbook."""
    folder = tmp_path / "2026-10"
    shutil.copytree(MONTH, folder)
    (folder / f"{name}.csv").unlink()
    workbook(folder / f"{name}.xlsx", rows, **options)
    return folder


def roster_rows() -> list[list[object]]:
    """agents.csv of the test month as a 工资表 would hold it: typed dates and targets."""
    frame = pl.read_csv(MONTH / "agents.csv", infer_schema=False)
    out: list[list[object]] = [ROSTER]
    for row in frame.iter_rows(named=True):
        out.append([_typed(row[c]) if c != "agent_id" else row[c] for c in ROSTER])
    return out


# --------------------------------------------------------------------------- the header


def test_the_header_is_found_below_title_rows(tmp_path: Path) -> None:
    rows = [["2026年10月 客服工资表"], ["制表：人事部", None, "日期：2026-11-01"], *roster_rows()]
    path = workbook(tmp_path / "agents.xlsx", rows, sheet="工资表", merges=("A1:H1",))
    sheet = read_sheet(path, known=ROSTER)
    assert (sheet.name, sheet.header_row, sheet.header_rows) == ("工资表", 3, 1)
    assert list(sheet.header) == ROSTER
    assert sheet.rows[0] == 4  # the first person is on row 4
    assert sheet.frame["agent_id"][0] == "S1"
    assert sheet.frame["hire_date"][0] == "2023-05-01 00:00:00"  # a date cell, as text


def test_a_grouped_header_over_two_rows_takes_the_lower_names(tmp_path: Path) -> None:
    """赤兔's reports group columns under merged cells: 客服 spans rows 1–2, 询单 spans the
    two columns under it. Each column is named by its lower cell, else by the merged one."""
    rows = [
        ["客服", "询单", None, "销售额"],
        [None, "询单人数", "询单->最终付款人数", None],
        ["云杉:小美", 132, 60, "12,800.00"],
    ]
    path = workbook(tmp_path / "r.xlsx", rows, merges=("A1:A2", "B1:C1", "D1:D2"))
    sheet = read_sheet(path)
    assert list(sheet.header) == ["客服", "询单人数", "询单->最终付款人数", "销售额"]
    assert (sheet.header_row, sheet.header_rows, sheet.rows) == (2, 2, (3,))
    assert sheet.frame.row(0) == ("云杉:小美", "132", "60", "12,800.00")


def test_a_merged_header_cell_over_rows_of_data_is_one_header_row(tmp_path: Path) -> None:
    """A merged 备注 over two columns with text under it: the text is data (it names no
    column the reader knows), not a second header row."""
    rows = [
        ["agent", "buyer", "start_time", "备注", None],
        ["云杉:小美", "b1", "2026-10-05 09:00:00", "老客", "复购"],
    ]
    path = workbook(tmp_path / "chats.xlsx", rows, merges=("D1:E1",))
    sheet = read_sheet(path, known=Reading().known("chats"))
    assert (sheet.header_rows, sheet.rows, sheet.frame["agent"].to_list()) == (
        1,
        (2,),
        ["云杉:小美"],
    )


def test_the_roster_from_a_workbook_reports_each_bad_cell_at_its_address(
    tmp_path: Path,
) -> None:
    rows = [["2026年10月 工资表"], *roster_rows()]
    rows[3][5] = "2025-13-01"  # A1's hire_date, typed as text: row 4, column F
    rows[4][3] = "boss"  # A2's role: row 5, column D
    folder = month_with(tmp_path, "agents", rows, sheet="工资表", merges=("A1:H1",))
    found = errors(lambda: read_month(folder, work_dir=tmp_path / "w"))
    assert found == [
        f"{folder}/agents.xlsx:工资表!F4: D203 hire_date: not a date: '2025-13-01' — write it "
        "as YYYY-MM-DD",
        f"{folder}/agents.xlsx:工资表!D5: D202 role: unknown role 'boss' — write agent or "
        "supervisor",
    ]


def test_a_missing_column_is_reported_on_the_header_row(tmp_path: Path) -> None:
    rows = [
        ["标题"],
        [c for c in ROSTER if c != "grade"],
        *([r[:4] + r[5:] for r in roster_rows()[1:]]),
    ]
    folder = month_with(tmp_path, "agents", rows)
    found = errors(lambda: read_month(folder, work_dir=tmp_path / "w"))
    assert found == [
        f"{folder}/agents.xlsx:Sheet1!2: D103 grade: missing required column 'grade' — add it, "
        "or map your header to it with column_map={'your header': 'grade'}"
    ]


# --------------------------------------------------------------------------- cells


def test_a_month_from_workbooks_pays_as_the_same_month_in_csv(tmp_path: Path) -> None:
    """Every input as a workbook (typed dates and numbers, a title row, a 合计 row): the
    payroll is the CSV month's to the fen, and each summary row is a warning at its row."""
    folder = tmp_path / "2026-10"
    folder.mkdir()
    for name in ("agents", "chats", "orders"):
        frame = pl.read_csv(MONTH / f"{name}.csv", infer_schema=False)
        rows: list[list[object]] = [[f"{name} 2026-10"], frame.columns]
        for row in frame.iter_rows():
            rows.append([_typed(cell) for cell in row])
        rows.append(["合计"])
        workbook(folder / f"{name}.xlsx", rows)
    expected = compute_month(MONTH, RULES)
    got = compute_month(folder, RULES)
    assert got.payroll.equals(expected.payroll)
    assert [d.render().split(" — ")[0] for d in got.warnings if d.code == "W400"] == [
        f"{folder}/agents.xlsx:Sheet1!9: warning: W400 1 summary row(s) (汇总/合计/均值 …) "
        "left out: row 9",
        f"{folder}/chats.xlsx:Sheet1!25: warning: W400 1 summary row(s) (汇总/合计/均值 …) "
        "left out: row 25",
        f"{folder}/orders.xlsx:Sheet1!19: warning: W400 1 summary row(s) (汇总/合计/均值 …) "
        "left out: row 19",
    ]
    assert got.warnings_frame()["file"].to_list()[-1] == f"{folder}/orders.xlsx:Sheet1"


def _typed(cell: str | None) -> object:
    """A CSV cell as Excel would hold it once typed in: dates, times and numbers typed."""
    if not cell:
        return None
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        try:
            stamp = dt.datetime.strptime(cell, fmt)
        except ValueError:
            continue
        return stamp if " " in cell else stamp.date()
    try:
        return float(cell) if cell[0].isdigit() and not cell.startswith("0") else cell
    except ValueError:
        return cell


def _orders(*lines: list[object]) -> list[list[object]]:
    header = [
        "order_id",
        "buyer",
        "created_at",
        "paid_at",
        "paid_amount",
        "status",
        "refund_amount",
    ]
    return [header, *lines]


def test_a_formula_is_read_as_the_value_excel_computed(tmp_path: Path) -> None:
    paid = dt.datetime(2026, 10, 5, 11, 5)
    rows = _orders(
        ["o01", "b1", dt.datetime(2026, 10, 5, 11), paid, 150.0, "交易成功", ("=E2-E2", 0)],
        [
            "o02",
            "b2",
            dt.datetime(2026, 10, 11, 9),
            paid.replace(day=11),
            ("=E2*2", 300.0),
            "交易成功",
            0,
        ],
    )
    folder = month_with(tmp_path, "orders", rows)
    inputs = read_month(folder, work_dir=tmp_path / "w")
    orders = inputs.figures.orders.collect()
    assert orders["paid_amount"].to_list() == [Decimal("150.00"), Decimal("300.00")]
    assert orders["created_at"][1] == dt.datetime(2026, 10, 11, 9)  # a serial date cell


def test_a_formula_error_in_a_column_read_is_reported_at_its_cell(tmp_path: Path) -> None:
    rows = _orders(
        ["o01", "b1", dt.datetime(2026, 10, 5, 11), None, ("=1/0", "#DIV/0!"), "等待买家付款", 0],
    )
    rows[0].append("利润")  # a column nobody reads may hold an error
    rows[1].append(("=1/0", "#DIV/0!"))
    folder = month_with(tmp_path, "orders", rows)
    assert errors(lambda: read_month(folder, work_dir=tmp_path / "w")) == [
        f"{folder}/orders.xlsx:Sheet1!E2: D804 paid_amount: the cell holds the error #DIV/0! "
        "(a formula that failed in Excel) — correct the formula or type the value, and save "
        "the workbook again"
    ]


def test_a_bad_order_row_is_located_at_its_cell(tmp_path: Path) -> None:
    """The big exports' checks run on the workbook's copy: the cell is named."""
    rows = [["订单报表"], *_orders(
        ["o01", "b1", dt.datetime(2026, 10, 5, 11), dt.datetime(2026, 10, 5, 12), -5.0, "交易成功", 0],
    )]  # fmt: skip
    folder = month_with(tmp_path, "orders", rows)
    found = errors(lambda: compute_month(folder, RULES))
    assert found[0].startswith(
        f"{folder}/orders.xlsx:Sheet1!E3: D320 paid_amount: negative amount: '-5' — "
    )


# --------------------------------------------------------------------------- sheets


def test_an_empty_sheet_is_refused(tmp_path: Path) -> None:
    folder = month_with(tmp_path, "agents", [])
    assert errors(lambda: read_month(folder, work_dir=tmp_path / "w")) == [
        f"{folder}/agents.xlsx: D802 sheet 'Sheet1' is empty — put the table on it, or name "
        "the sheet that has it with [inputs] sheet"
    ]


def test_the_sheet_named_in_the_rules_is_read(tmp_path: Path) -> None:
    folder = month_with(
        tmp_path, "agents", [["说明：工资表在第二页"]], more={"工资表": roster_rows()}
    )
    inputs = read_month(folder, Reading(sheet={"agents": "工资表"}), work_dir=tmp_path / "w")
    assert inputs.roster["agent_id"].to_list() == ["S1", "A1", "A2", "A3", "A4", "A5"]
    assert inputs.workbooks["agents"].sheet.name == "工资表"
    missing = errors(lambda: read_month(folder, Reading(sheet="工资单"), work_dir=tmp_path / "v"))
    assert missing == [
        f"{folder}/agents.xlsx: D801 inputs.sheet: no sheet named '工资单' ([inputs] sheet); "
        "the workbook has: Sheet1、工资表 — name one of these, or rename the sheet"
    ]


def test_a_csv_and_a_workbook_of_one_input_are_refused(tmp_path: Path) -> None:
    folder = month_with(tmp_path, "agents", roster_rows())
    shutil.copy(MONTH / "agents.csv", folder / "agents.csv")
    assert errors(lambda: read_month(folder, work_dir=tmp_path / "w")) == [
        f"{folder}: D805 the folder has agents.csv and agents.xlsx for one input — keep one of them"
    ]


def test_the_copy_puts_each_row_on_the_line_of_its_sheet_row(tmp_path: Path) -> None:
    rows = [["标题"], [None], ["a", "b"], ["1", "line\nbreak"], [None], ["3", "4"]]
    sheet = read_sheet(workbook(tmp_path / "x.xlsx", rows))
    text = csv_copy(sheet, tmp_path / "w").copy.read_text(encoding="utf-8")
    assert text.split("\n") == ["a,b", "", "", "1,line break", ",", "3,4", ""]


def test_the_rules_file_names_the_sheet(tmp_path: Path) -> None:
    """[inputs] sheet in the rules file: the roster is read from 工资表, the month paid as
    from agents.csv; a sheet name that is empty is a rules error."""
    folder = month_with(tmp_path, "agents", [["说明"]], more={"工资表": roster_rows()})
    (tmp_path / "shipped").symlink_to(ROOT / "rules")
    rules = tmp_path / "rules.toml"
    text = RULES.read_text(encoding="utf-8").replace(
        "[inputs]\n", '[inputs]\nsheet = { agents = "工资表" }\n'
    )
    rules.write_text(text, encoding="utf-8")
    assert compute_month(folder, rules).payroll.equals(compute_month(MONTH, RULES).payroll)
    rules.write_text(text.replace('{ agents = "工资表" }', '""'), encoding="utf-8")
    assert [e.split(": ")[1].split()[0] for e in errors(lambda: compute_month(folder, rules))] == [
        "E103"
    ]


def test_dates_typed_in_excel_are_dates_and_located(tmp_path: Path) -> None:
    """hire_date and leave_date typed as dates (serials with a date format): read as the
    dates they show, and a leave before the hire is reported at the leave's cell."""
    rows = roster_rows()
    rows[2][8] = dt.date(2024, 12, 31)  # A1, hired 2025-01-01: row 3, column I
    folder = month_with(tmp_path, "agents", rows)
    assert errors(lambda: read_month(folder, work_dir=tmp_path / "w")) == [
        f"{folder}/agents.xlsx:Sheet1!I3: D209 leave_date: leave_date 2024-12-31 is before "
        "hire_date 2025-01-01 — correct one of them (days employed would be 0 and every "
        "prorated line nothing)"
    ]
    rows[2][8] = None
    inputs = read_month(month_with(tmp_path / "ok", "agents", rows), work_dir=tmp_path / "v")
    assert inputs.roster["hire_date"][1] == dt.date(2025, 1, 1)


def test_an_old_format_workbook_is_read_like_a_new_one(tmp_path: Path) -> None:
    """tests/fixtures/agents.xls (Excel 97–2003, a title row, typed dates): the month is
    paid as from agents.csv, and a row's problem is at its cell."""
    folder = tmp_path / "2026-10"
    shutil.copytree(MONTH, folder)
    (folder / "agents.csv").unlink()
    shutil.copy(ROOT / "tests" / "fixtures" / "agents.xls", folder / "agents.xls")
    assert compute_month(folder, RULES).payroll.equals(compute_month(MONTH, RULES).payroll)
    sheet = read_sheet(folder / "agents.xls", known=ROSTER)
    assert (sheet.name, sheet.header_row, sheet.rows[0]) == ("工资表", 2, 3)
    assert sheet.cell(5, 3) == "D5"


def test_a_problem_the_month_finds_is_at_the_workbook_row(tmp_path: Path) -> None:
    """An account nobody on the roster has wins an order (D301): found by the month, not
    by a reader, and still reported at its row of chats.xlsx — the row under a title row,
    one below chats.csv's line 23."""
    frame = pl.read_csv(MONTH / "chats.csv", infer_schema=False)
    rows: list[list[object]] = [["接待记录"], frame.columns]
    rows += [[_typed(cell) for cell in row] for row in frame.iter_rows()]
    folder = month_with(tmp_path, "chats", rows)
    found = errors(lambda: compute_month(folder, ROOT / "rules" / "taobao-presales.toml"))
    assert [f.split(" — ")[0] for f in found] == [
        f"{folder}/chats.xlsx:Sheet1!A24: D301 agent: chat account '云杉:临时工' matches no "
        "agent_id or chat_nick in the roster, and 1 order worth 77.00 is credited to it (1 "
        "session), paid to nobody"
    ]


def test_styled_empty_cells_above_the_table_do_not_move_its_rows(tmp_path: Path) -> None:
    """Formatting left on empty cells above the table (a bold A1) holds no value: the
    table's rows are still counted from the sheet's row 1."""
    import xlsxwriter

    path = tmp_path / "chats.xlsx"
    book = xlsxwriter.Workbook(str(path))
    page = book.add_worksheet()
    page.write_blank(0, 0, None, book.add_format({"bold": True}))
    page.write_row(2, 0, ["agent", "buyer", "start_time"])
    page.write_row(3, 0, ["云杉:小美", "b1", "2026-10-05 09:00:00"])
    book.close()
    sheet = read_sheet(path)
    assert (sheet.header_row, sheet.rows, sheet.cell(4, 2)) == (3, (4,), "C4")
