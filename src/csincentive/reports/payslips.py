"""Each person's payslip as a self-contained HTML page (``payslips/<agent_id>-<name>.html``):
who it is for, every pay line with its amount, rule id and explanation, the values the
lines were worked out from, the figures of the month (sessions, conversion, sales …), the
totals — and, with net pay on, each amount withheld and the net — then any flag raised and
how to raise a question (S000-17, S001-08: an appeal in writing within the set days).

Everything on a page is what the month recorded (``MonthResult``: payroll, lines with
their explanations, metrics, flags, the net-pay columns); nothing is computed again but
the way a value is written (core/display.py). The pages of everyone are made at once, as
Polars expressions over the month's frames (reports/html.py), and come back as one frame:
agent_id, file, html. A bank account is shown masked (``****1234``) and an identity number
not at all. The same month gives the same bytes: no time, people by agent_id.

The words a person reads on the page are the catalogue's ([payslip], [payslip_net],
[figure] in core/messages.toml)."""

from __future__ import annotations

import polars as pl

import csincentive
from csincentive.core.display import show_expr
from csincentive.core.messages import language_of, words_of
from csincentive.core.names import BUILTIN
from csincentive.month.net import STATUTORY_TOTALS
from csincentive.month.result import MonthResult
from csincentive.reports.html import FONTS, escape, escaped, fill
from csincentive.reports.words import role_words

FOLDER = "payslips"  # out/payslips/<agent_id>-<name>.html
# The figures a payslip shows, when the month has them, before any other a line reads.
SHOWN_METRICS = (
    "sessions",
    "inquiring_buyers",
    "paying_buyers",
    "orders",
    "conversion",
    "sales",
    "refunds",
    "net_sales",
    "satisfaction",
    "days_employed",
)
READ_SOURCES = ("metric", "calendar", "attendance")  # a line's reads shown as figures
# A character a file name may not hold on Windows, macOS or Linux, or a control character.
UNSAFE_IN_FILE_NAME = r'[\\/:*?"<>|\x00-\x1f]'


def net_words(lang: str) -> dict[str, str]:
    """The net-pay columns (pension … net) as a payslip names them."""
    return words_of("payslip_net", lang)


PAGE_STYLE = """
:root { color-scheme: light; }
body { font-family: FONTS; margin: 0 auto; max-width: 180mm; padding: 8mm; color: #1f2328;
  font-size: 10.5pt; line-height: 1.45; }
@page { size: PAPER; margin: 10mm; }
@media print { body { padding: 0; max-width: none; } }
"""
# Scoped to .payslip, so that the month report can hold the same payslips.
SLIP_STYLE = """
.payslip h1 { font-size: 15pt; margin: 0 0 2mm; }
.payslip h2 { font-size: 11.5pt; margin: 5mm 0 1.5mm; border-bottom: 1px solid #d0d7de;
  break-after: avoid; }
.payslip table { border-collapse: collapse; width: 100%; }
.payslip th, .payslip td { border: 1px solid #d0d7de; padding: 1mm 2mm; text-align: left;
  vertical-align: top; }
.payslip tr { break-inside: avoid; }
.payslip thead th { background: #eef4fb; }
.payslip tbody th { width: 11em; font-weight: 600; }
.payslip td.amount, .payslip td.value { text-align: right; white-space: nowrap;
  font-variant-numeric: tabular-nums; }
.payslip .negative { color: #b42318; }
.payslip .rule { color: #57606a; font-size: 9pt; white-space: nowrap; }
.payslip .how { color: #424a53; font-size: 9pt; }
.payslip dl.person { display: grid; grid-template-columns: repeat(4, auto 1fr);
  gap: 1mm 3mm; margin: 0; }
.payslip dl.person dt { color: #57606a; }
.payslip dl.person dd { margin: 0; font-weight: 600; }
.payslip tr.total th, .payslip tr.total td { font-weight: 700; background: #f6f8fa; }
.payslip tr.net th, .payslip tr.net td { font-weight: 700; font-size: 12pt;
  background: #e6f4ea; }
.payslip ul.flags { color: #9a6700; margin: 0; padding-left: 5mm; }
.payslip p.note { border: 1px dashed #8c959f; padding: 2mm 3mm; font-size: 9.5pt; }
.payslip footer { color: #8c959f; font-size: 8.5pt; margin-top: 4mm; }
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
⟦body⟧</body>
</html>
"""
BODY = """<main class="payslip">
<h1>⟦title⟧</h1>
<dl class="person">⟦person⟧</dl>
⟦lines⟧⟦values⟧⟦totals⟧⟦metrics⟧⟦flags⟧<h2>⟦question_head⟧</h2>
<p class="note">⟦appeal⟧</p>
<footer>⟦made_by⟧</footer>
</main>
"""


