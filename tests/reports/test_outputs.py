"""The output files of a month beyond the payroll itself (issue 11): warnings.csv and the
warnings kept in the workbook and the ledger, CSV injection neutralised in every CSV we
write, and attribution.csv, the per-order file. Exact bytes, worked from the test month
(tests/months/2026-10) by hand."""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import polars as pl
import pytest
from helpers import MONTH_RULES, ignoring_the_temp
from typer.testing import CliRunner

from csincentive.cli import app
from csincentive.core.diagnostics import InputError
from csincentive.ledger.store import Ledger
from csincentive.month.compute import compute_month
from csincentive.month.publish import publish
from csincentive.reports import files
from csincentive.reports.compare import compare_month, write_agents_csv
from csincentive.reports.files import neutralised, payroll_files, write_csv

ROOT = Path(__file__).resolve().parents[2]
MONTH = ROOT / "tests" / "months" / "2026-10"
RULES = str(ROOT / "rules" / "taobao-presales.toml")
IGNORING = str(MONTH_RULES)  # for the whole month: the shipped scheme, 云杉:临时工 ignored
UNKNOWN_CHAT = "云杉:临时工,b26,2026-10-19 09:00:00,,\n"  # the month's one unknown account

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args), env={"COLUMNS": "200", "NO_COLOR": "1"})


@pytest.fixture
def month(tmp_path: Path) -> Path:
    """The test month without its chat from an account not in the roster, so it has no
    warning of its own; as a relative folder (tests run in tmp_path), so the warnings name
    "2026-10/chats.csv" whatever the machine."""
    shutil.copytree(MONTH, tmp_path / "2026-10")
    chats = tmp_path / "2026-10" / "chats.csv"
    text = chats.read_text(encoding="utf-8")
    assert UNKNOWN_CHAT in text
    chats.write_text(text.replace(UNKNOWN_CHAT, ""), encoding="utf-8")
    return Path("2026-10")


def rows(path: Path) -> list[str]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM, as every CSV we write
    return raw.decode("utf-8-sig").split("\r\n")


# The two warnings of October's exports paid as November: no session and no paid order in
# the month (21 sessions and 15 paid orders once the unknown account's chat is gone).
W302 = (
    "none of its 21 sessions starts in 2026-11 — check that the export covers the month "
    "paid, or pay the month it covers (--month)"
)
W303 = (
    "none of its 15 paid orders falls in 2026-11 — check that the export covers the month "
    "paid, or pay the month it covers (--month)"
)


# -- item 2: every warning is kept with the month ---------------------------------------


def test_warnings_csv_has_one_row_per_warning_and_run_counts_them(month: Path):
    result = invoke("run", str(month), "--rules", RULES, "--month", "2026-11")
    assert result.exit_code == 0, result.output
    assert rows(month / "out" / "warnings.csv") == [
        "file,line,col,code,severity,field,message",
        f'2026-10/chats.csv,,,W302,warning,,"{W302}"',
        f'2026-10/orders.csv,,,W303,warning,,"{W303}"',
        "",
    ]
    assert result.output.rstrip("\n").splitlines()[-1] == "2 条警告（见 2026-10/out/warnings.csv）"


def test_a_month_without_warnings_has_the_header_and_says_so(month: Path):
    result = invoke("run", str(month), "--rules", RULES)
    assert result.exit_code == 0, result.output
    assert rows(month / "out" / "warnings.csv") == ["file,line,col,code,severity,field,message", ""]
    assert result.output.rstrip("\n").splitlines()[-1] == "没有警告"
    english = invoke("run", str(month), "--rules", RULES, "--force", "--lang", "en")
    assert english.output.rstrip("\n").splitlines()[-1] == "no warnings"


