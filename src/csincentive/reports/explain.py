"""One payslip explained: every pay line of one person as a tree of what it read.

Built from a computed month (``MonthResult``), never by computing pay again: each line's
amount, its value before the one rounding and its explanation come from the month's own
columns. What the month does not keep per person is re-derived here with the engine's own
expressions over the whole month (so team aggregates and ranks see everyone): the value of
each name or team aggregate a formula reads, the people ranked above, the table row
reached. Where a component is written is found by walking the rules file's includes.

``explain_agent`` gives a ``Payslip``; ``as_dict`` (for ``--json``) and ``as_text`` (an
indented tree in plain box-drawing characters) show it.
"""

from __future__ import annotations

import difflib
import os
import sys
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl

from csincentive.core.diagnostics import InputError
from csincentive.core.display import show_expr
from csincentive.core.money import ENGINE, plain
from csincentive.core.names import ATTENDANCE, CALENDAR, METRICS, ROSTER
from csincentive.formula import HISTORY_FUNCTIONS, Call, Formula, explain_terms, parse
from csincentive.month.compute import MonthResult
from csincentive.month.engine import RAW, Compiler
from csincentive.rules.kinds.award import AwardComponent
from csincentive.rules.kinds.base import ComponentBase, Scope, scope_mask, scope_words
from csincentive.rules.kinds.match import MatchComponent
from csincentive.rules.kinds.matrix import MatrixComponent
from csincentive.rules.kinds.rank import RankComponent
from csincentive.rules.kinds.table import TableComponent
from csincentive.rules.locate import SourceMap, dotted
from csincentive.rules.model import formula_fields, param_references

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

Value = Decimal | str | None

# Where a name a formula reads comes from, for the reader of the tree.
_BUILTIN_SOURCES = {
    **{n.name: "metric" for n in METRICS},
    **{n.name: "roster" for n in ROSTER},
    **{n.name: "calendar" for n in CALENDAR},
    **{n.name: "attendance" for n in ATTENDANCE},
}


@dataclass(frozen=True)
class Location:
    """1-based line and column in a rules file."""

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


