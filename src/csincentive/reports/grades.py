"""The quarterly grade review (S002-12..14): per person, promote / demote / unchanged /
review, each with the reasons in plain words.

The review reads months the ledger recorded, never the period folders: the figures are
those people were paid on. Each month's ``values`` table gives, per person, the grade and
tenure (from the roster), the coefficient (a component named by ``[grades] coefficient``)
and the conversation count (``[grades] volume``). The grade and tenure that count are those
of the quarter's last month.

Per person, with the rule of their grade (``[grades.rules.<grade>]``):

* demotion first: the coefficient below ``demote_below`` in ``demote_after_months``
  consecutive months, on the same grade. The run may start before the quarter (the ledger's
  earlier months are read back to its first gap) but must reach into it: a run that ended
  before the quarter was the previous review's to judge.
* then promotion (``promote_to``): tenure, the quarter's average coefficient, and every
  month's conversations at least the average of everyone employed that month with the same
  ``role`` (all grades; ``peers`` picks another roster column, e.g. ``track``). A person
  missing from one of the quarter's months fails that month.
* a probationer (``on_probation`` on the quarter's last day) who misses the promotion
  standard on the coefficient or conversations gets ``review``: the company may dismiss
  (S002-14). That is for the manager; the grade stays. Tenure alone is not a miss.

Nothing is changed anywhere: the decisions are advice for next quarter's roster.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import polars as pl

from csincentive.core.diagnostics import Diagnostic, InputError
from csincentive.core.messages import DEFAULT_LANGUAGE, language_of, t, word
from csincentive.core.money import ENGINE, plain
from csincentive.core.month import Month, Quarter
from csincentive.rules.locate import SourceMap
from csincentive.rules.model import GradeRule, Grades, RuleSet

if TYPE_CHECKING:
    from csincentive.ledger.store import Ledger

Decision = Literal["promote", "demote", "unchanged", "review"]

DEFAULT_PEERS = "role"  # the roster column whose average the conversations are compared with
AVERAGE_COEFFICIENT_PLACES = Decimal("0.01")
PEER_AVERAGE_PLACES = Decimal("0.1")


@dataclass(frozen=True)
class GradeDecision:
    """One person's outcome. ``new_grade`` is the grade after the review (the same grade
    unless promoted or demoted)."""

    agent_id: str
    name: str
    grade: str
    decision: Decision
    new_grade: str
    reasons: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "agent_id": self.agent_id,
            "name": self.name,
            "grade": self.grade,
            "decision": self.decision,
            "new_grade": self.new_grade,
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True)
class GradeReview:
    quarter: str  # "2026Q4"
    months: tuple[str, ...]  # the quarter's three months
    coefficient: str
    volume: str
    peers: str
    agents: list[GradeDecision]  # sorted by agent_id

    def counts(self) -> dict[str, int]:
        """Decisions → how many, in a fixed order."""
        order: tuple[Decision, ...] = ("promote", "demote", "review", "unchanged")
        return {d: sum(1 for a in self.agents if a.decision == d) for d in order}

    def table(self, lang: str = "en") -> pl.DataFrame:
        """One row per person, one reason a line (for the terminal), each decision in
        ``lang``'s words (the catalogue's [decision])."""
        rows = [
            {
                **a.as_dict(),
                "decision": word("decision", a.decision, lang) or a.decision,
                "reasons": "\n".join(a.reasons),
            }
            for a in self.agents
        ]
        schema = dict.fromkeys(("agent_id", "name", "grade", "decision", "new_grade"), pl.String)
        return pl.DataFrame(rows, schema={**schema, "reasons": pl.String})

    def as_dict(self) -> dict[str, Any]:
        return {
            "quarter": self.quarter,
            "months": list(self.months),
            "coefficient": self.coefficient,
            "volume": self.volume,
            "peers": self.peers,
            "counts": self.counts(),
            "agents": [a.as_dict() for a in self.agents],
        }


# Reading the ledger ------------------------------------------------------------------------


def review_quarter(
    ledger: Ledger,
    rules: RuleSet,
    quarter: Quarter,
    *,
    rules_file: str | Path,
    peers: str | None = None,
    lang: str | None = None,
) -> GradeReview:
    """Review every person of the quarter's last month. InputError when the rules have no
    [grades], a month of the quarter is not in the ledger, or a figure the review needs is
    not in a month's values. ``peers`` overrides the column the conversation average is
    taken over (default: [grades] peers if the rules model has it, else role). The reasons
    are in ``lang`` (default: the rules' [scheme] language)."""
    grades = _grades(rules, rules_file)
    if rules.scheme is not None:  # the months of this scheme only, in a shared ledger
        ledger = ledger.for_scheme(rules.scheme.id, rules.scheme.shop)
    peers = peers or getattr(grades, "peers", None) or DEFAULT_PEERS
    missing = [m for m in quarter.months if not ledger.has(m)]
    if missing:
        raise _missing_months(ledger, quarter, missing, rules_file)
    figures = _read_quarter(ledger, grades, quarter, peers, rules_file)
    figures.update(_read_earlier(ledger, grades, quarter))
    return review(grades, figures, quarter, peers=peers, lang=language_of(lang or rules.language))


def _grades(rules: RuleSet, rules_file: str | Path) -> Grades:
    if rules.grades is None:
        message = (
            "no [grades] table, so there is nothing to review by; add [grades] with "
            'coefficient = "<component id>" (and volume = "<metric>", default sessions) and '
            'one [grades.rules."<grade>"] table per grade of agents.csv with promote_to, '
            "min_tenure_months, min_average_coefficient, demote_to, demote_below, "
            "demote_after_months (rules/callcenter-points.toml has a worked example)"
        )
        raise InputError.single(rules_file, message, code="G100", path="grades")
    return rules.grades


def _missing_months(
    ledger: Ledger, quarter: Quarter, missing: list[str], rules_file: str | Path
) -> InputError:
    recorded = ledger.months()
    has = f"it has {', '.join(recorded)}" if recorded else "it has no months yet"
    message = (
        f"{quarter.name} needs {', '.join(quarter.months)} in the ledger {ledger.root}/ "
        f"({has}); missing {', '.join(missing)}: run each first, e.g. csincentive run "
        f"<month folder> --rules {rules_file} --month {missing[0]}, or pass --ledger with "
        "the folder that recorded them"
    )
    return InputError.single(ledger.root, message, code="G101")


def _read_quarter(
    ledger: Ledger, grades: Grades, quarter: Quarter, peers: str, rules_file: str | Path
) -> dict[str, pl.DataFrame]:
    """The quarter's months, every figure required; all problems at once."""
    wanted = {
        ("grades", "coefficient"): grades.coefficient,
        ("grades", "volume"): grades.volume,
        ("grades",): peers,
    }
    figures: dict[str, pl.DataFrame] = {}
    problems: list[Diagnostic] = []
    source = _source_map(rules_file)
    for month in quarter.months:
        values = ledger.values(month)
        for where, column in wanted.items():
            if column not in values.columns:
                problems.append(_not_a_figure(rules_file, source, where, column, month, values))
        if not problems:
            figures[month] = _month_frame(values, grades, peers)
    if problems:
        raise InputError(problems)
    return figures


def _read_earlier(ledger: Ledger, grades: Grades, quarter: Quarter) -> dict[str, pl.DataFrame]:
    """The months before the quarter, newest first, back to the ledger's first gap or the
    first month without the coefficient: a demotion run may start there."""
    if not any(_demotes(rule) for rule in grades.rules.values()):
        return {}
    figures: dict[str, pl.DataFrame] = {}
    month = _previous(quarter.months[0])
    while ledger.has(month):
        values = ledger.values(month)
        if grades.coefficient not in values.columns:
            break
        figures[month] = _month_frame(values, grades, None)
        month = _previous(month)
    return figures


def _month_frame(values: pl.DataFrame, grades: Grades, peers: str | None) -> pl.DataFrame:
    """agent_id, name, grade, tenure_months, on_probation, coefficient, and for the
    quarter's months volume and peer; only people employed in the month."""
    if "days_employed" in values.columns:  # the roster keeps people hired later or gone
        values = values.filter(pl.col("days_employed") > 0)
    columns = [
        pl.col("agent_id"),
        pl.col("name"),
        pl.col("grade").cast(pl.String).fill_null(""),
        pl.col(grades.coefficient).cast(ENGINE).fill_null(0).alias("coefficient"),
    ]
    if peers is not None:
        columns += [
            pl.col("tenure_months").cast(pl.Int64).fill_null(0),
            pl.col("on_probation").cast(pl.Int64).fill_null(0),
            pl.col(grades.volume).cast(ENGINE).fill_null(0).alias("volume"),
            pl.col(peers).cast(pl.String).fill_null("").alias("peer"),
        ]
    return values.select(columns)


def _not_a_figure(
    rules_file: str | Path,
    source: SourceMap | None,
    where: tuple[str, ...],
    column: str,
    month: str,
    values: pl.DataFrame,
) -> Diagnostic:
    import difflib

    close = difflib.get_close_matches(column, [c for c in values.columns if "__" not in c], 1)
    hint = f"; did you mean '{close[0]}'?" if close else "; it must be a component or metric"
    line, col = source.value_position(where) if source else (None, None)
    return Diagnostic(
        file=str(rules_file),
        message=f"'{column}' is not a figure of {month} in the ledger{hint}",
        code="G102",
        line=line,
        col=col,
        path=".".join(where) if len(where) > 1 else "grades.peers",
    )


def _source_map(rules_file: str | Path) -> SourceMap | None:
    try:
        return SourceMap.from_text(Path(rules_file).read_text("utf-8"))
    except OSError:
        return None


def _previous(month: str) -> str:
    return str(Month.parse(month).previous())


# The review itself -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Month:
    """One person's figures in one month."""

    grade: str
    coefficient: Decimal
    volume: Decimal | None = None
    peer_total: Decimal | None = None  # the peers' conversations that month
    peer_count: int = 0


def review(
    grades: Grades,
    figures: dict[str, pl.DataFrame],
    quarter: Quarter,
    *,
    peers: str = DEFAULT_PEERS,
    lang: str = DEFAULT_LANGUAGE,
) -> GradeReview:
    """The review over month frames as ``_month_frame`` makes them (the quarter's three, and
    any earlier ones for demotion runs). Pure: no ledger, no files."""
    months = quarter.months
    with_peers = {m: _with_peer_totals(figures[m]) for m in months}
    history = _by_person(figures, with_peers)
    last = with_peers[months[-1]].sort("agent_id")
    chain = sorted(_chain(figures, months))
    agents = [
        _decide(
            row,
            grades.rules.get(row["grade"]),
            history[row["agent_id"]],
            chain,
            months,
            peers,
            lang,
        )
        for row in last.iter_rows(named=True)
    ]
    return GradeReview(
        quarter=quarter.name,
        months=months,
        coefficient=grades.coefficient,
        volume=grades.volume,
        peers=peers,
        agents=agents,
    )


def _chain(figures: dict[str, pl.DataFrame], months: tuple[str, ...]) -> list[str]:
    """The quarter's months and the contiguous earlier months before it."""
    found = list(months)
    month = _previous(months[0])
    while month in figures:
        found.append(month)
        month = _previous(month)
    return found


def _with_peer_totals(frame: pl.DataFrame) -> pl.DataFrame:
    totals = frame.group_by("peer").agg(
        pl.col("volume").sum().alias("peer_total"), pl.len().alias("peer_count")
    )
    return frame.join(totals, on="peer", how="left")


def _by_person(
    figures: dict[str, pl.DataFrame], quarter: dict[str, pl.DataFrame]
) -> dict[str, dict[str, _Month]]:
    """agent_id → month → figures (people × a few months: small)."""
    out: dict[str, dict[str, _Month]] = {}
    for month, frame in {**figures, **quarter}.items():
        has_volume = "peer_total" in frame.columns
        for row in frame.iter_rows(named=True):
            out.setdefault(row["agent_id"], {})[month] = _Month(
                grade=row["grade"],
                coefficient=row["coefficient"],
                volume=row["volume"] if has_volume else None,
                peer_total=row["peer_total"] if has_volume else None,
                peer_count=row["peer_count"] if has_volume else 0,
            )
    return out


def _decide(
    row: dict[str, Any],
    rule: GradeRule | None,
    person: dict[str, _Month],
    chain: list[str],
    months: tuple[str, ...],
    peers: str,
    lang: str,
) -> GradeDecision:
    grade = row["grade"]

    def decided(decision: Decision, new_grade: str, reasons: list[str]) -> GradeDecision:
        return GradeDecision(
            row["agent_id"], row["name"], grade, decision, new_grade, tuple(reasons)
        )

    if rule is None:
        return decided("unchanged", grade, [t("review.no_rule", lang, grade=grade)])
    reasons: list[str] = []
    if _demotes(rule):
        demoted, text = _demotion(rule, grade, person, chain, months, lang)
        if demoted:
            assert rule.demote_to is not None
            return decided("demote", rule.demote_to, [text])
        reasons.append(text)
    if rule.promote_to is None:
        return decided("unchanged", grade, [*reasons, t("review.no_promotion", lang, grade=grade)])
    tenure_ok, performance_ok, texts = _promotion(
        rule, row["tenure_months"], person, months, peers, lang
    )
    reasons += texts
    if tenure_ok and performance_ok:
        return decided("promote", rule.promote_to, reasons)
    if not performance_ok and row["on_probation"] == 1:
        reasons.append(t("review.probation", lang, grade=rule.promote_to))
        return decided("review", grade, reasons)
    return decided("unchanged", grade, reasons)


def _demotes(rule: GradeRule) -> bool:
    return (
        rule.demote_to is not None
        and rule.demote_below is not None
        and rule.demote_after_months is not None
    )


def _demotion(
    rule: GradeRule,
    grade: str,
    person: dict[str, _Month],
    chain: list[str],
    months: tuple[str, ...],
    lang: str,
) -> tuple[bool, str]:
    """Whether the longest run below the bound that reaches into the quarter is long
    enough, and the sentence saying so."""
    bound, needed = rule.demote_below, rule.demote_after_months
    assert bound is not None and needed is not None
    runs: list[list[str]] = []
    current: list[str] = []
    for month in chain:  # oldest first; a month off the grade or not worked breaks the run
        figures = person.get(month)
        if figures is not None and figures.grade == grade and figures.coefficient < bound:
            current.append(month)
        elif current:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    reaching = [r for r in runs if any(m in months for m in r)]
    comma = t("review.separator", lang)
    if not reaching:
        shown_months = comma.join(months)
        return False, t(
            "review.coefficient_ok", lang, bound=_coefficient(bound), months=shown_months
        )
    run = max(reversed(reaching), key=len)  # the longest; of equal ones, the latest
    values = list(dict.fromkeys(_coefficient(person[m].coefficient) for m in run))
    # one value once ("1.0 < 1.2 in 2026-10, 2026-11"), else month by month in order
    shown = (
        values[0]
        if len(values) == 1
        else comma.join(_coefficient(person[m].coefficient) for m in run)
    )
    words = {"shown": shown, "bound": _coefficient(bound), "months": comma.join(run)}
    text = t("review.coefficient_below", lang, **words)
    if len(run) >= needed:
        return True, text + t("review.in_a_row", lang, count=len(run))
    return False, text + t("review.in_a_row_short", lang, count=len(run), needed=needed)


def _promotion(
    rule: GradeRule,
    tenure: int,
    person: dict[str, _Month],
    months: tuple[str, ...],
    peers: str,
    lang: str,
) -> tuple[bool, bool, list[str]]:
    """(tenure met, coefficient and conversations met, the sentences)."""
    texts: list[str] = []
    minimum = rule.min_tenure_months
    tenure_ok = tenure >= minimum
    op = "≥" if tenure_ok else "<"
    texts.append(t("review.tenure", lang, tenure=tenure, op=op, minimum=minimum))
    worked = [m for m in months if m in person]
    performance_ok = True
    if rule.min_average_coefficient is not None:
        bound = rule.min_average_coefficient
        total = sum((person[m].coefficient for m in worked), Decimal(0))
        average = total / len(worked)
        ok = average >= bound
        performance_ok &= ok
        of = "" if len(worked) == len(months) else t("review.over", lang, count=len(worked))
        shown = _coefficient(average.quantize(AVERAGE_COEFFICIENT_PLACES, ROUND_HALF_UP))
        words = {"shown": shown, "of": of, "op": "≥" if ok else "<", "bound": _coefficient(bound)}
        texts.append(t("review.average", lang, **words))
    if rule.volume_at_least_role_average:
        failures = [_volume_failure(m, person.get(m), peers, lang) for m in months]
        missed = [f for f in failures if f is not None]
        performance_ok &= not missed
        all_months = t("review.separator", lang).join(months)
        texts += missed or [t("review.volume_ok", lang, peers=peers, months=all_months)]
    return tenure_ok, performance_ok, texts


def _volume_failure(month: str, figures: _Month | None, peers: str, lang: str) -> str | None:
    if figures is None:
        return t("review.no_figures", lang, month=month)
    volume, total, count = figures.volume, figures.peer_total, figures.peer_count
    assert volume is not None and total is not None
    if volume * count >= total:  # volume ≥ total / count, exactly
        return None
    average = (total / count).quantize(PEER_AVERAGE_PLACES, ROUND_HALF_UP)
    words = {"volume": plain(volume), "peers": peers, "average": plain(average), "month": month}
    return t("review.volume_below", lang, **words)


def _coefficient(value: Decimal) -> str:
    """Coefficients always with a decimal point, as the seed writes them: 1.0, 0.8, 1.07."""
    text = plain(value)
    return text if "." in text else f"{text}.0"
