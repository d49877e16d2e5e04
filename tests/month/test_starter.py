"""`csincentive init FOLDER --from SCHEME` (month/starter.py): for every shipped scheme a
starter month that `check` accepts as written — and `run` pays — with the inputs the
scheme reads, a README of their columns, the rules file (starting in that month) with
what it includes and the schema beside it; refusals for an unknown scheme, a folder not
named like a month and files in the way."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from csincentive.cli import app
from csincentive.month.starter import SCHEMES, shipped_schemes
from csincentive.rules.loader import load_rules
from csincentive.sources.inputs import INPUT_COLUMNS

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args), env={"COLUMNS": "200", "NO_COLOR": "1"})


def test_every_shipped_scheme_is_offered():
    assert shipped_schemes() == sorted(p.stem for p in SCHEMES.glob("*.toml"))
    assert "taobao-presales" in shipped_schemes() and len(shipped_schemes()) == 12


@pytest.mark.parametrize("scheme", shipped_schemes())
def test_the_starter_of_every_scheme_is_accepted_by_check(scheme: str, tmp_path: Path):
    folder = tmp_path / "2026-11"
    made = invoke("init", str(folder), "--from", scheme)
    assert made.exit_code == 0, made.output
    rules = tmp_path / f"{scheme}.toml"
    assert f"下一步：csincentive check {folder} --rules {rules}" in made.output
    assert (tmp_path / "csincentive.schema.json").is_file()
    assert 'valid_from = "2026-11-01"  # the first month paid (init)' in rules.read_text("utf-8")
    checked = invoke("check", str(folder), "--rules", str(rules), "--ledger", str(tmp_path / "l"))
    assert checked.exit_code == 0, checked.output
    # (a warning can be the starter's one example row: the scorecard's pool finds nobody
    # eligible, W210 — the month is still paid)
    assert "0 error(s)," in checked.output
    # README.md names every column of every file written, marks each column the reader
    # requires (sources/inputs.py, and the rules' roster_fields) as required, and has a
    # meaning for each from the catalogue (none falls back to "see docs/inputs.md").
    readme = (folder / "README.md").read_text("utf-8")
    fields = load_rules(rules)[0].inputs.roster_fields
    for csv in sorted(p.name for p in folder.glob("*.csv")):
        section = readme.split(f"## {csv}\n", 1)[1].split("\n## ", 1)[0]
        header = (folder / csv).read_text("utf-8-sig").splitlines()[0].split(",")
        required = {*INPUT_COLUMNS[csv].required, *(fields if csv == "agents.csv" else ())}
        assert required <= set(header), csv
        for column in header:
            mark = "必填" if column in required else "可选"
            assert f"| `{column}` | {mark} | " in section, (csv, column)
    assert "见 docs/inputs.md |" not in readme


def test_the_readme_in_english(tmp_path: Path):
    folder = tmp_path / "2026-11"
    made = invoke("init", str(folder), "--from", "callcenter-points", "--lang", "en")
    assert made.exit_code == 0, made.output
    assert f"Next: csincentive check {folder} --rules" in made.output
    readme = (folder / "README.md").read_text("utf-8")
    assert "| column | required | meaning | also accepted |" in readme
    assert "| `agent_id` | required | the person's id, one per person | 工号, 员工编号 |" in readme
    assert "| `late` | optional | times late | 迟到, 迟到次数 |" in readme


def test_the_taobao_starter_files(tmp_path: Path):
    folder = tmp_path / "2026-11"
    assert invoke("init", str(folder), "--from", "taobao-presales").exit_code == 0
    assert sorted(p.name for p in folder.iterdir()) == [
        "README.md", "agents.csv", "chats.csv", "events.csv", "orders.csv",
    ]  # fmt: skip
    agents = (folder / "agents.csv").read_bytes()
    assert agents.startswith(b"\xef\xbb\xbf")  # Excel opens it as UTF-8
    header, row = agents.decode("utf-8-sig").splitlines()
    assert (
        header
        == "agent_id,name,team,role,grade,hire_date,probation_end,chat_nick,leave_date,target"
    )
    assert row == "KF001,示例客服,客服一组,agent,示例,2025-11-01,,,,10000.00"
    readme = (folder / "README.md").read_text("utf-8")
    assert "| `hire_date` | 必填 | 入职日期 YYYY-MM-DD |  |" in readme
    assert "| `paid_at` | 必填 | 订单付款时间（空：未付款） | 订单付款时间 |" in readme
    assert "## events.csv" in readme
    # The run pays the example agent: a regular agent's base 2500.00 (S000-01), 1% of the
    # one order of 100.00 = 1.00 (S000-02), the only agent at 1 of 1 buyers = 100% ≥ 40%
    # ranks first: 150.00 (S000-03); 100 / 10000 of target is under 80%: no reward
    # (S000-06); the one video-game event is a warning only (S000-12: the first is free).
    # 2500.00 + 1.00 + 150.00 = 2651.00.
    rules = tmp_path / "taobao-presales.toml"
    ran = invoke("run", str(folder), "--rules", str(rules), "--no-ledger")
    assert ran.exit_code == 0, ran.output
    payroll = (folder / "out" / "payroll.csv").read_text("utf-8-sig").splitlines()
    assert (
        payroll[1]
        == "KF001,示例客服,客服一组,agent,2500.00,1.00,0.00,150.00,0.00,0.00,0.00,0.00,0.00,2651.00"
    )


def test_a_scheme_with_includes_net_pay_and_manual_inputs(tmp_path: Path):
    assert invoke("init", str(tmp_path / "2026-11"), "--from", "net-pay").exit_code == 0
    assert (tmp_path / "statutory" / "example.toml").is_file()  # the policy it names
    assert sorted(p.name for p in (tmp_path / "2026-11").iterdir()) == [
        "README.md", "agents.csv", "chats.csv", "inputs.csv", "orders.csv", "ytd.csv",
    ]  # fmt: skip
    quarterly = tmp_path / "q"
    assert (
        invoke("init", str(quarterly / "2026-10"), "--from", "taobao-presales-quarterly").exit_code
        == 0
    )
    assert (quarterly / "taobao-presales.toml").is_file()  # what it includes


def test_refusals(tmp_path: Path):
    unknown = invoke("init", str(tmp_path / "2026-11"), "--from", "taobao-presale")
    assert unknown.exit_code == 1
    assert (
        "U121 no shipped scheme 'taobao-presale'; did you mean taobao-presales?" in unknown.output
    )
    not_a_month = invoke("init", str(tmp_path / "november"))
    assert not_a_month.exit_code == 1 and "U122" in not_a_month.output
    assert invoke("init", str(tmp_path / "november"), "--month", "2026-11").exit_code == 0
    again = invoke("init", str(tmp_path / "november"), "--month", "2026-11")
    assert again.exit_code == 1 and "U123" in again.output and "--force" in again.output
    forced = invoke("init", str(tmp_path / "november"), "--month", "2026-11", "--force")
    assert forced.exit_code == 0
