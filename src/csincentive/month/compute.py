"""One month, end to end: read the period folder under the rules, make the per-agent
figures, build the per-person frame, apply the pay components, shape the reports.

Stage functions, each handing the next a small result:

    read        → MonthInputs    (sources.folder.read_month: roster, exports, small files)
    parse       → ParsedExports  (figures.parse_exports: one pass per export, cached)
    attribute   → AgentFigures   (figures.attribute: chat figures, orders credited)
    per person  → People         (roster + figures + extras + history + late refunds)
    pay         → Paid           (the pay plan collected with the audits)
    reports     → MonthResult

Each stage is one Polars plan collected once; nothing is read twice."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from csincentive.core.diagnostics import Diagnostic, InputError, errors_only
from csincentive.core.display import show_expr
from csincentive.core.messages import Lang, language_of
from csincentive.core.money import PAY, RATIO
from csincentive.core.month import Month
from csincentive.core.names import (
    ATTENDANCE_NAMES,
    CALENDAR,
    METRICS,
    OTHER_DEDUCTIONS,
    SPECIAL_DEDUCTIONS,
)
from csincentive.formula import parse
from csincentive.month.engine import (
    FLAG,
    WHY,
    CompiledLine,
    Compiler,
    Step,
    is_overflow,
    problems_of,
    traces_of,
    values_of,
)
from csincentive.month.figures import AgentFigures, month_figures
from csincentive.month.history import history_frame
from csincentive.month.metrics import agent_frame
from csincentive.month.net import NetPay, net_pay_of, split_pii
from csincentive.month.paychecks import minimum_wage, pay_check_warnings
from csincentive.month.result import PERSON, MonthResult
from csincentive.rules.loader import load_rules
from csincentive.rules.locate import dotted
from csincentive.rules.model import Inputs, RuleSet, formula_fields
from csincentive.sources.extras import ExtrasWanted
from csincentive.sources.folder import MonthInputs, Reading, read_month
from csincentive.sources.messages import MessageRules
from csincentive.sources.roster import employment_warnings
from csincentive.sources.workbook import SheetCopy, relocated

if TYPE_CHECKING:
    from csincentive.ledger.store import Ledger

__all__ = ["PERSON", "MonthResult", "compute_month", "compute_with_rules", "late_refunds"]

CLAWBACK_MONTHS = 6  # refunds on orders older than this many sealed months are not chased
# What each order's outcome keeps (in the ledger, for clawbacks and audits; with the
# buyer and the status as written and who was credited, the per-order table of
# month.orders).
ORDER_COLUMNS = [
    "order_id",
    "created_at",
    "paid_at",
    "paid_amount",
    "refund_amount",
    "outcome",
    "agent_key",
    "chat_time",
]


@dataclass(frozen=True)
class Paying:
    """The month being paid: the rules in force and where they are written, the ledger of
    earlier months and what the rules' history functions read from it."""

    rules: RuleSet
    rules_file: Path
    ledger: Ledger | None
    history: pl.DataFrame | None
    lang: Lang = "zh"  # what the explanations are written in


@dataclass(frozen=True)
class People:
    """One row per roster person with every name a formula reads (lazy), and the late
    refunds clawed back from them (order_id, agent_key, clawed_refund)."""

    frame: pl.LazyFrame
    clawed: pl.DataFrame


@dataclass(frozen=True)
class Paid:
    """The pay plan and the audits, collected together: every value and explanation per
    person, the orders by outcome, the chat accounts not in the roster."""

    computed: pl.DataFrame
    reconciliation: pl.DataFrame
    unknown_agents: pl.DataFrame
    lines_meta: list[CompiledLine]
    problems: list[Diagnostic]  # the warnings the kinds found while computing (W210 …)


