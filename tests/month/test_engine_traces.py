"""The registry of component kinds is the one list, and what the engine records per person
and component (``<id>__trace``) for `explain` to render. Expected values are worked by
hand in the comments."""

from __future__ import annotations

import re
import sys
import typing
from decimal import Decimal

import polars as pl
import pytest
from helpers import ROOT

from csincentive.month.engine import TRACE, Compiler, Read, values_of
from csincentive.rules.kinds import BY_NAME, KIND_NAMES, KINDS, kind_of
from csincentive.rules.kinds.base import (
    FIELD_SIZE,
    IN_FIELD,
    PLACE,
    QUOTA,
    ROW,
    ROW_KEY,
    VALUE,
    Compiled,
)
from csincentive.rules.model import Change, RuleSet

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DOCS = ROOT / "docs" / "rules.md"
HEADER = '[scheme]\nid = "t"\nname = "test"\nvalid_from = "2026-01-01"\n'

# One small component of each kind, all reading x (and the roster's education).
SAMPLES = {
    "formula": 'expr = "x * 2"',
    "rate": 'base = "x"\nrate = "10%"',
    "table": 'on = "x"\nrows = [{ below = 5, value = 1 }, { from = 5, value = 2 }]',
    "marginal": 'on = "x"\nrows = [{ from = 0, below = 5, rate = 1 }, { from = 5, rate = 2 }]',
    "match": 'on = "education"\ncases = { "本科" = 10 }\ndefault = 0',
    "rank": 'by = "x"\nprizes = [100]',
    "ladder": 'count = "x"\namounts = [5]',
    "award": 'by = "x"\namount = 50',
    "matrix": 'row = "education"\ncolumn = "x"\nbands = [{ below = 5 }, { from = 5 }]\n'
    'cells = { "本科" = [1, 2] }\ndefault = 0',
    "scorecard": 'items = [{ label = "i", value = "x", worst = 0, best = 10 }]\npay = false',
    "pool": 'amount = 100\nbasis = "x"',
}


def rules(body: str) -> RuleSet:
    return RuleSet.model_validate(tomllib.loads(HEADER + body))


def agents(**columns: list) -> pl.LazyFrame:
    n = len(next(iter(columns.values())))
    base = {
        "agent_id": [f"A{i}" for i in range(1, n + 1)],
        "team": ["t1"] * n,
        "role": ["agent"] * n,
        "grade": ["初级"] * n,
        "days_employed": [31] * n,
        "days_in_month": [31] * n,
    }
    return pl.LazyFrame({**base, **columns})


def traced(body: str, frame: pl.LazyFrame, cid: str) -> list[dict]:
    """Each person's trace of component `cid`."""
    computed = Compiler(rules(body)).apply(frame).collect()
    return computed[cid + TRACE].to_list()


# ------------------------------------------------------------------------------ registry


def test_every_model_in_the_union_is_registered_once():
    union = typing.get_args(typing.get_args(RuleSet.model_fields["components"].annotation)[1])
    models = typing.get_args(union[0])
    assert models == tuple(kind.model for kind in KINDS)
    assert len(set(KIND_NAMES)) == len(KINDS)
    # A dated change holds the same union.
    assert (
        Change.model_fields["components"].annotation
        == RuleSet.model_fields["components"].annotation
    )
    for kind in KINDS:
        assert typing.get_args(kind.model.model_fields["kind"].annotation) == (kind.name,)


def test_the_docs_table_lists_exactly_the_registered_kinds():
    text = DOCS.read_text(encoding="utf-8")
    table = text.split("## Component kinds", 1)[1].split("\n\n", 2)[1]
    documented = re.findall(r"^\| `(\w+)` \|", table, flags=re.MULTILINE)
    assert documented == list(KIND_NAMES)


@pytest.mark.parametrize("name", KIND_NAMES)
def test_every_kind_compiles_checks_and_records_its_trace(name: str):
    kind = BY_NAME[name]
    assert callable(kind.check)
    body = (
        '[inputs]\nroster_fields = ["education"]\n'
        f'[components.c]\nlabel = "c"\nkind = "{name}"\n{SAMPLES[name]}\n'
    )
    ruleset = rules(body)
    component = ruleset.components["c"]
    assert kind_of(component) is kind
    compiled = kind.compile(component, Compiler(ruleset))
    assert isinstance(compiled, Compiled)
    assert tuple(compiled.records) == kind.records
    frame = agents(x=[Decimal(3), Decimal(7)], education=["本科", "大专"])
    [first, _] = traced(body, frame, "c")
    reads = Compiler(ruleset).lines()[0].reads
    first_read = "education" if name in ("match", "matrix") else "x"  # a field before formulas
    assert reads[0].text == first_read
    assert list(first) == [*(Read.value(i) for i in range(len(reads))), *kind.records]


