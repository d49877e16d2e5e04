"""Rules over several months (quarter_sum, year_sum, year_mean, months_in_a_row, and the
earlier-months-only year_sum_before and quarter_sum_before), refunds
clawed back from sealed months, and dated rules. Earlier months come from a small
in-memory ledger with the same reading API as csincentive.ledger.store.Ledger; the values are
chosen by hand and every expected figure is worked in the comments."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from helpers import MONTH_RULES, D, MemoryLedger, ignoring_the_temp, line, moved_month

from csincentive.core.diagnostics import InputError
from csincentive.ledger.store import TABLES, Ledger, MonthRecord
from csincentive.month.compute import compute_month
from csincentive.reports.explain import explain_agent
from csincentive.rules.loader import check_rules

ROOT = Path(__file__).resolve().parents[2]
MONTH = ROOT / "tests" / "months" / "2026-10"
RULES = """
[scheme]
id = "h"
name = "历史"
valid_from = "2026-07-01"

[components.year_sales]
label = "年度销售"
kind = "formula"
pay = false
format = "money"
expr = "year_sum(net_sales)"

[components.year_average]
label = "月均销售"
kind = "formula"
pay = false
expr = "year_mean(net_sales)"

[components.quarter_sales]
label = "季度销售"
kind = "formula"
pay = false
expr = "quarter_sum(net_sales)"

[components.good_months]
label = "连续达标月数"
kind = "formula"
pay = false
expr = 'months_in_a_row(conversion >= 40%)'

[components.streak_bonus]
label = "连续达标奖"
kind = "formula"
expr = "if(good_months >= 3, 100, 0)"
"""

# Net sales and conversion by month (October's own come from tests/months/2026-10: net
# sales A1 1050.50, A2 1060, A3 1450, A4 0, A5 330, S1 0; conversion 60%, 50%, 40%, 25%,
# 50%, 0%).
EARLIER = {
    "2026-07": {
        "net_sales": ["100", "200", "300", "400", "0", "0"],
        "conversion": ["0.5", "0.5", "0.1", "0.5", "0", "0"],
    },
    "2026-08": {
        "net_sales": ["10", "20", "30", "40", "0", "0"],
        "conversion": ["0.2", "0.5", "0.5", "0.5", "0", "0"],
    },
    "2026-09": {
        "net_sales": ["1", "2", "3", "4", "5", "0"],
        "conversion": ["0.5", "0.5", "0.5", "0.5", "0", "0"],
    },
}


def rules_file(tmp_path: Path, text: str = RULES) -> Path:
    """``text`` as a rules file that ignores the test month's temp (helpers.TEMP_ACCOUNT)."""
    path = tmp_path / "rules.toml"
    path.write_text(ignoring_the_temp(text), encoding="utf-8")
    return path


def test_year_quarter_and_streak(tmp_path: Path):
    result = compute_month(MONTH, rules_file(tmp_path), ledger=MemoryLedger(EARLIER))
    values = result.values.sort("agent_id")
    # A1: 100 + 10 + 1 + 1050.50 = 1161.50; A2: 200 + 20 + 2 + 1060 = 1282; A3: 333 + 1450 = 1783;
    # A4: 444 + 0; A5: 5 + 330 = 335; S1: 0.
    assert values["year_sales"].to_list() == D("1161.5", "1282", "1783", "444", "335", "0")
    # year_mean over the 4 months each person has: A1 1161.50 / 4 = 290.375.
    assert values["year_average"][0] == Decimal("290.375")
    # October opens Q4: the quarter has no earlier month, so it is October alone.
    assert values["quarter_sales"].to_list() == D("1050.5", "1060", "1450", "0", "330", "0")
    # conversion ≥ 40%: A1 Jul ✓ Aug ✗ Sep ✓ Oct ✓ → 2; A2 ✓✓✓✓ → 4; A3 ✗✓✓✓ (Oct 40%) → 3;
    # A4 Oct 25% ✗ → 0; A5 Sep ✗, Oct 50% ✓ → 1; S1 → 0.
    assert values["good_months"].to_list() == D("2", "4", "3", "0", "1", "0")
    payroll = result.payroll.sort("agent_id")
    assert payroll["streak_bonus"].to_list() == D(
        "0.00", "100.00", "100.00", "0.00", "0.00", "0.00"
    )
    why = result.lines.filter((pl.col("agent_id") == "A2") & (pl.col("component") == "good_months"))
    assert why["explanation"][0].endswith("= 4")


