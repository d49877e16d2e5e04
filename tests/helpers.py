"""Small helpers shared by the golden-month tests."""

from __future__ import annotations

import datetime as dt
import shutil
import sys
from decimal import Decimal
from pathlib import Path

import polars as pl

from csincentive.core.money import ENGINE, PAY
from csincentive.month.engine import Compiler
from csincentive.rules.model import RuleSet

ROOT = Path(__file__).resolve().parents[1]  # the repository
# The hand-worked month tests/months/2026-10 has one chat account that is nobody's on the
# roster, 云杉:临时工 (chats.csv:23, winning o16, 77.00): the shipped schemes stop at it
# (D301). The tests of other things run the month under these rules files beside it: the
# shipped scheme with that account ignored, every figure as under the shipped file.
TEMP_ACCOUNT = "云杉:临时工"
MONTH_RULES = ROOT / "tests" / "months" / "taobao-presales.toml"
QUARTER_RULES = ROOT / "tests" / "months" / "taobao-presales-quarterly.toml"
SHIPPED_RULES = ROOT / "rules" / "taobao-presales.toml"


def ignoring_the_temp(text: str) -> str:
    """A rules file's text (one without an [inputs] table) that ignores TEMP_ACCOUNT."""
    return text.rstrip("\n") + f'\n\n[inputs]\nignore_accounts = ["{TEMP_ACCOUNT}"]\n'


def D(*values: str) -> list[Decimal]:
    """Exact amounts, written as on a payslip: D("10.51", "0.00")."""
    return [Decimal(v) for v in values]


def line(result, agent_id: str, component: str) -> dict:  # type: ignore[no-untyped-def]
    """One row of lines.csv (amount, explanation …) for a person and a component."""
    rows = result.lines.filter(
        (pl.col("agent_id") == agent_id) & (pl.col("component") == component)
    )
    assert rows.height == 1
    return rows.row(0, named=True)


# The roster of tests/months/2026-10, in agents.csv's order of ids.
PEOPLE = ["A1", "A2", "A3", "A4", "A5", "S1"]


class MemoryLedger:
    """Just enough of csincentive.ledger.store.Ledger for reading earlier months: months,
    values, orders, seals. A month's columns are values for PEOPLE in order, unless the
    month lists its own agent_id (a person it did not pay is left out)."""

    def __init__(self, months: dict[str, dict[str, list]], sealed=(), orders=None) -> None:
        self.root = Path("memory-ledger")
        self.scheme: tuple[str | None, str | None] | None = None
        self._values = {
            m: pl.DataFrame({"agent_id": PEOPLE, **cols}).with_columns(
                pl.exclude("agent_id").cast(pl.Decimal(38, 10))
            )
            for m, cols in months.items()
        }
        self._sealed = set(sealed)
        self._orders = orders or {}

    def for_scheme(self, scheme_id: str | None, shop: str | None = None) -> MemoryLedger:
        self.scheme = (scheme_id, shop)  # what the month asked for: its own months
        return self

    def months(self) -> list[str]:
        return sorted(set(self._values) | set(self._orders))

    def has(self, period: str) -> bool:
        return period in self._values or period in self._orders

    def is_sealed(self, period: str) -> bool:
        return period in self._sealed

    def values(self, period: str) -> pl.DataFrame:
        return self._values[period]

    def orders(self, period: str) -> pl.DataFrame:
        return self._orders[period]


def moved_month(source: Path, parent: Path, month: int) -> Path:
    """A copy of an October 2026 period folder as month `month` of 2026: the dates in its
    chats, orders and events move, the roster stays (hire dates do not change)."""
    folder = parent / f"2026-{month:02d}"
    shutil.copytree(source, folder)
    for name in ("chats.csv", "orders.csv", "events.csv"):
        path = folder / name
        if path.exists():
            text = path.read_text(encoding="utf-8").replace("2026-10-", f"2026-{month:02d}-")
            path.write_text(text, encoding="utf-8")
    return folder


if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

# The engine tests read the explanations in English, the words they were worked in; the
# Chinese of every kind (the default) is tested in tests/month/test_explanations_zh.py.
HEADER = """
[scheme]
id = "t"
name = "test"
valid_from = "2026-01-01"
language = "en"
"""


def engine_rules(body: str) -> RuleSet:
    """A rule set of `body`'s components under a minimal [scheme]."""
    return RuleSet.model_validate(tomllib.loads(HEADER + body))


def agents(**columns: list) -> pl.LazyFrame:  # type: ignore[type-arg]
    """A per-agent frame A1..An of team t1 with the given columns (31 days employed)."""
    n = len(next(iter(columns.values())))
    base = {
        "agent_id": [f"A{i}" for i in range(1, n + 1)],
        "team": ["t1"] * n,
        "role": ["agent"] * n,
        "grade": ["初级"] * n,
        "days_employed": [31] * n,
        "days_in_month": [31] * n,
    }
    base.update(columns)
    return pl.LazyFrame(base)


