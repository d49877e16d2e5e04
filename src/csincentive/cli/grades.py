"""`csincentive grades QUARTER`: the quarterly grade review (S002-12..14) from the ledger.
Writes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from csincentive.cli.options import LangOption, RulesOption, fail


def grades(
    quarter: Annotated[str, typer.Argument(help="The quarter to review, e.g. 2026Q4.")],
    rules: RulesOption,
    ledger_dir: Annotated[
        Path,
        typer.Option(
            "--ledger", help="The ledger folder the months were recorded in.", file_okay=False
        ),
    ] = Path("ledger"),
    json_output: Annotated[bool, typer.Option("--json", help="The review as JSON.")] = False,
    lang: LangOption = None,
) -> None:
    """Review grades for a quarter: per agent promote, demote, unchanged or review, with
    the reasons (tenure, average coefficient, monthly conversations against the role's
    average, months in a row below the coefficient bound).

    Reads the quarter's three months from the ledger (run them first) and the [grades]
    table of the rules. Changes nothing: the decisions go into next quarter's agents.csv
    by hand.

    Example: csincentive grades 2026Q4 --rules rules/callcenter-points.toml
    """
    import csincentive.cli.render as render
    from csincentive.core.diagnostics import InputError
    from csincentive.core.messages import language_of, t, word
    from csincentive.core.month import Quarter
    from csincentive.ledger.store import Ledger
    from csincentive.reports.grades import review_quarter
    from csincentive.reports.words import column_label
    from csincentive.rules.loader import load_rules

    try:
        period = Quarter.parse(quarter)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="QUARTER") from None
    try:
        rule_set, warnings = load_rules(rules)
        result = review_quarter(Ledger(ledger_dir), rule_set, period, rules_file=rules, lang=lang)
    except InputError as error:
        raise fail(error) from None
    render.diagnostics(render.stderr(), warnings)
    console = render.stdout()
    if json_output:
        console.print(render.as_json(result.as_dict()), markup=False)
        return
    words = language_of(lang or rule_set.language)
    months = t("review.separator", words).join(result.months)
    title = t("review.title", words, quarter=result.quarter, months=months)
    table = result.table(words)
    headers = {c: column_label(c, words) for c in table.columns}
    console.print(render.frame_table(table, title, headers=headers))
    counts = t("review.separator", words).join(
        t("review.count", words, count=n, decision=word("decision", decision, words) or decision)
        for decision, n in result.counts().items()
    )
    console.print(
        t("review.summary", words, people=len(result.agents), counts=counts), markup=False
    )