def test_a_missing_month_refuses_the_year(tmp_path: Path):
    earlier = {m: v for m, v in EARLIER.items() if m != "2026-08"}
    with pytest.raises(InputError) as caught:
        compute_month(MONTH, rules_file(tmp_path), ledger=MemoryLedger(earlier))
    [problem] = caught.value.diagnostics
    assert problem.code == "E181"
    assert "year_sum(net_sales), which needs 2026-08 in the ledger" in problem.message


def test_no_ledger_for_history_rules(tmp_path: Path):
    with pytest.raises(InputError) as caught:
        compute_month(MONTH, rules_file(tmp_path))
    assert caught.value.diagnostics[0].code == "E180"


def test_streak_stops_at_a_gap(tmp_path: Path):
    # Without September, A2's run is October alone.
    earlier = {m: v for m, v in EARLIER.items() if m != "2026-09"}
    text = RULES.replace('valid_from = "2026-07-01"', 'valid_from = "2026-10-01"')
    result = compute_month(MONTH, rules_file(tmp_path, text), ledger=MemoryLedger(earlier))
    assert result.values.sort("agent_id")["good_months"][1] == Decimal(1)


# ------------------------------------------------------------- earlier-months-only functions

BEFORE = """
[scheme]
id = "b"
name = "累计预扣"
valid_from = "2026-07-01"

[components.sales_before]
label = "年内此前销售"
kind = "formula"
pay = false
format = "money"
expr = "year_sum_before(net_sales)"

[components.quarter_before]
label = "季内此前销售"
kind = "formula"
pay = false
format = "money"
expr = "quarter_sum_before(net_sales)"

[components.tax_to_date]
label = "累计应扣"
kind = "formula"
pay = false
expr = "year_sum(net_sales) * 3%"

[components.withholding]
label = "本月预扣"
kind = "formula"
expr = "max(tax_to_date - year_sum_before(withholding), 0)"
"""

# Each earlier month withheld 3% of the year's net sales so far minus what was withheld
# before it (the cumulative method): A1 Jul 100 × 3% = 3.00, Aug 110 × 3% − 3.00 = 0.30,
# Sep 111 × 3% − 3.30 = 0.03; the others likewise.
WITHHELD = {
    "2026-07": ["3.00", "6.00", "9.00", "12.00", "0", "0"],
    "2026-08": ["0.30", "0.60", "0.90", "1.20", "0", "0"],
    "2026-09": ["0.03", "0.06", "0.09", "0.12", "0.15", "0"],
}
# October as the ledger recorded it (tests/months/2026-10, worked above and below).
OCTOBER = {
    "net_sales": ["1050.50", "1060", "1450", "0", "330", "0"],
    "conversion": ["0.6", "0.5", "0.4", "0.25", "0.5", "0"],
    "withholding": ["31.52", "31.80", "43.50", "0.00", "9.90", "0.00"],
}


def withheld_ledger(*, without: str | None = None, october: bool = False) -> MemoryLedger:
    months = {m: {**v, "withholding": WITHHELD[m]} for m, v in EARLIER.items() if m != without}
    return MemoryLedger({**months, "2026-10": OCTOBER} if october else months)