def compute_month(
    period_dir: str | Path,
    rules_file: str | Path,
    *,
    month: tuple[int, int] | None = None,
    ledger: Ledger | None = None,
    recording: bool = False,
    progress: Callable[[str], None] = lambda stage: None,
    lang: str | None = None,
) -> MonthResult:
    """Pay for one month. Raises InputError (with every problem found) on bad input.

    `ledger` holds the earlier months: rules over a quarter or a year read them, and
    refunds on orders of sealed months are clawed back (late_refunds). `recording`: the
    result is about to be recorded in `ledger`, which may start hashing the inputs as
    soon as they are read. `progress` is told each stage as it starts ("attributing 8,000,000
    orders …"), for a terminal to show during a long month. `lang` ("zh" or "en"): the
    language of the explanations, instead of the rules' [scheme] language."""
    all_versions, warnings = load_rules(rules_file)
    return compute_with_rules(
        period_dir,
        rules_file,
        all_versions,
        warnings=warnings,
        month=month,
        ledger=ledger,
        recording=recording,
        progress=progress,
        lang=lang,
    )


def compute_with_rules(
    period_dir: str | Path,
    rules_file: str | Path,
    all_versions: RuleSet,
    *,
    warnings: list[Diagnostic] | None = None,
    month: tuple[int, int] | None = None,
    ledger: Ledger | None = None,
    recording: bool = False,
    progress: Callable[[str], None] = lambda stage: None,
    lang: str | None = None,
) -> MonthResult:
    """compute_month with the rules already loaded (``load_rules`` of ``rules_file``: every
    version, and the ``warnings`` the month's result carries with its own), for a caller
    that has read them itself — ``check`` reports the rules' problems apart from the
    month's."""
    warnings = list(warnings or [])
    rules_path = Path(rules_file)
    workbooks: dict[str, SheetCopy] = {}  # a workbook's rows are reported at their cells
    with tempfile.TemporaryDirectory(prefix="csincentive-") as work_dir, relocated(workbooks):
        inputs = read_month(
            Path(period_dir),
            reading(all_versions.inputs, statutory=all_versions.statutory is not None),
            work_dir=Path(work_dir),
            month=month,
            extras_wanted=lambda when: extras_wanted(
                version_in_force(all_versions, when, rules_path)
            ),
        )
        workbooks.update(inputs.workbooks)
        roster, pii = split_pii(inputs.roster)  # PII never reaches the month's frames
        inputs = replace(inputs, roster=roster)
        paying = _paying(all_versions, inputs, rules_path, ledger, lang)
        hashing = ledger if recording else None  # starts hashing the inputs once read
        figures = month_figures(inputs, paying.rules, rules_path, progress, recording=hashing)
        people = per_person(inputs, figures, paying, progress)
        try:
            paid = pay(people, figures, paying)
        except pl.exceptions.PolarsError as error:  # not a rule's (E171 names those)
            raise figures_failed(inputs, error) from None
        net = net_pay_of(
            paying.rules,
            rules_path,
            inputs.month,
            inputs.roster,
            inputs.roster_file,
            paid.computed,
            pii,
            paying.ledger,
        )
        result = month_result(inputs, figures, people, paid, paying, warnings + inputs.notes, net)
        return replace(result, warnings=inputs.located(result.warnings))


# --------------------------------------------------------------------------- read


def reading(inputs: Inputs, *, statutory: bool = False) -> Reading:
    """How the rules file's [inputs] reads the period folder (and, with [statutory] on,
    the net-pay columns of agents.csv)."""
    return Reading(
        statutory=statutory,
        column_map=dict(inputs.columns),
        session_gap_minutes=inputs.session_gap_minutes,
        roster_fields=dict(inputs.roster_fields),
        message_rules=MessageRules(
            tuple(inputs.auto_reply_patterns),
            tuple(inputs.system_senders),
            inputs.slow_response_s,
        ),
        max_amount=inputs.max_amount,
        sheet=inputs.sheet,
    )


