"""The ledger: recording months, history of reruns, sealing, and the diff a refused run shows.

The month is tests/months/2026-10 under rules/taobao-presales.toml (hand-worked in
test_golden_month.py: 6 people, gross 12627.17; A1 小美 net sales 1050.50, commission
10.51; S1's supervisor commission 12.46). Every ledger lives in tmp_path.
"""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from blake3 import blake3
from helpers import MONTH_RULES
from typer.testing import CliRunner

from csincentive.cli import app
from csincentive.core.diagnostics import InputError
from csincentive.ledger.store import Ledger, diff_lines
from csincentive.month.compute import compute_month

ROOT = Path(__file__).resolve().parents[1]
MONTH = ROOT / "tests" / "months" / "2026-10"
RULES = MONTH_RULES  # the shipped scheme, 云杉:临时工 ignored
TABLES = ["lines", "manifest.json", "metrics", "orders", "payroll", "values"]

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args), env={"COLUMNS": "200", "NO_COLOR": "1"})


@pytest.fixture
def month(tmp_path: Path) -> Path:
    copy = tmp_path / "2026-10"
    shutil.copytree(MONTH, copy)
    return copy


@pytest.fixture
def ledger_dir(tmp_path: Path) -> Path:
    return tmp_path / "ledger"


def b3(path: Path) -> str:
    return blake3(path.read_bytes()).hexdigest()


def listing(folder: Path) -> list[str]:
    return sorted(p.name.removesuffix(".parquet") for p in folder.iterdir() if p.is_file())


def raise_o03(month: Path) -> None:
    """o03 (b3, credited to A1) paid 200.50 → 300.50."""
    orders = month / "orders.csv"
    text = orders.read_text(encoding="utf-8")
    assert text.count(",200.50,") == 1
    orders.write_text(text.replace(",200.50,", ",300.50,"), encoding="utf-8")


def test_record_writes_every_table_and_a_manifest_of_hashes(month: Path, ledger_dir: Path):
    result = compute_month(month, RULES)
    recorded = Ledger(ledger_dir).record(result, options={"month": None})

    folder = ledger_dir / "2026-10"
    assert recorded.folder == folder and recorded.replaced is None and not recorded.reopened
    assert listing(folder) == TABLES
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["period"] == "2026-10"
    assert manifest["scheme"] == {"id": "taobao-presales", "name": "淘宝客服激励制度"}
    assert manifest["rules"]["blake3"] == b3(RULES)
    assert {name: entry["blake3"] for name, entry in manifest["inputs"].items()} == {
        name: b3(month / f"{name}.csv") for name in ("agents", "chats", "orders")
    }
    assert manifest["options"] == {"month": None, "force": False}
    assert manifest["sealed"] is False and manifest["sealed_at"] is None
    assert manifest["people"] == 6 and manifest["gross"] == "12627.17"
    assert manifest["csincentive_version"] == "0.1.0"
    assert manifest["computed_at"].endswith("Z")
    assert manifest["files"]["payroll.parquet"] == b3(folder / "payroll.parquet")


def test_tables_read_back_exactly(month: Path, ledger_dir: Path):
    result = compute_month(month, RULES)
    ledger = Ledger(ledger_dir)
    ledger.record(result)
    for name in ("payroll", "lines", "metrics", "values", "orders"):
        read = getattr(ledger, name)("2026-10")
        assert read.schema == getattr(result, name).schema, name
        assert read.equals(getattr(result, name)), name
    values = ledger.values("2026-10").filter(pl.col("agent_id") == "A3")
    # A3's base before rounding: (15 × 2000 + 16 × 2500) / 31 = 2258.0645161290 (ten places)
    assert values["base__raw"].item() == Decimal("2258.0645161290")
    assert values["base"].item() == Decimal("2258.06")
    assert ledger.lines("2026-10")["amount"].dtype == pl.String
    assert ledger.months() == ["2026-10"] and ledger.has("2026-10")
    assert not ledger.has("2026-09")


