"""The ledger: recording months, history of reruns, sealing, and the diff a refused run shows.

The month is tests/months/2026-10 under rules/taobao-presales.toml (hand-worked in
test_golden_month.py: 6 people, gross 12627.17; A1 小美 net sales 1050.50, commission
10.51; S1's supervisor commission 12.46), recorded under ledger/taobao-presales/2026-10/.
Every ledger lives in tmp_path.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from blake3 import blake3
from helpers import MONTH_RULES, SHIPPED_RULES, ignoring_the_temp
from typer.testing import CliRunner

from csincentive.cli import app
from csincentive.core.diagnostics import InputError
from csincentive.ledger.diff import diff_lines
from csincentive.ledger.disk import write_table
from csincentive.ledger.store import Ledger
from csincentive.month.compute import compute_month

ROOT = Path(__file__).resolve().parents[2]
MONTH = ROOT / "tests" / "months" / "2026-10"
RULES = MONTH_RULES  # the shipped scheme, 云杉:临时工 ignored
SCHEME = "taobao-presales"
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

    folder = ledger_dir / SCHEME / "2026-10"
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
    recorded = result.for_ledger().tables
    for name in ("payroll", "lines", "metrics", "values", "orders"):
        read = getattr(ledger, name)("2026-10")
        assert read.schema == recorded[name].schema, name
        assert read.equals(recorded[name]), name
    # The ledger's orders are the per-order table attribution.parquet shows (month.orders).
    assert recorded["orders"].equals(result.per_order)
    assert recorded["orders"].columns[:3] == ["order_id", "line", "buyer"]
    values = ledger.values("2026-10").filter(pl.col("agent_id") == "A3")
    # A3's base before rounding: (15 × 2000 + 16 × 2500) / 31 = 2258.0645161290 (ten places)
    assert values["base__raw"].item() == Decimal("2258.0645161290")
    assert values["base"].item() == Decimal("2258.06")
    assert ledger.lines("2026-10")["amount"].dtype == pl.String
    assert ledger.months() == ["2026-10"] and ledger.has("2026-10")
    assert not ledger.has("2026-09")


def test_a_table_is_the_same_bytes_however_it_is_chunked_in_memory(tmp_path: Path):
    # Row groups follow a fixed size, not the chunks a query happened to leave the table in
    # (which move with the query plan): the manifest's hash is the table's, not the plan's.
    # 600,000 rows: three row groups (262,144 each, then the rest).
    table = pl.DataFrame({"order_id": [f"41{i:014d}" for i in range(600_000)]}).with_columns(
        amount=pl.int_range(600_000).cast(pl.Decimal(38, 2))
    )
    chunked = pl.concat([table.slice(i, 77_777) for i in range(0, table.height, 77_777)])
    assert chunked.n_chunks() > 1 and table.n_chunks() == 1
    write_table(table, tmp_path / "one.parquet")
    write_table(chunked, tmp_path / "many.parquet")
    assert (tmp_path / "one.parquet").read_bytes() == (tmp_path / "many.parquet").read_bytes()
    assert pl.read_parquet(tmp_path / "many.parquet").equals(table)


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
    assert sorted(p.name for p in ledger_dir.iterdir()) == [SCHEME]
    # The month's lock file stays (deleting it would let two runs lock two files).
    assert sorted(p.name for p in (ledger_dir / SCHEME).iterdir()) == [".lock-2026-10", "2026-10"]


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
    assert f"Sealed 2026-10 in {ledger_dir / SCHEME / '2026-10'}: 6 people, gross 12627.17" in (
        closed.output
    )
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
        "L101 2026-10 is sealed (taobao-presales, closed on " + sealed["sealed_at"][:10] + ", "
        "gross 12627.17); a sealed month is not replaced, with or without --force. To correct "
        'it, reopen it first — csincentive reopen 2026-10 --reason "…" (the sealed run is kept '
        "in its history/) — then run it again" in refused.output
    )
    assert "nothing was written" in refused.output
    assert not (month / "out2").exists()
    assert (month / "out" / "payroll.csv").read_bytes() == payroll_before
    assert sorted(p.relative_to(ledger_dir) for p in ledger_dir.rglob("*")) == ledger_before


def test_force_does_not_unseal_a_month(month: Path, ledger_dir: Path):
    args = ["run", str(month), "--rules", str(RULES), "--ledger", str(ledger_dir)]
    assert invoke(*args).exit_code == 0
    assert invoke("close", "2026-10", "--ledger", str(ledger_dir)).exit_code == 0
    ledger_before = {p: p.read_bytes() for p in ledger_dir.rglob("*") if p.is_file()}
    raise_o03(month)
    forced = invoke(*args, "--force")
    # Refused as without --force: the diff (A1 +1.00, worked above), the way to reopen.
    assert forced.exit_code == 1
    assert "2026-10: the sealed record → this run" in forced.output
    assert "A1 " in forced.output and "1.00" in forced.output
    assert "L101 2026-10 is sealed" in forced.output
    assert 'csincentive reopen 2026-10 --reason "…"' in forced.output
    assert {p: p.read_bytes() for p in ledger_dir.rglob("*") if p.is_file()} == ledger_before
    assert Ledger(ledger_dir).is_sealed("2026-10")


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
    for force in (False, True):
        with pytest.raises(InputError) as refused:
            ledger.record(result, force=force)
        [diagnostic] = refused.value.diagnostics
        assert diagnostic.code == "L101"
        assert diagnostic.file == str(ledger_dir / SCHEME / "2026-10" / "manifest.json")
        assert "a sealed month is not replaced, with or without --force" in diagnostic.message
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
    folder = ledger_dir / SCHEME
    aside = folder / ".replaced-2026-10-0123456789ab"
    aside.mkdir()
    (folder / "2026-10").rename(aside / "month")
    staging = folder / ".staging-2026-10-ba9876543210"  # a half-written run
    staging.mkdir()
    assert Ledger(ledger_dir).months() == ["2026-10"]
    assert not aside.exists() and not staging.exists()
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

    def broken(result, path, cells=None):  # type: ignore[no-untyped-def]
        raise OSError(28, "No space left on device", str(path))

    monkeypatch.setattr(outputs, "write_xlsx", broken)
    out = month / "out"
    result = invoke(
        "run", str(month), "--rules", str(RULES), "--ledger", str(ledger_dir), "--out", str(out)
    )
    assert result.exit_code != 0
    assert not Ledger(ledger_dir).has("2026-10")
    # No month and no staging folder: only the month's lock file, released.
    left = sorted(str(p.relative_to(ledger_dir)) for p in ledger_dir.rglob("*"))
    assert left == [SCHEME, f"{SCHEME}/.lock-2026-10"]
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


# One ledger folder, several schemes and shops (issue 11, item 8) ---------------------------


def rules_as(tmp_path: Path, scheme_id: str = SCHEME, shop: str | None = None) -> Path:
    """taobao-presales under another scheme id and/or shop: the same pay, another scheme."""
    text = ignoring_the_temp(SHIPPED_RULES.read_text(encoding="utf-8"))
    header = f'[scheme]\nid = "{scheme_id}"\n' + (f'shop = "{shop}"\n' if shop else "")
    assert text.count(f'[scheme]\nid = "{SCHEME}"\n') == 1
    path = tmp_path / f"{scheme_id}-{shop or 'any'}.toml"
    path.write_text(text.replace(f'[scheme]\nid = "{SCHEME}"\n', header), encoding="utf-8")
    return path


def test_schemes_and_shops_sharing_a_folder_never_see_each_others_months(
    month: Path, ledger_dir: Path, tmp_path: Path
):
    def run(rules: Path, out: str):
        args = ["run", str(month), "--rules", str(rules), "--ledger", str(ledger_dir)]
        return invoke(*args, "--out", str(tmp_path / out))

    assert run(RULES, "a").exit_code == 0
    assert invoke("close", "2026-10", "--ledger", str(ledger_dir)).exit_code == 0
    # Another shop of the same scheme and another scheme: neither is refused by the seal
    # of taobao-presales' 2026-10, nor shown a diff against it.
    shop = run(rules_as(tmp_path, shop="云杉旗舰店"), "b")
    assert shop.exit_code == 0, shop.output
    assert "sealed" not in shop.output
    other = run(rules_as(tmp_path, "other-scheme"), "c")
    assert other.exit_code == 0, other.output

    ledger = Ledger(ledger_dir)
    assert [str(key) for key in ledger.schemes()] == [
        "other-scheme",
        "taobao-presales",
        "taobao-presales (shop 云杉旗舰店)",
    ]
    assert (ledger_dir / SCHEME / "云杉旗舰店" / "2026-10" / "manifest.json").is_file()
    assert ledger.for_scheme(SCHEME).is_sealed("2026-10")
    assert not ledger.for_scheme(SCHEME, "云杉旗舰店").is_sealed("2026-10")
    assert ledger.for_scheme(SCHEME, "云杉旗舰店").manifest("2026-10")["scheme"] == {
        "id": SCHEME,
        "name": "淘宝客服激励制度",
        "shop": "云杉旗舰店",
    }
    assert ledger.for_scheme(SCHEME).history("2026-10") == []  # nobody replaced it

    # close finds the scheme when one has the month; here three do: name them, ask which.
    ambiguous = invoke("close", "2026-10", "--ledger", str(ledger_dir))
    assert ambiguous.exit_code == 1
    assert (
        f"L104 2026-10 is in the ledger {ledger_dir}/ for 3 schemes: other-scheme, "
        "taobao-presales, taobao-presales (shop 云杉旗舰店); say which with --scheme ID and "
        "--shop SHOP" in ambiguous.output
    )
    chosen = invoke("close", "2026-10", "--ledger", str(ledger_dir), "--scheme", "other-scheme")
    assert chosen.exit_code == 0, chosen.output
    assert f"Sealed 2026-10 in {ledger_dir / 'other-scheme' / '2026-10'}" in chosen.output
    assert not ledger.for_scheme(SCHEME, "云杉旗舰店").is_sealed("2026-10")
    assert ledger.for_scheme(SCHEME, "云杉旗舰店").has("2026-10")
    assert not ledger.for_scheme("nobody").has("2026-10")


def test_scheme_and_shop_names_become_safe_folder_names(tmp_path: Path):
    from csincentive.ledger.layout import SchemeKey

    root = tmp_path / "ledger"
    # A slash, a leading dot and a month-like name cannot be folders as they are; Chinese can.
    assert SchemeKey("a/b").folder(root) == root / "a%2Fb"
    assert SchemeKey("..").folder(root) == root / "%2E."
    assert SchemeKey("s", "2026-10").folder(root) == root / "s" / "%32026-10"
    assert SchemeKey("淘宝", "云杉:旗舰店").folder(root) == root / "淘宝" / "云杉%3A旗舰店"
    assert SchemeKey("").folder(root) == root / "%none"


def legacy_ledger(month: Path, ledger_dir: Path) -> Path:
    """A ledger in the layout before schemes were kept apart: the month directly under the
    root. Its files are those a run writes today (the manifest's scheme is {"id", "name"},
    as it always was), moved where the earlier code put them."""
    Ledger(ledger_dir).record(compute_month(month, RULES))
    (ledger_dir / SCHEME / "2026-10").rename(ledger_dir / "2026-10")
    shutil.rmtree(ledger_dir / SCHEME)
    manifest = json.loads((ledger_dir / "2026-10" / "manifest.json").read_text("utf-8"))
    assert manifest["scheme"] == {"id": SCHEME, "name": "淘宝客服激励制度"}
    return ledger_dir / "2026-10"


def test_a_ledger_in_the_earlier_layout_is_read_in_place(month: Path, ledger_dir: Path):
    legacy_ledger(month, ledger_dir)
    ledger = Ledger(ledger_dir)
    assert ledger.months() == ["2026-10"]
    assert [str(key) for key in ledger.schemes()] == [SCHEME]
    own = ledger.for_scheme(SCHEME)
    assert own.months() == ["2026-10"] and own.manifest("2026-10")["gross"] == "12627.17"
    assert own.payroll("2026-10")["gross"].sum() == Decimal("12627.17")
    assert not ledger.for_scheme("other-scheme").has("2026-10")
    assert not ledger.for_scheme(SCHEME, "云杉旗舰店").has("2026-10")
    assert (ledger_dir / "2026-10").is_dir()  # reading moves nothing


def test_a_month_in_the_earlier_layout_moves_under_its_scheme_when_written(
    month: Path, ledger_dir: Path, monkeypatch: pytest.MonkeyPatch
):
    legacy = legacy_ledger(month, ledger_dir)
    before = {p.relative_to(legacy): p.read_bytes() for p in legacy.rglob("*") if p.is_file()}
    import csincentive.ledger.layout as layout

    # The move is one rename: when it fails the month is whole where it was, unchanged.
    def refused(source, target):  # type: ignore[no-untyped-def]
        raise OSError(30, "Read-only file system", str(source))

    monkeypatch.setattr(layout.os, "rename", refused)
    failed = invoke("close", "2026-10", "--ledger", str(ledger_dir))
    assert failed.exit_code == 1 and "L103" in failed.output
    assert "Read-only file system" in failed.output
    assert {
        p.relative_to(legacy): p.read_bytes() for p in legacy.rglob("*") if p.is_file()
    } == before
    assert not Ledger(ledger_dir).is_sealed("2026-10")
    monkeypatch.undo()

    closed = invoke("close", "2026-10", "--ledger", str(ledger_dir))
    assert closed.exit_code == 0, closed.output
    moved = ledger_dir / SCHEME / "2026-10"
    assert not legacy.exists()
    assert f"Sealed 2026-10 in {moved}" in closed.output
    after = {p.relative_to(moved): p.read_bytes() for p in moved.rglob("*") if p.is_file()}
    assert {k: v for k, v in after.items() if k.name != "manifest.json"} == {
        k: v for k, v in before.items() if k.name != "manifest.json"
    }
    assert Ledger(ledger_dir).for_scheme(SCHEME).is_sealed("2026-10")


# Reopen instead of --force (issue 11, item 9) --------------------------------------------


def test_reopen_then_run_records_shows_the_diff_and_keeps_the_sealed_run(
    month: Path, ledger_dir: Path
):
    args = ["run", str(month), "--rules", str(RULES), "--ledger", str(ledger_dir)]
    assert invoke(*args).exit_code == 0
    assert invoke("close", "2026-10", "--ledger", str(ledger_dir)).exit_code == 0
    ledger = Ledger(ledger_dir)
    sealed = ledger.manifest("2026-10")

    reopened = invoke(
        "reopen", "2026-10", "--reason", "o03 was 300.50, not 200.50", "--ledger", str(ledger_dir)
    )
    assert reopened.exit_code == 0, reopened.output
    [kept] = ledger.history("2026-10")
    assert f"Reopened 2026-10 in {ledger_dir / SCHEME / '2026-10'}" in reopened.output
    assert f"is kept in {kept}" in reopened.output
    assert json.loads((kept / "manifest.json").read_text("utf-8")) == sealed
    record = ledger.manifest("2026-10")["reopened"]
    assert record["reason"] == "o03 was 300.50, not 200.50"
    assert record["sealed_at"] == sealed["sealed_at"] and record["at"] > sealed["sealed_at"]
    assert record["history"] == f"history/{kept.name}"
    assert not ledger.is_sealed("2026-10")

    raise_o03(month)
    rerun = invoke(*args, "--force")  # --force: the first run's payroll files are there
    assert rerun.exit_code == 0, rerun.output
    # The diff against the sealed run, worked in test_diff_lines_per_agent_and_line.
    assert "2026-10: the sealed record → this run" in rerun.output
    rows = [line.split("│")[1:-1] for line in rerun.output.splitlines() if "│" in line]
    cells = [[c.strip() for c in row] for row in rows]
    assert ["A1", "小美", "commission", "个人接单提成", "10.51", "11.51", "1.00"] in cells
    assert ["S1", "林主管", "supervisor_commission", "主管提成", "12.46", "12.81", "0.35"] in cells
    assert "was reopened on" in rerun.output and "(o03 was 300.50, not 200.50)" in rerun.output
    assert f"the sealed run is kept in {kept}" in rerun.output

    current = ledger.manifest("2026-10")
    assert current["gross"] == "12628.52"  # 12627.17 + 1.00 + 0.35
    assert current["sealed"] is False and current["reopened"] == record
    # The sealed run is kept once (reopen kept it; the rerun replaced that same run).
    assert ledger.history("2026-10") == [kept]
    assert current["replaces"] == f"history/{kept.name}"

    # Open until closed again; a second run still compares with the sealed run.
    again = invoke(*args, "--force")
    assert again.exit_code == 0 and "the sealed record → this run" in again.output
    assert len(ledger.history("2026-10")) == 2
    assert invoke("close", "2026-10", "--ledger", str(ledger_dir)).exit_code == 0
    assert ledger.is_sealed("2026-10")


def test_reopen_needs_a_sealed_month_and_a_reason(month: Path, ledger_dir: Path):
    def reopen(*extra: str):
        return invoke("reopen", "2026-10", "--ledger", str(ledger_dir), *extra)

    unknown = reopen("--reason", "why")
    assert unknown.exit_code == 1
    assert f"L100 2026-10 is not in the ledger {ledger_dir}/ (it has no months yet)" in (
        unknown.output
    )
    invoke("run", str(month), "--rules", str(RULES), "--ledger", str(ledger_dir))
    still_open = reopen("--reason", "why")
    assert still_open.exit_code == 1
    assert "L105 2026-10 is open (taobao-presales, run " in still_open.output
    assert "nothing to reopen" in still_open.output
    assert invoke("close", "2026-10", "--ledger", str(ledger_dir)).exit_code == 0
    assert reopen().exit_code == 2  # --reason is required
    blank = reopen("--reason", "  ")
    assert blank.exit_code == 1 and "L106 say why 2026-10 is reopened" in blank.output
    assert Ledger(ledger_dir).is_sealed("2026-10")
    assert Ledger(ledger_dir).history("2026-10") == []
    assert "Reopen a sealed month for a correction" in invoke("reopen", "--help").output


# One writer per month (issue 11, item 7) ----------------------------------------------------

# A run that takes the month's lock (prepare), says so, and commits once told to on stdin.
HOLDER = """
import sys
from csincentive.ledger.store import Ledger
from csincentive.month.compute import compute_month