def test_before_functions_leave_this_month_out(tmp_path: Path):
    result = compute_month(MONTH, rules_file(tmp_path, BEFORE), ledger=withheld_ledger())
    values = result.values.sort("agent_id")
    # Jul + Aug + Sep only: A1 100 + 10 + 1 = 111 … (October's 1050.50 is not added).
    assert values["sales_before"].to_list() == D("111", "222", "333", "444", "5", "0")
    # October opens Q4: no earlier month of the quarter.
    assert values["quarter_before"].to_list() == D("0", "0", "0", "0", "0", "0")
    # Year so far × 3% − withheld before: A1 1161.50 × 3% = 34.845 − 3.33 = 31.515 → 31.52;
    # A2 1282 × 3% = 38.46 − 6.66 = 31.80; A3 1783 × 3% = 53.49 − 9.99 = 43.50;
    # A4 444 × 3% = 13.32 − 13.32 = 0; A5 335 × 3% = 10.05 − 0.15 = 9.90; S1 0.
    withholding = result.payroll.sort("agent_id")["withholding"].to_list()
    assert withholding == D("31.52", "31.80", "43.50", "0.00", "9.90", "0.00")
    why = result.lines.filter((pl.col("agent_id") == "A1") & (pl.col("component") == "withholding"))
    # In Chinese (the default), names read as their labels: 累计应扣 is tax_to_date.
    assert why["explanation"][0] == (
        "max(累计应扣 - year_sum_before(本月预扣), 0)，其中 累计应扣=34.845；"
        "year_sum_before(本月预扣)=3.33 = 31.52"
    )
    line = next(x for x in explain_agent(result, "A1").lines if x.id == "withholding")
    before = next(i for i in line.inputs if i.name == "year_sum_before(withholding)")
    assert (before.source, before.value) == ("the ledger's earlier months", Decimal("3.33"))


def test_before_functions_in_a_quarters_second_month(tmp_path: Path):
    # November, with October in the ledger: the quarter before it is October alone, the
    # year Jul–Oct (A1 111 + 1050.50 = 1161.50).
    ledger = withheld_ledger(october=True)
    result = compute_month(MONTH, rules_file(tmp_path, BEFORE), month=(2026, 11), ledger=ledger)
    values = result.values.sort("agent_id")
    assert values["quarter_before"].to_list() == D("1050.5", "1060", "1450", "0", "330", "0")
    assert values["sales_before"].to_list() == D("1161.5", "1282", "1783", "444", "335", "0")


def january_2027(tmp_path: Path) -> Path:
    """tests/months/2026-10 moved to January 2027 (the roster stays): the same figures."""
    folder = tmp_path / "2027-01"
    shutil.copytree(MONTH, folder)
    for name in ("chats.csv", "orders.csv"):
        path = folder / name
        text = path.read_text(encoding="utf-8").replace("2026-10-", "2027-01-")
        path.write_text(text, encoding="utf-8")
    return folder


def test_january_starts_the_year_again(tmp_path: Path):
    # The ledger holds 2026 up to October; January 2027 reads none of it.
    ledger = withheld_ledger(october=True)
    result = compute_month(january_2027(tmp_path), rules_file(tmp_path, BEFORE), ledger=ledger)
    values = result.values.sort("agent_id")
    assert values["sales_before"].to_list() == D("0", "0", "0", "0", "0", "0")
    assert values["quarter_before"].to_list() == D("0", "0", "0", "0", "0", "0")
    # Nothing withheld before in 2027: 3% of January's net sales (October's figures),
    # A1 1050.50 × 3% = 31.515 → 31.52, A2 31.80, A3 43.50, A4 0, A5 330 × 3% = 9.90, S1 0.
    withholding = result.payroll.sort("agent_id")["withholding"].to_list()
    assert withholding == D("31.52", "31.80", "43.50", "0.00", "9.90", "0.00")


