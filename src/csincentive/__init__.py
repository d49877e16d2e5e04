"""csincentive: monthly pay for e-commerce customer-service teams, exact to the fen.

The library is usable without the command line::

    from csincentive import compute_month, publish
    result = compute_month("examples/2026-10", "rules/taobao-presales.toml")
    result.payroll  # a polars DataFrame, one row per person
    publish(result, "examples/2026-10/out")  # the payroll files (and the ledger, if given)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["__version__", "compute_month", "publish"]

if TYPE_CHECKING:
    from csincentive.ledger.store import Ledger
    from csincentive.month.publish import Published
    from csincentive.month.result import MonthResult


def publish(
    result: MonthResult,
    out_dir: Any,
    *,
    ledger: Ledger | None = None,
    force: bool = False,
    options: dict[str, Any] | None = None,
) -> Published:
    """month.publish.publish with the payroll files of reports.files: the files written
    into out_dir and the month recorded in `ledger`, both or neither."""
    from pathlib import Path

    from csincentive.month.publish import publish as publish_month
    from csincentive.reports.files import payroll_files

    outputs = payroll_files(result)
    return publish_month(
        result, Path(out_dir), outputs=outputs, ledger=ledger, force=force, options=options
    )


def __getattr__(name: str) -> Any:  # lazy, so `csincentive --help` does not import polars
    if name == "compute_month":
        from csincentive.month.compute import compute_month

        return compute_month
    raise AttributeError(name)
