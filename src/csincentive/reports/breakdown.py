"""How a scorecard or a pool line reached its value, for ``explain``: each item's value,
band and points, the total and the grade; or the pool, the basis, the share rounded down
and the remainder fen. Read from what the engine recorded (``<id>__trace``, see
rules/kinds/scorecard.py and pool.py), never computed again: the one thing done to the
record is showing each value as every value is shown (core/display.py)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import polars as pl

from csincentive.core.display import show_expr, show_number
from csincentive.core.messages import t
from csincentive.core.money import plain
from csincentive.month.engine import TRACE, CompiledLine
from csincentive.month.result import MonthResult
from csincentive.rules.kinds import pool, scorecard
from csincentive.rules.kinds.base import ScoredItem
from csincentive.rules.locate import Location, Written

Value = Decimal | str | None


@dataclass
class ItemScore:
    """One item of a scorecard for one person."""

    index: int
    label: str
    value: Value
    shown: str
    scoring: str  # the band reached in words, or the linear scale
    band: int | None  # the 0-based band reached; None: linear, or no band
    at: Location | None  # where the band (or the item) is written
    points: Value
    points_shown: str
    weight: str  # "30%"; "" when the points add up as they are
    weighted: Value
    weighted_shown: str


@dataclass
class Scorecard:
    items: list[ItemScore]
    total: Value
    total_shown: str
    grade: str | None
    grade_row: int | None
    grade_at: Location | None
    per_point: str  # the formula or number; "" when the value is the score
    per_point_shown: str


@dataclass
class PoolShare:
    """One person's share of a pool, as the engine recorded it."""

    per: str  # all or team
    team: str | None  # the pool's team (per = "team")
    pool: Value
    pool_shown: str
    basis: str  # the formula
    basis_value: Value
    basis_shown: str
    basis_total_shown: str
    eligible: bool
    eligible_text: str
    sharers: int
    floor_shown: str
    extra_shown: str
    leftover_shown: str
    place: int | None  # in the remainder order; None: no share
    order: str


Breakdown = Scorecard | PoolShare


def breakdown_of(
    result: MonthResult, agent_id: str, meta: CompiledLine, written: Written | None
) -> Breakdown | None:
    """The scorecard or pool record of one person's line; None for other kinds."""
    if meta.scores is None and meta.shares is None:
        return None
    recorded = pl.col(meta.id + TRACE).struct
    mine = result.traces.filter(pl.col("agent_id") == agent_id)
    if meta.scores is not None:
        return _scorecard(meta, mine, recorded, written, result.language)
    team = result.values.filter(pl.col("agent_id") == agent_id)["team"].item()
    return _pool(meta, mine, recorded, team)


def _shown(frame: pl.DataFrame, exprs: dict[str, pl.Expr]) -> dict[str, Any]:
    named = [expr.alias(name) for name, expr in exprs.items()]
    return frame.select(named).row(0, named=True)


def _scorecard(
    meta: CompiledLine, mine: pl.DataFrame, recorded: Any, written: Written | None, lang: str
) -> Scorecard:
    assert meta.scores is not None
    scores = meta.scores
    items = recorded.field(scorecard.ITEMS).list
    exprs = {
        name: recorded.field(name)
        for name in (scorecard.TOTAL, scorecard.GRADE, scorecard.GRADE_ROW, scorecard.PER_POINT)
    }
    exprs["total_shown"] = show_expr(recorded.field(scorecard.TOTAL), "number")
    exprs["per_point_shown"] = show_expr(recorded.field(scorecard.PER_POINT), "money")
    for i, item in enumerate(scores.items):
        one = items.get(i).struct
        exprs[f"{i}"] = items.get(i)
        exprs[f"{i}:value"] = show_expr(one.field(scorecard.ITEM_VALUE), item.unit)
        exprs[f"{i}:points"] = show_expr(one.field(scorecard.ITEM_POINTS), "number")
        exprs[f"{i}:weighted"] = show_expr(one.field(scorecard.ITEM_WEIGHTED), "number")
    row = _shown(mine, exprs)
    grade_row = row[scorecard.GRADE_ROW]
    return Scorecard(
        items=[_item(i, item, row, written, lang) for i, item in enumerate(scores.items)],
        total=row[scorecard.TOTAL],
        total_shown=row["total_shown"] or "—",
        grade=row[scorecard.GRADE],
        grade_row=grade_row,
        grade_at=written.at("grades", grade_row) if written and grade_row is not None else None,
        per_point=scores.per_point,
        per_point_shown=row["per_point_shown"] or "",
    )