def test_one_warning_is_counted_in_the_singular_with_its_line(month: Path, tmp_path: Path):
    # The month without its unknown account, under rules that still ignore it: one warning,
    # W305 at the ignore_accounts entry (the last line of the rules file written here).
    text = ignoring_the_temp((ROOT / "rules" / "taobao-presales.toml").read_text("utf-8"))
    (tmp_path / "rules.toml").write_text(text, encoding="utf-8")
    result = invoke(
        "run", str(month), "--rules", "rules.toml", "--out", "elsewhere", "--lang", "en"
    )
    assert result.exit_code == 0, result.output
    line = text.rstrip("\n").count("\n") + 1
    body = rows(tmp_path / "elsewhere" / "warnings.csv")[1]
    assert body.startswith(f"rules.toml,{line},20,W305,warning,inputs.ignore_accounts[0],")
    assert result.output.rstrip("\n").splitlines()[-1] == "1 warning (see elsewhere/warnings.csv)"


def test_the_ledger_manifest_keeps_the_warnings(month: Path):
    result = invoke("run", str(month), "--rules", RULES, "--month", "2026-11")
    assert result.exit_code == 0, result.output
    assert Ledger(Path("ledger")).manifest("2026-11")["warnings"] == [
        {
            "file": "2026-10/chats.csv",
            "line": None,
            "col": None,
            "code": "W302",
            "path": "",
            "severity": "warning",
            "message": W302,
        },
        {
            "file": "2026-10/orders.csv",
            "line": None,
            "col": None,
            "code": "W303",
            "path": "",
            "severity": "warning",
            "message": W303,
        },
    ]
    assert invoke("run", str(month), "--rules", RULES, "--out", "october").exit_code == 0
    assert Ledger(Path("ledger")).manifest("2026-10")["warnings"] == []


def shared_strings(book: Path) -> list[str]:
    with zipfile.ZipFile(book) as archive:
        xml = archive.read("xl/sharedStrings.xml").decode()
    return [_unescape(s) for s in re.findall(r"<t(?: [^>]*)?>(.*?)</t>", xml, re.S)]


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def sheet_names(book: Path) -> list[str]:
    with zipfile.ZipFile(book) as archive:
        return re.findall(r'<sheet name="([^"]+)"', archive.read("xl/workbook.xml").decode())


def test_the_workbook_has_a_warnings_sheet_and_an_attribution_sheet(month: Path):
    assert invoke("run", str(month), "--rules", RULES, "--month", "2026-11").exit_code == 0
    book = month / "out" / "payroll.xlsx"
    assert sheet_names(book) == [
        "工资表",
        "工资明细",
        "业绩指标",
        "警告",
        "待复核标记",
        "订单核对",
        "订单归属",
    ]
    strings = shared_strings(book)
    assert W302 in strings and W303 in strings
    assert "o01" in strings  # the orders sheet (its cells: tests/reports/test_workbook.py)


# -- item 5: CSV injection ---------------------------------------------------------------


def test_a_text_cell_that_starts_like_a_formula_gets_a_quote_and_numbers_stay():
    frame = pl.DataFrame(
        {
            "note": ["=1+2", "+cmd", "@SUM(A1)", "-x", "\tnote", "\rx", "ok", None],
            "amount": ["-50.00", "44.4%", "+3", "-.5", "1-2", "-1+2", "-", "=A1"],
            "fine": pl.Series(["-50.00"] * 8).cast(pl.Decimal(38, 2)),
        }
    )
    safe = neutralised(frame)
    assert safe["note"].to_list() == [
        "'=1+2",
        "'+cmd",
        "'@SUM(A1)",
        "'-x",
        "'\tnote",
        "'\rx",
        "ok",
        None,
    ]
    # plain numbers and percentages are left as written; anything else that starts like a
    # formula is quoted, even in an amount column
    assert safe["amount"].to_list() == [
        "-50.00",
        "44.4%",
        "+3",
        "-.5",
        "1-2",
        "'-1+2",
        "'-",
        "'=A1",
    ]
    assert safe["fine"].equals(frame["fine"])  # a number column is never looked at


def test_an_enum_column_is_judged_by_its_categories():
    harmless = pl.DataFrame({"outcome": pl.Series(["credited"], dtype=pl.Enum(["credited"]))})
    assert neutralised(harmless).schema == harmless.schema  # left as it is
    risky = pl.DataFrame({"name": pl.Series(["=x", "y"], dtype=pl.Enum(["=x", "y"]))})
    assert neutralised(risky)["name"].to_list() == ["'=x", "y"]