def test_rerunning_an_open_month_keeps_the_earlier_runs_as_history(month: Path, ledger_dir: Path):
    result = compute_month(month, RULES)
    ledger = Ledger(ledger_dir)
    stamps = [ledger.record(result).manifest["computed_at"] for _ in range(3)]

    # Three runs: the third is current, the first two are in history, oldest first.
    history = ledger.history("2026-10")
    assert [p.name for p in history] == [
        s.replace("-", "").replace(":", "").replace(".", "") for s in stamps[:2]
    ]
    for entry, stamp in zip(history, stamps[:2], strict=True):
        assert listing(entry) == TABLES
        assert json.loads((entry / "manifest.json").read_text("utf-8"))["computed_at"] == stamp
    current = ledger.manifest("2026-10")
    assert current["computed_at"] == stamps[2]
    assert current["replaces"] == f"history/{history[1].name}"
    assert ledger.months() == ["2026-10"]  # history and staging are not months
    assert sorted(p.name for p in ledger_dir.iterdir()) == ["2026-10"]


def test_diff_lines_per_agent_and_line(month: Path):
    old = compute_month(month, RULES).lines
    raise_o03(month)
    new = compute_month(month, RULES).lines
    diff = diff_lines(old, new)
    assert diff.columns == ["agent_id", "name", "component", "label", "old", "new", "delta"]
    assert diff.schema["delta"] == pl.Decimal(38, 2)
    # Worked by hand: A1's net sales 1050.50 + 100 = 1150.50 → commission 1% = 11.505 →
    # 11.51 (half-up), +1.00. month_salary (base + commission, not paid itself) 2510.51 →
    # 2511.51, target attainment 1150.50 / 5000 = 23.01% → shown 23%; both have no delta.
    # S1: mean agent commission (11.51 + 10.60 + 14.50 + 0.00) / 4 = 9.1525 × 1.4 =
    # 12.8135 → 12.81, +0.35. Nobody's conversion or rank changes.
    assert diff.rows() == [
        ("A1", "小美", "commission", "个人接单提成", "10.51", "11.51", Decimal("1.00")),
        ("A1", "小美", "month_salary", "当月工资(业绩奖计奖基数)", "2510.51", "2511.51", None),
        ("A1", "小美", "target_attainment", "个人业绩完成率", "21%", "23%", None),
        ("S1", "林主管", "supervisor_commission", "主管提成", "12.46", "12.81", Decimal("0.35")),
    ]
    assert diff_lines(old, old).height == 0


def test_diff_lines_counts_a_missing_person_as_zero(month: Path):
    lines = compute_month(month, RULES).lines
    without_a5 = lines.filter(pl.col("agent_id") != "A5")
    added = diff_lines(without_a5, lines).filter(pl.col("component") == "base")
    # A5's base: 21 probation days × 2000 / 31 = 1354.84, all of it new.
    assert added.rows() == [("A5", "小林", "base", "底薪", None, "1354.84", Decimal("1354.84"))]


