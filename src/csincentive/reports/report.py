"""The month report: one self-contained HTML page for the manager — the month's totals, the
cost by component and by team, the pay distribution, the ranking by what the scheme ranks,
conversion against sales, the months before from the ledger, the reconciliation of orders,
the flags and the warnings, and each person's payslip, opened by a click (``<details>``:
no script at all).

Everything is what the month recorded (``MonthResult``) or what the ledger kept of earlier
months (``ledger_history``); nothing is computed again but sums over people and months.
The charts are Vega-Lite rendered to inline SVG when the page is written (reports/charts.py);
the page fetches nothing (no script, no web font, no CDN) and sets Chinese in the system's
fonts. The same month and ledger give the same bytes: no time is written.

The words of the page are the catalogue's ([report] in core/messages.toml)."""

from __future__ import annotations

from decimal import Decimal

import polars as pl

import csincentive
from csincentive.core.messages import words_of
from csincentive.core.money import PAY, round_fen
from csincentive.ledger.store import Ledger
from csincentive.month.result import MonthResult
from csincentive.reports import charts
from csincentive.reports.charts import Chart, Renderer, render_svg
from csincentive.reports.html import FONTS, escape, escaped, fill_text
from csincentive.reports.payslips import html_lang, language, payslip_bodies, payslip_style

REPORT = "report.html"
HISTORY_MONTHS = 12  # the months before this one the month-over-month chart shows
SHOWN_PAYSLIPS = 2_000  # above this many people the page points to `csincentive payslips`
SHOWN_WARNINGS = 500

STYLE = """
:root { color-scheme: light; }
body { font-family: FONTS; margin: 0 auto; max-width: 1100px; padding: 16px 24px;
  color: #1f2328; line-height: 1.5; }
svg text { font-family: FONTS; }
h1 { font-size: 24px; margin: 8px 0; }
h2.section { font-size: 18px; margin: 28px 0 8px; border-bottom: 2px solid #d0d7de; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 12px 0; }
.card { border: 1px solid #d0d7de; border-radius: 6px; padding: 8px 14px; min-width: 120px; }
.card .k { color: #57606a; font-size: 13px; } .card .v { font-size: 20px; font-weight: 700; }
figure { margin: 12px 0 20px; } figcaption { font-weight: 600; margin-bottom: 4px; }
figure svg { max-width: 100%; height: auto; }
p.note { color: #57606a; font-size: 13px; margin: 2px 0; }
table.data { border-collapse: collapse; margin: 6px 0; }
table.data th, table.data td { border: 1px solid #d0d7de; padding: 3px 8px; text-align: left; }
table.data td.n { text-align: right; font-variant-numeric: tabular-nums; }
table.data thead th { background: #eef4fb; }
details.slip { border: 1px solid #d0d7de; border-radius: 6px; margin: 6px 0; padding: 4px 10px; }
details.slip summary { cursor: pointer; }
footer.made { color: #8c959f; font-size: 12px; margin-top: 24px; }
"""

PAGE = """<!DOCTYPE html>
<html lang="⟦lang⟧">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>⟦title⟧</title>
<style>⟦style⟧</style>
</head>
<body>
<h1>⟦title⟧</h1>
⟦cards⟧
⟦charts⟧
⟦tables⟧
⟦payslips⟧
<footer class="made">⟦made_by⟧</footer>
</body>
</html>
"""


def ledger_history(result: MonthResult, ledger: Ledger | None) -> pl.DataFrame:
    """period, people, cost (Σ gross), per_head and conversion (Σ paying / Σ inquiring
    buyers) for up to HISTORY_MONTHS of the scheme's earlier months in the ledger, then
    this month, oldest first."""
    frames = []
    if ledger is not None:
        scheme = result.rules.scheme
        book = ledger.for_scheme(scheme.id if scheme else None, scheme.shop if scheme else None)
        earlier = [m for m in book.months() if m < result.period][-HISTORY_MONTHS:]
        for period in earlier:  # one small read per month, never per person
            frames.append(_month_row(period, book.payroll(period), book.metrics(period), result))
    frames.append(_month_row(result.period, result.payroll, result.metrics, result))
    return pl.concat(frames, how="vertical_relaxed")


def _month_row(
    period: str, payroll: pl.DataFrame, metrics: pl.DataFrame, result: MonthResult
) -> pl.DataFrame:
    total = result.total_id if result.total_id in payroll.columns else payroll.columns[-1]
    cost = payroll.select(pl.col(total).cast(PAY).sum()).item() or Decimal(0)
    people = payroll.height
    paying, inquiring = (
        metrics.select(pl.col(c).sum() for c in ("paying_buyers", "inquiring_buyers")).row(0)
        if {"paying_buyers", "inquiring_buyers"} <= set(metrics.columns)
        else (0, 0)
    )
    return pl.DataFrame(
        {
            "period": [period],
            "people": [people],
            "cost": [cost],
            "per_head": [round_fen(cost / people) if people else Decimal(0)],
            "conversion": [float(paying) / float(inquiring) if inquiring else 0.0],
        },
        schema_overrides={"cost": PAY, "per_head": PAY},
    )


def report_charts(result: MonthResult, history: pl.DataFrame, words: dict[str, str]) -> list[Chart]:
    """Every chart of the report, in the order shown."""
    found = [
        charts.cost_by_component(result, words),
        charts.cost_by_team(result, words),
        charts.pay_distribution(result, words),
        *(charts.ranking(result, line, words) for line in charts.ranked_lines(result)),
        charts.conversion_vs_sales(result, words),
        charts.month_over_month(history, words),
    ]
    return [chart for chart in found if chart is not None]


