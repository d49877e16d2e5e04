"""One payslip explained (reports/explain.py) as JSON-ready nested dicts, for
`csincentive explain --json`: keys in a fixed order, Decimals as strings (pay lines keep
their two places, as on the payslip; other values are exact)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from csincentive.core.money import plain
from csincentive.reports.breakdown import breakdown_dict
from csincentive.reports.explain import Line, Payslip, Ranking, RowReached, Standing, Value
from csincentive.rules.locate import Location


def _json(value: Value) -> str | None:
    if isinstance(value, Decimal):
        return plain(value)
    return value


def _amount_json(line: Line) -> str | None:
    """Pay lines keep their two places (as on the payslip); other values are exact."""
    if line.pays and isinstance(line.amount, Decimal):
        return str(line.amount)
    return _json(line.amount)


def _location_dict(at: Location | None) -> dict[str, Any] | None:
    return None if at is None else {"file": at.file, "line": at.line, "col": at.col}


def _standing_dict(s: Standing) -> dict[str, Any]:
    return {
        "agent_id": s.agent_id,
        "name": s.name,
        "team": s.team,
        "rank": s.rank,
        "value": _json(s.value),
        "shown": s.shown,
    }


def _ranking_dict(r: Ranking | None) -> dict[str, Any] | None:
    if r is None:
        return None
    return {
        "by": r.by,
        "order": r.order,
        "within": r.within,
        "among": r.among,
        "field": r.field,
        "rank": r.rank,
        "value": _json(r.value),
        "shown": r.shown,
        "quota": r.quota,
        "above": [_standing_dict(s) for s in r.above],
        "tied": [_standing_dict(s) for s in r.tied],
        "note": r.note,
    }


def _row_dict(row: RowReached | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {"index": row.index, "of": row.of, "key": row.key, "at": _location_dict(row.at)}


def line_dict(line: Line) -> dict[str, Any]:
    """One line as JSON-ready nested dicts, keys in a fixed order, Decimals as strings."""
    return {
        "id": line.id,
        "label": line.label,
        "rule": line.rule,
        "kind": line.kind,
        "pays": line.pays,
        "applies": line.applies,
        "defined_at": _location_dict(line.defined_at),
        "amount": _amount_json(line),
        "shown": line.shown,
        "raw": _json(line.raw),
        "rounding": line.rounding,
        "explanation": line.explanation,
        "flag": line.flag,
        "row": _row_dict(line.row),
        "ranking": _ranking_dict(line.ranking),
        "breakdown": breakdown_dict(line.breakdown),
        "inputs": [
            {
                "name": item.name,
                "source": item.source,
                "value": _json(item.value),
                "shown": item.shown,
                "used_in": item.used_in,
                "line": None if item.line is None else line_dict(item.line),
            }
            for item in line.inputs
        ],
    }


def as_dict(payslip: Payslip) -> dict[str, Any]:
    return {
        "period": payslip.period,
        "agent_id": payslip.agent_id,
        "name": payslip.name,
        "team": payslip.team,
        "role": payslip.role,
        "scheme": payslip.scheme,
        "rules_file": payslip.rules_file,
        "lines": [line_dict(line) for line in payslip.lines],
        "other_values": [line_dict(line) for line in payslip.other],
        "total": {
            "id": payslip.total_id,
            "label": payslip.total_label,
            "amount": str(payslip.gross),
            "lines_sum": str(payslip.lines_sum),
            "adds_up": payslip.adds_up,
        },
        **({"net": payslip.net} if payslip.net else {}),
    }