def test_close_then_run_refuses_and_shows_the_diff(month: Path, ledger_dir: Path):
    args = ["run", str(month), "--rules", str(RULES), "--ledger", str(ledger_dir)]
    assert invoke(*args).exit_code == 0
    closed = invoke("close", "2026-10", "--ledger", str(ledger_dir))
    assert closed.exit_code == 0, closed.output
    assert f"Sealed 2026-10 in {ledger_dir / '2026-10'}: 6 people, gross 12627.17" in closed.output
    sealed = Ledger(ledger_dir).manifest("2026-10")
    assert sealed["sealed"] is True and sealed["sealed_at"].endswith("Z")
    payroll_before = (month / "out" / "payroll.csv").read_bytes()
    ledger_before = sorted(p.relative_to(ledger_dir) for p in ledger_dir.rglob("*"))

    raise_o03(month)
    refused = invoke(*args, "--out", str(month / "out2"))
    assert refused.exit_code == 1
    assert "2026-10: the sealed record → this run" in refused.output
    rows = [line.split("│")[1:-1] for line in refused.output.splitlines() if "│" in line]
    cells = [[c.strip() for c in row] for row in rows]
    assert ["A1", "小美", "commission", "个人接单提成", "10.51", "11.51", "1.00"] in cells
    assert ["S1", "林主管", "supervisor_commission", "主管提成", "12.46", "12.81", "0.35"] in cells
    assert (
        "L101 2026-10 is sealed (closed on " + sealed["sealed_at"][:10] + ", gross 12627.17); "
        "rerun with --force to record a new run" in refused.output
    )
    assert "nothing was written" in refused.output
    assert not (month / "out2").exists()
    assert (month / "out" / "payroll.csv").read_bytes() == payroll_before
    assert sorted(p.relative_to(ledger_dir) for p in ledger_dir.rglob("*")) == ledger_before


def test_forced_run_after_close_keeps_the_sealed_run_and_reopens(month: Path, ledger_dir: Path):
    args = ["run", str(month), "--rules", str(RULES), "--ledger", str(ledger_dir)]
    assert invoke(*args).exit_code == 0
    assert invoke("close", "2026-10", "--ledger", str(ledger_dir)).exit_code == 0
    raise_o03(month)
    forced = invoke(*args, "--force")
    assert forced.exit_code == 0, forced.output

    ledger = Ledger(ledger_dir)
    [kept] = ledger.history("2026-10")
    assert f"the sealed run is kept in {kept}" in forced.output
    old = json.loads((kept / "manifest.json").read_text("utf-8"))
    assert old["sealed"] is True and old["gross"] == "12627.17"
    current = ledger.manifest("2026-10")
    # 12627.17 + 1.00 (A1's commission) + 0.35 (S1's supervisor commission), see above
    assert current["gross"] == "12628.52"
    assert ledger.payroll("2026-10")["gross"].sum() == Decimal("12628.52")
    assert current["sealed"] is False
    assert current["reopened"] == {"sealed_at": old["sealed_at"], "history": f"history/{kept.name}"}
    assert current["options"]["force"] is True
    # Open again: it can be closed again, and then the earlier seal stays on record.
    assert invoke("close", "2026-10", "--ledger", str(ledger_dir)).exit_code == 0
    assert ledger.is_sealed("2026-10")


def test_close_unknown_or_sealed_month_is_an_error(month: Path, ledger_dir: Path):
    unknown = invoke("close", "2026-10", "--ledger", str(ledger_dir))
    assert unknown.exit_code == 1
    assert f"2026-10 is not in the ledger {ledger_dir}/ (it has no months yet)" in unknown.output
    assert not ledger_dir.exists()

    invoke("run", str(month), "--rules", str(RULES), "--ledger", str(ledger_dir))
    assert invoke("close", "2026-10", "--ledger", str(ledger_dir)).exit_code == 0
    again = invoke("close", "2026-10", "--ledger", str(ledger_dir))
    assert again.exit_code == 1
    assert "L102 2026-10 was already sealed on" in again.output
    other = invoke("close", "2026-09", "--ledger", str(ledger_dir))
    assert other.exit_code == 1
    assert f"2026-09 is not in the ledger {ledger_dir}/ (it has 2026-10)" in other.output
    assert invoke("close", "2026-13", "--ledger", str(ledger_dir)).exit_code == 2


def test_record_refuses_a_sealed_month_without_force(month: Path, ledger_dir: Path):
    result = compute_month(month, RULES)
    ledger = Ledger(ledger_dir)
    ledger.record(result)
    ledger.close("2026-10")
    with pytest.raises(InputError) as refused:
        ledger.record(result)
    [diagnostic] = refused.value.diagnostics
    assert diagnostic.file == str(ledger_dir / "2026-10" / "manifest.json")
    assert "rerun with --force to record a new run (the sealed one is kept in" in diagnostic.message
    assert ledger.history("2026-10") == []