@dataclass
class Input:
    """A name (or team aggregate) a component's formulas read, with this person's value."""

    name: str
    source: str  # component, parameter, metric, roster, calendar, event, team aggregate …
    value: Value
    shown: str
    used_in: list[str]  # the component's keys that read it: expr, eligible, rows[1].value …
    line: Line | None = None  # for a component: how its own value was reached


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
        self.compiler = Compiler(result.rules)
        # agent_id order: awards break ties by row order, as the engine's frame does.
        self.values = result.values.sort("agent_id")
        self.meta = {line.id: line for line in result.lines_meta}
        self.sources = _Sources(result.rules_file)
        self.reads = {cid: self._reads(c) for cid, c in self.rules.components.items()}
        self.me = self._evaluate()
        self.person = self.values.filter(pl.col("agent_id") == agent_id).row(0, named=True)
        mine = result.lines.filter(pl.col("agent_id") == agent_id)
        self.why: dict[str, str] = dict(mine.select("component", "explanation").iter_rows())
        flags = result.flags.filter(pl.col("agent_id") == agent_id)
        self.flags: dict[str, str] = dict(flags.select("component", "flag").iter_rows())

    # -- what each component reads ----------------------------------------------------------
    def _reads(self, component: ComponentBase) -> dict[str, tuple[Formula, list[str]]]:
        """Each term a component reads (a name or a team aggregate as a whole), in order of
        first appearance, with the keys of the component that read it."""
        found: dict[str, tuple[Formula, list[str]]] = {}

        def add(term: Formula, where: tuple[str | int, ...]) -> None:
            _, used = found.setdefault(term.text, (term, []))
            if dotted(where) not in used:
                used.append(dotted(where))

        # Plain field names (not formulas) that pick a case or a matrix row.
        if isinstance(component, MatchComponent):
            add(parse(component.on), ("on",))
        if isinstance(component, MatrixComponent):
            add(parse(component.row), ("row",))
        for where, text in formula_fields(component).items():
            for term in explain_terms(parse(text)):
                add(term, where)
        for where, param in param_references(component).items():
            add(parse(param), where)
        return found

    def _evaluate(self) -> dict[str, Any]:
        """This person's value of every term any component reads, and of each component's
        amount as shown, in one pass over the whole month (team aggregates need everyone)."""
        columns: dict[str, pl.Expr] = {}
        for cid, reads in self.reads.items():
            unit = self.meta[cid].unit if cid in self.meta else "number"
            columns[f"shown:{cid}"] = show_expr(pl.col(cid), unit).fill_null("no value")
            for text, (term, _) in reads.items():
                value, unit = self._term(term)
                columns[f"value:{text}"] = value
                columns[f"shown:{text}"] = show_expr(value, unit).fill_null("—")
            component = self.rules.components[cid]
            if isinstance(component, TableComponent):
                columns[f"on:{cid}"] = self.compiler.formula(component.on).cast(ENGINE)
            if isinstance(component, MatrixComponent):
                columns[f"on:{cid}"] = self.compiler.formula(component.column).cast(ENGINE)
        frame = self.values.select(pl.col("agent_id"), **columns)
        return frame.filter(pl.col("agent_id") == self.agent_id).row(0, named=True)

    def _term(self, term: Formula) -> tuple[pl.Expr, str]:
        expr = self.compiler.formula(term.text)
        if isinstance(term.root, Call):
            return expr.cast(ENGINE), self.compiler.aggregate_unit(term)
        unit = self.compiler.unit_of(term.text)
        return (expr.cast(pl.Utf8) if unit == "text" else expr.cast(ENGINE)), unit

    def _source(self, text: str, term: Formula) -> str:
        if isinstance(term.root, Call):
            if term.root.name in HISTORY_FUNCTIONS:
                return "this month and the ledger's earlier months"
            return "team aggregate"
        if text in self.rules.components:
            return "component"
        if text in self.rules.params:
            return "parameter"
        events = self.rules.events
        if text in events or (text.endswith("_amount") and text[: -len("_amount")] in events):
            return "event"
        if text in self.rules.inputs.manual:
            return "manual input"
        if text in self.rules.inputs.roster_fields:
            return "roster"
        return _BUILTIN_SOURCES.get(text, "value")

    # -- the tree ---------------------------------------------------------------------------
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
        )

    def line(self, cid: str, trail: frozenset[str]) -> Line:
        component = self.rules.components[cid]
        meta = self.meta[cid]
        amount, raw = self.person[cid], self.person[cid + RAW]
        applies = cid in self.why
        inputs = []
        for text, (term, used_in) in self.reads[cid].items():
            source = self._source(text, term)
            child = None
            if source == "component" and text != cid and text not in trail:
                child = self.line(text, trail | {cid})
            inputs.append(
                Input(
                    name=text,
                    source=source,
                    value=self.me[f"value:{text}"],
                    shown=self.me[f"shown:{text}"],
                    used_in=used_in,
                    line=child,
                )
            )
        return Line(
            id=cid,
            label=meta.label,
            rule=meta.rule,
            kind=_kind(component),
            pays=meta.pays,
            applies=applies,
            defined_at=self.sources.locate(cid),
            amount=amount,
            shown=self.me[f"shown:{cid}"],
            raw=raw,
            rounding=_rounding(meta.pays, raw, amount),
            explanation=self.why.get(cid),
            flag=self.flags.get(cid),
            inputs=inputs,
            row=self._row_reached(cid, component) if applies else None,
            ranking=self._ranking(component) if applies else None,
        )

    def _row_reached(self, cid: str, component: ComponentBase) -> RowReached | None:
        """The first row whose [from, below) holds the value, as the engine picks it."""
        if isinstance(component, TableComponent):
            index = _band(self.me[f"on:{cid}"], component.rows)
            if index is None:
                return None  # no row: the default (the explanation says so)
            at = self.sources.locate(cid, ("rows", index))
            return RowReached(index, len(component.rows), at)
        if isinstance(component, MatrixComponent):
            index = _band(self.me[f"on:{cid}"], component.bands)
            key = self.me[f"value:{component.row}"]
            if index is None or key not in component.cells:
                return None
            at = self.sources.locate(cid, ("cells", key, index))
            return RowReached(index, len(component.bands), at, key=key)
        return None

    def _ranking(self, component: ComponentBase) -> Ranking | None:
        if isinstance(component, RankComponent):
            return self._rank(component)
        if isinstance(component, AwardComponent):
            return self._award(component)
        return None

    def _field(
        self, component: RankComponent | AwardComponent, place: pl.Expr, **extra: pl.Expr
    ) -> pl.DataFrame:
        """Everyone in the component's field with their value and place (computed over the
        whole month first: places are windows over the field)."""
        member = scope_mask(component.among)
        by = self.compiler.formula(component.by)
        unit = self.compiler.unit_of(component.by.strip())
        table = self.values.select(
            "agent_id",
            "name",
            "team",
            member.alias("_member"),
            by.cast(ENGINE).alias("_value"),
            show_expr(by, unit).fill_null("—").alias("_shown"),
            place.cast(pl.Int64).alias("_rank"),
            **extra,
        )
        team = table.filter(pl.col("agent_id") == self.agent_id)["team"].item()
        table = table.filter(pl.col("_member"))
        if component.within == "team":
            table = table.filter(pl.col("team") == team)
        return table

    def _rank(self, component: RankComponent) -> Ranking:
        member = scope_mask(component.among)
        by = self.compiler.formula(component.by)
        rank = (
            pl.when(member)
            .then(by)
            .otherwise(pl.lit(None, dtype=ENGINE))
            .rank(method="min", descending=component.order == "desc")
        )
        if component.within == "team":
            rank = rank.over("team")
        table = self._field(component, rank)
        me = table.filter(pl.col("agent_id") == self.agent_id).row(0, named=True)
        mine = me["_rank"]
        above = table.filter(pl.col("_rank") < mine) if mine is not None else table.clear()
        tied = table.filter((pl.col("_rank") == mine) & (pl.col("agent_id") != self.agent_id))
        return Ranking(
            by=component.by,
            order=component.order,
            within=component.within,
            among=_scope_words(component.among),
            field=table.height,
            rank=mine,
            value=me["_value"],
            shown=me["_shown"],
            above=_standings(above),
            tied=_standings(tied) if mine is not None else [],
            note="ties share a rank",
        )

    def _award(self, component: AwardComponent) -> Ranking:
        """As the engine picks winners: the place among the eligible (ordinal: equal values
        go to the smaller agent_id), one winner per per_members members."""
        member = scope_mask(component.among)
        by = self.compiler.formula(component.by)
        eligible = (
            self.compiler.formula(component.eligible).fill_null(False)
            if component.eligible
            else pl.lit(True)
        )
        descending = component.order == "desc"
        place = pl.when(member & eligible).then(by).rank("ordinal", descending=descending)
        size = member.cast(pl.Int64).sum()
        if component.within == "team":
            place, size = place.over("team"), size.over("team")
        quota_expr = (size + component.per_members - 1) // component.per_members
        table = self._field(component, place, _quota=quota_expr)
        me = table.filter(pl.col("agent_id") == self.agent_id).row(0, named=True)
        mine, quota = me["_rank"], me["_quota"]
        if mine is not None:
            above = table.filter(pl.col("_rank") < mine)
        else:  # not eligible: show who won instead
            above = table.filter(pl.col("_rank") <= quota)
        note = "place among the eligible; equal values go to the smaller agent_id"
        if component.nominated:
            note += "; where anyone is nominated the nominees win (see the explanation)"
        return Ranking(
            by=component.by,
            order=component.order,
            within=component.within,
            among=_scope_words(component.among),
            field=table.height,
            rank=mine,
            value=me["_value"],
            shown=me["_shown"],
            above=_standings(above),
            tied=[],
            quota=quota,
            note=note,
        )


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