def test_write_csv_writes_the_neutralised_cells(tmp_path: Path):
    write_csv(pl.DataFrame({"note": ["\tfirst", "=cmd"]}), tmp_path / "x.csv")
    assert rows(tmp_path / "x.csv") == ["note", "'\tfirst", "'=cmd", ""]


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    """The test month with names and a team a spreadsheet would run, and two video_game
    events for A1 (the first is a warning, the second a fine of 30: S000-12)."""
    folder = tmp_path / "2026-10"
    shutil.copytree(MONTH, folder)
    roster = folder / "agents.csv"
    text = roster.read_text(encoding="utf-8")
    for old, new in (
        ("A1,小美,", "A1,=1+2,"),
        ("A3,晓雨,", "A3,@SUM(A1),"),
        ("A4,老王,", "A4,-x,"),
        ("A5,小林,售前二组", "A5,小林,+cmd"),  # A5 is alone in its team: no pay moves
    ):
        text = text.replace(old, new)
    roster.write_text(text, encoding="utf-8")
    (folder / "events.csv").write_text(
        "agent_id,date,event,count,amount,note\n"
        "A1,2026-10-02,video_game,1,,\tfirst\n"
        "A1,2026-10-09,video_game,1,,=cmd\n",
        encoding="utf-8",
    )
    return folder


def test_every_csv_of_the_month_is_neutralised_and_the_fine_stays_negative(hostile: Path):
    result = invoke("run", str(hostile), "--rules", IGNORING, "--no-ledger")
    assert result.exit_code == 0, result.output
    out = hostile / "out"
    payroll = rows(out / "payroll.csv")
    # A1 as in the plain month (test_cli) but for the fine: 2660.51 − 30.00 = 2630.51
    assert payroll[1] == (
        "A1,'=1+2,售前一组,agent,2500.00,10.51,0.00,150.00,0.00,0.00,-30.00,0.00,0.00,2630.51"
    )
    assert payroll[3].startswith("A3,'@SUM(A1),售前一组,agent,")
    assert payroll[4].startswith("A4,'-x,售前一组,agent,")
    assert payroll[5].startswith("A5,小林,'+cmd,agent,")
    fine = [row for row in rows(out / "lines.csv") if ",video_game_fine," in row][0]
    assert fine.startswith(
        "A1,'=1+2,售前一组,agent,video_game_fine,上班看视频/玩游戏罚款,S000-12,true,-30.00,"
    )
    assert rows(out / "metrics.csv")[1].startswith("A1,'=1+2,售前一组,agent,5,")
    assert rows(out / "attribution.csv")[1] == (
        "o01,b1,2026-10-05 11:00:00,2026-10-05 11:05:00,300.00,0.00,,交易成功,credited,A1,'=1+2,"
        "2026-10-05 10:00:00,云杉:小美"
    )
    # the workbook keeps the real text, as string cells, never a formula
    book = out / "payroll.xlsx"
    assert {"=1+2", "@SUM(A1)", "-x", "+cmd"} <= set(shared_strings(book))
    with zipfile.ZipFile(book) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        assert not any("<f>" in archive.read(n).decode() for n in sheets)


def test_compare_out_csv_is_neutralised(hostile: Path, tmp_path: Path):
    comparison = compare_month(hostile, [IGNORING, IGNORING])
    target = write_agents_csv(comparison, tmp_path / "compare.csv")
    a1 = [row for row in rows(target) if row.startswith("A1,")]
    assert a1 == ["A1,'=1+2,售前一组,agent,2630.51,2630.51,0.00,0.0,1,1,0"]  # first by gross


# -- item 10: attribution.csv ------------------------------------------------------------