@pytest.mark.parametrize(
    ("function", "month", "without", "needs"),
    [
        ("year_sum_before", (2026, 10), "2026-08", "2026-08"),
        ("quarter_sum_before", (2026, 12), "2026-10", "2026-10, 2026-11"),
    ],
)
def test_a_missing_earlier_month_is_refused(tmp_path, function, month, without, needs):
    text = RULES.replace('"year_sum(net_sales)"', f'"{function}(net_sales)"')
    earlier = {m: v for m, v in EARLIER.items() if m != without}
    with pytest.raises(InputError) as caught:
        compute_month(MONTH, rules_file(tmp_path, text), month=month, ledger=MemoryLedger(earlier))
    [problem] = caught.value.diagnostics
    assert problem.code == "E181"
    assert f"{function}(net_sales), which needs {needs} in the ledger" in problem.message


def test_months_before_the_scheme_are_not_required(tmp_path: Path):
    # Valid from September: July and August may be missing; September alone is before.
    text = BEFORE.replace('"2026-07-01"', '"2026-09-01"')
    ledger = MemoryLedger({"2026-09": {**EARLIER["2026-09"], "withholding": WITHHELD["2026-09"]}})
    result = compute_month(MONTH, rules_file(tmp_path, text), ledger=ledger)
    assert result.values.sort("agent_id")["sales_before"].to_list() == D(
        "1", "2", "3", "4", "5", "0"
    )


def test_a_component_may_read_its_own_earlier_months(tmp_path: Path):
    # withholding reads year_sum_before(withholding): no cycle, since only the ledger's
    # months are read. Reading itself this month still is one.
    _, problems = check_rules(rules_file(tmp_path, BEFORE))
    assert problems == []
    cyclic = BEFORE.replace("year_sum_before(withholding)", "year_sum(withholding)")
    _, problems = check_rules(rules_file(tmp_path, cyclic))
    assert [(p.code, p.message) for p in problems] == [
        (
            "E120",
            "components depend on each other in a cycle: withholding → withholding;"
            " one of them must not use the other",
        )
    ]


# ---------------------------------------------------------------------- refund clawback

SEPTEMBER_ORDERS = pl.DataFrame(
    {
        "order_id": ["o17"],
        "agent_key": ["A1"],
        "outcome": ["credited"],
        "refund_amount": [Decimal("0.00")],
    },
    schema={
        "order_id": pl.String,
        "agent_key": pl.String,
        "outcome": pl.String,
        "refund_amount": pl.Decimal(38, 2),
    },
)


def month_with_late_refund(tmp_path: Path) -> Path:
    # o17 was paid on 2026-09-30; this month's export shows a 20.00 refund on it.
    copy = tmp_path / "2026-10"
    shutil.copytree(MONTH, copy)
    orders = copy / "orders.csv"
    text = orders.read_text(encoding="utf-8").replace(
        "o17,b40,2026-09-30 10:00:00,2026-09-30 10:01:00,55.00,交易成功,0.00",
        "o17,b40,2026-09-30 10:00:00,2026-09-30 10:01:00,55.00,交易关闭,20.00",
    )
    orders.write_text(text, encoding="utf-8")
    return copy


def test_refund_after_a_sealed_month_is_clawed_back(tmp_path: Path):
    ledger = MemoryLedger({}, sealed={"2026-09"}, orders={"2026-09": SEPTEMBER_ORDERS})
    result = compute_month(month_with_late_refund(tmp_path), MONTH_RULES, ledger=ledger)
    a1 = result.payroll.filter(pl.col("agent_id") == "A1")
    # 20.00 × 1% (S000-02) = 0.20 back; A1's gross 2660.51 (test_golden_month) − 0.20.
    assert a1["refund_clawback"][0] == Decimal("-0.20")
    assert a1["gross"][0] == Decimal("2660.31")
    o17 = result.orders.filter(pl.col("order_id") == "o17")
    assert o17["clawed_refund"][0] == Decimal("20.00")


