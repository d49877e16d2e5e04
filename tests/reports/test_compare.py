"""`compare`: the hand-worked month (tests/months/2026-10) under rules/taobao-presales.toml
(A) and a proposal (B) written here: commission 2% instead of 1%, base_regular 2600 instead
of 2500, supervisor_base 2200 instead of 2500, no snacks fine (S000-12 ②) and a new
full-attendance award of 50 for a full month employed.

A's figures are those of tests/test_golden_month.py. B, worked by hand the same way:

base (October = 31 days):
  S1 supervisor 2200 × 31/31 = 2200.00 (A 2500.00)
  A1 regular all month → 2600.00 (A 2500.00)
  A2 on probation all month → 2000.00 (unchanged)
  A3 15 probation days × 2000 + 16 regular × 2600 = 71600 / 31 = 2309.677… → 2309.68
  A4 left 10-20: 20 × 2600 / 31 = 1677.419… → 1677.42
  A5 21 probation days × 2000 / 31 → 1354.84 (unchanged)
commission 2% of net sales: A1 1050.50 → 21.01, A2 1060.00 → 21.20, A3 1450.00 → 29.00,
  A4 0.00, A5 330.00 → 6.60
conversion_rank unchanged (conversion does not depend on the rules): A1 150, A2 100, A5 100
supervisor_commission: team 售前一组 still 44.4% → ×1.4; mean commission of A1..A4
  (21.01 + 21.20 + 29.00 + 0.00) / 4 = 17.8025 × 1.4 = 24.9235 → 24.92 (A 12.46)
full_attendance: days_employed = 31 → 50 for S1 A1 A2 A3; A4 (20 days), A5 (21) → 0
target bonus, fines and refund_clawback 0 as under A (attainment < 80%, no events.csv, no
  sealed month in a ledger to claw back from; refund_clawback keeps its 1% in B).

            A gross    B gross                                  delta     delta %
  S1        2512.46    2200.00 + 24.92 + 50          = 2274.92  −237.54   −9.454… → −9.5
  A1        2660.51    2600.00 + 21.01 + 150 + 50    = 2821.01  +160.50   +6.032… → +6.0
  A3        2272.56    2309.68 + 29.00 + 50          = 2388.68  +116.12   +5.109… → +5.1
  A4        1612.90    1677.42                       = 1677.42   +64.52   +4.000… → +4.0
  A2        2110.60    2000.00 + 21.20 + 100 + 50    = 2171.20   +60.60   +2.871… → +2.9
  A5        1458.14    1354.84 + 6.60 + 100          = 1461.44    +3.30   +0.226… → +0.2
  total    12627.17                                   12794.67  +167.50   +1.326… → +1.3

Ranks by gross (highest first): A  A1 1, S1 2, A3 3, A2 4, A4 5, A5 6
                                B  A1 1, A3 2, S1 3, A2 4, A4 5, A5 6 → A3 up one, S1 down one.
Component totals: base 12225.80 → 12141.94 (−83.86); commission 38.91 → 77.81 (+38.90);
  conversion_rank 350.00 both; supervisor_commission 12.46 → 24.92 (+12.46); the rest 0.
  Check: 12141.94 + 77.81 + 350.00 + 24.92 + 200.00 (full_attendance) = 12794.67.
"""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from helpers import MONTH_RULES, SHIPPED_RULES, ignoring_the_temp
from typer.testing import CliRunner

from csincentive.cli import app
from csincentive.core.diagnostics import InputError
from csincentive.reports.compare import compare_month, percent, terminal_rows, write_agents_csv

ROOT = Path(__file__).resolve().parents[2]
MONTH = ROOT / "tests" / "months" / "2026-10"
RULES = MONTH_RULES  # the shipped scheme, 云杉:临时工 ignored

FULL_ATTENDANCE = """
[components.full_attendance]
label = "全勤奖"
rule = "S000-01"
kind = "formula"
expr = "if(days_employed == days_in_month, 50, 0)"

[total]"""

runner = CliRunner()


def invoke(*args: str | Path):
    return runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "200", "NO_COLOR": "1"})