def run(body: str, frame: pl.LazyFrame) -> pl.DataFrame:
    """The components of `body` applied to `frame` by the engine."""
    return Compiler(engine_rules(body)).apply(frame).collect()


def money(*values: str) -> list[Decimal]:
    """Exact amounts (the engine tests' name for D)."""
    return [Decimal(v) for v in values]


# A statutory policy for tests (tests/statutory, tests/month): round figures chosen so the
# arithmetic is easy to follow by hand, not any city's. Employee 8% + 2% + 0.5% = 10.5% of
# a social insurance base of at most 20,000, and a housing fund of 12% of at most 20,000.
TEST_POLICY = """
[policy]
id = "testcity"
name = "测试城市"
source = "figures made up for the tests"

[[periods]]
valid_from = "2026-01-01"
si_base = { floor = 5000, cap = 20000 }
hf_base = { floor = 2000, cap = 20000 }
employee = { pension = "8%", medical = "2%", unemployment = "0.5%", housing_fund = "12%" }
employer = { pension = "16%", medical = "9%", unemployment = "0.5%", injury = "0.2%", housing_fund = "12%" }
hf_rate = { min = "5%", max = "12%" }
"""


def statutory_people(**columns: list) -> pl.DataFrame:  # type: ignore[type-arg]
    """A frame of people for statutory.net.net_pay: A1..An, insured, salary method, hired
    long ago, no bonus, no deductions, unless `columns` say otherwise (amounts as text)."""
    n = len(next(iter(columns.values())))
    money_columns = {"gross", "annual_bonus"}
    engine_columns = {"si_base", "hf_base", "hf_rate", "other_deductions"} | {
        "child_education",
        "infant_care",
        "elderly_support",
        "continuing_education",
        "housing_loan_interest",
        "housing_rent",
        "ytd_income",
        "ytd_exempt_income",
        "ytd_social_insurance",
        "ytd_special_deductions",
        "ytd_other_deductions",
        "ytd_tax_withheld",
    }
    base: dict[str, list] = {  # type: ignore[type-arg]
        "agent_id": [f"A{i}" for i in range(1, n + 1)],
        "gross": ["0"] * n,
        "annual_bonus": ["0"] * n,
        "si_base": [None] * n,
        "hf_base": [None] * n,
        "hf_rate": [None] * n,
        "insured": [True] * n,
        "tax_method": ["salary"] * n,
        "first_job_this_year": [False] * n,
        "annual_60k": [False] * n,
        "bonus_merged": [False] * n,
        "hire_date": [dt.date(2020, 1, 1)] * n,
        "other_deductions": ["0"] * n,
    }
    base.update(columns)
    schema: dict[str, pl.DataType | type[pl.DataType]] = {}
    data: dict[str, list] = {}  # type: ignore[type-arg]
    for name, values in base.items():
        if name in money_columns | engine_columns:
            data[name] = [None if v is None else Decimal(v) for v in values]
            schema[name] = PAY if name in money_columns else ENGINE
        else:
            data[name] = values
    frame = pl.DataFrame(data, schema_overrides=schema)
    if "ytd_months_counted" in frame.columns:
        frame = frame.with_columns(pl.col("ytd_months_counted").cast(pl.Int64))
    return frame


def workbook(
    path: Path,
    rows: list[list[object]],
    *,
    sheet: str = "Sheet1",
    merges: tuple[str, ...] = (),
    more: dict[str, list[list[object]]] | None = None,
) -> Path:
    """An .xlsx as Excel would save it, written from ``rows`` (row 1 first): a str is
    text, an int or float a number, a date or datetime a date cell (a serial with a date
    format), ("=E5*2", 257) a formula with the value Excel computed (an error like
    "#DIV/0!" too), None an empty cell. ``merges`` are ranges ("A1:E1") whose first cell
    holds the value; ``more`` adds sheets after the first, by name."""
    import xlsxwriter  # the writer the payroll workbook uses

    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path))
    stamp = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    for name, cells in {sheet: rows, **(more or {})}.items():
        page = book.add_worksheet(name)
        for r, row in enumerate(cells):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, dt.datetime):
                    page.write_datetime(r, c, value, stamp)
                elif isinstance(value, dt.date):
                    page.write_datetime(r, c, dt.datetime.combine(value, dt.time()), day)
                elif isinstance(value, tuple):
                    page.write_formula(r, c, value[0], None, value[1])
                elif isinstance(value, str):
                    page.write_string(r, c, value)
                else:
                    page.write_number(r, c, value)  # type: ignore[arg-type]
        if name == sheet:
            for ref in merges:
                first = ref.split(":")[0]
                col = ord(first[0]) - 65
                value = rows[int(first[1:]) - 1][col]
                page.merge_range(ref, value)  # type: ignore[arg-type]
    book.close()
    return path