def test_attribution_csv_has_every_order_with_its_outcome_and_the_chat_that_won(tmp_path: Path):
    shutil.copytree(MONTH, tmp_path / "2026-10")  # with its unknown account
    result = invoke("run", "2026-10", "--rules", IGNORING, "--no-ledger")
    assert result.exit_code == 0, result.output
    table = rows(tmp_path / "2026-10" / "out" / "attribution.csv")
    assert table[0] == (
        "order_id,buyer,created_at,paid_at,paid_amount,refund_amount,clawed_refund,status,outcome,"
        "agent_id,name,chat_start,chat_account"
    )
    assert len(table) == 1 + 16 + 1  # every order of orders.csv, and the last CRLF
    by_id = {row.split(",")[0]: row for row in table[1:-1]}
    # o01: b1 chatted with 小美 at 10:00 and paid at 11:05 (老王's 09:00 chat is older)
    assert by_id["o01"] == (
        "o01,b1,2026-10-05 11:00:00,2026-10-05 11:05:00,300.00,0.00,,交易成功,credited,A1,小美,"
        "2026-10-05 10:00:00,云杉:小美"
    )
    assert (
        by_id["o05"] == "o05,b3,2026-10-12 16:00:00,,0.00,0.00,,等待买家付款,unpaid,,,,"
    )  # no 付款时间
    assert by_id["o13"].endswith(",88.00,0.00,,交易成功,silent,,,,")
    assert by_id["o08"].endswith(",99.00,0.00,,交易成功,outside_window,,,,")
    assert by_id["o17"].startswith("o17,b40,2026-09-30 10:00:00,")
    assert by_id["o17"].endswith(",other_month,,,,")
    # o16: won by an account the rules ignore — no person, the account as written
    assert by_id["o16"] == (
        "o16,b26,2026-10-19 10:00:00,2026-10-19 10:02:00,77.00,0.00,,交易成功,ignored_account,,,"
        "2026-10-19 09:00:00,云杉:临时工"
    )


def test_attribution_is_the_months_own_attribution(tmp_path: Path):
    shutil.copytree(MONTH, tmp_path / "2026-10")
    result = compute_month(Path("2026-10"), IGNORING)
    table = files.attribution(result)
    assert table["order_id"].to_list() == sorted(result.orders["order_id"].to_list())
    # every order credited to a roster person is one of that person's orders in metrics.csv
    credited = table.filter(pl.col("outcome") == "credited", pl.col("agent_id").is_not_null())
    per_agent = credited.group_by(pl.col("agent_id").cast(pl.String)).agg(pl.len()).sort("agent_id")
    metrics = result.metrics.filter(pl.col("orders") > 0).select("agent_id", "orders")
    assert per_agent.rows() == metrics.sort("agent_id").rows()