def test_a_trace_is_kept_out_of_the_values_the_ledger_stores():
    body = '[components.c]\nlabel = "c"\nkind = "rate"\nbase = "x"\nrate = "10%"\n'
    computed = Compiler(rules(body)).apply(agents(x=[Decimal(3)])).collect()
    assert "c__trace" in computed.columns
    assert "c__trace" not in values_of(computed).columns
    assert {"c", "c__raw", "gross"} <= set(values_of(computed).columns)


# -------------------------------------------------------------------------- what is kept


def test_inputs_are_recorded_with_their_values_and_as_shown():
    body = """
[params]
bonus_rate = "2%"
[components.bonus]
label = "奖金"
kind = "formula"
expr = "net_sales * bonus_rate + team_sum(net_sales)"
"""
    frame = agents(net_sales=[Decimal("100.50"), Decimal("200.00")])
    [trace, _] = traced(body, frame, "bonus")
    [line] = Compiler(rules(body)).lines()
    # Each value with the unit it is shown in: net_sales is money, bonus_rate was written
    # as a percentage, a team sum of money is money.
    assert [(r.text, r.source, r.used_in, r.unit) for r in line.reads] == [
        ("net_sales", "metric", ("expr",), "money"),
        ("bonus_rate", "parameter", ("expr",), "ratio"),
        ("team_sum(net_sales)", "team aggregate", ("expr",), "money"),
    ]
    # A1: net_sales 100.50, the 2% rate, and the team's 100.50 + 200.00 = 300.50.
    assert trace == {
        "input0": Decimal("100.5"),
        "input1": Decimal("0.02"),
        "input2": Decimal("300.5"),
    }


def test_a_constant_records_nothing():
    body = '[components.c]\nlabel = "c"\nkind = "formula"\nexpr = "3000"\n'
    computed = Compiler(rules(body)).apply(agents(x=[Decimal(3)])).collect()
    assert "c__trace" not in computed.columns


def test_table_records_the_row_reached():
    # 3 → [_, 5) is row 0; 7 → [5, 9) row 1; 12 → no row (the default).
    body = """
[components.c]
label = "c"
kind = "table"
on = "x"
rows = [{ below = 5, value = 1 }, { from = 5, below = 9, value = 2 }]
default = 0
"""
    traces = traced(body, agents(x=[Decimal(3), Decimal(7), Decimal(12)]), "c")
    assert [t[ROW] for t in traces] == [0, 1, None]
    assert [line.picks for line in Compiler(rules(body)).lines()][0].of == 2  # type: ignore[union-attr]


def test_matrix_records_the_band_only_for_a_listed_row():
    # 本科 with 7 → band 1 ([5, …)); 高中 is not listed → no cell, whatever the band.
    body = """
[inputs]
roster_fields = ["education"]
[components.c]
label = "c"
kind = "matrix"
row = "education"
column = "x"
bands = [{ below = 5 }, { from = 5 }]
cells = { "本科" = [1, 2] }
default = 0
"""
    frame = agents(x=[Decimal(7), Decimal(3)], education=["本科", "高中"])
    traces = traced(body, frame, "c")
    assert [(t[ROW], t[ROW_KEY]) for t in traces] == [(1, "本科"), (None, "高中")]


def test_rank_records_the_place_the_field_and_the_value():
    # x: A1 5, A2 9, A3 9, A4 2 → ranks 3, 1, 1, 4 (ties share a rank) of a field of 4.
    body = '[components.c]\nlabel = "c"\nkind = "rank"\nby = "x"\nprizes = [100, 50]\n'
    frame = agents(x=[Decimal(5), Decimal(9), Decimal(9), Decimal(2)])
    traces = traced(body, frame, "c")
    assert [t[PLACE] for t in traces] == [3, 1, 1, 4]
    assert {t[FIELD_SIZE] for t in traces} == {4}
    assert all(t[IN_FIELD] for t in traces)
    assert [t[VALUE] for t in traces] == [Decimal(5), Decimal(9), Decimal(9), Decimal(2)]


def test_award_records_the_place_among_the_eligible_and_the_quota():
    # 12 members → ceil(12 / 10) = 2 awards. A1 (x = 9) is not eligible (complaints);
    # among the others A2 8, A3 7 … so A2 is place 1, A3 place 2, A1 has no place.
    body = """
[components.c]
label = "c"
kind = "award"
by = "x"
eligible = "complaints == 0"
amount = 50
"""
    x = [Decimal(9), Decimal(8), Decimal(7)] + [Decimal(1)] * 9
    frame = agents(x=x, complaints=[1] + [0] * 11)
    traces = traced(body, frame, "c")
    assert [t[PLACE] for t in traces[:4]] == [None, 1, 2, 3]
    assert {(t[QUOTA], t[FIELD_SIZE]) for t in traces} == {(2, 12)}