def _band(value: Decimal | None, rows: list[Any]) -> int | None:
    if value is None:
        return None
    for index, row in enumerate(rows):
        if (row.from_ is None or value >= row.from_) and (row.below is None or value < row.below):
            return index
    return None


def _kind(component: ComponentBase) -> str:
    return str(getattr(component, "kind", ""))


def _scope_words(scope: Scope) -> str:
    return scope_words(scope) or "everyone"


def _rounding(pays: bool, raw: Value, amount: Value) -> str:
    if not pays:
        return "none: an intermediate value, kept to ten places"
    if not isinstance(raw, Decimal) or not isinstance(amount, Decimal):
        return "none: no value"
    if raw == amount:
        return f"none needed: {amount} is exact to the fen"
    return f"{plain(raw)} → {amount}, half-up to the fen"


# ----------------------------------------------------------------- where it is written


class _Sources:
    """Finds the file that defines a component: the rules file itself, else its includes,
    the last include first (an including file, and a later include, replace a component of
    the same id)."""

    def __init__(self, rules_file: Path) -> None:
        self.root = rules_file
        self.files: dict[Path, tuple[dict[str, Any], SourceMap] | None] = {}
        self.defined: dict[str, Path | None] = {}

    def _read(self, path: Path) -> tuple[dict[str, Any], SourceMap] | None:
        if path not in self.files:
            try:
                text = path.read_text(encoding="utf-8-sig")
                self.files[path] = (tomllib.loads(text), SourceMap.from_text(text))
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
                self.files[path] = None  # the month loaded it, so this is a race: no location
        return self.files[path]

    def _defining(self, cid: str, path: Path, seen: frozenset[Path]) -> Path | None:
        loaded = self._read(path)
        if loaded is None:
            return None
        data, _ = loaded
        components = data.get("components")
        if isinstance(components, dict) and cid in components:
            return path
        for name in reversed(data.get("include") or []):
            included = Path(os.path.normpath(path.parent / str(name)))
            if included.resolve() in seen:
                continue
            found = self._defining(cid, included, seen | {path.resolve()})
            if found is not None:
                return found
        return None

    def locate(self, cid: str, within: tuple[str | int, ...] = ()) -> Location | None:
        """Where ``components.<cid>`` (or a part of it, e.g. ("rows", 1)) is written."""
        if cid not in self.defined:
            self.defined[cid] = self._defining(cid, self.root, frozenset())
        path = self.defined[cid]
        loaded = self._read(path) if path is not None else None
        if path is None or loaded is None:
            return None
        line, col = loaded[1].position(("components", cid, *within))
        return Location(str(path), line, col)