def test_no_ledger_records_nothing(month: Path, ledger_dir: Path):
    result = invoke(
        "run", str(month), "--rules", str(RULES), "--ledger", str(ledger_dir), "--no-ledger"
    )
    assert result.exit_code == 0, result.output
    assert (month / "out" / "payroll.csv").exists()
    assert not ledger_dir.exists()
    assert "Recorded" not in result.output


def test_a_replacement_interrupted_between_renames_is_undone(month: Path, ledger_dir: Path):
    ledger = Ledger(ledger_dir)
    ledger.record(compute_month(month, RULES))
    # The crash: the month was moved aside, the new run never took its place.
    aside = ledger_dir / ".replaced-2026-10-0123456789ab"
    aside.mkdir()
    (ledger_dir / "2026-10").rename(aside / "month")
    (ledger_dir / ".staging-2026-10-ba9876543210").mkdir()  # a half-written run
    assert Ledger(ledger_dir).months() == ["2026-10"]
    assert not aside.exists()
    assert Ledger(ledger_dir).manifest("2026-10")["gross"] == "12627.17"


def test_close_has_help_text():
    result = invoke("close", "--help")
    assert result.exit_code == 0
    assert "Seal a month in the ledger" in result.output


def test_a_run_whose_payroll_files_fail_records_nothing(
    month: Path, ledger_dir: Path, monkeypatch: pytest.MonkeyPatch
):
    # The ledger writes its tables while the payroll files are written; when those fail
    # (here: the workbook), the month must not be in the ledger, nor any staging folder.
    import csincentive.reports.files as outputs

    def broken(result, path):  # type: ignore[no-untyped-def]
        raise OSError(28, "No space left on device", str(path))

    monkeypatch.setattr(outputs, "write_xlsx", broken)
    out = month / "out"
    result = invoke(
        "run", str(month), "--rules", str(RULES), "--ledger", str(ledger_dir), "--out", str(out)
    )
    assert result.exit_code != 0
    assert not Ledger(ledger_dir).has("2026-10")
    assert not ledger_dir.exists() or not any(ledger_dir.iterdir())
    # A clear message, not a traceback: where, why, what to do.
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "O101" in result.output and "No space left on device" in result.output
    assert not (out / "payroll.csv").exists()


def test_an_existing_payroll_stops_the_run_before_the_ledger(month: Path, ledger_dir: Path):
    out = month / "out"
    args = [
        "run",
        str(month),
        "--rules",
        str(RULES),
        "--ledger",
        str(ledger_dir),
        "--out",
        str(out),
    ]
    assert invoke(*args).exit_code == 0
    first = Ledger(ledger_dir).manifest("2026-10")["computed_at"]
    again = invoke(*args)
    assert again.exit_code == 1 and "O100" in again.output
    assert Ledger(ledger_dir).manifest("2026-10")["computed_at"] == first
    assert Ledger(ledger_dir).history("2026-10") == []


def test_a_ledger_hashes_each_run_inputs_anew(month: Path, ledger_dir: Path):
    # Inputs hashed early for one run (recording=True) must not stand for a later run of
    # the same files once they have changed: each record hashes what it was computed from.
    ledger = Ledger(ledger_dir)
    compute_month(month, RULES, ledger=ledger, recording=True)  # computed, never recorded
    ledger.record(compute_month(month, RULES, ledger=ledger, recording=True))
    orders = month / "orders.csv"
    orders.write_text(orders.read_text(encoding="utf-8").replace("200.50", "300.50"), "utf-8")
    compute_month(month, RULES, ledger=ledger, recording=True)  # and again
    ledger.record(compute_month(month, RULES, ledger=ledger, recording=True))
    assert ledger.manifest("2026-10")["inputs"]["orders"]["blake3"] == b3(orders)