def month_report(
    result: MonthResult,
    history: pl.DataFrame,
    lang: str | None = None,
    render: Renderer = render_svg,
) -> str:
    """The report page; ``render`` draws each chart (a stand-in shows the skeleton)."""
    lang = lang or language(result)
    words = words_of("report", lang)
    title = f"{result.rules.title} {result.period} {words['report']}".strip()
    scheme = result.rules.scheme
    if scheme is not None and scheme.shop:
        title += f" — {scheme.shop}"
    figures = "".join(_figure(chart, render) for chart in report_charts(result, history, words))
    made_by = words["made_by"].format(version=csincentive.__version__, rules=result.rules_file.name)
    return fill_text(
        PAGE,
        lang=html_lang(lang),
        title=escape(title),
        style=(STYLE.replace("FONTS", FONTS) + payslip_style(result, page=False)).strip(),
        cards=_cards(result, words),
        charts=figures,
        tables=_tables(result, words),
        payslips=_payslips(result, lang, words),
        made_by=escape(made_by),
    )


def _figure(chart: Chart, render: Renderer) -> str:
    note = f'<p class="note">{escape(chart.note)}</p>' if chart.note else ""
    return (
        f'<figure id="chart-{chart.name}" class="chart">'
        f"<figcaption>{escape(chart.title)}</figcaption>\n{render(chart)}\n{note}</figure>\n"
    )


def _cards(result: MonthResult, words: dict[str, str]) -> str:
    sums = result.total_sums()
    people = result.payroll.height
    gross = sums[result.total_id]
    credited = result.reconciliation.filter(pl.col("outcome") == "credited")["orders"].sum()
    cards = [
        (words["people"], f"{people}"),
        (words["gross"], f"{gross:,.2f}"),
        (words["per_head"], f"{round_fen(gross / people) if people else Decimal(0):,.2f}"),
    ]
    if "net" in sums:
        cards.append((words["net"], f"{sums['net']:,.2f}"))
    cards += [
        (words["credited"], f"{credited:,}"),
        (words["flags"], f"{result.flags.height}"),
        (words["warnings"], f"{len(result.warnings)}"),
    ]
    shown = "".join(
        f'<div class="card"><div class="k">{escape(k)}</div><div class="v">{escape(v)}</div></div>'
        for k, v in cards
    )
    return f'<section class="cards">{shown}</section>'


def data_table(frame: pl.DataFrame, heads: list[str], numbers: frozenset[str] = frozenset()) -> str:
    """A frame as an HTML table, every cell escaped, the rows made as one expression."""
    cells = [
        pl.lit('<td class="n">' if column in numbers else "<td>")
        + escaped(pl.col(column))
        + pl.lit("</td>")
        for column in frame.columns
    ]
    rows = frame.select(pl.concat_str([pl.lit("<tr>"), *cells, pl.lit("</tr>\n")]).alias("row"))
    head = "".join(f"<th>{escape(h)}</th>" for h in heads)
    body = "".join(rows["row"].to_list())
    return (
        f'<table class="data">\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}</tbody>\n</table>\n'
    )


def _tables(result: MonthResult, words: dict[str, str]) -> str:
    recon = result.reconciliation.select(
        "outcome", "orders", *(pl.col(c).cast(pl.String) for c in ("paid_amount", "refund_amount"))
    )
    heads = [words[c] for c in ("outcome", "orders", "paid_amount", "refund_amount")]
    out = [f'<h2 class="section" id="reconciliation">{escape(words["reconciliation"])}</h2>\n']
    out.append(data_table(recon, heads, frozenset(recon.columns[1:])))
    out.append(f'<h2 class="section" id="flags">{escape(words["flags"])}</h2>\n')
    if result.flags.height:
        flags = result.flags.sort("agent_id", "component").select(
            pl.concat_str("agent_id", pl.lit(" "), "name").alias("who"), "label", "rule", "flag"
        )
        out.append(data_table(flags, [words["who"], words["item"], "", words["flag"]]))
    else:
        out.append(f'<p class="note">{escape(words["no_flags"])}</p>\n')
    out.append(f'<h2 class="section" id="warnings">{escape(words["warnings"])}</h2>\n')
    warnings = result.warnings_frame()
    if warnings.height:
        shown = warnings.head(SHOWN_WARNINGS).select("file", "line", "code", "message")
        heads = [words["file"], words["line"], words["code"], words["message"]]
        out.append(data_table(shown, heads, frozenset({"line"})))
        if warnings.height > SHOWN_WARNINGS:
            note = words["only_first"].format(n=SHOWN_WARNINGS)
            out.append(f'<p class="note">{escape(note)}</p>\n')
    else:
        out.append(f'<p class="note">{escape(words["no_warnings"])}</p>\n')
    return "".join(out)


def _payslips(result: MonthResult, lang: str, words: dict[str, str]) -> str:
    head = f'<h2 class="section" id="payslips">{escape(words["payslips"])}</h2>\n'
    people = result.payroll.height
    if people > SHOWN_PAYSLIPS:
        note = words["too_many"].format(n=people, limit=SHOWN_PAYSLIPS)
        return head + f'<p class="note">{escape(note)}</p>\n'
    bodies = payslip_bodies(result, lang).join(
        result.payroll.select("agent_id", pl.col(result.total_id).cast(pl.String).alias("_gross")),
        on="agent_id",
    )
    slips = bodies.select(
        pl.concat_str(
            pl.lit('<details class="slip" id="slip-'),
            escaped(pl.col("agent_id")),
            pl.lit('"><summary>'),
            escaped(pl.col("agent_id")),
            pl.lit(" "),
            escaped(pl.col("name")),
            pl.lit(" — "),
            escaped(pl.col("_gross")),
            pl.lit("</summary>\n"),
            pl.col("body"),
            pl.lit("</details>\n"),
        ).alias("slip")
    )
    return head + "".join(slips["slip"].to_list())