def language(result: MonthResult) -> str:
    """The language of the pages: the rules' ``[scheme] language`` where the scheme has
    one, else Chinese."""
    return language_of(getattr(result.rules.scheme, "language", None))


def payslip_pages(result: MonthResult, lang: str | None = None) -> pl.DataFrame:
    """agent_id, file (payslips/<agent_id>-<name>.html) and the page, one row per person
    of the payroll, by agent_id."""
    lang = lang or language(result)
    bodies = payslip_bodies(result, lang)
    page = fill(
        PAGE,
        lang=pl.lit(html_lang(lang)),
        title=pl.col("title"),
        style=pl.lit(payslip_style(result, page=True)),
        body=pl.col("body"),
    )
    return bodies.select("agent_id", "file", page.alias("html"))


def html_lang(lang: str) -> str:
    return "zh-CN" if lang == "zh" else "en"


def payslip_bodies(result: MonthResult, lang: str | None = None) -> pl.DataFrame:
    """agent_id, name, file, title and the payslip itself (``<main class="payslip">``),
    one row per person by agent_id: the page's body, which the month report holds too."""
    lang = lang or language(result)
    words = words_of("payslip", lang)
    people = result.payroll.select(*result.person_columns)
    parts = [
        _lines_section(result, words, pays=True),
        _lines_section(result, words, pays=False),
        _totals_section(result, lang, words),
        _metrics_section(result, lang, words),
        _flags_section(result, words),
        _bank(result, words),
    ]
    for part in parts:
        people = people.join(part, on="agent_id", how="left")
    title = pl.lit(escape(_title(result, words)) + " — ") + escaped(pl.col("name"))
    body = fill(
        BODY,
        title=title,
        person=_person(result, lang, words),
        lines=pl.col("lines"),
        values=pl.col("values"),
        totals=pl.col("totals"),
        metrics=pl.col("metrics"),
        flags=pl.col("flags"),
        question_head=pl.lit(escape(words["question"])),
        appeal=pl.lit(escape(_appeal(result, words))),
        made_by=pl.lit(escape(_made_by(result, words))),
    )
    return people.sort("agent_id").select(
        "agent_id", "name", file_name().alias("file"), title.alias("title"), body.alias("body")
    )


def file_name() -> pl.Expr:
    """payslips/<agent_id>-<name>.html, with any character a file system refuses as _."""
    stem = pl.concat_str(pl.col("agent_id"), pl.lit("-"), pl.col("name").fill_null(""))
    safe = stem.str.replace_all(UNSAFE_IN_FILE_NAME, "_")
    return pl.lit(FOLDER + "/") + safe + pl.lit(".html")


def _title(result: MonthResult, words: dict[str, str]) -> str:
    return f"{result.rules.title} {result.period} {words['payslip']}".strip()


def payslip_style(result: MonthResult, *, page: bool) -> str:
    """The payslip's CSS; ``page``: with the rules for a page of its own (body, paper)."""
    paper = result.rules.outputs.paper
    style = (PAGE_STYLE if page else "") + SLIP_STYLE
    return style.replace("FONTS", FONTS).replace("PAPER", paper).strip()