def extras_wanted(rules: RuleSet) -> ExtrasWanted:
    """The small files' figures the rules use: attendance names their formulas read (or
    prorating by worked days), declared events, manual inputs."""
    used: set[str] = set()
    for component in rules.components.values():
        for text in formula_fields(component).values():
            used |= parse(text).names
        if component.prorate == "worked_days":
            used |= {"worked_days", "scheduled_days"}
    minimum = minimum_wage(rules)
    prorated = [check.prorate for check in rules.checks.pay_range]
    prorated += [minimum.prorate] if minimum else []
    if "worked_days" in prorated:  # the pay checks' bounds are held to the days worked
        used |= {"worked_days", "scheduled_days"}
    manual = tuple(rules.inputs.manual)
    if rules.statutory is not None:  # the deductions are known names: no declaration needed
        manual += tuple(n for n in (*SPECIAL_DEDUCTIONS, OTHER_DEDUCTIONS) if n not in manual)
    return ExtrasWanted(
        attendance=tuple(sorted(used & ATTENDANCE_NAMES)),
        events=tuple(rules.events),
        manual=manual,
        ytd=rules.statutory is not None,
        manual_required=tuple(rules.inputs.manual_required),
        figures=tuple(n.name for n in METRICS if n.name in used),
    )


def _paying(
    all_versions: RuleSet,
    inputs: MonthInputs,
    rules_file: Path,
    ledger: Ledger | None,
    lang: str | None = None,
) -> Paying:
    rules = version_in_force(all_versions, inputs.month, rules_file)
    if ledger is not None and rules.scheme is not None:  # only this scheme's months are read
        ledger = ledger.for_scheme(rules.scheme.id, rules.scheme.shop)
    year, month = inputs.month
    history = history_frame(
        rules, ledger, inputs.roster, year=year, month=month, rules_file=str(rules_file)
    )
    return Paying(rules, rules_file, ledger, history, language_of(lang or rules.language))


def version_in_force(rules: RuleSet, month: Month, rules_file: Path) -> RuleSet:
    """The version of the rules that pays ``month``; E190 before the scheme's valid_from."""
    start = rules.scheme.valid_from if rules.scheme else None
    if start is not None and month < Month.of(start):
        message = (
            f"the scheme is valid from {start}; {month} is earlier — pay it "
            "with the rules that were in force then"
        )
        error = Diagnostic(str(rules_file), message, code="E190", path="scheme.valid_from")
        raise InputError([error])
    return rules.in_force(month.year, month.month)


# --------------------------------------------------------------------------- per person


def per_person(
    inputs: MonthInputs,
    figures: AgentFigures,
    paying: Paying,
    progress: Callable[[str], None],
) -> People:
    """Everything a formula reads, one row per person: roster, small files, earlier
    months (history functions), late refunds, and the per-agent figures."""
    (year, month), roster = inputs.month, inputs.roster
    progress(f"computing pay for {roster.height:,} people …")
    people = roster.join(inputs.extras.frame, on="agent_id", how="left")
    if paying.history is not None:
        people = people.join(paying.history, on="agent_id", how="left")
    clawed = late_refunds(paying.ledger, figures.orders, str(inputs.month))
    people = people.join(
        clawed.group_by("agent_key").agg(pl.col("clawed_refund").sum().alias("late_refunds")),
        left_on="agent_id",
        right_on="agent_key",
        how="left",
    ).with_columns(pl.col("late_refunds").fill_null(0).cast(PAY))
    frame = agent_frame(
        people,
        figures.chat_stats.lazy(),
        figures.sales_stats(),
        year=year,
        month=month,
        probation_months=int(paying.rules.params.get("probation_months", 3)),
    )
    return People(frame, clawed)


# --------------------------------------------------------------------------- pay


def pay(people: People, figures: AgentFigures, paying: Paying) -> Paid:
    """Every component of every person, collected with the audits in one pass."""
    compiler = Compiler(paying.rules, paying.lang)
    reconciled, unknown = figures.audit_plans()
    try:
        computed, reconciled_df, unknown_df = pl.collect_all(
            [compiler.apply(people.frame), reconciled, unknown]
        )
    except pl.exceptions.ComputeError as error:
        if is_overflow(error):
            _raise_on_overflow(compiler, people.frame, paying.rules_file)
        raise
    lines_meta = compiler.lines()
    _raise_on_missing_values(computed, lines_meta, paying.rules_file)
    problems = problems_of(computed, lines_meta, paying.rules, str(paying.rules_file))
    if errors_only(problems):
        raise InputError(errors_only(problems))
    return Paid(computed, reconciled_df, unknown_df, lines_meta, problems)


