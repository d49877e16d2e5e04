"""`csincentive check PERIOD --rules FILE`: the dry run before the real one. Exact exit
codes and messages; nothing is written, neither the payroll files nor the ledger.

Each test runs in its own empty folder (tests/conftest.py) holding a two-person month
written here, so the paths in the messages are short and relative: 2026-10/orders.csv."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from csincentive.cli import app
from csincentive.ledger.store import Ledger
from csincentive.month.compute import compute_month

runner = CliRunner()

AGENTS = """agent_id,name,team,role,grade,hire_date,chat_nick
A1,小美,售前一组,agent,中级,2025-01-01,云杉:小美
A2,阿杰,售前一组,agent,初级,2025-03-01,云杉:阿杰
"""
# Line 4: an account nobody on the roster has, whose buyer orders nothing (a warning).
CHATS = """agent,buyer,start_time
云杉:小美,b1,2026-10-05 10:00:00
云杉:阿杰,b2,2026-10-06 11:00:00
云杉:机器人,b3,2026-10-07 12:00:00
"""
ORDERS = """order_id,buyer,created_at,paid_at,paid_amount,status,refund_amount
o1,b1,2026-10-05 11:00:00,2026-10-05 11:05:00,300.00,交易成功,0.00
o2,b2,2026-10-06 12:00:00,2026-10-06 12:01:00,500.00,交易成功,0.00
"""
# Line 16, `rate = 2`: a warning (×2, or 2%?); the month is still paid.
RULES = """[scheme]
id = "check"
name = "检查"
valid_from = "2026-01-01"

[components.commission]
label = "提成"
kind = "rate"
base = "net_sales"
rate = "1%"

[components.bonus]
label = "奖金"
kind = "rate"
base = "net_sales"
rate = 2
"""

RULES_WARNING = (
    "rules.toml:16:1: warning: W140 components.bonus.rate: rate 2 means ×2 (200%); "
    'if you meant 2%, write "2%"'
)
UNKNOWN_ACCOUNT = "2026-10/chats.csv:4: warning: W301 agent: chat account '云杉:机器人'"


def invoke(*args: str):
    return runner.invoke(app, list(args), env={"COLUMNS": "200", "NO_COLOR": "1"})


def write_month(*, orders: str = ORDERS, rules: str = RULES) -> None:
    """The month 2026-10 and rules.toml, in the test's own folder."""
    folder = Path("2026-10")
    folder.mkdir()
    (folder / "agents.csv").write_text(AGENTS, encoding="utf-8")
    (folder / "chats.csv").write_text(CHATS, encoding="utf-8")
    (folder / "orders.csv").write_text(orders, encoding="utf-8")
    Path("rules.toml").write_text(rules, encoding="utf-8")


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under folder with its bytes: what "nothing was written" compares."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_a_clean_month_passes_with_its_warnings_and_writes_nothing():
    write_month()
    before = tree(Path("2026-10"))
    result = invoke("check", "2026-10", "--rules", "rules.toml")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    # The rules file's warning, then the month's (its wording is the month's business:
    # here only its place, code and account), then the count.
    assert lines[0] == RULES_WARNING
    assert lines[1].startswith(UNKNOWN_ACCOUNT)
    assert lines[2:] == ["0 error(s), 2 warning(s); nothing was written."]
    # No out/ in the month's folder, nothing else in it changed, no ./ledger.
    assert tree(Path("2026-10")) == before
    assert sorted(p.name for p in Path().iterdir() if not p.name.startswith(".")) == [
        "2026-10",
        "rules.toml",
    ]


def test_a_bad_row_in_orders_is_an_error_at_its_line():
    write_month(orders=ORDERS.replace("500.00,交易成功", "5OO.00,交易成功"))
    result = invoke("check", "2026-10", "--rules", "rules.toml")
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        RULES_WARNING,
        "2026-10/orders.csv:3: D300 paid_amount: not an amount of money (at most 2 decimals): "
        "'5OO.00' — write the amount like 128.00 or re-export the order report",
        "1 error(s), 1 warning(s); nothing was written.",
    ]
    assert not Path("2026-10", "out").exists()
    assert not Path("ledger").exists()


def test_bad_rules_stop_before_the_month_is_computed():
    # The month is broken too (line 3 of orders.csv): it is not read, so not reported.
    write_month(
        orders=ORDERS.replace("500.00,交易成功", "5OO.00,交易成功"),
        rules=RULES.replace('label = "奖金"', 'labl = "奖金"'),
    )
    result = invoke("check", "2026-10", "--rules", "rules.toml")
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "rules.toml:13:1: E101 components.bonus.labl: unknown key 'labl'; did you mean "
        "'label'? Allowed keys here: annual_bonus, applies_to, base, cap, deduct, flag, flag_when, floor, "
        "format, kind, label, note, pay, prorate, rate, rule, when.",
        "2026-10 was not computed: fix the rules file's errors first.",
        "1 error(s), 0 warning(s); nothing was written.",
    ]
    assert not Path("2026-10", "out").exists()


def test_json_lists_every_problem_as_validate_does():
    write_month(orders=ORDERS.replace("500.00,交易成功", "5OO.00,交易成功"))
    result = invoke("check", "2026-10", "--rules", "rules.toml", "--json")
    assert result.exit_code == 1
    rules_warning, bad_amount = json.loads(result.output)
    assert rules_warning == {
        "file": "rules.toml",
        "line": 16,
        "col": 1,
        "code": "W140",
        "path": "components.bonus.rate",
        "severity": "warning",
        "message": 'rate 2 means ×2 (200%); if you meant 2%, write "2%"',
    }
    assert bad_amount == {
        "file": "2026-10/orders.csv",
        "line": 3,
        "col": None,
        "code": "D300",
        "path": "paid_amount",
        "severity": "error",
        "message": "not an amount of money (at most 2 decimals): '5OO.00' — write the amount "
        "like 128.00 or re-export the order report",
    }
    # validate --json prints the rules file's problems as the same dicts.
    validated = invoke("validate", "rules.toml", "--json")
    assert json.loads(validated.output) == [rules_warning]


def test_a_sealed_month_is_reported_and_the_ledger_left_as_it_was():
    write_month()
    ledger = Ledger(Path("books"))
    ledger.record(compute_month("2026-10", "rules.toml"))
    ledger.close("2026-10")
    before = tree(Path("books"))
    result = invoke("check", "2026-10", "--rules", "rules.toml", "--ledger", "books")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0] == RULES_WARNING
    assert lines[1].startswith(UNKNOWN_ACCOUNT)
    # run would refuse the month, --force or not: the check says so, as run would.
    assert lines[2].startswith(
        "books/check/2026-10/manifest.json: L101 2026-10 is sealed (check, closed on "
    )
    assert lines[2].endswith(
        'To correct it, reopen it first — csincentive reopen 2026-10 --reason "…" '
        "(the sealed run is kept in its history/) — then run it again"
    )
    assert lines[3:] == ["1 error(s), 2 warning(s); nothing was written."]
    assert tree(Path("books")) == before
    assert not Path("2026-10", "out").exists()
