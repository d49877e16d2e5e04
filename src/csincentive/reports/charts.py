"""The month report's charts: Vega-Lite specifications made from the month's frames, rendered
to SVG when the report is written, by vl-convert (the Vega project's own renderer, shipped
as one wheel with Vega and Vega-Lite inside: no browser, no Node, no network).

Why Vega-Lite through vl-convert rather than matplotlib: a chart is a small declarative
spec (data + encodings) that a test can read; the SVG keeps every label as ``<text>`` (so
Chinese is set by the browser in the system's fonts, FONTS, and stays searchable); the same
spec gives the same bytes; and it brings no numpy, Pillow or font cache. Nothing is fetched
while rendering (``allowed_base_urls=[]``), and each chart's SVG ids are prefixed so that
several charts in one page never share a clip path.

Each chart is a ``Chart``: its name (the report's anchor), its title and its spec; the
report decides how to render them (``render_svg``, or a stand-in for the skeleton test)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import polars as pl

from csincentive.core.money import PAY
from csincentive.month.engine import TRACE, CompiledLine
from csincentive.month.result import MonthResult
from csincentive.reports.html import FONTS
from csincentive.rules.kinds.base import IN_FIELD, PLACE, VALUE

VEGA_LITE = "https://vega.github.io/schema/vega-lite/v5.json"  # the spec's version, not a fetch
WIDTH = 640
RANKED = 20  # bars of a ranking chart: the top of the field
SCATTERED = 2_000  # points of the scatter: the people with the largest sales
COLOURS = ["#1f6feb", "#2da44e", "#bf8700", "#cf222e", "#8250df", "#57606a", "#0a7ea4"]
_ID = re.compile(r'id="([^"]+)"')


@dataclass(frozen=True)
class Chart:
    name: str  # chart-<name> in the page
    title: str
    spec: dict[str, Any]
    note: str = ""  # what the chart leaves out, shown under it


Renderer = Callable[[Chart], str]


def render_svg(chart: Chart) -> str:
    """The chart as inline SVG, its ids made unique to it."""
    import vl_convert  # the renderer is loaded only when a report is written

    svg = vl_convert.vegalite_to_svg(chart.spec, allowed_base_urls=[])
    prefix = f"{chart.name}-"
    svg = _ID.sub(lambda m: f'id="{prefix}{m[1]}"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{prefix}{m[1]})", svg)
    return svg.replace("<svg ", f'<svg role="img" aria-label="{_attr(chart.title)}" ', 1)


def _attr(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def _spec(values: list[dict[str, Any]], **parts: Any) -> dict[str, Any]:
    return {
        "$schema": VEGA_LITE,
        "width": WIDTH,
        "data": {"values": values},
        "config": {
            "font": FONTS,
            "view": {"stroke": None},
            "axis": {"labelFontSize": 11, "titleFontSize": 12},
            "range": {"category": {"scheme": "tableau10"}},
            "axisX": {"labelAngle": 0},
        },
        **parts,
    }


def _money(frame: pl.DataFrame, *columns: str) -> pl.DataFrame:
    """Money as floats for the chart's scale (the exact amounts are in the tables)."""
    return frame.with_columns(pl.col(c).cast(PAY).cast(pl.Float64) for c in columns)


def cost_by_component(result: MonthResult, words: dict[str, str]) -> Chart:
    """Σ of each pay component over everyone, a deduction below 0."""
    labels = {line.id: line.label for line in result.lines_meta}
    sums = result.payroll.select(pl.col(c).sum() for c in result.pay_columns)
    frame = sums.unpivot(variable_name="id", value_name="amount").with_columns(
        pl.col("id").replace_strict(labels, default=pl.col("id")).alias("label")
    )
    values = _money(frame, "amount").to_dicts()
    spec = _spec(
        values,
        height=max(60, 24 * len(values)),
        mark={"type": "bar", "tooltip": True},
        encoding={
            "y": {"field": "label", "type": "nominal", "sort": None, "title": None},
            "x": {"field": "amount", "type": "quantitative", "title": words["amount"]},
            "color": {
                "condition": {"test": "datum.amount < 0", "value": "#cf222e"},
                "value": COLOURS[0],
            },
        },
    )
    return Chart("cost-by-component", words["cost_by_component"], spec)


def cost_by_team(result: MonthResult, words: dict[str, str]) -> Chart:
    """Per team the sum of each pay component, stacked (deductions to the left of 0)."""
    labels = {line.id: line.label for line in result.lines_meta}
    frame = (
        result.payroll.group_by("team")
        .agg(pl.col(c).sum() for c in result.pay_columns)
        .unpivot(index="team", variable_name="id", value_name="amount")
        .filter(pl.col("amount") != 0)
        .with_columns(pl.col("id").replace_strict(labels, default=pl.col("id")).alias("label"))
        .sort("team", "id")
    )
    teams = frame["team"].n_unique()
    spec = _spec(
        _money(frame, "amount").to_dicts(),
        height=max(60, 36 * teams),
        mark={"type": "bar", "tooltip": True},
        encoding={
            "y": {"field": "team", "type": "nominal", "title": None},
            "x": {"field": "amount", "type": "quantitative", "title": words["amount"]},
            "color": {"field": "label", "type": "nominal", "title": None},
        },
    )
    return Chart("cost-by-team", words["cost_by_team"], spec)