def write_proposal(folder: Path) -> Path:
    text = ignoring_the_temp(SHIPPED_RULES.read_text(encoding="utf-8"))
    commission = text.index("[components.commission]")
    head, tail = text[:commission], text[commission:]
    text = head + tail.replace('rate = "1%"', 'rate = "2%"', 1)  # not refund_clawback's 1%
    for old, new in (
        ("base_regular = 2500", "base_regular = 2600"),
        ("supervisor_base = 2500", "supervisor_base = 2200"),
        ("\n[total]", FULL_ATTENDANCE),
    ):
        assert text.count(old) == 1, old  # the proposal is what the docstring says
        text = text.replace(old, new)
    start = text.index("[components.snacks_fine]")
    text = text[:start] + text[text.index("[components.complaint_fine]") :]
    path = folder / "proposal.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def proposal(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_proposal(tmp_path_factory.mktemp("rules"))


@pytest.fixture(scope="module")
def comparison(proposal: Path):
    return compare_month(MONTH, [RULES, proposal])


@pytest.fixture
def month(tmp_path: Path) -> Path:
    copy = tmp_path / "2026-10"
    shutil.copytree(MONTH, copy)
    return copy


def D(text: str) -> Decimal:
    return Decimal(text)


# ------------------------------------------------------------------------------ library


def test_totals_worked_by_hand(comparison, proposal: Path):
    a, b = comparison.a, comparison.b
    assert (a.rules_file, b.rules_file) == (RULES, proposal)
    assert (a.scheme, a.people, b.people) == ("淘宝客服激励制度", 6, 6)
    assert (a.gross, b.gross) == (D("12627.17"), D("12794.67"))
    assert comparison.difference == D("167.50")
    assert comparison.difference_pct == D("1.3")
    assert comparison.period == "2026-10" and comparison.by == "gross"


def test_component_totals_worked_by_hand(comparison):
    assert comparison.components.rows() == [
        ("base", "底薪", D("12225.80"), D("12141.94"), D("-83.86")),
        ("commission", "个人接单提成", D("38.91"), D("77.81"), D("38.90")),
        ("refund_clawback", "退款提成追回", D("0.00"), D("0.00"), D("0.00")),
        ("conversion_rank", "转化率排名奖", D("350.00"), D("350.00"), D("0.00")),
        ("supervisor_commission", "主管提成", D("12.46"), D("24.92"), D("12.46")),
        ("target_bonus", "个人业绩奖励", D("0.00"), D("0.00"), D("0.00")),
        ("video_game_fine", "上班看视频/玩游戏罚款", D("0.00"), D("0.00"), D("0.00")),
        ("complaint_fine", "服务原因客诉罚款", D("0.00"), D("0.00"), D("0.00")),
    ]
    assert comparison.only_in_a == ["snacks_fine"]
    assert comparison.only_in_b == ["full_attendance"]
    assert comparison.b.components["full_attendance"] == D("200.00")  # 4 people × 50
    assert sum(comparison.b.components.values()) == comparison.b.gross


def test_per_person_worked_by_hand(comparison):
    # Largest |delta| first; rank_change = rank_a − rank_b, so + is a move up.
    assert comparison.agents.columns == [
        "agent_id",
        "name",
        "team",
        "role",
        "gross_a",
        "gross_b",
        "delta",
        "delta_pct",
        "rank_a",
        "rank_b",
        "rank_change",
    ]
    rows = [(r[0], *r[4:]) for r in comparison.agents.rows()]
    assert rows == [
        ("S1", D("2512.46"), D("2274.92"), D("-237.54"), D("-9.5"), 2, 3, -1),
        ("A1", D("2660.51"), D("2821.01"), D("160.50"), D("6.0"), 1, 1, 0),
        ("A3", D("2272.56"), D("2388.68"), D("116.12"), D("5.1"), 3, 2, 1),
        ("A4", D("1612.90"), D("1677.42"), D("64.52"), D("4.0"), 5, 5, 0),
        ("A2", D("2110.60"), D("2171.20"), D("60.60"), D("2.9"), 4, 4, 0),
        ("A5", D("1458.14"), D("1461.44"), D("3.30"), D("0.2"), 6, 6, 0),
    ]
    assert comparison.agents["delta"].sum() == comparison.difference
    assert comparison.rank_changes()["agent_id"].to_list() == ["A3", "S1"]