# --------------------------------------------------------------------------------- JSON


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
    }


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


def _line_box(line: Line, seen: set[str], used_in: list[str] | None = None) -> _Box:
    """A line with what it read; a component met again is not explained twice."""
    facts = [line.rule or "no rule id", line.kind]
    if not line.pays:
        facts.append("not paid")
    if line.defined_at is not None:
        facts.append(str(line.defined_at))
    if used_in is not None:
        facts.append(f"read in {', '.join(used_in)}")
    box = _Box(f"{line.id} {line.label} = {line.shown}  ({'; '.join(facts)})")
    if line.id in seen:
        box.header += " — explained above"
        return box
    seen.add(line.id)
    if not line.applies:
        box.details.append("does not apply to this person")
    elif line.explanation is not None:
        box.details.append(line.explanation)
    if line.pays and line.applies:
        box.details.append(f"rounding: {line.rounding}")
    if line.row is not None:
        row = line.row
        where = f"cells.{row.key}[{row.index}]" if row.key is not None else f"rows[{row.index}]"
        place = f" at {row.at}" if row.at is not None else ""
        box.details.append(f"row reached: {where}, {row.index + 1} of {row.of}{place}")
    if line.ranking is not None:
        box.details += _ranking_text(line.ranking)
    if line.flag:
        box.details.append(f"flag: {line.flag}")
    for item in line.inputs:
        if item.line is not None:
            box.children.append(_line_box(item.line, seen, item.used_in))
        else:
            where = f"{item.source}; read in {', '.join(item.used_in)}"
            box.children.append(_Box(f"{item.name} = {item.shown}  ({where})"))
    return box


def _ranking_text(r: Ranking) -> list[str]:
    place = "—" if r.rank is None else str(r.rank)
    scope = r.among + (", in the team" if r.within == "team" else "")
    word = "place" if r.quota is not None else "rank"
    head = f"{word} {place} of {r.field} by {r.by} ({r.order}; {scope}): {r.shown}"
    if r.quota is not None:
        head += f"; {r.quota} award(s) in this field"
    out = [head]
    out += [f"  above: #{s.rank} {s.agent_id} {s.name} {s.shown}" for s in r.above]
    out += [f"  tied:  #{s.rank} {s.agent_id} {s.name} {s.shown}" for s in r.tied]
    if r.note:
        out.append(f"  ({r.note})")
    return out


def _forest(lines: list[Line], seen: set[str]) -> list[str]:
    out = []
    for i, line in enumerate(lines):
        last = i == len(lines) - 1
        box = _line_box(line, seen)
        out += _draw(box, "└─ " if last else "├─ ", "   " if last else "│  ")
    return out


def as_text(payslip: Payslip) -> str:
    head = (
        f"{payslip.agent_id} {payslip.name} — {payslip.team}, {payslip.role} — "
        f"{payslip.period} — {payslip.scheme} ({payslip.rules_file})"
    )
    out = [head]
    seen: set[str] = set()
    out += _forest(payslip.lines, seen)
    check = "✓" if payslip.adds_up else "✗ they do not match: report this"
    out.append(
        f"{payslip.total_id} {payslip.total_label} = {payslip.gross}"
        f"  (the lines add up to {payslip.lines_sum} {check})"
    )
    if payslip.other:
        out.append("")
        out.append("Also computed for this person (not paid, read by no line above):")
        out += _forest(payslip.other, seen)
    return "\n".join(out)
