"""One month, end to end: load the period folder and the rules, attribute orders, build the
per-agent frame, apply the pay components.

Three stages: the exports are parsed (and every row validated) in one streaming pass
each, keeping per session only what attribution needs and summing the rest per account
(before, in and after the month); then the month's chat figures and attribution; then pay
and the reports."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from csincentive.core.diagnostics import Diagnostic, InputError
from csincentive.core.display import show_expr
from csincentive.core.money import PAY, RATIO
from csincentive.core.names import CALENDAR, METRICS
from csincentive.month.attribution import attribute_orders, buyer_key, resolve_accounts
from csincentive.month.engine import (
    FLAG,
    WHY,
    CompiledLine,
    Compiler,
    traces_of,
    values_of,
)
from csincentive.month.history import history_frame
from csincentive.month.metrics import (
    agent_frame,
    chat_sums,
    month_chat_metrics,
    reconciliation,
    sales_metrics,
    unknown_agents,
)
from csincentive.month.result import PERSON, MonthResult
from csincentive.rules.loader import load_rules
from csincentive.rules.model import RuleSet
from csincentive.sources.cache import parsed_cache
from csincentive.sources.extras import Extras, load_extras
from csincentive.sources.period import (
    ROW_PROBLEM,
    MessageRules,
    Period,
    ProblemCheck,
    load_period,
    unreadable,
)

if TYPE_CHECKING:
    from csincentive.ledger.store import Ledger

CLAWBACK_MONTHS = 6  # refunds on orders older than this many sealed months are not chased
# What each order's outcome keeps (in the ledger, for clawbacks and audits). The buyer and
# the status stay in the export, pinned by its hash in the manifest: at millions of
# orders their text would be most of the ledger's size and writing time.
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
# Chats are held as what attribution and distinct buyers need: the account (an Enum code,
# see resolve_agents), the buyer only as a 64-bit hash (buyer_key) and the start. Every
# other per-session figure is summed per account as the export is read
# (metrics.chat_sums), so tens of millions of sessions cost 20 bytes each in memory.
CHAT_COLUMNS = ["agent_key", "buyer_key", "start_time"]
# Orders keep only what attribution, metrics and the ledger read.
ORDER_INPUT_COLUMNS = [
    "order_id",
    "buyer_key",
    "created_at",
    "paid_at",
    "paid_amount",
    "refund_amount",
    "line",
]


def compute_month(
    period_dir: str | Path,
    rules_file: str | Path,
    *,
    month: tuple[int, int] | None = None,
    ledger: Ledger | None = None,
    recording: bool = False,
    progress: Callable[[str], None] = lambda stage: None,
) -> MonthResult:
    """Pay for one month. Raises InputError (with every problem found) on bad input.

    `ledger` holds the earlier months: rules over a quarter or a year read them, and
    refunds on orders of sealed months are clawed back (late_refunds). `recording`: the
    result is about to be recorded in `ledger`, which may start hashing the inputs as
    soon as they are read. `progress` is told each stage as it starts ("attributing 8,000,000
    orders …"), for a terminal to show during a long month."""
    all_versions, warnings = load_rules(rules_file)
    with tempfile.TemporaryDirectory(prefix="csincentive-") as work_dir:
        period = load_period(
            Path(period_dir),
            work_dir=Path(work_dir),
            column_map=dict(all_versions.inputs.columns),
            month=month,
            session_gap_minutes=all_versions.inputs.session_gap_minutes,
            roster_fields=all_versions.inputs.roster_fields,
            message_rules=MessageRules(
                tuple(all_versions.inputs.auto_reply_patterns),
                tuple(all_versions.inputs.system_senders),
                all_versions.inputs.slow_response_s,
            ),
        )
        rules = _version_in_force(all_versions, period.year, period.month, str(rules_file))
        extras = load_extras(
            period.folder,
            rules,
            period.roster,
            year=period.year,
            month=period.month,
            work_dir=Path(work_dir),
        )
        history = history_frame(
            rules,
            ledger,
            period.roster,
            year=period.year,
            month=period.month,
            rules_file=str(rules_file),
        )
        early = ledger.hash_early if recording and ledger is not None else None
        return _compute(
            period, extras, history, ledger, rules, Path(rules_file), warnings, early, progress
        )


def _version_in_force(rules: RuleSet, year: int, month: int, rules_file: str) -> RuleSet:
    start = rules.scheme.valid_from if rules.scheme else None
    if start is not None and (year, month) < (start.year, start.month):
        message = (
            f"the scheme is valid from {start}; {year:04d}-{month:02d} is earlier — pay it "
            "with the rules that were in force then"
        )
        raise InputError([Diagnostic(rules_file, message, code="E190", path="scheme.valid_from")])
    return rules.in_force(year, month)


def _compute(
    period: Period,
    extras: Extras,
    history: pl.DataFrame | None,
    ledger: Ledger | None,
    rules: RuleSet,
    rules_file: Path,
    warnings: list[Diagnostic],
    inputs_read: Callable[[list[Path]], None] | None = None,
    progress: Callable[[str], None] = lambda stage: None,
) -> MonthResult:
    year, month = period.year, period.month
    # Stage 1: read and parse each file once, together with its row checks. What later
    # stages read stays in memory — sessions as three columns, their figures summed per
    # account (metrics.chat_sums), the orders — because re-scanning a CSV costs more than
    # holding it. A repeat run of the same files and month starts from the frames the
    # first run kept (cache.py): the sums are split at the month's bounds.
    settings = f"{rules.inputs.model_dump_json()} {year:04d}-{month:02d}"
    cache = parsed_cache(period.files, settings)
    required = {
        "chats": CHAT_COLUMNS,
        "sums": ["agent_key", "relative_month"],
        "orders": ORDER_INPUT_COLUMNS,
    }
    cached = cache.load(required) if cache is not None else None
    if cached is not None:
        chats_df, sums_df, orders_df = cached
    else:
        progress(f"reading {_sizes(period.files)} …")
        chats_df, sums_df, orders_df = _read_exports(period)
        if cache is not None:
            cache.save_in_background(chats_df, sums_df, orders_df)

    if inputs_read is not None:
        inputs_read([*period.files.values(), *extras.files.values()])

    # Stage 2: the chat metrics and attribution, the two passes over the big frames.
    progress(f"attributing {orders_df.height:,} orders to {chats_df.height:,} chats …")
    chats = chats_df.lazy()
    chat_stats = month_chat_metrics(
        sums_df.lazy(), chats.rename({"buyer_key": "buyer"}), year, month
    ).collect()
    attributed_df = attribute_orders(
        orders_df.lazy(),
        chats,
        year=year,
        month=month,
        window_days=rules.attribution.window_days,
        judge_by=rules.attribution.judge_by,
    ).collect()
    attributed = attributed_df.lazy()
    del chats, chats_df  # a month's sessions: nothing below reads them

    # Stage 3: everything per person, and the reports, from those results.
    progress(f"computing pay for {period.roster.height:,} people …")
    probation_months = int(rules.params.get("probation_months", 3))
    people = period.roster.join(extras.frame, on="agent_id", how="left")
    if history is not None:
        people = people.join(history, on="agent_id", how="left")
    clawed = late_refunds(ledger, orders_df, f"{year:04d}-{month:02d}")
    people = people.join(
        clawed.group_by("agent_key").agg(pl.col("clawed_refund").sum().alias("late_refunds")),
        left_on="agent_id",
        right_on="agent_key",
        how="left",
    ).with_columns(pl.col("late_refunds").fill_null(0).cast(PAY))
    frame = agent_frame(
        people,
        chat_stats.lazy(),
        sales_metrics(attributed),
        year=year,
        month=month,
        probation_months=probation_months,
    )
    compiler = Compiler(rules)
    # Every order in file order (attribute_orders keeps it; _read_exports made sure), with
    # what was clawed back on it: the frame's own columns, not a copy of millions of rows.
    clawed_back = pl.repeat(None, attributed_df.height, dtype=PAY, eager=True)
    if clawed.height:
        lookup = pl.col("order_id").replace_strict(
            clawed["order_id"], clawed["clawed_refund"], default=None
        )
        clawed_back = attributed_df.select(lookup).to_series()
    orders_out = pl.DataFrame(
        [
            *(attributed_df.get_column(name) for name in ORDER_COLUMNS),
            clawed_back.alias("clawed_refund"),
            attributed_df.get_column("line"),
        ]
    )
    plans = [
        compiler.apply(frame),
        reconciliation(attributed),
        unknown_agents(sums_df.lazy(), attributed),
    ]
    computed_df, recon_df, unknown_df = pl.collect_all(plans)

    lines_meta = compiler.lines()
    _raise_on_missing_values(computed_df, lines_meta, rules_file)
    total = rules.total.id
    pay_ids = [line.id for line in lines_meta if line.pays]
    payroll = computed_df.select(*PERSON, *pay_ids, total)
    warnings = warnings + _unknown_agent_warnings(period, unknown_df)
    warnings += _empty_month_warnings(period, sums_df, recon_df)
    return MonthResult(
        period=f"{year:04d}-{month:02d}",
        rules=rules,
        rules_file=rules_file,
        lines_meta=lines_meta,
        payroll=payroll,
        lines=_lines(computed_df, lines_meta),
        flags=_flags(computed_df, lines_meta),
        metrics=_metrics(computed_df),
        reconciliation=recon_df,
        unknown_agents=unknown_df,
        values=values_of(computed_df),
        traces=traces_of(computed_df),
        orders=orders_out,
        warnings=warnings,
        input_files={**period.files, **extras.files},
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


def _read_exports(period: Period) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """The chats (CHAT_COLUMNS), their sums per account (metrics.chat_sums) and the
    orders, parsed with every row validated, in one read of each file."""
    # Accounts are few and chats many: the account is read as a categorical (a 32-bit
    # code per chat) and resolved to its agent once per account (resolve_accounts).
    sessions = period.chats.with_columns(pl.col("agent").cast(pl.Categorical), buyer_key())
    chats = sessions.select("agent", "buyer_key", "start_time")
    sums = chat_sums(sessions, period.year, period.month, account="agent")
    orders = period.orders.with_columns(buyer_key()).select(
        *ORDER_INPUT_COLUMNS, *_flag(period.orders)
    )
    try:
        chats_df, sums_df, orders_df = pl.collect_all([chats, sums, orders])
    except pl.exceptions.PolarsError as error:  # e.g. a quote never closed
        raise unreadable(period.files, error) from None
    _check_rows(period, {"chats": sums_df, "orders": orders_df})
    if not orders_df["line"].is_sorted():  # what the engine read in parallel, in file order
        orders_df = orders_df.sort("line")
    sums_df = sums_df.drop(ROW_PROBLEM, strict=False)
    try:
        chats_df, sums_df = resolve_accounts([chats_df, sums_df], period.roster)
    except ValueError as error:  # more accounts than attribution's sort key can rank
        message = f"{error} — split the export by shop or by team and pay each on its own"
        raise InputError.single(str(period.files["chats"]), message, code="D302") from None
    sums_df = sums_df.sort("agent_key", "relative_month")
    return chats_df, sums_df, orders_df.drop(ROW_PROBLEM, strict=False)


def _sizes(files: dict[str, Path]) -> str:
    """ "chats.csv (1.8 GB) and orders.csv (804 MB)": what a long read is reading."""

    def size(path: Path) -> str:
        octets = path.stat().st_size
        if octets >= 1e9:
            return f"{octets / 1e9:.1f} GB"
        return f"{octets / 1e6:.0f} MB" if octets >= 1e6 else f"{max(octets / 1e3, 1):.0f} kB"

    named = [files[name] for name in ("chats", "orders") if name in files]
    return " and ".join(f"{path.name} ({size(path)})" for path in named) or "the exports"


def _flag(frame: pl.LazyFrame) -> list[str]:
    return [ROW_PROBLEM] if ROW_PROBLEM in frame.collect_schema() else []


def _check_rows(period: Period, loaded: dict[str, pl.DataFrame]) -> None:
    """Run the detailed row checks only where the loaded frames say something is wrong
    (or where a check has no per-row flag), then raise with every bad row found."""
    suspect = []
    for check in period.checks:
        frame = next(df for name, df in loaded.items() if check.file == str(period.files[name]))
        if check.flag is not None and ROW_PROBLEM in frame.columns:
            if frame[ROW_PROBLEM].any():
                suspect.append(check)
        elif check.suspect is not None:
            if frame.select(check.suspect).item():
                suspect.append(check)
        else:
            suspect.append(check)
    if suspect:
        _raise_on_problems(suspect, pl.collect_all([c.frame for c in suspect]))


def _raise_on_problems(checks: list[ProblemCheck], frames: list[pl.DataFrame]) -> None:
    diagnostics: list[Diagnostic] = []
    for check, rows in zip(checks, frames, strict=True):
        for row in rows.sort("line").iter_rows(named=True):
            message = f"{row['message']}: {row['value']!r} — {check.what_to_do}"
            diagnostics.append(
                Diagnostic(check.file, message, code="D300", line=row["line"], path=row["field"])
            )
    if diagnostics:
        raise InputError(diagnostics)


def _raise_on_missing_values(
    computed: pl.DataFrame, meta: list[CompiledLine], rules_file: Path
) -> None:
    """A table, match or matrix without a default that finds no row leaves a person with
    no value: that payslip would be silently short, so it is an error naming the rule."""
    diagnostics = []
    for line in meta:
        missing = computed.filter(pl.col(line.id).is_null() & pl.col(line.id + WHY).is_not_null())
        for row in missing.select("agent_id", "name", line.id + WHY).iter_rows():
            agent_id, name, why = row
            message = (
                f"no value for {agent_id} {name} ({why}); add the missing row or case, or a default"
            )
            diagnostics.append(
                Diagnostic(str(rules_file), message, code="E170", path=f"components.{line.id}")
            )
    if diagnostics:
        raise InputError(diagnostics)


def _unknown_agent_warnings(period: Period, unknown: pl.DataFrame) -> list[Diagnostic]:
    chats_file = str(period.files.get("chats", "chats.csv"))
    out = []
    for row in unknown.iter_rows(named=True):
        message = (
            f"chat account '{row['account']}' is not in the roster ({row['sessions']} sessions, "
            f"{row['orders']} orders worth {row['sales']} credited to it and paid to nobody); "
            "add it to agents.csv as an agent_id or chat_nick"
        )
        out.append(
            Diagnostic(
                chats_file,
                message,
                code="W301",
                line=row["first_line"],
                path="agent",
                severity="warning",
            )
        )
    return out


def _empty_month_warnings(
    period: Period, sums: pl.DataFrame, reconciled: pl.DataFrame
) -> list[Diagnostic]:
    """Exports with rows, none of them in the month paid: most likely the wrong export or
    the wrong --month, and every payslip would be short without a word. (An export with
    no rows at all is left alone: a scheme without sales ships an empty orders.csv.)"""
    month = f"{period.year:04d}-{period.month:02d}"
    check = "check that the export covers the month paid, or pay the month it covers (--month)"
    out = []
    sessions = int(sums["sessions"].sum())
    if sessions and not int(sums.filter(pl.col("relative_month") == 0)["sessions"].sum()):
        message = f"none of its {sessions:,} sessions starts in {month} — {check}"
        out.append(_warning(period, "chats", message, "W302"))
    counts = dict(zip(reconciled["outcome"], reconciled["orders"], strict=True))
    in_month = sum(counts.get(o, 0) for o in ("credited", "silent", "outside_window"))
    if counts.get("other_month", 0) and not in_month:
        message = f"none of its {counts['other_month']:,} paid orders falls in {month} — {check}"
        out.append(_warning(period, "orders", message, "W303"))
    return out


def _warning(period: Period, name: str, message: str, code: str) -> Diagnostic:
    path = str(period.files.get(name, f"{name}.csv"))
    return Diagnostic(path, message, code=code, severity="warning")


def _lines(computed: pl.DataFrame, meta: list[CompiledLine]) -> pl.DataFrame:
    parts = []
    for position, line in enumerate(meta):
        parts.append(
            computed.select(
                *PERSON,
                pl.lit(position, dtype=pl.Int64).alias("_order"),
                pl.lit(line.id).alias("component"),
                pl.lit(line.label).alias("label"),
                pl.lit(line.rule).alias("rule"),
                pl.lit(line.pays).alias("pays"),
                show_expr(pl.col(line.id), line.unit).alias("amount"),
                pl.col(line.id + WHY).alias("explanation"),
            ).filter(pl.col("explanation").is_not_null())
        )
    lines = pl.concat(parts, how="vertical")
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
    names = [m.name for m in METRICS] + [c.name for c in CALENDAR]
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
