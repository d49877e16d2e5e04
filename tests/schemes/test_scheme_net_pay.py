"""rules/net-pay.toml over its example year examples/net-pay/2026-01..03, run in order with
one ledger (the year so far comes from it; March has a ytd.csv row for someone joining the
payroll). Every figure worked by hand from the made-up policy rules/statutory/example.toml
(social insurance base [7,000, 35,000] at 8% + 2% + 0.5%, housing fund [2,500, 35,000] at
7% rounded to the yuan) and the tables of national law (累计预扣法, 预扣率表一/二,
财税〔2018〕164号)."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from helpers import ROOT

from csincentive import compute_month, publish
from csincentive.core.diagnostics import InputError
from csincentive.ledger.store import Ledger

RULES = ROOT / "rules" / "net-pay.toml"
YEAR = ROOT / "examples" / "net-pay"
COLUMNS = ["gross", "pension", "medical", "unemployment", "housing_fund", "iit", "net"]


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    work = tmp_path_factory.mktemp("net-pay")
    ledger = Ledger(work / "ledger")
    results = {}
    for month in ("2026-01", "2026-02", "2026-03"):
        folder = work / month
        shutil.copytree(YEAR / month, folder)
        result = compute_month(folder, RULES, ledger=ledger)
        publish(result, folder / "out", ledger=ledger)
        results[month] = result
    return {"results": results, "ledger": ledger, "work": work}


def _row(result, agent: str) -> list[Decimal]:  # type: ignore[no-untyped-def]
    row = result.payroll.filter(pl.col("agent_id") == agent).row(0, named=True)
    return [row[c] for c in COLUMNS]


def test_january(year):
    jan = year["results"]["2026-01"]
    # N1: si_base 6,000 raised to the floor 7,000: 560 + 140 + 35; housing fund on the
    # declared 6,000 (within its range) 7% = 420. Bonus 3,000 on its own: 3,000 ÷ 12 = 250,
    # 3% = 90. Wages 6,010 − 5,000 − 1,155 − 2,000 (child_education) < 0: nothing.
    # net 9,010 − 1,155 − 90 = 7,765.
    assert _row(jan, "N1") == [Decimal(v) for v in
                               ["9010", "560", "140", "35", "420", "90", "7765"]]  # fmt: skip
    # N2: si_base 40,000 cut to the cap 35,000: 2,800 + 700 + 175 + 2,450. Bonus 36,000:
    # 3,000 a month → 3% = 1,080. Wages 30,020 − 5,000 − 6,125 − 4,000 (elderly 3,000 +
    # housing loan 1,000) = 14,895 × 3% = 446.85. iit 1,526.85.
    assert _row(jan, "N2") == [Decimal(v) for v in
                               ["66020", "2800", "700", "175", "2450", "1526.85",
                                "58368.15"]]  # fmt: skip
    # N3: hired 2026-01-05, base 9,000 × 27/31 = 7,838.71 + 30; blank si_base → floor 7,000;
    # hf_base 9,000 at her 8%: 720. (7,868.71 − 5,000 − 1,455) × 3% = 42.4113 → 42.41.
    assert _row(jan, "N3")[5] == Decimal("42.41")
    # N4: 劳务报酬 3,040 ≤ 4,000: (3,040 − 800) × 20% = 448; not insured.
    assert _row(jan, "N4") == [Decimal(v) for v in
                               ["3040", "0", "0", "0", "0", "448", "2592"]]  # fmt: skip


def test_february_reads_january_from_the_ledger(year):
    feb = year["results"]["2026-02"]
    # N2: 60,040 − 10,000 − 12,250 − 8,000 = 29,790 × 3% = 893.70 − 446.85 = 446.85 (the
    # January bonus was taxed on its own and is not in the cumulative income).
    assert _row(feb, "N2")[5] == Decimal("446.85")
    # N3: first job this year, 2 months: (16,898.71 − 10,000 − 2,910) × 3% = 119.66 − 42.41.
    assert _row(feb, "N3")[5] == Decimal("77.25")


def test_march_with_a_ytd_row(year):
    mar = year["results"]["2026-03"]
    # N2: 90,060 − 15,000 − 18,375 − 12,000 = 44,685 > 36,000: 10% − 2,520 = 1,948.50,
    # less 893.70 withheld = 1,054.80.
    assert _row(mar, "N2")[5] == Decimal("1054.80")
    # N5 joins the payroll with ytd.csv (2 months, 18,000, 2,070, 118.80 withheld):
    # (27,050 − 15,000 − 3,645) × 3% = 252.15 − 118.80 = 133.35.
    assert _row(mar, "N5") == [Decimal(v) for v in
                               ["9050", "720", "180", "45", "630", "133.35",
                                "7341.65"]]  # fmt: skip


def test_net_is_gross_less_withholdings_for_everyone(year):
    for result in year["results"].values():
        p = result.payroll
        withheld = p["pension"] + p["medical"] + p["unemployment"] + p["housing_fund"] + p["iit"]
        assert (p["gross"] - withheld == p["net"]).all()


def test_pii_never_leaves_bank_and_filing(year):
    """The identity numbers and bank accounts of agents.csv are nowhere in the payroll
    files, the lines or the ledger."""
    secrets = ["000000199001010011", "6225000000000011"]
    work: Path = year["work"]
    for path in work.rglob("*"):
        if path.is_file() and path.suffix in (".csv", ".json", ".parquet", ".xlsx"):
            if path.name in ("agents.csv", "bank.csv", "iit-filing.csv", "iit-filing.xlsx"):
                continue
            data = path.read_bytes()
            assert not any(s.encode() in data for s in secrets), path


def test_a_later_month_without_the_earlier_ones_is_refused(tmp_path):
    folder = tmp_path / "2026-02"
    shutil.copytree(YEAR / "2026-02", folder)
    with pytest.raises(InputError) as caught:
        compute_month(folder, RULES, ledger=Ledger(tmp_path / "ledger"))
    problem = caught.value.diagnostics[0]
    assert problem.code == "L113"
    assert problem.message.startswith(
        "2026-02 withholds tax on the year so far, which needs 2026-01"
    )