# --------------------------------------------------------------------------- reports


def month_result(
    inputs: MonthInputs,
    figures: AgentFigures,
    people: People,
    paid: Paid,
    paying: Paying,
    warnings: list[Diagnostic],
    net: NetPay | None = None,
) -> MonthResult:
    """The frames every report is made from."""
    computed_df, lines_meta = paid.computed, paid.lines_meta
    pay_ids = [line.id for line in lines_meta if line.pays]
    payroll = computed_df.select(*PERSON, *pay_ids, *paying.rules.total_ids)
    values = values_of(computed_df)
    if net is not None:  # after the totals: pension … iit, net; the year to date kept
        payroll = payroll.join(net.payroll_columns(), on="agent_id", how="left")
        values = values.join(net.recorded(), on="agent_id", how="left")
    active = computed_df.filter((pl.col("sessions") > 0) | (pl.col("orders") > 0))["agent_id"]
    warnings = [
        *warnings,
        *paid.problems,
        *employment_warnings(inputs.roster, str(inputs.roster_file), inputs.month, active),
        *figures.warnings(paid.reconciliation, paid.unknown_agents, computed_df),
        *pay_check_warnings(computed_df, paying.rules, paying.rules_file),
    ]
    return MonthResult(
        period=str(inputs.month),
        rules=paying.rules,
        rules_file=paying.rules_file,
        lines_meta=lines_meta,
        payroll=payroll,
        lines=_lines(computed_df, lines_meta),
        flags=_flags(computed_df, lines_meta),
        metrics=_metrics(computed_df),
        reconciliation=paid.reconciliation,
        unknown_agents=paid.unknown_agents,
        values=values,
        traces=traces_of(computed_df),
        orders=_orders_out(figures.orders, people.clawed),
        warnings=warnings,
        input_files=inputs.files,
        language=paying.lang,
        net=net,
    )


def _orders_out(attributed: pl.DataFrame, clawed: pl.DataFrame) -> pl.DataFrame:
    """Every order in file order (attribute_orders keeps it; parsing made sure), with what
    was clawed back on it: the frame's own columns, not a copy of millions of rows."""
    clawed_back = pl.repeat(None, attributed.height, dtype=PAY, eager=True)
    if clawed.height:
        lookup = pl.col("order_id").replace_strict(
            clawed["order_id"], clawed["clawed_refund"], default=None
        )
        clawed_back = attributed.select(lookup).to_series()
    return pl.DataFrame(
        [
            *(attributed.get_column(name) for name in ORDER_COLUMNS),
            clawed_back.alias("clawed_refund"),
            attributed.get_column("line"),
            # as the export writes them, for the per-order table (month.orders)
            *(attributed.get_column(name) for name in ("buyer", "status")),
        ]
    )