month, rules, root = sys.argv[1:]
ledger = Ledger(root)
pending = ledger.prepare(compute_month(month, rules, ledger=ledger, recording=True))
print("holding", flush=True)
if sys.stdin.readline().strip() == "commit":
    pending.commit()
    print(pending.lock.path, flush=True)
"""


def holder(month: Path, ledger_dir: Path) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(month), str(RULES), str(ledger_dir)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stdout.readline() == "holding\n"
    return process


def test_a_second_run_of_a_month_being_written_is_refused(month: Path, ledger_dir: Path):
    args = ["run", str(month), "--rules", str(RULES), "--ledger", str(ledger_dir)]
    lock = ledger_dir / SCHEME / ".lock-2026-10"
    with holder(month, ledger_dir) as first:
        try:
            refused = invoke(*args)
            assert refused.exit_code == 1
            assert f"{lock}: L107 2026-10 of taobao-presales is being written by another run: " in (
                refused.output
            )
            assert f"process {first.pid} on " in refused.output and "(-c " in refused.output
            assert "the lock is released when that process ends" in refused.output
            assert not (month / "out").exists()  # nothing written
            stdout, _ = first.communicate("commit\n", timeout=60)
        finally:
            first.kill()
    assert first.returncode == 0 and stdout.strip() == str(lock)
    first_run = Ledger(ledger_dir).manifest("2026-10")["computed_at"]

    # The first run ended: a run works, and the first run is kept in history, not lost.
    again = invoke(*args)
    assert again.exit_code == 0, again.output
    [kept] = Ledger(ledger_dir).history("2026-10")
    assert json.loads((kept / "manifest.json").read_text("utf-8"))["computed_at"] == first_run


def test_a_killed_writer_leaves_the_month_unlocked_and_nothing_behind(
    month: Path, ledger_dir: Path
):
    with holder(month, ledger_dir) as first:
        first.kill()  # SIGKILL, inside prepare: its staging folder stays behind
    folder = ledger_dir / SCHEME
    assert [p.name for p in folder.glob(".staging-2026-10-*")] != []
    done = invoke("run", str(month), "--rules", str(RULES), "--ledger", str(ledger_dir))
    assert done.exit_code == 0, done.output
    assert sorted(p.name for p in folder.iterdir()) == [".lock-2026-10", "2026-10"]
    assert Ledger(ledger_dir).history("2026-10") == []


def test_a_small_input_is_hashed_at_once_a_large_one_on_a_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from csincentive.ledger import store

    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    blake3_of_nothing = "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"
    at_once = store._hashing(empty)
    assert at_once.done() and at_once.result() == blake3_of_nothing
    monkeypatch.setattr(store, "HASH_AT_ONCE", -1)  # every file "large": hashed on a thread
    assert store._hashing(empty).result() == blake3_of_nothing
    monkeypatch.undo()
    with pytest.raises(FileNotFoundError):  # raised where the digest is taken, either way
        store._hashing(tmp_path / "gone.csv").result()