def _appeal(result: MonthResult, words: dict[str, str]) -> str:
    outputs = result.rules.outputs
    to = words["appeal_to"].format(to=outputs.appeal_to) if outputs.appeal_to else ""
    return words["appeal"].format(days=outputs.appeal_days, to=to)


def _made_by(result: MonthResult, words: dict[str, str]) -> str:
    return words["made_by"].format(version=csincentive.__version__, rules=result.rules_file.name)


def _person(result: MonthResult, lang: str, words: dict[str, str]) -> pl.Expr:
    """The person's identity as <dt>/<dd> pairs (and the shop, and the masked account);
    the role in words (客服, 主管)."""
    roles = {role: role_words(role, lang) for role in ("agent", "supervisor")}
    shown = {
        "role": pl.col("role").cast(pl.String).replace(roles),
        **{column: pl.col(column) for column in ("agent_id", "name", "team")},
    }
    cells = [
        pl.lit(f"<dt>{escape(words[column])}</dt><dd>") + escaped(shown[column]) + pl.lit("</dd>")
        for column in ("agent_id", "name", "team", "role")
    ]
    scheme = result.rules.scheme
    if scheme is not None and scheme.shop:
        cells.append(pl.lit(f"<dt>{escape(words['shop'])}</dt><dd>{escape(scheme.shop)}</dd>"))
    cells.append(pl.col("bank").fill_null(""))
    return pl.concat_str(cells)


def _bank(result: MonthResult, words: dict[str, str]) -> pl.DataFrame:
    """agent_id and the <dt>/<dd> of the account paid into, masked (****1234); none
    without net pay or without an account."""
    if result.net is None:
        return pl.DataFrame(schema={"agent_id": pl.String, "bank": pl.String})
    pii = result.net.pii
    account = pl.col("bank_account").cast(pl.String).str.strip_chars()
    masked = pl.lit("****") + pl.when(account.str.len_chars() > 4).then(
        account.str.slice(-4)
    ).otherwise(pl.lit(""))
    shown = pl.concat_str(escaped(pl.col("bank_name")), pl.lit(" "), masked).str.strip_chars()
    head = f"<dt>{escape(words['bank'])}</dt><dd>"
    cell = pl.when(account.str.len_chars() > 0).then(pl.lit(head) + shown + pl.lit("</dd>"))
    return pii.select("agent_id", cell.alias("bank"))


def _section(head: str, columns: tuple[str, ...], rows: pl.Expr) -> pl.Expr:
    """<h2> and a table with these column heads around the rows (none: no section)."""
    heads = "".join(f'<th scope="col">{escape(c)}</th>' for c in columns)
    start = f"<h2>{escape(head)}</h2>\n<table>\n<thead><tr>{heads}</tr></thead>\n<tbody>\n"
    return pl.when(rows.str.len_chars() > 0).then(
        pl.lit(start) + rows + pl.lit("</tbody>\n</table>\n")
    )


def _lines_section(result: MonthResult, words: dict[str, str], *, pays: bool) -> pl.DataFrame:
    """agent_id and the section of the pay lines (``pays``) or of the values they read,
    in the rules' order: label and rule, amount (a deduction in red), explanation."""
    order = {line.id: i for i, line in enumerate(result.lines_meta)}
    lines = result.lines.filter(pl.col("pays") == pays).with_columns(
        pl.col("component").replace_strict(order, default=len(order)).alias("_order")
    )
    negative = pl.col("amount").str.starts_with("-")
    row = fill(
        '<tr><th scope="row">⟦label⟧ <span class="rule">⟦rule⟧</span></th>'
        '<td class="amount⟦sign⟧">⟦amount⟧</td><td class="how">⟦how⟧</td></tr>\n',
        label=escaped(pl.col("label")),
        rule=escaped(pl.col("rule")),
        sign=pl.when(negative).then(pl.lit(" negative")).otherwise(pl.lit("")),
        amount=escaped(pl.col("amount")),
        how=escaped(pl.col("explanation")),
    )
    rows = (
        lines.sort("agent_id", "_order")
        .group_by("agent_id", maintain_order=True)
        .agg(row.str.join("").alias("_rows"))
    )
    head = words["lines"] if pays else words["values"]
    columns = (words["item"], words["amount"] if pays else words["value"], words["how"])
    name = "lines" if pays else "values"
    return rows.select("agent_id", _section(head, columns, pl.col("_rows")).alias(name))