def _item(
    i: int, item: ScoredItem, row: dict[str, Any], written: Written | None, lang: str
) -> ItemScore:
    """One item's record, its scoring in words in the month's language ``lang``."""
    record = row[f"{i}"] or {}
    band = record.get(scorecard.ITEM_BAND)
    if item.bands:
        scoring = (
            t("explain.item_band", lang, band=band, interval=item.bands[band])
            if band is not None
            else t("explain.item_no_band", lang)
        )
        at = written.at("items", i, "bands", band) if written and band is not None else None
    else:
        worst = show_number(item.worst or Decimal(0), item.unit)
        best = show_number(item.best or Decimal(0), item.unit)
        scoring = t("explain.item_linear", lang, worst=worst, best=best, max=plain(item.max))
        at = written.at("items", i) if written else None
    if item.cap is not None:
        scoring += t("explain.item_capped", lang, cap=plain(item.cap))
    return ItemScore(
        index=i,
        label=item.label,
        value=record.get(scorecard.ITEM_VALUE),
        shown=row[f"{i}:value"] or "—",
        scoring=scoring,
        band=band,
        at=at,
        points=record.get(scorecard.ITEM_POINTS),
        points_shown=row[f"{i}:points"] or "—",
        weight="" if item.weight is None else show_number(item.weight, "ratio"),
        weighted=record.get(scorecard.ITEM_WEIGHTED),
        weighted_shown=row[f"{i}:weighted"] or "—",
    )


def _pool(meta: CompiledLine, mine: pl.DataFrame, recorded: Any, team: str) -> PoolShare:
    assert meta.shares is not None
    shares = meta.shares

    def money(name: str) -> pl.Expr:
        return show_expr(recorded.field(name), "money")

    row = _shown(
        mine,
        {
            pool.POOL: recorded.field(pool.POOL),
            pool.BASIS: recorded.field(pool.BASIS),
            pool.ELIGIBLE: recorded.field(pool.ELIGIBLE),
            pool.SHARERS: recorded.field(pool.SHARERS),
            pool.PLACE: recorded.field(pool.PLACE),
            "pool_shown": money(pool.POOL),
            "basis_shown": show_expr(recorded.field(pool.BASIS), shares.unit),
            "total_shown": show_expr(recorded.field(pool.BASIS_TOTAL), shares.unit),
            "floor_shown": money(pool.FLOOR),
            "extra_shown": money(pool.EXTRA),
            "leftover_shown": money(pool.LEFTOVER),
        },
    )
    return PoolShare(
        per=shares.per,
        team=team if shares.per == "team" else None,
        pool=row[pool.POOL],
        pool_shown=row["pool_shown"],
        basis=shares.basis,
        basis_value=row[pool.BASIS],
        basis_shown=row["basis_shown"],
        basis_total_shown=row["total_shown"],
        eligible=bool(row[pool.ELIGIBLE]),
        eligible_text=shares.eligible,
        sharers=row[pool.SHARERS],
        floor_shown=row["floor_shown"],
        extra_shown=row["extra_shown"],
        leftover_shown=row["leftover_shown"],
        place=row[pool.PLACE],
        order=shares.order,
    )


# --------------------------------------------------------------------------------- text


def breakdown_text(breakdown: Breakdown | None, lang: str) -> list[str]:
    """The detail lines explain prints under the line, in ``lang``."""
    if isinstance(breakdown, Scorecard):
        return _scorecard_text(breakdown, lang)
    if isinstance(breakdown, PoolShare):
        return _pool_text(breakdown, lang)
    return []