def test_a_month_with_more_orders_than_the_sheet_holds_points_to_the_csv(
    month: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(files, "XLSX_ORDERS", 15)  # the month has 16 orders
    assert invoke("run", str(month), "--rules", RULES, "--no-ledger").exit_code == 0
    strings = shared_strings(month / "out" / "payroll.xlsx")
    assert "共 16 个订单：见同目录的 attribution.csv" in strings
    assert "o01" not in strings


def test_out_pointed_at_the_period_folder_leaves_the_exports_alone(month: Path):
    before = {p.name: p.read_bytes() for p in month.iterdir()}
    result = invoke("run", str(month), "--rules", RULES, "--out", str(month))
    assert result.exit_code == 0, result.output
    assert {name: (month / name).read_bytes() for name in before} == before
    assert (month / "attribution.csv").exists() and not (month / "out").exists()


class _Named:
    """Outputs that would be named like an export of the month."""

    names = ("payroll.csv", "orders.csv")
    retired = ()
    ledger_tables: dict[str, str] = {}

    def write(self, folder: Path) -> None:  # never reached
        raise AssertionError("written over an input")


def test_publish_refuses_an_output_named_like_an_input_of_its_folder(month: Path):
    result = compute_month(month, RULES)
    orders = (month / "orders.csv").read_bytes()
    with pytest.raises(InputError) as caught:
        publish(result, month, outputs=_Named(), force=True)
    assert [d.render() for d in caught.value.diagnostics] == [
        "2026-10/orders.csv: O102 this input would be replaced by an output file of the same "
        "name; write the outputs elsewhere with --out (the default is the period folder's out/)"
    ]
    assert (month / "orders.csv").read_bytes() == orders
    assert not (month / "payroll.csv").exists()
    # the same names in another folder are fine
    published = publish(result, Path("elsewhere"), outputs=payroll_files(result))
    assert [p.name for p in published.written] == list(files.OUTPUT_FILES)


def test_a_month_with_more_orders_than_a_spreadsheet_holds_writes_them_as_parquet(
    month: Path, monkeypatch: pytest.MonkeyPatch
):
    # Above a worksheet's 1,048,576 rows a CSV cannot be opened in a spreadsheet: the
    # per-order file is attribution.parquet, the same table. (Here the limit is 10 rows and
    # the month has 16 orders.)
    monkeypatch.setattr(files, "SPREADSHEET_ROWS", 10)
    monkeypatch.setattr(files, "XLSX_ORDERS", 5)
    result = invoke("run", str(month), "--rules", RULES, "--no-ledger")
    assert result.exit_code == 0, result.output
    out = month / "out"
    assert not (out / "attribution.csv").exists()
    table = pl.read_parquet(out / "attribution.parquet")
    # In the export's order, with its line (a tool sorts as it likes): o01 is line 2.
    assert table.height == 16 and table["line"].to_list() == list(range(2, 18))
    assert table.columns[:5] == ["order_id", "line", "buyer", "created_at", "paid_at"]
    assert table.row(0, named=True)["order_id"] == "o01"
    assert "共 16 个订单：见同目录的 attribution.parquet" in shared_strings(out / "payroll.xlsx")


def test_a_rerun_that_crosses_a_spreadsheets_rows_leaves_one_per_order_file(
    month: Path, monkeypatch: pytest.MonkeyPatch
):
    # The first run writes attribution.csv (16 orders); the orders grow past the limit
    # (here 10 rows) and the rerun writes attribution.parquet: the CSV of the first run is
    # removed with the move, so out/ never shows a per-order file of another run. And back.
    out = month / "out"
    assert invoke("run", str(month), "--rules", RULES, "--no-ledger").exit_code == 0
    assert (out / "attribution.csv").exists()
    monkeypatch.setattr(files, "SPREADSHEET_ROWS", 10)
    assert invoke("run", str(month), "--rules", RULES, "--no-ledger", "--force").exit_code == 0
    assert (out / "attribution.parquet").exists() and not (out / "attribution.csv").exists()
    monkeypatch.setattr(files, "SPREADSHEET_ROWS", 1_048_576)
    assert invoke("run", str(month), "--rules", RULES, "--no-ledger", "--force").exit_code == 0
    assert (out / "attribution.csv").exists() and not (out / "attribution.parquet").exists()


def test_a_per_order_file_left_by_hand_is_not_removed_without_force(month: Path):
    # attribution.parquet in out/ is a file this run would remove: like any payroll file
    # already there, it needs --force (O100), and nothing is written.
    out = month / "out"
    out.mkdir()
    (out / "attribution.parquet").write_bytes(b"kept")
    result = invoke("run", str(month), "--rules", RULES, "--no-ledger")
    assert result.exit_code == 1 and "O100" in result.output
    assert (out / "attribution.parquet").read_bytes() == b"kept"
    assert not (out / "payroll.csv").exists()


def test_above_a_spreadsheets_rows_the_ledger_keeps_the_per_order_file_itself(
    month: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    # attribution.parquet is the ledger's orders table as the ledger writes it: written
    # once, by the files, and copied into the month (the manifest hashes the copy).
    from csincentive.ledger.disk import digest_file

    monkeypatch.setattr(files, "SPREADSHEET_ROWS", 10)  # the month has 16 orders
    ledger = tmp_path / "ledger"
    result = invoke("run", str(month), "--rules", RULES, "--ledger", str(ledger))
    assert result.exit_code == 0, result.output
    kept = Ledger(ledger).for_scheme("taobao-presales", None)
    orders = kept.month_folder("2026-10") / "orders.parquet"
    shown = month / "out" / "attribution.parquet"
    assert orders.read_bytes() == shown.read_bytes()
    assert kept.manifest("2026-10")["files"]["orders.parquet"] == digest_file(orders)
    assert list(kept.manifest("2026-10")["files"]) == [
        "payroll.parquet",
        "lines.parquet",
        "metrics.parquet",
        "values.parquet",
        "orders.parquet",
    ]
    # and the ledger reads its orders back as the month had them
    assert kept.orders("2026-10").equals(compute_month(month, RULES).per_order)
