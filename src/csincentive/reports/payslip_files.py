"""The payslip files of a month: 工资条.xlsx (reports/payslip_book.py) and one HTML page per
person in payslips/ (reports/payslips.py), written by `csincentive payslips` and, with
``[outputs] payslips = true``, by `run` beside the payroll files.

They are published as the payroll files are (month.publish): written into a staging folder
in the out folder and moved in together, never over an input, and an earlier set is
replaced only with ``force``. A month sealed in the ledger gets payslips only of what was
paid: when the inputs or the rules now give any line another amount, the payslips are
refused (U120) with the lines that differ."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from csincentive.core.diagnostics import Diagnostic, InputError
from csincentive.ledger.diff import diff_lines
from csincentive.ledger.store import Ledger
from csincentive.month.publish import Published, publish
from csincentive.month.result import MonthResult
from csincentive.reports.payslip_book import BOOK, write_payslip_book
from csincentive.reports.payslips import FOLDER, payslip_pages

PAYSLIP_FILES = (BOOK, FOLDER)
SHOWN_CHANGES = 5  # the lines a U120 quotes


def write_payslips(result: MonthResult, folder: Path, lang: str | None = None) -> None:
    """工资条.xlsx and payslips/<agent_id>-<name>.html into ``folder``."""
    pages = payslip_pages(result, lang)
    (folder / FOLDER).mkdir(parents=True, exist_ok=True)
    for file, page in pages.select("file", "html").iter_rows():
        (folder / file).write_bytes(page.encode("utf-8"))
    write_payslip_book(result, folder / BOOK, lang)


@dataclass(frozen=True)
class PayslipFiles:
    """The payslip files alone, for month.publish (`csincentive payslips`)."""

    result: MonthResult
    lang: str | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return PAYSLIP_FILES

    @property
    def retired(self) -> tuple[str, ...]:
        return ()

    @property
    def ledger_tables(self) -> dict[str, str]:
        return {}

    def write(self, folder: Path) -> None:
        write_payslips(self.result, folder, self.lang)


def publish_payslips(
    result: MonthResult,
    out_dir: Path,
    *,
    ledger: Ledger | None = None,
    force: bool = False,
    lang: str | None = None,
) -> Published:
    """Write the payslip files into out_dir (the month is not recorded again). U120 when
    the ledger sealed the month and this computation pays a line differently."""
    if ledger is not None:
        refuse_if_not_as_sealed(result, ledger)
    return publish(result, Path(out_dir), outputs=PayslipFiles(result, lang), force=force)


def refuse_if_not_as_sealed(result: MonthResult, ledger: Ledger) -> None:
    """U120 when the month is sealed and its lines now differ from the sealed record."""
    scheme = result.rules.scheme
    book = ledger.for_scheme(scheme.id if scheme else None, scheme.shop if scheme else None)
    if not book.is_sealed(result.period):
        return
    changes = diff_lines(book.lines(result.period), result.lines)
    if changes.height == 0:
        return
    shown = "; ".join(
        f"{agent} {component} {old} → {new}"
        for agent, component, old, new in changes.head(SHOWN_CHANGES)
        .select("agent_id", "component", pl.col("old").fill_null("—"), pl.col("new").fill_null("—"))
        .iter_rows()
    )
    more = f" and {changes.height - SHOWN_CHANGES} more" if changes.height > SHOWN_CHANGES else ""
    message = (
        f"{result.period} is sealed, and these inputs and rules pay {changes.height} line(s)"
        f" differently from what was paid ({shown}{more}): a payslip shows what was paid —"
        " put back the month's inputs and rules as they were sealed, or reopen the month"
        f' (csincentive reopen {result.period} --reason "…") and run it again'
    )
    where = str(book.month_folder(result.period) / "manifest.json")
    raise InputError([Diagnostic(where, message, "U120")])