def _scorecard_text(card: Scorecard, lang: str) -> list[str]:
    weighted = any(item.weight for item in card.items)
    out = [t("explain.items_weighted", lang) if weighted else t("explain.items_points", lang)]
    for item in card.items:
        text = t(
            "explain.item",
            lang,
            index=item.index,
            label=item.label,
            shown=item.shown,
            scoring=item.scoring,
            points=item.points_shown,
        )
        if item.weight:
            text += f" × {item.weight} = {item.weighted_shown}"
        out.append(text + (t("explain.item_at", lang, at=item.at) if item.at is not None else ""))
    total = t("explain.card_total", lang, points=card.total_shown)
    if card.per_point:
        total += t("explain.per_point", lang, amount=card.per_point_shown, name=card.per_point)
    if card.grade is not None:
        total += t("explain.grade", lang, grade=card.grade, row=card.grade_row)
        at = card.grade_at
        total += (
            t("explain.grade_at", lang, at=at) if at is not None else t("explain.grade_end", lang)
        )
    return [*out, total]


def _pool_text(share: PoolShare, lang: str) -> list[str]:
    if share.team is not None:
        where = t("explain.pool_team", lang, team=share.team)
    else:
        where = t("explain.pool_everyone", lang)
    if share.eligible_text:
        who = t("explain.pool_eligible", lang, who=share.eligible_text)
    else:
        who = t("explain.pool_all_eligible", lang)
    head = t(
        "explain.pool",
        lang,
        pool=share.pool_shown,
        where=where,
        who=who,
        basis=share.basis,
        sharers=share.sharers,
        total=share.basis_total_shown,
    )
    if not share.eligible:
        return [head, t("explain.pool_not_eligible", lang)]
    if share.place is None:
        return [head, t("explain.pool_no_share", lang, basis=share.basis, shown=share.basis_shown)]
    words = {
        "pool": share.pool_shown,
        "basis": share.basis_shown,
        "total": share.basis_total_shown,
        "floor": share.floor_shown,
        "extra": share.extra_shown,
        "place": share.place,
        "leftover": share.leftover_shown,
    }
    return [
        head,
        t("explain.pool_share", lang, **words),
        t("explain.pool_order", lang, order=share.order),
    ]


# --------------------------------------------------------------------------------- JSON


def _json(value: Value) -> str | None:
    return plain(value) if isinstance(value, Decimal) else value


def _at(at: Location | None) -> dict[str, Any] | None:
    return None if at is None else {"file": at.file, "line": at.line, "col": at.col}


def breakdown_dict(breakdown: Breakdown | None) -> dict[str, Any] | None:
    """The breakdown as JSON-ready dicts, Decimals as strings."""
    if isinstance(breakdown, Scorecard):
        return {
            "kind": "scorecard",
            "items": [
                {
                    "index": item.index,
                    "label": item.label,
                    "value": _json(item.value),
                    "shown": item.shown,
                    "scoring": item.scoring,
                    "band": item.band,
                    "at": _at(item.at),
                    "points": _json(item.points),
                    "weight": item.weight,
                    "weighted": _json(item.weighted),
                }
                for item in breakdown.items
            ],
            "total": _json(breakdown.total),
            "grade": breakdown.grade,
            "grade_row": breakdown.grade_row,
            "grade_at": _at(breakdown.grade_at),
            "per_point": breakdown.per_point,
        }
    if isinstance(breakdown, PoolShare):
        return {
            "kind": "pool",
            "per": breakdown.per,
            "team": breakdown.team,
            "pool": _json(breakdown.pool),
            "basis": breakdown.basis,
            "basis_value": _json(breakdown.basis_value),
            "eligible": breakdown.eligible,
            "sharers": breakdown.sharers,
            "floor": breakdown.floor_shown,
            "extra": breakdown.extra_shown,
            "leftover": breakdown.leftover_shown,
            "place": breakdown.place,
            "order": breakdown.order,
        }
    return None
