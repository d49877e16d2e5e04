"""report.html as a publication (month.publish): written into a staging folder in the out
folder and moved in, never over an input, an earlier report replaced only with ``force``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from csincentive.ledger.store import Ledger
from csincentive.month.publish import Published, publish
from csincentive.month.result import MonthResult
from csincentive.reports.report import REPORT, ledger_history, month_report


@dataclass(frozen=True)
class ReportFile:
    result: MonthResult
    ledger: Ledger | None = None
    lang: str | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return (REPORT,)

    @property
    def retired(self) -> tuple[str, ...]:
        return ()

    @property
    def ledger_tables(self) -> dict[str, str]:
        return {}

    def write(self, folder: Path) -> None:
        history = ledger_history(self.result, self.ledger)
        page = month_report(self.result, history, self.lang)
        (folder / REPORT).write_bytes(page.encode("utf-8"))


def publish_report(
    result: MonthResult,
    out_dir: Path,
    *,
    ledger: Ledger | None = None,
    force: bool = False,
    lang: str | None = None,
) -> Published:
    """Write report.html into out_dir, the months before read from ``ledger``."""
    return publish(result, Path(out_dir), outputs=ReportFile(result, ledger, lang), force=force)