def late_refunds(ledger: Ledger | None, orders: pl.DataFrame, period: str) -> pl.DataFrame:
    """Refunds that arrived after a month was sealed: order_id, agent_key, clawed_refund.

    An order credited in a sealed month that shows a larger refund in this month's export
    is clawed back from the agent it was credited to: the increase over the refund the
    sealed month recorded, less what later months already clawed back."""
    empty = pl.DataFrame(
        schema={"order_id": pl.String, "agent_key": pl.String, "clawed_refund": PAY}
    )
    if ledger is None:
        return empty
    earlier = [m for m in ledger.months() if m < period]
    sealed = [m for m in earlier if ledger.is_sealed(m)][-CLAWBACK_MONTHS:]
    if not sealed:
        return empty
    # Each month from the oldest chased one on, read once: its credited orders, and what it
    # already clawed back on orders of the months before it.
    # Keys and outcomes are Enums of each month's own agents: as text, months concatenate.
    recorded = {
        m: ledger.orders(m).with_columns(pl.col("agent_key", "outcome").cast(pl.String))
        for m in earlier
        if m >= sealed[0]
    }
    credited = pl.concat(
        recorded[m]
        .filter(pl.col("outcome") == "credited")
        .select("order_id", "agent_key", pl.col("refund_amount").alias("recorded"))
        for m in sealed
    )
    taken = [
        frame.select("order_id", "clawed_refund")
        for frame in recorded.values()
        if "clawed_refund" in frame.columns
    ]
    already = (
        pl.concat(taken).group_by("order_id").agg(pl.col("clawed_refund").fill_null(0).sum())
        if taken
        else empty.select("order_id", "clawed_refund")
    )
    return (
        orders.select("order_id", "refund_amount")
        .join(credited, on="order_id")
        .join(already, on="order_id", how="left")
        .with_columns(
            (pl.col("refund_amount") - pl.col("recorded") - pl.col("clawed_refund").fill_null(0))
            .cast(PAY)
            .alias("clawed_refund")
        )
        .filter(pl.col("clawed_refund") > 0)
        .select("order_id", "agent_key", "clawed_refund")
        .sort("order_id")
    )


def _raise_on_missing_values(
    computed: pl.DataFrame, meta: list[CompiledLine], rules_file: Path
) -> None:
    """A table, match or matrix without a default that finds no row leaves a person with
    no value: that payslip would be silently short, so it is an error naming the rule."""
    diagnostics = []
    lacks = [pl.col(m.id).is_null() & pl.col(m.id + WHY).is_not_null() for m in meta]
    # One pass says which lines lack a value for someone; only those are looked at.
    found = computed.select(pl.lit(0), *(x.any().alias(str(i)) for i, x in enumerate(lacks)))
    flagged = zip(meta, lacks, found.row(0)[1:], strict=True)
    for line, lacking in ((line, lacking) for line, lacking, some in flagged if some):
        for row in computed.filter(lacking).select("agent_id", "name", line.id + WHY).iter_rows():
            agent_id, name, why = row
            message = (
                f"no value for {agent_id} {name} ({why}); add the missing row or case, or a default"
            )
            diagnostics.append(
                Diagnostic(str(rules_file), message, code="E170", path=f"components.{line.id}")
            )
    if diagnostics:
        raise InputError(diagnostics)


def figures_failed(inputs: MonthInputs, error: Exception) -> InputError:
    """D303: the per-person figures made from the exports could not be computed — a sum
    out of the engine's range, a value no check foresaw. Every row passed its checks, so
    the cause is in the figures of many rows together: which files, and Polars' words."""
    reason = str(error).strip().splitlines()[0][:200] if str(error).strip() else "no detail"
    message = (
        f"the month's figures per person could not be computed from this file ({reason}) — "
        "check it for amounts or counts far larger than the shop's, then run again; if "
        "the export looks right, please report it"
    )
    names = ("chats", "orders", "agent_report")
    files = [inputs.exports[name] for name in names if name in inputs.exports]
    return InputError([Diagnostic(str(path), message, code="D303") for path in files])


def _raise_on_overflow(compiler: Compiler, people: pl.LazyFrame, rules_file: Path) -> None:
    """E171 naming the rule whose value does not fit the engine's Decimal(38, 10), found
    by computing the rules one at a time (the month's plan already failed, so a month that
    computes fine never pays for this); nothing found: the caller re-raises Polars' error."""
    found = compiler.first_overflow(people)
    if found is None:
        return
    step, error = found
    diagnostic = _overflow_diagnostic(compiler.rules, step, rules_file)
    raise InputError([diagnostic]) from error