def test_rank_by_a_component_ties_share_a_rank(proposal: Path):
    # Commission, highest first: A3 14.50/29.00, A2 10.60/21.20, A1 10.51/21.01, A5 3.30/6.60,
    # then A4 and S1 both 0.00 → tied at rank 5 under both files.
    comparison = compare_month(MONTH, [RULES, proposal], by="commission")
    ranks = {r["agent_id"]: (r["rank_a"], r["rank_b"]) for r in comparison.agents.to_dicts()}
    assert ranks == {
        "A3": (1, 1),
        "A2": (2, 2),
        "A1": (3, 3),
        "A5": (4, 4),
        "A4": (5, 5),
        "S1": (5, 5),
    }
    assert comparison.rank_changes().height == 0


def test_rank_by_something_unknown_or_only_in_one_file(proposal: Path):
    for by in ("snacks_fine", "convertion"):
        with pytest.raises(InputError) as caught:
            compare_month(MONTH, [RULES, proposal], by=by)
        (problem,) = caught.value.diagnostics
        assert problem.code == "U100" and problem.path == "--by"
        assert f"cannot rank by '{by}'" in problem.message
        assert "choose one of: gross, base, commission" in problem.message


def test_percent_rounds_half_up_and_has_no_base_at_zero():
    assert percent(D("160.50"), D("2660.51")) == D("6.0")
    assert percent(D("-0.05"), D("100")) == D("-0.1")  # half away from zero
    assert percent(D("0.05"), D("100")) == D("0.1")
    assert percent(D("10"), D("-200")) == D("5.0")  # against |A|: B pays more → +
    assert percent(D("1.00"), D("0.00")) is None


def test_a_person_paid_nothing_under_a_has_no_percentage(month: Path, proposal: Path):
    # A6 starts after the month (hired 11-02): 0.00 under both, so there is no percentage.
    # A6 is in a team of their own, so the team figures of 售前一组 do not move.
    with (month / "agents.csv").open("a", encoding="utf-8") as roster:
        roster.write("A6,小周,售后组,agent,初级,2026-11-02,,云杉:小周,,\n")
    comparison = compare_month(month, [RULES, proposal])
    row = comparison.agents.filter(comparison.agents["agent_id"] == "A6").rows()[0]
    assert row[4:] == (D("0.00"), D("0.00"), D("0.00"), None, 7, 7, 0)
    shown = terminal_rows(comparison, 10)
    assert shown.filter(shown["agent_id"] == "A6")["delta_pct"].to_list() == ["—"]
    assert comparison.difference == D("167.50")


def test_terminal_rows_are_the_largest_moves_signed(comparison):
    shown = terminal_rows(comparison, 2)
    assert shown.select("agent_id", "delta", "delta_pct", "rank_change").rows() == [
        ("S1", "-237.54", "-9.5%", "-1"),
        ("A1", "+160.50", "+6.0%", "0"),
    ]


def test_exactly_two_rules_files():
    with pytest.raises(ValueError, match="exactly two rules files, got 1"):
        compare_month(MONTH, [RULES])


def test_write_agents_csv_is_atomic_and_refuses_to_overwrite(comparison, tmp_path: Path):
    target = tmp_path / "cmp" / "compare.csv"
    assert write_agents_csv(comparison, target) == target
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").split("\r\n")
    assert lines[0] == (
        "agent_id,name,team,role,gross_a,gross_b,delta,delta_pct,rank_a,rank_b,rank_change"
    )
    assert lines[1] == "S1,林主管,售前一组,supervisor,2512.46,2274.92,-237.54,-9.5,2,3,-1"
    with pytest.raises(InputError) as caught:
        write_agents_csv(comparison, target)
    assert caught.value.diagnostics[0].render() == (
        f"{target}: O100 the file already exists; pass --force to replace it"
    )
    write_agents_csv(comparison, target, force=True)
    assert [p.name for p in target.parent.iterdir()] == ["compare.csv"]  # no temp file left