def test_an_open_month_is_not_clawed_back_and_nothing_twice(tmp_path: Path):
    month = month_with_late_refund(tmp_path)
    rules = MONTH_RULES
    open_ledger = MemoryLedger({}, orders={"2026-09": SEPTEMBER_ORDERS})
    # September is open: rerun September instead; nothing is clawed back here.
    assert compute_month(month, rules, ledger=open_ledger).payroll["refund_clawback"].sum() == 0
    # October already clawed the 20.00 back: November's export with the same refund takes nothing.
    october = SEPTEMBER_ORDERS.with_columns(
        pl.lit("other_month").alias("outcome"),
        pl.lit(None, dtype=pl.String).alias("agent_key"),
        pl.lit(Decimal("20.00"), dtype=pl.Decimal(38, 2)).alias("refund_amount"),
        pl.lit(Decimal("20.00"), dtype=pl.Decimal(38, 2)).alias("clawed_refund"),
    )
    ledger = MemoryLedger(
        {}, sealed={"2026-09", "2026-10"}, orders={"2026-09": SEPTEMBER_ORDERS, "2026-10": october}
    )
    later = compute_month(month, rules, month=(2026, 11), ledger=ledger)
    assert later.payroll["refund_clawback"].sum() == 0


def sealed_september(ledger: Ledger, scheme_id: str, shop: str | None = None) -> None:
    """A sealed September of a scheme whose only content is SEPTEMBER_ORDERS (o17 credited
    to A1 with no refund): what a clawback reads."""
    tables = {name: pl.DataFrame({"agent_id": []}) for name in TABLES}
    record = MonthRecord(
        period="2026-09",
        tables={**tables, "orders": SEPTEMBER_ORDERS},
        input_files={},
        rules_files=[ROOT / "rules" / "taobao-presales.toml"],
        scheme_id=scheme_id,
        title=scheme_id,
        people=0,
        totals={"gross": Decimal(0)},
        shop=shop,
    )
    ledger.record(record)
    ledger.for_scheme(scheme_id, shop).close("2026-09")


def test_clawbacks_read_only_their_own_schemes_months(tmp_path: Path):
    ledger = Ledger(tmp_path / "ledger")
    sealed_september(ledger, "taobao-presales", shop="另一家店")  # another shop, same scheme
    sealed_september(ledger, "awards")  # another scheme
    month = month_with_late_refund(tmp_path)
    rules = MONTH_RULES
    # o17's refund is nobody's business here: neither sealed September is this scheme's.
    assert compute_month(month, rules, ledger=ledger).payroll["refund_clawback"].sum() == 0
    sealed_september(ledger, "taobao-presales")
    a1 = compute_month(month, rules, ledger=ledger).payroll.filter(pl.col("agent_id") == "A1")
    assert a1["refund_clawback"][0] == Decimal("-0.20")  # 20.00 × 1%, as above


# --------------------------------------------------------------------------- dated rules

DATED = """
[scheme]
id = "d"
name = "调整"
valid_from = "2026-01-01"

[params]
rate = "1%"

[components.commission]
label = "提成"
kind = "rate"
base = "net_sales"
rate = "1%"

[[changes]]
valid_from = "{date}"
note = "提成上调至2%"

[changes.components.commission]
label = "提成"
kind = "rate"
base = "net_sales"
rate = "2%"
"""


@pytest.mark.parametrize(("date", "a1"), [("2026-10-01", "21.01"), ("2026-11-01", "10.51")])
def test_the_month_uses_the_version_in_force(tmp_path: Path, date: str, a1: str):
    # A1's net sales 1050.50: at 2% → 21.01 (from October on), at 1% → 10.505 → 10.51.
    result = compute_month(MONTH, rules_file(tmp_path, DATED.replace("{date}", date)))
    assert result.payroll.filter(pl.col("agent_id") == "A1")["commission"][0] == Decimal(a1)


