"""The files of a month with net pay ([statutory] on), made from ``MonthResult.net``:

- ``cost.csv`` — per person the employer's shares (养老、医疗、失业、工伤、生育、公积金) and the
  total labour cost (gross + employer shares), then one row per team and one for all.
- ``bank.csv`` — the transfer list: 姓名, 账号, 开户行, 金额 (= net), 用途 ("工资 2026-01"),
  for everyone whose net is above 0. It carries bank accounts in clear: hand it to the bank.
- ``iit-filing.csv`` / ``.xlsx`` — the 正常工资薪金所得 sheet for the 自然人电子税务局（扣缴端）
  import, one row per person taxed by the cumulative method, in the client's column order
  (``FILING_COLUMNS``; the template's columns as listed by the 扣缴客户端 guides, e.g.
  https://www.qituowang.com/portal/19144.html — 纳税人姓名, 身份证件类型, 身份证件号码, 收入额,
  免税收入额, 基本养老保险费, 基本医疗保险费 …, and the 《个人所得税扣缴申报表》 A06868 the
  client files, https://360docs.net/doc/4c12228053.html). It carries identity numbers.
  A bonus taxed on its own (全年一次性奖金收入) and 劳务报酬 are filed under their own items.

Nothing here computes pay: every figure is a column of the month's net-pay frame."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import polars as pl

from csincentive.core.money import PAY
from csincentive.core.month import Month
from csincentive.month.result import PERSON, MonthResult

NET_FILES = ("cost.csv", "bank.csv", "iit-filing.csv", "iit-filing.xlsx")
EMPLOYER = {
    "employer_pension": "单位养老保险",
    "employer_medical": "单位医疗保险",
    "employer_unemployment": "单位失业保险",
    "employer_injury": "单位工伤保险",
    "employer_maternity": "单位生育保险",
    "employer_housing_fund": "单位住房公积金",
    "employer_total": "单位缴纳合计",
    "cost": "人工成本合计",
}
# (column, the net-pay frame's column or None for an empty cell): 正常工资薪金所得.
FILING_COLUMNS: tuple[tuple[str, str | None], ...] = (
    ("工号", "agent_id"),
    ("*姓名", "name"),
    ("*证件类型", "id_type"),
    ("*证件号码", "id_number"),
    ("本期收入", "income"),
    ("本期免税收入", None),
    ("基本养老保险费", "pension"),
    ("基本医疗保险费", "medical"),
    ("失业保险费", "unemployment"),
    ("住房公积金", "housing_fund"),
    ("累计子女教育", "cum_child_education"),
    ("累计继续教育", "cum_continuing_education"),
    ("累计住房贷款利息", "cum_housing_loan_interest"),
    ("累计住房租金", "cum_housing_rent"),
    ("累计赡养老人", "cum_elderly_support"),
    ("累计3岁以下婴幼儿照护", "cum_infant_care"),
    ("累计个人养老金", None),
    ("企业(职业)年金", None),
    ("商业健康保险", None),
    ("税延养老保险", None),
    ("其他", "other_deductions"),
    ("准予扣除的捐赠额", None),
    ("减免税额", None),
    ("备注", "note"),
)


def _frame(result: MonthResult) -> pl.DataFrame:
    assert result.net is not None
    people = result.payroll.select(*PERSON)
    return people.join(result.net.frame, on="agent_id", how="left")


def cost_table(result: MonthResult) -> pl.DataFrame:
    """Per person, then per team and for all: gross, the employer's shares, the cost."""
    money = ["gross", *EMPLOYER]
    per_person = _frame(result).select(*PERSON, *(pl.col(c).cast(PAY) for c in money))
    teams = (
        per_person.group_by("team")
        .agg(*(pl.col(c).sum() for c in money))
        .sort("team")
        .select(
            pl.lit("").alias("agent_id"),
            pl.lit("合计").alias("name"),
            "team",
            pl.lit("").alias("role"),
            *money,
        )
    )
    everyone = per_person.select(
        pl.lit("").alias("agent_id"),
        pl.lit("总计").alias("name"),
        pl.lit("").alias("team"),
        pl.lit("").alias("role"),
        *(pl.col(c).sum() for c in money),
    )
    return pl.concat([per_person.sort("agent_id"), teams, everyone], how="vertical_relaxed")