# ---------------------------------------------------------------------------------- CLI


def test_cli_summary_table_and_rank_changes(month: Path, proposal: Path):
    # A bot's account, not on the roster, chats with a buyer who orders nothing: a warning
    # (W301) of the chats file in both runs, and no figure moves.
    with (month / "chats.csv").open("a", encoding="utf-8") as chats:
        chats.write("云杉:机器人,b90,2026-10-25 09:00:00,,\n")
    result = invoke("compare", month, "--rules", RULES, "--rules", proposal, "--lang", "en")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "2026-10: 6 people" in out
    assert f"  A  {RULES} (淘宝客服激励制度): 12627.17" in out
    assert f"  B  {proposal} (淘宝客服激励制度): 12794.67" in out
    assert "  B − A: +167.50 (+1.3%)" in out
    assert "Only in A: snacks_fine (吃零食/大声闲聊罚款), total 0.00" in out
    assert "Only in B: full_attendance (全勤奖), total 200.00" in out
    assert "Rank changes by gross (2): A3 晓雨 3→2, S1 林主管 2→3" in out
    assert "-237.54" in out and "+160.50" in out and "-9.5%" in out
    # The bot's account is reported once, though both runs find it.
    assert result.stderr.count("W301 agent: chat account '云杉:机器人'") == 1


def test_cli_in_chinese_by_default(month: Path, proposal: Path):
    """The rules' language (Chinese unless [scheme] language says otherwise): the same
    figures as test_cli_summary_table_and_rank_changes, in Chinese words and headers."""
    result = invoke("compare", month, "--rules", RULES, "--rules", proposal)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "2026-10：6 人" in out
    assert f"  A  {RULES}（淘宝客服激励制度）：12627.17" in out
    assert "  B − A：+167.50 (+1.3%)" in out
    assert "两份规则都有的工资项目（B − A）" in out
    assert "仅 A 有：snacks_fine（吃零食/大声闲聊罚款），合计 0.00" in out
    assert "仅 B 有：full_attendance（全勤奖），合计 200.00" in out
    assert "每人对比（B − A），按 gross 排名" in out
    assert "按 gross 排名变化（2 人）：A3 晓雨 3→2，S1 林主管 2→3" in out
    for header in (
        "项目",
        "名称",
        "A 合计",
        "B 合计",
        "差额",
        "工号",
        "姓名",
        "A 应发",
        "名次变化",
    ):
        assert header in out, header
    assert "Only in" not in out and "total_a" not in out and "rank_change" not in out


def test_cli_shows_only_the_largest_changes_when_many(month: Path, proposal: Path, monkeypatch):
    monkeypatch.setattr("csincentive.cli.compare.TERMINAL_ROWS", 3)
    result = invoke("compare", month, "-r", RULES, "-r", proposal, "--lang", "en")
    assert result.exit_code == 0, result.output
    assert "the 3 largest changes of 6 (all in --json or --out)" in result.stdout
    assert "小林" not in result.stdout  # A5 has the smallest change


def test_cli_json(month: Path, proposal: Path):
    result = invoke("compare", month, "-r", RULES, "-r", proposal, "--json", "--by", "gross")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert list(data) == [
        "period",
        "by",
        "a",
        "b",
        "difference",
        "difference_pct",
        "components",
        "only_in_a",
        "only_in_b",
        "agents",
    ]
    assert (data["difference"], data["difference_pct"]) == ("167.50", "1.3")
    assert data["a"]["gross"] == "12627.17" and data["b"]["people"] == 6
    assert data["b"]["components"]["full_attendance"] == "200.00"
    assert data["only_in_b"] == [
        {"component": "full_attendance", "label": "全勤奖", "total": "200.00"}
    ]
    assert len(data["agents"]) == 6
    assert data["agents"][0] == {
        "agent_id": "S1",
        "name": "林主管",
        "team": "售前一组",
        "role": "supervisor",
        "gross_a": "2512.46",
        "gross_b": "2274.92",
        "delta": "-237.54",
        "delta_pct": "-9.5",
        "rank_a": 2,
        "rank_b": 3,
        "rank_change": -1,
    }