def test_a_month_before_the_scheme_is_refused(tmp_path: Path):
    text = DATED.replace("{date}", "2026-12-01").replace(
        'valid_from = "2026-01-01"', 'valid_from = "2026-11-01"'
    )
    with pytest.raises(InputError) as caught:
        compute_month(MONTH, rules_file(tmp_path, text))
    assert [d.code for d in caught.value.diagnostics] == ["E190"]


def test_changes_are_validated_in_place(tmp_path: Path):
    text = DATED.replace("{date}", "2026-10-15").replace(
        'rate = "2%"', 'rate = "2%"\nwhen = "net_sale > 0"'
    )
    path = rules_file(tmp_path, text)
    rendered = [d.render() for d in check_rules(path)[1]]
    # Line 17: valid_from = "2026-10-15" (col 1); line 25: when = "net_sale > 0" (col 9).
    assert rendered == [
        f"{path}:17:1: E160 changes[0].valid_from: a change takes effect on the first day of a month; write 2026-10-01",
        f"{path}:25:9: E110 changes[0].components.commission.when: unknown name 'net_sale'; did you mean 'net_sales'?",
    ]


# ------------------------------------------------- multi-month sums add what was shown

SHOWN = """
[scheme]
id = "shown"
name = "季度计提"
valid_from = "2026-10-01"

[components.part]
label = "月度奖"
kind = "formula"
expr = "10.005"

[components.accrual]
label = "季度奖(当月计提)"
kind = "formula"
pay = false
format = "money"
expr = "10.005"

[components.quarter_part]
label = "季度月度奖合计"
kind = "formula"
pay = false
expr = "quarter_sum(part)"

[components.quarter_accrued]
label = "季度计提合计"
kind = "formula"
pay = false
expr = "quarter_sum(accrual)"

[components.quarter_payout]
label = "季度奖(季末发放)"
kind = "formula"
expr = "quarter_sum(accrual)"
when = "quarter_end == 1"
"""


def test_a_quarters_sum_adds_the_amounts_each_month_showed(tmp_path: Path):
    # Worked by hand. Each month both `part` (a pay line) and `accrual` (a money line that
    # is not paid, kept with ten places) are 10.005 before rounding; every monthly line
    # shows 10.01 (half away from zero). The quarter's sum adds what the lines showed:
    # 10.01 + 10.01 + 10.01 = 30.03 — not 10.005 × 3 = 30.015 → 30.02 (the unrounded
    # values), nor 10.01 + 10.01 + 10.005 = 30.025 (December's own value unrounded).
    ledger = Ledger(tmp_path / "ledger")
    rules = rules_file(tmp_path, SHOWN)
    results = {}
    for month in (10, 11, 12):
        result = compute_month(moved_month(MONTH, tmp_path, month), rules, ledger=ledger)
        ledger.record(result)
        results[month] = result
    a1 = {
        m: r.values.filter(pl.col("agent_id") == "A1").row(0, named=True)
        for m, r in results.items()
    }
    assert [a1[m]["accrual"] for m in (10, 11, 12)] == [Decimal("10.005")] * 3
    assert [line(results[m], "A1", "accrual")["amount"] for m in (10, 11, 12)] == ["10.01"] * 3
    # October opens Q4: 10.01; November 10.01 + 10.01; December 30.03, exactly.
    assert [a1[m]["quarter_accrued"] for m in (10, 11, 12)] == D("10.01", "20.02", "30.03")
    assert [a1[m]["quarter_part"] for m in (10, 11, 12)] == D("10.01", "20.02", "30.03")
    payout = line(results[12], "A1", "quarter_payout")
    assert payout["amount"] == "30.03"
    assert payout["explanation"] == (
        "quarter_sum(季度奖(当月计提))，其中 quarter_sum(季度奖(当月计提))=30.03 = 30.03"
    )
    # The payout is the sum of the three monthly lines, as a clerk would add them.
    shown = sum(Decimal(line(results[m], "A1", "accrual")["amount"]) for m in (10, 11, 12))
    assert Decimal(payout["amount"]) == shown