def bank_table(result: MonthResult) -> pl.DataFrame:
    """姓名, 账号, 开户行, 金额, 用途 for everyone paid a positive net."""
    assert result.net is not None
    paid = _frame(result).filter(pl.col("net") > 0).join(result.net.pii, on="agent_id", how="left")
    return paid.sort("agent_id").select(
        pl.col("name").alias("姓名"),
        pl.col("bank_account").alias("账号"),
        pl.col("bank_name").alias("开户行"),
        pl.col("net").cast(PAY).alias("金额"),
        pl.lit(f"工资 {result.period}").alias("用途"),
    )


def filing_table(result: MonthResult) -> pl.DataFrame:
    """The 正常工资薪金所得 import sheet: people taxed by the cumulative method."""
    assert result.net is not None
    frame = (
        _frame(result)
        .filter(pl.col("tax_method") == "salary")
        .join(result.net.pii, on="agent_id", how="left")
        .with_columns(
            pl.when(pl.col("bonus_separate") > 0)
            .then(
                pl.format(
                    "全年一次性奖金 {} 单独计税，另按全年一次性奖金收入申报",
                    pl.col("bonus_separate").cast(PAY),
                )
            )
            .otherwise(pl.lit(""))
            .alias("note")
        )
        .sort("agent_id")
    )
    return frame.select(
        (pl.col(source).cast(PAY) if _is_money(frame, source) else pl.col(source)).alias(title)
        if source is not None
        else pl.lit(None, dtype=pl.String).alias(title)
        for title, source in FILING_COLUMNS
    )


def _is_money(frame: pl.DataFrame, column: str) -> bool:
    return frame.schema[column].is_decimal()


def write_filing_xlsx(table: pl.DataFrame, path: Path, title: str, period: str) -> None:
    """The filing sheet as a workbook: every cell text or a number, never a formula; the
    identity numbers as text so no spreadsheet turns them into 1.1E+17."""
    import xlsxwriter  # only when a workbook is written: keeps other commands' start-up short

    workbook = xlsxwriter.Workbook(
        str(path),
        # in_memory: the sheets' XML is assembled in memory, not in temporary files (a
        # fifth less time for a 2,000-person payroll; the sheets are size-limited).
        {"strings_to_numbers": False, "strings_to_formulas": False, "in_memory": True},
    )
    year, month = Month.parse(period)  # a fixed creation date: the same month, the same bytes
    workbook.set_properties({"title": title, "created": dt.datetime(year, month, 1)})
    sheet = workbook.add_worksheet("正常工资薪金所得")
    money = workbook.add_format({"num_format": "0.00"})
    for col, name in enumerate(table.columns):
        sheet.write_string(0, col, name)
    for row, values in enumerate(table.iter_rows(), start=1):
        for col, value in enumerate(values):
            if value is None:
                continue
            if isinstance(value, str):
                sheet.write_string(row, col, value)
            else:
                sheet.write_number(row, col, float(value), money)
    workbook.close()


def write_net_files(result: MonthResult, folder: Path, write_csv: Callable[..., None]) -> None:
    """cost.csv, bank.csv and the filing files into `folder` (the month has net pay)."""
    write_csv(cost_table(result), folder / "cost.csv")
    write_csv(bank_table(result), folder / "bank.csv")
    filing = filing_table(result)
    write_csv(filing, folder / "iit-filing.csv")
    title = f"{result.rules.title} {result.period} 正常工资薪金所得"
    write_filing_xlsx(filing, folder / "iit-filing.xlsx", title, result.period)
