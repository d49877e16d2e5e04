"""Chat accounts that match nobody on the roster (month/accounts.py), on the hand-worked
month tests/months/2026-10: its chats.csv:23 is 云杉:临时工, a temp nobody's roster row
names, whose chat with b26 (10-19 09:00) wins o16 (77.00, created 10-19). Under the shipped
rules that stops the month (D301); rules that list the account under [inputs]
ignore_accounts pay o16 to nobody (ignored_account), every other figure as worked by hand in
test_golden_month.py."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest
from helpers import MONTH_RULES, SHIPPED_RULES, TEMP_ACCOUNT
from typer.testing import CliRunner

from csincentive.cli import app
from csincentive.core.diagnostics import InputError
from csincentive.month import accounts
from csincentive.month.accounts import RosterPeople
from csincentive.month.compute import compute_month
from csincentive.rules.loader import check_rules

ROOT = Path(__file__).resolve().parents[2]
MONTH = ROOT / "tests" / "months" / "2026-10"
FIX = "or list it under [inputs] ignore_accounts"

runner = CliRunner()


def invoke(*args: str | Path):
    return runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "200", "NO_COLOR": "1"})


@pytest.fixture
def month(tmp_path: Path) -> Path:
    copy = tmp_path / "2026-10"
    shutil.copytree(MONTH, copy)
    return copy


def rules_ignoring(folder: Path, *entries: str, name: str = "rules.toml") -> Path:
    """The shipped rules with ``[inputs] ignore_accounts = [entries]`` at their end."""
    listed = ", ".join(f'"{entry}"' for entry in entries)
    text = SHIPPED_RULES.read_text(encoding="utf-8").rstrip("\n")
    path = folder / name
    path.write_text(f"{text}\n\n[inputs]\nignore_accounts = [{listed}]\n", encoding="utf-8")
    return path


def last_line(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


# ------------------------------------------------------------------- the error (D301)


def test_an_unknown_account_that_won_an_order_stops_the_month(month: Path):
    with pytest.raises(InputError) as caught:
        compute_month(month, SHIPPED_RULES)
    [problem] = caught.value.diagnostics
    # 云杉:临时工: first (only) session at chats.csv:23; o16, 77.00. Its nick 临时工 shares
    # no character with any roster name or nick, so there is no likely person.
    assert problem.render() == (
        f"{month / 'chats.csv'}:23: D301 agent: chat account '云杉:临时工' matches no "
        "agent_id or chat_nick in the roster, and 1 order worth 77.00 is credited to it "
        "(1 session), paid to nobody — add chat_nick = '云杉:临时工' to its agent's row "
        f"in agents.csv, {FIX}"
    )


def test_the_cli_exits_1_and_writes_nothing(month: Path, tmp_path: Path):
    ledger = tmp_path / "ledger"
    result = invoke("run", month, "--rules", SHIPPED_RULES, "--ledger", ledger)
    assert result.exit_code == 1
    assert f"{month / 'chats.csv'}:23: D301 agent: chat account '云杉:临时工'" in result.output
    assert "nothing was written" in result.output
    assert not (month / "out").exists() and not ledger.exists()
    assert sorted(p.name for p in month.iterdir()) == ["agents.csv", "chats.csv", "orders.csv"]


def test_a_roster_without_chat_nicks_is_named_person_by_person(month: Path):
    # The shop's export names agents by display name (小美, not 云杉:小美); A2's rows use
    # the agent_id and still match. Worked by hand from chats.csv and orders.csv:
    #   老王 (line 2): o12 600.00; 小美 (line 3): o01 300 + o02 500 + o03 200.50 + o04 150
    #   = 1150.50; 晓雨 (line 12): o10 1000 + o11 450, and o09 260.00 — its 10-15 10:00 chat
    #   ties with A2's, and the key '?晓雨' sorts before 'A2' → 1710.00; 小林 (line 20):
    #   o14 330.00; the temp (line 23): o16 77.00; 林主管 (line 22) won no order: W301.
    chats = month / "chats.csv"
    text = chats.read_text(encoding="utf-8")
    for name in ("小美", "晓雨", "老王", "小林", "林主管"):
        text = text.replace(f"云杉:{name},", f"{name},")
    chats.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        compute_month(month, SHIPPED_RULES)
    found = caught.value.diagnostics
    assert [(d.code, d.line, d.message.split("'")[1]) for d in found] == [
        ("D301", 2, "老王"),
        ("D301", 3, "小美"),
        ("D301", 12, "晓雨"),
        ("D301", 20, "小林"),
        ("D301", 23, "云杉:临时工"),
        ("W301", 22, "林主管"),
    ]
    assert "1 order worth 600.00 is credited" in found[0].message
    assert found[1].message == (
        "chat account '小美' matches no agent_id or chat_nick in the roster, and 4 orders "
        "worth 1150.50 are credited to it (5 sessions), paid to nobody — most likely A1 小美 "
        f"(the same name): add chat_nick = '小美' to A1's row in agents.csv, {FIX}"
    )
    assert "3 orders worth 1710.00 are credited" in found[2].message
    assert "1 order worth 330.00 is credited" in found[3].message
    assert found[5].severity == "warning" and found[5].message == (
        "chat account '林主管' matches no agent_id or chat_nick in the roster (1 session, "
        "no order won): its sessions count for nobody — most likely S1 林主管 (the same "
        f"name): add chat_nick = '林主管' to S1's row in agents.csv, {FIX}"
    )


# ---------------------------------------------------------------- the likely person


ROSTER = pl.DataFrame(
    {
        "agent_id": ["A1", "A3", "A7", "B2"],
        "name": ["小美", "晓雨", "小美", "王美丽"],
        "chat_nick": ["云杉:小美", "云杉:晓雨", None, "云杉:美美"],
    }
)


@pytest.mark.parametrize(
    ("account", "likely"),
    [
        # Two people are called 小美: both are named.
        ("小美", "A1 小美 or A7 小美 (the same name)"),
        ("云杉二店:晓雨", "A3 晓雨 (the roster name is the nick '晓雨')"),
        ("旗舰店：美美", "B2 王美丽 (their chat_nick has the nick '美美')"),  # full-width ：
        # difflib: 晓雨1 against 晓雨 is 2 × 2 matches / 5 characters = 0.8 ≥ 0.6.
        ("云杉:晓雨1", "A3 晓雨 (the closest: '晓雨')"),
        ("云杉:临时工", None),
    ],
)
def test_the_likely_person(account: str, likely: str | None):
    found = RosterPeople(ROSTER).likely(account)
    assert (str(found) if found else None) == likely


def test_past_its_budget_difflib_is_not_asked(monkeypatch: pytest.MonkeyPatch):
    # The roster gives 8 texts to compare: 3 distinct names, 4 agent_ids and the one nick
    # that is no name (美美). A budget of 10 pays for one account's comparisons, not two.
    monkeypatch.setattr(accounts, "FUZZY_COMPARISONS", 10)
    people = RosterPeople(ROSTER)
    assert str(people.likely("云杉:晓雨1")) == "A3 晓雨 (the closest: '晓雨')"
    assert people.likely("云杉:晓雨2") is None
    assert str(people.likely("晓雨")) == "A3 晓雨 (the same name)"  # exact hints still


# ---------------------------------------------------------------- ignore_accounts


def test_an_ignored_account_is_paid_nothing_and_the_summary_says_so(month: Path, tmp_path: Path):
    result = invoke("run", month, "--rules", MONTH_RULES, "--ledger", tmp_path / "ledger")
    assert result.exit_code == 0, result.output
    assert "D301" not in result.output and "W301" not in result.output
    row = next(line for line in result.stdout.splitlines() if "ignore_accounts" in line)
    assert [cell.strip() for cell in row.split("│")[1:-1]] == [
        "被忽略账号接待（ignore_accounts）：不计入任何人",
        "1",
        "77.00",
        "0.00",
    ]
    reconciliation = (month / "out" / "reconciliation.csv").read_text(encoding="utf-8-sig")
    assert "ignored_account,1,77.00,0.00" in reconciliation.splitlines()
    # The pay is the hand-worked month's (test_golden_month.py): 12627.17 in all.
    assert "12627.17" in result.stdout


def test_an_entry_of_a_roster_person_is_a_warning_and_they_are_still_paid(
    month: Path, tmp_path: Path
):
    rules = rules_ignoring(tmp_path, TEMP_ACCOUNT, "云杉:小美")
    result = compute_month(month, rules)
    # The entry is the second of the list on the file's last line: col 20 opens the list's
    # first string ("云杉:临时工", 8 characters with its quotes) → the second at 20 + 10.
    [warning] = result.warnings
    assert warning.render() == (
        f"{rules}:{last_line(rules)}:30: warning: W304 inputs.ignore_accounts[1]: '云杉:小美' "
        "is the chat_nick of A1 小美 in agents.csv, so orders its chats win are paid to "
        "them, not ignored; remove it from ignore_accounts, or from agents.csv if the "
        "account is no longer theirs"
    )
    a1 = result.payroll.filter(pl.col("agent_id") == "A1")
    assert str(a1["commission"][0]) == "10.51"  # 1% of 1050.50, as without the entry


def test_a_mistyped_entry_is_shown_with_the_error_it_leaves(month: Path, tmp_path: Path):
    rules = rules_ignoring(tmp_path, "云杉:临时功")
    with pytest.raises(InputError) as caught:
        compute_month(month, rules)
    error, warning = caught.value.diagnostics
    assert (error.code, error.line) == ("D301", 23)
    assert warning.render() == (
        f"{rules}:{last_line(rules)}:20: warning: W305 inputs.ignore_accounts[0]: no chat of "
        "chats.csv is from '云杉:临时功', so it ignores nothing — did you mean '云杉:临时工'? "
        "check the spelling, or remove it"
    )


def test_an_included_files_entries_add_up_and_are_located_there(month: Path, tmp_path: Path):
    shared = rules_ignoring(tmp_path, "云杉:机器人", name="shared.toml")
    main = tmp_path / "main.toml"
    main.write_text(
        'include = ["shared.toml"]\n\n'
        '[scheme]\nid = "main"\nname = "main"\nvalid_from = "2026-01-01"\n\n'
        f'[inputs]\nignore_accounts = ["{TEMP_ACCOUNT}"]\n',
        encoding="utf-8",
    )
    rules, problems = check_rules(main)
    assert problems == [] and rules is not None
    assert rules.inputs.ignore_accounts == ["云杉:机器人", TEMP_ACCOUNT]
    [warning] = compute_month(month, main).warnings  # the temp is ignored: no error
    assert (warning.code, warning.file, warning.line, warning.col, warning.path) == (
        "W305",
        str(shared.resolve()),
        last_line(shared),
        20,
        "inputs.ignore_accounts[0]",
    )


def test_an_empty_entry_is_refused_where_it_is_written(tmp_path: Path):
    rules = rules_ignoring(tmp_path, "")
    [problem] = check_rules(rules)[1]
    assert problem.render() == (
        f"{rules}:{last_line(rules)}:20: E103 inputs.ignore_accounts[0]: must not be empty"
    )


# ------------------------------------------------------------- accounts that only chatted


def test_an_unknown_account_that_won_nothing_is_a_warning(month: Path):
    # Paying November from October's exports: o16 is other_month, so the temp won no order.
    result = compute_month(month, SHIPPED_RULES, month=(2026, 11))
    [w301] = [w for w in result.warnings if w.code == "W301"]
    assert w301.render() == (
        f"{month / 'chats.csv'}:23: warning: W301 agent: chat account '云杉:临时工' matches no "
        "agent_id or chat_nick in the roster (1 session, no order won): its sessions count "
        "for nobody — add chat_nick = '云杉:临时工' to its agent's row in agents.csv, "
        f"{FIX}"
    )
