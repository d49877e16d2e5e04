"""The command line through Typer's CliRunner: exact exit codes and messages."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from helpers import MONTH_RULES, SHIPPED_RULES
from typer.testing import CliRunner

from csincentive.cli import app

ROOT = Path(__file__).resolve().parents[2]
MONTH = ROOT / "tests" / "months" / "2026-10"
RULES = str(MONTH_RULES)  # the shipped scheme, 云杉:临时工 ignored

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args), env={"COLUMNS": "200", "NO_COLOR": "1"})


@pytest.fixture
def month(tmp_path: Path) -> Path:
    copy = tmp_path / "2026-10"
    shutil.copytree(MONTH, copy)
    return copy


def test_run_writes_every_output_and_refuses_to_overwrite(month: Path):
    result = invoke("run", str(month), "--rules", RULES)
    assert result.exit_code == 0, result.output
    out = month / "out"
    assert sorted(p.name for p in out.iterdir()) == [
        "attribution.csv",
        "flags.csv",
        "lines.csv",
        "metrics.csv",
        "payroll.csv",
        "payroll.xlsx",
        "reconciliation.csv",
        "warnings.csv",
    ]
    payroll = (out / "payroll.csv").read_bytes()
    assert payroll.startswith(b"\xef\xbb\xbf")  # BOM: Excel opens the Chinese names right
    text = payroll.decode("utf-8-sig").splitlines()
    assert text[0] == (
        "agent_id,name,team,role,base,commission,refund_clawback,conversion_rank,supervisor_commission,"
        "target_bonus,video_game_fine,snacks_fine,complaint_fine,gross"
    )
    assert (
        text[1]
        == "A1,小美,售前一组,agent,2500.00,10.51,0.00,150.00,0.00,0.00,0.00,0.00,0.00,2660.51"
    )
    assert "12627.17" in result.output  # the total of the summary table
    with zipfile.ZipFile(out / "payroll.xlsx") as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
        names = book.read("xl/workbook.xml").decode()
    assert 'name="工资表"' in names
    assert "<v>2660.51</v>" in sheet  # money as numbers Excel can add up

    again = invoke("run", str(month), "--rules", RULES)
    assert again.exit_code == 1
    assert "a payroll was already written here; pass --force to replace it" in again.output
    assert invoke("run", str(month), "--rules", RULES, "--force").exit_code == 0


def test_run_reports_bad_rows_with_file_and_line(month: Path):
    orders = month / "orders.csv"
    lines = orders.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace("2026-10-11 09:00:00", "2026-13-11 09:00:00")
    orders.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = invoke("run", str(month), "--rules", RULES)
    assert result.exit_code == 1
    assert "orders.csv:3: D300 created_at:" in result.output
    assert "2026-13-11 09:00:00" in result.output
    assert "Traceback" not in result.output
    assert not (month / "out").exists()


def test_run_missing_file_is_a_clear_error(month: Path):
    (month / "chats.csv").unlink()
    result = invoke("run", str(month), "--rules", RULES)
    assert result.exit_code == 1
    assert "chats.csv" in result.output
    assert "Traceback" not in result.output


def test_validate_exit_codes(tmp_path: Path):
    assert invoke("validate", RULES).exit_code == 0
    broken = tmp_path / "broken.toml"
    broken.write_text(
        SHIPPED_RULES.read_text(encoding="utf-8").replace('rate = "1%"', "rate = 1\nrat = 2"),
        encoding="utf-8",
    )
    result = invoke("validate", str(broken))
    assert result.exit_code == 1
    assert f"{broken}:" in result.output
    assert (
        "E101 components.commission.rat: unknown key 'rat'; did you mean 'rate'?" in result.output
    )


def test_validate_json(tmp_path: Path):
    result = invoke("validate", "--json", RULES)
    assert result.exit_code == 0
    assert json.loads(result.output) == []


def test_rank_json_ties_share_a_rank():
    result = invoke(
        "rank", str(MONTH), "--rules", RULES, "--by", "conversion", "--top", "2", "--json"
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    # conversion 60%, then A2 and A5 tied at 50% (see test_golden_month).
    assert [(r["rank"], r["agent_id"]) for r in rows] == [(1, "A1"), (2, "A2"), (2, "A5")]


def test_rank_unknown_metric_suggests_choices():
    result = invoke("rank", str(MONTH), "--rules", RULES, "--by", "convertion")
    assert result.exit_code == 1
    assert "unknown metric or component 'convertion'" in result.output


def test_usage_error_is_exit_2():
    assert invoke("run").exit_code == 2
    assert invoke("run", str(MONTH), "--rules", RULES, "--month", "2026-13").exit_code == 2


@pytest.mark.parametrize("command", ["run", "validate", "rank", "names"])
def test_every_command_has_help_with_text(command: str):
    result = invoke(command, "--help")
    assert result.exit_code == 0
    doc = app.registered_commands[
        [c.name or c.callback.__name__ for c in app.registered_commands].index(command)
    ]
    assert doc.callback.__doc__ and doc.callback.__doc__.strip().splitlines()[0] in result.output


COMMANDS = [c.name or c.callback.__name__ for c in app.registered_commands if c.callback]


def test_the_app_registers_every_command_module():
    """The --help test below iterates the app; it must see every command there is."""
    modules = {p.stem for p in (ROOT / "src" / "csincentive" / "cli").glob("*.py")}
    assert sorted(COMMANDS) == sorted(modules - {"__init__", "options", "render"})


@pytest.mark.parametrize("command", COMMANDS)
def test_each_registered_command_has_help_with_its_summary_and_an_example(command: str):
    result = invoke(command, "--help")
    assert result.exit_code == 0, result.output
    callback = next(c.callback for c in app.registered_commands if c.callback.__name__ == command)
    doc = (callback.__doc__ or "").strip().splitlines()
    assert doc and doc[0] in result.output
    example = next(line.strip() for line in doc if line.strip().startswith("Example:"))
    assert example in result.output
    assert example.startswith(f"Example: csincentive {command}")


def test_no_cli_module_imports_polars_at_import_time():
    """`csincentive --help` starts fast because no command module loads Polars until it
    runs: import every cli module and ask every command for its help, in a fresh process."""
    script = (
        "import importlib, pkgutil, sys\n"
        "import csincentive.cli as cli\n"
        "for module in pkgutil.iter_modules(cli.__path__):\n"
        "    importlib.import_module(f'csincentive.cli.{module.name}')\n"
        "for command in [None, *(c.callback.__name__ for c in cli.app.registered_commands)]:\n"
        "    try:\n"
        "        cli.app([command, '--help'] if command else ['--help'])\n"
        "    except SystemExit as done:\n"
        "        assert done.code == 0, (command, done.code)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'polars'))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, encoding="utf-8"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_a_long_month_shows_each_stage_it_reaches(month: Path):
    # The test month: 22 sessions, 16 orders, 6 people on the roster (count the CSV lines);
    # chats.csv is 916 bytes and orders.csv 1,214.
    from csincentive.month.compute import compute_month

    stages: list[str] = []
    compute_month(month, RULES, progress=stages.append)
    assert stages == [
        "reading chats.csv (1 kB) and orders.csv (1 kB) …",
        "attributing 16 orders to 22 chats …",
        "computing pay for 6 people …",
    ]
    stages.clear()
    compute_month(month, RULES, progress=stages.append)  # the parsed exports are cached now
    assert stages[0].startswith("attributing")


def test_the_spinner_names_the_stage_only_on_a_terminal():
    from contextlib import contextmanager

    from csincentive.cli import render

    class Terminal:
        is_terminal = True
        shown: list[str] = []

        @contextmanager
        def status(self, message: str):
            self.shown.append(message)

            class Status:
                def update(inner, text: str) -> None:  # noqa: N805
                    self.shown.append(text)

            yield Status()

    terminal = Terminal()
    with render.working(terminal, "examples/2026-10") as stage:  # type: ignore[arg-type]
        stage("attributing 16 orders to 22 chats …")
    assert terminal.shown == [
        "examples/2026-10",
        "examples/2026-10 — attributing 16 orders to 22 chats …",
    ]
    with render.working(render.stderr(), "piped") as stage:  # tests run without a terminal
        stage("nothing is shown")


def test_exports_of_another_month_are_a_warning(month: Path):
    # The test month's 22 sessions start in October and its 15 paid orders were placed in
    # October (o05 is unpaid): paying November from them pays nobody for anything.
    from csincentive.month.compute import compute_month

    codes = [(w.code, w.message) for w in compute_month(month, RULES, month=(2026, 11)).warnings]
    assert (
        "W302",
        "none of its 22 sessions starts in 2026-11 — check that the export "
        "covers the month paid, or pay the month it covers (--month)",
    ) in codes
    assert any(
        code == "W303" and "none of its 15 paid orders falls in 2026-11" in text
        for code, text in codes
    )
    october = compute_month(month, RULES).warnings
    assert not [w for w in october if w.code in ("W302", "W303")]


HELP = """
import sys
if sys.argv[-1] == "full":
    import typer.rich_utils  # with rich.markdown and rich.traceback, as typer imports it
sys.argv = ["csincentive", "--help"]
from csincentive.cli import main
try:
    main()
except SystemExit:
    pass
print("markdown loaded" if "rich.markdown" in sys.modules else "no markdown", file=sys.stderr)
import rich.markdown, typer.rich_utils
made = typer.rich_utils.Markdown("**x**")  # typer's Markdown, stand-in or not, is the real one
print(type(made) is rich.markdown.Markdown, file=sys.stderr)
"""


def _help(*full: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", HELP, *full],
        capture_output=True,
        text=True,
        env={"COLUMNS": "100", "PATH": ""},
        check=True,
    )


def test_help_loads_neither_markdown_nor_tracebacks_and_is_the_same_page() -> None:
    light, full = _help(), _help("full")
    assert light.stderr.splitlines() == ["no markdown", "True"]
    assert full.stderr.splitlines() == ["markdown loaded", "True"]
    assert "Usage: csincentive [OPTIONS] COMMAND" in light.stdout
    assert light.stdout == full.stdout
