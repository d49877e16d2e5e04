"""One payslip explained: every pay line of one person as a tree of what it read.

Rendered from what the engine recorded while it computed the month (``MonthResult``), never
by computing pay again: each line's amount, its value before the one rounding and its
explanation are the month's own columns; the value of each name or team aggregate a
formula read, the table row reached, the rank, the field and the quota are its trace
(``<id>__trace``, see month/engine.py); where a component is written was recorded when the
rules were loaded.

``explain_agent`` gives a ``Payslip``; ``as_text`` (an indented tree in plain box-drawing
characters) shows it, and reports/explain_json.py ``as_dict`` for ``--json``.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import polars as pl

from csincentive.core.diagnostics import InputError
from csincentive.core.display import show_expr
from csincentive.core.messages import t, word
from csincentive.core.money import plain
from csincentive.month.engine import RAW, TRACE, CompiledLine, Read
from csincentive.month.result import MonthResult
from csincentive.reports.breakdown import Breakdown, breakdown_of, breakdown_text
from csincentive.reports.net_explain import net_steps, net_text
from csincentive.rules.kinds.base import (
    FIELD_SIZE,
    IN_FIELD,
    PLACE,
    QUOTA,
    ROW,
    ROW_KEY,
    VALUE,
    Ranks,
)
from csincentive.rules.locate import Location, Written
from csincentive.rules.names import companions

Value = Decimal | str | None
Trace = dict[str, Any]  # one person's <id>__trace


@dataclass
class Input:
    """A name (or team aggregate) a component's formulas read, with this person's value."""

    name: str
    source: str  # component, parameter, metric, roster, calendar, event, team aggregate …
    value: Value
    shown: str
    used_in: list[str]  # the component's keys that read it: expr, eligible, rows[1].value …
    line: Line | None = None  # for a component: how its own value was reached
    said: str = ""  # the source in the month's language, as the text tree says it


@dataclass
class RowReached:
    """The row of a table (``rows[index]``) or the band of a matrix (``cells.<key>[index]``)
    that gave the value."""

    index: int  # 0-based, as in the rules file
    of: int
    at: Location | None
    key: str | None = None  # the matrix row (e.g. the education)


@dataclass
class Standing:
    agent_id: str
    name: str
    team: str
    rank: int | None
    value: Value
    shown: str


@dataclass
class Ranking:
    """The person's place in a rank or award component's field and who was above them."""

    by: str
    order: str  # desc: the largest first
    within: str  # all or team
    among: str  # the scope, "everyone" when open
    field: int  # people in the field
    rank: int | None  # rank (ties share one), or for an award the place among the eligible
    value: Value
    shown: str
    above: list[Standing]
    tied: list[Standing]
    quota: int | None = None  # awards: winners in this field
    note: str = ""


@dataclass
class Line:
    id: str
    label: str
    rule: str
    kind: str
    pays: bool
    applies: bool  # False: outside applies_to (or the rank's field), no line for this person
    defined_at: Location | None
    amount: Value
    shown: str
    raw: Value  # before the one rounding
    rounding: str
    explanation: str | None
    flag: str | None
    inputs: list[Input] = field(default_factory=list)
    row: RowReached | None = None
    ranking: Ranking | None = None
    breakdown: Breakdown | None = None  # a scorecard's items, a pool's share


@dataclass
class Payslip:
    period: str
    agent_id: str
    name: str
    team: str
    role: str
    scheme: str
    rules_file: str
    total_id: str
    total_label: str
    lines: list[Line]  # the pay lines, in dependency order
    other: list[Line]  # intermediate values of this person that no pay line above reads
    gross: Decimal
    lines_sum: Decimal
    # With [statutory] on: gross → contributions → tax → net, as recorded (net_explain.py).
    net: list[dict[str, Any]] = field(default_factory=list)
    policy: str = ""
    lang: str = "zh"  # the month's language: the words of the text tree (as_text)

    @property
    def adds_up(self) -> bool:
        return self.lines_sum == self.gross


# ------------------------------------------------------------------------------- building


def find_agent(result: MonthResult, agent: str) -> str:
    """The agent_id for an agent_id or a name; InputError with a suggestion otherwise."""
    people = result.payroll.select("agent_id", "name").sort("agent_id")
    ids: list[str] = people["agent_id"].to_list()
    names: list[str] = people["name"].to_list()
    if agent in ids:
        return agent
    by_name = [i for i, n in zip(ids, names, strict=True) if n == agent]
    if len(by_name) == 1:
        return by_name[0]
    folded = [i for i in ids if i.casefold() == agent.casefold()]
    if len(folded) == 1:
        return folded[0]
    roster = str(result.input_files.get("agents", "agents.csv"))
    if by_name:
        message = f"'{agent}' is the name of {', '.join(by_name)}; give the agent_id"
        raise InputError.single(roster, message, code="U101")
    who = dict(zip(ids, names, strict=True))
    id_of = {**{n: i for i, n in who.items()}, **{i: i for i in ids}}
    close = difflib.get_close_matches(agent, [*ids, *names], n=3, cutoff=0.5)
    hints = list(dict.fromkeys(id_of[c] for c in close))
    message = f"no agent '{agent}' in the roster"
    if hints:
        shown = [f"{i} ({who[i]})" for i in hints]
        choice = shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} or {shown[-1]}"
        message += f"; did you mean {choice}?"
    else:
        message += "; give an agent_id or a name from the roster"
    raise InputError.single(roster, message, code="U101")


def explain_agent(result: MonthResult, agent: str) -> Payslip:
    """The payslip of one person (agent_id or name) as a tree; InputError if unknown."""
    return _Explainer(result, find_agent(result, agent)).payslip()


class _Explainer:
    def __init__(self, result: MonthResult, agent_id: str) -> None:
        self.result = result
        self.rules = result.rules
        self.agent_id = agent_id
        self.meta = {line.id: line for line in result.lines_meta}
        self.person = result.values.filter(pl.col("agent_id") == agent_id).row(0, named=True)
        mine = result.traces.filter(pl.col("agent_id") == agent_id)
        self.trace: dict[str, Trace] = mine.row(0, named=True)
        lines = result.lines.filter(pl.col("agent_id") == agent_id)
        self.why: dict[str, str] = dict(lines.select("component", "explanation").iter_rows())
        flags = result.flags.filter(pl.col("agent_id") == agent_id)
        self.flags: dict[str, str] = dict(flags.select("component", "flag").iter_rows())
        self.shown = self._shown()

    def _shown(self) -> dict[str, str]:
        """This person's amounts and recorded inputs as they are shown (the one thing done
        to the record: each value written as every value is, core/display.py)."""
        me = pl.col("agent_id") == self.agent_id
        meta = self.result.lines_meta
        none = t("why.no_value", self.result.language)
        amounts = [show_expr(pl.col(m.id), m.unit).fill_null(none).alias(m.id) for m in meta]
        inputs = [
            show_expr(pl.col(m.id + TRACE).struct.field(Read.value(i)), read.unit)
            .fill_null("—")
            .alias(f"{m.id}:{i}")
            for m in meta
            for i, read in enumerate(m.reads)
        ]
        shown = self.result.values.filter(me).select(amounts).row(0, named=True)
        if inputs:
            shown.update(self.result.traces.filter(me).select(inputs).row(0, named=True))
        return shown

    def payslip(self) -> Payslip:
        person = self.person
        pay_ids = [m.id for m in self.result.lines_meta if m.pays and m.id in self.why]
        lines = [self.line(cid, frozenset()) for cid in pay_ids]
        # Intermediate values no pay line of this person reads (a supervisor's coefficient
        # on an agent's payslip): still computed for them, so still shown, apart.
        read = _components_read(lines)
        unread = [
            self.line(m.id, frozenset())
            for m in self.result.lines_meta
            if not m.pays and m.id in self.why and m.id not in read
        ]
        read_by_unread = _components_read(unread)
        other = [line for line in unread if line.id not in read_by_unread]
        total = self.rules.total
        gross = person[total.id]
        return Payslip(
            period=self.result.period,
            agent_id=self.agent_id,
            name=person["name"],
            team=person["team"],
            role=person["role"],
            scheme=self.rules.title,
            rules_file=str(self.result.rules_file),
            total_id=total.id,
            total_label=total.label,
            lines=lines,
            other=other,
            gross=gross,
            lines_sum=sum(
                (line.amount for line in lines if isinstance(line.amount, Decimal)),
                Decimal("0.00"),
            ),
            net=net_steps(self.result, self.agent_id),
            policy=self.result.net.policy.policy.name if self.result.net else "",
            lang=self.result.language,
        )

    def line(self, cid: str, trail: frozenset[str]) -> Line:
        meta = self.meta[cid]
        trace = self.trace.get(cid + TRACE) or {}  # a constant records nothing
        amount, raw = self.person[cid], self.person[cid + RAW]
        applies = cid in self.why
        written = self.rules.written.get(cid)
        return Line(
            id=cid,
            label=meta.label,
            rule=meta.rule,
            kind=meta.kind,
            pays=meta.pays,
            applies=applies,
            defined_at=written.at() if written is not None else None,
            amount=amount,
            shown=self.shown[cid],
            raw=raw,
            rounding=_rounding(meta.pays, raw, amount, self.result.language),
            explanation=self.why.get(cid),
            flag=self.flags.get(cid),
            inputs=[self._input(cid, i, read, trace, trail) for i, read in enumerate(meta.reads)],
            row=_row_reached(meta, trace, written) if applies else None,
            ranking=self._ranking(meta, trace) if applies else None,
            breakdown=breakdown_of(self.result, self.agent_id, meta, written) if applies else None,
        )

    def _input(self, cid: str, i: int, read: Read, trace: Trace, trail: frozenset[str]) -> Input:
        child = None
        if read.source == "component" and read.text != cid and read.text not in trail:
            child = self.line(read.text, trail | {cid})  # how its own value was reached
        return Input(
            name=read.text,
            source=read.source,
            said=self._source_words(read),
            value=trace[Read.value(i)],
            shown=self.shown[f"{cid}:{i}"],
            used_in=list(read.used_in),
            line=child,
        )

    def _source_words(self, read: Read) -> str:
        """Where a read value comes from, in the month's language: the catalogue's [source]
        words; a component's companion (kpi_grade) named by its owner's label."""
        lang = self.result.language
        if lang == "en":
            return read.source
        owner = companions(self.rules).get(read.text)
        if owner is not None:  # a scorecard's grade (the one companion there is)
            label = self.rules.components[owner[0]].label
            if read.source == t("why.grade_of", "en", label=label):
                return t("why.grade_of", lang, label=label)
        return word("source", read.source, lang) or read.source

    def _ranking(self, meta: CompiledLine, trace: Trace) -> Ranking | None:
        """The person's place as the engine recorded it, and who it recorded above them:
        for an award, the place among the eligible (or, for someone not eligible, the
        places that won)."""
        ranks = meta.ranks
        if ranks is None:
            return None
        table = self._field(meta.id, ranks)
        mine = trace[PLACE]
        quota = trace[QUOTA] if ranks.quota else None
        if mine is not None:
            above = table.filter(pl.col("_rank") < mine)
        elif quota is not None:
            above = table.filter(pl.col("_rank") <= quota)
        else:
            above = table.clear()
        tied = []
        if mine is not None and not ranks.quota:  # an award's places are never shared
            same = (pl.col("_rank") == mine) & (pl.col("agent_id") != self.agent_id)
            tied = _standings(table.filter(same))
        return Ranking(
            by=ranks.by,
            order=ranks.order,
            within=ranks.within,
            among=ranks.among,
            field=trace[FIELD_SIZE],
            rank=mine,
            value=trace[VALUE],
            shown=table.filter(pl.col("agent_id") == self.agent_id)["_shown"].item(),
            above=_standings(above),
            tied=tied,
            quota=quota,
            note=ranks.note,
        )

    def _field(self, cid: str, ranks: Ranks) -> pl.DataFrame:
        """Everyone in the component's field (the person's team's, when it ranks within
        teams) with the place, value and shown value the engine recorded for them."""
        recorded = pl.col(cid + TRACE).struct
        table = self.result.traces.select(
            "agent_id",
            recorded.field(IN_FIELD).alias("_member"),
            recorded.field(PLACE).alias("_rank"),
            recorded.field(VALUE).alias("_value"),
            show_expr(recorded.field(VALUE), ranks.unit).fill_null("—").alias("_shown"),
        ).filter(pl.col("_member"))
        people = self.result.values.select("agent_id", "name", "team")
        table = table.join(people, on="agent_id", how="left")
        if ranks.within == "team":
            table = table.filter(pl.col("team") == self.person["team"])
        return table


def _row_reached(meta: CompiledLine, trace: Trace, written: Written | None) -> RowReached | None:
    """The row (or matrix band) the engine recorded as giving the value."""
    picks = meta.picks
    if picks is None or trace[ROW] is None:
        return None  # no row: the default (the explanation says so)
    index: int = trace[ROW]
    if picks.path == "cells":
        key = trace[ROW_KEY]
        at = written.at("cells", key, index) if written is not None else None
        return RowReached(index, picks.of, at, key=key)
    at = written.at("rows", index) if written is not None else None
    return RowReached(index, picks.of, at)


def _standings(frame: pl.DataFrame) -> list[Standing]:
    rows = frame.sort("_rank", "agent_id", nulls_last=True)
    return [
        Standing(r["agent_id"], r["name"], r["team"], r["_rank"], r["_value"], r["_shown"])
        for r in rows.iter_rows(named=True)
    ]


def _components_read(lines: list[Line]) -> set[str]:
    found: set[str] = set()
    stack = list(lines)
    while stack:
        line = stack.pop()
        for item in line.inputs:
            if item.line is not None:
                found.add(item.line.id)
                stack.append(item.line)
    return found


def _rounding(pays: bool, raw: Value, amount: Value, lang: str) -> str:
    if not pays:
        return t("explain.rounding_kept", lang)
    if not isinstance(raw, Decimal) or not isinstance(amount, Decimal):
        return t("explain.rounding_no_value", lang)
    if raw == amount:
        return t("explain.rounding_exact", lang, amount=amount)
    return t("explain.rounding_half_up", lang, raw=plain(raw), amount=amount)


# --------------------------------------------------------------------------------- text


@dataclass
class _Box:
    header: str
    details: list[str] = field(default_factory=list)
    children: list[_Box] = field(default_factory=list)


def _draw(box: _Box, first: str, rest: str) -> list[str]:
    """A node, its detail lines under it, then its children with ├─ / └─ connectors."""
    out = [first + box.header]
    bar = "│  " if box.children else "   "
    out += [rest + bar + detail for detail in box.details]
    for i, child in enumerate(box.children):
        last = i == len(box.children) - 1
        out += _draw(child, rest + ("└─ " if last else "├─ "), rest + ("   " if last else "│  "))
    return out


def _line_box(line: Line, seen: set[str], lang: str, used_in: list[str] | None = None) -> _Box:
    """A line with what it read; a component met again is not explained twice."""
    facts = [line.rule or t("explain.no_rule", lang), line.kind]
    if not line.pays:
        facts.append(t("explain.not_paid", lang))
    if line.defined_at is not None:
        facts.append(str(line.defined_at))
    if used_in is not None:
        facts.append(t("explain.read_in", lang, ids=", ".join(used_in)))
    joined = t("explain.sep", lang).join(facts)
    box = _Box(
        t("explain.node", lang, id=line.id, label=line.label, shown=line.shown, facts=joined)
    )
    if line.id in seen:
        box.header += t("explain.seen", lang)
        return box
    seen.add(line.id)
    if not line.applies:
        box.details.append(t("explain.not_applicable", lang))
    elif line.explanation is not None:
        box.details.append(line.explanation)
    if line.pays and line.applies:
        box.details.append(t("explain.rounding", lang, how=line.rounding))
    if line.row is not None:
        box.details.append(_row_text(line.row, lang))
    if line.ranking is not None:
        box.details += _ranking_text(line.ranking, lang)
    box.details += breakdown_text(line.breakdown, lang)
    if line.flag:
        box.details.append(t("explain.flag", lang, flag=line.flag))
    for item in line.inputs:
        if item.line is not None:
            box.children.append(_line_box(item.line, seen, lang, item.used_in))
        else:
            ids = ", ".join(item.used_in)
            source = item.said or item.source
            words = {"name": item.name, "shown": item.shown, "source": source, "ids": ids}
            box.children.append(_Box(t("explain.input", lang, **words)))
    return box


def _row_text(row: RowReached, lang: str) -> str:
    where = f"cells.{row.key}[{row.index}]" if row.key is not None else f"rows[{row.index}]"
    at = t("explain.row_at", lang, at=row.at) if row.at is not None else ""
    return t("explain.row_reached", lang, where=where, number=row.index + 1, rows=row.of, at=at)


def _ranking_text(r: Ranking, lang: str) -> list[str]:
    scope = r.among + (t("explain.in_team", lang) if r.within == "team" else "")
    order = t("explain.asc", lang) if r.order == "asc" else t("explain.desc", lang)
    words = {
        "place": "—" if r.rank is None else str(r.rank),
        "field": r.field,
        "by": r.by,
        "order": order,
        "scope": scope,
        "shown": r.shown,
    }
    if r.quota is None:
        head = t("explain.rank", lang, **words)
    else:
        head = t("explain.place", lang, **words) + t("explain.awards", lang, quota=r.quota)
    out = [head]
    out += [t("explain.above", lang, **_standing_words(s)) for s in r.above]
    out += [t("explain.tied", lang, **_standing_words(s)) for s in r.tied]
    if r.note:
        out.append(t("explain.note", lang, note=r.note))
    return out


def _standing_words(s: Standing) -> dict[str, object]:
    return {"rank": s.rank, "agent_id": s.agent_id, "name": s.name, "shown": s.shown}


def _forest(lines: list[Line], seen: set[str], lang: str) -> list[str]:
    out = []
    for i, line in enumerate(lines):
        last = i == len(lines) - 1
        box = _line_box(line, seen, lang)
        out += _draw(box, "└─ " if last else "├─ ", "   " if last else "│  ")
    return out


def as_text(payslip: Payslip) -> str:
    """The payslip as a tree of text, in the month's language (payslip.lang)."""
    lang = payslip.lang
    head = t(
        "explain.head",
        lang,
        agent_id=payslip.agent_id,
        name=payslip.name,
        team=payslip.team,
        role=word("role", payslip.role, lang) or payslip.role,
        period=payslip.period,
        scheme=payslip.scheme,
        rules_file=payslip.rules_file,
    )
    out = [head]
    seen: set[str] = set()
    out += _forest(payslip.lines, seen, lang)
    check = "✓" if payslip.adds_up else t("explain.mismatch", lang)
    total = {"id": payslip.total_id, "label": payslip.total_label, "gross": payslip.gross}
    out.append(t("explain.total", lang, **total, lines_sum=payslip.lines_sum, check=check))
    if payslip.other:
        out.append("")
        out.append(t("explain.also", lang))
        out += _forest(payslip.other, seen, lang)
    out += net_text(payslip.net, payslip.policy, lang)
    return "\n".join(out)