def pay_distribution(result: MonthResult, words: dict[str, str]) -> Chart:
    """How many people fall in each band of the first total (gross)."""
    total = result.total_id
    values = _money(result.payroll.select(total), total).to_dicts()
    spec = _spec(
        values,
        height=200,
        mark={"type": "bar", "tooltip": True, "color": COLOURS[0]},
        encoding={
            "x": {
                "field": total,
                "bin": {"maxbins": 20},
                "type": "quantitative",
                "title": words["gross"],
            },
            "y": {"aggregate": "count", "type": "quantitative", "title": words["people"]},
        },
    )
    return Chart("pay-distribution", words["pay_distribution"], spec)


def ranked_lines(result: MonthResult) -> list[CompiledLine]:
    """The scheme's rank and award components, in the rules' order."""
    return [line for line in result.lines_meta if line.ranks is not None]


def ranking(result: MonthResult, line: CompiledLine, words: dict[str, str]) -> Chart:
    """The first RANKED of a rank (or award) component's field as bars: the value each
    was ranked by and the place, both as the engine recorded them (its trace)."""
    ranks = line.ranks
    assert ranks is not None
    recorded = pl.col(line.id + TRACE).struct
    field = result.traces.select(
        "agent_id",
        recorded.field(IN_FIELD).alias("_member"),
        recorded.field(PLACE).alias("place"),
        recorded.field(VALUE).cast(pl.Float64).alias("value"),
    ).filter(pl.col("_member") & pl.col("place").is_not_null())
    people = result.payroll.select("agent_id", "name", "team")
    top = (
        field.join(people, on="agent_id")
        .sort("place", "agent_id", nulls_last=True)
        .head(RANKED)
        .with_columns(pl.format("#{} {} {}", "place", "agent_id", "name").alias("who"))
    )
    axis = {"format": ".0%"} if ranks.unit in ("ratio", "percent") else {}
    spec = _spec(
        top.drop("_member").to_dicts(),
        height=max(60, 20 * top.height),
        mark={"type": "bar", "tooltip": True},
        encoding={
            "y": {"field": "who", "type": "nominal", "sort": None, "title": None},
            "x": {"field": "value", "type": "quantitative", "title": ranks.by, "axis": axis},
            "color": {"field": "team", "type": "nominal", "title": words["team"]},
        },
    )
    note = words["top"].format(n=RANKED) if field.height > RANKED else ""
    title = words["ranking"].format(label=line.label, by=ranks.by, among=ranks.among)
    return Chart(f"ranking-{line.id}", title, spec, note)


def conversion_vs_sales(result: MonthResult, words: dict[str, str]) -> Chart | None:
    """Each person with chats: conversion across, net sales up (None without those)."""
    if not {"conversion", "net_sales", "sessions"} <= set(result.metrics.columns):
        return None
    frame = result.metrics.filter(pl.col("sessions") > 0).select(
        "agent_id", "name", "team", pl.col("conversion").cast(pl.Float64), "net_sales"
    )
    shown = frame.sort("net_sales", "agent_id", descending=[True, False]).head(SCATTERED)
    spec = _spec(
        _money(shown, "net_sales").to_dicts(),
        height=280,
        mark={"type": "point", "filled": True, "size": 60, "tooltip": True},
        encoding={
            "x": {
                "field": "conversion",
                "type": "quantitative",
                "axis": {"format": ".0%"},
                "title": words["conversion"],
            },
            "y": {"field": "net_sales", "type": "quantitative", "title": words["net_sales"]},
            "color": {"field": "team", "type": "nominal", "title": words["team"]},
        },
    )
    note = words["top"].format(n=SCATTERED) if frame.height > SCATTERED else ""
    return Chart("conversion-vs-sales", words["conversion_vs_sales"], spec, note)


def month_over_month(history: pl.DataFrame, words: dict[str, str]) -> Chart:
    """Cost, gross per head and conversion for each month of the ledger and this one."""
    measures = {"cost": words["cost"], "per_head": words["per_head"]}
    money = history.unpivot(
        index="period", on=list(measures), variable_name="measure", value_name="value"
    ).with_columns(pl.col("measure").replace_strict(measures))
    line = {"type": "line", "point": True, "tooltip": True}
    spec = _spec(
        [],
        vconcat=[
            {
                "width": WIDTH,
                "height": 180,
                "data": {"values": _money(money, "value").to_dicts()},
                "mark": line,
                "encoding": {
                    "x": {"field": "period", "type": "ordinal", "title": None},
                    "y": {"field": "value", "type": "quantitative", "title": words["amount"]},
                    "color": {"field": "measure", "type": "nominal", "title": None},
                },
            },
            {
                "width": WIDTH,
                "height": 120,
                "data": {"values": history.select("period", "conversion").to_dicts()},
                "mark": {**line, "color": COLOURS[1]},
                "encoding": {
                    "x": {"field": "period", "type": "ordinal", "title": None},
                    "y": {
                        "field": "conversion",
                        "type": "quantitative",
                        "axis": {"format": ".0%"},
                        "title": words["conversion"],
                    },
                },
            },
        ],
    )
    spec.pop("data")
    spec.pop("width")
    note = words["one_month"] if history.height < 2 else ""
    return Chart("month-over-month", words["month_over_month"], spec, note)