def test_cli_bad_rules_file_is_exit_1_with_file_and_line(month: Path, tmp_path: Path):
    broken = tmp_path / "broken.toml"
    text = SHIPPED_RULES.read_text(encoding="utf-8")
    text = text.replace('rate = "1%"', 'rate = "1%"\nrat = 2', 1)
    broken.write_text(text, encoding="utf-8")
    line = text.splitlines().index("rat = 2") + 1
    result = invoke("compare", month, "-r", RULES, "-r", broken)
    assert result.exit_code == 1
    assert f"{broken}:{line}:1: E101 components.commission.rat: unknown key 'rat'" in result.output
    assert "1 problem." in result.output and "nothing was written" not in result.output
    assert "Traceback" not in result.output


def test_cli_writes_nothing_without_out(month: Path, proposal: Path, tmp_path: Path, monkeypatch):
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)

    # The cache of parsed exports (conftest: tmp_path/.parsed-cache) is the user's cache,
    # not an output: everything else must be left as it was.
    def files() -> list[Path]:
        found = (p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
        return sorted(p for p in found if p.parts[0] != ".parsed-cache")

    before = files()
    result = invoke("compare", month, "-r", RULES, "-r", proposal)
    assert result.exit_code == 0, result.output
    assert files() == before
    assert list(cwd.iterdir()) == []


def test_cli_out_writes_one_csv_and_refuses_to_overwrite(month: Path, proposal: Path, tmp_path):
    target = tmp_path / "compare.csv"
    result = invoke("compare", month, "-r", RULES, "-r", proposal, "--out", target)
    assert result.exit_code == 0, result.output
    assert f"已写入 {target}" in result.stdout  # the rules' language: Chinese
    assert target.read_text(encoding="utf-8-sig").splitlines()[2] == (
        "A1,小美,售前一组,agent,2660.51,2821.01,160.50,6.0,1,1,0"
    )
    assert sorted(p.name for p in month.iterdir()) == ["agents.csv", "chats.csv", "orders.csv"]
    again = invoke("compare", month, "-r", RULES, "-r", proposal, "--out", target)
    assert again.exit_code == 1
    assert "the file already exists; pass --force to replace it" in again.output
    forced = invoke("compare", month, "-r", RULES, "-r", proposal, "--out", target, "--force")
    assert forced.exit_code == 0, forced.output


@pytest.mark.parametrize("count", [1, 3])
def test_cli_needs_exactly_two_rules_files(count: int):
    result = invoke("compare", MONTH, *["-r", RULES] * count)
    assert result.exit_code == 2
    assert f"give --rules exactly twice (the rules in force, then the proposal), not {count}" in (
        result.output
    )


def test_cli_unknown_by_is_exit_1(proposal: Path):
    result = invoke("compare", MONTH, "-r", RULES, "-r", proposal, "--by", "convertion")
    assert result.exit_code == 1
    assert "cannot rank by 'convertion'" in result.output


def test_cli_help_has_text():
    result = invoke("compare", "--help")
    assert result.exit_code == 0
    assert "Compare a month's pay under two rules files" in result.output


def test_cli_reads_the_ledger_but_never_writes_to_it(month: Path, proposal: Path, tmp_path):
    from csincentive.ledger.store import Ledger
    from csincentive.month.compute import compute_month

    ledger = Ledger(tmp_path / "ledger")
    ledger.record(compute_month(month, RULES))
    ledger.close("2026-10")

    def snapshot() -> dict[Path, bytes]:
        return {p: p.read_bytes() for p in sorted(ledger.root.rglob("*")) if p.is_file()}

    before = snapshot()
    result = invoke("compare", month, "-r", RULES, "-r", proposal, "--ledger", ledger.root)
    assert result.exit_code == 0, result.output
    assert "  B − A：+167.50 (+1.3%)" in result.stdout
    assert snapshot() == before
    missing = tmp_path / "no-ledger-here"
    assert invoke("compare", month, "-r", RULES, "-r", proposal, "--ledger", missing).exit_code == 0
    assert not missing.exists()