def _money_row(label: str, column: str, css: str = "") -> pl.Expr:
    value = pl.col(column).cast(pl.String)
    sign = pl.when(value.str.starts_with("-")).then(pl.lit(" negative")).otherwise(pl.lit(""))
    return fill(
        f'<tr{css}><th scope="row">{escape(label)}</th><td class="amount⟦sign⟧">⟦v⟧</td></tr>\n',
        sign=sign,
        v=escaped(value),
    )


def _totals_section(result: MonthResult, lang: str, words: dict[str, str]) -> pl.DataFrame:
    """The totals (gross …), then with net pay each amount withheld and the net."""
    labels = {total.id: total.label for total in result.rules.totals}
    rows = [_money_row(labels[t], t, ' class="total"') for t in result.rules.total_ids]
    if result.net is not None:
        named = net_words(lang)
        withheld = [c for c in STATUTORY_TOTALS if c != "net"]
        rows.append(pl.lit(f'<tr><th colspan="2">{escape(words["withheld"])}</th></tr>\n'))
        rows += [_money_row(named[c], c) for c in withheld]
        rows.append(_money_row(named["net"], "net", ' class="net"'))
    section = _section(words["totals"], (words["item"], words["amount"]), pl.concat_str(rows))
    return result.payroll.select("agent_id", section.alias("totals"))


def shown_metrics(result: MonthResult) -> list[str]:
    """The figures a payslip shows: SHOWN_METRICS the month has, then any other metric,
    calendar or attendance figure a line of the rules reads."""
    read = [
        r.text
        for line in result.lines_meta
        for r in line.reads
        if r.source in READ_SOURCES and r.text in BUILTIN
    ]
    names = [*SHOWN_METRICS, *read]
    return [n for n in dict.fromkeys(names) if n in result.values.columns]


def _metrics_section(result: MonthResult, lang: str, words: dict[str, str]) -> pl.DataFrame:
    labels = words_of("figure", lang)
    rows = [
        fill(
            f'<tr><th scope="row">{escape(labels.get(name, name))}</th>'
            '<td class="value">⟦v⟧</td></tr>\n',
            v=escaped(show_expr(pl.col(name), BUILTIN[name].unit).fill_null("—")),
        )
        for name in shown_metrics(result)
    ]
    if not rows:
        return result.values.select("agent_id", pl.lit(None, dtype=pl.String).alias("metrics"))
    section = _section(words["metrics"], (words["metric"], words["value"]), pl.concat_str(rows))
    return result.values.select("agent_id", section.alias("metrics"))


def _flags_section(result: MonthResult, words: dict[str, str]) -> pl.DataFrame:
    item = fill(
        "<li>⟦label⟧: ⟦flag⟧</li>\n", label=escaped(pl.col("label")), flag=escaped(pl.col("flag"))
    )
    flags = (
        result.flags.sort("agent_id", "component")
        .group_by("agent_id", maintain_order=True)
        .agg(item.str.join("").alias("_items"))
    )
    head = f'<h2>{escape(words["flags"])}</h2>\n<ul class="flags">\n'
    return flags.select(
        "agent_id", (pl.lit(head) + pl.col("_items") + pl.lit("</ul>\n")).alias("flags")
    )