def _overflow_diagnostic(rules: RuleSet, step: Step, rules_file: Path) -> Diagnostic:
    """E171 at the formula that overflowed when the step has one, else at its rule."""
    advice = "the value exceeds 10^28: check the parameters and the formula's units"
    if not step.component:
        total = rules.totals[step.total]
        message = f"total '{total.id}' overflowed while the month was computed — {advice}"
        path = f"totals[{step.total}]" if len(rules.totals) > 1 else "total"
        return Diagnostic(str(rules_file), message, code="E171", path=path)
    formulas = formula_fields(rules.components[step.component])
    if step.part == "flag_when":
        formulas = {("flag_when",): formulas[("flag_when",)]}
    elif step.part == "":  # the amount: every formula but the flag's
        formulas = {loc: text for loc, text in formulas.items() if loc != ("flag_when",)}
    # One formula: point at it and quote it; several (a table's rows …): the component.
    where, quoted = next(iter(formulas.items())) if len(formulas) == 1 else ((), "")
    subject = f"'{quoted}'" if quoted else "the component"
    message = f"{subject} overflowed while the month was computed — {advice}"
    path = dotted(("components", step.component, *where))
    written = rules.written.get(step.component)
    if written is None:
        return Diagnostic(str(rules_file), message, code="E171", path=path)
    at = written.at(*where)
    return Diagnostic(at.file, message, code="E171", line=at.line, col=at.col, path=path)


def _lines(computed: pl.DataFrame, meta: list[CompiledLine]) -> pl.DataFrame:
    """Every person × line explained: every line's amount and why in one select, unpivoted."""
    amounts, whys = [f"_a{i}" for i in range(len(meta))], [f"_w{i}" for i in range(len(meta))]
    wide = computed.select(
        *PERSON,
        *(show_expr(pl.col(m.id), m.unit).alias(a) for m, a in zip(meta, amounts, strict=True)),
        *(pl.col(m.id + WHY).alias(w) for m, w in zip(meta, whys, strict=True)),
    )
    about = pl.DataFrame(
        [(amounts[i], i, m.id, m.label, m.rule, m.pays) for i, m in enumerate(meta)],
        schema=["_line", ("_order", pl.Int64), "component", "label", "rule", ("pays", pl.Boolean)],
        orient="row",
    )
    explained = wide.unpivot(whys, index=[], value_name="explanation").get_column("explanation")
    lines = (
        wide.unpivot(amounts, index=PERSON, variable_name="_line", value_name="amount")
        .with_columns(explained)
        .join(about, on="_line", how="left", maintain_order="left")
        .filter(pl.col("explanation").is_not_null())
        .select(*PERSON, "_order", "component", "label", "rule", "pays", "amount", "explanation")
    )
    return lines.sort("agent_id", "_order").drop("_order")


def _flags(computed: pl.DataFrame, meta: list[CompiledLine]) -> pl.DataFrame:
    parts = [
        computed.select(
            *PERSON,
            pl.lit(line.id).alias("component"),
            pl.lit(line.label).alias("label"),
            pl.lit(line.rule).alias("rule"),
            pl.col(line.id + FLAG).alias("flag"),
        ).filter(pl.col("flag").is_not_null())
        for line in meta
        if line.id + FLAG in computed.columns
    ]
    empty = pl.DataFrame(
        schema={
            **{c: pl.String for c in PERSON},
            "component": pl.String,
            "label": pl.String,
            "rule": pl.String,
            "flag": pl.String,
        }
    )
    return pl.concat([empty, *parts], how="vertical").sort("agent_id", "component")


def _metrics(computed: pl.DataFrame) -> pl.DataFrame:
    # metrics.csv keeps the columns it had before month_of_year, so the files of earlier
    # months stay comparable column for column; the month is in the folder name anyway.
    calendar = [c.name for c in CALENDAR if c.name != "month_of_year"]
    names = [m.name for m in METRICS] + calendar
    ratios = {m.name for m in METRICS if m.unit == "ratio"}
    columns = []
    for name in names:
        column = pl.col(name)
        if name in ratios:
            column = column.round(4, mode="half_away_from_zero").cast(RATIO)
        elif name in ("avg_first_response_s", "avg_response_s"):
            column = column.round(1)
        columns.append(column)
    return computed.select(*PERSON, *columns).sort("agent_id")
