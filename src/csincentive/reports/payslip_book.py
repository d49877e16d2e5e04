"""工资条.xlsx: the classic printable payslip sheet — one block per person, each a title row
(the scheme, the month, the shop), a header row, a row of values and a blank row to cut
along — so HR prints one sheet and cuts it into slips.

The columns are the payroll's: who (工号, 姓名, 团队, 岗位), every pay component headed by its
label, the totals and, with net pay on, each amount withheld and 实发工资. Money is written
as numbers (``#,##0.00``, a negative in red) so a slip can be summed; text is always a
string cell, never a formula. Nothing is computed: every value is a payroll cell. The same
month gives the same bytes (the creation date is the month's first day; people by
agent_id)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from csincentive.core.messages import words_of
from csincentive.core.month import Month
from csincentive.month.result import MonthResult
from csincentive.reports.payslips import language, net_words

BOOK = "工资条.xlsx"
MONEY_FORMAT = "#,##0.00;[Red]-#,##0.00"
ROWS_PER_SLIP = 4  # title, header, values, the blank row to cut along


def book_columns(result: MonthResult, lang: str) -> list[tuple[str, str]]:
    """(payroll column, its head) in payroll order: who, the pay components, the totals,
    with net pay the amounts withheld and the net."""
    words = words_of("payslip", lang)
    heads = {column: words[column] for column in result.person_columns}
    heads.update({line.id: line.label for line in result.lines_meta})
    heads.update({total.id: total.label for total in result.rules.totals})
    heads.update(net_words(lang))
    return [(column, heads.get(column, column)) for column in result.payroll.columns]


def _width(text: str) -> int:
    """Columns a text takes in a spreadsheet: a Chinese character is two."""
    return sum(2 if ord(char) > 0x2E7F else 1 for char in text)


def _widths(result: MonthResult, columns: list[tuple[str, str]]) -> list[int]:
    longest = result.payroll.select(
        pl.col(column).cast(pl.String).fill_null("").str.len_bytes().max() for column, _ in columns
    ).row(0)
    # UTF-8 bytes over-count a Chinese character (3 for its 2 columns): near enough for a
    # width, and a bound that never cuts a value.
    return [
        max(8, min(40, max(_width(head), int(size or 0)) + 2))
        for (_, head), size in zip(columns, longest, strict=True)
    ]


def write_payslip_book(result: MonthResult, path: Path, lang: str | None = None) -> None:
    """工资条.xlsx for everyone on the payroll, by agent_id."""
    import xlsxwriter

    lang = lang or language(result)
    words = words_of("payslip_book", lang)
    year, month = Month.parse(result.period)
    workbook = xlsxwriter.Workbook(
        str(path),
        # in_memory: the sheets' XML is assembled in memory, not in temporary files (a
        # fifth less time for a 2,000-person payroll; the sheets are size-limited).
        {"strings_to_numbers": False, "strings_to_formulas": False, "in_memory": True},
    )
    title = words["title"].format(title=result.rules.title, period=result.period).strip()
    workbook.set_properties({"title": title, "created": dt.datetime(year, month, 1)})
    scheme = result.rules.scheme
    if scheme is not None and scheme.shop:
        title += words["shop"].format(shop=scheme.shop)
    formats = _formats(workbook)
    sheet = workbook.add_worksheet(words["sheet"])
    columns = book_columns(result, lang)
    for col, width in enumerate(_widths(result, columns)):
        sheet.set_column(col, col, width)
    money = set(result.money_columns)
    people = result.payroll.sort("agent_id").select(column for column, _ in columns)
    last = len(columns) - 1
    for index, values in enumerate(people.iter_rows()):
        top = index * ROWS_PER_SLIP
        sheet.merge_range(top, 0, top, last, title, formats["title"])
        for col, (column, head) in enumerate(columns):
            sheet.write_string(top + 1, col, head, formats["head"])
            value = values[col]
            if column in money and value is not None:
                sheet.write_number(top + 2, col, float(value), formats["money"])
            else:
                sheet.write_string(
                    top + 2, col, "" if value is None else str(value), formats["text"]
                )
        sheet.set_row(top + 3, 9)  # the row to cut along
    _print_setup(sheet, people.height, last)
    workbook.close()


def _formats(workbook: object) -> dict[str, object]:
    add = workbook.add_format  # type: ignore[attr-defined]
    edge = {"border": 1, "border_color": "#8C959F", "valign": "vcenter"}
    return {
        "title": add({"bold": True, "font_size": 12, "align": "left", "valign": "vcenter"}),
        "head": add({**edge, "bold": True, "bg_color": "#EEF4FB", "text_wrap": True}),
        "text": add(edge),
        "money": add({**edge, "num_format": MONEY_FORMAT}),
    }


def _print_setup(sheet: object, people: int, last: int) -> None:
    """Landscape A4, fit to one page wide, a page break only between two slips."""
    sheet.set_landscape()  # type: ignore[attr-defined]
    sheet.set_paper(9)  # type: ignore[attr-defined]  # A4
    sheet.fit_to_pages(1, 0)  # type: ignore[attr-defined]
    sheet.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)  # type: ignore[attr-defined]
    sheet.center_horizontally()  # type: ignore[attr-defined]
    if people:
        sheet.print_area(0, 0, people * ROWS_PER_SLIP - 1, last)  # type: ignore[attr-defined]
    slips_per_page = 10
    breaks = [n * ROWS_PER_SLIP for n in range(slips_per_page, people, slips_per_page)]
    sheet.set_h_pagebreaks(breaks)  # type: ignore[attr-defined]
