"""Hostile inputs through the command line (issue 11, item 4): every one exits 1 with a
located diagnostic under a registered code, and none of them is the catch-all's X000,
which is only for what no check foresaw. The catch-all itself: one paragraph with the
version and a request to report it, exit 1, never a traceback unless CSINCENTIVE_DEBUG=1."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import MONTH_RULES, ROOT
from typer.testing import CliRunner

import csincentive
from csincentive.cli import app
from csincentive.cli.options import UNEXPECTED
from csincentive.core.diagnostics import CODES

MONTH = ROOT / "tests" / "months" / "2026-10"
RULES = MONTH_RULES  # the shipped scheme, 云杉:临时工 ignored
SCHEME = '[scheme]\nid = "t"\nname = "T"\nvalid_from = "2026-01-01"\n'  # lines 1-4
LOCATED = re.compile(r"^(?P<file>\S+?):(?:(?P<line>\d+):(?:\d+:)?)? (?P<code>[A-Z]\d{3}) ", re.M)

runner = CliRunner()


def invoke(*args: str, **env: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), env={"COLUMNS": "200", "NO_COLOR": "1", **env})


def refused(result, file: str, line: int | None = None) -> set[str]:  # type: ignore[no-untyped-def]
    """The codes reported for `file` (at `line`, when given), after checking that the run
    failed the designed way: exit 1 through typer.Exit, no traceback, no catch-all."""
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception  # not an escape
    assert "Traceback" not in result.output
    assert UNEXPECTED not in result.output, result.output
    found = {
        m["code"]
        for m in LOCATED.finditer(result.output)
        if Path(m["file"]).name == file and (line is None or m["line"] == str(line))
    }
    assert found, result.output
    assert found <= set(CODES) - {UNEXPECTED}
    return found


@pytest.fixture
def month(tmp_path: Path) -> Path:
    copy = tmp_path / "2026-10"
    shutil.copytree(MONTH, copy)
    return copy


# ------------------------------------------------------------------- rules and formulas

COMPONENT = '[components.b]\nlabel = "b"\nkind = "formula"\nexpr = "{}"\n'  # expr: line 8
RULES_CASES = {
    # name: (the rules text, the code, its line)
    "10,000 nested brackets": (
        SCHEME + COMPONENT.format("(" * 10_000 + "1" + ")" * 10_000),
        "E113",
        8,
    ),
    "a 100,000-term sum": (SCHEME + COMPONENT.format("+".join(["sessions"] * 100_000)), "E113", 8),
    "31 nested brackets": (SCHEME + COMPONENT.format("(" * 31 + "1" + ")" * 31), "E114", 8),
    "201 values": (SCHEME + COMPONENT.format("+".join(["1"] * 201)), "E115", 8),
    "1,000 signs": (SCHEME + COMPONENT.format("-" * 1_000 + "1"), "E114", 8),
    "a parameter of 1e999999": (
        SCHEME + "[params]\nx = 1e999999\n" + COMPONENT.format("x"),
        "E105",
        6,
    ),
    "a parameter of '1e999999'": (
        SCHEME + '[params]\nx = "1e999999"\n' + COMPONENT.format("x"),
        "E105",
        6,
    ),
    "a 5,000-digit integer": (SCHEME + "[params]\nx = " + "9" * 5_000 + "\n", "E105", 6),
    "a rate of 15 places": (
        SCHEME + '[components.c]\nlabel = "c"\nkind = "rate"\nbase = "net_sales"\n'
        "rate = 0.123456789012345\n",
        "E105",
        9,
    ),
    "arrays 5,000 deep": (SCHEME + "[params]\nx = " + "[" * 5_000 + "]" * 5_000 + "\n", "E107", 6),
    "5,000 components": (
        SCHEME
        + "[components]\n"
        + "".join(
            f'c{i} = {{ label = "c", kind = "formula", expr = "1" }}\n' for i in range(5_000)
        ),
        "E107",
        5,
    ),
    "include /etc/passwd": ('include = ["/etc/passwd"]\n' + SCHEME, "E108", 1),
    "include ../../../etc/passwd": ('include = ["../../../etc/passwd"]\n' + SCHEME, "E108", 1),
    "include a .txt": ('include = ["notes.txt"]\n' + SCHEME, "E108", 1),
}


@pytest.mark.parametrize("case", sorted(RULES_CASES))
def test_hostile_rules_are_located_errors(tmp_path: Path, month: Path, case: str):
    text, code, line = RULES_CASES[case]
    rules = tmp_path / "hostile.toml"
    rules.write_text(text, encoding="utf-8")
    assert code in refused(invoke("validate", str(rules)), "hostile.toml", line)
    result = invoke("run", str(month), "--rules", str(rules))
    assert code in refused(result, "hostile.toml", line)
    assert not (month / "out").exists()


# ---------------------------------------------------------------------------- the month


def cr_only(name: str) -> Callable[[Path], None]:
    def change(month: Path) -> None:
        path = month / name
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r"))

    return change


def truncated(month: Path) -> None:
    path = month / "chats.csv"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])  # cut in the middle of the 11th row


def broken_quote(month: Path) -> None:
    path = month / "chats.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace(",b2,", ',"b2,', 1)  # line 4: a quote never closed
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def amount(text: str, everywhere: bool = False) -> Callable[[Path], None]:
    def change(month: Path) -> None:
        path = month / "orders.csv"
        lines = path.read_text(encoding="utf-8").splitlines()
        for i in range(1, len(lines) if everywhere else 2):
            cells = lines[i].split(",")
            cells[4] = text  # paid_amount
            lines[i] = ",".join(cells)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    return change


DATA_CASES = {
    # name: (the change, the file the diagnostic names, its line)
    "a truncated chats.csv": (truncated, "chats.csv", 12),  # D111 at the cut row
    "a broken quote": (broken_quote, "chats.csv", 4),
    "an amount of 1e20": (amount("1e20"), "orders.csv", 2),
    "an amount of 100000000000000000000.00": (amount("100000000000000000000.00"), "orders.csv", 2),
    "amounts whose sum overflows Decimal(38, 10)": (
        amount("9" * 28 + ".00", everywhere=True),
        "orders.csv",
        None,
    ),
}


@pytest.mark.parametrize("name", ["chats.csv", "orders.csv"])
def test_cr_only_line_ends_are_read_like_any_other(month: Path, tmp_path: Path, name: str):
    # An export saved with old Mac line ends (CR only) was a Polars traceback; it is read as
    # the same rows, so the payroll is the one of the same month with LF line ends.
    same = tmp_path / "lf" / "2026-10"
    shutil.copytree(month, same)
    cr_only(name)(month)
    runs = [invoke("run", str(m), "--rules", str(RULES), "--no-ledger") for m in (month, same)]
    assert [r.exit_code for r in runs] == [0, 0], runs[0].output
    payrolls = [(m / "out" / "payroll.csv").read_bytes() for m in (month, same)]
    assert payrolls[0] == payrolls[1]


@pytest.mark.parametrize(
    ("change", "file", "line"),
    list(DATA_CASES.values()),
    ids=list(DATA_CASES),
)
def test_hostile_months_are_located_errors(
    month: Path, change: Callable[[Path], None], file: str, line: int | None
):
    change(month)
    result = invoke("run", str(month), "--rules", str(RULES))
    found = refused(result, file, line)
    assert {code[0] for code in found} == {"D"}
    assert re.search(rf"{file}:\d+(:\d+)?: ", result.output), result.output  # with its line
    assert not (month / "out").exists()


def test_a_formula_that_overflows_while_computing_is_located(tmp_path: Path, month: Path):
    # 10^27 fits the engine (E105 does not refuse it); 10^27 × 10^27 does not.
    rules = tmp_path / "overflow.toml"
    text = SCHEME + "[params]\nx = 1" + "0" * 27 + "\n" + COMPONENT.format("x * x")
    rules.write_text(text, encoding="utf-8")
    assert invoke("validate", str(rules)).exit_code == 0
    # [params] on lines 5-6, so the component's expr is on line 10 (E171, issue 11 item 4).
    result = invoke("run", str(month), "--rules", str(rules))
    assert refused(result, "overflow.toml", 10) == {"E171"}
    assert not (month / "out").exists()


def test_an_out_folder_that_is_a_file(tmp_path: Path, month: Path):
    out = tmp_path / "out"
    out.write_text("", encoding="utf-8")
    result = invoke("run", str(month), "--rules", str(RULES), "--out", str(out), "--no-ledger")
    assert refused(result, "out") == {"O101"}


def test_a_ledger_whose_folder_cannot_exist(tmp_path: Path, month: Path):
    # chmod does not stop root, which the tests may run as: a ledger under a regular file
    # cannot be written by anyone.
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    result = invoke("run", str(month), "--rules", str(RULES), "--ledger", str(blocker / "ledger"))
    assert refused(result, "taobao-presales") == {"L103"}
    assert str(blocker / "ledger") in result.output
    assert not (month / "out").exists()


# ---------------------------------------------------------------------------- catch-all


def _boom(*args: object, **kwargs: object) -> None:
    raise RuntimeError("boom\nwith a second line")


def test_the_catch_all_reports_in_one_paragraph(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr("csincentive.rules.loader.check_rules", _boom)
    result = invoke("validate", str(RULES))
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    assert result.output == (
        f"X000 csincentive {csincentive.__version__} stopped on an unexpected error in"
        " `validate`: RuntimeError: boom with a second line. This is a bug; please report it"
        " with the command you ran and this message. CSINCENTIVE_DEBUG=1 shows the"
        " traceback.\n"
    )


def test_the_traceback_is_there_with_csincentive_debug(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr("csincentive.rules.loader.check_rules", _boom)
    result = invoke("validate", str(RULES), CSINCENTIVE_DEBUG="1")
    assert isinstance(result.exception, RuntimeError)
    assert str(result.exception) == "boom\nwith a second line"


def test_usage_errors_and_exits_pass_through(month: Path):
    bad_month = invoke("run", str(month), "--rules", str(RULES), "--month", "2026-13")
    assert bad_month.exit_code == 2 and UNEXPECTED not in bad_month.output
    assert invoke("validate", str(RULES)).exit_code == 0


def test_every_command_goes_through_the_catch_all():
    commands = [info.callback for info in app.registered_commands]
    assert len(commands) == 11
    assert all(getattr(c, "__wrapped__", None) is not None for c in commands)
    assert all(c.__name__ == c.__wrapped__.__name__ for c in commands)  # type: ignore[union-attr]
